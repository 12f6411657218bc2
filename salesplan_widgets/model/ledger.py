"""The payment ledger's arithmetic: what to pay in the open period, given what closed periods already paid.

A closed period's payments are facts. The statements engine says what every period is owed under the data,
quotas and plan as they are now; for each closed period and rep, owed-now minus paid-so-far becomes a
prior-period adjustment line in the open period, with its cause found by comparing the facts the period was
last paid on (measured sales, quota, plan version) with today's. Money is integer minor units (cents), so
"paid = owed" holds exactly. Pure: frames in, frames out; no files, no clock, no user names (a statements run
is kept per process by the content of its inputs, `statements_run`, which changes no result).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesplan_widgets.errors import PlanError, Problem
from salesplan_widgets.i18n import _, minor_unit
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.ledger_lines import COLUMNS, TEXT_COLUMNS
from salesplan_widgets.model.measurement import (
    ends_a_measurement_period,
    ends_a_pay_period,
    measurement_name,
)
from salesplan_widgets.model.statements import PERIOD_MONTHS, Statements, fiscal_year_first, payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection

PAYMENT, ADJUSTMENT = "payment", "adjustment"
COMMISSION_KINDS = (PAYMENT, ADJUSTMENT)  # what the plan owes; every other kind settles cash (draws …)
CAUSES = ("late_transaction", "return", "quota_change", "plan_change", "recalculation")
# what a period pays beside a rate on its sales (on cash collected, per account or per large deal, a manager's
# override on the team's sales, recovered at its own rate): left out of the rate a clawback recovers, so a
# returned deal never recovers more than its sales earned
OFF_SALES = ("collections", "new_logo", "deal_kicker", "team_override")


def cause_labels() -> dict[str, str]:
    """Each cause code in the active language (codes are stored, so statements render in any language)."""
    return {
        "late_transaction": _("late or corrected transaction"),
        "return": _("return or reduced transaction"),
        "quota_change": _("quota change"),
        "plan_change": _("plan change effective in the past"),
        "recalculation": _("recalculation"),
    }


def describe_cause(cause: str) -> str:
    """'late_transaction+quota_change' → 'late or corrected transaction, quota change' (active language)."""
    labels = cause_labels()
    return _(", ").join(labels.get(code, code) for code in str(cause).split("+") if code)


def to_minor(amount: pd.Series | np.ndarray, currency: str) -> np.ndarray:
    """Money to integer minor units (the statements engine already rounded, so this is exact)."""
    return np.round(np.asarray(amount, dtype=float) * 10 ** minor_unit(currency)).astype(np.int64)


def owed_by_period(statements: Statements, plan_version: str | pd.Series) -> pd.DataFrame:
    """What each rep is owed for each period of an all-periods statements run, with the facts behind it.

    A rep on two role plans in one period has a row per plan: their owed amounts, sales and quotas add up.
    `plan_version` is one id for every period or a Series period -> id (plans versioned by effective month).
    """
    reps = statements.reps
    digits = minor_unit(statements.currency)
    rows = pd.DataFrame(
        {
            "for_period": reps["period"].array,
            "rep": reps["rep"].astype(str).to_numpy(),
            "team": reps["team"].astype(str).to_numpy(),
            "owed_minor": to_minor(reps["payout"], statements.currency),
            "sales": reps["sales"].to_numpy(dtype=float),
            "quota": reps["quota"].to_numpy(dtype=float),
            "earned": reps["earned"].to_numpy(dtype=float),
        }
    )
    lines = statements.lines
    off = lines[lines["component"].astype(str).isin(OFF_SALES)]
    off = off.groupby([off["period"], off["rep"].astype(str)])["amount"].sum()
    keys = pd.MultiIndex.from_arrays([rows["for_period"], rows["rep"]])
    rows["on_sales"] = rows["earned"] - off.reindex(keys).fillna(0.0).to_numpy()  # earned at a rate on sales
    kicker = lines[lines["component"].astype(str) == "deal_kicker"]
    kicker = kicker.groupby([kicker["period"], kicker["rep"].astype(str)])["amount"].sum()
    rows["kicker"] = kicker.reindex(keys).fillna(0.0).to_numpy()  # what a clawback may take back of it
    if "plan" in reps.columns:  # role plans: one row per plan a rep was on
        rows = rows.groupby(["for_period", "rep"], as_index=False, sort=False).agg(
            team=("team", "last"),
            owed_minor=("owed_minor", "sum"),
            sales=("sales", "sum"),
            quota=("quota", "sum"),
            earned=("earned", "sum"),
            on_sales=("on_sales", "sum"),
            kicker=("kicker", "sum"),
        )
    owed = rows.assign(sales=rows["sales"].round(digits), quota=rows["quota"].round(digits))
    if isinstance(plan_version, pd.Series):
        owed["plan_version"] = owed["for_period"].map(plan_version).astype(str)
    else:
        owed["plan_version"] = str(plan_version)
    return owed


def paid_by_period(ledger: pd.DataFrame) -> pd.DataFrame:
    """Per rep and period: the total paid so far, and the facts it was last paid on (latest line wins)."""
    if ledger.empty:
        return pd.DataFrame(
            columns=["for_period", "rep", "team", "paid_minor", "sales", "quota", "plan_version"]
        )
    keys = ["for_period", "rep"]
    paid = ledger.groupby(keys, as_index=False, sort=False)["amount_minor"].sum()
    last = ledger.drop_duplicates(keys, keep="last")[[*keys, "team", "sales", "quota", "plan_version"]]
    return paid.rename(columns={"amount_minor": "paid_minor"}).merge(last, on=keys, how="left")


def _causes(frame: pd.DataFrame) -> pd.Series:
    """Cause codes of each adjustment: which fact (sales, quota, plan version) changed since last paid."""
    sales_now, sales_then = frame["sales_now"].fillna(0.0), frame["sales_then"].fillna(0.0)
    flags = {
        "late_transaction": sales_now > sales_then,
        "return": sales_now < sales_then,
        "quota_change": frame["quota_now"].fillna(0.0) != frame["quota_then"].fillna(0.0),
        "plan_change": frame["plan_now"].fillna("") != frame["plan_then"].fillna(""),
    }
    cause = pd.Series("", index=frame.index, dtype=object)
    for code, flag in flags.items():  # four causes, each a vectorised column
        cause = cause.where(~flag.to_numpy(), cause + "+" + code)
    cause = cause.str.lstrip("+")
    return cause.where(cause != "", "recalculation")


def prior_period_adjustments(
    owed: pd.DataFrame,
    ledger: pd.DataFrame,
    open_period: pd.Period,
    currency: str = "CNY",
    closed: list[pd.Period] | None = None,
) -> pd.DataFrame:
    """Adjustment lines for the open period: for each closed period and rep, owed now minus paid so far.

    `owed` comes from `owed_by_period` over the closed periods; `ledger` is every line paid so far. A rep
    who is gone from today's data is owed 0 for the periods they were paid, so an overpayment is recovered.
    `closed` names the closed periods when some paid no commission (only a draw, say); default: the ledger's.
    """
    closed = list(ledger["for_period"].unique()) if closed is None and not ledger.empty else closed or []
    if not closed:
        return pd.DataFrame(columns=COLUMNS)
    digits = minor_unit(currency)
    owed = owed[owed["for_period"].isin(closed)]
    paid = paid_by_period(ledger)
    both = owed.merge(paid, on=["for_period", "rep"], how="outer", suffixes=("_now", "_then"))
    both["owed_minor"] = both["owed_minor"].fillna(0).astype(np.int64)
    both["paid_minor"] = both["paid_minor"].fillna(0).astype(np.int64)
    delta = both["owed_minor"] - both["paid_minor"]
    both = both[delta != 0].assign(amount_minor=delta[delta != 0])
    if both.empty:
        return pd.DataFrame(columns=COLUMNS)
    both = both.rename(columns={"plan_version_now": "plan_now", "plan_version_then": "plan_then"})
    cause = _causes(both)
    team = both["team_now"].fillna(both["team_then"]).astype(str)
    adjustments = pd.DataFrame(
        {
            "period": open_period,
            "for_period": both["for_period"].array,
            "rep": both["rep"].astype(str).to_numpy(),
            "team": team.to_numpy(),
            "plan": "",  # a period's adjustment covers every plan the rep was on
            "kind": ADJUSTMENT,
            "component": ADJUSTMENT,
            "rule": adjustment_rules(both["for_period"], cause),
            "base": both["paid_minor"].to_numpy(dtype=float) / 10**digits,  # what was paid for it so far
            "rate": np.nan,
            "reference": both["owed_minor"].to_numpy(dtype=float) / 10**digits,  # what it is owed now
            "amount_minor": both["amount_minor"].to_numpy(dtype=np.int64),
            "cause": cause.to_numpy(),
            "sales": both["sales_now"].fillna(0.0).to_numpy(),
            "quota": both["quota_now"].fillna(0.0).to_numpy(),
            "plan_version": both["plan_now"].fillna("").to_numpy(),
        }
    )
    adjustments = with_text_columns(adjustments)
    return adjustments.sort_values(["rep", "for_period"], kind="stable").reset_index(drop=True)


def adjustment_rules(for_period: pd.Series, cause: pd.Series) -> np.ndarray:
    """Each adjustment's statement text in the active language (one text per distinct period and cause)."""
    keys = pd.Series(for_period.astype(str).to_numpy(), dtype=object) + "|" + cause.to_numpy(dtype=object)
    codes, uniques = pd.factorize(keys)
    texts = [
        _("Prior-period adjustment for {period}: {cause}").format(period=p, cause=describe_cause(c))
        for p, c in (key.split("|", 1) for key in uniques)
    ]
    return np.asarray(texts, dtype=object)[codes]


def periods_from_text(values: pd.Series | np.ndarray, freq: str = "M") -> pd.PeriodIndex:
    """'2026-01' texts as periods, parsing each distinct text once (a ledger repeats a few months a lot)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return pd.PeriodIndex(list(uniques), freq=freq)[codes]


def fiscal_year_paid(lines: pd.DataFrame, open_period: pd.Period, fiscal_year_start: int, currency: str):
    """Per rep, what the ledger lines (paid and adjusted) hold for the open period's fiscal year before it."""
    first = fiscal_year_first(open_period, fiscal_year_start)
    mask = (lines["for_period"] >= first) & (lines["for_period"] < open_period)
    minor = lines[mask].groupby("rep")["amount_minor"].sum()
    return (minor / 10 ** minor_unit(currency)).rename("paid")


def period_payment_lines(statements: Statements, plan_version: str) -> pd.DataFrame:
    """The open period's own statement lines as ledger lines (one per component line, in minor units)."""
    lines = statements.lines
    reps = statements.reps.assign(rep=statements.reps["rep"].astype(str))
    reps = reps.groupby("rep", as_index=False, sort=False)[["sales", "quota"]].sum()  # over role plans
    digits = minor_unit(statements.currency)
    table = pd.DataFrame(
        {
            "period": lines["period"].array,
            "for_period": lines["period"].array,
            "rep": lines["rep"].astype(str).to_numpy(),
            "team": lines["team"].astype(str).to_numpy(),
            "plan": lines["plan"].astype(str).to_numpy() if "plan" in lines.columns else "",  # role plans
            "kind": PAYMENT,
            "component": lines["component"].astype(str).to_numpy(),
            "rule": lines["rule"].astype(str).to_numpy(),
            "base": np.round(lines["base"].to_numpy(dtype=float), digits),  # money: exact in the minor unit
            "rate": lines["rate"].to_numpy(dtype=float),
            "reference": np.round(lines["reference"].to_numpy(dtype=float), digits),
            "amount_minor": to_minor(lines["amount"], statements.currency),
            "cause": "",
        }
    ).merge(reps, on="rep", how="left")
    table["sales"] = table["sales"].round(digits)
    table["quota"] = table["quota"].round(digits)
    table["plan_version"] = plan_version
    return with_text_columns(table[table["amount_minor"] != 0])[COLUMNS].reset_index(drop=True)


def with_text_columns(lines: pd.DataFrame) -> pd.DataFrame:
    """`lines` with the text columns a kind of line does not use filled in blank."""
    missing = [c for c in TEXT_COLUMNS if c not in lines.columns]
    return lines.assign(**dict.fromkeys(missing, "")) if missing else lines


def commission_lines(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger lines of commission owed under the plan (payments and prior-period adjustments)."""
    if ledger.empty or "kind" not in ledger.columns:
        return ledger
    return ledger[ledger["kind"].isin(COMMISSION_KINDS)]


def settlement_lines(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger lines that settle cash beside commission: draws, guarantees, recoveries."""
    if ledger.empty or "kind" not in ledger.columns:
        return ledger.iloc[0:0]
    return ledger[~ledger["kind"].isin(COMMISSION_KINDS)]


def _empty_balances() -> pd.DataFrame:
    from salesplan_widgets.model.draws import BALANCE_COLUMNS

    return pd.DataFrame(columns=BALANCE_COLUMNS)


@dataclass(frozen=True)
class PeriodPayments:
    """Everything the open period pays: its own statement lines, prior-period adjustments, then the lines
    that settle cash beside commission (draws and guarantees), with each rep's balances before and after."""

    period: pd.Period
    lines: pd.DataFrame  # COLUMNS
    currency: str
    balances: pd.DataFrame = field(default_factory=_empty_balances)  # rep, account, before/after_minor

    @property
    def total_minor(self) -> int:
        return int(self.lines["amount_minor"].sum())

    def per_rep(self) -> pd.Series:
        return self.lines.groupby("rep")["amount_minor"].sum()

    def figures(self, ledger_head: str = "") -> str:
        """A hash of exactly these figures (and the ledger they build on): what finance approves."""
        shown = ["for_period", "rep", "kind", "component", "amount_minor", "cause"]
        text = self.lines[shown].astype(str).to_csv(index=False)
        digest = hashlib.sha256(f"{self.period}|{self.currency}|{ledger_head}\n{text}".encode())
        return digest.hexdigest()[:20]


def period_payments(
    open_statements: Statements, adjustments: pd.DataFrame, plan_version: str, period: pd.Period | None = None
) -> PeriodPayments:
    """The open period's payments: its statement lines (true-up from the ledger) plus the adjustments.
    `period` names the open period when its statements may be empty (every plan inside its window)."""
    own = period_payment_lines(open_statements, plan_version)
    period = pd.Period(open_statements.reps["period"].max() if period is None else period, "M")
    lines = (
        pd.concat([own, with_text_columns(adjustments)[COLUMNS]], ignore_index=True)
        if len(adjustments)
        else own
    )
    lines = lines.sort_values(["team", "rep"], kind="stable").reset_index(drop=True)  # own lines first
    return PeriodPayments(period=period, lines=lines, currency=open_statements.currency)


def settle(
    section: IncentivesSection,
    payments: PeriodPayments,
    settled: pd.DataFrame,
    clawbacks: pd.DataFrame | None = None,
    manual: pd.DataFrame | None = None,
    fiscal_year_start: int = 1,
) -> PeriodPayments:
    """Add the period's clawbacks, its holdback or release, then its draw, guarantee and recovery lines
    to its commission (`settled`: the ledger's earlier settlement lines, which hold the balances), then
    the manual adjustments entered for it (outside the holdback and draw rules); last, on a carry-forward
    plan, a negative total carried forward, and a negative balance carried earlier recovered."""
    from salesplan_widgets.model.manual import manual_lines

    lines = payments.lines
    if clawbacks is not None and len(clawbacks):
        lines = pd.concat([lines, clawbacks[COLUMNS]], ignore_index=True)
        payments = PeriodPayments(payments.period, lines, payments.currency, payments.balances)
    payments = _holdbacks(section, payments, settled, fiscal_year_start)
    payments = _draws(section, payments, settled, fiscal_year_start)
    teams = payments.lines.drop_duplicates("rep", keep="last").set_index("rep")["team"]
    payments = _settled(payments, manual_lines(manual, payments.period, teams, payments.currency))
    return _negative_totals(section, payments, settled, fiscal_year_start)


def _settled(
    payments: PeriodPayments, extra: pd.DataFrame, balances: pd.DataFrame | None = None
) -> PeriodPayments:
    """The payments with a settling rule's `extra` lines (by team and rep, as statements list them) and its
    `balances` (None: a rule that carries none, as manual lines) added to those already carried."""
    lines = payments.lines
    if len(extra):  # (an empty frame would turn the period columns into objects)
        lines = pd.concat([lines, extra[COLUMNS]], ignore_index=True).sort_values(
            ["team", "rep"], kind="stable"
        )
    if balances is None:
        balances = payments.balances
    elif len(payments.balances):
        balances = pd.concat([payments.balances, balances], ignore_index=True)
    return PeriodPayments(payments.period, lines.reset_index(drop=True), payments.currency, balances)


def _negative_totals(
    section: IncentivesSection, payments: PeriodPayments, settled: pd.DataFrame, fiscal_year_start: int = 1
) -> PeriodPayments:
    from salesplan_widgets.model.negative_balances import negative_balance, negative_lines

    balance = negative_balance(settled)
    balance = balance[balance != 0]
    lines = payments.lines
    total = lines.groupby(lines["rep"].astype(str), sort=False)["amount_minor"].sum()
    reps = total.index[(total < 0).to_numpy()].union(balance.index)  # the few reps concerned
    if reps.empty:
        return payments
    total = total.reindex(reps, fill_value=0)
    last = lines[lines["rep"].astype(str).isin(reps)].drop_duplicates("rep", keep="last")
    teams = pd.Series(last["team"].to_numpy(), index=last["rep"].astype(str).to_numpy())
    return _settled(
        payments,
        *negative_lines(
            section, payments.period, total, balance, teams, payments.currency, fiscal_year_start
        ),
    )


def _holdbacks(
    section: IncentivesSection, payments: PeriodPayments, settled: pd.DataFrame, fiscal_year_start: int
) -> PeriodPayments:
    from salesplan_widgets.model.holdbacks import held_balance, holdback_lines, leavers_by

    balance = held_balance(settled, payments.currency)
    if section.holdback is None and not (balance > 0).any():
        return payments
    rule = section.holdback
    if rule is None:  # the rule was removed: what is still held is released
        from salesplan_widgets.schema.incentives import Holdback

        rule = Holdback(share=1.0, release="quarter")
        fiscal_year_start = payments.period.month % 12 + 1  # every month ends a "quarter": release now
    lines = payments.lines
    commission = lines.groupby("rep")["amount_minor"].sum()
    teams = lines.drop_duplicates("rep", keep="last").set_index("rep")["team"]
    leavers = leavers_by(section.relief, payments.period)
    return _settled(payments, *holdback_lines(
        rule, payments.period, commission, balance, leavers, teams, payments.currency, fiscal_year_start
    ))  # fmt: skip


def _draws(
    section: IncentivesSection, payments: PeriodPayments, settled: pd.DataFrame, fiscal_year_start: int = 1
) -> PeriodPayments:
    from salesplan_widgets.model.draws import draw_balance, draw_lines, draws_of
    from salesplan_widgets.model.role_plans import rules_by_rep

    draws = draws_of(section)  # each rep's own draws and their role plan's
    if draws and (section.plans or section.assignments):
        # a draw is owed once per measurement period, the rep's own: not in a month that closes for others
        rules = rules_by_rep(section, {d.rep for d in draws}, payments.period)
        draws = [
            d
            for d in draws
            if ends_a_measurement_period(payments.period, rules[d.rep].measurement, fiscal_year_start)
        ]
    if not draws and settled.empty:
        return payments
    lines = payments.lines
    commission = lines.groupby("rep")["amount_minor"].sum()
    teams = lines.drop_duplicates("rep", keep="last").set_index("rep")["team"]
    return _settled(payments, *draw_lines(
        draws, payments.period, commission, draw_balance(settled), teams, payments.currency
    ))  # fmt: skip


# statements runs kept per process (~40 MB each for 10,000 reps × 12 months): one close asks for its year's run,
# a run on the ledger's paid-to-date when the two disagree and one per earlier fiscal year the ledger spans
RUNS_KEPT = 3


_runs: OrderedDict[str, Statements] = OrderedDict()


def clear_kept_runs() -> None:
    """Forget the kept statements runs (`statements_run`): the next step computes as a new process would."""
    _runs.clear()


def _content_key(frame: pd.DataFrame | pd.Series | None) -> str:
    """A digest of a table's values, columns and dtypes (a Series' index too: the reps it is keyed by)."""
    if frame is None:
        return "-"
    series = isinstance(frame, pd.Series)
    rows = pd.util.hash_pandas_object(frame, index=series).to_numpy()
    shape = (
        [str(frame.name), str(frame.dtype)] if series else [*map(str, frame.columns), *map(str, frame.dtypes)]
    )
    return hashlib.sha256(rows.tobytes() + repr(shape).encode()).hexdigest()


def statements_run(
    section: IncentivesSection,
    cube: pd.DataFrame,
    quotas: pd.DataFrame,
    period: pd.Period,
    currency: str,
    calendar: FiscalCalendar,
    *,
    all_periods: bool = False,
    paid_to_date: pd.Series | None = None,
) -> Statements:
    """`payout_statements`, run once per process for the same inputs (the plan, the cube's and quotas'
    values, the period, what was paid to date): preparing, approving and closing a period in one notebook
    ask for the same run (~0.4 s for 10,000 reps) three times. Keyed by content, so any change of data,
    quota, plan or ledger runs it again; each caller gets its own copy of the tables."""
    try:
        key = "|".join(
            [
                section.model_dump_json(),
                _content_key(cube),
                _content_key(quotas),
                str(period),
                currency,
                repr(calendar),
                str(all_periods),
                _content_key(paid_to_date),
            ]
        )
    except TypeError:  # a column pandas cannot hash (mixed objects): run it, keep nothing
        key = None
    run = _runs.get(key) if key is not None else None
    if run is None:
        run = payout_statements(
            section,
            cube,
            quotas,
            period,
            currency=currency,
            fiscal_year_start=calendar,
            all_periods=all_periods,
            paid_to_date=paid_to_date,
        )
        if key is None:
            return run
        _runs[key] = run
        while len(_runs) > RUNS_KEPT:
            _runs.popitem(last=False)
    _runs.move_to_end(key)
    return dataclasses.replace(
        run,
        **{
            f.name: getattr(run, f.name).copy()
            for f in dataclasses.fields(run)
            if isinstance(getattr(run, f.name), pd.DataFrame)
        },
    )


def owed_schedule(
    section: IncentivesSection,
    cube: pd.DataFrame,
    quotas: pd.DataFrame,
    periods: list[pd.Period],
    plan_version: str,
    currency: str,
    fiscal_year_start: int | FiscalCalendar = 1,
) -> pd.DataFrame:
    """`owed_by_period` for every period in `periods` (closed ones), one engine run per fiscal year."""
    if not periods:
        return owed_by_period_empty()
    calendar = FiscalCalendar.of(fiscal_year_start, cube["period"])
    fiscal_year_start = calendar.fiscal_year_start
    frames = []
    by_year: dict[pd.Period, pd.Period] = {}
    for period in periods:  # the few fiscal years the ledger spans: run each through its last closed period
        first = fiscal_year_first(period, fiscal_year_start)
        by_year[first] = max(by_year.get(first, period), period)
    for last in by_year.values():
        run = statements_run(section, cube, quotas, last, currency, calendar, all_periods=True)
        frames.append(owed_by_period(run, plan_version))
    owed = pd.concat(frames, ignore_index=True)
    return owed[owed["for_period"].isin(pd.PeriodIndex(periods, freq="M"))].reset_index(drop=True)


def owed_by_period_empty() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "for_period",
            "rep",
            "team",
            "owed_minor",
            "sales",
            "quota",
            "earned",
            "on_sales",
            "kicker",
            "plan_version",
        ]
    )


def open_period_payments(
    section: IncentivesSection,
    cube: pd.DataFrame,
    quotas: pd.DataFrame,
    ledger: pd.DataFrame,
    open_period: pd.Period,
    plan_version: str,
    currency: str,
    fiscal_year_start: int | FiscalCalendar = 1,
    returns: pd.DataFrame | None = None,
    manual: pd.DataFrame | None = None,
) -> tuple[PeriodPayments, Statements]:
    """What closing `open_period` pays: adjustments for the closed periods, then the period's statement,
    whose "paid earlier" comes from the ledger (paid and adjusted), not from a recomputation; then the
    draws and guarantees that settle it. `returns` (deal, rep, sold_on, returned_on, amount and the cube's
    dimensions) are the deals' returns the plan's clawback rule recovers (None: returns net as sales);
    `manual` the manual adjustments entered (those for `open_period` are paid)."""
    from salesplan_widgets.model.clawbacks import clawback_lines, without_returns

    # the plan's calendar (a FiscalCalendar; an int is a fiscal year start): weeks count in their months
    calendar = FiscalCalendar.of(fiscal_year_start, cube["period"])
    fiscal_year_start = calendar.fiscal_year_start
    if section.clawback is not None and returns is not None:
        cube = without_returns(cube, returns, calendar)
    closed = sorted(ledger["for_period"].unique()) if not ledger.empty else []
    settled = settlement_lines(ledger)
    ledger = commission_lines(ledger)
    first = fiscal_year_first(open_period, fiscal_year_start)
    _same_measurement(section, [p for p in closed if p >= first], ledger, fiscal_year_start)
    before = [first + i for i in range((open_period - first).n) if first + i not in set(closed)]
    # One run for the open period's fiscal year gives this year's owed months and the open statement;
    # closed periods of earlier years get a run per year.
    run = statements_run(section, cube, quotas, open_period, currency, calendar, all_periods=True)
    this_year = owed_by_period(run, plan_version)
    this_year = this_year[this_year["for_period"] < open_period]
    earlier = [p for p in closed if p < first]
    if earlier:
        earlier_years = owed_schedule(section, cube, quotas, earlier, plan_version, currency, calendar)
        owed = pd.concat([earlier_years, this_year], ignore_index=True)
    else:
        owed = this_year
    adjustments = prior_period_adjustments(owed, ledger, open_period, currency, closed)
    # "Paid earlier" is the ledger (paid and adjusted); months of the year before the ledger began were paid
    # outside it, as the plan says they were owed.
    pre_ledger = owed[owed["for_period"].isin(pd.PeriodIndex(before, freq="M"))].rename(
        columns={"owed_minor": "amount_minor"}
    )
    parts = [f[["for_period", "rep", "amount_minor"]] for f in (ledger, adjustments, pre_ledger) if len(f)]
    statements = _period_only(run, open_period)
    if section.plans:  # a plan measured by quarter (or year) pays at its end, not on account each month
        statements = _without_plans(statements, mid_window_plans(section, open_period, fiscal_year_start))
    if parts and not (section.plans or section.assignments):
        # role plans take what was paid per plan and rep; their schedule is the one the ledger followed
        paid = fiscal_year_paid(pd.concat(parts, ignore_index=True), open_period, fiscal_year_start, currency)
        reps = statements.reps["rep"].astype(str)
        recorded = to_minor(paid.reindex(reps).fillna(0.0), currency)
        if (recorded != to_minor(statements.reps["paid_before"], currency)).any():
            # the ledger and the plan's own schedule disagree on what was paid: the ledger is the record
            statements = statements_run(
                section, cube, quotas, open_period, currency, calendar, paid_to_date=paid
            )
    clawbacks = None
    if section.clawback is not None and returns is not None:
        clawbacks = clawback_lines(returns, section.clawback.window_days, owed, settled, open_period, closed,
                                   currency, PERIOD_MONTHS[section.measurement], calendar, section)  # fmt: skip
    payments = period_payments(statements, adjustments, plan_version, open_period)
    return settle(section, payments, settled, clawbacks, manual, fiscal_year_start), statements


def mid_window_plans(section: IncentivesSection, period: pd.Period, fiscal_year_start: int = 1) -> list[str]:
    """Names of the role plans whose version in force in `period` measures a window `period` does not end
    (a quarterly plan in the quarter's first two months): closing the month pays them nothing yet. The
    section's own rules (name "") are one of them when its `measurement` does not end in `period`: a
    quarterly workbook's January pays its reps on a monthly role plan, not the others on account."""
    names = [] if ends_a_measurement_period(period, section.measurement, fiscal_year_start) else [""]
    for plan in section.plans:  # the workbook's few plans
        rules = plan.in_force(str(pd.Period(period, "M")))
        if rules is not None and not ends_a_measurement_period(period, rules.measurement, fiscal_year_start):
            names.append(plan.name)
    return names


def _without_plans(statements: Statements, plans: list[str]) -> Statements:
    """The statements without the lines and rep rows of `plans` (by name)."""
    if not plans or "plan" not in statements.lines.columns:
        return statements
    return Statements(
        lines=statements.lines[~statements.lines["plan"].isin(plans)].reset_index(drop=True),
        reps=statements.reps[~statements.reps["plan"].isin(plans)].reset_index(drop=True),
        rewards=statements.rewards,
        currency=statements.currency,
    )


def _same_measurement(
    section: IncentivesSection, closed: list[pd.Period], ledger: pd.DataFrame, fiscal_year_start: int
) -> None:
    """Refuse a plan whose `measurement` no longer fits the periods this fiscal year already closed (set to
    quarterly in July after six monthly closes): the year would be re-measured by quarter and what was paid
    restated. A change of measurement takes effect at a fiscal year's start, or as a role plan's version.
    A month inside the section's window was rightly closed if it ends a role plan's window in force in it
    and paid nothing under the section's own rules (`ledger`: the commission lines, with their `plan`)."""
    inside = [p for p in closed if not ends_a_measurement_period(p, section.measurement, fiscal_year_start)]
    if not inside:
        return
    own = ledger
    if not ledger.empty and "plan" in ledger.columns:
        own = ledger[(ledger["kind"] == PAYMENT) & (ledger["plan"].astype(str) == "")]
    own_months = set(own["for_period"]) if not own.empty else set()
    paid_alone = [
        p for p in inside if p in own_months or not ends_a_pay_period(section, p, fiscal_year_start)
    ]
    if not paid_alone:
        return
    raise PlanError(
        Problem(
            file="plan.yaml",
            column="incentives.measurement",
            expected=_("the measurement this fiscal year's closed periods were paid by"),
            found=_("{measurement}, but {period} was closed and paid on its own").format(
                measurement=measurement_name(section.measurement), period=paid_alone[-1]
            ),
            fix=_(
                "put the measurement back and change it at the start of the next fiscal year, or give the reps "
                "a role plan (incentives.plans) whose version from the first month of a fiscal quarter says "
                "measurement: {measurement}"
            ).format(measurement=section.measurement),
        )
    )


def _period_only(statements: Statements, period: pd.Period) -> Statements:
    """The statements of one period out of an all-periods run."""
    return Statements(
        lines=statements.lines[statements.lines["period"] == period].reset_index(drop=True),
        reps=statements.reps[statements.reps["period"] == period].reset_index(drop=True),
        rewards=statements.rewards[statements.rewards["period"] == period].reset_index(drop=True),
        currency=statements.currency,
    )

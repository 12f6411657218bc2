"""Clawbacks: commission on a deal returned within the plan's window is recovered, traced to the period paid.

A return is a negative sales line whose deal id also has a sale; it is handled here when it is dated in a
later month than the deal's first sale (a return inside the sale's own month simply nets there, as before).
Such returns are taken out of the sales the plan measures (`without_returns`), so a closed period is not
re-owed and a later period is not cut for them. Instead, a return within `window_days` of the sale becomes a
clawback line in the first open period on or after the return, for everyone the sale credited. The return is
credited as its sale was (`model/credit.credit_sales`: owners' splits, overlays, the account's winner, a
manager's team credit or override), and each credited person gives back their share at the rate it earned
them for the period the deal was paid in (earned on sales ÷ sales, as owed now: commission on cash
collected, per-deal bonuses and overrides are not a rate on the deal; an override is recovered at its own
rate; never more than that period paid, across all its returned deals, the first returned first:
`first_come`), naming that period and the deal. That period is found by each person's own measurement: the
version of their role plan in force then, else the section's (`model/role_plans.paid_for_periods`). The deal-size kicker paid on a returned deal is taken back
on the same line from whoever it paid, the rep on the deal's first sale line, never more than the period
paid in kicker across its deals (`kicker_back`; the deal's size counts no return of a later pay month,
`workbook/deals.py` and `returns.py`, so the kicker is not also cut by a prior-period adjustment). A return
after the window recovers nothing from anyone. What was already clawed back per deal and person is in the
ledger, so a clawback is raised once and only corrected by the difference. Pure: frames in, frames out;
minor units.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from salesplan_widgets.i18n import _, fmt_percent, minor_unit
from salesplan_widgets.model.calendar import FiscalCalendar, pay_months
from salesplan_widgets.model.credit import credit_sales
from salesplan_widgets.model.ledger_lines import ledger_lines, no_lines
from salesplan_widgets.model.role_plans import paid_for_periods
from salesplan_widgets.schema.incentives import IncentivesSection

CLAWBACK = "clawback"
RETURN_COLUMNS = ["deal", "rep", "sold_on", "returned_on", "amount"]  # + the cube's dimensions
# what a plain sales row of the pay cube carries beside its sales (-1: not a large deal, not a new logo;
# every other fact 0), so a return added back joins its sales rather than looking like cash or a deal fact
PLAIN_SALES_ROW = {"deal_from": -1.0, "logo_from": -1.0}


def clawback_rule(deal: str, period: str, days: int, rate: float) -> str:
    """A clawback line's statement text in the active language."""
    return _(
        "Clawback of deal {deal}: returned within {days} days of the sale, commission paid for {period} at "
        "{rate} recovered"
    ).format(deal=deal, days=days, period=period, rate=fmt_percent(rate, decimals=2))


def later_returns(returns: pd.DataFrame, calendar: FiscalCalendar | None = None) -> pd.DataFrame:
    """The returns paid in a later month than their deal's sale (the ones this rule handles)."""
    if returns is None or returns.empty:
        return pd.DataFrame(columns=RETURN_COLUMNS)
    sold = pay_months(returns["sold_on"], calendar)
    back = pay_months(returns["returned_on"], calendar)
    return returns[np.asarray(back > sold)].reset_index(drop=True)


def without_returns(
    cube: pd.DataFrame, returns: pd.DataFrame, calendar: FiscalCalendar | None = None
) -> pd.DataFrame:
    """The cube with the later returns added back at their own period and dimensions (they no longer count
    against sales: the clawback lines recover what is due)."""
    later = later_returns(returns, calendar)
    if later.empty:
        return cube
    freq = cube["period"].dtype.freq if len(cube) else "M"
    dims = [c for c in cube.columns if c not in ("period", "actual", "quantity", "lines")]
    back = pd.DataFrame({"period": pd.PeriodIndex(pd.to_datetime(later["returned_on"]), freq=freq)})
    for d in dims:
        if d in later.columns:
            back[d] = later[d].astype(str).to_numpy()
        elif pd.api.types.is_numeric_dtype(cube[d]):  # cash, cost or deal facts: a plain sales row has none
            back[d] = PLAIN_SALES_ROW.get(d, 0)
        else:
            back[d] = "all"
    back["actual"] = -later["amount"].to_numpy(dtype=float)
    for measure in ("quantity", "lines"):
        if measure in cube.columns:
            back[measure] = 0
    both = pd.concat([cube, back.astype({d: cube[d].dtype for d in dims if cube[d].dtype != object})],
                     ignore_index=True)  # fmt: skip
    measures = [m for m in ("actual", "quantity", "lines") if m in cube.columns]
    return both.groupby(["period", *dims], as_index=False, observed=True, sort=True)[measures].sum()


# (rows with a rep, the column of their sale month, the columns paid by share) → the rows by the period each
# share was paid for (`for_period`), each a row of its own, the columns times its share
PaidFor = Callable[[pd.DataFrame, str, list[str]], pd.DataFrame]


def paid_for_period(
    sold_month: pd.PeriodIndex, measurement_months: int, fiscal_year_start: int
) -> pd.PeriodIndex:
    """The period a sale was paid for: the last month of its measurement window (month, quarter, year)."""
    offset = (sold_month.month - fiscal_year_start) % 12 % measurement_months
    return sold_month + (measurement_months - 1 - offset)


def traced_by_plan(
    rows: pd.DataFrame,
    section: IncentivesSection,
    month: str,
    values: list[str],
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """`rows` (with `rep` and their sale month in `month`) by the period each of the rep's plans in that month
    paid its share for (`for_period`), `values` times the share: a rep moved from a quarterly plan to a
    monthly one on 15 February had February's sales paid half for the quarter and half for February
    (`model/role_plans.plan_shares`: pay prorated by days), so a deal sold then is traced half to each, not
    by the plan of the month's last day. A month on one plan keeps its row (share 1)."""
    from salesplan_widgets.model.role_plans import EVERYONE, _period_ends, plan_shares

    months = pd.PeriodIndex(rows[month], freq="M")
    reps = rows["rep"].astype(str).to_numpy()
    span = pd.period_range(months.min(), months.max(), freq="M") if len(rows) else months
    shares = plan_shares(section, sorted(set(reps)), span)
    found = pd.DataFrame({"_row": np.arange(len(rows)), "rep": reps, "period": months}).merge(
        shares, on=["rep", "period"], how="inner"
    )
    sold = pd.PeriodIndex(found["period"], freq="M")
    first = sold - ((sold.month - fiscal_year_start) % 12)  # each sale's fiscal year's first month
    paid = np.zeros(len(found), dtype=np.int64)  # month ordinals
    keys = pd.DataFrame({"plan": found["plan"].to_numpy(), "first": first.asi8})
    for (plan, _year), at in keys.groupby(["plan", "first"]).indices.items():  # the few plans and years
        begin = first[at[0]]
        rules_at = (lambda m: section) if plan == EVERYONE else partial(section.rules_in_force, plan)
        ends = pd.PeriodIndex(_period_ends(rules_at, begin, begin + 11, plan), freq="M").asi8
        paid[at] = ends[np.searchsorted(ends, sold.asi8[at])]
    out = rows.iloc[found["_row"].to_numpy()].reset_index(drop=True)
    share = found["share"].to_numpy(dtype=float)
    return out.assign(
        for_period=pd.PeriodIndex.from_ordinals(paid, freq="M"),
        **{v: out[v].to_numpy(dtype=float) * share for v in values},
    )


def credited_returns(chosen: pd.DataFrame, section: IncentivesSection | None) -> pd.DataFrame:
    """The returns credited as their sales were: a row per person credited with each returned deal, its
    `returned` share, `credit` kind and `credit_rule` (the same crediting as the sale, `model/credit.py`)."""
    if section is None:
        return chosen.assign(credit="booked", credit_rule=-1)
    credited = credit_sales(chosen.assign(actual=chosen["returned"]), section)
    return credited.assign(returned=credited.pop("actual"))


def _override_rates(credited: pd.DataFrame, section: IncentivesSection | None) -> np.ndarray:
    """A manager's override rate on the rows crediting it (NaN on every other row: the rep's own rate)."""
    rates = np.full(len(credited), np.nan)
    if section is None or not section.hierarchy:
        return rates
    table = np.array([np.nan if h.override_rate is None else h.override_rate for h in section.hierarchy])
    override = (credited["credit"] == "team_override").to_numpy()
    rates[override] = table[credited["credit_rule"].to_numpy(dtype=int)[override]]
    return rates


def first_come(
    rows: pd.DataFrame, take: np.ndarray, most: np.ndarray, came_back: pd.Series | None = None
) -> np.ndarray:
    """`take` per row of `rows` (deal, rep, for_period), capped per person and paid period at `most` across
    that period's deals: the deal returned first (`came_back`, deal → first return date in ns; else by deal id)
    takes its part first, each later one what the earlier ones left. So a period's pay is recovered at most
    once, however many of its deals come back, and an earlier deal's line stays as it was raised."""
    take = np.asarray(take, dtype=float)
    frame = pd.DataFrame(
        {
            "for_period": rows["for_period"].astype(str).to_numpy(),
            "rep": rows["rep"].astype(str).to_numpy(),
            "when": (
                rows["deal"].astype(str).map(came_back).fillna(np.inf).to_numpy(dtype=float)
                if came_back is not None
                else np.zeros(len(rows))
            ),
            "deal": rows["deal"].astype(str).to_numpy(),
            "take": np.clip(take, 0.0, None),
            "most": np.clip(np.asarray(most, dtype=float), 0.0, None),
        }
    ).sort_values(["for_period", "rep", "when", "deal"], kind="stable")
    before = frame.groupby(["for_period", "rep"], sort=False)["take"].cumsum() - frame["take"]
    left = np.clip(frame["most"] - before, 0.0, None).sort_index().to_numpy()
    return np.where(take > 0, np.minimum(take, left), take)


# the returned deal's size and its first line's rep, team and day (the kicker's: `first_line_on`)
SALE_LINE = ("sold_size", "sold_rep", "sold_team", "first_line_on")
KICKER_CREDIT = ("booked", "split", "overlay")  # who is paid a deal's kicker (a manager's team credit is not)


def kicker_back(
    chosen: pd.DataFrame,
    section: IncentivesSection | None,
    owed: pd.DataFrame,
    paid_for: PaidFor,
    came_back: pd.Series | None = None,
) -> pd.DataFrame:
    """The deal-size kicker a return inside the window takes back: the kicker rate on what came back, and
    the fixed bonus once the deal falls under the kicker's size, from whoever the deal's kicker paid (it is
    credited as the pay cube's large-deal row of the rep and team on the deal's first sale line is, whoever
    booked the return, even where an account's winner is credited with the sale: every other dimension 'all');
    never more than the kicker each was paid for that period (`owed['kicker']`), across all of that period's
    returned deals, the first returned first (`first_come`). The period is the one the kicker paid each
    person for (`paid_for`: by their own measurement, from the deal's `kicker_month`, the month of its first
    line, which is the first sale's unless a return came first). Keys deal, rep, for_period."""
    k = None if section is None else section.deal_kicker
    if k is None or chosen.empty or "kicker" not in owed.columns or chosen["sold_size"].isna().all():
        return pd.DataFrame(columns=["deal", "rep", "for_period", "kicker"])
    # the rep and team on the deal's first sale line (whom its kicker paid), else on the return's line
    paid_to = "sold_rep" if "sold_rep" in chosen.columns else "rep"
    team = "sold_team" if "sold_team" in chosen.columns else "team"
    deals = chosen.groupby(["deal", "kicker_month"], as_index=False).agg(
        returned=("returned", "sum"), sold_size=("sold_size", "first"), rep=(paid_to, "first"),
        team=(team, "first") if "team" in chosen.columns else ("rep", "size"),
    )  # fmt: skip
    large = (deals["sold_size"] >= k.at_least).to_numpy()
    fell = (deals["sold_size"] - deals["returned"] < k.at_least).to_numpy()
    returned = deals["returned"].to_numpy(dtype=float)
    amount = np.where(large, k.rate * returned + np.where(fell, k.bonus, 0.0), 0.0)
    dims = [
        c
        for c in chosen.columns
        if c not in ("deal", "rep", "team", "sold_month", "kicker_month", "returned", *SALE_LINE)
    ]
    unit = pd.DataFrame(
        {
            "_deal": deals["deal"].to_numpy(),
            "kicker_month": deals["kicker_month"].array,
            "rep": deals["rep"].to_numpy(),
            **({"team": deals["team"].astype(str).to_numpy()} if "team" in chosen.columns else {}),
            **{d: "all" for d in dims},
            "actual": amount,
        }
    )
    if section is not None:
        unit = credit_sales(unit, section)
        unit = unit[unit["credit"].isin(KICKER_CREDIT)]
    unit = paid_for(unit, "kicker_month", ["actual"])
    back = unit.rename(columns={"_deal": "deal"}).groupby(["deal", "rep", "for_period"], as_index=False)
    back = back["actual"].sum().rename(columns={"actual": "kicker"})
    paid = owed.assign(rep=owed["rep"].astype(str)).groupby(["for_period", "rep"])["kicker"].sum()
    most = paid.reindex(pd.MultiIndex.from_frame(back[["for_period", "rep"]])).fillna(0.0).clip(lower=0)
    return back.assign(kicker=first_come(back, back["kicker"].to_numpy(), most.to_numpy(), came_back))


def clawback_lines(
    returns: pd.DataFrame,
    window_days: int,
    owed: pd.DataFrame,
    settled: pd.DataFrame,
    open_period: pd.Period,
    closed: list[pd.Period],
    currency: str,
    measurement_months: int = 1,
    fiscal_year_start: int | FiscalCalendar = 1,
    section: IncentivesSection | None = None,
) -> pd.DataFrame:
    """Clawback lines for the open period (ledger COLUMNS).

    `owed` has per closed period and rep `earned` (or `on_sales`: without commission on cash and per-deal
    bonuses) and `sales` (the rate paid is earned ÷ sales); `settled` is
    the ledger's earlier settlement lines (what was clawed back per deal so far). With the plan's `section`
    each person credited with a returned deal gives back their share, for the period their own plan paid
    the sale for; without it, its owner only, for the window of `measurement_months` holding the sale.
    """
    calendar = FiscalCalendar.of(fiscal_year_start)
    later = later_returns(returns, calendar)
    if later.empty:
        return no_lines()
    sold_on, returned_on = pd.to_datetime(later["sold_on"]), pd.to_datetime(later["returned_on"])
    days = (returned_on - sold_on).dt.days.to_numpy()
    back_month = pay_months(returned_on, calendar)
    sold_month = pay_months(sold_on, calendar)
    # the kicker is dated by the deal's first line (a return may precede the first sale), the commission by
    # the first sale
    first_line = pd.to_datetime(later["first_line_on"]) if "first_line_on" in later.columns else sold_on
    kicker_month = pay_months(first_line, calendar)
    due = (days <= window_days) & np.asarray(back_month <= open_period)
    start = calendar.fiscal_year_start

    def paid_for(rows: pd.DataFrame, month: str, values: list[str]) -> pd.DataFrame:
        """`rows` by the period each person was paid for the sale: by their own plan's measurement (the
        section's when no section is given: `measurement_months`), split by the days of the sale's month
        they spent on each plan (`traced_by_plan`)."""
        months = pd.PeriodIndex(rows[month], freq="M")
        if section is None:
            return rows.assign(for_period=paid_for_period(months, measurement_months, start))
        if section.assignments and len(rows):
            return traced_by_plan(rows, section, month, values, start)
        return rows.assign(
            for_period=paid_for_periods(section, rows["rep"].astype(str).to_numpy(), months, start)
        )

    if "sale_won_by" in later.columns:  # a deal is credited to the winner its sale was credited to
        later = later.drop(columns=["won_by", "won_team"]).rename(columns=lambda c: c.removeprefix("sale_"))
    dims = [
        c for c in later.columns if c not in ("deal", "rep", "returned_on", "amount", "sold_on", *SALE_LINE)
    ]
    chosen = pd.DataFrame(
        {
            "deal": later["deal"].astype(str).to_numpy()[due],
            "rep": later["rep"].astype(str).to_numpy()[due],
            **{d: later[d].astype(str).to_numpy()[due] for d in dims},
            "sold_month": sold_month[due],
            "kicker_month": kicker_month[due],
            "returned": -later["amount"].to_numpy(dtype=float)[due],
            "sold_size": later.get("sold_size", pd.Series(np.nan, index=later.index)).to_numpy(dtype=float)[
                due
            ],
            **{
                c: later[c].astype(str).to_numpy()[due]
                for c in ("sold_rep", "sold_team")
                if c in later.columns
            },
        }
    )
    credited = credited_returns(chosen, section)
    credited = paid_for(credited, "sold_month", ["returned"])
    credited = credited[credited["for_period"].isin(closed)]  # what a closed period paid: traced back
    keys = ["deal", "rep", "for_period"]
    scale = 10 ** minor_unit(currency)
    rates = owed.assign(rep=owed["rep"].astype(str))
    earned = rates["on_sales"] if "on_sales" in rates.columns else rates["earned"]  # not cash or bonuses
    rates["rate"] = (earned / rates["sales"].where(rates["sales"] != 0)).fillna(0.0)
    teams = rates.drop_duplicates("rep", keep="last").set_index("rep")["team"]
    paid = rates.reindex(columns=["for_period", "rep", "rate", "owed_minor"]).rename(
        columns={"owed_minor": "paid_minor"}
    )
    credited = credited[keys + ["returned", "credit", "credit_rule"]].merge(
        paid.drop(columns="paid_minor"), on=["for_period", "rep"], how="left"
    )
    override = _override_rates(credited, section)
    rate = np.where(np.isnan(override), credited["rate"].fillna(0.0).to_numpy(dtype=float), override)
    credited = credited.assign(recovered=credited["returned"].to_numpy(dtype=float) * rate)
    due_now = credited.groupby(keys, as_index=False)[["returned", "recovered"]].sum()
    came_back = pd.Series(returned_on.to_numpy(dtype="datetime64[ns]")[due].astype(np.int64))
    came_back = came_back.groupby(chosen["deal"].to_numpy()).min()  # deal → its first return (ns)
    kicker = kicker_back(chosen, section, rates, paid_for, came_back)
    kicker = kicker[kicker["for_period"].isin(closed)]
    if not kicker.empty:
        due_now = due_now.merge(kicker, on=keys, how="outer").fillna({"returned": 0.0, "recovered": 0.0})
        due_now["recovered"] += due_now.pop("kicker").fillna(0.0)
    due_now = due_now.merge(paid.drop(columns="rate"), on=["for_period", "rep"], how="left")
    due_now["rate"] = (due_now["recovered"] / due_now["returned"].where(due_now["returned"] != 0)).fillna(0.0)
    due_now["owed_minor"] = -np.round(due_now.pop("recovered") * scale).astype(np.int64)
    if "owed_minor" in rates.columns:  # never more than the period paid: its total was rounded, its rate not
        most = due_now.pop("paid_minor").fillna(0).clip(lower=0).to_numpy(dtype=float)
        take = first_come(due_now, -due_now["owed_minor"].to_numpy(dtype=float), most, came_back)
        due_now["owed_minor"] = -np.round(take).astype(np.int64)
    else:
        due_now = due_now.drop(columns="paid_minor")
    before = settled[settled["kind"] == CLAWBACK] if "deal" in settled.columns else settled.iloc[:0]
    if not before.empty:  # none settled: nothing to take off (and pandas 3 cannot merge two empty frames
        # on Arrow-backed text keys)
        before = before.assign(deal=lambda f: f["deal"].astype(str))
        before = before.groupby(keys, as_index=False)["amount_minor"].sum()
        due_now = due_now.merge(before, on=keys, how="outer").fillna({"amount_minor": 0, "owed_minor": 0})
        due_now["owed_minor"] = due_now["owed_minor"].astype(np.int64) - due_now["amount_minor"].astype(
            np.int64
        )
    due_now = due_now[due_now["owed_minor"] != 0]
    if due_now.empty:
        return no_lines()
    rate = due_now["rate"].fillna(0.0).to_numpy(dtype=float)
    return ledger_lines(
        CLAWBACK,
        period=open_period,
        for_period=due_now["for_period"].array,
        rep=due_now["rep"].to_numpy(),
        team=teams.reindex(due_now["rep"]).fillna("all").astype(str).to_numpy(),
        rule=[
            clawback_rule(d, str(p), window_days, r)
            for d, p, r in zip(due_now["deal"], due_now["for_period"], rate, strict=True)
        ],  # fmt: skip
        base=due_now["returned"].fillna(0.0).round(minor_unit(currency)).to_numpy(),
        rate=rate,
        amount_minor=due_now["owed_minor"].to_numpy(dtype=np.int64),
        cause="return",
        deal=due_now["deal"].to_numpy(),
    )

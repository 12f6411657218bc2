"""Payout statements: one line per component of each rep's pay, with its rule, base, rate and amount.

`payout_statements` lays the fiscal year's sales and quotas out as reps × months arrays, sums them over
each measurement period (or year to date), runs the commission engine once over every period and rep,
applies the true-up (what was already paid deducted; a negative result carried forward or clawed back),
and rounds with the largest-remainder method to the currency's minor unit, so a statement's lines add up
exactly to the rep's payout and the reps exactly to the plan total. Pure: no files, no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _, minor_unit
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.commission import CompiledPlan, attainment, compile_plan, earn
from salesplan_widgets.model.components import COMPONENTS, StatementInputs
from salesplan_widgets.model.credit import CREDIT_LINES, EXTRA, credit_sales
from salesplan_widgets.model.rounding import round_rows
from salesplan_widgets.schema.incentives import IncentivesSection

PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
COLUMNS = ["period", "rep", "team", "line", "component", "rule", "base", "rate", "amount", "reference"]


@dataclass(frozen=True)
class Statements:
    """The statements of one payment run: lines, per-rep totals, earned non-cash rewards."""

    lines: pd.DataFrame
    reps: pd.DataFrame
    rewards: pd.DataFrame
    currency: str

    @property
    def total(self) -> float:
        """What the run pays in all, over every rep's statement."""
        return float(self.reps["payout"].sum())

    def statement(self, rep: str, period: pd.Period | str | None = None) -> pd.DataFrame:
        """One rep's lines (for the latest period unless one is named)."""
        lines = self.lines[self.lines["rep"] == rep]
        period = pd.Period(period, "M") if period is not None else self.reps["period"].max()
        return lines[lines["period"] == period].reset_index(drop=True)


def fiscal_year_first(period: pd.Period, fiscal_year_start: int = 1) -> pd.Period:
    """The first month of the fiscal year `period` falls in (the fiscal year starts in month `fiscal_year_start`)."""
    year = period.year if period.month >= fiscal_year_start else period.year - 1
    return pd.Period(year=year, month=fiscal_year_start, freq="M")


def _month_index(periods: pd.Series, first: pd.Period) -> np.ndarray:
    p = pd.PeriodIndex(periods)
    return np.asarray(p.year * 12 + p.month - (first.year * 12 + first.month))


def _problem(column: str, expected: str, fix: str) -> InputError:
    return InputError(Problem(file="plan.yaml", column=column, expected=expected, fix=fix))


def _slice_mask(frame: pd.DataFrame, rule, column: str) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for dim in ("segment", "channel", "product"):
        value = getattr(rule, dim, None)
        if value is None:
            continue
        if dim not in frame.columns:
            raise _problem(
                column,
                _("sales by {dim} for this rule").format(dim=dim),
                _("use the cube by product (Workbook.cube(by_product=True)) or remove '{dim}'").format(
                    dim=dim
                ),
            )
        mask = mask & (frame[dim] == value).to_numpy()
    return mask


def _relief_factor(section: IncentivesSection, reps: pd.Index, months: pd.PeriodIndex) -> np.ndarray:
    """Share of each month's days a rep was on the team (1 without relief).

    Relief entries combine by time, not by product: each `joined` starts and each `left` ends a stretch on
    the team, taken in date order, so "left 15 March" and "joined 1 June" is leave-and-return. A rep whose
    first dated event is a `joined` was away before it.
    """
    factor = np.ones((len(reps), len(months)))
    entries = [r for r in section.relief if r.rep in reps]
    if not entries:
        return factor
    first_day = months[0].start_time.date().toordinal()
    day = np.arange(first_day, months[-1].end_time.date().toordinal() + 1)
    month_of_day = np.repeat(np.arange(len(months)), [m.days_in_month for m in months])
    days = np.array([m.days_in_month for m in months], dtype=float)
    by_rep: dict[str, list[tuple[int, bool]]] = {}
    for r in entries:  # over the plan's few relief entries: (first day of the new state, on the team?)
        events = by_rep.setdefault(r.rep, [])
        if r.joined is not None:
            events.append((r.joined.toordinal(), True))
        if r.left is not None:
            events.append((r.left.toordinal() + 1, False))
    for rep, events in by_rep.items():
        events.sort()
        when = np.array([e[0] for e in events])
        state = np.array([e[1] for e in events])
        last = np.searchsorted(when, day, side="right") - 1  # the latest event on or before each day
        active = np.where(last >= 0, state[np.maximum(last, 0)], not state[0])
        factor[reps.get_loc(rep)] = np.bincount(month_of_day, weights=active, minlength=len(months)) / days
    return factor


def _labels(plan: CompiledPlan, currency: str) -> dict[str, list[str]]:
    """Each rule's label, once per rule (not per line): statements hold them as categories. The components
    label their own rules; relief and the true-up are the statement's own lines."""
    labels = {c.name: c.labels(plan, currency) for c in COMPONENTS.values()}
    return labels | {
        "relief": [_("Quota relief: quota prorated by days on the team")],
        "true_up": [
            _("Paid earlier this year (true-up)")
            if plan.section.cumulative
            else _("Balance carried in from earlier periods")
        ],
        "carry_forward": [_("Negative result carried forward to later periods")],
    }


def payout_statements(
    section: IncentivesSection,
    cube: pd.DataFrame,
    quotas: pd.DataFrame,
    period: pd.Period | str,
    currency: str = "CNY",
    fiscal_year_start: int | FiscalCalendar = 1,
    paid_to_date: pd.Series | None = None,
    all_periods: bool = False,
    earned_to_date: pd.Series | None = None,
    share: pd.DataFrame | None = None,
    since: pd.Period | str | None = None,
) -> Statements:
    """Statements for the measurement period holding `period` (every period of the year so far if asked).

    `cube` holds actuals (period, rep, [team], segment, channel, [product], actual); `quotas` holds
    (period, rep, [team], target). `paid_to_date` (rep -> amount) overrides what the plan itself would have
    paid earlier in the fiscal year; with it, `earned_to_date` (rep -> amount) is what earlier periods earned
    under the rules in force then, so a period-by-period plan carries only a real negative balance. `share`
    (period, rep, share) is the part of each month a rep was on this plan (role plans): their sales, quota,
    target incentive and payout cap are prorated by it. Quotas are prorated by relief; deals are credited by
    the plan's splits. A section with role plans is paid plan by plan (`role_statements`; there the recorded
    amounts are indexed by plan id and rep). `since` (a month)
    moves where `paid_to_date` and `earned_to_date` apply from the current period to the period holding
    that month; the periods from there on are computed (and, with `all_periods`, shown) on top of them.
    """
    # pay is measured by month: weeks (or quarters) count in the month the calendar gives them
    calendar = FiscalCalendar.of(fiscal_year_start, cube["period"])
    fiscal_year_start = calendar.fiscal_year_start
    cube, quotas = calendar.in_months(cube), calendar.in_months(quotas)
    # a period of the grain counts in its month; a month (the ledger's pay period) is that month, not the
    # month of the week holding its first day
    is_month = isinstance(period, pd.Period) and period.freqstr == "M"
    period = (
        calendar.months_of([period])[0]
        if isinstance(period, pd.Period) and not is_month
        else pd.Period(period, "M")
    )
    if section.plans or section.assignments:
        from salesplan_widgets.model.role_plans import role_statements

        return role_statements(
            section,
            cube,
            quotas,
            period,
            currency,
            fiscal_year_start,
            all_periods,
            paid_to_date,
            earned_to_date,
        )
    plan = compile_plan(section)
    first = fiscal_year_first(period, fiscal_year_start)
    months = pd.period_range(first, periods=12, freq="M")
    upto = (period.year - first.year) * 12 + period.month - first.month
    length = PERIOD_MONTHS[section.measurement]

    credited = credit_sales(cube, section)
    if section.measure == "margin":  # pay on gross margin: amount − cost of the goods sold
        if "cost" not in credited.columns:
            raise _problem(
                "incentives.measure",
                _("sales with a cost column for commission on gross margin"),
                _("map the cost column under sources.sales.columns, or remove 'measure: margin'"),
            )
        credited = credited.assign(actual=credited["actual"] - credited["cost"].fillna(0.0))
    credited = credited[(credited["period"] >= first) & (credited["period"] <= period)]
    override_mode = (credited["credit"] == "team_override").to_numpy()
    sales, team_sales = credited[~override_mode], credited[override_mode]
    quotas = quotas[(quotas["period"] >= first) & (quotas["period"] <= months[-1])]
    reps = pd.Index(
        np.sort(pd.unique(np.concatenate([quotas["rep"].to_numpy(str), credited["rep"].to_numpy(str)]))),
        name="rep",
    )
    n_reps = len(reps)
    team = _teams(reps, sales, quotas, {h.manager: h.team for h in section.hierarchy})

    def monthly(frame: pd.DataFrame, values: np.ndarray, n_rules: int = 0, rule: np.ndarray | None = None):
        rows = reps.get_indexer(frame["rep"]) * 12 + _month_index(frame["period"], first)
        if n_rules == 0:
            return np.bincount(rows, weights=values, minlength=n_reps * 12).reshape(n_reps, 12)
        keep = rule >= 0
        cells = rows[keep] * n_rules + rule[keep]
        flat = np.bincount(cells, weights=values[keep], minlength=n_reps * 12 * n_rules)
        return flat.reshape(n_reps, 12, n_rules)

    actual = sales["actual"].to_numpy(dtype=float)
    s_month = monthly(sales, actual)
    q_plain = monthly(quotas, quotas["target"].to_numpy(dtype=float))
    if share is not None:  # on this plan for part of the year: sales and quota prorated by days
        share = share[share["rep"].isin(reps) & (share["period"] >= first) & (share["period"] <= months[-1])]
        on_plan = monthly(share, share["share"].to_numpy(dtype=float))
        s_month, q_plain = s_month * on_plan, q_plain * on_plan
    q_month = q_plain * _relief_factor(section, reps, months)

    overrides = section.commission.overrides
    o_rule = np.full(len(sales), -1)
    for i, override in reversed(list(enumerate(overrides))):  # few rules; the first match wins
        o_rule[_slice_mask(sales, override, f"incentives.commission.overrides[{i}]")] = i
    o_month = monthly(sales, actual, len(overrides), o_rule) if overrides else np.zeros((n_reps, 12, 0))
    if share is not None:
        o_month = o_month * on_plan[..., None]

    spifs = section.spifs
    p_month = np.zeros((n_reps, 12, len(spifs)))
    sale_month = _month_index(sales["period"], first)
    for i, spif in enumerate(spifs):  # over the plan's few SPIFs
        lo = (pd.Period(spif.start, "M") - first).n
        hi = (pd.Period(spif.end, "M") - first).n
        mask = _slice_mask(sales, spif, f"incentives.spifs[{i}]") & (sale_month >= lo) & (sale_month <= hi)
        p_month[:, :, i] = monthly(sales[mask], actual[mask]) * (1.0 if share is None else on_plan)

    # credit beyond a rep's own bookings (statement lines), and team sales paid at a manager's override rate
    kind = pd.Index(CREDIT_LINES).get_indexer(sales["credit"])
    c_month = monthly(sales, actual, len(CREDIT_LINES), kind)
    n_team = len(section.hierarchy)
    h_month = (
        monthly(team_sales, team_sales["actual"].to_numpy(dtype=float), n_team,
                team_sales["credit_rule"].to_numpy(dtype=int))
        if n_team else np.zeros((n_reps, 12, 0))
    )  # fmt: skip
    # cash collected (回款), by the plan's own age bands (the pay cube's rows carry the band's lower edge)
    edges = plan.collection_edges
    g_month = np.zeros((n_reps, 12, len(plan.collection_rate)))
    if len(plan.collection_rate) and "collected" in sales.columns:
        band = np.searchsorted(edges, sales["age_from"].to_numpy(dtype=int), side="right")
        g_month = monthly(sales, sales["collected"].to_numpy(dtype=float), len(plan.collection_rate), band)
    # per-deal facts counted on the transactions: large deals (value and count) and new accounts won
    k_value, k_count, logos = (
        np.zeros((n_reps, 12, n)) for n in (len(plan.kicker_rate),) * 2 + (len(plan.new_logo_bonus),)
    )
    if section.deal_kicker is not None and "deal_from" in sales.columns:
        big = sales[sales["deal_from"].to_numpy(dtype=float) >= section.deal_kicker.at_least]
        k_value[..., 0] = monthly(big, big["deal_sales"].to_numpy(dtype=float))
        k_count[..., 0] = monthly(big, big["deals"].to_numpy(dtype=float))
    if section.new_logo is not None and "logo_from" in sales.columns:
        won = sales[sales["logo_from"].to_numpy(dtype=float) >= section.new_logo.min_first_order]
        logos[..., 0] = monthly(won, won["new_logos"].to_numpy(dtype=float))
    if share is not None:
        c_month, h_month = c_month * on_plan[..., None], h_month * on_plan[..., None]
        g_month = g_month * on_plan[..., None]
        k_value, k_count, logos = (x * on_plan[..., None] for x in (k_value, k_count, logos))

    # Measurement windows t = 0..t_now: months [start, end] (from month 0 when year-to-date).
    t_now = upto // length
    ts = np.arange(t_now + 1)
    ends = np.minimum((ts + 1) * length - 1, upto)
    starts = np.zeros_like(ts) if section.cumulative else ts * length

    def window(values: np.ndarray, starts: np.ndarray = starts) -> np.ndarray:
        cum = np.concatenate([np.zeros((*values.shape[:1], 1, *values.shape[2:])), np.cumsum(values, 1)], 1)
        return np.moveaxis(cum[:, ends + 1] - cum[:, starts], 1, 0)  # (T, R, ...)

    s_win, q_win, q_plain_win = window(s_month), window(q_month), window(q_plain)
    o_win, p_win = window(o_month), window(p_month)
    c_win, h_win, g_win = window(c_month), window(h_month), window(g_month)
    k_value_win, k_count_win, logos_win = window(k_value), window(k_count), window(logos)

    milestones = section.milestones
    by = np.array([(pd.Period(m.by, "M") - first).n for m in milestones], dtype=int)
    cum_sales = np.concatenate([np.zeros((n_reps, 1)), np.cumsum(s_month, 1)], 1)
    valid = (by >= 0) & (by <= upto)
    m_sales = np.broadcast_to(cum_sales[:, np.clip(by, 0, 11) + 1], (len(ts), n_reps, len(by)))
    shares = np.array([np.nan if m.share is None else m.share for m in milestones], dtype=float)
    cum_quota = np.concatenate([np.zeros((n_reps, 1)), np.cumsum(q_month, 1)], 1)[:, np.clip(by, 0, 11) + 1]
    m_target = np.where(np.isnan(shares), cum_quota, q_month.sum(1)[:, None] * np.nan_to_num(shares))
    if section.cumulative:
        due_t = (by[None, :] <= ends[:, None]) & valid
    else:
        due_t = (by[None, :] >= (ts * length)[:, None]) & (by[None, :] <= ends[:, None]) & valid
    m_due = np.broadcast_to(due_t[:, None, :], m_sales.shape)
    n_periods = ((ts + 1.0) if section.cumulative else np.ones(len(ts)))[:, None]
    if share is not None:  # a target incentive and a payout cap for the part of the period on this plan
        with np.errstate(divide="ignore", invalid="ignore"):
            n_periods = n_periods * np.nan_to_num(window(on_plan) / window(np.ones_like(on_plan)))

    e = earn(
        plan,
        s_win,
        q_win,
        override_sales=o_win,
        spif_sales=p_win,
        milestone_sales=m_sales,
        milestone_target=np.broadcast_to(m_target, m_sales.shape),
        milestone_due=m_due,
        periods=n_periods,
        credit_sales=c_win,
        team_sales=h_win,
        collected=g_win,
        kicker_sales=k_value_win,
        kicker_deals=k_count_win,
        new_logos=logos_win,
    )

    # True-up, in whole minor units so that no rounding residue is ever carried (no phantom 0.01 lines):
    # each period's earnings are rounded first (largest remainder, so the reps add up to the period's
    # rounded total); E is what the plan owes for the year so far, and what was paid before each period is
    # the sum of the earlier periods' payments. Carry-forward pays max(E - paid, 0); clawback pays E - paid
    # (negative means the rep pays back).
    scale = 10 ** minor_unit(currency)
    earned_minor = round_rows(e.total * scale, np.round(e.total.sum(1) * scale))
    earned_ytd = earned_minor if section.cumulative else np.cumsum(earned_minor, axis=0)
    t_given = len(ts) - 1 if since is None else (pd.Period(since, "M") - first).n // length
    if earned_to_date is not None and not section.cumulative:  # earlier periods as earned under their rules
        recorded = np.round(earned_to_date.reindex(reps).fillna(0.0).to_numpy(dtype=float) * scale)
        earned_ytd[t_given:] = recorded.astype(np.int64) + np.cumsum(earned_minor[t_given:], axis=0)
    pay_minor = np.zeros(earned_ytd.shape, dtype=np.int64)
    paid_before = np.zeros(earned_ytd.shape, dtype=np.int64)
    paid = np.zeros(n_reps, dtype=np.int64)
    for t in range(len(ts)):  # over the year's few periods; each step covers all reps at once
        if t == t_given and paid_to_date is not None:
            recorded = paid_to_date.reindex(reps).fillna(0.0).to_numpy(dtype=float)
            paid = np.round(recorded * scale).astype(np.int64)
        paid_before[t] = paid
        owed = earned_ytd[t] - paid
        pay_minor[t] = owed if section.negative == "clawback" else np.maximum(owed, 0)
        paid = paid + pay_minor[t]
    earned_before = np.concatenate([np.zeros((1, n_reps), dtype=np.int64), earned_ytd[:-1]], 0)
    if earned_to_date is not None and not section.cumulative:
        earned_before[t_given] = earned_ytd[t_given] - earned_minor[t_given]
    true_up_minor = -paid_before if section.cumulative else earned_before - paid_before
    carry_minor = pay_minor - (earned_minor + true_up_minor)
    pay, true_up, carry = pay_minor / scale, true_up_minor / scale, carry_minor / scale
    paid_before = paid_before / scale

    sl = slice(0 if since is None else t_given, t_now + 1) if all_periods else slice(t_now, t_now + 1)
    labels = _labels(plan, currency)
    n_t = len(ts[sl])

    def block(name, base, rate, amount, keep=None, reference=None):
        amount = np.asarray(amount)[sl]
        base = np.broadcast_to(np.asarray(base)[sl], amount.shape)
        rate = np.asarray(rate, dtype=float)
        rate = np.broadcast_to(rate[sl] if rate.ndim == 3 else rate, amount.shape)
        keep = (amount != 0) if keep is None else np.asarray(keep)[sl]
        ref = np.broadcast_to(np.nan if reference is None else np.asarray(reference)[sl], amount.shape)
        return name, base, rate, amount, np.broadcast_to(keep, amount.shape), ref

    nan = np.nan
    shown = StatementInputs(plan=plan, sales=s_win, quota=q_win, milestone_due=m_due,
                            milestone_target=np.broadcast_to(m_target, m_sales.shape))  # fmt: skip
    exports = [(c, c.export(e, shown)) for c in COMPONENTS.values()]
    blocks = [block(c.name, x.base, x.rate, x.amount, keep=x.keep, reference=x.reference) for c, x in exports]
    blocks += [
        block("relief", q_plain_win[..., None], attainment(q_win, q_plain_win)[..., None],
              np.zeros((*s_win.shape, 1)), keep=(q_win < q_plain_win)[..., None]),
        block("true_up", paid_before[..., None], nan, true_up[..., None]),
        block("carry_forward", (earned_minor / scale + true_up)[..., None], nan, carry[..., None]),
    ]  # fmt: skip
    rules, components = [], []
    for name, _base, _rate, block_amount, _keep, _ref in blocks:
        n = block_amount.shape[-1]
        components += COMPONENTS[name].line_names(plan, n) if name in COMPONENTS else [name] * n
        rules += list(labels[name][:n])
    base = np.concatenate([b[1] for b in blocks], axis=-1)
    rate = np.concatenate([b[2] for b in blocks], axis=-1)
    amount = np.concatenate([b[3] for b in blocks], axis=-1)
    keep = np.concatenate([b[4] for b in blocks], axis=-1)
    reference = np.concatenate([b[5] for b in blocks], axis=-1)
    n_lines = amount.shape[-1]

    # Rounding: plan total per period → reps (largest remainder, above) → lines (largest remainder).
    pay_now = pay[sl]
    rep_minor = pay_minor[sl].ravel()
    flat_keep = keep.reshape(-1, n_lines)
    flat_amount = np.where(flat_keep, amount.reshape(-1, n_lines), 0.0)
    all_lines_minor = round_rows(flat_amount * scale, rep_minor)
    cell, line = np.nonzero(flat_keep)
    line_minor = all_lines_minor[cell, line]

    t_of_cell, r_of_cell = np.divmod(cell, n_reps)
    period_of_t = months[ends[sl]]
    rep_names = pd.Index(reps.astype(str))
    team_names = pd.Index(pd.unique(team))
    team_code = team_names.get_indexer(team)
    lines = pd.DataFrame(
        {
            "period": period_of_t[t_of_cell],
            "rep": pd.Categorical.from_codes(r_of_cell, categories=rep_names),
            "team": pd.Categorical.from_codes(team_code[r_of_cell], categories=team_names),
            "line": line,
            "component": pd.Categorical(np.array(components, dtype=object)[line]),
            "rule": pd.Categorical.from_codes(*_codes(rules, line)),
            # bases and references are money: exact in the minor unit, no float noise in exports
            "base": np.round(base.reshape(-1, n_lines)[cell, line], minor_unit(currency)),
            "rate": rate.reshape(-1, n_lines)[cell, line],
            "amount": line_minor / scale,
            "reference": np.round(reference.reshape(-1, n_lines)[cell, line], minor_unit(currency)),
        }
    )
    t_idx = np.arange(n_t).repeat(n_reps)
    r_idx = np.tile(np.arange(n_reps), n_t)
    rep_table = pd.DataFrame(
        {
            "period": period_of_t[t_idx],
            "rep": pd.Categorical.from_codes(r_idx, categories=rep_names),
            "team": pd.Categorical.from_codes(team_code[r_idx], categories=team_names),
            "sales": s_win[sl].ravel(),
            "period_sales": window(s_month, ts * length)[sl].ravel(),
            # overlay and team credit in the period: credited sales beyond 100% of bookings
            "extra_credit": window(c_month, ts * length)[sl][..., [CREDIT_LINES.index(k) for k in EXTRA]]
            .sum(-1)
            .ravel(),
            "quota": q_win[sl].ravel(),
            "attainment": e.attainment[sl].ravel(),
            "earned": e.total[sl].ravel(),
            "paid_before": paid_before[sl].ravel(),
            "owed": pay_now.ravel(),
            "payout": rep_minor / scale,
        }
    )
    rewards = _rewards(section, rep_table)
    return Statements(lines=lines, reps=rep_table, rewards=rewards, currency=currency)


def _codes(rules: list[str], line: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Category codes of each line's rule label (labels can repeat between rules)."""
    categories = list(dict.fromkeys(rules))
    lookup = np.array([categories.index(r) for r in rules], dtype=int)
    return lookup[line], categories


def _teams(
    reps: pd.Index, sales: pd.DataFrame, quotas: pd.DataFrame, managed: dict[str, str] | None = None
) -> np.ndarray:
    """Each rep's team: from the quota table when it has one, else their latest sales, else (a manager who
    sells nothing and has no quota, paid on the team) the team they manage in `hierarchy`."""
    team = pd.Series("all", index=reps, dtype=object)
    team.update(pd.Series(managed or {}, dtype=object).reindex(reps).dropna())
    if "credit" in sales.columns:  # a rep's team is where they book, not where they are credited
        sales = sales[sales["credit"].isin(("booked", "split"))]
    if "team" in sales.columns and not sales.empty:
        latest = sales.sort_values("period").drop_duplicates("rep", keep="last").set_index("rep")["team"]
        team.update(latest)
    if "team" in quotas.columns and not quotas.empty:
        team.update(quotas.drop_duplicates("rep", keep="last").set_index("rep")["team"])
    return team.to_numpy()


def _rewards(section: IncentivesSection, reps: pd.DataFrame) -> pd.DataFrame:
    """Non-cash rewards earned in each period: one row per rep and reward whose rule is met."""
    frames = []
    for reward in section.rewards:  # over the plan's few rewards
        value = reps["attainment"] if reward.metric == "attainment" else reps["sales"]
        won = reps[value.to_numpy() >= reward.at_least]
        frames.append(
            won[["period", "rep", "team"]].assign(reward=reward.name, kind=reward.kind, cost=reward.cost)
        )
    if not frames:
        return pd.DataFrame(columns=["period", "rep", "team", "reward", "kind", "cost"])
    return pd.concat(frames, ignore_index=True)


def no_quotas() -> pd.DataFrame:
    """A quota table with no rows: no rep has a quota (a plan paying on sales alone, or a workbook with no
    sales yet)."""
    return pd.DataFrame({"period": pd.PeriodIndex([], freq="M"), "rep": [], "team": [], "target": []})


def provisional_quotas(cube: pd.DataFrame, growth: float = 0.1) -> pd.DataFrame:
    """Stand-in quotas until the task splitter writes targets: same month last year × (1 + growth).

    A rep without last year's month gets the median of their team's reps for that month, so new reps are
    measured against a typical colleague rather than against nothing.
    """
    monthly = cube.groupby(["period", "rep", "team"], observed=True, as_index=False)["actual"].sum()
    if monthly.empty:
        return no_quotas()
    periods = pd.period_range(monthly["period"].min() + 12, monthly["period"].max() + 12, freq="M")
    latest_team = monthly.sort_values("period").drop_duplicates("rep", keep="last")[["rep", "team"]]
    grid = pd.MultiIndex.from_product([periods, latest_team["rep"]], names=["period", "rep"]).to_frame(
        index=False
    )
    grid = grid.merge(latest_team, on="rep")
    last_year = monthly.assign(period=monthly["period"] + 12)[["period", "rep", "actual"]]
    grid = grid.merge(last_year, on=["period", "rep"], how="left")
    grid["target"] = grid["actual"].clip(lower=0) * (1 + growth)
    team_median = grid.groupby(["period", "team"])["target"].transform("median")
    grid["target"] = grid["target"].where(grid["target"] > 0, team_median).fillna(0.0)
    return grid[["period", "rep", "team", "target"]]

"""Several plans by role: who is on which plan, day by day, and each plan paid under the version in force.

A rep assigned to a role plan for part of a month has that month's sales and quota prorated by days between
the plans (a promotion on 15 July pays the first half of July under the old plan and the second under the
new); days without an assignment are paid by the section's own rules. Each period is paid under the version
of its plan in force in its last month, so a version change never restates a closed period: what earlier
periods paid is carried in as paid, and a period-by-period plan carries only a real negative balance.
Pure: no files, no widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from salesplan_widgets.errors import PlanError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.model.commission import credit_sales
from salesplan_widgets.model.measurement import measurement_name
from salesplan_widgets.model.statements import PERIOD_MONTHS, Statements, fiscal_year_first, payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection

EVERYONE = ""  # the plan id of the section's own rules: everyone on no role plan


def plan_shares(section: IncentivesSection, reps: list[str], months: pd.PeriodIndex) -> pd.DataFrame:
    """Share of each month's days each rep spent on each plan: plan, period, rep, share (0 rows left out).

    The shares of one rep and month add up to 1; what no assignment covers is the section's own plan.
    """
    month_start = np.array([m.start_time.date().toordinal() for m in months])
    days = np.array([m.days_in_month for m in months], dtype=float)
    known = set(reps)
    chosen = [a for a in section.assignments if a.rep in known]
    start = np.array([a.start.toordinal() if a.start else month_start[0] for a in chosen], dtype=float)
    end = np.array([a.end.toordinal() if a.end else month_start[-1] + 366 for a in chosen], dtype=float)
    # days on the plan in each month, all assignments × months at once
    first = np.maximum(month_start[None, :], start[:, None])
    last = np.minimum((month_start + days - 1)[None, :], end[:, None])
    on = np.clip(last - first + 1, 0, days) / days
    n = len(months)
    # month positions (not Periods) while grouping: the groupbys stay numeric and fast
    assigned = pd.DataFrame(
        {
            "plan": np.repeat([a.plan for a in chosen], n),
            "month": np.tile(np.arange(n), len(chosen)),
            "rep": np.repeat([a.rep for a in chosen], n),
            "share": on.ravel(),
        }
    )
    covered = assigned.groupby(["rep", "month"])["share"].sum()
    grid = pd.MultiIndex.from_product([reps, np.arange(n)], names=["rep", "month"])
    rest = (1.0 - covered.reindex(grid, fill_value=0.0)).clip(lower=0.0).rename("share").reset_index()
    shares = pd.concat([assigned, rest.assign(plan=EVERYONE)], ignore_index=True)
    shares = shares.groupby(["plan", "month", "rep"], as_index=False, sort=False)["share"].sum()
    shares = shares[shares["share"] > 0].reset_index(drop=True)
    return shares.assign(period=months[shares["month"].to_numpy()])[["plan", "period", "rep", "share"]]


def _period_ends(
    rules_at: Callable[[str], IncentivesSection | None], first: pd.Period, period: pd.Period, plan: str = ""
) -> list[pd.Period]:
    """Last month of each measurement period of the year through `period` (the current one may be partial),
    each as long as the version in force at its start measures (months before a plan's first version as
    that version): a plan monthly to June and quarterly from July has six months, then Q3 and Q4. Windows
    keep to the fiscal year's quarters; a version changing the measurement inside one is refused."""
    months = pd.period_range(first, period, freq="M")
    measured = [None if (r := rules_at(str(m))) is None else r.measurement for m in months]  # 12 at most
    ends = []
    t = 0
    while t < len(months):  # over the year's few windows
        measure = next((m for m in measured[t:] if m is not None), "monthly")
        length = PERIOD_MONTHS[measure]
        end = t // length * length + length - 1
        if t % length:  # a version's measurement begins inside one of its own windows
            raise PlanError(_mid_window(plan, months[t], first + (end - length + 1), first + end, measure))
        for k in range(t + 1, min(end, len(months) - 1) + 1):  # a version starting inside the window
            if measured[k] is not None and measured[k] != measure:
                raise PlanError(_mid_window(plan, months[k], months[t], first + end, measured[k]))
        ends.append(months[min(end, len(months) - 1)])
        t = end + 1
    return ends


def plans_on(section: IncentivesSection, reps: Iterable[str], period: pd.Period | str) -> dict[str, str]:
    """Each rep's plan at the last day of month `period` (a later assignment wins; EVERYONE: the section's
    own rules): the plan their month is measured, traced and described by."""
    last_day = pd.Period(period, "M").end_time.date()
    on = dict.fromkeys(map(str, reps), EVERYONE)
    for a in section.assignments:  # the workbook's few assignments
        if a.rep in on and (a.start is None or a.start <= last_day) and (a.end is None or a.end >= last_day):
            on[a.rep] = a.plan
    return on


def rules_by_rep(
    section: IncentivesSection, reps: Iterable[str], period: pd.Period | str
) -> dict[str, IncentivesSection]:
    """The rules each rep is measured by in month `period`: the version in force of their plan on its last
    day (`plans_on`), else the section's own (its `measurement`, `cumulative` …)."""
    on = plans_on(section, reps, period)
    month = str(pd.Period(period, "M"))
    rules: dict[str, IncentivesSection] = {EVERYONE: section}
    for plan in set(on.values()) - {EVERYONE}:  # the few plans in use
        rules[plan] = section.rules_in_force(plan, month) or section
    return {rep: rules[plan] for rep, plan in on.items()}


def paid_for_periods(
    section: IncentivesSection, reps: np.ndarray, months: pd.PeriodIndex, fiscal_year_start: int = 1
) -> pd.PeriodIndex:
    """The period each rep's sale of each month was paid for: the last month of the measurement window
    holding the month under the rep's own plan (`plans_on`), each window as long as the version in force at
    its start measures (`_period_ends`). A monthly account executive in a quarterly workbook was paid for the
    sale's month; a rep on the workbook's quarterly rules for the quarter's last month."""
    months = pd.PeriodIndex(months, freq="M")
    reps = np.asarray(reps, dtype=str)
    ends: dict[tuple[str, pd.Period], list[pd.Period]] = {}
    found = np.empty(len(months), dtype=object)
    for month in months.unique():  # the few months returned deals were sold in
        rows = np.flatnonzero(months == month)
        on = plans_on(section, np.unique(reps[rows]), month)
        first = fiscal_year_first(month, fiscal_year_start)
        for plan in set(on.values()):  # the few plans in use
            if (plan, first) not in ends:
                rules_at = (lambda m: section) if plan == EVERYONE else partial(section.rules_in_force, plan)
                ends[(plan, first)] = _period_ends(rules_at, first, first + 11, plan)
        for row in rows:
            found[row] = next(end for end in ends[(on[reps[row]], first)] if end >= month)
    return pd.PeriodIndex(list(found), freq="M")


def _mid_window(plan: str, month: pd.Period, start: pd.Period, end: pd.Period, measurement: str) -> Problem:
    return Problem(
        file="plan.yaml",
        column=f"incentives.plans[{plan}].versions[{month}].measurement",
        expected=_("a change of measurement at the start of a measurement period"),
        found=_("{measurement} from {month}, inside the period {start} to {end}").format(
            measurement=measurement_name(measurement), month=month, start=start, end=end
        ),
        fix=_(
            "make the version effective at the first month of a fiscal quarter (or year) both measurements "
            "share, e.g. {next}"
        ).format(next=end + 1),
    )


def measurement_problems(section: IncentivesSection, fiscal_year_start: int = 1) -> list[Problem]:
    """Each role plan version that changes the measurement inside a measurement period of the version
    before it or of its own (monthly to quarterly from August: which window would pay July to September?)."""
    problems = []
    for plan in section.plans:  # the workbook's few plans and versions
        for before, after in zip(plan.versions, plan.versions[1:], strict=False):
            if before.measurement == after.measurement:
                continue
            month = pd.Period(after.effective, "M")
            first = fiscal_year_first(month, fiscal_year_start)
            longer = max(PERIOD_MONTHS[before.measurement], PERIOD_MONTHS[after.measurement])
            offset = (month - first).n
            if offset % longer:
                start = first + offset // longer * longer
                problems.append(_mid_window(plan.id, month, start, start + longer - 1, after.measurement))
    return problems


def _carried(statements: Statements) -> pd.Series:
    lines = statements.lines[statements.lines["component"] == "carry_forward"]
    return lines.groupby(lines["rep"].astype(str))["amount"].sum()


def owed_under_versions(
    rules_at: Callable[[str], IncentivesSection | None],
    cube: pd.DataFrame,
    quotas: pd.DataFrame,
    period: pd.Period | str,
    currency: str = "CNY",
    fiscal_year_start: int = 1,
    share: pd.DataFrame | None = None,
    all_periods: bool = False,
    paid_to_date: pd.Series | None = None,
    earned_to_date: pd.Series | None = None,
    plan: str = "",
) -> Statements | None:
    """Statements of one plan whose rules depend on the month (`rules_at('YYYY-MM')`, None: not in force).

    Each period is owed under the rules in force in its last month; earlier periods count as paid what
    they paid under their own rules (the true-up of a year-to-date plan deducts exactly that). Given
    `paid_to_date` (and for a period-by-period plan `earned_to_date`) from the payment ledger, the current
    period is owed under its version on top of those recorded facts instead.
    """
    period = pd.Period(period, "M")
    first = fiscal_year_first(period, fiscal_year_start)
    current = rules_at(str(period))
    if current is None:
        return None
    ends = _period_ends(rules_at, first, period, plan)
    versions = [rules_at(str(end)) for end in ends]
    pay = dict(currency=currency, fiscal_year_start=fiscal_year_start, share=share)
    if paid_to_date is not None and not all_periods:  # the ledger knows what was paid: owed for P only
        return payout_statements(current, cube, quotas, period, paid_to_date=paid_to_date,
                                 earned_to_date=earned_to_date, **pay)  # fmt: skip
    if all(v == current for v in versions):  # one version all year: one run of the engine
        return payout_statements(current, cube, quotas, period, all_periods=all_periods, **pay)
    # Runs of periods under one version are paid in one run of the engine each; every run starts from
    # what the earlier runs paid and carried, under their own versions.
    paid = pd.Series(dtype=float)
    earned = pd.Series(dtype=float)
    runs = []
    t = 0
    while t < len(ends):  # over the year's few versions
        rules, since = versions[t], ends[t]
        while t + 1 < len(ends) and versions[t + 1] == rules:
            t += 1
        t += 1
        if rules is None:
            continue
        result = payout_statements(rules, cube, quotas, ends[t - 1], paid_to_date=paid, earned_to_date=earned,
                                   since=since, all_periods=True, **pay)  # fmt: skip
        by_rep = result.reps.groupby(result.reps["rep"].astype(str), observed=True)["payout"].sum()
        paid = paid.add(by_rep, fill_value=0.0)
        last = result.lines["period"] == ends[t - 1]
        earned = paid.sub(_carried(Statements(result.lines[last], result.reps, result.rewards, currency)),
                          fill_value=0.0)  # fmt: skip
        runs.append(result)
    if not all_periods:
        last = runs[-1]
        return Statements(
            lines=last.lines[last.lines["period"] == period].reset_index(drop=True),
            reps=last.reps[last.reps["period"] == period].reset_index(drop=True),
            rewards=last.rewards[last.rewards["period"] == period].reset_index(drop=True),
            currency=currency,
        )
    return combine(runs)


def combine(parts: list[Statements], plans: list[str] | None = None) -> Statements:
    """Several statements as one; with `plans`, every line and rep row says which plan it comes from."""
    if plans is not None:
        parts = [
            Statements(
                lines=p.lines.assign(plan=name),
                reps=p.reps.assign(plan=name),
                rewards=p.rewards,
                currency=p.currency,
            )
            for p, name in zip(parts, plans, strict=True)
        ]

    def stack(pieces: list[pd.DataFrame]) -> pd.DataFrame:
        """Concatenated, categorical columns joined as categoricals (pd.concat would make them text)."""
        labels = [c for c in ("rep", "team", "component", "rule") if c in pieces[0]]
        frame = pd.concat([piece.drop(columns=labels) for piece in pieces], ignore_index=True)
        for column in labels:
            # a plan with no lines yet has categories of another dtype (empty): join them as text
            same = [
                piece[column].cat.set_categories(piece[column].cat.categories.astype(str)) for piece in pieces
            ]
            frame[column] = union_categoricals(same, ignore_order=True)
        return frame[list(pieces[0].columns)]

    lines = stack([p.lines for p in parts])
    reps = stack([p.reps for p in parts])
    rewards = pd.concat([p.rewards for p in parts], ignore_index=True).drop_duplicates(
        ["period", "rep", "reward"]
    )
    return Statements(
        lines=lines, reps=reps, rewards=rewards.reset_index(drop=True), currency=parts[0].currency
    )


def _with_version(result: Statements, section: IncentivesSection, plan: str) -> Statements:
    """Each line and rep row with the effective month of the version it was paid under (the ledger keeps
    it; empty for the section's own, unversioned rules)."""
    if plan == EVERYONE:
        version = lambda frame: ""  # noqa: E731
    else:
        role = next(p for p in section.plans if p.id == plan)
        effective = {}
        for period in pd.unique(result.reps["period"]):  # the year's few periods
            in_force = role.in_force(str(period))
            effective[period] = "" if in_force is None else in_force.effective
        version = lambda frame: frame["period"].map(effective).astype(str)  # noqa: E731
    return Statements(
        lines=result.lines.assign(version=version(result.lines)),
        reps=result.reps.assign(version=version(result.reps)),
        rewards=result.rewards,
        currency=result.currency,
    )


def _of_plan(recorded: pd.Series | None, plan: str) -> pd.Series | None:
    """One plan's part of a (plan, rep)-indexed series of recorded amounts (empty if it has none)."""
    if recorded is None:
        return None
    if plan in recorded.index.get_level_values(0):
        return recorded.xs(plan, level=0)
    return pd.Series(dtype=float)


def _of_reps(reps: pd.Categorical, names: np.ndarray) -> np.ndarray:
    """Rows whose rep is one of `names`."""
    wanted = reps.categories.get_indexer(names)
    return np.isin(reps.codes, wanted[wanted >= 0])


def role_statements(
    section: IncentivesSection,
    cube: pd.DataFrame,
    quotas: pd.DataFrame,
    period: pd.Period | str,
    currency: str = "CNY",
    fiscal_year_start: int = 1,
    all_periods: bool = False,
    paid_to_date: pd.Series | None = None,
    earned_to_date: pd.Series | None = None,
) -> Statements:
    """Statements of every plan for the period: each rep's lines under each plan they were on this year.

    Lines and rep rows carry a `plan` column (the role plan's name; empty for the section's own rules) and a
    `version` column (the effective month of the version in force for the period).
    Deals are credited by the section's splits once, before the plans are paid. `paid_to_date` and
    `earned_to_date`, indexed by (plan id, rep) — plan id "" for the section's own rules — are what the
    ledger recorded before the period.
    """
    period = pd.Period(period, "M")
    first = fiscal_year_first(period, fiscal_year_start)
    months = pd.period_range(first, periods=12, freq="M")
    cube = credit_sales(cube, section)
    reps = sorted(set(cube["rep"].astype(str)) | set(quotas["rep"].astype(str)))
    shares = plan_shares(section, reps, months)
    everyone = section.without_role_plans().model_copy(update={"crediting": []})
    names = {p.id: p.name for p in section.plans}
    cube_rep = pd.Categorical(cube["rep"].astype(str))  # once: each plan picks its reps by category code
    quota_rep = pd.Categorical(quotas["rep"].astype(str))
    parts, plans = [], []
    for plan in [EVERYONE, *names]:  # over the workbook's few plans
        share = shares[shares["plan"] == plan]
        on = pd.unique(share["rep"])
        if not len(on):
            continue

        def rules_at(month: str, plan: str = plan) -> IncentivesSection | None:
            if plan == EVERYONE:
                return everyone
            rules = section.rules_in_force(plan, month)
            return None if rules is None else rules.model_copy(update={"crediting": []})

        result = owed_under_versions(
            rules_at,
            cube[_of_reps(cube_rep, on)],
            quotas[_of_reps(quota_rep, on)],
            period,
            currency,
            fiscal_year_start,
            share=share,
            all_periods=all_periods,
            paid_to_date=_of_plan(paid_to_date, plan),
            earned_to_date=_of_plan(earned_to_date, plan),
            plan=plan,
        )
        if result is not None:
            parts.append(_with_version(result, section, plan))
            plans.append(names.get(plan, EVERYONE))
    if not parts:  # nobody on any plan: the section's own (empty) statements
        return payout_statements(
            everyone, cube, quotas, period, currency, fiscal_year_start, all_periods=all_periods
        )
    return combine(parts, plans)

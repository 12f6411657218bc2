"""Several plans by role: who is on which plan, day by day, and each plan paid under the version in force.

A rep assigned to a role plan for part of a month has that month's sales and quota prorated by days between
the plans (a promotion on 15 July pays the first half of July under the old plan and the second under the
new); days without an assignment are paid by the section's own rules. Each period is paid under the version
of its plan in force in its last month, so a version change never restates a closed period: what earlier
periods paid is carried in as paid, and a period-by-period plan carries only a real negative balance.
Pure: no files, no widgets.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from salesplan_widgets.model.commission import credit_sales
from salesplan_widgets.model.statements import PERIOD_MONTHS, Statements, fiscal_year_first, payout_statements
from salesplan_widgets.workbook.schema.incentives import IncentivesSection

EVERYONE = ""  # the plan id of the section's own rules: everyone on no role plan


def plan_shares(section: IncentivesSection, reps: list[str], months: pd.PeriodIndex) -> pd.DataFrame:
    """Share of each month's days each rep spent on each plan: plan, period, rep, share (0 rows left out).

    The shares of one rep and month add up to 1; what no assignment covers is the section's own plan.
    """
    month_start = np.array([m.start_time.date().toordinal() for m in months])
    days = np.array([m.days_in_month for m in months], dtype=float)
    rows = []
    covered = pd.DataFrame(0.0, index=pd.Index(reps, name="rep"), columns=months)
    for a in section.assignments:  # over the plan's assignments (a few per rep), all months at once
        if a.rep not in covered.index:
            continue
        first = np.maximum(month_start, a.start.toordinal() if a.start else month_start[0])
        last = np.minimum(month_start + days - 1, a.end.toordinal() if a.end else month_start[-1] + 366)
        on = np.clip(last - first + 1, 0, days) / days
        covered.loc[a.rep] += on
        rows.append(pd.DataFrame({"plan": a.plan, "period": months, "rep": a.rep, "share": on}))
    rest = (1.0 - covered).clip(lower=0.0).stack().rename("share").reset_index()
    rows.append(rest.rename(columns={"level_1": "period"}).assign(plan=EVERYONE))
    shares = pd.concat(rows, ignore_index=True)[["plan", "period", "rep", "share"]]
    shares = shares.groupby(["plan", "period", "rep"], as_index=False, sort=False)["share"].sum()
    return shares[shares["share"] > 0].reset_index(drop=True)


def _period_ends(measurement: str, first: pd.Period, period: pd.Period) -> list[pd.Period]:
    """Last month of each measurement period of the year through `period` (the current one may be partial)."""
    length = PERIOD_MONTHS[measurement]
    upto = (period - first).n
    return [first + min(t * length + length - 1, upto) for t in range(upto // length + 1)]


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
) -> Statements | None:
    """Statements of one plan whose rules depend on the month (`rules_at('YYYY-MM')`, None: not in force).

    Each period is owed under the rules in force in its last month; earlier periods count as paid what
    they paid under their own rules (the true-up of a year-to-date plan deducts exactly that).
    """
    period = pd.Period(period, "M")
    first = fiscal_year_first(period, fiscal_year_start)
    current = rules_at(str(period))
    if current is None:
        return None
    ends = _period_ends(current.measurement, first, period)
    versions = [rules_at(str(end)) for end in ends]
    pay = dict(currency=currency, fiscal_year_start=fiscal_year_start, share=share)
    if all(v == current for v in versions):  # one version all year: one run of the engine
        return payout_statements(current, cube, quotas, period, all_periods=all_periods, **pay)
    paid = pd.Series(dtype=float)
    earned = pd.Series(dtype=float)
    runs = []
    for end, rules in zip(ends, versions, strict=True):  # over the year's few periods, all reps at once
        if rules is None:
            continue
        result = payout_statements(rules, cube, quotas, end, paid_to_date=paid, earned_to_date=earned, **pay)
        paid = paid.add(result.reps.set_index(result.reps["rep"].astype(str))["payout"], fill_value=0.0)
        earned = paid.sub(_carried(result), fill_value=0.0)
        runs.append(result)
    return combine(runs if all_periods else runs[-1:])


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
    lines = pd.concat([p.lines for p in parts], ignore_index=True)
    reps = pd.concat([p.reps for p in parts], ignore_index=True)
    for frame in (lines, reps):
        for column in ("rep", "team", "component", "rule"):
            if column in frame:
                frame[column] = frame[column].astype(str).astype("category")
    rewards = pd.concat([p.rewards for p in parts], ignore_index=True).drop_duplicates(
        ["period", "rep", "reward"]
    )
    return Statements(
        lines=lines, reps=reps, rewards=rewards.reset_index(drop=True), currency=parts[0].currency
    )


def role_statements(
    section: IncentivesSection,
    cube: pd.DataFrame,
    quotas: pd.DataFrame,
    period: pd.Period | str,
    currency: str = "CNY",
    fiscal_year_start: int = 1,
    all_periods: bool = False,
) -> Statements:
    """Statements of every plan for the period: each rep's lines under each plan they were on this year.

    Lines and rep rows carry a `plan` column (the role plan's name; empty for the section's own rules).
    Deals are credited by the section's splits once, before the plans are paid.
    """
    period = pd.Period(period, "M")
    first = fiscal_year_first(period, fiscal_year_start)
    months = pd.period_range(first, periods=12, freq="M")
    cube = credit_sales(cube, section)
    reps = sorted(set(cube["rep"].astype(str)) | set(quotas["rep"].astype(str)))
    shares = plan_shares(section, reps, months)
    everyone = section.without_role_plans().model_copy(update={"crediting": []})
    names = {p.id: p.name for p in section.plans}
    parts, plans = [], []
    for plan in [EVERYONE, *names]:  # over the workbook's few plans
        share = shares[shares["plan"] == plan]
        on = set(share["rep"])
        if not on:
            continue

        def rules_at(month: str, plan: str = plan) -> IncentivesSection | None:
            if plan == EVERYONE:
                return everyone
            rules = section.rules_in_force(plan, month)
            return None if rules is None else rules.model_copy(update={"crediting": []})

        result = owed_under_versions(
            rules_at,
            cube[cube["rep"].astype(str).isin(on)],
            quotas[quotas["rep"].astype(str).isin(on)],
            period,
            currency,
            fiscal_year_start,
            share=share,
            all_periods=all_periods,
        )
        if result is not None:
            parts.append(result)
            plans.append(names.get(plan, EVERYONE))
    if not parts:  # nobody on any plan: the section's own (empty) statements
        return payout_statements(
            everyone, cube, quotas, period, currency, fiscal_year_start, all_periods=all_periods
        )
    return combine(parts, plans)

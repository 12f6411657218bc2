"""The plan's targets as the rest of the product reads them: the saved table, or the plan's split computed.

One place decides which targets are in force before anything is saved, and whether the split still fits
its goal, so that the splitter, the reports, the dashboards and `validate` never disagree. Reads the plan,
the cube and the targets table; never writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from salesplan_widgets.i18n import fmt_money, minor_unit
from salesplan_widgets.model.allocation import (
    Split,
    data_dimensions,
    default_goal,
    plan_months,
    split_goal,
    split_notices,
    split_start,
)
from salesplan_widgets.model.calendar import period_labels
from salesplan_widgets.schema.split import SplitSection

if TYPE_CHECKING:
    from salesplan_widgets.workbook.workbook import Workbook


def split_section(workbook: Workbook, cube: pd.DataFrame) -> SplitSection:
    """The plan's split settings, defaults fitted to the data (no level for a dimension the data lack)."""
    return (workbook.plan.split or SplitSection()).fitted_to(data_dimensions(cube))


def _goal_start(workbook: Workbook):
    return getattr(workbook.plan.goal, "start", None)


def split_periods(
    workbook: Workbook, cube: pd.DataFrame, section: SplitSection | None = None
) -> pd.PeriodIndex:
    """The months the split plans: from its saved start, else the goal's first month, else after the data."""
    section = section or split_section(workbook, cube)
    start = split_start(section.start, _goal_start(workbook))
    return plan_months(cube, start, section.months, workbook.plan.calendar.fiscal_year_start)


def split_goal_total(workbook: Workbook, cube: pd.DataFrame, section: SplitSection | None = None) -> float:
    """The total the split divides: split.goal, else the goal's target, else last year's sales."""
    section = section or split_section(workbook, cube)
    goal = section.goal
    if goal is None:
        goal = getattr(workbook.plan.goal, "target", None)
    if goal is None:
        goal = default_goal(cube, section.basis_months)
    return float(goal)


def history_in_progress(workbook: Workbook, cube: pd.DataFrame) -> pd.Period | None:
    """The history's last period when its data stop before its last working day (`period_in_progress`, the
    plan's calendar), which the split leaves out (`split_goal`'s `in_progress`); None when it is complete,
    or when `calendar.end` says where the data end (the analyst has said they are whole), and when it is the
    history's only period (a new workbook's first weeks: left out, nothing would be left to split by)."""
    from salesplan_widgets.model.pacing import period_in_progress
    from salesplan_widgets.workbook.sales_through import pacing_country, sales_through

    plan = workbook.plan
    if not len(cube) or plan.calendar.end is not None:
        return None
    last = cube["period"].max()
    if not (cube["period"] != last).any():
        return None
    country = pacing_country(workbook)
    return last if period_in_progress(last, sales_through(workbook), country) else None


def in_progress_split_notice(workbook: Workbook, cube: pd.DataFrame) -> str:
    """What the splitter and the split page tell the user when the split leaves the history's last period
    out (`history_in_progress`), as the goal page says it counts it as still being sold; empty otherwise."""
    from salesplan_widgets.i18n import _, fmt_date
    from salesplan_widgets.workbook.sales_through import sales_through

    period = history_in_progress(workbook, cube)
    if period is None:
        return ""
    text = _(
        "{period} has sales up to {day} only: the split leaves it out of the seasonal shape and of the last "
        "{months} months' shares, as a period still being sold."
    ).format(
        period=period_labels([period])[0],
        day=fmt_date(sales_through(workbook)),
        months=split_section(workbook, cube).basis_months,
    )
    return text + " " + _("If the data are complete, set calendar.end in plan.yaml to the period's last day.")


def split_from_plan(workbook: Workbook, cube: pd.DataFrame) -> Split:
    """The plan's split as the plan says it (goal: split.goal, else the goal's target, else last year)."""
    section = split_section(workbook, cube)
    return split_goal(
        split_goal_total(workbook, cube, section),
        section.levels_for_model(),
        cube,
        split_periods(workbook, cube, section),
        unit=section.unit or 10.0 ** -minor_unit(workbook.currency),
        locks=section.locks_for_model(),
        basis_months=section.basis_months,
        ramp_months=section.ramp_months,
        in_progress=history_in_progress(workbook, cube),
    )


def plan_targets(workbook: Workbook, cube: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """The saved targets table, or the plan's split computed on the fly; and whether it was saved."""
    saved = workbook.read_table("targets")
    if saved is not None and len(saved):
        return saved, True
    return split_from_plan(workbook, cube).targets, False


def goal_months_targets(targets: pd.DataFrame, periods: pd.PeriodIndex) -> pd.DataFrame:
    """The rows of the split goal's own months: a targets table may also keep another year (made by hand,
    or the year before a rollover) that is not this goal's. The whole table when it holds none of them (the
    split then does not fit the goal, and `split_fit_notices` says so)."""
    own = pd.PeriodIndex(targets["period"]).isin(periods)
    return targets[own] if own.any() else targets


def split_fit_notices(
    workbook: Workbook,
    cube: pd.DataFrame,
    section: SplitSection | None = None,
    split_total: float | None = None,
    periods: pd.PeriodIndex | None = None,
) -> list[str]:
    """Why the split in force may not fit the goal (made for an older goal, other months, a year that is
    over), in the workbook's language; empty when it fits. Defaults: the plan's split as saved."""
    section = section or split_section(workbook, cube)
    if periods is None:
        saved = workbook.read_table("targets") if section.start is None else None
        periods = (
            pd.PeriodIndex(saved["period"]).unique().sort_values()
            if saved is not None and len(saved)
            else split_periods(workbook, cube, section)
        )
    goal = workbook.plan.goal
    return split_notices(
        split_goal_total(workbook, cube, section) if split_total is None else split_total,
        periods,
        pd.PeriodIndex(cube["period"]).max(),
        goal_target=getattr(goal, "target", None),
        goal_start=getattr(goal, "start", None),
        made_for=section.made_for,
        kept_for=section.kept_for,
        money=lambda amount: fmt_money(amount, workbook.currency, workbook.locale, digits=False),
        month=lambda period: period_labels([period], workbook.locale)[0],
    )


def new_year_split(workbook: Workbook, cube: pd.DataFrame) -> SplitSection | None:
    """The split to make when the goal is for a later year than the saved split (1 January: the goal is
    2027's, the split 2026's), else None: the saved levels, methods, strategies and unit, from the goal's
    first month and for the goal's target, without the old year's locks and its made-for and kept marks.

    Without it the splitter would keep splitting the year that is over (a saved split keeps its months)."""
    section = split_section(workbook, cube)
    goal_start = _goal_start(workbook)
    if section.start is None or goal_start is None:
        return None
    fiscal_year_start = workbook.plan.calendar.fiscal_year_start
    saved_last = split_periods(workbook, cube, section)[-1]
    goal_first = plan_months(cube, split_start(None, goal_start), 1, fiscal_year_start)[0]
    if goal_first <= saved_last:
        return None
    return section.model_copy(
        update={"start": None, "goal": None, "made_for": None, "kept_for": None, "locks": []}
    )

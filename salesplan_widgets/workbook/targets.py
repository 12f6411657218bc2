"""The plan's targets as the rest of the product reads them: the saved table, or the plan's split computed.

One place decides which targets are in force before anything is saved, so that the splitter, the reports,
`validate` and the published extracts never disagree. Reads the plan, the cube and the targets table;
never writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from salesplan_widgets.i18n import minor_unit
from salesplan_widgets.model.allocation import Split, default_goal, plan_months, split_goal
from salesplan_widgets.schema.split import SplitSection

if TYPE_CHECKING:
    from salesplan_widgets.workbook.workbook import Workbook


def split_from_plan(workbook: Workbook, cube: pd.DataFrame) -> Split:
    """The plan's split as the plan says it (goal: split.goal, else the goal's target, else last year)."""
    section = workbook.plan.split or SplitSection()
    goal = section.goal
    if goal is None:
        goal = getattr(workbook.plan.goal, "target", None)
    if goal is None:
        goal = default_goal(cube, section.basis_months)
    return split_goal(
        goal,
        section.levels_for_model(),
        cube,
        plan_months(cube, section.start, section.months, workbook.plan.calendar.fiscal_year_start),
        unit=section.unit or 10.0 ** -minor_unit(workbook.currency),
        locks=section.locks_for_model(),
        basis_months=section.basis_months,
        ramp_months=section.ramp_months,
    )


def plan_targets(workbook: Workbook, cube: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """The saved targets table, or the plan's split computed on the fly; and whether it was saved."""
    saved = workbook.read_table("targets")
    if saved is not None and len(saved):
        return saved, True
    return split_from_plan(workbook, cube).targets, False

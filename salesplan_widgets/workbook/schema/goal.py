"""The plan's `goal` section. Filled by its capability; empty until then (still strict: unknown keys fail)."""

from salesplan_widgets.workbook.schema.base import PlanModel


class GoalSection(PlanModel):
    """Settings of the goal capability."""

"""The plan's `incentives` section. Filled by its capability; empty until then (still strict: unknown keys fail)."""

from salesplan_widgets.workbook.schema.base import PlanModel


class IncentivesSection(PlanModel):
    """Settings of the incentives capability."""

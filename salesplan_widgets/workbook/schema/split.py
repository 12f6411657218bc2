"""The plan's `split` section. Filled by its capability; empty until then (still strict: unknown keys fail)."""

from salesplan_widgets.workbook.schema.base import PlanModel


class SplitSection(PlanModel):
    """Settings of the split capability."""

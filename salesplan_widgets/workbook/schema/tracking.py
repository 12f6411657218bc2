"""The plan's `tracking` section. Filled by its capability; empty until then (still strict: unknown keys fail)."""

from salesplan_widgets.workbook.schema.base import PlanModel


class TrackingSection(PlanModel):
    """Settings of the tracking capability."""

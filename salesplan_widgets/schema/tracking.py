"""The plan's `tracking` section: how the tracker paces, projects and flags (defaults make an empty section valid)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from salesplan_widgets.schema.base import PlanModel


class PlannedShock(PlanModel):
    """A market move the analyst expects (a price war, a lost tender): matching quotas × factor from `start`.

    Kept in the plan, not in a notebook, so that the tracking notebook stays the same for every workbook.
    """

    factor: float = Field(gt=0, le=10, description="Multiplier on matching quotas (0.9 = a 10% drop).")
    start: str = Field(
        min_length=4, description="First period it applies to, written as for --period (e.g. 2026-11)."
    )
    through: str | None = Field(None, description="Last period it applies to (default: the plan's end).")
    segment: str | None = Field(None, description="Only quotas of this customer segment (default: all).")
    channel: str | None = Field(None, description="Only quotas of this channel (default: all).")
    team: str | None = Field(None, description="Only quotas of this team (default: all).")
    territory: str | None = Field(None, description="Only quotas of this territory (default: all).")
    reason: str = Field("", description="Why: shown with the preview and kept with a saved re-plan.")


class TrackingSection(PlanModel):
    """Settings of the tracking and re-planning capability."""

    at_risk_threshold: float = Field(
        0.9,
        gt=0,
        le=2,
        description="A rep (or team, segment …) is at risk when projected attainment falls below this (0.9 = 90%).",
    )
    ahead_threshold: float = Field(
        1.0, gt=0, le=3, description="Pace index at or above which a rep counts as ahead of plan."
    )
    country: str | None = Field(
        None,
        min_length=2,
        max_length=3,
        description="Country whose public holidays and make-up working days shape pacing; "
        "defaults to calendar.country.",
    )
    pace_window: Literal["month", "quarter", "year"] = Field(
        "year", description="The stretch paced and projected to its end: the month, the quarter or the year."
    )
    projection_band: tuple[float, float] = Field(
        (0.1, 0.9),
        description="Quantiles of past months' attainment that bound the projection's range (low, high).",
    )
    leaderboard_size: int = Field(10, ge=1, le=100, description="Reps shown on the leaderboard.")
    market_shocks: list[PlannedShock] = Field(
        default_factory=list,
        description="Market shocks the tracking notebook previews on every quota (nothing changes until a "
        "re-plan is saved).",
    )

    @model_validator(mode="after")
    def _ordered_band(self) -> TrackingSection:
        low, high = self.projection_band
        if not 0 <= low < high <= 1:
            raise ValueError("projection_band must be two quantiles with 0 <= low < high <= 1")
        return self

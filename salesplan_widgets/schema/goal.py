"""The plan's `goal` section: the SMART sales goal the goal wizard sets, and how it was set.

Pure declarations (pydantic): every field has a default, so an empty section is valid; unknown keys fail.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from salesplan_widgets.schema.base import PlanModel


class GoalScope(PlanModel):
    teams: list[str] = Field(
        default_factory=list, description="Teams the goal covers; empty means every team."
    )
    segments: list[str] = Field(
        default_factory=list, description="Customer segments covered; empty means every segment."
    )
    channels: list[str] = Field(
        default_factory=list, description="Channels covered; empty means every channel."
    )

    def as_filter(self) -> dict[str, list[str]]:
        """The scope as cube filters (dimension -> members), leaving out 'every'."""
        return {
            dim: members
            for dim, members in (("team", self.teams), ("segment", self.segments), ("channel", self.channels))
            if members
        }


class MarketInput(PlanModel):
    size: float = Field(
        ge=0, description="The segment's market over the same months last year, in the currency."
    )
    growth: float = Field(0.0, ge=-1, description="Expected market growth, e.g. 0.05 for 5%.")
    share: float | None = Field(
        None, ge=0, le=1, description="Market share aimed for; empty keeps the current share."
    )


class GoalSection(PlanModel):
    """Settings of the goal capability: what is aimed for, by when, how it was set, and why."""

    name: str = Field("", description="The goal in one line, e.g. 'Grow FY2027 revenue in East to 120M'.")
    metric: Literal["revenue", "quantity", "lines"] | None = Field(
        None, description="What the goal counts: revenue (net sales), quantity, or invoice lines."
    )
    scope: GoalScope = Field(default_factory=GoalScope, description="Teams, segments and channels covered.")
    start: dt.date | None = Field(None, description="First day of the goal's horizon (a month start).")
    end: dt.date | None = Field(None, description="Deadline: last day of the goal's horizon.")
    review_dates: list[dt.date] = Field(
        default_factory=list, description="Dates the goal is reviewed, inside the horizon."
    )
    method: Literal["growth", "stretch", "market_share", "bottom_up", "blend"] = Field(
        "stretch", description="How the target was set."
    )
    growth: float = Field(
        0.10, ge=-1, description="Growth over last year, for the growth method, as a fraction (0.1 = 10%)."
    )
    stretch: float = Field(
        0.05,
        ge=-1,
        description="Stretch over the baseline forecast, as a fraction (0.05 = 5%); at most stretch_limit.",
    )
    market: dict[str, MarketInput] = Field(
        default_factory=dict,
        description="Market size, growth and share per segment, for the market-share method.",
    )
    blend_top_down: Literal["growth", "stretch", "market_share"] = Field(
        "stretch", description="The top-down method blended with the bottom-up commits."
    )
    blend_weight: float = Field(0.5, ge=0, le=1, description="Weight of the top-down method in the blend.")
    target: float | None = Field(None, description="The target total over the horizon, in the metric's unit.")
    baseline: float | None = Field(None, description="The baseline forecast when the goal was saved.")
    probability: float | None = Field(
        None, ge=0, le=1, description="Probability of reaching the target when it was saved."
    )
    rationale: str = Field("", description="Why this target: the reasoning behind the number.")
    business_objective: str = Field("", description="The business objective the goal serves.")
    probability_threshold: float = Field(
        0.5, ge=0, le=1, description="An achievable goal has at least this probability of being reached."
    )
    stretch_limit: float = Field(
        0.25,
        ge=0,
        le=1,
        description="An achievable goal asks at most this stretch over the baseline, as a fraction "
        "(0.25 = 25%; at most 1 = 100%).",
    )
    override_reason: str = Field(
        "", description="Why the goal was saved although a SMART check failed (required in that case)."
    )
    interval_level: float = Field(0.8, gt=0, lt=1, description="Level of the forecast's prediction interval.")

    @model_validator(mode="after")
    def _ordered(self) -> GoalSection:
        if self.start and self.end and self.start > self.end:
            raise ValueError("goal.start must be on or before goal.end")
        return self

    @model_validator(mode="after")
    def _stretch_within_limit(self) -> GoalSection:
        # percents are fractions here: 6 would be a 600% stretch, never "6%"
        if self.stretch > self.stretch_limit:
            raise ValueError(
                f"goal.stretch {self.stretch:g} is {self.stretch:.0%}, above goal.stretch_limit "
                f"{self.stretch_limit:g} ({self.stretch_limit:.0%}): write percents as fractions "
                f"(0.06 for 6%) and keep the stretch within the limit"
            )
        return self

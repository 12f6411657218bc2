"""The one year-end projection every page shows: actual to date + the baseline forecast of the open periods.

Why this model and not pace: pacing's seasonal projection extrapolates today's pace over the *targets*
still to come, and its range applies the 10th and 90th percentile of single months' attainment to the whole
rest of the year. It moves when the target moves (a higher target projects higher sales), and its range is
a spread of months, not of a year-end total — on the demo 242–345M beside the goal's 287–297M. The forecast
of the open periods depends only on the sales; its interval is the forecast's own, widened where past
forecasts missed by more (model/forecast.py, `Forecast.total_interval`). So year end = actual to date +
forecast of the remaining periods, with that one interval; the goal (wizard and report), tracking (report
and Tracker) and the dashboards all call `year_end_projection`, so they show one figure and one range.

Pure functions on the cube and the plan's goal section: no files, no widgets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.forecast import INTERVAL_LEVEL, Forecast, baseline_forecast
from salesplan_widgets.model.goal import forecast_probability, implied_stretch
from salesplan_widgets.schema.goal import GoalSection

SERIES = ("segment", "channel")  # the series the baseline is fitted on, on every page


@dataclass(frozen=True)
class ProjectionHorizon:
    """What is projected: periods start..end of `metric` within `scope`, with a `level` interval."""

    start: pd.Period
    end: pd.Period
    metric: str = "revenue"
    level: float = INTERVAL_LEVEL
    scope: Mapping[str, Sequence[str]] = field(default_factory=dict)


def projection_horizon(
    goal: GoalSection | None, calendar: FiscalCalendar, period: pd.Period, *, for_goal: bool = False
) -> ProjectionHorizon:
    """The goal's horizon, scope and metric when a goal is saved (and, for tracking, holds `period`);
    otherwise the fiscal year holding `period`, the whole company, revenue."""
    if goal is not None and goal.start and goal.end:
        start, end = calendar.period(goal.start), calendar.period(goal.end)
        if for_goal or start <= period <= end:
            return ProjectionHorizon(
                start, end, goal.metric or "revenue", goal.interval_level, goal.scope.as_filter()
            )
    year = calendar.year_periods(calendar.fiscal_year(period))
    return ProjectionHorizon(year[0], year[-1])


@dataclass(frozen=True)
class YearEndProjection:
    """Where the horizon will end: `actual_to_date` (closed periods) + `remaining` (forecast of the rest).

    `lower`/`upper`: the `level` interval of that total (the forecast's calibrated one).
    """

    forecast: Forecast

    @property
    def actual_to_date(self) -> float:
        return self.forecast.total - self.forecast.open_total

    @property
    def remaining(self) -> float:
        return self.forecast.open_total

    @property
    def total(self) -> float:
        return self.forecast.total

    @property
    def interval(self) -> tuple[float, float]:
        return self.forecast.total_interval

    @property
    def level(self) -> float:
        return self.forecast.level

    def standing(self, target: float) -> GoalStanding:
        """The target against this projection (see `GoalStanding`)."""
        lower, upper = self.interval
        return GoalStanding(
            target=target,
            forecast=self.total,
            lower=lower,
            upper=upper,
            actual_to_date=self.actual_to_date,
            remaining_to_target=target - self.actual_to_date,
            shortfall=target - self.total,
            probability=forecast_probability(self.forecast, target),
            stretch=implied_stretch(target, self.total),
        )

    def as_dict(self) -> dict[str, float | str]:
        lower, upper = self.interval
        return {
            "start": str(self.forecast.start),
            "end": str(self.forecast.end),
            "metric": self.forecast.metric,
            "actual_to_date": self.actual_to_date,
            "remaining": self.remaining,
            "projection": self.total,
            "projection_low": lower,
            "projection_high": upper,
            "level": self.level,
        }


@dataclass(frozen=True)
class GoalStanding:
    """A target against the projection.

    remaining_to_target = target − actual to date (what must still be sold);
    shortfall = target − projection (> 0: the forecast falls short by this much; < 0: it passes the target).
    """

    target: float
    forecast: float
    lower: float
    upper: float
    actual_to_date: float
    remaining_to_target: float
    shortfall: float
    probability: float
    stretch: float


def year_end_projection(
    cube: pd.DataFrame, horizon: ProjectionHorizon, last_actual: pd.Period | str | None = None
) -> YearEndProjection:
    """Actual to date + forecast of the open periods of `horizon`, from the data up to `last_actual`."""
    last = cube["period"].max()
    if last_actual is not None:
        last = min(FiscalCalendar.of(None, cube["period"]).period(last_actual), last)
    forecast = baseline_forecast(
        cube,
        horizon.start,
        horizon.end,
        SERIES,
        scope=dict(horizon.scope) or None,
        metric=horizon.metric,
        last_actual=last,
        level=horizon.level,
    )
    return YearEndProjection(forecast)

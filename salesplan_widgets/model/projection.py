"""The one year-end projection every page shows: actual to date + the baseline forecast of the open periods.

Why this model and not pace: pacing's seasonal projection extrapolates today's pace over the *targets*
still to come, and its range applies the 10th and 90th percentile of single months' attainment to the whole
rest of the year. It moves when the target moves (a higher target projects higher sales), and its range is
a spread of months, not of a year-end total — on the demo 242–345M beside the goal's 287–297M. The forecast
of the open periods depends only on the sales; its interval is the forecast's own, widened where past
forecasts missed by more (model/forecast.py, `Forecast.total_interval`). So year end = actual to date +
forecast of the remaining periods, with that one interval; the goal (wizard and report), tracking (report
and Tracker) and the dashboards all call `year_end_projection`, so they show one figure and one range.
Each rep's and team's year end is their part of that same forecast (`selection_projections`), and their
projected attainment and at-risk flag follow from it (`projected_attainment`): the rows add up to the headline.
A period still being sold is neither actual nor open: its sales so far plus the forecast of its working days
still to come (`_in_progress`), so the year end does not drop mid-month.

Pure functions on the cube and the plan's goal section: no files, no widgets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.forecast import (
    INTERVAL_LEVEL,
    MAX_FITTED_SERIES,
    METRICS,
    Forecast,
    backtest_error,
    baseline_forecast,
    select_scope,
    z_value,
)
from salesplan_widgets.model.goal import implied_stretch, probability_of_achieving
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
    """Where the horizon will end: `actual_to_date` (closed periods) + `remaining` (forecast of the rest),
    with the `level` interval [`lower`, `upper`] of that total (the forecast's calibrated one)."""

    start: pd.Period
    end: pd.Period
    metric: str
    level: float
    actual_to_date: float
    remaining: float
    lower: float
    upper: float
    forecast: Forecast | None = None  # the forecast behind it, where a page draws its months

    @classmethod
    def of(cls, forecast: Forecast) -> YearEndProjection:
        closed = forecast.monthly["closed"].astype(bool)
        lower, upper = forecast.total_interval
        return cls(
            start=forecast.start,
            end=forecast.end,
            metric=forecast.metric,
            level=forecast.level,
            actual_to_date=float(forecast.monthly.loc[closed, "forecast"].sum()),
            remaining=forecast.open_total,
            lower=lower,
            upper=upper,
            forecast=forecast,
        )

    @property
    def total(self) -> float:
        return self.actual_to_date + self.remaining

    @property
    def interval(self) -> tuple[float, float]:
        return self.lower, self.upper

    def standing(self, target: float) -> GoalStanding:
        """The target against this projection (see `GoalStanding`)."""
        return GoalStanding(
            target=target,
            forecast=self.total,
            lower=self.lower,
            upper=self.upper,
            actual_to_date=self.actual_to_date,
            remaining_to_target=target - self.actual_to_date,
            shortfall=target - self.total,
            probability=probability_of_achieving(target, self.total, self.lower, self.upper, self.level),
            stretch=implied_stretch(target, self.total),
        )

    def as_dict(self) -> dict[str, float | str]:
        return {
            "start": str(self.start),
            "end": str(self.end),
            "metric": self.metric,
            "actual_to_date": self.actual_to_date,
            "remaining": self.remaining,
            "projection": self.total,
            "projection_low": self.lower,
            "projection_high": self.upper,
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


def _last_actual(cube: pd.DataFrame, last_actual: pd.Period | str | None) -> pd.Period:
    """The last period counted as actual: the data's last, or an earlier one asked for."""
    last = cube["period"].max()
    if last_actual is None:
        return last
    return min(FiscalCalendar.of(None, cube["period"]).period(last_actual), last)


def horizon_over(projection: YearEndProjection, period: pd.Period, as_of: dt.date) -> bool:
    """Whether the projection's horizon (the goal's year, half-year … `horizon_kind`) is over when `period`
    is shown, paced at `as_of`: its last period, to its end. Nothing is left to re-plan or recover then,
    nor anyone at risk."""
    return period >= projection.end and as_of >= period.end_time.date()


def projection_target(
    projection: YearEndProjection,
    goal: GoalSection | None,
    calendar: FiscalCalendar,
    targets_in_horizon: float,
    *,
    selected: bool = False,
) -> float:
    """The target a projected attainment divides by, on every page (Tracker, pack, dashboards).

    The goal's own target when the projection is the goal's (its horizon and metric) and nothing is
    selected: a re-plan moves the remaining periods' quotas, not the goal, so the year end is still measured
    against what was promised. Otherwise (a team or a rep selected, no saved goal, a month outside the
    goal) `targets_in_horizon`: the sum of the selection's targets in force over the projection's horizon."""
    if not selected and goal is not None and goal.target is not None and goal.start and goal.end:
        horizon = (calendar.period(goal.start), calendar.period(goal.end), goal.metric or "revenue")
        if horizon == (projection.start, projection.end, projection.metric):
            return float(goal.target)
    return float(targets_in_horizon)


HorizonKind = Literal["year", "half-year", "quarter", "period"]


def horizon_kind(start: pd.Period, end: pd.Period, calendar: FiscalCalendar) -> HorizonKind:
    """What span a horizon is, by its count of periods at the calendar's grain: a year (12 months, 4
    quarters, 52 or 53 weeks), a half-year, a quarter, or another period (a goal of 8 months)."""
    count = len(pd.period_range(start, end))
    slack = 1 if calendar.is_weekly else 0  # a 53-week year, a half-year of 26 or 27 weeks
    for kind, months in (("year", 12), ("half-year", 6), ("quarter", 3)):
        if 0 <= count - calendar.periods_for_months(months) <= slack:
            return kind
    return "period"


def _fitted_through(cube: pd.DataFrame, last: pd.Period, elapsed: float) -> pd.Period:
    """The last period the forecast counts as actual: `last`, or the one before while `last` is still being
    sold (`elapsed` of its working days gone, < 1) and there is a period before it to fit on."""
    return last - 1 if elapsed < 1 and (cube["period"] < last).any() else last


def _in_progress(forecast: Forecast, scoped: pd.DataFrame, elapsed: float) -> Forecast:
    """`forecast` (fitted to the period before the one being sold) with that period as what it has sold so
    far (`scoped`: the cube within the forecast's scope) plus the forecast of the working days still to
    come: sold + forecast × (1 − elapsed), σ × (1 − elapsed). Sales of a series the forecast does not hold
    (a rep's first month) count as they are."""
    period = forecast.last_actual + 1
    if not forecast.start <= period <= forecast.end:
        return forecast
    by, rest = list(forecast.by), 1.0 - elapsed
    here = scoped[scoped["period"] == period]
    sold = here.groupby(by, observed=True)[METRICS.get(forecast.metric, forecast.metric)].sum()
    sold.index = pd.MultiIndex.from_frame(sold.index.to_frame(index=False).astype(str))
    monthly = forecast.monthly.copy()
    rows = (monthly["period"] == period).to_numpy()
    keys = pd.MultiIndex.from_frame(monthly.loc[rows, by].astype(str))
    monthly.loc[rows, "forecast"] = sold.reindex(keys, fill_value=0.0).to_numpy() + rest * monthly.loc[
        rows, "forecast"
    ].to_numpy(dtype=float)
    monthly.loc[rows, "sigma"] = rest * monthly.loc[rows, "sigma"].to_numpy(dtype=float)
    new = sold[~sold.index.isin(keys) & (sold != 0)]
    if len(new):
        monthly = pd.concat(
            [monthly, new.index.to_frame(index=False).assign(period=period, forecast=new.to_numpy(), sigma=0.0,
                                                             closed=False)],
            ignore_index=True,
        )  # fmt: skip
    half = z_value(forecast.level) * monthly["sigma"]
    monthly["lower"], monthly["upper"] = monthly["forecast"] - half, monthly["forecast"] + half
    fitted = forecast.fitted.copy()
    running = (fitted["period"] == period).to_numpy()
    fitted.loc[running, "sigma"] = rest * fitted.loc[running, "sigma"].to_numpy(dtype=float)
    return replace(forecast, monthly=monthly[forecast.monthly.columns], fitted=fitted)


def year_end_projection(
    cube: pd.DataFrame,
    horizon: ProjectionHorizon,
    last_actual: pd.Period | str | None = None,
    elapsed: float = 1.0,
) -> YearEndProjection:
    """Actual to date + forecast of the open periods of `horizon`, from the data up to `last_actual`. While
    `last_actual` is still being sold (`elapsed`, the share of its working days gone, under 1) it counts as
    its sales so far plus the forecast of the rest of it (`_in_progress`), not as a finished period."""
    last = _last_actual(cube, last_actual)
    forecast = baseline_forecast(
        cube,
        horizon.start,
        horizon.end,
        SERIES,
        scope=dict(horizon.scope) or None,
        metric=horizon.metric,
        last_actual=_fitted_through(cube, last, elapsed),
        level=horizon.level,
    )
    if forecast.last_actual < last:
        forecast = _in_progress(forecast, select_scope(cube, dict(horizon.scope) or None), elapsed)
    return YearEndProjection.of(forecast)


@dataclass(frozen=True)
class SelectionProjections:
    """The year-end projection of any selection (team, rep, segment, channel) from one forecast.

    The forecast is fitted on the same series as `year_end_projection` (segment × channel) and split
    top-down to the finer dimensions by each one's share of its series' last year, so the whole selection
    gives exactly `year_end_projection`'s figure and range, and a filter is a mask, not a refit. A
    selection's σ = max(√Σ_series (Σ σ of its rows)², backtest error × its open forecast): the rows of one
    fitted series move together, series independently — the total's rule applied to the part.
    """

    forecast: Forecast
    scope: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def select(self, filters: Mapping[str, str] | None = None) -> YearEndProjection:
        f, rows = self.forecast, self.forecast.monthly
        for dim, member in (filters or {}).items():
            if member:
                rows = rows[rows[dim].astype(str) == str(member)]
        closed = rows["closed"].astype(bool)
        remaining = float(rows.loc[~closed, "forecast"].sum())
        open_rows = rows[~closed]
        if f.fit_by:
            per_series = open_rows.groupby(list(f.fit_by), observed=True)["sigma"].sum().to_numpy()
        else:
            per_series = np.asarray([open_rows["sigma"].sum()])
        sigma = max(
            float(np.sqrt((per_series**2).sum())), backtest_error(f.calibration, "total_error") * remaining
        )
        actual = float(rows.loc[closed, "forecast"].sum())
        half = z_value(f.level) * sigma
        total = actual + remaining
        return YearEndProjection(
            f.start, f.end, f.metric, f.level, actual, remaining, total - half, total + half
        )


def selection_projections(
    cube: pd.DataFrame,
    horizon: ProjectionHorizon,
    detail: Sequence[str],
    last_actual: pd.Period | str | None = None,
    elapsed: float = 1.0,
) -> SelectionProjections:
    """One forecast of `horizon` by segment × channel × `detail` (e.g. team, rep), fitted on segment ×
    channel like `year_end_projection` (a period still being sold, `elapsed` < 1, counted alike), for
    `SelectionProjections.select`."""
    last = _last_actual(cube, last_actual)
    rows = select_scope(cube[cube["period"] <= last], dict(horizon.scope) or None)
    series = rows.groupby(list(SERIES), observed=True).ngroups if len(rows) else 1
    by = (*SERIES, *[d for d in detail if d not in SERIES and d in cube.columns])
    forecast = baseline_forecast(
        cube,
        horizon.start,
        horizon.end,
        by,
        scope=dict(horizon.scope) or None,
        metric=horizon.metric,
        last_actual=_fitted_through(cube, last, elapsed),
        level=horizon.level,
        max_fitted_series=min(series, MAX_FITTED_SERIES),  # coarsened to the series the total is fitted on
    )
    if forecast.last_actual < last:  # `last` still being sold: its sales so far + the rest of its forecast
        forecast = _in_progress(forecast, rows, elapsed)
    return SelectionProjections(forecast, dict(horizon.scope))


def _is_member(column: pd.Series, member: str) -> np.ndarray:
    """Rows whose `column` reads `member` (a categorical compares codes, not 100k strings)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        hit = np.flatnonzero(column.cat.categories.astype(str) == str(member))
        return np.isin(column.cat.codes.to_numpy(), hit)
    return (column.astype(str) == str(member)).to_numpy()


def _sum_by(frame: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """`columns` summed per `by`, keyed by the members as text (so forecast and targets line up)."""
    sums = frame.groupby(by, observed=True)[columns].sum().reset_index()
    sums[by] = sums[by].astype(str)
    return sums.groupby(by, sort=True)[columns].sum()


def projected_attainment(
    projections: SelectionProjections,
    targets: pd.DataFrame,
    by: Sequence[str],
    filters: Mapping[str, str] | None = None,
    at_risk_below: float = 0.9,
) -> pd.DataFrame:
    """Per group (e.g. rep): its share of the one year-end projection against its targets over the horizon.

    The rows are the projection's own split (`SelectionProjections`), so they add up to the selection's
    headline projection; a rep is at risk when projection ÷ target < `at_risk_below`. `targets` holds
    period, target and the `by` columns (e.g. `tracking.plan_vs_actual`); without period, the horizon's. Returns by + actual_to_date,
    remaining, projection, target, projected_attainment, projected_gap (projection − target), at_risk.
    """
    by = list(by)
    f = projections.forecast
    rows = f.monthly
    # the goal's scope on the targets too; a dimension the targets do not carry cannot narrow them
    scope = {d: m for d, m in projections.scope.items() if d in targets.columns}
    goals = select_scope(targets, scope or None)
    if "period" in goals.columns:  # without it: already the horizon's targets (summed over its periods)
        goals = goals[goals["period"].between(f.start, f.end)]
    for dim, member in (filters or {}).items():
        if member:
            rows = rows[_is_member(rows[dim], member)]
            goals = goals[_is_member(goals[dim], member)]
    closed = rows["closed"].astype(bool).to_numpy()
    forecast = rows["forecast"].to_numpy(dtype=float)
    parts = rows[by].assign(
        actual_to_date=np.where(closed, forecast, 0.0), remaining=np.where(closed, 0.0, forecast)
    )
    projected = _sum_by(parts, by, ["actual_to_date", "remaining"])
    goal = _sum_by(goals, by, ["target"])
    result = projected.join(goal, how="outer").fillna(0.0)
    result["projection"] = result["actual_to_date"] + result["remaining"]
    target = result["target"]
    result["projected_attainment"] = result["projection"] / target.where(target > 0)
    result["projected_gap"] = result["projection"] - target
    result["at_risk"] = (result["projected_attainment"] < at_risk_below).fillna(False).astype(bool)
    return result.reset_index()

"""Pacing: where a target should stand by a given day, how fast the rest must come, and where it will land.

Working days come from the calendar (model/calendar.py: the `holidays` package for the plan's country,
China by default, with the weekend make-up working days (调休) it publishes). The expected-to-date of a
window (month, quarter or year) is each period's target — months or weeks, already carrying the plan's
seasonal shape — times the share of that period's working days elapsed. Pace measures only: on pace,
ahead or behind so far, and where today's pace would carry the window (a working-day run-rate and the rest
of the plan at today's pace, with a range from past months' attainment). These are not the year-end
projection: year end, projected attainment and the at-risk flags come from model/projection.py, the one
projection every page shows. Pure functions on DataFrames: no files, no widgets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

# working days are the calendar's; pacing's callers and tests find them here too
from salesplan_widgets.model.calendar import (  # noqa: F401
    DEFAULT_COUNTRY,
    FiscalCalendar,
    elapsed_share,
    working_days,
    working_days_by_period,
)
from salesplan_widgets.model.tracking import window_bounds

if TYPE_CHECKING:
    from salesplan_widgets.schema import Calendar
    from salesplan_widgets.schema.tracking import TrackingSection

BAND = (0.1, 0.9)  # quantiles of past monthly attainment that bound the projection range


@dataclass(frozen=True)
class PaceWindow:
    """The stretch of months being paced (a month, a quarter or a year) and the day we stand on."""

    first: pd.Period
    last: pd.Period
    as_of: dt.date
    country: str = DEFAULT_COUNTRY

    @property
    def periods(self) -> pd.PeriodIndex:
        return pd.period_range(self.first, self.last)  # at the grain of the window's ends

    def calendar(self) -> pd.DataFrame:
        """Per month of the window: working days, days elapsed, elapsed share (cached: a tracker asks often)."""
        return _window_calendar(self).copy()

    def elapsed(self, period: pd.Period) -> float:
        """The share of `period`'s working days gone at `as_of` (1 for a period outside the window): under 1
        while it is still being sold, as the year-end projection counts it (`model/projection.py`)."""
        share = self.calendar()["elapsed_share"]
        return float(share[period]) if period in share.index else 1.0

    def days_left(self) -> int:
        """Working days after `as_of` up to the window's end."""
        cal = self.calendar()
        return int(round((cal["working_days"] - cal["elapsed_days"]).sum()))


@lru_cache(maxsize=128)
def _window_calendar(window: PaceWindow) -> pd.DataFrame:
    periods = window.periods
    total = working_days_by_period(periods, window.country)
    share = elapsed_share(periods, window.as_of, window.country)
    return pd.DataFrame(
        {"working_days": total.to_numpy(), "elapsed_share": share.to_numpy()}, index=periods
    ).assign(elapsed_days=lambda f: f["working_days"] * f["elapsed_share"])


def expected_to_date(targets: pd.DataFrame, window: PaceWindow, by: Sequence[str] = ()) -> pd.DataFrame:
    """Expected-to-date per group: Σ_months target_m × elapsed working-day share_m, over the window.

    `targets` holds `period`, `target` and the `by` columns. Returns by + target (window total) + expected.
    """
    by = list(by)
    cal = window.calendar()
    inside = targets[targets["period"].between(window.first, window.last)]
    share = inside["period"].map(cal["elapsed_share"]).astype(float).fillna(0.0)
    frame = inside.assign(expected=inside["target"].to_numpy() * share.to_numpy())
    if not by:
        return pd.DataFrame(
            {"target": [float(frame["target"].sum())], "expected": [float(frame["expected"].sum())]}
        )
    return frame.groupby(by, observed=True, sort=True, as_index=False)[["target", "expected"]].sum()


def pace(
    frame: pd.DataFrame,
    window: PaceWindow,
    by: Sequence[str] = (),
    band: tuple[float, float] = BAND,
) -> pd.DataFrame:
    """Pace per group over the window (at-risk and year end: `projection.projected_attainment`).

    `frame` holds period, target, actual and the `by` columns (e.g. from `tracking.plan_vs_actual`).
    Formulas, per group::

      expected        = Σ target_m × elapsed share_m
      pace_index      = actual to date ÷ expected
      required_rate   = max(target − actual, 0) ÷ working days left
      run_rate        = actual ÷ working days elapsed × working days in the window
      seasonal        = actual + (target − expected) × pace_index   (the rest of the plan at today's pace)
      low / high      = actual + (target − expected) × the band quantiles of past months' attainment
      ahead           = pace_index ≥ 1
    """
    by = list(by)
    cal = window.calendar()
    inside = frame[frame["period"].between(window.first, window.last)]
    share = inside["period"].map(cal["elapsed_share"]).astype(float).fillna(0.0).to_numpy()
    inside = inside.assign(
        expected=inside["target"].to_numpy() * share,
        actual_to_date=np.where(share > 0, inside["actual"].to_numpy(), 0.0),
        closed_target=np.where(share >= 1, inside["target"].to_numpy(), 0.0),
    )
    if not by:
        inside = inside.assign(_window="all")
    keys = by or ["_window"]
    grouped = inside.groupby(keys, observed=True, sort=True)
    result = (
        grouped[["target", "expected", "actual_to_date"]].sum().rename(columns={"actual_to_date": "actual"})
    )
    if not by:  # the whole selection is one row, even when nothing falls in the window
        result = result.reindex(pd.Index(["all"], name="_window"), fill_value=0.0)

    # past months' attainment spread, per group, for the projection range
    closed = inside[share >= 1]
    ratio = closed["actual"] / closed["target"].where(closed["target"] > 0)
    closed = closed.assign(month_attainment=ratio)
    spread = (
        closed.groupby(keys, observed=True)["month_attainment"].quantile(list(band)).unstack()
        if len(closed)
        else pd.DataFrame(columns=list(band))
    )
    spread = spread.reindex(result.index)

    elapsed_days = float(cal["elapsed_days"].sum())
    total_days = float(cal["working_days"].sum())
    days_left = max(total_days - elapsed_days, 0.0)
    target, expected, actual = result["target"], result["expected"], result["actual"]
    remaining_plan = target - expected
    pace_index = actual / expected.where(expected > 0)
    result["gap"] = actual - target
    result["attainment"] = actual / target.where(target > 0)
    result["pace_index"] = pace_index
    result["required_rate"] = (target - actual).clip(lower=0) / days_left if days_left else np.nan
    result["current_rate"] = actual / elapsed_days if elapsed_days else np.nan
    result["run_rate_projection"] = actual / elapsed_days * total_days if elapsed_days else np.nan
    seasonal = actual + remaining_plan * pace_index.fillna(1.0)
    result["seasonal_projection"] = seasonal
    low_q = spread[band[0]].fillna(pace_index).fillna(1.0)
    high_q = spread[band[1]].fillna(pace_index).fillna(1.0)
    low = actual + remaining_plan * low_q
    high = actual + remaining_plan * high_q
    result["projection_low"] = np.minimum(np.minimum(low, high), seasonal)
    result["projection_high"] = np.maximum(np.maximum(low, high), seasonal)
    result["ahead"] = (pace_index >= 1.0).fillna(False).astype(bool)
    result = result.reset_index()
    return result if by else result.drop(columns="_window")


def cumulative_pace(frame: pd.DataFrame, window: PaceWindow) -> pd.DataFrame:
    """Month by month over the window: cumulative target (the plan line), expected-to-date and actual.

    Expected and actual stop at the month holding `as_of` (NaN after it), so a chart shows where the
    plan says we should be today next to where we are.
    """
    cal = window.calendar()
    inside = frame[frame["period"].between(window.first, window.last)]
    monthly = (
        inside.groupby("period", observed=True)[["target", "actual"]].sum().reindex(cal.index, fill_value=0.0)
    )
    current = pd.Period(window.as_of, freq=window.first.freqstr)
    started = cal.index <= current
    out = pd.DataFrame(index=cal.index)
    out["target"] = monthly["target"].cumsum()
    out["expected"] = (monthly["target"] * cal["elapsed_share"]).cumsum().where(started)
    out["actual"] = monthly["actual"].cumsum().where(started)
    out.index.name = "period"
    return out.reset_index()


def pace_status(pace_index: pd.Series, at_risk_below: float = 0.9, ahead_at: float = 1.0) -> pd.Series:
    """'ahead' (pace ≥ ahead_at), 'watch' (≥ at_risk_below) or 'behind', for colouring and lists."""
    values = np.select(
        [pace_index >= ahead_at, pace_index >= at_risk_below], ["ahead", "watch"], default="behind"
    )
    return pd.Series(values, index=pace_index.index, name="status")


def today() -> dt.date:
    """Today's date: whether the period asked for is over or still being sold (tests set it)."""
    return dt.date.today()


def period_in_progress(
    period: pd.Period, sales_through: dt.date | None, country: str = DEFAULT_COUNTRY, rhythm: int = 1
) -> bool:
    """Whether the data stop before `period` is over: `rhythm` or more of its working days (the plan's
    calendar: weekends, public holidays and make-up days) come after `sales_through`. Data ending on 8
    December 2011 leave December in progress; data ending on Friday 30 December 2011 (the 31st a
    Saturday) leave it complete; so do data selling every fifth day (`sale_rhythm` 4 or 5) that end three
    working days before the month does: the next sale would have fallen in the next month."""
    period = period if isinstance(period, pd.Period) else pd.Period(period, freq="M")
    end = period.end_time.date()
    if sales_through is None or sales_through >= end:
        return False
    start = max(sales_through + dt.timedelta(days=1), period.start_time.date())
    return int(working_days(start, end, country)["working"].sum()) >= max(rhythm, 1)


def sale_rhythm(days: Sequence[dt.date], country: str = DEFAULT_COUNTRY) -> int:
    """How many working days the data usually go from one day with sales to the next: the 90th
    percentile of the steps (working days in between, the later day counted), at least 1. Daily sales
    give 1 (a weekend is no step); a sale every fifth day gives 4 or 5. Why the percentile: one closed week
    (Spring Festival) does not make a daily seller look sparse."""
    sold = pd.DatetimeIndex(sorted(set(pd.to_datetime(list(days)))))
    if len(sold) < 2:
        return 1
    calendar = working_days(sold[0].date(), sold[-1].date(), country)
    counted = pd.Series(calendar["working"].cumsum().to_numpy(), index=pd.DatetimeIndex(calendar["date"]))
    steps = np.diff(counted.reindex(sold).to_numpy())
    steps = steps[steps > 0]
    return max(1, int(np.quantile(steps, 0.9, method="inverted_cdf"))) if len(steps) else 1


def as_of_date(
    period: pd.Period,
    data_end: dt.date | None = None,
    sales_through: dt.date | None = None,
    country: str = DEFAULT_COUNTRY,
) -> dt.date:
    """The day a period is paced at: its last day once it is over, or the data's last day when the data
    stop before it (`data_end`, the calendar's end: a period not yet started is paced at the data's end,
    nothing of it is expected yet). While the period is still being sold (today is not past its end) it is
    paced at the last day its sales cover (`sales_through`): half of October is expected on 15 October.
    Without a calendar end, a period whose data stop before its last working day (`period_in_progress`:
    Online Retail ends on 9 December 2011) is paced at that day too, however long ago it was: data that
    stop are a period in progress, not a finished one. A calendar end on or after the period's end says
    it is complete."""
    period = period if isinstance(period, pd.Period) else pd.Period(period, freq="M")
    end = period.end_time.date()
    day = data_end if data_end is not None and data_end < end else end
    if sales_through is None or sales_through >= day:
        return day
    if today() <= end or (data_end is None and period_in_progress(period, sales_through, country)):
        return sales_through
    return day


def pace_window(
    period: pd.Period,
    tracking: TrackingSection,
    calendar: Calendar,
    as_of: dt.date | None = None,
    sales_through: dt.date | None = None,
) -> PaceWindow:
    """The window the tracker and the tracking report both pace: the fiscal month, quarter or year
    (`tracking.pace_window`) holding `period` on the plan's calendar, paced at `as_of` (default: the
    day `as_of_date` gives, from the calendar's end and `sales_through`, the last day the sales cover),
    with the tracking country's working days."""
    first, last = window_bounds(period, tracking.pace_window, FiscalCalendar.of(calendar))
    country = tracking.country or calendar.country
    day = as_of or as_of_date(period, calendar.end, sales_through, country)
    return PaceWindow(first, last, day, country)

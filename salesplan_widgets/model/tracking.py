"""Tracking: actuals against targets on any roll-up, for the month, the quarter to date and the year to date.

`plan_vs_actual` lines the targets table up with the sales cube at their common grain (period × rep ×
team × territory × segment × channel); `attainment` rolls that up by any dimensions over a window. When a
workbook has no targets yet, `provisional_targets` gives a stand-in (last year's actual plus growth) so
a tracker can still be opened. Pure functions on DataFrames: no files, no widgets, no loops over reps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.model.calendar import FiscalCalendar, period_like

DIMENSIONS: tuple[str, ...] = ("rep", "team", "territory", "segment", "channel", "product")
Window = Literal["month", "quarter", "year"]
WINDOWS: tuple[str, ...] = ("month", "quarter", "year")


def _grain(frame: pd.DataFrame) -> list[str]:
    return [d for d in DIMENSIONS if d in frame.columns]


def plan_vs_actual(targets: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """Targets and actuals side by side: one row per period × shared dimensions, target and actual (0 if none).

    A dimension only one side carries is summed out of the other (a cube dimension the plan does not map
    holds 'all' and is not used). Quantity comes along when the cube has it.
    """
    missing = [c for c in ("period", "target") if c not in targets.columns]
    if missing:
        raise InputError(
            Problem(
                file="targets",
                column=missing[0],
                expected=_("columns period and target"),
                fix=_("save the targets table from the task splitter, or re-plan"),
            )
        )
    keys = ["period"] + [
        d for d in _grain(targets) if d in actuals.columns and not (actuals[d].astype(str) == "all").all()
    ]
    measures = ["actual"] + (["quantity"] if "quantity" in actuals.columns else [])
    # a dimension only one side carries is summed out: both sides meet at their common grain
    actual = actuals.groupby(keys, observed=True, as_index=False)[measures].sum()
    target = targets.groupby(keys, observed=True, as_index=False)["target"].sum()
    merged = target.merge(actual, on=keys, how="outer")
    merged[["target", *measures]] = merged[["target", *measures]].fillna(0.0).astype(float)
    return merged.sort_values(keys, kind="stable").reset_index(drop=True)


def window_bounds(
    period: pd.Period, window: Window = "year", fiscal_year_start: int | FiscalCalendar = 1
) -> tuple[pd.Period, pd.Period]:
    """(first, last) period of the fiscal month, quarter or year holding `period`, at `period`'s grain
    (a calendar, or the fiscal year's first month with the grain read off the period; see model/calendar.py).
    """
    period = period_like(period, period if isinstance(period, pd.Period) else None)
    return FiscalCalendar.of(fiscal_year_start, period).window(period, window)


def attainment(
    frame: pd.DataFrame,
    period: pd.Period,
    by: Sequence[str] = (),
    window: Window = "month",
    fiscal_year_start: int | FiscalCalendar = 1,
) -> pd.DataFrame:
    """Attainment = actual ÷ target per group, from the window's first period up to `period` (to date).

    Returns by + target, actual, gap (actual − target), attainment (NaN where the target is 0).
    """
    period = period_like(period, frame["period"])
    first, _last = window_bounds(period, window, fiscal_year_start)
    inside = frame[frame["period"].between(first, period)]
    by = list(by)
    if by:
        result = inside.groupby(by, observed=True, sort=True, as_index=False)[["target", "actual"]].sum()
    else:
        result = pd.DataFrame({"target": [inside["target"].sum()], "actual": [inside["actual"].sum()]})
    result["gap"] = result["actual"] - result["target"]
    result["attainment"] = result["actual"] / result["target"].where(result["target"] > 0)
    return result


def attainment_windows(
    frame: pd.DataFrame,
    period: pd.Period,
    by: Sequence[str] = (),
    fiscal_year_start: int | FiscalCalendar = 1,
) -> pd.DataFrame:
    """Month, quarter-to-date and year-to-date attainment side by side (long: one row per window × group)."""
    parts = [
        attainment(frame, period, by, window, fiscal_year_start).assign(window=window) for window in WINDOWS
    ]
    return pd.concat(parts, ignore_index=True)


def cumulative(frame: pd.DataFrame, first: pd.Period, last: pd.Period) -> pd.DataFrame:
    """Running totals of target and actual period by period over [first, last] (periods with nothing are 0)."""
    periods = pd.period_range(first, last)  # at the grain of the two ends
    inside = frame[frame["period"].between(first, last)]
    monthly = (
        inside.groupby("period", observed=True)[["target", "actual"]].sum().reindex(periods, fill_value=0.0)
    )
    out = monthly.cumsum()
    out.index.name = "period"
    return out.reset_index()


def provisional_targets(
    actuals: pd.DataFrame, first: pd.Period, last: pd.Period, growth: float = 0.1
) -> pd.DataFrame:
    """A stand-in targets table: each cell's actual a year earlier (the calendar's same period) × (1 + growth).

    Only for opening a tracker before the real targets exist; the widget says so when it uses this.
    """
    keys = ["period"] + [d for d in _grain(actuals) if d != "product"]
    periods = pd.period_range(first, last)
    calendar = FiscalCalendar.of(None, periods)
    year_ago = pd.DataFrame({"source": calendar.same_period_years_ago(periods), "target_period": periods})
    source = actuals[actuals["period"].isin(year_ago["source"])]
    base = source.groupby(keys, observed=True, as_index=False)["actual"].sum()
    base = base.merge(year_ago, left_on="period", right_on="source")  # a 53rd week repeats the 52nd
    base = base.assign(period=base["target_period"]).drop(columns=["source", "target_period"])
    base = base.sort_values(keys, kind="stable").reset_index(drop=True)
    target = np.round(base["actual"].clip(lower=0).to_numpy() * (1 + growth), 2)
    return base.drop(columns="actual").assign(target=target).reset_index(drop=True)

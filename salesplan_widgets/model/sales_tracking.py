"""Tracking without a target: sales by period and rep against the same period last year and the run rate.

A team paid a flat commission, or a workbook opened before any goal is set, still runs its weekly and
monthly tracking meeting. Attainment and pace need a target; these figures do not: the period's sales, the
period before, the same period a year earlier, the year to date against the same span last year, and the
year end at the year-to-date run rate. Last year's figures are NaN (not 0) where the sales history does not
reach back that far, so a page can say "no history" rather than show a fall of 100%.
Pure functions on the sales cube: no files, no widgets, no loops over reps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesplan_widgets.model.calendar import FiscalCalendar

STANDING_COLUMNS = (
    "sales",
    "previous",
    "last_year",
    "ytd",
    "ytd_last_year",
    "run_rate_year_end",
)


@dataclass(frozen=True)
class SalesWindow:
    """The periods one standing compares: the period, the one before, the fiscal year to date and the
    same places a year earlier; `history_from` is the first period with sales."""

    period: pd.Period
    previous: pd.Period
    year_to_date: pd.PeriodIndex
    year_ago: pd.PeriodIndex
    periods_in_year: int
    history_from: pd.Period

    @property
    def has_last_year(self) -> bool:
        """The sales history holds the same period last year."""
        return bool(self.history_from <= self.year_ago[-1])

    @property
    def has_last_year_to_date(self) -> bool:
        """The sales history reaches the start of last year's same span."""
        return bool(self.history_from <= self.year_ago[0])

    @property
    def periods_elapsed(self) -> int:
        """Periods of the year to date the run rate spreads over: from the first sale when that came later
        (a workbook started mid-year is not averaged over months before it had data)."""
        return max(int((self.year_to_date >= self.history_from).sum()), 1)

    @property
    def has_previous(self) -> bool:
        return bool(self.history_from <= self.previous)


def sales_window(cube: pd.DataFrame, period: pd.Period, calendar: FiscalCalendar) -> SalesWindow:
    """The comparison periods for `period` at the calendar's grain (weeks, months, quarters)."""
    first, last = calendar.window(period, "year")
    year_to_date = pd.period_range(first, period)
    return SalesWindow(
        period=period,
        previous=period - 1,
        year_to_date=year_to_date,
        year_ago=calendar.same_period_years_ago(year_to_date),
        periods_in_year=len(pd.period_range(first, last)),
        history_from=cube["period"].min(),
    )


def sales_standing(cube: pd.DataFrame, window: SalesWindow, by: Sequence[str] = ("rep",)) -> pd.DataFrame:
    """Per group (or one total row when `by` is empty): sales in the period, the period before and the same
    period last year; year to date and the same span last year; the year end at the run rate (year to date
    ÷ periods elapsed since the year or the history began × periods in the year). Changes: change_previous
    = sales − previous, change_last_year = sales − last_year, growth_ytd = ytd ÷ ytd_last_year − 1 (NaN
    without history)."""
    by = list(by)
    period = cube["period"]
    amount = cube["actual"].to_numpy(dtype=float)
    parts = pd.DataFrame(
        {
            "sales": amount * (period == window.period).to_numpy(),
            "previous": amount * (period == window.previous).to_numpy(),
            "last_year": amount * (period == window.year_ago[-1]).to_numpy(),
            "ytd": amount * period.isin(window.year_to_date).to_numpy(),
            "ytd_last_year": amount * period.isin(window.year_ago).to_numpy(),
        },
        index=cube.index,
    )
    if by:
        standing = parts.join(cube[by].astype(str)).groupby(by, sort=True, as_index=False).sum()
    else:
        standing = parts.sum().to_frame().T
    if not window.has_last_year:
        standing["last_year"] = np.nan
    if not window.has_last_year_to_date:
        standing["ytd_last_year"] = np.nan
    if not window.has_previous:
        standing["previous"] = np.nan
    elapsed = window.periods_elapsed
    standing["run_rate_year_end"] = standing["ytd"] / elapsed * window.periods_in_year
    standing["change_previous"] = standing["sales"] - standing["previous"]
    standing["change_last_year"] = standing["sales"] - standing["last_year"]
    standing["growth_ytd"] = (
        standing["ytd"] / standing["ytd_last_year"].where(standing["ytd_last_year"] > 0) - 1
    )
    return standing.reset_index(drop=True)


def sales_by_period(cube: pd.DataFrame, window: SalesWindow) -> pd.DataFrame:
    """The year to date period by period: sales, and the same period last year (NaN without history)."""
    totals = cube.groupby("period", observed=True)["actual"].sum()
    this_year = totals.reindex(window.year_to_date, fill_value=0.0).to_numpy()
    last_year = totals.reindex(window.year_ago, fill_value=0.0).to_numpy(copy=True)
    last_year[np.asarray(window.year_ago < window.history_from)] = np.nan  # before the history: unknown
    return pd.DataFrame({"period": window.year_to_date, "sales": this_year, "last_year": last_year})


def biggest_movers(standing: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The groups whose period sales moved most, up or down: against the same period last year where
    the history holds it, else against the period before. Adds `change` and `against` ('last_year' or
    'previous'); largest absolute change first, groups that did not move left out."""
    against = "last_year" if standing["last_year"].notna().any() else "previous"
    change = standing[f"change_{against}"]
    moved = standing.assign(change=change, against=against)
    moved = moved[moved["change"].notna() & (moved["change"] != 0)]
    order = moved["change"].abs().sort_values(ascending=False, kind="stable").index
    return moved.loc[order].head(top).reset_index(drop=True)


def sales_table(cube: pd.DataFrame, periods: pd.PeriodIndex, by: str = "rep") -> pd.DataFrame:
    """One row per member of `by`, one column per period (sales, 0 where none), the members with most
    sales over those periods first."""
    inside = cube[cube["period"].isin(periods)]
    table = inside.pivot_table(index=by, columns="period", values="actual", aggfunc="sum", fill_value=0.0)
    table = table.reindex(columns=periods, fill_value=0.0)
    order = table.sum(axis=1).sort_values(ascending=False, kind="stable").index
    return table.loc[order].reset_index().rename_axis(columns=None)

"""Sales history read off the cube: trend, seasonality, mix and the period's headline figures.

Pure functions on the cube (see DESIGN.md's table vocabulary): they never read files or draw. The
overview report and dashboard, and the goal baseline, all start here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FILTER_DIMENSIONS = ("team", "territory", "rep", "segment", "channel", "product")


def filter_cube(cube: pd.DataFrame, **selection: str | None) -> pd.DataFrame:
    """Rows of the cube matching every non-empty selection, e.g. team="East"."""
    mask = np.ones(len(cube), dtype=bool)
    for dim, value in selection.items():
        if dim not in FILTER_DIMENSIONS:
            raise ValueError(f"cannot filter on {dim!r}; use one of {', '.join(FILTER_DIMENSIONS)}")
        if value not in (None, "", "all"):
            mask &= (cube[dim] == value).to_numpy()
    return cube[mask]


def fiscal_year(periods: pd.Series | pd.PeriodIndex, fiscal_year_start: int = 1) -> np.ndarray:
    """Fiscal year of each period, named by the calendar year it ends in (FY2027 starts Apr 2026 if start=4)."""
    p = pd.PeriodIndex(periods)
    return np.asarray(p.year + (p.month >= fiscal_year_start).astype(int) * (fiscal_year_start > 1))


def monthly_actuals(cube: pd.DataFrame) -> pd.DataFrame:
    """Actual per period, with months that had no sales present as zero (a gap is information)."""
    by_period = cube.groupby("period", observed=True)["actual"].sum()
    if by_period.empty:
        return pd.DataFrame({"period": pd.PeriodIndex([], freq="M"), "actual": []})
    full = pd.period_range(by_period.index.min(), by_period.index.max(), freq=by_period.index.freq)
    return by_period.reindex(full, fill_value=0.0).rename_axis("period").reset_index()


def trend(cube: pd.DataFrame) -> pd.DataFrame:
    """Monthly actual beside the same month last year and the growth between them."""
    monthly = monthly_actuals(cube)
    last_year = monthly.assign(period=monthly["period"] + 12).rename(columns={"actual": "actual_last_year"})
    out = monthly.merge(last_year, on="period", how="left")
    out["yoy_growth"] = out["actual"] / out["actual_last_year"].where(out["actual_last_year"] > 0) - 1
    return out


def seasonality(cube: pd.DataFrame) -> pd.DataFrame:
    """Seasonal index per calendar month: its share of the year's sales × 12, averaged over complete years.

    An index of 1.3 means the month sells 30% above an average month.
    """
    monthly = monthly_actuals(cube)
    monthly["year"] = monthly["period"].dt.year
    monthly["month"] = monthly["period"].dt.month
    complete = monthly.groupby("year")["month"].transform("size") == 12
    full_years = monthly[complete]
    if full_years.empty:
        full_years = monthly
    share = full_years["actual"] / full_years.groupby("year")["actual"].transform("sum")
    index = (share * 12).groupby(full_years["month"]).mean().reindex(range(1, 13))
    return index.rename("index").rename_axis("month").reset_index()


def mix(
    cube: pd.DataFrame, by: str, start: pd.Period | None = None, end: pd.Period | None = None
) -> pd.DataFrame:
    """Actual and share of total by one dimension over [start, end], largest first."""
    rows = cube
    if start is not None:
        rows = rows[rows["period"] >= start]
    if end is not None:
        rows = rows[rows["period"] <= end]
    out = rows.groupby(by, observed=True)["actual"].sum().sort_values(ascending=False).reset_index()
    total = out["actual"].sum()
    out["share"] = out["actual"] / total if total else 0.0
    return out


@dataclass(frozen=True)
class Headline:
    """The period's headline figures: the month, the fiscal year to date, and each against last year."""

    period: pd.Period
    actual: float
    actual_last_year: float
    ytd: float
    ytd_last_year: float
    active_reps: int

    @property
    def yoy_growth(self) -> float | None:
        return self.actual / self.actual_last_year - 1 if self.actual_last_year > 0 else None

    @property
    def ytd_growth(self) -> float | None:
        return self.ytd / self.ytd_last_year - 1 if self.ytd_last_year > 0 else None

    def as_dict(self) -> dict:
        return {
            "period": str(self.period),
            "actual": self.actual,
            "actual_last_year": self.actual_last_year,
            "yoy_growth": self.yoy_growth,
            "ytd": self.ytd,
            "ytd_last_year": self.ytd_last_year,
            "ytd_growth": self.ytd_growth,
            "active_reps": self.active_reps,
        }


def fiscal_year_start_period(period: pd.Period, fiscal_year_start: int = 1) -> pd.Period:
    """First month of the fiscal year that `period` belongs to."""
    year = period.year if period.month >= fiscal_year_start else period.year - 1
    return pd.Period(year=year, month=fiscal_year_start, freq="M")


def headline(cube: pd.DataFrame, period: pd.Period, fiscal_year_start: int = 1) -> Headline:
    """Month and year-to-date actuals for `period`, each beside the same span a year earlier."""
    period = pd.Period(period, freq="M")
    by_period = cube.groupby("period", observed=True)["actual"].sum()

    def span(first: pd.Period, last: pd.Period) -> float:
        return float(by_period[(by_period.index >= first) & (by_period.index <= last)].sum())

    fy_start = fiscal_year_start_period(period, fiscal_year_start)
    in_period = cube[cube["period"] == period]
    return Headline(
        period=period,
        actual=span(period, period),
        actual_last_year=span(period - 12, period - 12),
        ytd=span(fy_start, period),
        ytd_last_year=span(fy_start - 12, period - 12),
        active_reps=int(in_period.loc[in_period["actual"] > 0, "rep"].nunique()),
    )

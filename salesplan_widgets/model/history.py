"""Sales history read off the cube: trend, seasonality, mix and the period's headline figures.

Pure functions on the cube (the table vocabulary of docs/architecture.md): they never read files or draw. The
overview report and dashboard, and the goal baseline, all start here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesplan_widgets.model.calendar import FiscalCalendar, period_like

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


def monthly_actuals(cube: pd.DataFrame) -> pd.DataFrame:
    """Actual per period, with months that had no sales present as zero (a gap is information)."""
    by_period = cube.groupby("period", observed=True)["actual"].sum()
    if by_period.empty:
        return pd.DataFrame({"period": pd.PeriodIndex([], freq="M"), "actual": []})
    full = pd.period_range(by_period.index.min(), by_period.index.max(), freq=by_period.index.freq)
    return by_period.reindex(full, fill_value=0.0).rename_axis("period").reset_index()


def trend(cube: pd.DataFrame) -> pd.DataFrame:
    """Actual per period beside the same period last year (the calendar's: month, or week of the year)
    and the growth between them."""
    monthly = monthly_actuals(cube)
    calendar = FiscalCalendar.of(None, monthly["period"])
    by_period = monthly.set_index("period")["actual"]
    year_ago = calendar.same_period_years_ago(monthly["period"]) if len(monthly) else monthly["period"]
    out = monthly.assign(actual_last_year=by_period.reindex(year_ago).to_numpy())
    out["yoy_growth"] = out["actual"] / out["actual_last_year"].where(out["actual_last_year"] > 0) - 1
    return out


def seasonality(cube: pd.DataFrame) -> pd.DataFrame:
    """Seasonal index per calendar month: its share of the year's sales × 12, averaged over complete years.

    An index of 1.3 means the month sells 30% above an average month. Weeks count in the month holding
    their Thursday; at quarter grain the index is per quarter (× 4), named by the quarter's first month.
    """
    monthly = monthly_actuals(cube)
    calendar = FiscalCalendar.of(None, monthly["period"])
    if calendar.is_weekly and len(monthly):
        thursday = pd.PeriodIndex(monthly["period"]).start_time + pd.Timedelta(days=3)
        monthly = monthly.groupby(pd.PeriodIndex(thursday, freq="M"))["actual"].sum()
        monthly = monthly.rename_axis("period").reset_index()
    seasons = 4 if calendar.grain == "quarter" else 12
    starts = pd.PeriodIndex(monthly["period"]).start_time
    monthly["year"] = starts.year
    monthly["month"] = starts.month
    complete = monthly.groupby("year")["month"].transform("size") == seasons
    full_years = monthly[complete]
    if full_years.empty:
        full_years = monthly
    share = full_years["actual"] / full_years.groupby("year")["actual"].transform("sum")
    months = sorted(full_years["month"].unique()) if seasons == 4 else range(1, 13)
    index = (share * seasons).groupby(full_years["month"]).mean().reindex(months)
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


def largest(shares: pd.DataFrame, by: str, n: int, others: str) -> pd.DataFrame:
    """The `n` − 1 largest members of a `mix` and the rest summed as one row named `others` (when more
    than `n`): 21 countries or 77 products stay one readable chart."""
    if len(shares) <= n:
        return shares
    rest = shares.iloc[n - 1 :]
    tail = pd.DataFrame({by: [others], "actual": [rest["actual"].sum()], "share": [rest["share"].sum()]})
    return pd.concat([shares.iloc[: n - 1].astype({by: object}), tail], ignore_index=True)


@dataclass(frozen=True)
class Headline:
    """The period's headline figures: the month, the fiscal year to date, and each against last year."""

    period: pd.Period
    actual: float
    actual_last_year: float
    ytd: float
    ytd_last_year: float
    active_reps: int
    period_last_year: pd.Period | None = None  # the calendar's same period a year earlier

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


def fiscal_year_start_period(period: pd.Period, fiscal_year_start: int | FiscalCalendar = 1) -> pd.Period:
    """First period of the fiscal year that `period` belongs to (at `period`'s grain)."""
    return FiscalCalendar.of(fiscal_year_start, period).year_start(period)


def headline(
    cube: pd.DataFrame,
    period: pd.Period,
    fiscal_year_start: int | FiscalCalendar = 1,
    digits: int | None = None,
) -> Headline:
    """The period's and the year-to-date actuals for `period`, each beside the same span a year earlier.
    With `digits` (the currency's minor unit) each figure is rounded to it, so that a month equal to last
    year's is 0% growth, not the −0.0000000000000002 two float sums in another order differ by."""
    period = period_like(period, cube["period"])
    calendar = FiscalCalendar.of(fiscal_year_start, period)
    by_period = cube.groupby("period", observed=True)["actual"].sum()

    def span(first: pd.Period, last: pd.Period) -> float:
        total = float(by_period[(by_period.index >= first) & (by_period.index <= last)].sum())
        return total if digits is None else round(total, digits)

    fy_start = calendar.year_start(period)
    year_ago = calendar.same_period_years_ago([period])[0]
    in_period = cube[cube["period"] == period]
    return Headline(
        period=period,
        actual=span(period, period),
        actual_last_year=span(year_ago, year_ago),
        ytd=span(fy_start, period),
        ytd_last_year=span(calendar.year_start(year_ago), year_ago),
        active_reps=int(in_period.loc[in_period["actual"] > 0, "rep"].nunique()),
        period_last_year=year_ago,
    )

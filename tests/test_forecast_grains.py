"""The goal's baseline and its targets at every grain: weekly and quarterly cubes are forecast with the
calendar's seasonal cycle (52 weeks, 4 quarters), so the December peak is seen in December's weeks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.forecast import ETS, LAST_YEAR_TREND, baseline_forecast
from salesplan_widgets.model.goal import growth_target


def seasonal_cube(calendar: FiscalCalendar, years: tuple[int, ...] = (2024, 2025, 2026)) -> pd.DataFrame:
    """Two reps' sales per period of `years`, December three times any other month, growing 10% a year."""
    periods = pd.PeriodIndex(np.concatenate([calendar.year_periods(y) for y in years]), freq=calendar.freq)
    december = np.asarray([(p.start_time + pd.Timedelta(days=3)).month == 12 for p in periods])
    age = np.arange(len(periods)) / calendar.cycle
    base = 1000.0 * 1.1**age * np.where(december, 3.0, 1.0)
    if calendar.grain == "quarter":
        base = 1000.0 * 1.1**age * np.where(calendar.positions(periods) == 4, 3.0, 1.0)
    base *= 1 + 0.03 * np.random.default_rng(7).standard_normal(len(base))  # ETS fails on noiseless data
    rows = []
    for share, rep in ((0.6, "Li"), (0.4, "Wang")):
        rows.append(pd.DataFrame({"period": periods, "rep": rep, "segment": "A", "channel": "online"}))
        rows[-1]["actual"] = base * share
    cube = pd.concat(rows, ignore_index=True)
    return cube.assign(team="East", territory="all", quantity=0.0, lines=1)


@pytest.mark.parametrize("grain", ["week", "4-4-5", "quarter"])
def test_baseline_forecast_at_a_non_monthly_grain_follows_its_season(grain: str) -> None:
    calendar = FiscalCalendar(grain)
    cube = seasonal_cube(calendar, years=(2023, 2024, 2025, 2026))  # ETS on quarters needs 14 of them
    horizon = calendar.year_periods(2027)
    forecast = baseline_forecast(cube, horizon[0], horizon[-1], by=("segment",))
    assert set(forecast.methods["method"]) == ({ETS} if grain == "quarter" else {LAST_YEAR_TREND})
    by_period = forecast.by_period().set_index("period")["forecast"]
    assert list(by_period.index) == list(horizon)
    if grain == "quarter":
        peak = by_period.index == horizon[-1]
    else:
        peak = np.asarray([(p.start_time + pd.Timedelta(days=3)).month == 12 for p in by_period.index])
    ratio = by_period[peak].mean() / by_period[~peak].mean()
    assert 2.4 < ratio < 3.6  # the peak of three times the rest is forecast, not flattened
    assert by_period.sum() == pytest.approx(
        cube["actual"][cube["period"].isin(calendar.year_periods(2026))].sum() * 1.1, rel=0.1
    )


def test_growth_target_at_week_grain_compares_each_week_with_the_same_week_last_year() -> None:
    calendar = FiscalCalendar("week")
    cube = seasonal_cube(calendar, years=(2025, 2026))
    horizon = calendar.year_periods(2027)
    proposal = growth_target(baseline_forecast(cube, horizon[0], horizon[-1], by=("segment",)), 0.2)
    shape = proposal.shape.groupby("period")["target"].sum()
    last_year = cube.groupby("period")["actual"].sum()
    for week in (horizon[0], horizon[50]):
        year_ago = calendar.same_period_years_ago([week])[0]
        assert shape[week] == pytest.approx(last_year[year_ago] * 1.2)

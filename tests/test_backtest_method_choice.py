"""The interval's backtest forecasts each origin with the method the baseline forecast would choose from that
origin's history alone: so it measures the errors of the method in use, not of ETS on a series the forecast
itself puts on the fallback (a mostly empty series, a near-empty month)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.model.forecast import ETS, LAST_YEAR_TREND, baseline_forecast, rolling_backtest

WINDOW = 6


def baseline_method(values: np.ndarray) -> str:
    """The method `baseline_forecast` chooses for one series with this history (months from 2020-01)."""
    months = pd.period_range("2020-01", periods=len(values), freq="M")
    cube = pd.DataFrame({"period": months, "actual": values})
    forecast = baseline_forecast(cube, months[-1] + 1, months[-1] + 3, by=(), calibrate=False)
    return str(forecast.methods["method"].iloc[0])


def mostly_empty(months: int = 44) -> np.ndarray:
    """Sales every third month only: its median month is 0, so no month is 'near-empty', but two thirds of
    the last two years are empty (sparse)."""
    values = np.zeros(months)
    values[::3] = 100.0 + np.arange(len(values[::3]))
    return values


def late_near_empty(months: int = 44) -> np.ndarray:
    """Steady seasonal sales with one near-empty month (returns), the sixth from the end (index 38 of 44)."""
    t = np.arange(months)
    values = 1000.0 + 200.0 * np.sin(2 * np.pi * t / 12) + 5.0 * t
    values[-6] = 1.0
    return values


def random_series(seed: int, months: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.uniform(50.0, 150.0, months)
    values[rng.random(months) < [0.6, 0.3, 0.0][seed % 3]] = 0.0
    if seed % 3 == 2:
        values[rng.integers(1, months)] = 1.0  # one near-empty month somewhere
    values[0] = 100.0
    return values


def test_a_mostly_empty_series_is_backtested_with_the_fallback_the_forecast_uses() -> None:
    values = mostly_empty()
    assert baseline_method(values) == LAST_YEAR_TREND
    errors = rolling_backtest(values, WINDOW)
    assert len(errors) and set(errors["method"]) == {LAST_YEAR_TREND}


def test_an_origin_before_a_near_empty_month_is_judged_on_its_own_history() -> None:
    values = late_near_empty()
    assert baseline_method(values) == LAST_YEAR_TREND  # the whole history has the near-empty month
    errors = rolling_backtest(values, WINDOW).drop_duplicates("origin")
    chosen = dict(zip(errors["origin"], errors["method"], strict=True))
    assert chosen[39] == LAST_YEAR_TREND  # its history holds the near-empty month
    assert chosen[38] == ETS  # its history ends before it: ETS, as the baseline would choose then
    assert baseline_method(values[:38]) == ETS


@pytest.mark.parametrize("seed", range(6))
def test_every_origin_uses_the_method_the_baseline_would_choose_from_its_history(seed: int) -> None:
    values = random_series(seed, 36 + seed)
    errors = rolling_backtest(values, WINDOW).drop_duplicates("origin")
    assert len(errors)
    for origin, method in zip(errors["origin"], errors["method"], strict=True):
        assert method == baseline_method(values[:origin]), f"origin {origin}"

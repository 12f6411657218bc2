"""A flat history's baseline lies inside its own range, whatever level it is fitted at.

Found on Chinook (tests/fixtures/chinook: five flat years, 449–481 a year): the goal's baseline for the next
year was 432, below every year seen, 429 fitted by rep and 544 by country. ETS's undamped trend carried the
last year's dip on, and the fallback carried one noisy year-on-year change per series (−6% per rep, clipped
changes of sparse countries adding up to +20%). The trend is now damped, and the fallback keeps a growth
only as far as it stands out of its months' noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_public_chinook import hand_lines

from salesplan_widgets.model.forecast import LAST_YEAR_TREND, baseline_forecast

LEVELS = (("segment", "channel"), ("rep",), ("territory",), ())


@pytest.fixture(scope="module")
def chinook_cube() -> pd.DataFrame:
    """Chinook's invoice lines as a monthly cube: one channel, the support rep, the billing country."""
    lines = hand_lines()
    return pd.DataFrame(
        {
            "period": lines["month"],
            "segment": lines["segment"],
            "channel": "direct",
            "rep": lines["rep"],
            "territory": lines["BillingCountry"],
            "actual": lines["amount"],
            "quantity": lines["Quantity"],
            "lines": 1,
        }
    )


def test_chinooks_flat_years_give_a_baseline_inside_their_range_at_every_level(chinook_cube):
    years = chinook_cube.groupby(chinook_cube["period"].dt.year)["actual"].sum()
    assert list(years.index) == [2021, 2022, 2023, 2024, 2025]
    low, high = years.min(), years.max()
    assert high / low < 1.1  # flat: the fixture is what the test says
    forecasts = {by: baseline_forecast(chinook_cube, "2026-01", "2026-12", by) for by in LEVELS}
    goal = forecasts[("segment", "channel")]  # the goal wizard's series
    assert low <= goal.total <= high
    # noise of a year's total: √12 × the spread of the months
    noise = np.sqrt(12) * chinook_cube.groupby("period")["actual"].sum().std()
    for by, forecast in forecasts.items():
        assert low - noise <= forecast.total <= high + noise, by
    # the levels agree within each other's interval
    for forecast in forecasts.values():
        lower, upper = forecast.total_interval
        for other in forecasts.values():
            assert lower <= other.total <= upper


def flat_cube(months: int, level: float, noise: float, empty: float, seed: int) -> pd.DataFrame:
    """Three series of one flat level with multiplicative noise, a share `empty` of their months without
    sales (sparse series take the fallback); the last month is December 2025."""
    rng = np.random.default_rng(seed)
    periods = pd.period_range(end="2025-12", periods=months, freq="M")
    grid = pd.MultiIndex.from_product([periods, ["A", "B", "C"]], names=["period", "segment"]).to_frame(
        index=False
    )
    amount = level * np.maximum(1 + noise * rng.standard_normal(len(grid)), 0.3)
    amount = np.where(rng.random(len(grid)) < empty, 0.0, amount)
    return grid.assign(channel="direct", actual=amount, quantity=1.0, lines=1)


# derandomized: the same examples on every run, so the property neither flickers nor hides a failure
@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    months=st.integers(min_value=13, max_value=60),
    level=st.floats(min_value=10.0, max_value=1e6),
    noise=st.floats(min_value=0.0, max_value=0.3),
    empty=st.sampled_from([0.0, 0.0, 0.2, 0.5]),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_a_flat_noisy_history_gets_a_baseline_within_its_yearly_range(months, level, noise, empty, seed):
    cube = flat_cube(months, level, noise, empty, seed)
    monthly = cube.groupby("period")["actual"].sum()
    assume(monthly.iloc[-12:].sum() > 0)
    forecast = baseline_forecast(cube, "2026-01", "2026-12", ("segment", "channel"), calibrate=False)
    # the complete twelve-month years back from the last month
    years = [monthly.iloc[end - 12 : end].sum() for end in range(len(monthly), 11, -12)]
    # widened by its noise: a year whose every month is one standard deviation of a month off (and
    # floating-point dust where there is no noise)
    widened = 12 * monthly.std() + 1e-9 * max(years)
    assert min(years) - widened <= forecast.total <= max(years) + widened


def test_a_steady_growth_is_still_carried_by_the_fallback():
    """The guard on the other side: a growth that stands out of the noise is kept whole."""
    cube = flat_cube(36, 1000.0, 0.0, 0.0, 0)
    age = np.asarray([(p - cube["period"].min()).n // 12 for p in cube["period"]])
    cube = cube.assign(actual=cube["actual"] * 1.2**age)
    cube = cube[cube["period"].dt.month % 3 != 0]  # sparse: the fallback forecasts it
    forecast = baseline_forecast(cube, "2026-01", "2026-12", ("segment", "channel"))
    assert set(forecast.methods["method"]) == {LAST_YEAR_TREND}
    last_year = cube[cube["period"].dt.year == 2025]["actual"].sum()
    assert forecast.total == pytest.approx(last_year * 1.2)

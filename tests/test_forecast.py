"""The baseline forecast: ETS where history allows, the explainable fallback where not, top-down at scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.forecast import (
    BACKTEST_WIDTH,
    ETS,
    LAST_YEAR_TREND,
    MODEL_WIDTH,
    TOP_DOWN,
    backtest,
    backtest_errors,
    backtest_origins,
    baseline_forecast,
    calibrate_interval,
    z_value,
)

END = pd.Period("2026-10", freq="M")
SEGMENTS = ("A", "B", "C")
CHANNELS = ("offline", "online", "partner")


def synthetic_cube(
    reps: int = 4,
    months: int = 36,
    end: pd.Period = END,
    yearly_growth: float = 0.10,
    noise: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A cube per the cube contract: reps × segments × channels, seasonal sales growing `yearly_growth` a year.

    Rep r sells (r + 1) × the base, segment A twice B, B twice C; the season peaks in March.
    """
    rng = np.random.default_rng(seed)
    periods = pd.period_range(end=end, periods=months, freq="M")
    grid = pd.MultiIndex.from_product(
        [periods, [f"rep{r}" for r in range(reps)], SEGMENTS, CHANNELS],
        names=["period", "rep", "segment", "channel"],
    ).to_frame(index=False)
    age = np.asarray([(p - periods[0]).n for p in grid["period"]])
    rep_index = grid["rep"].str[3:].astype(int).to_numpy()
    segment_scale = grid["segment"].map({"A": 4.0, "B": 2.0, "C": 1.0}).to_numpy()
    season = 1 + 0.3 * np.cos(2 * np.pi * (grid["period"].dt.month.to_numpy() - 3) / 12)
    amount = 1000.0 * (rep_index + 1) * segment_scale * season * (1 + yearly_growth) ** (age / 12)
    amount *= 1 + noise * rng.standard_normal(len(grid))
    grid["team"] = np.where(rep_index % 2 == 0, "East", "North")
    grid["territory"] = "all"
    grid["actual"] = amount
    grid["quantity"] = np.round(amount / 100)
    grid["lines"] = 1
    return grid[["period", "rep", "team", "territory", "segment", "channel", "actual", "quantity", "lines"]]


def test_regular_two_year_series_are_forecast_with_ets_and_said_so():
    forecast = baseline_forecast(synthetic_cube(noise=0.02), "2027-01", "2027-12")
    assert forecast.method_summary() == {ETS: 9}
    assert forecast.methods["reason"].str.contains("36").all()


def test_ets_follows_season_and_trend_of_a_clean_series():
    cube = synthetic_cube(noise=0.01)
    forecast = baseline_forecast(cube, "2026-11", "2027-10")
    last_year = cube[cube["period"] > END - 12]["actual"].sum()
    # growth 10% a year: next year's total ≈ last year's × 1.1
    assert forecast.total == pytest.approx(last_year * 1.10, rel=0.04)
    months = forecast.by_period()
    peak = months.loc[months["forecast"].idxmax(), "period"]
    assert peak.month == 3


def test_intervals_hold_the_forecast_at_the_stated_level():
    forecast = baseline_forecast(synthetic_cube(noise=0.05), "2027-01", "2027-06")
    m = forecast.monthly
    assert (m["lower"] < m["forecast"]).all() and (m["forecast"] < m["upper"]).all()
    assert np.allclose(m["upper"] - m["forecast"], z_value(0.8) * m["sigma"])
    lower, upper = forecast.total_interval
    assert lower < forecast.total < upper


def test_a_year_of_history_falls_back_to_same_month_last_year_and_says_why():
    cube = synthetic_cube(months=12)
    forecast = baseline_forecast(cube, "2026-11", "2027-04")
    assert forecast.method_summary() == {LAST_YEAR_TREND: 9}
    assert forecast.methods["reason"].str.contains("only 12 months").all()
    expected = cube.assign(period=cube["period"] + 12).groupby("period")["actual"].sum()
    months = forecast.by_period().set_index("period")["forecast"]
    assert np.allclose(months, expected.reindex(months.index))  # no trend measurable from one year


def test_sparse_series_use_same_month_last_year_times_the_yearly_trend():
    cube = synthetic_cube(months=36, yearly_growth=0.0)
    year = np.asarray([(p - cube["period"].min()).n // 12 for p in cube["period"]])
    cube = cube.assign(actual=cube["actual"] * 1.2**year)  # exactly +20% each year
    cube = cube[cube["period"].dt.month % 3 != 0]  # every third month without sales: sparse
    forecast = baseline_forecast(cube, "2026-11", "2027-10")
    assert forecast.method_summary() == {LAST_YEAR_TREND: 9}
    assert forecast.methods["reason"].str.contains("had no sales").all()
    last_year = cube.assign(period=cube["period"] + 12).groupby("period")["actual"].sum()
    months = forecast.by_period().set_index("period")["forecast"]
    assert np.allclose(months, (last_year * 1.2).reindex(months.index, fill_value=0.0))
    # the rule was exact over the last year, so it claims no uncertainty
    assert np.allclose(forecast.monthly["sigma"], 0.0)


def test_closed_months_of_the_horizon_count_at_their_actuals():
    cube = synthetic_cube(noise=0.02)
    forecast = baseline_forecast(cube, "2026-01", "2026-12")
    closed = forecast.monthly[forecast.monthly["closed"]]
    assert closed["period"].max() == END and closed["sigma"].eq(0).all()
    assert closed["forecast"].sum() == pytest.approx(cube[cube["period"] >= "2026-01"]["actual"].sum())
    assert set(forecast.monthly.loc[~forecast.monthly["closed"], "period"].astype(str)) == {
        "2026-11",
        "2026-12",
    }
    months = forecast.by_period()
    closed_months = months["period"] <= END
    assert (months.loc[closed_months, "lower"] == months.loc[closed_months, "forecast"]).all()
    assert (months.loc[~closed_months, "lower"] < months.loc[~closed_months, "forecast"]).all()


def test_scope_forecasts_only_the_chosen_teams_and_segments():
    cube = synthetic_cube(noise=0.02)
    scoped = baseline_forecast(cube, "2027-01", "2027-03", scope={"team": ["East"], "segment": ["A"]})
    by_hand = baseline_forecast(
        cube[(cube["team"] == "East") & (cube["segment"] == "A")], "2027-01", "2027-03"
    )
    assert set(scoped.monthly["segment"]) == {"A"}
    assert scoped.total == pytest.approx(by_hand.total)


def test_too_many_series_are_fitted_on_aggregates_and_split_by_recent_share():
    cube = synthetic_cube(reps=6, noise=0.02)
    by_rep = baseline_forecast(
        cube, "2027-01", "2027-12", by=("rep", "segment", "channel"), max_fitted_series=10
    )
    aggregate = baseline_forecast(cube, "2027-01", "2027-12")
    assert by_rep.fit_by == ("segment", "channel")
    assert by_rep.method_summary() == {TOP_DOWN: 6 * 9}
    assert by_rep.total == pytest.approx(aggregate.total)
    assert by_rep.total_sigma == pytest.approx(aggregate.total_sigma)
    recent = cube[cube["period"] > END - 12]
    share = recent.groupby("rep")["actual"].sum() / recent["actual"].sum()
    rep_total = by_rep.monthly.groupby("rep")["forecast"].sum() / by_rep.total
    assert np.allclose(rep_total.sort_index(), share.sort_index(), atol=0.01)


def test_backtest_reports_the_error_of_the_last_complete_year():
    exact = synthetic_cube(yearly_growth=0.0)
    year = np.asarray([(p - exact["period"].min()).n // 12 for p in exact["period"]])
    exact = exact.assign(actual=exact["actual"] * 1.2**year)
    exact = exact[exact["period"].dt.month % 3 != 0]  # fallback, exact for a constant yearly growth
    result = backtest(exact)
    assert (result.start, result.end) == (END - 11, END)
    assert result.mape == pytest.approx(0.0, abs=1e-9)

    noisy = backtest(synthetic_cube(noise=0.05, seed=4))
    assert noisy.methods == {ETS: 9}
    errors = (noisy.monthly["actual"] - noisy.monthly["forecast"]).abs() / noisy.monthly["actual"]
    assert noisy.mape == pytest.approx(errors.mean())
    assert 0 < noisy.mape < 0.15


def test_running_total_ends_at_the_horizon_total_and_its_interval():
    forecast = baseline_forecast(synthetic_cube(noise=0.05), "2026-07", "2027-06")
    running = forecast.cumulative()
    assert running["forecast"].iloc[-1] == pytest.approx(forecast.total)
    assert (running["lower"].iloc[-1], running["upper"].iloc[-1]) == pytest.approx(forecast.total_interval)
    closed = running["period"] <= END
    assert (running.loc[closed, "lower"] == running.loc[closed, "forecast"]).all()  # actuals are certain
    assert running["forecast"].is_monotonic_increasing


def test_backtest_on_the_demo_company_reports_its_error_for_the_last_complete_year(tmp_path):
    from fixtures.demo_company import copy_demo

    from salesplan_widgets import open_workbook

    cube = open_workbook(copy_demo(tmp_path / "demo")).cube()  # the data of create_demo(end="2026-10")
    result = backtest(cube)
    assert (str(result.start), str(result.end)) == ("2025-11", "2026-10")
    assert result.methods == {ETS: 9}
    actual = cube[cube["period"] > END - 12].groupby("period")["actual"].sum()
    assert result.monthly["actual"].to_numpy() == pytest.approx(actual.to_numpy())
    errors = (result.monthly["actual"] - result.monthly["forecast"]).abs() / result.monthly["actual"]
    assert result.mape == pytest.approx(errors.mean())
    # the demo's Spring Festival moves between January and February: about 10% a month is what ETS does
    assert 0.02 < result.mape < 0.2


@settings(max_examples=25, deadline=None)
@given(
    growth=st.floats(min_value=-0.4, max_value=0.9),
    scale=st.floats(min_value=0.01, max_value=1e6),
    season=st.lists(st.floats(min_value=0.2, max_value=3.0), min_size=12, max_size=12),
)
def test_the_fallback_carries_any_season_forward_at_the_years_growth(growth, scale, season):
    periods = pd.period_range(end=END, periods=36, freq="M")
    year = np.arange(36) // 12
    amount = scale * np.asarray(season)[periods.month - 1] * (1 + growth) ** year
    cube = pd.DataFrame(
        {"period": periods, "rep": "r", "team": "t", "territory": "all", "segment": "A", "channel": "online"}
    ).assign(actual=amount, quantity=0.0, lines=1)
    cube = cube[periods.month % 3 != 0]  # sparse, so the fallback rule is used
    # the point forecast is the property; the interval's backtest (7 ETS fits per example, nine tenths of
    # the time) only widens the range and never moves a month (test_big_out_of_sample_errors_…)
    forecast = baseline_forecast(cube, END + 1, END + 12, by=(), calibrate=False)
    assert forecast.method_summary() == {LAST_YEAR_TREND: 1}
    expected = amount[24:] * (1 + growth) * (periods[24:].month % 3 != 0)
    assert forecast.by_period()["forecast"].to_numpy() == pytest.approx(expected, rel=1e-9, abs=1e-9 * scale)


def test_a_horizon_already_over_is_its_actuals_with_no_uncertainty():
    cube = synthetic_cube(noise=0.02)
    forecast = baseline_forecast(cube, "2026-01", "2026-06")
    assert forecast.method_summary() == {"actuals": 9}
    first_half = cube[(cube["period"] >= "2026-01") & (cube["period"] <= "2026-06")]["actual"].sum()
    assert forecast.total == pytest.approx(first_half)
    assert forecast.total_interval == pytest.approx((first_half, first_half))


# -- the interval's width checked against past forecast errors ---------------------------------------------


def seasonal_years(yearly_factors: list[float], months: int) -> np.ndarray:
    """A monthly series whose every month is the same month a year earlier × that year's factor."""
    season = 100.0 * (1 + 0.3 * np.cos(2 * np.pi * np.arange(12) / 12))
    year = np.arange(months) // 12
    level = np.cumprod([1.0, *yearly_factors])[year]
    return season[np.arange(months) % 12] * level


def test_backtest_errors_are_the_root_mean_square_of_window_and_month_errors():
    # two windows of two months, planted: window totals miss by +10% and −20%
    errors = pd.DataFrame(
        {
            "origin": [12, 12, 13, 13],
            "lead": [1, 2, 1, 2],
            "method": LAST_YEAR_TREND,
            "forecast": [50.0, 50.0, 100.0, 100.0],
            "actual": [60.0, 50.0, 80.0, 80.0],
        }
    )
    total, month = backtest_errors(errors)
    assert total == pytest.approx(np.sqrt((0.1**2 + 0.2**2) / 2))
    assert month == pytest.approx(np.sqrt((0.2**2 + 0 + 0.2**2 + 0.2**2) / 4))


def test_backtest_origins_prefer_two_years_of_history_and_cut_windows_at_the_data_end():
    # 36 months, 12-month windows: origins need a year before and six months after; ETS needs two years
    assert backtest_origins(36, 12) == list(range(30, 23, -1))  # seven with two years: only those
    assert backtest_origins(26, 12) == list(range(20, 11, -1))  # none with two years: the fallback's
    assert backtest_origins(40, 2) == list(range(39, 27, -1))  # at most the latest twelve
    assert backtest_origins(14, 12) == []


def test_a_planted_yearly_error_sets_the_width_by_the_widening_rule():
    # 26 months growing exactly 20% a year: the backtests (fallback, no trend from one year) miss by 20%
    series = seasonal_years([1.2, 1.2], 26)
    calibration = calibrate_interval(series, 12, model_sigma=1.0, open_total=1000.0)
    assert calibration.origins == 9
    assert calibration.total_error == pytest.approx(0.2)
    assert calibration.month_error == pytest.approx(0.2)
    assert calibration.method == BACKTEST_WIDTH
    assert "20.0%" in calibration.reason and "widened" in calibration.reason
    # the model already wider than the backtest: its width stands, said so
    wide = calibrate_interval(series, 12, model_sigma=300.0, open_total=1000.0)
    assert wide.method == MODEL_WIDTH and "within the model's own 30.0%" in wide.reason


def test_a_planted_error_distribution_gives_its_root_mean_square():
    # years grow +20%, −10%: each window's error is its actual over the same months a year earlier, by hand
    # 26 months: no origin has two years before it, so every backtest is the fallback (no trend from a year)
    series = seasonal_years([1.2, 0.9], 26)
    calibration = calibrate_interval(series, 6, model_sigma=0.0, open_total=1.0)
    origins = list(range(23, 11, -1))  # a year before; at least 3 of 6 months after; the latest 12
    by_hand = []
    for n in origins:
        window = np.arange(n, min(n + 6, 26))
        by_hand.append(series[window].sum() / series[window - 12].sum() - 1)
    assert calibration.origins == len(origins)
    assert calibration.total_error == pytest.approx(np.sqrt(np.mean(np.square(by_hand))))
    assert min(by_hand) < 0 < 0.15 < max(by_hand)  # windows into the falling year miss the other way


def test_the_scope_total_is_widened_to_the_backtest_error_and_months_and_running_total_follow():
    cube = synthetic_cube(months=26, yearly_growth=0.0)
    year = np.asarray([(p - cube["period"].min()).n // 12 for p in cube["period"]])
    cube = cube.assign(actual=cube["actual"] * 1.2**year)  # exactly +20% a year
    forecast = baseline_forecast(cube, END + 1, END + 12)
    assert forecast.method_summary() == {ETS: 9}  # 26 months: ETS forecasts, the backtest uses the fallback
    assert forecast.interval_method == BACKTEST_WIDTH
    assert "ETS itself cannot be backtested yet" in forecast.interval_reason
    assert forecast.total_sigma == pytest.approx(0.2 * forecast.open_total)
    assert forecast.total_sigma > forecast.model_total_sigma
    lower, upper = forecast.total_interval
    assert upper - lower == pytest.approx(2 * z_value(0.8) * 0.2 * forecast.total)
    months = forecast.by_period()
    assert np.allclose(months["sigma"], 0.2 * months["forecast"])
    running = forecast.cumulative()
    assert (running["lower"].iloc[-1], running["upper"].iloc[-1]) == pytest.approx((lower, upper))
    # each series keeps the model's own width: the calibration is of the scope's total
    assert (forecast.monthly["sigma"] < 0.2 * forecast.monthly["forecast"]).all()


def test_big_out_of_sample_errors_make_the_interval_wider_than_ets_claims():
    cube = synthetic_cube(months=40, noise=0.02, seed=3)
    # a shock shared by every series each month (a market swing): separately fitted series cannot see it
    shock = pd.Series(np.random.default_rng(5).lognormal(0, 0.15, 40), index=sorted(cube["period"].unique()))
    cube = cube.assign(actual=cube["actual"] * cube["period"].map(shock).to_numpy())
    forecast = baseline_forecast(cube, END + 1, END + 12)
    own = baseline_forecast(cube, END + 1, END + 12, calibrate=False)
    assert forecast.calibration.errors["method"].eq(ETS).all()  # 40 months: ETS at every origin
    assert forecast.interval_method == BACKTEST_WIDTH
    assert "widened to match past forecast errors" in forecast.interval_reason
    assert "cannot be backtested" not in forecast.interval_reason
    width = np.subtract(*forecast.total_interval[::-1])
    assert width > np.subtract(*own.total_interval[::-1])
    assert own.total_sigma == pytest.approx(forecast.model_total_sigma)
    assert forecast.total == pytest.approx(own.total)  # only the width changes
    months, own_months = forecast.by_period(), own.by_period()
    assert months["forecast"].to_numpy() == pytest.approx(own_months["forecast"].to_numpy(), rel=1e-12)


def test_an_accurate_model_keeps_its_own_width():
    cube = synthetic_cube(months=26, yearly_growth=0.0)  # the same every year: past forecasts were exact
    forecast = baseline_forecast(cube, END + 1, END + 12)
    assert forecast.calibration.total_error == pytest.approx(0.0, abs=1e-12)
    assert forecast.interval_method == MODEL_WIDTH
    assert forecast.total_sigma == pytest.approx(forecast.model_total_sigma)


def test_too_short_a_history_leaves_the_models_width_unchecked_and_says_so():
    forecast = baseline_forecast(synthetic_cube(months=14), END + 1, END + 12)
    assert forecast.interval_method == MODEL_WIDTH
    assert forecast.calibration.origins < 3 and "too few to backtest" in forecast.interval_reason
    assert forecast.total_sigma == pytest.approx(forecast.model_total_sigma)

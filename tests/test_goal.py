"""Target methods and the probability of reaching a target, against hand-computed answers."""

from __future__ import annotations

import math
from statistics import NormalDist

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from test_forecast import synthetic_cube

from salesplan_widgets.errors import InputError
from salesplan_widgets.model.forecast import baseline_forecast
from salesplan_widgets.model.goal import (
    BLEND,
    BOTTOM_UP,
    MarketInput,
    blend_target,
    bottom_up_target,
    forecast_probability,
    growth_target,
    implied_stretch,
    market_share_target,
    probability_of_achieving,
    stretch_target,
    target_for_probability,
)


@pytest.fixture(scope="module")
def cube() -> pd.DataFrame:
    return synthetic_cube(noise=0.03)


@pytest.fixture(scope="module")
def forecast(cube):
    return baseline_forecast(cube, "2027-01", "2027-12")


def test_growth_target_is_last_years_same_months_plus_growth(cube, forecast):
    proposal = growth_target(forecast, 0.12)
    last_year = cube[(cube["period"] >= "2026-01") & (cube["period"] <= "2026-10")]["actual"].sum()
    # Nov and Dec 2026 are not history yet: they are forecast months, so last year has none for them
    assert proposal.detail["last_year"] == pytest.approx(last_year)
    assert proposal.total == pytest.approx(last_year * 1.12)
    jan = proposal.shape[
        (proposal.shape["period"] == pd.Period("2027-01", "M")) & (proposal.shape["segment"] == "A")
    ]
    jan_last_year = cube[(cube["period"] == pd.Period("2026-01", "M")) & (cube["segment"] == "A")]
    assert jan["target"].sum() == pytest.approx(jan_last_year["actual"].sum() * 1.12)


def test_stretch_target_is_the_baseline_plus_stretch_in_every_cell(forecast):
    proposal = stretch_target(forecast, 0.07)
    assert proposal.total == pytest.approx(forecast.total * 1.07)
    assert proposal.stretch == pytest.approx(0.07)
    assert (proposal.shape["target"] / forecast.monthly["forecast"]).round(9).eq(1.07).all()
    assert len(proposal.shape) == 12 * 9


def test_market_share_target_takes_the_share_of_the_grown_market(cube, forecast):
    proposal = market_share_target(
        forecast,
        {"A": MarketInput(size=4_000_000, growth=0.10, share=0.25), "B": MarketInput(size=1_000_000)},
    )
    by_segment = proposal.shape.groupby("segment")["target"].sum()
    assert by_segment["A"] == pytest.approx(4_000_000 * 1.10 * 0.25)
    a_baseline = forecast.monthly.loc[forecast.monthly["segment"] == "A", "forecast"].sum()
    assert proposal.detail["trend_share_A"] == pytest.approx(a_baseline / 4_400_000)
    # B keeps its current share of a market that does not grow: last year's same months
    b_last_year = cube[(cube["segment"] == "B") & (cube["period"] >= "2026-01")]["actual"].sum()
    assert proposal.detail["share_B"] == pytest.approx(b_last_year / 1_000_000)
    assert by_segment["B"] == pytest.approx(b_last_year)
    # C has no market input: its baseline forecast stands
    c_forecast = forecast.monthly.loc[forecast.monthly["segment"] == "C", "forecast"].sum()
    assert by_segment["C"] == pytest.approx(c_forecast)
    # within a segment, months follow the forecast's shape
    a = proposal.shape[proposal.shape["segment"] == "A"].groupby("period")["target"].sum()
    a_fc = forecast.monthly[forecast.monthly["segment"] == "A"].groupby("period")["forecast"].sum()
    assert (a / a.sum()).to_numpy() == pytest.approx((a_fc / a_fc.sum()).to_numpy())


def test_bottom_up_sums_the_commits_and_spreads_undated_ones_like_the_forecast(forecast):
    commits = pd.DataFrame(
        {
            "rep": ["rep0", "rep1", "rep2"],
            "segment": ["A", "A", "B"],
            "channel": ["online", "online", "partner"],
            "commit": [120_000.0, 60_000.0, 30_000.0],
        }
    )
    proposal = bottom_up_target(forecast, commits)
    assert proposal.method == BOTTOM_UP
    assert proposal.total == pytest.approx(210_000.0)
    cell = proposal.shape[(proposal.shape["segment"] == "A") & (proposal.shape["channel"] == "online")]
    fc = forecast.monthly[(forecast.monthly["segment"] == "A") & (forecast.monthly["channel"] == "online")]
    assert cell["target"].to_numpy() == pytest.approx(
        (180_000.0 * fc["forecast"] / fc["forecast"].sum()).to_numpy()
    )
    assert bottom_up_target(forecast, commits, reps=["rep2"]).total == pytest.approx(30_000.0)


def test_bottom_up_keeps_dated_commits_inside_the_horizon_only(forecast):
    commits = pd.DataFrame(
        {
            "rep": ["rep0", "rep0", "rep1"],
            "segment": ["A", "A", "C"],
            "channel": ["offline", "offline", "online"],
            "period": ["2027-02", "2028-01", "2027-12"],
            "commit": [10_000.0, 99_000.0, 5_000.0],
        }
    )
    proposal = bottom_up_target(forecast, commits)
    assert proposal.total == pytest.approx(15_000.0)
    feb = proposal.shape[proposal.shape["period"] == pd.Period("2027-02", "M")]
    assert feb["target"].sum() == pytest.approx(10_000.0)


def test_bottom_up_without_rep_or_commit_columns_is_a_clear_error(forecast):
    with pytest.raises(InputError, match="commit"):
        bottom_up_target(forecast, pd.DataFrame({"rep": ["a"], "amount": [1.0]}))


def test_blend_weighs_top_down_and_bottom_up_and_shows_the_gap(forecast):
    top = stretch_target(forecast, 0.10)
    commits = pd.DataFrame({"rep": ["rep0"], "segment": ["A"], "channel": ["online"], "commit": [500_000.0]})
    bottom = bottom_up_target(forecast, commits)
    blend = blend_target(forecast, top, bottom, weight=0.6)
    assert blend.method == BLEND
    assert blend.total == pytest.approx(0.6 * top.total + 0.4 * 500_000.0)
    assert blend.detail["gap"] == pytest.approx(top.total - 500_000.0)
    assert blend.detail["gap_share"] == pytest.approx((top.total - 500_000.0) / 500_000.0)
    with pytest.raises(InputError):
        blend_target(forecast, top, bottom, weight=1.5)


def test_probability_matches_a_hand_computed_normal_quantile():
    # 80% interval 80..120 around 100: σ = 20 / z(0.9)
    sigma = 20 / norm.ppf(0.9)
    assert probability_of_achieving(110, 100, 80, 120, 0.8) == pytest.approx(norm.sf(110, 100, sigma))
    assert probability_of_achieving(100, 100, 80, 120, 0.8) == pytest.approx(0.5)
    assert probability_of_achieving(120, 100, 80, 120, 0.8) == pytest.approx(0.1)
    assert probability_of_achieving(80, 100, 80, 120, 0.8) == pytest.approx(0.9)
    assert probability_of_achieving(101, 100, 100, 100, 0.8) == 0.0


def test_a_target_at_the_baseline_has_even_chances_and_more_stretch_less(forecast):
    assert forecast_probability(forecast, forecast.total) == pytest.approx(0.5)
    lower, upper = forecast.total_interval
    assert forecast_probability(forecast, upper) == pytest.approx(0.1)
    assert stretch_target(forecast, 0.2).probability < stretch_target(forecast, 0.05).probability


@given(st.floats(min_value=0.01, max_value=0.99))
def test_target_for_a_probability_has_that_probability(p):
    forecast = _FORECAST_FOR_PROPERTIES
    assert forecast_probability(forecast, target_for_probability(forecast, p)) == pytest.approx(p, abs=1e-9)


_FORECAST_FOR_PROPERTIES = baseline_forecast(synthetic_cube(reps=1, months=12), "2026-11", "2027-04")


def test_implied_stretch_is_target_over_baseline():
    assert implied_stretch(120.0, 100.0) == pytest.approx(0.2)
    assert implied_stretch(90.0, 100.0) == pytest.approx(-0.1)
    assert math.isinf(implied_stretch(5.0, 0.0))


def test_normal_approximation_uses_the_interval_level():
    z95 = NormalDist().inv_cdf(0.975)
    # a 95% interval of ±z95 means σ = 1: one σ above the mean has a 15.9% chance
    assert probability_of_achieving(101, 100, 100 - z95, 100 + z95, 0.95) == pytest.approx(
        1 - NormalDist().cdf(1)
    )
    assert probability_of_achieving(100 + z95, 100, 100 - z95, 100 + z95, 0.95) == pytest.approx(0.025)


def test_bottom_up_reaches_the_forecasts_grain_and_leaves_out_commits_outside_the_scope(cube):
    forecast = baseline_forecast(
        cube, "2027-01", "2027-03", by=("rep", "segment", "channel"), scope={"segment": ["A", "B"]}
    )
    commits = pd.DataFrame(
        {
            "rep": ["rep0", "rep1", "rep2"],
            "segment": ["A", "B", "C"],  # C is outside the scope
            "channel": ["online", "online", "online"],
            "period": [None, "2027-02", None],
            "commit": [300.0, 50.0, 999.0],
        }
    )
    proposal = bottom_up_target(forecast, commits)
    assert proposal.total == pytest.approx(350.0)
    per_rep = proposal.shape.groupby("rep")["target"].sum()
    assert per_rep["rep0"] == pytest.approx(300.0) and per_rep["rep1"] == pytest.approx(50.0)
    rep1 = proposal.shape[(proposal.shape["rep"] == "rep1") & (proposal.shape["target"] > 0)]
    assert set(rep1["period"].astype(str)) == {"2027-02"}


@settings(max_examples=30, deadline=None)
@given(weight=st.floats(min_value=0.0, max_value=1.0), stretch=st.floats(min_value=-0.5, max_value=1.0))
def test_a_blend_lies_between_its_sides_and_its_cells_add_up(weight, stretch):
    forecast = _FORECAST_FOR_PROPERTIES
    top = stretch_target(forecast, stretch)
    commits = pd.DataFrame({"rep": ["rep0"], "segment": ["B"], "channel": ["partner"], "commit": [12_345.0]})
    bottom = bottom_up_target(forecast, commits)
    blend = blend_target(forecast, top, bottom, weight)
    low, high = sorted((top.total, bottom.total))
    assert low - 1e-6 <= blend.total <= high + 1e-6
    assert blend.shape["target"].sum() == pytest.approx(blend.total)
    assert blend.detail["gap"] == pytest.approx(top.total - bottom.total)


def _widened_forecast():
    """26 months growing exactly 20% a year: past forecasts missed the year by 20%, ETS claims far less."""
    cube = synthetic_cube(months=26, yearly_growth=0.0)
    year = ((cube["period"] - cube["period"].min()).map(lambda d: d.n) // 12).to_numpy()
    cube = cube.assign(actual=cube["actual"] * 1.2**year)
    return (
        baseline_forecast(cube, "2026-11", "2027-10"),
        baseline_forecast(cube, "2026-11", "2027-10", calibrate=False),
    )


def test_probability_and_its_inverse_use_the_interval_widened_to_past_errors():
    forecast, own = _widened_forecast()
    assert forecast.interval_method == "backtest"
    sigma = 0.2 * forecast.open_total  # the backtest's 20% root mean square error of the year's total
    target = forecast.total * 1.06
    assert forecast_probability(forecast, target) == pytest.approx(norm.sf(target, forecast.total, sigma))
    # the model alone would call a 6% stretch close to hopeless; past errors say it is not
    assert forecast_probability(forecast, target) > 0.3 > forecast_probability(own, target)
    for p in (0.1, 0.5, 0.8):
        assert forecast_probability(forecast, target_for_probability(forecast, p)) == pytest.approx(
            p, abs=1e-9
        )
    assert target_for_probability(forecast, 0.5) == pytest.approx(forecast.total)
    assert stretch_target(forecast, 0.06).probability == pytest.approx(forecast_probability(forecast, target))


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        # written in full: the new target in full
        ("Grow FY2026 net sales to 295,588,900 CNY", 295_588_900, 289_939_211.4, "Grow FY2026 net sales to 289,939,211 CNY"),
        # written to thousands: the new target to thousands
        ("Grow FY2026 net sales to 295,589,000 CNY", 295_588_900, 289_939_211, "Grow FY2026 net sales to 289,939,000 CNY"),
        ("Grow FY2027 revenue in East to 120M", 120_400_000, 132_600_000, "Grow FY2027 revenue in East to 133M"),
        ("2027 年销售额增长至2.96亿元", 295_588_900, 289_939_211, "2027 年销售额增长至2.90亿元"),
        ("to 295589000.00", 295_589_000, 289_939_211.375, "to 289939211.38"),
        # figures that do not state the old target stay: the year, a growth rate, another amount
        ("Grow FY2026 sales 10% to 1,000", 295_588_900, 289_939_211, "Grow FY2026 sales 10% to 1,000"),
        ("Grow FY2026 sales", None, 289_939_211, "Grow FY2026 sales"),
    ],
)  # fmt: skip
def test_the_goals_name_follows_the_target_it_states(name, old, new, expected) -> None:
    from salesplan_widgets.model.goal import name_with_target

    assert name_with_target(name, old, new) == expected


def test_a_saved_target_keeps_the_methods_shape_and_reads_its_chance_from_today(forecast) -> None:
    from salesplan_widgets.model.goal import at_saved_total

    fresh = stretch_target(forecast, 0.05)
    kept = at_saved_total(fresh, forecast, fresh.total * 1.02)
    assert kept.total == pytest.approx(fresh.total * 1.02)
    assert kept.shape["target"].sum() == pytest.approx(kept.total)
    assert (kept.shape["target"] / fresh.shape["target"]).to_numpy() == pytest.approx(1.02)
    assert kept.probability == pytest.approx(forecast_probability(forecast, kept.total))
    assert kept.probability < fresh.probability

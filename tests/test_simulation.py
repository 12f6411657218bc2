"""The Monte Carlo of next period's attainment: seeded and stable, faithful to each rep's history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.model.simulation import compare_designs, payout_cost, simulate_sales
from salesplan_widgets.schema.incentives import IncentivesSection


def history(seed: int = 1) -> pd.DataFrame:
    """Steady (Li), volatile (Chen) and growing (Wu) reps over 12 months."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2025-11", periods=12, freq="M")
    li = 1_000 * np.exp(rng.normal(0, 0.02, 12))
    chen = 1_000 * np.exp(rng.normal(0, 0.4, 12))
    wu = 1_000 * 1.05 ** np.arange(12)
    frame = pd.DataFrame({"period": np.tile(months, 3), "rep": np.repeat(["Li", "Chen", "Wu"], 12)})
    frame["period"] = pd.PeriodIndex(frame["period"], freq="M")
    return frame.assign(actual=np.concatenate([li, chen, wu]))


QUOTA = pd.Series({"Li": 1_000.0, "Chen": 1_000.0, "Wu": 1_000.0})


def test_same_seed_same_result_and_another_seed_differs():
    a = simulate_sales(history(), QUOTA, draws=2_000, seed=7)
    b = simulate_sales(history(), QUOTA, draws=2_000, seed=7)
    c = simulate_sales(history(), QUOTA, draws=2_000, seed=8)
    assert np.array_equal(a.sales, b.sales)
    assert a.share_at_quota == b.share_at_quota
    assert not np.array_equal(a.sales, c.sales)


def test_volatility_and_trend_come_from_each_reps_history():
    sim = simulate_sales(history(), QUOTA, draws=20_000, seed=3)
    spread = pd.Series(np.log1p(sim.sales).std(0), index=sim.reps)
    assert spread["Chen"] > 5 * spread["Li"]
    median = pd.Series(np.median(sim.sales, 0), index=sim.reps)
    assert median["Wu"] == pytest.approx(1_000 * 1.05**12, rel=0.02)  # the trend continued one month
    p = sim.rep_probability()
    assert p["Wu"] > 0.99 and 0.05 < p["Chen"] < 0.95  # a volatile rep stays uncertain


def test_designs_are_compared_on_the_same_draws():
    sim = simulate_sales(history(), QUOTA, draws=5_000, seed=11)
    flat = IncentivesSection.model_validate({"commission": {"base_rate": 0.05}})
    double = IncentivesSection.model_validate({"commission": {"base_rate": 0.10}})
    table = compare_designs(sim, {"flat": flat, "double": double}).set_index("design")
    assert table.loc["double", "cost_median"] == pytest.approx(2 * table.loc["flat", "cost_median"])
    assert table.loc["double", "cost_p90"] == pytest.approx(2 * table.loc["flat", "cost_p90"])
    assert table.loc["flat", "share_at_quota"] == table.loc["double", "share_at_quota"]
    cost = payout_cost(sim, flat).cost
    assert cost == pytest.approx(0.05 * sim.sales.sum(1))


def test_months_before_a_rep_joined_do_not_count_as_volatility():
    frame = history()
    joined = (frame["rep"] == "Li") & (frame["period"] < pd.Period("2026-05", "M"))
    frame.loc[joined, "actual"] = 0.0  # Li joined in May: seven steady months
    sim = simulate_sales(frame, QUOTA, draws=5_000, seed=2)
    spread = pd.Series(np.log1p(sim.sales).std(0), index=sim.reps)
    assert spread["Li"] < 0.1
    assert np.median(sim.sales[:, list(sim.reps).index("Li")]) == pytest.approx(1_000, rel=0.05)


def test_a_rep_without_history_gets_the_median_reps_outlook():
    quota = pd.Series({"Li": 1_000.0, "Chen": 1_000.0, "Wu": 1_000.0, "New": 1_000.0})
    sim = simulate_sales(history(), quota, draws=2_000, seed=4)
    assert np.isfinite(sim.sales).all()
    assert 0 < np.median(sim.sales[:, 3]) < 10_000

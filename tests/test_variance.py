"""Variance explained: contributions that add up exactly to the gap, a waterfall, price × volume."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fixtures.tracking_data import actuals_cube, targets_table
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.tracking import plan_vs_actual
from salesplan_widgets.model.variance import (
    contributions,
    price_volume,
    round_exact,
    variance_drivers,
    waterfall,
)


@pytest.fixture
def frame() -> pd.DataFrame:
    targets = targets_table()
    cube = actuals_cube(targets, {"Ann": 1.2, "Bo": 0.7, "Cy": 0.95}, "2026-06")
    # segment B sells online only half its plan, so segments and channels differ too
    half = (cube["segment"] == "B") & (cube["channel"] == "online")
    cube.loc[half, "actual"] *= 0.5
    return plan_vs_actual(targets, cube).query("period <= '2026-06'")


def test_rep_contributions_are_each_reps_gap_largest_first(frame):
    result = contributions(frame, "rep")
    by_rep = (frame.groupby("rep")["actual"].sum() - frame.groupby("rep")["target"].sum()).round(2)
    assert result.set_index("rep")["contribution"].to_dict() == pytest.approx(by_rep.to_dict())
    assert list(result["contribution"].abs()) == sorted(result["contribution"].abs(), reverse=True)


def test_contributions_sum_exactly_to_the_total_gap_in_every_dimension(frame):
    total = round(frame["actual"].sum() - frame["target"].sum(), 2)
    drivers = variance_drivers(frame)
    for dimension in ("segment", "channel", "rep"):
        parts = drivers.loc[drivers["dimension"] == dimension, "contribution"]
        assert round(parts.sum(), 2) == total
        assert int(round(parts.sum() * 100)) == int(round(total * 100))
    assert drivers.loc[drivers["dimension"] == "segment"].iloc[0]["member"] == "B"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e7, 1e7, allow_nan=False), min_size=1, max_size=40))
def test_rounded_parts_always_add_up_to_the_rounded_whole(values):
    parts = round_exact(np.array(values), 2)
    assert int(round(parts.sum() * 100)) == int(round(sum(values) * 100))
    assert np.all(np.abs(parts - np.array(values)) < 0.01 + 1e-6)


def test_waterfall_walks_from_target_to_actual(frame):
    steps = waterfall(frame, "rep", top=2)
    assert list(steps["label"][[0, len(steps) - 1]]) == ["target", "actual"]
    assert "other" in set(steps["label"])
    assert steps["value"].iloc[0] == pytest.approx(frame["target"].sum())
    assert steps["value"].iloc[-1] == pytest.approx(frame["actual"].sum(), abs=0.01)
    inner = steps.iloc[1:-1]
    assert np.allclose(inner["end"] - inner["base"], inner["value"])


def test_price_and_volume_effects_add_up_to_the_change():
    before = pd.DataFrame({"segment": ["A", "B"], "actual": [1_000.0, 500.0], "quantity": [10.0, 5.0]})
    now = pd.DataFrame(
        {"segment": ["A", "B", "C"], "actual": [1_320.0, 500.0, 80.0], "quantity": [12.0, 4.0, 2.0]}
    )
    result = price_volume(now, before, "segment").set_index("segment")
    # A: price 100 → 110, quantity 10 → 12: volume 2 × 100 = 200, price 10 × 12 = 120
    assert result.loc["A", "volume_effect"] == pytest.approx(200.0)
    assert result.loc["A", "price_effect"] == pytest.approx(120.0)
    # B: price 100 → 125 on 4 units, one unit fewer
    assert result.loc["B", "volume_effect"] == pytest.approx(-100.0)
    assert result.loc["B", "price_effect"] == pytest.approx(100.0)
    # C is new: no price to compare, all volume
    assert result.loc["C", "volume_effect"] == pytest.approx(80.0) and result.loc["C", "price_effect"] == 0.0
    assert np.allclose(result["volume_effect"] + result["price_effect"], result["change"])


def test_waterfall_axis_starts_low_enough_to_show_every_step_and_never_below_zero(frame):
    from salesplan_widgets.model.variance import waterfall_floor

    steps = waterfall(frame, "segment")
    floor = waterfall_floor(steps)
    assert 0.0 <= floor <= min(steps["base"].iloc[1:-1].min(), steps["end"].min())
    assert floor > 0  # the gap is small next to the totals, so the axis does not start at zero

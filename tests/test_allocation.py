"""The hierarchical split: exact totals at every level, no negatives, locks honoured, proportional rebalancing,
ramped quotas for new hires, clear errors for impossible locks; and the fairness diagnostics on its result."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesplan_widgets.errors import InputError
from salesplan_widgets.model.allocation import (
    Level,
    Lock,
    capacity,
    data_dimensions,
    plan_months,
    split_goal,
    split_notices,
    start_of,
)
from salesplan_widgets.model.fairness import fairness, robust_z

PLAN_YEAR = pd.period_range("2027-01", periods=12, freq="M")
HISTORY_YEAR = pd.period_range("2026-01", periods=12, freq="M")


def history_from(seg_w, ch_w, rep_w, season=None, rep_team=None) -> pd.DataFrame:
    """A cube whose sales are the product of per-segment, per-channel, per-rep and per-month weights."""
    season = np.ones(12) if season is None else np.asarray(season, float)
    segs = [f"S{i}" for i in range(len(seg_w))]
    chans = [f"ch{i}" for i in range(len(ch_w))]
    reps = [f"rep{i}" for i in range(len(rep_w))]
    grid = pd.MultiIndex.from_product(
        [range(12), range(len(segs)), range(len(chans)), range(len(reps))]
    ).to_frame(index=False, name=["m", "s", "c", "r"])
    rep_team = rep_team or {r: "T" for r in reps}
    return pd.DataFrame(
        {
            "period": HISTORY_YEAR.take(grid["m"]),
            "rep": np.array(reps)[grid["r"]],
            "team": [rep_team[r] for r in np.array(reps)[grid["r"]]],
            "territory": "all",
            "segment": np.array(segs)[grid["s"]],
            "channel": np.array(chans)[grid["c"]],
            "actual": np.asarray(seg_w, float)[grid["s"]]
            * np.asarray(ch_w, float)[grid["c"]]
            * np.asarray(rep_w, float)[grid["r"]]
            * season[grid["m"]],
        }
    )


def units(values, unit) -> np.ndarray:
    return np.rint(np.asarray(values, float) / unit).astype(np.int64)


LEVELS = [Level("segment"), Level("channel"), Level("rep"), Level("period", "seasonality")]
weights = st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=4)
unit_choice = st.sampled_from([0.01, 1.0, 1000.0, 0.05])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seg_w=weights, ch_w=weights, rep_w=weights, unit=unit_choice, goal_units=st.integers(0, 10**9))
def test_every_level_sums_exactly_to_its_parent_and_stays_within_a_unit_of_its_share(
    seg_w, ch_w, rep_w, unit, goal_units
):
    history = history_from(seg_w, ch_w, rep_w)
    goal = goal_units * unit
    split = split_goal(goal, LEVELS, history, PLAN_YEAR, unit=unit)
    leaf = units(split.targets["target"], unit)
    assert (leaf >= 0).all()
    assert leaf.sum() == goal_units
    # each level's subtotal is its parent's subtotal shared by last year's sales (equally when the parent
    # sold nothing), rounded: within one unit of that share
    parent_dims: list[str] = []
    for dim in ("segment", "channel", "rep"):
        keys = [*parent_dims, dim]
        sub = split.targets.assign(u=leaf).groupby(keys, observed=True)["u"].sum()
        sold = history.groupby(keys)["actual"].sum().reindex(sub.index).to_numpy()
        parent = (
            sub.groupby(parent_dims).transform("sum").to_numpy()
            if parent_dims
            else np.full(len(sub), goal_units)
        )
        parent_sold = (
            pd.Series(sold, index=sub.index).groupby(parent_dims).transform("sum").to_numpy()
            if parent_dims
            else np.full(len(sub), sold.sum())
        )
        siblings = (
            sub.groupby(parent_dims).transform("size").to_numpy()
            if parent_dims
            else np.full(len(sub), len(sub))
        )
        expected = np.where(
            parent_sold > 0, parent * sold / np.where(parent_sold > 0, parent_sold, 1), parent / siblings
        )
        assert np.all(np.abs(sub.to_numpy() - expected) < 1 + 1e-6), dim
        parent_dims.append(dim)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seg_w=st.lists(st.floats(0.1, 1000), min_size=2, max_size=5),
    locked_share=st.floats(0, 1),
    unit=unit_choice,
    goal_units=st.integers(1, 10**8),
)
def test_a_locked_segment_keeps_its_target_and_the_others_share_the_rest_in_proportion(
    seg_w, locked_share, unit, goal_units
):
    history = history_from(seg_w, [1.0, 2.0], [1.0])
    lock_units = int(goal_units * locked_share)
    split = split_goal(
        goal_units * unit,
        LEVELS,
        history,
        PLAN_YEAR,
        unit=unit,
        locks=[Lock({"segment": "S0"}, lock_units * unit)],
    )
    by_segment = split.targets.assign(u=units(split.targets["target"], unit)).groupby("segment")["u"].sum()
    assert by_segment["S0"] == lock_units
    assert by_segment.sum() == goal_units
    rest = np.asarray(seg_w[1:])
    expected = (goal_units - lock_units) * rest / rest.sum()
    got = by_segment.reindex([f"S{i}" for i in range(1, len(seg_w))]).to_numpy()
    assert np.all(np.abs(got - expected) < 1 + 1e-6)


def test_months_follow_last_years_seasonal_shape():
    season = np.arange(1, 13, dtype=float)
    history = history_from([1.0], [1.0], [1.0], season=season)
    split = split_goal(78_000, LEVELS, history, PLAN_YEAR, unit=1.0)
    monthly = split.subtotals(["period"])["target"].to_numpy()
    assert monthly.tolist() == (season * 1000).tolist()


def test_a_new_hire_gets_a_prorated_ramped_quota():
    history = history_from([1.0], [1.0], [1.0, 1.0])
    roster = pd.DataFrame(
        {
            "rep": ["rep0", "rep1", "new"],
            "team": "T",
            "territory": "all",
            "hired": ["2020-01", "2020-01", "2027-04"],
        }
    )
    levels = [Level("segment"), Level("channel"), Level("rep", "capacity"), Level("period", "equal")]
    split = split_goal(3_200_000, levels, history, PLAN_YEAR, unit=1.0, roster=roster, ramp_months=3)
    by_rep = split.subtotals(["rep"]).set_index("rep")["target"]
    # full reps carry 12 months of capacity, the April hire 1/3 + 2/3 + 7 full months = 8
    assert by_rep.to_dict() == {"new": 800_000.0, "rep0": 1_200_000.0, "rep1": 1_200_000.0}
    new_months = split.targets[split.targets["rep"] == "new"].set_index("period")["target"]
    assert new_months[: pd.Period("2027-03", "M")].sum() == 0
    assert new_months[pd.Period("2027-04", "M")] * 3 == pytest.approx(
        new_months[pd.Period("2027-06", "M")], abs=1
    )


def test_capacity_ramps_from_the_hire_month_and_stops_after_leaving():
    roster = pd.DataFrame({"rep": ["a", "b"], "hired": ["2027-04", "2020-01"], "left": ["", "2027-06"]})
    cap = capacity(roster, PLAN_YEAR, ramp_months=3)
    assert cap.loc["a"].tolist() == pytest.approx([0, 0, 0, 1 / 3, 2 / 3] + [1] * 7)
    assert cap.loc["b"].tolist() == [1] * 6 + [0] * 6


def test_manual_weights_split_channels_as_typed():
    history = history_from([1.0], [5.0, 1.0], [1.0])
    levels = [Level("channel", "manual", {"weights": {"ch0": 1, "ch1": 3}}), Level("period", "equal")]
    split = split_goal(1200, levels, history, PLAN_YEAR, unit=1.0)
    assert split.subtotals(["channel"]).set_index("channel")["target"].to_dict() == {
        "ch0": 300.0,
        "ch1": 900.0,
    }


def test_impossible_locks_name_the_cells_that_exceed_their_parent():
    history = history_from([1.0, 1.0], [1.0, 1.0], [1.0])
    locks = [Lock({"segment": "S0", "channel": "ch0"}, 400), Lock({"segment": "S0", "channel": "ch1"}, 300)]
    with pytest.raises(InputError) as err:
        split_goal(1000, LEVELS, history, PLAN_YEAR, unit=1.0, locks=locks)
    text = str(err.value)
    assert "segment=S0, channel=ch0" in text and "segment=S0, channel=ch1" in text
    assert "segment=S0" in err.value.first.expected


def test_a_lock_on_a_cell_that_does_not_exist_or_skips_a_level_is_an_error():
    history = history_from([1.0], [1.0], [1.0])
    with pytest.raises(InputError, match="Sx"):
        split_goal(1000, LEVELS, history, PLAN_YEAR, locks=[Lock({"segment": "Sx"}, 10)])
    with pytest.raises(InputError, match="rep=rep0"):
        split_goal(1000, LEVELS, history, PLAN_YEAR, locks=[Lock({"rep": "rep0"}, 10)])


def test_levels_without_a_period_or_with_a_misplaced_method_are_reported_together():
    history = history_from([1.0], [1.0], [1.0])
    with pytest.raises(InputError) as err:
        split_goal(1000, [Level("segment", "seasonality"), Level("channel", "capacity")], history, PLAN_YEAR)
    assert len(err.value.problems) == 3


def test_fairness_flags_the_rep_whose_quota_is_far_above_their_history():
    reps = [f"r{i}" for i in range(8)]
    targets = pd.DataFrame({"rep": reps, "target": [110.0, 108, 112, 111, 109, 110, 250, 0]})
    last_year = pd.DataFrame({"rep": reps, "actual": [100.0] * 7 + [0]})
    potential = pd.DataFrame({"rep": reps, "potential": [200.0] * 8})
    out = fairness(targets, last_year, potential).set_index("rep")
    assert out.loc["r6", "flag"] == "high"
    assert (out.drop(["r6", "r7"])["flag"] == "").all()
    assert np.isnan(out.loc["r7", "quota_per_last_year"])
    assert out.loc["r0", "quota_per_potential"] == pytest.approx(0.55)


def test_fairness_of_a_team_with_identical_ratios_warns_nothing_and_flags_no_one():
    # every rep's quota is the same multiple of last year (zero spread), and one has no history at all
    reps = [f"r{i}" for i in range(5)]
    targets = pd.DataFrame({"rep": reps, "target": [110.0, 220, 330, 440, 50]})
    last_year = pd.DataFrame({"rep": reps, "actual": [100.0, 200, 300, 400, 0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "invalid value encountered in multiply" fails the test
        out = fairness(targets, last_year).set_index("rep")
    assert (out["flag"] == "").all()
    assert (out.drop("r4")["z_last_year"] == 0).all() and np.isnan(out.loc["r4", "z_last_year"])


def test_robust_z_with_zero_spread_marks_outliers_infinite_without_warnings():
    values = np.array([1.0, 1.0, 1.0, 3.0, 0.5, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = robust_z(values)
    assert z[:3].tolist() == [0.0, 0.0, 0.0] and z[3] == np.inf and z[4] == -np.inf and np.isnan(z[5])


def test_plan_months_start_with_the_first_fiscal_year_after_the_data():
    history = pd.DataFrame({"period": pd.period_range("2024-11", "2026-10", freq="M")})
    assert str(plan_months(history)[0]) == "2027-01" and len(plan_months(history)) == 12
    assert str(plan_months(history, fiscal_year_start=4)[0]) == "2027-04"
    assert str(plan_months(history, fiscal_year_start=11)[0]) == "2026-11"
    assert str(plan_months(history, start="2027-07", months=6)[-1]) == "2027-12"


# -- a split engine that cannot be broken by its input ------------------------------------------------------
SPLIT_DIMENSIONS = ("segment", "channel", "rep", "period")
METHODS_BY_DIMENSION = {
    "segment": ("historical", "equal", "potential"),
    "channel": ("historical", "equal", "manual"),
    "rep": ("capacity", "historical", "equal"),
    "period": ("seasonality", "historical", "equal"),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.permutations(SPLIT_DIMENSIONS).flatmap(
        lambda dims: st.integers(1, len(dims)).map(lambda k: dims[:k] if "period" in dims[:k] else dims)
    ),
    data=st.data(),
    goal_units=st.integers(0, 10**9),
)
def test_any_level_order_gives_targets_that_add_up_or_a_clear_error(order, data, goal_units):
    levels = [
        Level(d, m, {"weights": {"ch0": 2, "ch1": 1}} if m == "manual" else {})
        for d in order
        for m in [data.draw(st.sampled_from(METHODS_BY_DIMENSION[d]))]
    ]
    history = history_from([3.0, 1.0], [2.0, 1.0], [1.0, 2.0, 0.5], season=np.arange(1, 13))
    split = split_goal(goal_units / 100, levels, history, PLAN_YEAR, unit=0.01)
    leaf = units(split.targets["target"], 0.01)
    assert (leaf >= 0).all()
    assert leaf.sum() == goal_units
    assert set(split.targets["period"]) == set(PLAN_YEAR)


def test_a_rep_level_capacity_split_works_without_a_parent_level():
    history = history_from([1.0], [1.0], [1.0, 3.0])
    split = split_goal(
        400, [Level("rep", "capacity"), Level("period", "equal")], history, PLAN_YEAR, unit=1.0
    )
    by_rep = split.subtotals(["rep"]).set_index("rep")["target"]
    assert by_rep.to_dict() == {"rep0": 100.0, "rep1": 300.0}


def test_a_split_with_only_a_period_level_follows_the_seasonal_shape():
    history = history_from([1.0, 1.0], [1.0], [1.0, 1.0], season=np.arange(1, 13))
    split = split_goal(78_000, [Level("period", "seasonality")], history, PLAN_YEAR, unit=1.0)
    assert split.targets["target"].tolist() == [1000.0 * m for m in range(1, 13)]


def test_twelve_equal_months_of_one_rep_give_equal_quarters():
    history = history_from([1.0], [1.0], [1.0])
    split = split_goal(100, [Level("rep"), Level("period", "seasonality")], history, PLAN_YEAR, unit=0.01)
    quarters = split.targets.groupby(split.targets["period"].dt.quarter)["target"].sum()
    assert quarters.round(2).tolist() == [25.0, 25.0, 25.0, 25.0]


def test_a_goal_too_large_for_its_unit_asks_for_a_larger_unit_instead_of_going_negative():
    history = history_from([1.0], [1.0], [1.0, 1.0])
    with pytest.raises(InputError, match="rounding unit of at least 100"):
        split_goal(1e17, [Level("rep"), Level("period", "equal")], history, PLAN_YEAR, unit=0.01)
    split = split_goal(1e17, [Level("rep"), Level("period", "equal")], history, PLAN_YEAR, unit=100)
    assert (split.targets["target"] >= 0).all()
    assert units(split.targets["target"], 100).sum() == 10**15


@pytest.mark.parametrize("weight", [float("inf"), float("nan"), -1.0, "lots"])
def test_a_manual_weight_that_is_not_a_finite_number_is_refused_by_name(weight):
    history = history_from([1.0], [1.0, 1.0], [1.0])
    levels = [Level("channel", "manual", {"weights": {"ch0": weight, "ch1": 1}}), Level("period", "equal")]
    with pytest.raises(InputError, match=r"params\.weights\.ch0"):
        split_goal(100, levels, history, PLAN_YEAR, unit=1.0)


def test_manual_weights_spanning_six_hundred_orders_of_magnitude_still_add_up():
    history = history_from([1.0], [1.0, 1.0, 1.0], [1.0])
    weights = {"ch0": 1e-300, "ch1": 1e300, "ch2": 1e299}
    levels = [Level("channel", "manual", {"weights": weights}), Level("period", "equal")]
    split = split_goal(1_100_000, levels, history, PLAN_YEAR, unit=1.0)
    by_channel = split.subtotals(["channel"]).set_index("channel")["target"]
    assert by_channel.to_dict() == {"ch0": 0.0, "ch1": 1_000_000.0, "ch2": 100_000.0}


@pytest.mark.parametrize("freq", ["M", "W-SUN", "Q-DEC"])
def test_the_saved_start_plans_the_same_periods_again_at_every_grain(freq):
    history = pd.DataFrame({"period": pd.period_range("2024-01-01", "2025-12-31", freq=freq)})
    for periods in (plan_months(history), plan_months(history, "2026-03", 6)):
        start = start_of(periods, history)
        assert plan_months(history, start, 6 if len(periods) < 12 else 12)[0] == periods[0]


def test_split_notices_name_an_older_goal_other_months_and_a_finished_year():
    year = pd.period_range("2026-01", periods=12, freq="M")
    fits = split_notices(100.0, year, pd.Period("2025-12", "M"), goal_target=100.0, goal_start="2026-01-01")
    assert fits == []
    older = split_notices(100.0, year, pd.Period("2025-12", "M"), goal_target=120.0, made_for=100.0)
    assert len(older) == 1 and "earlier goal of 100" in older[0] and "120" in older[0]
    other_total = split_notices(90.0, year, pd.Period("2025-12", "M"), goal_target=100.0, made_for=100.0)
    assert len(other_total) == 1 and "divides 90" in other_total[0]
    kept = split_notices(90.0, year, pd.Period("2025-12", "M"), goal_target=100.0, kept_for=100.0)
    assert kept == []
    months = split_notices(100.0, year, pd.Period("2025-12", "M"), goal_target=100.0, goal_start="2027-01-01")
    assert len(months) == 1 and "2027-01" in months[0]
    over = split_notices(100.0, year, pd.Period("2027-01", "M"), goal_target=100.0, kept_for=100.0)
    assert len(over) == 1 and "2026-12" in over[0]  # keeping a split does not hide that its year is over
    assert "2027-01" in over[0]


@pytest.mark.parametrize("freq", ["M", "W-SUN", "Q-DEC"])
def test_a_split_is_not_over_while_its_last_period_is_being_sold(freq):
    """December's sales (or the year's last week or quarter) are tracked against this split: the year is over
    only once the data reach the period after it."""
    year = pd.period_range("2026-01-01", "2026-12-27", freq=freq)
    last = year[-1]
    assert split_notices(100.0, year, last, goal_target=100.0, goal_start="2026-01-01") == []
    over = split_notices(100.0, year, last + 1, goal_target=100.0, goal_start="2026-01-01")
    assert len(over) == 1 and str(last) in over[0]


def test_data_dimensions_leave_out_what_the_cube_fills_with_all():
    cube = pd.DataFrame(
        {"period": HISTORY_YEAR[:2], "rep": ["a", "b"], "segment": ["all", "all"], "channel": ["web", "all"]}
    )
    assert data_dimensions(cube) == {"rep", "channel"}

"""The one largest-remainder rounding: whole units that add up exactly, for any weights, scale or order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.errors import InputError
from salesplan_widgets.model.rounding import MAX_UNITS, apportion, largest_remainder, round_rows

groups_and_weights = st.integers(1, 5).flatmap(
    lambda n_groups: st.tuples(
        st.lists(st.integers(0, 10**12), min_size=n_groups, max_size=n_groups),
        st.lists(st.tuples(st.integers(0, n_groups - 1), st.floats(0, 1e9)), min_size=0, max_size=40),
    )
)


def _with_every_group(totals, items):
    n_groups = len(totals)
    group = np.r_[np.arange(n_groups), [g for g, _w in items]].astype(np.int64)
    w = np.r_[np.ones(n_groups), [w for _g, w in items]]
    return np.array(totals), group, w


@settings(max_examples=60, deadline=None)
@given(groups_and_weights)
def test_whole_units_add_up_to_every_group_total_and_are_never_negative(case):
    totals, group, w = _with_every_group(*case)
    out = largest_remainder(totals, w, group)
    assert out.dtype == np.int64
    assert (out >= 0).all()
    assert np.array_equal(np.bincount(group, weights=out, minlength=len(totals)).astype(np.int64), totals)


@settings(max_examples=60, deadline=None)
@given(groups_and_weights)
def test_each_share_is_within_one_unit_of_its_exact_quota(case):
    totals, group, w = _with_every_group(*case)
    out = largest_remainder(totals, w, group)
    wsum = np.bincount(group, weights=w, minlength=len(totals))
    exact = np.where(wsum[group] > 0, totals[group] * w / np.where(wsum > 0, wsum, 1)[group], np.nan)
    defined = ~np.isnan(exact)
    assert (np.abs(out[defined] - exact[defined]) < 1 + 1e-6 * np.maximum(exact[defined], 1)).all()


@settings(max_examples=60, deadline=None)
@given(
    total=st.integers(0, 10**9),
    weights=st.lists(st.floats(1e-3, 1e3), min_size=1, max_size=12),
    power=st.integers(-900, 900),
)
def test_scaling_every_weight_changes_nothing(total, weights, power):
    w = np.array(weights)
    scale = 2.0**power  # exact in floating point: the weights keep their ratios to the last bit
    if not np.isfinite(w * scale).all() or ((w * scale) == 0).any():
        scale = 2.0 ** np.sign(power)
    assert largest_remainder(total, w).tolist() == largest_remainder(total, w * scale).tolist()


@settings(max_examples=60, deadline=None)
@given(
    total=st.integers(0, 10**6),
    weights=st.lists(st.sampled_from([0.0, 1.0, 2.0, 3.0, 7.0]), min_size=1, max_size=15),
    data=st.data(),
)
def test_reordering_items_reorders_the_result_with_ties_given_the_same_number_of_units(total, weights, data):
    w = np.array(weights)
    order = np.array(data.draw(st.permutations(range(len(w)))))
    before = largest_remainder(total, w)
    after = largest_remainder(total, w[order])
    # an item whose fraction is not tied keeps its units; items with equal fractions may swap the spare
    # units among themselves, but each class of equal fractions gets the same number of them
    quota = total * w / w.sum() if w.sum() > 0 else np.full(len(w), total / len(w))
    floor = np.floor(quota + 1e-9)
    tie = np.round(quota - floor, 6)
    for fraction in np.unique(tie):
        mine = tie == fraction
        assert (before - floor)[mine].sum() == (after - floor[order])[tie[order] == fraction].sum()
    assert np.array_equal(before[order], after) or len(np.unique(tie)) < len(tie)


def test_huge_weights_do_not_overflow():
    assert largest_remainder(1000, [1e308, 1e308, 0]).tolist() == [500, 500, 0]


def test_weights_spanning_six_hundred_orders_of_magnitude_still_add_up():
    w = 10.0 ** np.array([-300, -100, 0, 100, 299, 300])
    out = largest_remainder(10**6, w)
    assert out.sum() == 10**6
    assert out.tolist() == [0, 0, 0, 0, 90909, 909091]  # 1e300 : 1e299 is 10 : 1


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, -1.0])
def test_a_non_finite_or_negative_weight_is_a_clear_error(bad):
    with pytest.raises(InputError, match="finite weights of zero or more"):
        largest_remainder(100, [1.0, bad, 2.0])


def test_a_total_beyond_what_float_holds_exactly_asks_for_a_larger_unit():
    with pytest.raises(InputError, match="larger rounding unit"):
        largest_remainder(MAX_UNITS * 2, [1.0, 1.0])


def test_twelve_equal_months_give_equal_quarters():
    # 100.00 at 0.01 over 12 equal months: 833.33 units each, 4 spare units → one per quarter
    months = largest_remainder(10_000, np.ones(12))
    assert months.reshape(4, 3).sum(axis=1).tolist() == [2500, 2500, 2500, 2500]
    # 6 spare units → one per two months, so halves and quarters stay even too
    months = largest_remainder(12_006, np.ones(12))
    assert np.ptp(months.reshape(4, 3).sum(axis=1)) <= 1
    assert months.reshape(2, 6).sum(axis=1).tolist() == [6003, 6003]


def test_ties_are_settled_by_the_documented_even_spread_not_by_position():
    # 10 over three equal weights: 3.33 each, the spare unit goes to the middle item (Bresenham at phase ½);
    # 7 over 0.5 : 0.2 has no tie: 5, 2
    out = largest_remainder(np.array([10, 7]), np.array([1.0, 1.0, 1.0, 0.5, 0.2]), np.array([0, 0, 0, 1, 1]))
    assert out.tolist() == [3, 4, 3, 5, 2]
    # the same items interleaved (groups not laid out one after another) get the same units
    shuffled = largest_remainder(
        np.array([10, 7]), np.array([0.5, 1.0, 0.2, 1.0, 1.0]), np.array([1, 0, 1, 0, 0])
    )
    assert shuffled.tolist() == [5, 3, 2, 4, 3]


def test_a_group_without_weight_is_shared_equally_and_ineligible_items_get_nothing():
    out = largest_remainder(
        np.array([9]), np.array([0.0, 0.0, 0.0, 5.0]), eligible=np.array([1, 1, 1, 0], bool)
    )
    assert out.tolist() == [3, 3, 3, 0]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=3), min_size=1, max_size=6),
    nudge=st.lists(st.integers(-3, 3), min_size=6, max_size=6),
)
def test_signed_amounts_round_to_row_totals_even_when_the_rows_do_not_add_up(rows, nudge):
    exact = np.array(rows) * 100
    totals = np.rint(exact.sum(axis=1)).astype(np.int64) + np.array(nudge[: len(rows)])
    out = round_rows(exact, totals)
    assert out.sum(axis=1).tolist() == totals.tolist()
    slack = np.abs(totals - exact.sum(axis=1)) / 3 + 1 + 1e-6
    assert (np.abs(out - exact) <= slack[:, None]).all()


def test_float_noise_is_not_a_fraction_of_a_unit():
    assert apportion(np.array([2.9999999999, 1.0000000001]), 4).tolist() == [3, 1]

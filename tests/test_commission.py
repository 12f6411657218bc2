"""The commission engine against hand-computed answers, one rule at a time, plus a monotonicity property."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.commission import credit_sales, payout
from salesplan_widgets.schema.incentives import IncentivesSection

QUOTA = 100_000.0
BANDS = [
    {"at_least": 0, "below": 1.0, "rate": 0.05},
    {"at_least": 1.0, "below": 1.5, "rate": 0.08},
    {"at_least": 1.5, "rate": 0.10},
]


def plan(mode: str = "marginal", **commission) -> IncentivesSection:
    return IncentivesSection.model_validate(
        {"commission": {"tiers": {"mode": mode, "bands": BANDS}, **commission}}
    )


def pay(section: IncentivesSection, sales: float, quota: float = QUOTA) -> float:
    return float(payout(section, np.array([sales]), np.array([quota]))[0])


def test_marginal_tiers_pay_each_band_at_its_rate():
    # 100k at 5% + 30k at 8%
    assert pay(plan("marginal"), 130_000) == pytest.approx(5_000 + 2_400)


def test_retroactive_tiers_pay_the_highest_band_reached_on_all_sales():
    # the same 130k, all at the 8% of the band reached
    assert pay(plan("retroactive"), 130_000) == pytest.approx(10_400)


def test_a_value_on_a_band_edge_belongs_to_the_band_above():
    assert pay(plan("retroactive"), 100_000) == pytest.approx(8_000)
    assert pay(plan("retroactive"), 99_999) == pytest.approx(99_999 * 0.05)


def test_nothing_is_paid_below_the_threshold_and_everything_from_it():
    section = plan(threshold=0.5)
    assert pay(section, 49_999) == 0
    assert pay(section, 50_000) == pytest.approx(2_500)


def test_attainment_cap_stops_paying_above_it():
    # capped at 120%: 100k at 5% + 20k at 8%; the 30k above earns nothing
    assert pay(plan(caps={"attainment": 1.2}), 150_000) == pytest.approx(6_600)


def test_payout_cap_limits_a_periods_earnings():
    assert pay(plan(caps={"payout": 5_000}), 130_000) == pytest.approx(5_000)
    assert pay(plan(caps={"payout": 5_000}), 60_000) == pytest.approx(3_000)


def test_rate_cap_limits_the_effective_rate():
    # retroactive 10,400 on 130k is 8%; a 6% cap pays 7,800. Marginal 7,400 (5.7%) is under it.
    assert pay(plan("retroactive", caps={"rate": 0.06}), 130_000) == pytest.approx(7_800)
    assert pay(plan("marginal", caps={"rate": 0.06}), 130_000) == pytest.approx(7_400)


def test_accelerator_multiplies_commission_on_sales_above_its_edge():
    # 120k..130k earns 8% = 800; ×2 adds another 800
    assert pay(plan(accelerators=[{"at_least": 1.2, "multiplier": 2}]), 130_000) == pytest.approx(8_200)


def test_decelerator_reduces_commission_below_its_edge():
    section = plan(accelerators=[{"at_least": 0, "below": 0.5, "multiplier": 0.5}])
    assert pay(section, 40_000) == pytest.approx(40_000 * 0.05 * 0.5)
    # above 50% the rest is paid in full: 50k at 2.5% + 10k at 5%
    assert pay(section, 60_000) == pytest.approx(1_250 + 500)


def test_amount_based_bands_use_money_edges():
    section = IncentivesSection.model_validate(
        {
            "commission": {
                "tiers": {
                    "basis": "amount",
                    "bands": [
                        {"at_least": 0, "below": 50_000, "rate": 0.02},
                        {"at_least": 50_000, "rate": 0.04},
                    ],
                }
            }
        }
    )
    assert pay(section, 80_000, quota=1.0) == pytest.approx(1_000 + 1_200)


def test_target_incentive_curve_pays_share_of_the_target():
    section = IncentivesSection.model_validate(
        {
            "target_incentive": {
                "amount": 10_000,
                "curve": [
                    {"attainment": 0.5, "payout": 0},
                    {"attainment": 1.0, "payout": 1.0},
                    {"attainment": 1.5, "payout": 2.0},
                ],
            }
        }
    )
    assert pay(section, 40_000) == 0
    assert pay(section, 75_000) == pytest.approx(5_000)
    assert pay(section, 120_000) == pytest.approx(14_000)
    assert pay(section, 200_000) == pytest.approx(30_000)  # the last slope (2×) continues


def test_base_rate_without_bands():
    section = IncentivesSection.model_validate({"commission": {"base_rate": 0.03}})
    assert pay(section, 70_000) == pytest.approx(2_100)


def test_rep_without_quota_is_paid_in_the_first_band_only():
    assert pay(plan("marginal"), 500_000, quota=0.0) == pytest.approx(25_000)


def test_split_credit_shares_a_reps_sales():
    cube = pd.DataFrame(
        {
            "period": pd.PeriodIndex(["2026-10"] * 3, freq="M"),
            "rep": ["Wang", "Wang", "Li"],
            "team": "East",
            "segment": ["A", "B", "A"],
            "channel": "online",
            "actual": [1_000.0, 500.0, 200.0],
        }
    )
    section = IncentivesSection.model_validate(
        {"crediting": [{"rep": "Wang", "segment": "A", "shares": {"Wang": 0.6, "Li": 0.4}}]}
    )
    credited = credit_sales(cube, section).groupby("rep")["actual"].sum()
    assert credited["Wang"] == pytest.approx(600 + 500)
    assert credited["Li"] == pytest.approx(400 + 200)
    assert credited.sum() == pytest.approx(cube["actual"].sum())


rates = st.floats(0, 0.3, allow_nan=False)


@st.composite
def valid_plans(draw):
    """Marginal or retroactive plans whose rates never fall, with accelerators ≥ 1, caps and threshold."""
    n = draw(st.integers(1, 5))
    edges = sorted(draw(st.lists(st.floats(0.05, 3), min_size=n - 1, max_size=n - 1, unique=True)))
    band_rates = sorted(draw(st.lists(rates, min_size=n, max_size=n)))
    bounds = [0.0, *edges]
    bands = [
        {"at_least": bounds[i], **({"below": bounds[i + 1]} if i + 1 < n else {}), "rate": band_rates[i]}
        for i in range(n)
    ]
    commission = {"tiers": {"mode": draw(st.sampled_from(["marginal", "retroactive"])), "bands": bands}}
    if draw(st.booleans()):
        commission["accelerators"] = [
            {"at_least": draw(st.floats(0.5, 2)), "multiplier": draw(st.floats(1, 3))}
        ]
    commission["threshold"] = draw(st.sampled_from([0.0, 0.3, 0.5]))
    if draw(st.booleans()):
        commission["caps"] = {"attainment": draw(st.floats(0.6, 4)), "payout": draw(st.floats(100, 1e5))}
    return IncentivesSection.model_validate({"commission": commission})


@settings(max_examples=80, deadline=None)
@given(section=valid_plans(), quota=st.floats(1_000, 1e6))
def test_payout_never_falls_when_sales_rise(section, quota):
    sales = np.linspace(-0.2, 5, 400) * quota
    earned = payout(section, sales, np.full_like(sales, quota))
    assert np.all(np.diff(earned) >= -1e-6 * max(1.0, abs(earned).max()))


def test_registry_extras_read_as_attributes_of_the_plan_and_its_earnings_and_survive_a_copy():
    # the kicker is a registry component without a field of its own: its arrays live in `extra`
    import copy
    import pickle

    from salesplan_widgets.model.commission import compile_plan, earn

    section = IncentivesSection.model_validate(
        {"commission": {"base_rate": 0.05}, "deal_kicker": {"at_least": 10_000, "rate": 0.02}}
    )
    compiled = compile_plan(section)
    earned = earn(compiled, np.array([50_000.0]), np.array([QUOTA]))
    for thing, name in ((compiled, "kicker_rate"), (earned, "kicker_amount")):
        assert name in thing.extra and getattr(thing, name) is thing.extra[name]
        with pytest.raises(AttributeError):
            thing.no_such_rule  # noqa: B018
        for copied in (copy.deepcopy(thing), pickle.loads(pickle.dumps(thing))):
            np.testing.assert_array_equal(getattr(copied, name), thing.extra[name])
    assert compiled.kicker_rate.tolist() == [0.02]

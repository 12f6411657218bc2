"""Payout statements: true-up, carry-forward vs clawback, relief, milestones, SPIFs, and cents that add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.estimator import estimate_earnings, plan_cost
from salesplan_widgets.model.rounding import round_rows
from salesplan_widgets.model.statements import payout_statements, provisional_quotas
from salesplan_widgets.schema.incentives import IncentivesSection

TWO_BANDS = [{"at_least": 0, "below": 1.0, "rate": 0.05}, {"at_least": 1.0, "rate": 0.10}]


def section(**settings_) -> IncentivesSection:
    settings_.setdefault("commission", {"tiers": {"bands": TWO_BANDS}})
    return IncentivesSection.model_validate(settings_)


def cube_of(rows: list[tuple[str, str, float]], segment: str = "A", channel: str = "online") -> pd.DataFrame:
    """(month, rep, actual) rows as a cube."""
    months, reps, actual = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "period": pd.PeriodIndex(months, freq="M"),
            "rep": reps,
            "team": "East",
            "segment": segment,
            "channel": channel,
            "actual": np.array(actual, dtype=float),
        }
    )


def quotas_of(reps: list[str], monthly: float = 100.0, year: int = 2026) -> pd.DataFrame:
    months = pd.period_range(f"{year}-01", periods=12, freq="M")
    return pd.DataFrame(
        {"period": months.repeat(len(reps)), "rep": reps * 12, "team": "East", "target": monthly}
    )


SALES = cube_of([("2026-01", "Li", 150), ("2026-02", "Li", 50), ("2026-03", "Li", 130)])


def payouts(plan: IncentivesSection, cube=SALES, quotas=None, period="2026-03", **kw) -> pd.Series:
    result = payout_statements(
        plan, cube, quotas if quotas is not None else quotas_of(["Li"]), period, all_periods=True, **kw
    )
    return result.reps.set_index(["period", "rep"])["payout"]


def test_period_by_period_plan_pays_each_month_on_its_own():
    paid = payouts(section())
    # Jan 100@5% + 50@10%; Feb 50@5%; Mar 100@5% + 30@10%
    assert paid.tolist() == pytest.approx([10.0, 2.5, 8.0])


def test_cumulative_true_up_deducts_what_was_already_paid():
    paid = payouts(section(cumulative=True))
    # YTD: Jan 10; Feb 200 of 200 -> 10, minus 10 paid -> 0; Mar 330 of 300 -> 18, minus 10 -> 8
    assert paid.tolist() == pytest.approx([10.0, 0.0, 8.0])
    lines = payout_statements(section(cumulative=True), SALES, quotas_of(["Li"]), "2026-03").statement("Li")
    true_up = lines[lines["component"] == "true_up"]
    assert true_up["amount"].tolist() == [-10.0]


def test_true_up_uses_a_recorded_prior_payment():
    result = payout_statements(
        section(cumulative=True), SALES, quotas_of(["Li"]), "2026-03", paid_to_date=pd.Series({"Li": 12.0})
    )
    assert result.reps["payout"].tolist() == [6.0]  # 18 earned year to date - 12 paid


FALLING = cube_of([("2026-01", "Li", 150), ("2026-02", "Li", 0), ("2026-03", "Li", 100)])


def test_negative_true_up_is_carried_forward_without_clawback():
    paid = payouts(section(cumulative=True, negative="carry_forward"), cube=FALLING)
    # YTD earned: 10, then 7.5 (150 of 200), then 12.5 (250 of 300)
    assert paid.tolist() == pytest.approx([10.0, 0.0, 2.5])
    feb = payout_statements(section(cumulative=True), FALLING, quotas_of(["Li"]), "2026-02").statement("Li")
    assert feb.loc[feb["component"] == "carry_forward", "amount"].tolist() == [2.5]


def test_negative_true_up_is_clawed_back_when_the_plan_says_so():
    paid = payouts(section(cumulative=True, negative="clawback"), cube=FALLING)
    assert paid.tolist() == pytest.approx([10.0, -2.5, 5.0])
    assert paid.sum() == pytest.approx(12.5)


def test_returns_month_is_carried_against_later_months_period_by_period():
    cube = cube_of([("2026-01", "Li", 100), ("2026-02", "Li", -60), ("2026-03", "Li", 100)])
    carried = payouts(section(), cube=cube)
    assert carried.tolist() == pytest.approx([5.0, 0.0, 2.0])  # Feb -3 carried into Mar's 5
    clawed = payouts(section(negative="clawback"), cube=cube)
    assert clawed.tolist() == pytest.approx([5.0, -3.0, 5.0])


def test_split_credit_pays_each_rep_on_their_share():
    cube = cube_of([("2026-01", "Wang", 1_000)])
    plan = section(
        commission={"base_rate": 0.1}, crediting=[{"rep": "Wang", "shares": {"Wang": 0.6, "Li": 0.4}}]
    )
    result = payout_statements(plan, cube, quotas_of(["Wang", "Li"], 1_000), "2026-01")
    assert result.reps.set_index("rep")["payout"].to_dict() == {"Li": 40.0, "Wang": 60.0}


def test_quota_relief_prorates_quota_by_days_on_the_team():
    cube = cube_of([("2026-10", "Zhao", 2_200)])
    plan = section(relief=[{"rep": "Zhao", "joined": "2026-10-12", "reason": "new hire"}])
    result = payout_statements(plan, cube, quotas_of(["Zhao"], 3_100), "2026-10")
    rep = result.reps.iloc[0]
    assert rep["quota"] == pytest.approx(2_000)  # 20 of October's 31 days
    assert rep["payout"] == pytest.approx(2_000 * 0.05 + 200 * 0.10)
    relief = result.statement("Zhao").query("component == 'relief'")
    assert relief["base"].tolist() == [3_100] and relief["rate"].tolist() == pytest.approx([20 / 31])


def test_milestone_bonus_is_paid_when_met_and_shown_unpaid_when_missed():
    cube = cube_of([("2026-03", "Li", 330), ("2026-03", "Chen", 250)])
    plan = section(
        commission={"base_rate": 0.0},
        milestones=[{"name": "Q1", "by": "2026-03", "share": 0.25, "bonus": 500}],
    )
    result = payout_statements(plan, cube, quotas_of(["Li", "Chen"]), "2026-03")
    lines = result.lines[result.lines["component"] == "milestone"].set_index("rep")
    assert lines.loc["Li", "amount"] == 500 and lines.loc["Chen", "amount"] == 0
    assert lines.loc["Chen", "reference"] == pytest.approx(300)  # 25% of 1,200, needed by March
    earlier = payout_statements(plan, cube, quotas_of(["Li", "Chen"]), "2026-02")
    assert (earlier.lines["component"] == "milestone").sum() == 0  # not due yet


def test_spif_pays_its_rate_only_inside_its_window_and_slice():
    cube = pd.concat(
        [cube_of([("2026-08", "Li", 1_000), ("2026-09", "Li", 1_000)], segment="A"),
         cube_of([("2026-09", "Li", 500)], segment="B")]
    )  # fmt: skip
    plan = section(
        commission={"base_rate": 0.0},
        spifs=[{"name": "Push A", "segment": "A", "rate": 0.02, "start": "2026-09", "end": "2026-10"}],
    )
    assert payout_statements(plan, cube, quotas_of(["Li"]), "2026-09").total == pytest.approx(20)
    assert payout_statements(plan, cube, quotas_of(["Li"]), "2026-08").total == 0


def test_segment_override_pays_its_own_rate():
    cube = pd.concat(
        [cube_of([("2026-01", "Li", 1_000)], segment="A"), cube_of([("2026-01", "Li", 1_000)], segment="B")]
    )
    plan = section(commission={"base_rate": 0.05, "overrides": [{"segment": "A", "rate": 0.08}]})
    result = payout_statements(plan, cube, quotas_of(["Li"], 10_000), "2026-01")
    assert result.total == pytest.approx(1_000 * 0.08 + 1_000 * 0.05)
    assert result.lines["component"].astype(str).tolist() == ["band", "override"]


def test_quarterly_measurement_pays_on_the_quarter():
    cube = cube_of([("2026-01", "Li", 150), ("2026-02", "Li", 50), ("2026-03", "Li", 130)])
    result = payout_statements(section(measurement="quarterly"), cube, quotas_of(["Li"]), "2026-03")
    assert result.total == pytest.approx(300 * 0.05 + 30 * 0.10)


def test_round_rows_keeps_group_totals():
    exact = np.array([[33.333, 33.333, 33.334], [10.5, 10.5, 0.0]])
    out = round_rows(exact, np.array([100, 21]))
    assert out.tolist() == [[33, 33, 34], [11, 10, 0]]


@settings(max_examples=60, deadline=None)
@given(
    sales=st.lists(st.floats(-5_000, 300_000, allow_nan=False), min_size=1, max_size=30),
    currency=st.sampled_from(["CNY", "JPY", "KWD"]),
    cumulative=st.booleans(),
)
def test_statements_reconcile_to_the_minor_unit(sales, currency, cumulative):
    reps = [f"r{i}" for i in range(len(sales))]
    cube = cube_of([("2026-05", rep, value) for rep, value in zip(reps, sales, strict=True)])
    plan = section(
        cumulative=cumulative,
        commission={
            "tiers": {
                "bands": [{"at_least": 0, "below": 0.7, "rate": 0.0317}, {"at_least": 0.7, "rate": 0.0713}]
            },
            "accelerators": [{"at_least": 1.1, "multiplier": 1.37}],
            "caps": {"payout": 9_999.99},
        },
        milestones=[{"name": "M", "by": "2026-05", "share": 0.3, "bonus": 333.333}],
    )
    result = payout_statements(plan, cube, quotas_of(reps, 31_337.7), "2026-05", currency=currency)
    scale = {"CNY": 100, "JPY": 1, "KWD": 1000}[currency]
    cents = (result.lines["amount"] * scale).round().astype(np.int64)
    assert np.allclose(result.lines["amount"] * scale, cents)  # every line is in whole minor units
    by_rep = cents.groupby(result.lines["rep"]).sum().reindex(reps, fill_value=0)
    rep_cents = (result.reps.set_index("rep")["payout"] * scale).round().astype(np.int64).reindex(reps)
    assert (by_rep == rep_cents).all()
    owed = result.reps.set_index("rep")["owed"].reindex(reps).to_numpy() * scale
    assert rep_cents.sum() == round(owed.sum())
    assert (abs(rep_cents.to_numpy() - owed) < 1 + 1e-6).all()


def test_estimate_pays_a_deal_crossing_a_band_edge_at_both_rates():
    cube = cube_of([("2026-01", "Li", 80)])
    estimate = estimate_earnings(section(), cube, quotas_of(["Li"]), "2026-01", "Li", extra=40)
    assert estimate.payout_now == pytest.approx(4.0)
    assert estimate.increment == pytest.approx(20 * 0.05 + 20 * 0.10)
    assert estimate.lines["increment"].sum() == pytest.approx(estimate.increment)


def test_plan_cost_includes_non_cash_rewards():
    cube = cube_of([("2026-01", "Li", 150), ("2026-01", "Chen", 50)])
    plan = section(rewards=[{"name": "Academy", "kind": "training", "cost": 300, "at_least": 1.2}])
    result = payout_statements(plan, cube, quotas_of(["Li", "Chen"]), "2026-01")
    cost = plan_cost(result)
    assert result.rewards["rep"].tolist() == ["Li"]
    assert cost.payout == pytest.approx(10 + 2.5)
    assert cost.total_cost == pytest.approx(12.5 + 300)
    assert cost.cost_of_sales == pytest.approx(12.5 / 200)


def test_provisional_quotas_grow_last_year_and_cover_new_reps():
    cube = cube_of([("2025-03", "Li", 100), ("2025-03", "Chen", 300), ("2026-02", "Wu", 50)])
    q = provisional_quotas(cube, growth=0.1).set_index(["period", "rep"])["target"]
    assert q[(pd.Period("2026-03", "M"), "Li")] == pytest.approx(110)
    assert q[(pd.Period("2026-03", "M"), "Wu")] == pytest.approx(220)  # the team's median


@settings(max_examples=30, deadline=None)
@given(monthly=st.lists(st.floats(-2_000, 50_000, allow_nan=False), min_size=12, max_size=12))
def test_a_years_payments_add_up_to_the_cent_of_what_was_earned(monthly):
    cube = cube_of([(f"2026-{m:02d}", "Li", v) for m, v in enumerate(monthly, start=1)])
    plan = section(
        cumulative=True,
        negative="clawback",
        commission={
            "tiers": {"bands": [{"at_least": 0, "below": 1, "rate": 0.0333}, {"at_least": 1, "rate": 0.0777}]}
        },
    )
    result = payout_statements(plan, cube, quotas_of(["Li"], 12_345.67), "2026-12", all_periods=True)
    paid_cents = (result.reps["payout"] * 100).round().astype(np.int64).sum()
    assert paid_cents == round(result.reps["earned"].iloc[-1] * 100)


def test_milestone_without_share_uses_the_reps_cumulative_target():
    # Seasonal quota: Jan 100, Feb 300, Mar 200 -> the split's checkpoint by March is 600.
    quotas = quotas_of(["Li", "Chen"])
    month = quotas["period"].dt.month
    quotas["target"] = np.select([month == 2, month == 3], [300.0, 200.0], 100.0)
    cube = cube_of([("2026-03", "Li", 600), ("2026-03", "Chen", 599)])
    plan = section(
        commission={"base_rate": 0.0},
        milestones=[{"name": "Q1", "by": "2026-03", "bonus": 100, "rate": 0.01}],
    )
    lines = payout_statements(plan, cube, quotas, "2026-03").lines.query("component == 'milestone'")
    lines = lines.set_index("rep")
    assert lines.loc["Li", "amount"] == pytest.approx(100 + 6)  # met: bonus + 1% of 600
    assert lines.loc["Chen", "amount"] == 0
    assert lines.loc["Chen", "reference"] == pytest.approx(600)

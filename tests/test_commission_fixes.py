"""Fixes from "close the books": overrides with tier bands, relief by time, exact money, no phantom lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.commission import compile_plan, earn
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.payouts import statement_table


def plan_of(**settings_) -> IncentivesSection:
    return IncentivesSection.model_validate(settings_)


def cube_of(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """(month, rep, segment, actual) rows as a cube."""
    months, reps, segments, actual = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "period": pd.PeriodIndex(months, freq="M"),
            "rep": reps,
            "team": "East",
            "segment": segments,
            "channel": "online",
            "actual": np.array(actual, dtype=float),
        }
    )


def quotas_of(reps: list[str], monthly: float = 100.0, year: int = 2026) -> pd.DataFrame:
    months = pd.period_range(f"{year}-01", periods=12, freq="M")
    return pd.DataFrame(
        {"period": months.repeat(len(reps)), "rep": reps * 12, "team": "East", "target": monthly}
    )


# The example: band 10%, base 5%, segment A at 8%.
OVERRIDE_WITH_BAND = plan_of(
    commission={
        "base_rate": 0.05,
        "tiers": {"bands": [{"at_least": 0, "rate": 0.10}]},
        "overrides": [{"segment": "A", "rate": 0.08}],
    }
)


def test_override_with_a_tier_band_pays_the_override_rate_instead_of_the_band_rate():
    cube = cube_of([("2026-01", "Li", "A", 600), ("2026-01", "Li", "B", 400)])
    result = payout_statements(OVERRIDE_WITH_BAND, cube, quotas_of(["Li"], 10_000), "2026-01")
    # A: 600 × 8% = 48 (not 10% + 3% = 13%); B: 400 × 10% = 40
    assert result.total == pytest.approx(88.0)
    lines = result.statement("Li").set_index(result.statement("Li")["component"].astype(str))
    assert lines.loc["band", "base"] == pytest.approx(400) and lines.loc["band", "amount"] == 40.0
    assert lines.loc["override", "base"] == pytest.approx(600) and lines.loc["override", "amount"] == 48.0
    assert lines.loc["override", "rate"] == pytest.approx(0.08)
    # the statement says what is paid: 8% on these sales, instead of the band rates
    assert (
        "8%" in lines.loc["override", "rule"] and "instead of the band rates" in lines.loc["override", "rule"]
    )


def test_override_sales_still_count_towards_attainment_and_accelerators():
    plan = plan_of(
        commission={
            "tiers": {
                "bands": [{"at_least": 0, "below": 1.0, "rate": 0.05}, {"at_least": 1.0, "rate": 0.10}]
            },
            "overrides": [{"segment": "A", "rate": 0.08}],
            "accelerators": [{"at_least": 1.0, "multiplier": 1.5}],
        }
    )
    compiled = compile_plan(plan)
    # all 1,500 in segment A against a quota of 1,000: 1,500 × 8% = 120, plus ×1.5 on the 500 above quota
    e = earn(compiled, np.array([1_500.0]), np.array([1_000.0]), override_sales=np.array([[1_500.0]]))
    assert e.band_amount.sum() == pytest.approx(0.0)
    assert e.override_amount.sum() == pytest.approx(120.0)
    assert e.accel_amount.sum() == pytest.approx(500 * 0.08 * 0.5)
    assert e.total[0] == pytest.approx(140.0)


def test_override_slice_with_negative_net_sales_goes_through_the_bands_once():
    e = earn(compile_plan(OVERRIDE_WITH_BAND), np.array([-200.0]), np.array([1_000.0]),
             override_sales=np.array([[-200.0]]))  # fmt: skip
    assert e.total[0] == pytest.approx(-20.0)  # a return clawed back once, at the band rate


@given(
    a=st.floats(0, 50_000, allow_nan=False),
    b=st.floats(0, 50_000, allow_nan=False),
    extra=st.floats(0, 10_000, allow_nan=False),
)
@settings(max_examples=60, deadline=None)
def test_payout_with_an_override_never_falls_when_sales_rise(a, b, extra):
    plan = compile_plan(
        plan_of(
            commission={
                "tiers": {
                    "bands": [{"at_least": 0, "below": 1.0, "rate": 0.05}, {"at_least": 1.0, "rate": 0.10}]
                },
                "overrides": [{"segment": "A", "rate": 0.08}],
            }
        )
    )
    before = earn(plan, np.array([a + b]), np.array([20_000.0]), override_sales=np.array([[a]])).total[0]
    more_a = earn(plan, np.array([a + b + extra]), np.array([20_000.0]),
                  override_sales=np.array([[a + extra]])).total[0]  # fmt: skip
    more_b = earn(
        plan, np.array([a + b + extra]), np.array([20_000.0]), override_sales=np.array([[a]])
    ).total[0]
    assert more_a >= before - 1e-9 and more_b >= before - 1e-9


def _quota_by_month(plan: IncentivesSection, rep: str = "Zhao") -> list[float]:
    cube = cube_of([("2026-01", rep, "A", 10.0)])
    result = payout_statements(plan, cube, quotas_of([rep], 3_100), "2026-12", all_periods=True)
    return result.reps["quota"].tolist()


def test_leave_and_return_as_two_relief_entries_prorates_only_the_time_away():
    plan = plan_of(
        relief=[
            {"rep": "Zhao", "left": "2026-03-15", "reason": "leave"},
            {"rep": "Zhao", "joined": "2026-06-01", "reason": "back from leave"},
        ]
    )
    quota = _quota_by_month(plan)
    assert quota[:2] == [3_100, 3_100]
    assert quota[2] == pytest.approx(3_100 * 15 / 31)  # on the team 1–15 March
    assert quota[3:5] == [0, 0]  # away April and May
    assert quota[5:] == [3_100] * 7  # back from June


def test_join_and_leave_as_two_entries_keep_only_the_months_between():
    plan = plan_of(
        relief=[
            {"rep": "Zhao", "joined": "2026-02-01", "reason": "new hire"},
            {"rep": "Zhao", "left": "2026-11-30", "reason": "resigned"},
        ]
    )
    quota = _quota_by_month(plan)
    assert quota[0] == 0 and quota[11] == 0
    assert quota[1:11] == [3_100] * 10


@given(
    cents=st.lists(st.integers(1, 10_000_000), min_size=12, max_size=36),
    rate=st.sampled_from([0.0333, 0.0175, 0.07, 1 / 30]),
)
@settings(max_examples=40, deadline=None)
def test_a_monthly_plan_with_positive_sales_shows_no_carried_balance_lines(cents, rate):
    reps = ["Li", "Wang", "Chen"]
    rows = [(f"2026-{m + 1:02d}", reps[i % 3], "A", c / 100) for i, c in enumerate(cents) for m in [i % 12]]
    plan = plan_of(commission={"base_rate": rate})
    result = payout_statements(plan, cube_of(rows), quotas_of(reps, 1_000), "2026-12", all_periods=True)
    components = set(result.lines["component"].astype(str))
    assert "true_up" not in components and "carry_forward" not in components
    # every rep's year adds up to the cent of what each month earned, rounded once per month
    assert result.reps["payout"].sum() == pytest.approx(result.lines["amount"].sum(), abs=1e-6)


def test_exported_money_has_no_float_noise():
    cube = cube_of(
        [("2026-01", "Li", "A", 0.1), ("2026-01", "Li", "A", 0.2), ("2026-01", "Li", "B", 36_546_546.98)]
    )
    plan = plan_of(commission={"base_rate": 0.05})
    result = payout_statements(plan, cube, quotas_of(["Li"], 1e9), "2026-01")
    csv = statement_table(result).to_csv(index=False)
    assert "36546547.28" in csv  # 0.1 + 0.2 + 36,546,546.98, to the cent
    bases = statement_table(result)["base"].map(repr)
    assert all(len(b.split(".")[-1]) <= 2 for b in bases), bases.tolist()

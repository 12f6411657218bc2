"""Several plans by role: reps assigned with effective dates (a mid-month promotion prorated by days), plan
versions with an effective month, and each period paid under the version in force for it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.role_plans import plan_shares
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.plan import parse_plan


def cube_of(monthly: dict[str, list[float]], year: int = 2026) -> pd.DataFrame:
    """rep -> twelve months of sales, as a cube."""
    months = pd.period_range(f"{year}-01", periods=12, freq="M")
    return pd.concat(
        [
            pd.DataFrame({"period": months, "rep": rep, "team": "East", "segment": "A", "channel": "online",
                          "actual": np.array(values, dtype=float)})
            for rep, values in monthly.items()
        ],
        ignore_index=True,
    )  # fmt: skip


def quotas_of(reps: list[str], monthly: float = 1_000.0, year: int = 2026) -> pd.DataFrame:
    months = pd.period_range(f"{year}-01", periods=12, freq="M")
    return pd.DataFrame(
        {"period": months.repeat(len(reps)), "rep": reps * 12, "team": "East", "target": monthly}
    )


def roles(cumulative: bool = False, **extra) -> IncentivesSection:
    """Everyone on 5%; key-account managers on 8%, raised to 10% from July."""
    return IncentivesSection.model_validate(
        {
            "cumulative": cumulative,
            "commission": {"base_rate": 0.05},
            "plans": [
                {
                    "id": "kam",
                    "name": "Key-account manager",
                    "versions": [
                        {"effective": "2026-01", "cumulative": cumulative, "commission": {"base_rate": 0.08}},
                        {"effective": "2026-07", "cumulative": cumulative, "commission": {"base_rate": 0.10},
                         "reason": "new rate for H2"},
                    ],
                }
            ],
            "assignments": [{"rep": "Wang", "plan": "kam"}, {"rep": "Li", "plan": "kam", "start": "2026-07-16"}],
        }
        | extra
    )  # fmt: skip


FLAT = {"Wang": [1_000.0] * 12, "Li": [1_000.0] * 12, "Chen": [1_000.0] * 12}
REPS = ["Wang", "Li", "Chen"]


def paid(plan: IncentivesSection, sales=FLAT, period: str = "2026-12") -> pd.DataFrame:
    result = payout_statements(plan, cube_of(sales), quotas_of(REPS), period, all_periods=True)
    return result.reps.assign(rep=result.reps["rep"].astype(str))


def test_each_period_is_paid_under_the_version_in_force_for_it():
    reps = paid(roles())
    wang = reps[reps["rep"] == "Wang"].set_index("period")["payout"]
    assert wang.tolist() == [80.0] * 6 + [100.0] * 6  # 8% to June, 10% from July
    assert set(reps.loc[reps["rep"] == "Wang", "plan"]) == {"Key-account manager"}
    assert reps.loc[reps["rep"] == "Wang", "version"].tolist() == ["2026-01"] * 6 + ["2026-07"] * 6
    chen = reps[reps["rep"] == "Chen"]
    assert chen["payout"].tolist() == [50.0] * 12 and set(chen["plan"]) == {""}


def test_a_mid_month_promotion_is_prorated_by_days():
    july = payout_statements(roles(), cube_of(FLAT), quotas_of(REPS), "2026-07")
    li = july.reps[july.reps["rep"] == "Li"].set_index("plan")
    # 1–15 July (15 of 31 days) on the plan for everyone at 5%; 16–31 July on the KAM plan at 10%
    assert li.loc["", "payout"] == pytest.approx(round(1_000 * 15 / 31 * 0.05, 2))
    assert li.loc["Key-account manager", "payout"] == pytest.approx(round(1_000 * 16 / 31 * 0.10, 2))
    assert li.loc["", "quota"] == pytest.approx(1_000 * 15 / 31)
    lines = july.statement("Li")
    assert set(lines["plan"]) == {"", "Key-account manager"}
    assert lines["amount"].sum() == pytest.approx(li["payout"].sum())


def test_a_years_true_up_deducts_what_earlier_versions_paid():
    reps = paid(roles(cumulative=True))
    wang = reps[reps["rep"] == "Wang"].set_index("period")["payout"]
    assert wang.iloc[:6].tolist() == [80.0] * 6  # 8% year to date, each month's share
    # July under the new version: 7,000 × 10% = 700 year to date, minus the 480 actually paid
    assert wang.iloc[6] == pytest.approx(220.0)
    assert wang.iloc[7] == pytest.approx(100.0)


def test_a_negative_balance_is_carried_across_a_version_change_as_it_was_earned():
    sales = FLAT | {"Wang": [1_000.0] * 5 + [-500.0] + [1_000.0] * 6}
    reps = paid(roles(), sales)
    wang = reps[reps["rep"] == "Wang"].set_index("period")["payout"]
    # June: -500 × 8% = -40 carried (not -50 as the July version would say); July: 100 - 40
    assert wang.iloc[5] == 0.0 and wang.iloc[6] == pytest.approx(60.0)
    july = payout_statements(roles(), cube_of(sales), quotas_of(REPS), "2026-07").statement("Wang")
    assert july.loc[july["component"] == "true_up", "amount"].tolist() == [-40.0]


def test_without_role_plans_the_section_pays_as_before():
    plain = IncentivesSection.model_validate({"commission": {"base_rate": 0.05}})
    result = payout_statements(plain, cube_of(FLAT), quotas_of(REPS), "2026-03")
    assert "plan" not in result.reps.columns and result.reps["payout"].tolist() == [50.0] * 3


@given(
    day=st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    leave=st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
)
@settings(max_examples=40, deadline=None)
def test_plan_shares_of_a_month_add_up_to_one(day, leave):
    end = None if leave is None or leave < day else leave
    section = roles(assignments=[{"rep": "Li", "plan": "kam", "start": day.isoformat(),
                                  "end": None if end is None else end.isoformat()}])  # fmt: skip
    months = pd.period_range("2026-01", periods=12, freq="M")
    shares = plan_shares(section, ["Li", "Chen"], months)
    totals = shares.groupby(["period", "rep"])["share"].sum()
    assert len(totals) == 24 and np.allclose(totals, 1.0)
    on_kam = shares[shares["plan"] == "kam"]
    days_on = (on_kam["share"] * on_kam["period"].map(lambda p: p.days_in_month)).sum()
    last = end or dt.date(2026, 12, 31)
    assert days_on == pytest.approx((last - day).days + 1)


@given(day=st.dates(dt.date(2026, 1, 2), dt.date(2026, 12, 31)))
@settings(max_examples=15, deadline=None)
def test_a_promotion_between_plans_with_equal_rates_pays_what_one_plan_would(day):
    same = IncentivesSection.model_validate(
        {
            "commission": {"base_rate": 0.05},
            "plans": [{"id": "ae", "name": "AE", "versions": [{"effective": "2026-01", "commission": {"base_rate": 0.05}}]}],
            "assignments": [{"rep": "Li", "plan": "ae", "start": day.isoformat()}],
        }
    )  # fmt: skip
    reps = paid(same, {"Li": [1_234.57] * 12})
    assert reps["payout"].sum() == pytest.approx(12 * 1_234.57 * 0.05, abs=0.01 * 12)


def test_plans_and_assignments_are_checked():
    head = "name: X\nsources: {sales: {path: s.csv, columns: {date: d, amount: a, rep: r}}}\nincentives:\n"
    bad = {
        "  plans: [{id: kam, name: KAM, versions: [{effective: 2026-07}, {effective: 2026-01}]}]\n": "rising effective",
        "  assignments: [{rep: Li, plan: kam}]\n": "not a plan",
        "  plans: [{id: kam, name: KAM, versions: [{effective: 2026-01}]}]\n"
        "  assignments: [{rep: Li, plan: kam, start: 2026-01-01, end: 2026-08-01}, {rep: Li, plan: kam, start: 2026-07-01}]\n": "same time",
    }  # fmt: skip
    from salesplan_widgets.errors import PlanError

    for text, words in bad.items():
        with pytest.raises(PlanError) as err:
            parse_plan(head + text)
        assert words in str(err.value), str(err.value)


def test_the_estimator_adds_a_deal_on_the_plan_in_force():
    from salesplan_widgets.model.estimator import estimate_earnings

    estimate = estimate_earnings(roles(), cube_of(FLAT), quotas_of(REPS), "2026-08", "Wang", 1_000.0)
    assert estimate.increment == pytest.approx(100.0)  # 10%: the KAM version in force in August
    assert estimate.lines["increment"].sum() == pytest.approx(100.0)


def test_the_simulation_pays_each_rep_under_the_plan_in_force_in_the_month():
    from salesplan_widgets.model.simulation import Simulation, payout_cost

    sim = Simulation(reps=pd.Index(["Wang", "Li", "Chen"]), quota=np.full(3, 1_000.0),
                     sales=np.array([[1_000.0, 2_000.0, 4_000.0], [500.0, 0.0, 100.0]]), seed=0)  # fmt: skip
    # August: Wang and Li on the KAM plan at 10% (its July version), Chen on the plan for everyone at 5%
    assert payout_cost(sim, roles(), month="2026-08").cost.tolist() == pytest.approx(
        [100 + 200 + 200, 50 + 0 + 5]
    )
    # March: Wang on KAM at 8%, Li (not yet promoted) and Chen at 5%
    assert payout_cost(sim, roles(), month="2026-03").cost.tolist() == pytest.approx(
        [80 + 100 + 200, 40 + 0 + 5]
    )


def test_what_the_ledger_recorded_as_paid_is_what_the_true_up_deducts():
    recorded = pd.Series({("kam", "Wang"): 500.0, ("", "Chen"): 300.0, ("", "Li"): 300.0})
    july = payout_statements(
        roles(cumulative=True), cube_of(FLAT), quotas_of(REPS), "2026-07", paid_to_date=recorded
    )
    reps = july.reps.assign(rep=july.reps["rep"].astype(str)).set_index(["plan", "rep"])["payout"]
    assert reps[("Key-account manager", "Wang")] == pytest.approx(7_000 * 0.10 - 500)
    assert reps[("", "Chen")] == pytest.approx(7_000 * 0.05 - 300)
    # Li's KAM days have nothing recorded: owed in full for 16–31 July, under the July version
    assert reps[("Key-account manager", "Li")] == pytest.approx(round(1_000 * 16 / 31 * 0.10, 2))


def test_a_workbook_with_role_plans_writes_payouts_reports_and_opens_the_calculator(tmp_path):
    import csv

    from test_payouts_export import write_workbook

    from salesplan_widgets.report.incentives import IncentivesReport
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator
    from salesplan_widgets.workbook import open_workbook
    from salesplan_widgets.workbook.payouts import write_payouts

    folder = write_workbook(tmp_path / "wb")
    wb = open_workbook(folder)
    section = wb.plan.incentives.model_dump(exclude_none=True) | {
        "plans": [{"id": "kam", "name": "KAM", "versions": [
            {"effective": "2026-01", "commission": {"base_rate": 0.05}},
            {"effective": "2026-07", "commission": {"base_rate": 0.06}}]}],
        "assignments": [{"rep": "Li", "plan": "kam", "start": "2026-07-16"}, {"rep": "Chen", "plan": "kam"}],
    }  # fmt: skip
    wb.save(incentives=IncentivesSection.model_validate(section))
    csv_path, _xlsx = write_payouts(folder, "2026-10")
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8-sig")))
    assert {row["plan"] for row in rows if row["rep"] == "Chen"} == {"KAM"}
    report = IncentivesReport.open(folder, "2026-10")
    assert report.metrics["rep"].is_unique and len(report.metrics) == 5
    calc = IncentiveCalculator(folder, period="2026-10", rep="Chen")
    chen = calc.statements.reps[calc.statements.reps["rep"] == "Chen"]
    # October under the KAM plan's July version: 6% of Chen's October sales, no tiers
    assert chen["payout"].sum() == pytest.approx(round(chen["period_sales"].sum() * 0.06, 2), abs=0.01)
    assert calc.leaderboard_table["rep"].is_unique
    assert "KAM: Commission at the base rate 6%" in calc.statement_panel.value

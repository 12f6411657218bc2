"""The demo company is a complete plan: goal, split, incentives and tracking, so every report shows real content."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.demo import GOAL_UNIT, create_demo
from salesplan_widgets.model.allocation import split_goal
from salesplan_widgets.model.forecast import baseline_forecast
from salesplan_widgets.model.goal import stretch_target
from salesplan_widgets.model.smart import smart_check
from salesplan_widgets.paths import templates_dir
from salesplan_widgets.workbook.payouts import load_quotas, period_statements
from salesplan_widgets.workbook.scaffold import STEPS
from salesplan_widgets.workbook.versions import targets_in_force

END = "2026-10"
FIRST = pd.Period("2026-01", "M")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_demo(tmp_path_factory.mktemp("demo") / "wb", end=END)


@pytest.fixture(scope="module")
def cube(demo: Path) -> pd.DataFrame:
    return open_workbook(demo).cube()


def copy_of(demo: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(demo, tmp_path / "copy", ignore=shutil.ignore_patterns(".cache", "*.lock")))


def salesplan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", *args], capture_output=True, text=True
    )


def test_the_demo_plan_has_every_section_and_validates(demo: Path) -> None:
    wb = open_workbook(demo)
    plan = wb.plan
    assert None not in (plan.goal, plan.split, plan.incentives, plan.tracking)
    assert wb.validate() == []
    assert plan.reports.templates == [
        "sales_overview",
        "report_goal",
        "report_split",
        "report_incentives",
        "report_tracking",
    ]
    assert plan.reports.dashboards == ["overview", "tracker", "incentives", "my_targets", "goal"]
    for name in plan.reports.templates:
        assert (templates_dir() / f"{name}.ipynb").exists(), name


def test_goal_is_fiscal_2026_net_sales_forecast_plus_stretch_and_smart_or_overridden(
    demo: Path, cube: pd.DataFrame
) -> None:
    goal = open_workbook(demo).plan.goal
    assert (goal.metric, goal.method, goal.scope.as_filter()) == ("revenue", "stretch", {})
    assert (str(goal.start), str(goal.end)) == ("2026-01-01", "2026-12-31")
    assert goal.review_dates and all(goal.start < d <= goal.end for d in goal.review_dates)
    assert goal.rationale and goal.business_objective
    history = cube[cube["period"] < FIRST]  # the plan is set from the sales before the year
    forecast = baseline_forecast(history, FIRST, FIRST + 11, last_actual=FIRST - 1, level=goal.interval_level)
    proposal = stretch_target(forecast, goal.stretch)
    assert goal.target == pytest.approx(proposal.total, abs=GOAL_UNIT / 2)  # in whole millions
    assert goal.target % GOAL_UNIT == 0
    assert goal.baseline == pytest.approx(forecast.total, abs=0.01)
    check = smart_check(goal, history, probability=proposal.probability, stretch=proposal.stretch)
    assert check.can_save(goal.override_reason)
    assert check.passed or goal.override_reason.strip()


def test_targets_add_up_exactly_to_the_goal_and_each_rep_gets_their_split(
    demo: Path, cube: pd.DataFrame
) -> None:
    wb = open_workbook(demo)
    split, goal = wb.plan.split, wb.plan.goal
    targets = wb.read_table("targets")
    assert list(targets.columns) == ["period", "rep", "team", "territory", "segment", "channel", "target"]
    assert split.goal == goal.target
    units = (targets["target"] / split.unit).round()
    assert (units * split.unit - targets["target"]).abs().max() < 1e-6  # whole multiples of the unit
    assert int(units.sum()) * split.unit == goal.target
    assert set(targets["period"]) == set(pd.period_range(FIRST, periods=12, freq="M"))
    roster = pd.read_csv(demo / "data" / "reps.csv", dtype=str, keep_default_na=False)
    expected = split_goal(
        split.goal,
        split.levels_for_model(),
        cube[cube["period"] < FIRST],
        pd.period_range(FIRST, periods=split.months, freq="M"),
        unit=split.unit,
        potential=wb.accounts(),
        roster=roster,
        basis_months=split.basis_months,
        ramp_months=split.ramp_months,
    ).targets
    per_rep = targets.groupby("rep")["target"].sum()
    assert per_rep.round(2).to_dict() == expected.groupby("rep")["target"].sum().round(2).to_dict()
    assert split.levels[-1].dimension == "period" and split.milestones in ("month", "quarter", "half")


def test_new_hires_ramp_and_the_leaver_carries_no_quota_after_leaving(demo: Path) -> None:
    wb = open_workbook(demo)
    targets = wb.read_table("targets")
    reps = pd.read_csv(demo / "data" / "reps.csv", dtype=str, keep_default_na=False)
    monthly = targets.groupby(["rep", "period"])["target"].sum().unstack("period").fillna(0)
    hire = reps[reps["hired"] == str(FIRST)]["rep"].iloc[0]  # hired in the plan's first month
    assert 0 < monthly.loc[hire, FIRST] < monthly.loc[hire, FIRST + wb.plan.split.ramp_months] / 2
    leaver = reps[reps["left"] != ""].iloc[0]
    left = pd.Period(leaver["left"], "M")
    assert monthly.loc[leaver["rep"], monthly.columns > left].sum() == 0
    assert monthly.loc[leaver["rep"], monthly.columns <= left].sum() > 0


def test_tracker_and_incentives_read_the_saved_targets_not_provisional_quotas(demo: Path) -> None:
    wb = open_workbook(demo)
    quotas = load_quotas(wb)
    assert not quotas.provisional
    assert quotas.table["target"].sum() == pytest.approx(wb.plan.goal.target)
    in_force = targets_in_force(wb)
    assert in_force is not None and in_force["target"].sum() == pytest.approx(wb.plan.goal.target)


def test_incentive_plan_has_tiers_accelerator_threshold_cap_bonus_spif_rewards_and_recognition(
    demo: Path,
) -> None:
    section = open_workbook(demo).plan.incentives
    commission = section.commission
    assert 0.02 <= commission.base_rate <= 0.04 and commission.overrides
    assert (commission.tiers.basis, commission.tiers.mode) == ("attainment", "marginal")
    assert 4 <= len(commission.tiers.bands) <= 5
    assert any(a.at_least >= 1.0 and a.multiplier > 1 for a in commission.accelerators)
    assert commission.threshold == 0.5 and commission.caps.payout
    assert (section.measurement, section.cumulative) == ("quarterly", True)
    assert section.milestones and section.spifs and section.rewards
    assert section.recognition.leaderboards and section.recognition.badges


def test_step_notebooks_point_at_the_demo_folder(demo: Path) -> None:
    for _template, notebook in STEPS:
        nb = nbformat.read(demo / f"{notebook}.ipynb", as_version=4)
        parameters = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert parameters and "workbook = '.'" in parameters[0].source, notebook


def test_validate_exits_zero_on_the_demo(demo: Path) -> None:
    result = salesplan("validate", str(demo))
    assert result.returncode == 0, result.stdout + result.stderr


def test_period_run_writes_a_page_and_metrics_per_template_with_the_saved_plan(
    demo: Path, tmp_path: Path
) -> None:
    workbook = copy_of(demo, tmp_path)
    result = salesplan("run", str(workbook), "--period", END)
    assert result.returncode == 0, result.stdout + result.stderr
    report = workbook / "reports" / END
    templates = open_workbook(workbook).plan.reports.templates
    assert {p.name for p in report.glob("*.html")} == {f"{t}.html" for t in templates} | {"index.html"}
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))
    assert set(templates) <= set(metrics)
    assert metrics["report_split"]["split_saved"] is True  # the saved split, not one made up on the fly
    assert metrics["report_incentives"]["incentives_quotas_provisional"] is False


def test_payouts_csv_and_excel_add_up_to_the_statement_lines(demo: Path, tmp_path: Path) -> None:
    workbook = copy_of(demo, tmp_path)
    result = salesplan("payouts", str(workbook), "--period", END)
    assert result.returncode == 0, result.stdout + result.stderr
    folder = workbook / "reports" / END / "payouts"
    csv = pd.read_csv(folder / f"payouts-{END}.csv", encoding="utf-8-sig")
    statements = period_statements(open_workbook(workbook), END)
    lines = statements.lines
    latest = lines[lines["period"] == lines["period"].max()]
    assert csv["amount"].sum() == pytest.approx(latest["amount"].sum(), abs=0.005)
    assert csv["amount"].sum() == pytest.approx(
        statements.reps.query("period == period.max()")["payout"].sum(), abs=0.005
    )
    assert csv["amount"].sum() > 0 and csv["rep"].nunique() >= 30
    sheets = pd.read_excel(folder / f"payouts-{END}.xlsx", sheet_name=None)
    team_sheets = pd.concat([frame for name, frame in sheets.items() if name != "Summary"])
    team_lines = team_sheets[team_sheets["Component"].notna()]  # leave out each sheet's total row
    team_totals = team_sheets[team_sheets["Component"].isna()]
    assert team_lines["Amount"].sum() == pytest.approx(csv["amount"].sum(), abs=0.005)
    assert team_totals["Amount"].sum() == pytest.approx(csv["amount"].sum(), abs=0.005)

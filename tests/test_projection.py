"""One year-end projection: actual to date + the forecast of the open periods, with one range, shown alike by
the goal wizard, the goal report and dashboard, the tracking report and the Tracker — on the demo and on a
workbook with only date, amount and rep."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from fixtures.minimal_workbook import home_sales, write_minimal_workbook

from salesplan_widgets import open_workbook
from salesplan_widgets.model.projection import ProjectionHorizon, year_end_projection
from salesplan_widgets.report.goal import GoalReport
from salesplan_widgets.report.projection import projection_range
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets.goal_wizard import GoalWizard, goal_panel
from salesplan_widgets.widgets.tracker import Tracker

DEMO = Path(__file__).parents[1] / "workbooks" / "demo"


def one_rep_cube(actuals: list[float], first: str = "2026-01") -> pd.DataFrame:
    periods = pd.period_range(first, periods=len(actuals), freq="M")
    return pd.DataFrame(
        {"period": periods, "rep": "Ann", "team": "all", "territory": "all", "segment": "all",
         "channel": "all", "actual": actuals, "quantity": 0.0, "lines": 1}
    )  # fmt: skip


def test_year_end_is_actual_to_date_plus_the_forecast_of_the_open_months() -> None:
    # six months of history: the forecast of each open month is the average month seen (350)
    cube = one_rep_cube([100.0, 200.0, 300.0, 400.0, 500.0, 600.0])
    year = ProjectionHorizon(pd.Period("2026-01", "M"), pd.Period("2026-12", "M"))
    projection = year_end_projection(cube, year, last_actual="2026-06")
    assert projection.actual_to_date == pytest.approx(2_100.0)
    assert projection.remaining == pytest.approx(6 * 350.0)
    assert projection.total == pytest.approx(4_200.0)
    low, high = projection.interval
    assert low < projection.total < high
    assert projection.interval == pytest.approx(projection.forecast.total_interval)


def test_the_standing_separates_what_remains_to_sell_from_the_forecast_shortfall() -> None:
    cube = one_rep_cube([100.0, 200.0, 300.0, 400.0, 500.0, 600.0])
    year = ProjectionHorizon(pd.Period("2026-01", "M"), pd.Period("2026-12", "M"))
    standing = year_end_projection(cube, year, last_actual="2026-06").standing(5_000.0)
    assert standing.actual_to_date == pytest.approx(2_100.0)
    assert standing.remaining_to_target == pytest.approx(5_000.0 - 2_100.0)
    assert standing.shortfall == pytest.approx(5_000.0 - 4_200.0)


def test_a_later_month_closes_more_of_the_year_at_its_actual() -> None:
    cube = one_rep_cube([100.0] * 6 + [1_000.0] * 3)
    year = ProjectionHorizon(pd.Period("2026-01", "M"), pd.Period("2026-12", "M"))
    june = year_end_projection(cube, year, last_actual="2026-06")
    september = year_end_projection(cube, year, last_actual="2026-09")
    assert june.actual_to_date == pytest.approx(600.0)
    assert september.actual_to_date == pytest.approx(3_600.0)
    assert september.total > june.total


def assert_one_projection_everywhere(workbook: Path, period: str, wizard: GoalWizard) -> None:
    goal = GoalReport.open(workbook, period)
    tracking = TrackingReport.open(workbook, period)
    tracker = Tracker(workbook, period=period, editable=False)
    figures = {
        "goal report": (goal.projection.total, *goal.projection.interval),
        "tracking report": (tracking.projection.total, *tracking.projection.interval),
        "tracker": (
            tracker.summary["year_end_projection"],
            tracker.summary["year_end_low"],
            tracker.summary["year_end_high"],
        ),
        "goal wizard": (wizard.result["baseline"], *wizard.result["interval"]),
    }
    expected = figures["goal report"]
    for page, values in figures.items():
        assert values == pytest.approx(expected, rel=1e-9), page
    # and the same words and figures on every page that prints it
    shown = projection_range(goal.projection, goal._figure)
    assert shown in str(goal.headline())
    assert shown in str(tracking.headline())
    assert shown in goal_panel(workbook, period).value
    assert shown in tracker.headline_panel.value


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("demo") / "demo"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("reports", ".cache", "*.ipynb"))
    return target


def test_the_demo_shows_one_year_end_projection_on_every_page(demo_copy: Path) -> None:
    wizard = GoalWizard(demo_copy)  # opens on the saved goal: 2026, data to October
    assert (wizard.start, wizard.end) == ("2026-01", "2026-12")
    assert_one_projection_everywhere(demo_copy, "2026-10", wizard)


def test_a_workbook_with_only_date_amount_and_rep_shows_one_projection_after_its_goal_is_saved(
    tmp_path: Path,
) -> None:
    folder = write_minimal_workbook(tmp_path / "texas", sales=home_sales(last="2026-06"))
    wizard = GoalWizard(folder)
    wizard.start, wizard.end = "2026-01", "2026-12"
    wizard.method, wizard.growth = "growth", 0.05
    wizard.name = "Grow 2026 home sales"
    wizard.rationale = "Prices rise; the metros keep growing."
    wizard.business_objective = "Hold our share of Texas"
    wizard.override_reason = "Test goal"
    assert wizard.save(), wizard.status
    assert open_workbook(folder).plan.goal.target == pytest.approx(wizard.result["target"], abs=0.01)
    assert_one_projection_everywhere(folder, "2026-06", wizard)


@pytest.fixture(scope="module")
def demo_period_run(demo_copy: Path) -> Path:
    """The demo's goal and tracking pages for October, run once through papermill; the tests only read it."""
    from salesplan_widgets.run import run_period

    return run_period(demo_copy, "2026-10", templates=["report_goal", "report_tracking"], progress=False)


def test_a_period_run_of_the_goal_and_tracking_pages_shows_one_year_end_range(demo_period_run: Path) -> None:
    import html
    import json

    from salesplan_widgets.i18n import fmt_money

    folder = demo_period_run
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    goal, tracking = metrics["report_goal"], metrics["report_tracking"]
    assert (goal["goal_forecast"], goal["goal_forecast_lower"], goal["goal_forecast_upper"]) == pytest.approx(
        (
            tracking["tracking_projection"],
            tracking["tracking_projection_low"],
            tracking["tracking_projection_high"],
        )
    )
    assert goal["goal_actual_to_date"] == pytest.approx(tracking["tracking_actual_ytd"])
    assert goal["goal_remaining_to_target"] == pytest.approx(
        goal["goal_target"] - goal["goal_actual_to_date"]
    )
    assert goal["goal_shortfall"] == pytest.approx(goal["goal_target"] - goal["goal_forecast"])
    shown = "80% range {} – {}".format(
        *(
            fmt_money(v, "CNY", digits=False)
            for v in (goal["goal_forecast_lower"], goal["goal_forecast_upper"])
        )
    )
    for page in ("report_goal.html", "report_tracking.html"):
        text = html.unescape((folder / page).read_text(encoding="utf-8"))
        assert shown in text, page
        assert "Projected by Dec 2026" in text, page
    goal_page = html.unescape((folder / "report_goal.html").read_text(encoding="utf-8"))
    versus = "Forecast shortfall vs target" if goal["goal_shortfall"] >= 0 else "Forecast above target"
    assert "Remaining to target" in goal_page and versus in goal_page  # the card for the page's own figures
    assert "Gap to target" not in goal_page


def test_the_tracker_projects_a_selection_from_the_same_forecast_split_by_last_years_shares(
    tmp_path: Path,
) -> None:
    from fixtures.tracking_data import write_tracking_workbook

    workbook = write_tracking_workbook(tmp_path / "wb", {"Ann": 1.2, "Bo": 0.5, "Cy": 0.95})
    view = Tracker(workbook, editable=False)  # September 2026; nine months of history
    year = ProjectionHorizon(pd.Period("2026-01", "M"), pd.Period("2026-12", "M"))
    whole = year_end_projection(workbook.cube(), year, last_actual="2026-09")
    assert view.summary["year_end_projection"] == pytest.approx(whole.total)
    assert (view.summary["year_end_low"], view.summary["year_end_high"]) == pytest.approx(whole.interval)
    # each segment × channel sells 1,000·m·2.65 in month m: the average month seen, 13,250, for Oct–Dec,
    # 159,000 over the four series, split by each rep's share of the year so far (Ann 1.2 / 2.65)
    assert whole.remaining == pytest.approx(159_000)
    view.rep = "Ann"
    assert view.summary["year_end_projection"] == pytest.approx(4 * 1_000 * 45 * 1.2 + 159_000 * 1.2 / 2.65)
    assert view.summary["year_end_low"] < view.summary["year_end_projection"] < view.summary["year_end_high"]
    view.rep, view.team = "", "East"  # Ann and Bo
    assert view.summary["year_end_projection"] == pytest.approx(4 * 1_000 * 45 * 1.7 + 159_000 * 1.7 / 2.65)
    assert "Projected by Dec 2026" in view.headline_panel.value


def test_the_goal_page_in_chinese_names_remaining_and_shortfall_apart(demo_copy: Path) -> None:
    import html

    from salesplan_widgets.i18n import set_locale

    try:
        report = GoalReport.open(demo_copy, "2026-10", locale="zh_CN")
        page = html.unescape(str(report.headline()))
        versus = (
            "预测较目标缺口" if report.standing().shortfall >= 0 else "预测超出目标"
        )  # shortfall or above
    finally:
        set_locale("en")
    assert "至今实际" in page
    assert "距目标尚需" in page and versus in page and "预计至" in page
    assert "Remaining to target" not in page


def test_a_goal_overtaken_by_the_projection_is_judged_against_the_baseline_it_was_set_on(
    demo_copy: Path, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(demo_copy, tmp_path / "ahead", ignore=shutil.ignore_patterns("reports")))
    workbook = open_workbook(folder)
    projection = GoalReport.open(workbook, "2026-10").projection.total
    target = round(projection * 0.99, 2)  # the year went well: today's projection passes the target
    goal = workbook.plan.goal.model_copy(update={"target": target, "baseline": round(target / 1.04, 2)})
    workbook.save(goal=goal)
    report = GoalReport.open(folder, "2026-10")
    assert report.standing().shortfall < 0 and report.standing().probability > 0.5
    achievable = report.smart_check()["A"]
    assert achievable.passed and "4.0% over the baseline" in achievable.sentence
    assert "Forecast above target" in str(report.headline())


def test_a_goal_above_the_projection_shows_its_forecast_shortfall_in_both_languages(
    demo_copy: Path, tmp_path: Path
) -> None:
    import html

    from salesplan_widgets.i18n import set_locale

    folder = Path(shutil.copytree(demo_copy, tmp_path / "behind", ignore=shutil.ignore_patterns("reports")))
    workbook = open_workbook(folder)
    projection = GoalReport.open(workbook, "2026-10").projection.total
    target = round(projection * 1.05, 2)  # a stretch goal today's projection falls short of
    workbook.save(goal=workbook.plan.goal.model_copy(update={"target": target}))
    try:
        for locale, shortfall, above in (
            ("en", "Forecast shortfall vs target", "Forecast above target"),
            ("zh_CN", "预测较目标缺口", "预测超出目标"),
        ):
            report = GoalReport.open(folder, "2026-10", locale=locale)
            assert report.standing().shortfall == pytest.approx(target - report.projection.total)
            page = html.unescape(str(report.headline()))
            assert shortfall in page and above not in page, locale
    finally:
        set_locale("en")


@pytest.fixture
def minimal_copy(tmp_path: Path) -> Path:
    """A workbook with only date, amount and rep (46 Texas cities as reps), sales to June 2026, no targets."""
    return write_minimal_workbook(
        tmp_path / "texas", templates=("report_tracking",), sales=home_sales(last="2026-06")
    )


@pytest.mark.parametrize(("name", "period"), [("demo", "2026-10"), ("minimal", "2026-06")])
def test_the_reps_projections_in_the_period_report_add_up_to_its_headline_projection(
    name: str, period: str, minimal_copy: Path, request: pytest.FixtureRequest
) -> None:
    import json

    from salesplan_widgets.run import run_period

    if name == "demo":  # the demo's tracking page for October is already run (with its goal page)
        folder = request.getfixturevalue("demo_period_run")
    else:
        folder = run_period(minimal_copy, period, templates=["report_tracking"], progress=False)
    tracking = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["report_tracking"]
    reps = tracking["tracking_rep_projections"]
    assert len(reps) > 1
    # the reps are the headline's own split: their sum is the headline to the cent (float rounding only)
    assert sum(reps.values()) == pytest.approx(tracking["tracking_projection"], abs=0.005)


@pytest.mark.parametrize(("name", "period"), [("demo", "2026-10"), ("minimal", "2026-06")])
def test_the_trackers_rep_projections_add_up_to_its_headline_and_flag_the_reps_at_risk(
    name: str, period: str, demo_copy: Path, minimal_copy: Path
) -> None:
    view = Tracker(demo_copy if name == "demo" else minimal_copy, period=period, editable=False)
    selections = [{}] + [{"team": t} for t in view.choices.get("team", ())[:2] if t != "all"]
    for selection in selections:
        for dim, member in selection.items():
            setattr(view, dim, member)
        outlook = view.rep_outlook
        assert len(outlook) > 1, selection
        assert outlook["projection"].sum() == pytest.approx(view.summary["year_end_projection"], abs=0.005)
        # at risk: projection ÷ target under the plan's threshold, from those same figures
        threshold = view.settings.at_risk_threshold
        under = outlook[(outlook["target"] > 0) & (outlook["projection"] < threshold * outlook["target"])]
        assert sorted(view.at_risk["rep"]) == sorted(under["rep"]), selection
        assert view.summary["reps_at_risk"] == len(under)


def test_each_reps_projected_attainment_is_their_part_of_the_projection_over_their_target(
    tmp_path: Path,
) -> None:
    from fixtures.tracking_data import write_tracking_workbook

    from salesplan_widgets.model.projection import projected_attainment, selection_projections
    from salesplan_widgets.model.tracking import plan_vs_actual

    workbook = write_tracking_workbook(tmp_path / "wb", {"Ann": 1.2, "Bo": 0.5, "Cy": 0.95})
    year = ProjectionHorizon(pd.Period("2026-01", "M"), pd.Period("2026-12", "M"))
    split = selection_projections(workbook.cube(), year, ("team", "rep"), last_actual="2026-09")
    frame = plan_vs_actual(workbook.read_table("targets"), workbook.cube())
    east = projected_attainment(split, frame, ["rep"], {"team": "East"}, at_risk_below=0.9).set_index("rep")
    # Ann: 180,000 × 1.2 sold + 60,000 × 1.2 forecast = 288,000 of 312,000 (92.3%); Bo: 240,000 × 0.5
    assert east["projection"].to_dict() == pytest.approx({"Ann": 288_000, "Bo": 120_000})
    assert east["projected_attainment"].to_dict() == pytest.approx({"Ann": 288 / 312, "Bo": 120 / 312})
    assert east["at_risk"].to_dict() == {"Ann": False, "Bo": True}
    assert east["projection"].sum() == pytest.approx(split.select({"team": "East"}).total, abs=0.005)
    teams = projected_attainment(split, frame, ["team"]).set_index("team")
    assert teams["projection"].sum() == pytest.approx(split.select().total, abs=0.005)
    assert teams.loc["West", "projection"] == pytest.approx(228_000)


def test_a_goal_scoped_to_a_segment_sets_each_reps_part_against_their_targets_in_that_segment(
    tmp_path: Path,
) -> None:
    from fixtures.tracking_data import write_tracking_workbook

    from salesplan_widgets.model.projection import projected_attainment, selection_projections
    from salesplan_widgets.model.tracking import plan_vs_actual

    workbook = write_tracking_workbook(tmp_path / "wb", {"Ann": 1.2, "Bo": 0.5, "Cy": 0.95})
    segment_a = ProjectionHorizon(
        pd.Period("2026-01", "M"), pd.Period("2026-12", "M"), scope={"segment": ["A"]}
    )
    split = selection_projections(workbook.cube(), segment_a, ("team", "rep"), last_actual="2026-09")
    frame = plan_vs_actual(workbook.read_table("targets"), workbook.cube())
    reps = projected_attainment(split, frame, ["rep"]).set_index("rep")
    # segment A is half of each rep: target 2 cells × 1,000 × 78 = 156,000; year end 120,000·a
    assert reps["target"].to_dict() == pytest.approx({"Ann": 156_000, "Bo": 156_000, "Cy": 156_000})
    assert reps["projection"].to_dict() == pytest.approx({"Ann": 144_000, "Bo": 60_000, "Cy": 114_000})
    assert reps["projection"].sum() == pytest.approx(split.select().total, abs=0.005)

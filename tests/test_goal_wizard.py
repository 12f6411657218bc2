"""The goal wizard driven headlessly: choices move the target, probability, SMART verdicts and chart; saves
land in the plan only when allowed, and a conflicting edit is reported, not overwritten."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_overview_widget import write_sales_workbook
from traitlets import TraitError

from salesplan_widgets import open_workbook
from salesplan_widgets.model.forecast import baseline_forecast
from salesplan_widgets.model.goal import growth_target, stretch_target
from salesplan_widgets.schema.goal import GoalSection
from salesplan_widgets.widgets.goal_wizard import GoalWizard


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_sales_workbook(tmp_path_factory.mktemp("goal"))
    open_workbook(folder).cube()  # cache the cube once; copies reuse it
    return folder


@pytest.fixture
def workbook_dir(template_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template_dir, tmp_path / "workbook"))


@pytest.fixture
def wizard(workbook_dir: Path) -> GoalWizard:
    return GoalWizard(workbook_dir)


def fill_smart_texts(wizard: GoalWizard) -> None:
    wizard.name = "Grow FY2027 revenue"
    wizard.rationale = "Two years of steady growth; prices rise 3%."
    wizard.business_objective = "Keep our lead in the East"


def test_the_wizard_proposes_the_next_fiscal_year_at_forecast_plus_stretch(wizard: GoalWizard) -> None:
    assert (wizard.start, wizard.end, wizard.method) == ("2027-01", "2027-12", "stretch")
    cube = open_workbook(wizard.workbook.path).cube()
    expected = stretch_target(baseline_forecast(cube, "2027-01", "2027-12"), 0.05)
    assert wizard.result["baseline"] == pytest.approx(expected.baseline)
    assert wizard.result["target"] == pytest.approx(expected.total)
    assert wizard.result["probability"] == pytest.approx(expected.probability)
    assert wizard.result["stretch"] == pytest.approx(0.05)


def test_setting_the_stretch_moves_target_probability_and_target_line_in_place(wizard: GoalWizard) -> None:
    line, before = wizard.target_line, wizard.result["probability"]
    wizard.stretch_control.value = 15  # typed in percent
    assert wizard.stretch == 0.15
    assert wizard.result["target"] == pytest.approx(wizard.result["baseline"] * 1.15)
    assert wizard.result["probability"] < before
    assert wizard.target_line is line
    assert float(np.sum(line.y)) == pytest.approx(wizard.result["target"])
    assert len(line.x) == 12


def test_the_chart_shows_two_years_of_history_and_the_baseline_inside_its_band(wizard: GoalWizard) -> None:
    assert len(wizard.history_line.x) == 24
    lower, upper = (np.asarray(y, dtype=float) for y in wizard.band.y)
    forecast = np.asarray(wizard.forecast_line.y, dtype=float)
    assert (lower <= forecast).all() and (forecast <= upper).all()
    assert float(forecast.sum()) == pytest.approx(wizard.result["baseline"])


def test_choosing_a_team_forecasts_only_that_team(wizard: GoalWizard) -> None:
    wizard.team_control.value = ("North",)
    assert wizard.teams == ("North",)
    cube = open_workbook(wizard.workbook.path).cube()
    north = baseline_forecast(cube[cube["team"] == "North"], "2027-01", "2027-12")
    assert wizard.result["baseline"] == pytest.approx(north.total)
    with pytest.raises(TraitError, match="not in the sales data"):
        wizard.teams = ("Atlantis",)


def test_growth_method_targets_last_years_same_months_plus_growth(wizard: GoalWizard) -> None:
    wizard.method_control.value = "growth"
    wizard.growth = 0.08
    expected = growth_target(wizard.forecast, 0.08)
    assert wizard.result["target"] == pytest.approx(expected.total)
    assert wizard.result["detail"]["last_year"] > 0


def test_market_share_uses_the_market_entered_per_segment(wizard: GoalWizard) -> None:
    wizard.method = "market_share"
    wizard.market = {"A": {"size": 10_000_000.0, "growth": 0.1, "share": 0.2}}
    a = wizard.proposal.shape.groupby("segment")["target"].sum()["A"]
    assert a == pytest.approx(10_000_000 * 1.1 * 0.2)
    assert "Segment A: a 20.0% share" in wizard.method_panel.value


def test_bottom_up_without_commits_asks_for_them_and_blend_shows_the_gap(wizard: GoalWizard) -> None:
    wizard.method = "bottom_up"
    assert wizard.result["target"] is None and "commits" in wizard.result["note"]
    assert not wizard.result["can_save"]
    commits = pd.DataFrame(
        {"rep": ["Li", "Chen"], "segment": ["A", "B"], "channel": ["online", "offline"], "commit": [9e5, 6e5]}
    )
    wizard.workbook.write_table("commits", commits)
    wizard.refresh_target()
    assert wizard.result["target"] == pytest.approx(1.5e6)
    with wizard.hold_trait_notifications():
        wizard.method, wizard.blend_weight = "blend", 0.75
    top = wizard.result["baseline"] * 1.05
    assert wizard.result["target"] == pytest.approx(0.75 * top + 0.25 * 1.5e6)
    assert wizard.result["detail"]["gap"] == pytest.approx(top - 1.5e6)
    assert "gap" in wizard.method_panel.value


def test_verdicts_update_live_and_a_smart_goal_saves_into_the_plan(wizard: GoalWizard) -> None:
    assert wizard.result["smart"]["R"]["passed"] is False
    fill_smart_texts(wizard)
    wizard.stretch = 0.0  # at the baseline: even chances, and not below it
    assert wizard.result["probability"] == pytest.approx(0.5)
    assert {k: v["passed"] for k, v in wizard.result["smart"].items()} == dict.fromkeys("SMART", True)
    assert wizard.save(), wizard.status
    saved = open_workbook(wizard.workbook.path).plan.goal
    assert saved.target == pytest.approx(wizard.result["target"], abs=0.01)
    assert saved.method == "stretch" and saved.stretch == 0.0
    assert saved.rationale.startswith("Two years") and saved.override_reason == ""
    assert len(saved.review_dates) == 3


def test_a_failing_goal_is_saved_only_with_an_override_reason(wizard: GoalWizard) -> None:
    fill_smart_texts(wizard)
    wizard.stretch = 0.2  # within the plan's limit, but unlikely at the current trend
    assert wizard.result["probability"] < 0.5
    assert wizard.result["smart"]["A"]["passed"] is False
    assert not wizard.save()
    assert "Achievable" in wizard.status and open_workbook(wizard.workbook.path).plan.goal is None
    wizard.override_reason = "The board set this number for the IPO."
    assert wizard.save(), wizard.status
    assert (
        open_workbook(wizard.workbook.path).plan.goal.override_reason
        == "The board set this number for the IPO."
    )


def test_a_plan_changed_by_someone_else_is_not_overwritten(wizard: GoalWizard) -> None:
    fill_smart_texts(wizard)
    wizard.override_reason = "fine"
    open_workbook(wizard.workbook.path).save(goal=GoalSection(name="Their goal"))
    assert not wizard.save()
    assert "someone changed the plan" in wizard.status
    assert open_workbook(wizard.workbook.path).plan.goal.name == "Their goal"
    wizard.reload()
    assert wizard.save(), wizard.status
    assert open_workbook(wizard.workbook.path).plan.goal.name == "Grow FY2027 revenue"


def test_a_saved_goal_is_where_the_wizard_starts_next_time(wizard: GoalWizard) -> None:
    fill_smart_texts(wizard)
    with wizard.hold_trait_notifications():
        wizard.segment_control.value = ("A",)
        wizard.method, wizard.growth, wizard.override_reason = "growth", 0.12, "ok"
    assert wizard.save(), wizard.status
    again = GoalWizard(wizard.workbook.path)
    assert (again.method, again.growth, again.segments) == ("growth", 0.12, ("A",))
    assert again.result["target"] == pytest.approx(wizard.result["target"])


def test_steps_move_forward_and_back_within_the_wizard(wizard: GoalWizard) -> None:
    wizard.next_button.click()
    assert wizard.step == 1 and wizard.pages.selected_index == 1
    assert "Backtest" in wizard.baseline_panel.value and "MAPE" in wizard.baseline_panel.value
    wizard.go(9)
    assert wizard.step == 4 and wizard.next_button.disabled
    wizard.back_button.click()
    assert wizard.step == 3


def test_the_saved_goal_appears_in_the_period_report_with_its_chance_and_verdicts(wizard: GoalWizard) -> None:
    from salesplan_widgets.model.goal import forecast_probability
    from salesplan_widgets.report.goal import GoalReport

    fill_smart_texts(wizard)
    wizard.stretch = 0.2
    wizard.override_reason = "Board target"
    assert wizard.save(), wizard.status
    report = GoalReport.open(wizard.workbook.path, "2026-10")
    metrics = report.metrics()
    assert metrics["goal_target"] == pytest.approx(wizard.result["target"], abs=0.01)
    assert metrics["goal_forecast"] == pytest.approx(wizard.result["baseline"])
    assert metrics["goal_probability"] == pytest.approx(
        forecast_probability(report.forecast, metrics["goal_target"])
    )
    assert metrics["goal_smart_failed"] == "A"
    smart = str(report.smart())
    assert "Achievable" in smart and "Board target" in smart
    assert "<svg" in str(report.chart()) and "Target" in str(report.chart())
    assert "Chance of reaching it" in str(report.headline())


def test_the_report_counts_closed_months_at_their_actuals(wizard: GoalWizard) -> None:
    from salesplan_widgets.report.goal import GoalReport

    fill_smart_texts(wizard)
    with wizard.hold_trait_notifications():
        wizard.start, wizard.end, wizard.override_reason = "2026-01", "2026-12", "mid-year goal"
    wizard.review_dates = "2026-04-01"
    assert wizard.save(), wizard.status
    report = GoalReport.open(wizard.workbook.path, "2026-06")  # as if run at the end of June
    cube = open_workbook(wizard.workbook.path).cube()
    first_half = cube[(cube["period"] >= "2026-01") & (cube["period"] <= "2026-06")]["actual"].sum()
    assert report.metrics()["goal_actual_to_date"] == pytest.approx(first_half)
    assert report.forecast.last_actual == pd.Period("2026-06", freq="M")


def test_without_a_goal_the_report_shows_the_baseline_and_says_how_to_set_one(workbook_dir: Path) -> None:
    from salesplan_widgets.report.goal import GoalReport

    report = GoalReport.open(workbook_dir, "2026-10")
    assert report.metrics()["goal_target"] is None
    assert "goal wizard" in str(report.headline())
    assert "No goal to check" in str(report.smart())


def test_the_dashboard_goal_panel_shows_the_saved_goal_or_a_plain_message(
    wizard: GoalWizard, tmp_path: Path
) -> None:
    from salesplan_widgets.widgets.goal_wizard import goal_panel

    fill_smart_texts(wizard)
    wizard.override_reason = "ok"
    assert wizard.save(), wizard.status
    panel = goal_panel(wizard.workbook.path)
    assert "Chance of reaching it" in panel.value and "SMART" in panel.value and "<svg" in panel.value
    broken = Path(shutil.copytree(wizard.workbook.path, tmp_path / "broken"))
    (broken / "data" / "sales.csv").write_text("日期,金额,销售\nnot a date,x,y\n", encoding="utf-8")
    shutil.rmtree(broken / ".cache")
    message = goal_panel(broken).value
    assert "cannot be shown" in message and "Traceback" not in message


def test_the_goal_panel_is_titled_with_the_plan_and_month_and_carries_its_css_once(
    wizard: GoalWizard,
) -> None:
    from salesplan_widgets.i18n import fmt_month
    from salesplan_widgets.widgets.goal_wizard import goal_panel

    fill_smart_texts(wizard)
    wizard.override_reason = "ok"
    assert wizard.save(), wizard.status
    value = goal_panel(wizard.workbook.path, "2026-09").value
    assert 'class="salesplan-title"' in value
    assert f"{wizard.workbook.plan.name} · {fmt_month(2026, 9)}" in value
    assert value.count("<style>") == 1 and value.index("<style>") < value.index("salesplan-section")


def test_the_goal_panel_chart_leaves_room_above_the_target_for_its_legend(
    wizard: GoalWizard, monkeypatch: pytest.MonkeyPatch
) -> None:
    from salesplan_widgets.report import charts
    from salesplan_widgets.widgets.goal_wizard import PANEL_CHART_HEADROOM, goal_panel

    fill_smart_texts(wizard)
    wizard.override_reason = "ok"
    assert wizard.save(), wizard.status
    drawn = []
    to_svg = charts.to_svg
    monkeypatch.setattr(charts, "to_svg", lambda fig: drawn.append(fig) or to_svg(fig))
    goal_panel(wizard.workbook.path)
    (figure,) = drawn
    top = figure.axes[0].get_ylim()[1]
    highest = max(wizard.workbook.plan.goal.target, float(np.nanmax(figure.axes[0].lines[0].get_ydata())))
    assert top >= highest * (1 + PANEL_CHART_HEADROOM * 0.9)  # the legend's two rows sit above the lines


def test_the_history_chart_names_every_third_month_starting_with_the_horizon(wizard: GoalWizard) -> None:
    from salesplan_widgets.widgets.charts import named_ticks

    axis = wizard.chart.axes[0]
    domain = list(axis.scale.domain)
    named = named_ticks(axis)
    assert len(domain) > 24 and named == domain[domain.index(wizard.target_line.x[0]) % 3 :: 3]
    assert wizard.target_line.x[0] in named and len(named) <= len(domain) // 3 + 1
    assert set(axis.tick_labels) == set(domain) - set(named) and set(axis.tick_labels.values()) == {""}
    wizard.start = wizard.months[wizard.months.index(wizard.start) + 1]  # a new horizon moves the names
    domain = list(axis.scale.domain)
    assert named_ticks(axis) == domain[domain.index(wizard.target_line.x[0]) % 3 :: 3] != named


def test_the_wizard_builds_its_chart_without_deprecation_warnings(workbook_dir: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        wizard = GoalWizard(workbook_dir)
    assert wizard.chart.axes[1].side == "left"


def test_a_chinese_plan_gets_a_chinese_wizard(tmp_path: Path) -> None:
    from salesplan_widgets.i18n import set_locale

    folder = write_sales_workbook(tmp_path / "zh", locale="zh_CN")
    try:
        wizard = GoalWizard(folder)
        assert wizard.locale == "zh_CN"
        assert wizard.target_line.x[0] == "2027年1月"
        assert "¥" in wizard.summary_panel.value and wizard.result["target"] > 0
    finally:
        set_locale("en")


def test_the_stretch_field_takes_a_percent_and_refuses_more_than_the_plans_limit(wizard: GoalWizard) -> None:
    wizard.stretch_control.value = 6
    assert wizard.stretch == pytest.approx(0.06)
    assert wizard.result["target"] == pytest.approx(wizard.result["baseline"] * 1.06)
    wizard.stretch_control.value = 600  # 600%: the plan's limit is 25%
    assert wizard.stretch == pytest.approx(0.06) and wizard.stretch_control.value == pytest.approx(6)
    note = html.unescape(wizard.input_note.value)
    assert "A stretch of 600% is above the plan's limit of 25%" in note and "6 for 6%" in note
    with pytest.raises(TraitError, match="0.06"):
        wizard.stretch = 6  # in Python a fraction: 6 would be 600%
    wizard.stretch = 0.1  # a trait set in Python shows in percent
    assert wizard.stretch_control.value == pytest.approx(10)
    wizard.growth_control.value = 12
    assert wizard.growth == pytest.approx(0.12)


def test_a_target_beyond_the_stretch_limit_is_never_saved_even_with_an_override(wizard: GoalWizard) -> None:
    fill_smart_texts(wizard)
    wizard.method, wizard.growth = "growth", 6.0  # 600% over last year, as a fraction typed by mistake
    wizard.override_reason = "The board asked for it."
    assert wizard.result["stretch"] > wizard.settings.stretch_limit
    assert not wizard.save()
    assert "above the plan's limit of 25%" in wizard.status and "stretch_limit" in wizard.status
    assert open_workbook(wizard.workbook.path).plan.goal is None


def test_a_plan_with_a_stretch_written_as_a_whole_percent_is_refused_with_the_fix(workbook_dir: Path) -> None:
    from salesplan_widgets.errors import SalesplanError

    plan = workbook_dir / "plan.yaml"
    plan.write_text(plan.read_text() + "goal:\n  stretch: 6\n  stretch_limit: 0.25\n")
    with pytest.raises(SalesplanError, match="0.06 for 6%"):
        open_workbook(workbook_dir).plan  # noqa: B018 - loading the plan is what is refused
    plan.write_text(plan.read_text().replace("stretch: 6\n  stretch_limit: 0.25", "stretch_limit: 25"))
    with pytest.raises(SalesplanError, match="stretch_limit"):
        open_workbook(workbook_dir).plan  # noqa: B018 - 25 would be a limit of 2500%


def test_a_target_below_the_baseline_reads_as_below_it_in_the_summary_and_the_smart_check(
    wizard: GoalWizard,
) -> None:
    fill_smart_texts(wizard)
    wizard.stretch_control.value = -0.6
    summary = html.unescape(wizard.summary_panel.value)
    assert "Below the baseline" in summary and "0.6%" in summary and "-0.6%" not in summary
    achievable = wizard.result["smart"]["A"]
    assert achievable["passed"] is False and "0.6% below the baseline" in achievable["sentence"]
    assert not wizard.save() and "Achievable" in wizard.status


def test_the_wizard_opens_at_the_plans_saved_target_and_says_what_the_method_gives_now(
    workbook_dir: Path,
) -> None:
    fresh = GoalWizard(workbook_dir).result  # what forecast + 5% gives today
    saved_target = round(fresh["target"] * 1.01, 2)  # saved when the data said a little more
    goal = GoalSection(
        name="Grow FY2027 revenue", metric="revenue", start="2027-01-01", end="2027-12-31",
        method="stretch", stretch=0.05, target=saved_target, baseline=fresh["baseline"],
    )  # fmt: skip
    open_workbook(workbook_dir).save(goal=goal)
    wizard = GoalWizard(workbook_dir)
    assert wizard.result["target"] == pytest.approx(saved_target)
    assert wizard.result["saved_target"] is True
    assert wizard.proposal.by_period()["target"].sum() == pytest.approx(saved_target)
    note = html.unescape(wizard.summary_panel.value)
    assert "Opened at the plan's saved target" in note and "would now give" in note
    assert wizard.goal_section().target == pytest.approx(saved_target)
    wizard.stretch_control.value = 6  # an input changed: the wizard proposes afresh
    assert wizard.result["saved_target"] is False
    assert wizard.result["target"] == pytest.approx(wizard.result["baseline"] * 1.06)
    assert "Opened at" not in wizard.summary_panel.value


def test_after_saving_growth_of_12_percent_the_name_report_and_dashboard_follow_the_saved_target(
    wizard: GoalWizard,
) -> None:
    from salesplan_widgets.report.goal import GoalReport
    from salesplan_widgets.widgets.goal_wizard import goal_panel

    fill_smart_texts(wizard)
    first = wizard.result["target"]
    wizard.name = f"Grow FY2027 revenue to {round(first):,} CNY"
    wizard.override_reason = "ok"
    assert wizard.save(), wizard.status
    again = GoalWizard(wizard.workbook.path)
    assert again.result["target"] == pytest.approx(first, abs=0.01)
    again.method = "growth"
    again.growth_control.value = 12
    target = again.result["target"]
    assert target != pytest.approx(first)
    assert again.name == f"Grow FY2027 revenue to {round(target):,} CNY"  # follows live, before saving
    assert again.save(), again.status
    saved = open_workbook(wizard.workbook.path).plan.goal
    assert saved.target == pytest.approx(target, abs=0.01)
    assert saved.name == f"Grow FY2027 revenue to {round(saved.target):,} CNY"
    report = GoalReport.open(wizard.workbook.path, "2026-10")
    headline = html.unescape(str(report.headline()))
    assert saved.name in headline and report._figure(saved.target) in headline
    assert f"{round(first):,}" not in headline
    assert saved.name in html.unescape(goal_panel(wizard.workbook.path).value)
    assert GoalWizard(wizard.workbook.path).result["target"] == pytest.approx(saved.target)

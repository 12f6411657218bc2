"""The tracker driven headlessly: filters move the same marks to the model's figures; notes and re-plans save."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from fixtures.tracking_data import write_tracking_workbook

from salesplan_widgets.errors import ConflictError
from salesplan_widgets.model.pacing import PaceWindow, pace
from salesplan_widgets.model.tracking import plan_vs_actual
from salesplan_widgets.widgets import tracker as tracker_module
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook.feedback import read_feedback
from salesplan_widgets.workbook.versions import list_versions, targets_in_force

ATTAINMENT = {"Ann": 1.2, "Bo": 0.5, "Cy": 0.95}


@pytest.fixture
def workbook(tmp_path):
    return write_tracking_workbook(tmp_path / "wb", ATTAINMENT)


def expected_pace(workbook, by=(), **filters):
    frame = plan_vs_actual(workbook.read_table("targets"), workbook.cube())
    for name, value in filters.items():
        frame = frame[frame[name] == value]
    window = PaceWindow(
        pd.Period("2026-01", "M"), pd.Period("2026-12", "M"), pd.Timestamp("2026-09-30").date()
    )
    return pace(frame, window, list(by))


def test_opens_on_the_last_month_with_the_models_figures(workbook):
    view = Tracker(workbook)
    assert view.period == "2026-09"
    model = expected_pace(workbook).iloc[0]
    assert view.summary["actual"] == pytest.approx(model["actual"])
    assert view.summary["pace_index"] == pytest.approx(model["pace_index"])
    # one year-end figure: the projection's (pace's own window-end extrapolations are not in the summary);
    # year end 240,000 × (1.2 + 0.5 + 0.95) = 636,000 of the year's 3 × 312,000 = 936,000
    assert not {"seasonal_projection", "run_rate_projection", "projection_low"} & set(view.summary)
    assert view.summary["year_end_projection"] == pytest.approx(636_000)
    assert view.summary["year_end_target"] == pytest.approx(936_000)
    assert view.summary["projected_attainment"] == pytest.approx(636 / 936)
    assert "67.9%" in view.headline_panel.value
    # the cumulative chart ends at today's actual and expected, and runs the plan to December
    assert view.actual_line.y[-1] == pytest.approx(model["actual"])
    assert view.expected_line.y[-1] == pytest.approx(model["expected"])
    assert len(view.plan_line.x) == 12


def test_a_filter_moves_the_same_marks_and_never_rebuilds_a_figure(workbook):
    view = Tracker(workbook)
    figures, marks = (view.pace_chart, view.rep_chart), (view.actual_line, view.rep_bars, view.waterfall_bars)
    view.controls["team"].value = "East"
    assert view.team == "East"
    assert sorted(view.rep_bars.x) == ["Ann", "Bo"]
    east = expected_pace(workbook, team="East").iloc[0]
    assert view.summary["actual"] == pytest.approx(east["actual"])
    # the team's projected attainment: Ann 288,000 + Bo 120,000 of 2 × 312,000
    assert view.summary["projected_attainment"] == pytest.approx(408 / 624)
    assert list(view.rep_outlook["rep"]) == ["Ann", "Bo"]
    assert (view.pace_chart, view.rep_chart) == figures
    assert (view.actual_line, view.rep_bars, view.waterfall_bars) == marks
    assert view.pace_chart.marks[2] is view.actual_line


def test_reps_are_coloured_by_pace_and_at_risk_by_their_part_of_the_year_end_projection(workbook):
    view = Tracker(workbook)
    colours = dict(zip(view.rep_bars.x, view.rep_bars.color, strict=True))
    assert colours["Ann"] == 2 and colours["Cy"] == 1 and colours["Bo"] == 0  # ahead, watch, behind
    # year end = 180,000·a sold + 60,000·a forecast = 240,000·a against 312,000: Ann 92.3%, Cy 73.1%, Bo 38.5%
    # Cy is on watch by pace (0.95) but at risk by the year-end projection
    assert list(view.at_risk["rep"]) == ["Bo", "Cy"]
    assert list(view.at_risk["projected_gap"]) == pytest.approx([120_000 - 312_000, 228_000 - 312_000])
    assert list(view.at_risk["pace_index"]) == pytest.approx([0.5, 0.95])
    assert view.summary["reps_at_risk"] == 2
    assert "Bo" in view.risk_panel.value and "Cy" in view.risk_panel.value


def test_waterfall_explains_the_gap_by_the_chosen_dimension(workbook):
    view = Tracker(workbook)
    view.variance_by = "rep"
    labels = list(view.variance["label"])
    assert labels[0] == "target" and labels[-1] == "actual"
    assert set(labels[1:-1]) == {"Ann", "Bo", "Cy"}
    steps = view.variance.iloc[1:-1]
    assert steps["value"].sum() == pytest.approx(
        view.variance["value"].iloc[-1] - view.variance["value"].iloc[0]
    )
    assert len(view.waterfall_bars.x) == len(view.variance)


def test_a_note_is_saved_and_shown_beside_the_numbers(workbook):
    from salesplan_widgets.workbook.runlog import current_user

    view = Tracker(workbook, rep="Bo")
    view.note_text.value = "Two deals slipped to October"
    view.note_button.click()
    assert list(read_feedback(workbook)["text"]) == ["Two deals slipped to October"]
    assert list(read_feedback(workbook)["author"]) == [current_user()]  # who is at the keyboard, not typed
    assert "Two deals slipped to October" in view.feedback_panel.value
    view.rep = ""
    assert "Two deals slipped to October" in view.risk_panel.value  # beside Bo in the at-risk list


def test_replan_preview_then_save_makes_a_new_version_in_force_next_month(workbook):
    view = Tracker(workbook)
    view.goal_input.value = 1_000_000.0
    view.preview_button.click()
    assert view.save_button.disabled is False
    pending_targets = view._pending[0]
    later = pending_targets[pending_targets["period"] > "2026-09"]["target"].sum()
    assert later == pytest.approx(1_000_000.0 - view.summary["actual"], abs=0.005)
    assert list(list_versions(workbook)["version"]) == []  # a preview saves nothing
    view.reason_input.value = "Bo's region lost a key account"
    view.author_input.value = "Li Na"
    view.save_button.click()
    versions = list_versions(workbook)
    assert list(versions["version"]) == [1, 2] and versions.iloc[1]["effective_from"] == "2026-10"
    in_force = targets_in_force(workbook)
    assert set(in_force.loc[in_force["period"] == "2026-10", "version"]) == {2}
    assert "version 2" in view.replan_panel.value


def test_a_refused_save_is_a_message_not_a_traceback(workbook, monkeypatch):
    view = Tracker(workbook)
    view.preview_button.click()

    def refused(*args, **kwargs):
        raise ConflictError("targets_versions.json was changed by someone else since you opened it")

    monkeypatch.setattr(tracker_module, "save_version", refused)
    view.reason_input.value, view.author_input.value = "why", "who"
    view.save_button.click()
    assert "changed by someone else" in view.replan_panel.value
    assert "salesplan-error" in view.replan_panel.value


def test_the_address_picks_team_and_ignores_unknown_values(workbook):
    view = Tracker.from_query(workbook, "team=West&rep=<script>&period=1999-01")
    assert view.team == "West" and view.rep == ""
    assert view.period == "2026-09"
    assert "<script>" not in view.notice_panel.value


def test_without_targets_or_history_the_tracker_says_what_to_do(workbook):
    workbook.table_path("targets").unlink()
    view = Tracker(
        workbook
    )  # in JupyterLab: the sales it has, and how to set a target (test_tracker_without_targets.py)
    assert view.has_targets is False and "task splitter" in view.target_panel.value
    # served, it shows the sales it has and says that attainment needs a target (tests/test_tracking_without_targets.py)
    page = Tracker.dashboard(workbook)
    html = "".join(child.value for child in page.children)
    assert "salesplan-error" not in html and "Traceback" not in html
    assert "No target is set" in html and "task splitter" in html


def test_without_targets_the_demo_shows_last_years_sales_plus_growth(tmp_path):
    demo = Path(__file__).parents[1] / "workbooks" / "demo"
    (tmp_path / "plan.yaml").write_bytes((demo / "plan.yaml").read_bytes())
    shutil.copytree(demo / "data", tmp_path / "data")  # the demo's sales, without any targets table
    view = Tracker(tmp_path)
    assert "provisional" in view.notice_panel.value
    assert view.summary["target"] > 0


def test_an_event_is_previewed_for_every_quota_then_saved_with_its_description(workbook):
    view = Tracker(workbook)
    view.event_kind.value = "leaves"
    view.event_rep.value = "Bo"
    view.event_from.value = "2026-11"
    view.reason_input.value = "Bo resigned"
    view.event_button.click()
    effect = view.preview.set_index("rep")
    assert effect.loc["Bo", "change"] == pytest.approx(-effect.loc["Ann", "change"])  # Ann is Bo's team mate
    assert "Bo leaves" in view.replan_panel.value
    view.author_input.value = "Li Na"
    view.save_button.click()
    versions = list_versions(workbook)
    assert versions.iloc[-1]["effective_from"] == "2026-11"
    assert "Bo leaves" in versions.iloc[-1]["changes"][0]
    in_force = targets_in_force(workbook)
    assert in_force.loc[(in_force["rep"] == "Bo") & (in_force["period"] >= "2026-11")].empty
    assert not in_force.loc[(in_force["rep"] == "Bo") & (in_force["period"] == "2026-10")].empty


def test_an_event_naming_an_unknown_rep_is_a_message(workbook):
    view = Tracker(workbook)
    view.event_kind.value = "move"
    view.event_rep.value = "Ann"
    view.event_other.value = "Nobody"
    view.event_button.click()
    assert "salesplan-error" in view.replan_panel.value and "Nobody" in view.replan_panel.value
    assert view.save_button.disabled


def test_the_tracker_speaks_chinese_when_the_plan_does(tmp_path):
    workbook = write_tracking_workbook(tmp_path / "zh", ATTAINMENT, locale="zh_CN")
    view = Tracker(workbook)
    assert "¥" in view.headline_panel.value
    assert view.controls["period"].options[0][0] == "2026年12月"


def test_replan_can_share_the_rest_by_recent_sales(workbook):
    view = Tracker(workbook)
    view.goal_input.value = 800_000.0
    view.share_by.value = "sales"
    view.preview_button.click()
    after = view.preview.set_index("rep")["after"]
    before = view.preview.set_index("rep")["before"]
    # Ann sold most lately, so her share of what is left grows; Bo's shrinks
    assert after["Ann"] - before["Ann"] > after["Bo"] - before["Bo"]


def all_widgets(root) -> list:
    """`root` and every widget under it (children, and the panes of tabs and boxes)."""
    found, stack = [], [root]
    while stack:
        widget = stack.pop()
        found.append(widget)
        stack.extend(getattr(widget, "children", ()))
    return found


def test_the_served_tracker_has_no_writing_controls_and_a_read_only_workbook(workbook):
    import ipywidgets as widgets

    view = Tracker.dashboard(workbook.path)
    assert isinstance(view, Tracker) and view.workbook.read_only and not view.editable
    kinds = {type(w) for w in all_widgets(view)}
    assert not kinds & {widgets.Button, widgets.Text, widgets.Textarea, widgets.FloatText}
    assert [view.tabs.get_title(i) for i in range(len(view.tabs.children))] == [
        "Pace",
        "Variance",
        "At risk",
        "Feedback",
    ]
    assert not hasattr(view, "save_button") and not hasattr(view, "note_button")
    view.add_note()
    view.save_replan()
    assert read_feedback(workbook).empty and list_versions(workbook).empty


def test_a_replan_saved_from_a_stale_tracker_is_refused_with_a_message(workbook):
    first, second = Tracker(workbook), Tracker(workbook)
    for view, goal in ((first, 1_000_000.0), (second, 1_200_000.0)):
        view.goal_input.value = goal
        view.preview_button.click()
        view.reason_input.value = "new goal"
    first.save_button.click()
    second.save_button.click()
    assert "version 2" in first.replan_panel.value
    assert "salesplan-error" in second.replan_panel.value
    assert list(list_versions(workbook)["version"]) == [1, 2]


def test_with_a_team_selected_the_replan_replans_that_team_only_and_is_audited(workbook):
    from salesplan_widgets.workbook.audit import read_audit

    view = Tracker(workbook)
    view.team = "East"
    before = workbook.read_table("targets")
    view.goal_input.value = 700_000.0
    view.preview_button.click()
    assert "East only" in view.replan_panel.value
    assert set(view.preview["rep"]) == {"Ann", "Bo"}
    view.reason_input.value = "East lost a distributor"
    view.save_button.click()
    assert list(list_versions(workbook)["version"]) == [1, 2]
    in_force = targets_in_force(workbook)
    west = lambda t: t[t["team"] == "West"].groupby("period")["target"].sum()  # noqa: E731
    pd.testing.assert_series_equal(west(in_force), west(before), check_exact=False, rtol=0, atol=0.001)
    east = in_force[(in_force["team"] == "East") & (in_force["period"] > "2026-09")]["target"].sum()
    east_closed = workbook.cube().query("team == 'East' and period <= '2026-09'")["actual"].sum()
    assert east == pytest.approx(700_000.0 - east_closed, abs=0.005)
    assert "targets.version" in set(read_audit(workbook)["action"])


def test_once_the_year_is_over_its_reps_ended_short_rather_than_being_at_risk(tmp_path, monkeypatch):
    """December shown after December: Bo sold 50% of his year and Cy 95%, under and over the 90% line."""
    from salesplan_widgets.model import pacing

    year = write_tracking_workbook(tmp_path / "year", ATTAINMENT, through="2026-12")
    monkeypatch.setattr(pacing, "today", lambda: pd.Timestamp("2027-01-04").date())
    view = Tracker(year, period="2026-12")
    assert view.year_over()
    panel = view.risk_panel.value
    assert "Ended the year under 90.0% of target" in panel and "At risk" not in panel
    assert "Bo" in panel and "Cy" not in panel and "50.0%" in panel and "Projected" not in panel

    monkeypatch.setattr(pacing, "today", lambda: pd.Timestamp("2026-12-10").date())
    running = Tracker(year, period="2026-12")  # December still being sold: reps are at risk
    assert not running.year_over()
    assert "At risk (year-end projection under 90.0% of target)" in running.risk_panel.value

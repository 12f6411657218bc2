"""The Tracker's goal in force for the period shown is read when asked, not left behind by `projection()`.

widgets/tracker.py kept each period's goal in a dict that only the projection filled, so a figure read before
the projection (or after the targets were reloaded) depended on what had been called first. `Tracker.goal()`
now reads the goal in force for the selected period itself. On the rollover workbook (2026 planned and kept
in the history, 2027's goal saved and split), December is tracked against 2026's goal and January against
2027's, whatever is asked first and however the period is switched in the widget.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_year_rollover import planned_year, set_next_goal

from salesplan_widgets import open_workbook
from salesplan_widgets.widgets.task_splitter import TaskSplitter
from salesplan_widgets.widgets.tracker import Tracker

LAST_YEAR_GOAL = 120_000_000.0  # planned_year's 2026 goal


@pytest.fixture(scope="module")
def two_goals(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """The rollover workbook with 2027's goal saved and split; the 2027 target."""
    folder = planned_year(tmp_path_factory.mktemp("goal_in_force") / "workbook")
    set_next_goal(folder)  # as the analyst does: 2026's plan kept in the history
    assert TaskSplitter(folder).save()
    return folder, open_workbook(folder).plan.goal.target


@pytest.fixture
def workbook_dir(two_goals, tmp_path: Path) -> Path:
    return Path(shutil.copytree(two_goals[0], tmp_path / "workbook"))


def test_the_goal_is_the_periods_own_before_any_figure_is_asked_for(two_goals):
    folder, target = two_goals
    december = Tracker(folder, period="2026-12")
    december._projections.clear()  # nothing computed for the period yet: the goal needs no projection
    december._goals.clear()
    assert december.goal().target == pytest.approx(LAST_YEAR_GOAL)
    assert str(december.goal().end) == "2026-12-31"
    january = Tracker(folder, period="2027-01")
    january._goals.clear()
    assert january.goal().target == pytest.approx(target)


def test_year_over_asked_before_the_projection_reads_the_periods_goal(two_goals):
    """Guard (passes on main too: its refresh happened to compute the projection before the goal)."""
    folder, _target = two_goals
    tracker = Tracker(folder, period="2026-12")
    tracker._projections.clear()
    tracker._goals.clear()
    assert tracker.year_over()  # 2026's goal, whose year the January sales have passed
    assert str(tracker.projection().end) == "2026-12"
    tracker.refresh()
    assert tracker.summary["year_end_target"] == pytest.approx(LAST_YEAR_GOAL)


def test_switching_the_period_in_the_widget_switches_the_goal_both_ways(two_goals):
    folder, target = two_goals
    tracker = Tracker(folder, period="2026-12")
    assert tracker.summary["year_end_target"] == pytest.approx(LAST_YEAR_GOAL)
    tracker.controls["period"].value = "2027-01"  # as a reader picks the month
    assert tracker.period == "2027-01"
    assert tracker.goal().target == pytest.approx(target)
    assert tracker.summary["year_end_target"] == pytest.approx(target)
    assert tracker.summary["year_end"] == "2027-12"
    tracker.controls["period"].value = "2026-12"
    assert tracker.goal().target == pytest.approx(LAST_YEAR_GOAL)
    assert tracker.summary["year_end_target"] == pytest.approx(LAST_YEAR_GOAL)
    assert tracker.summary["year_end"] == "2026-12"


def test_the_figures_agree_whatever_is_asked_first(two_goals):
    """Guard (passes on main too): the horizon, projection and summary do not depend on the order asked."""
    folder, _target = two_goals
    straight = Tracker(folder, period="2027-01")
    other = Tracker(folder, period="2026-12")
    other.period = "2027-01"
    other._projections.clear()
    other._goals.clear()
    over = other.year_over()  # the horizon first, then the projection, then the summary
    projection = other.projection()
    other.refresh()
    assert over == straight.year_over()
    assert projection.total == pytest.approx(straight.projection().total)
    assert projection.end == straight.projection().end
    assert other.summary["year_end_target"] == pytest.approx(straight.summary["year_end_target"])
    pd.testing.assert_frame_equal(other.rep_outlook, straight.rep_outlook)


def test_the_goal_follows_the_plan_after_the_targets_are_reloaded(workbook_dir: Path):
    tracker = Tracker(workbook_dir, period="2027-01")
    assert tracker.goal().target != pytest.approx(LAST_YEAR_GOAL)
    tracker._load_targets()  # as after a re-plan is saved: every cached figure dropped
    assert tracker.goal().target != pytest.approx(LAST_YEAR_GOAL)
    tracker.refresh()
    assert tracker.summary["year_end_target"] == pytest.approx(tracker.goal().target)

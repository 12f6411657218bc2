"""After a re-plan, the Tracker and the meeting pack measure the one projection against the same target.

A re-plan (a plan version) moves the remaining months' quotas, not the goal: for the whole company the
projected attainment is the projection ÷ the goal's target on both pages; for a selection (a team, a rep)
it is the projection of the selection ÷ the selection's own targets in force over the horizon.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixtures.demo_company import copy_demo

from salesplan_widgets import open_workbook
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook.versions import save_version, targets_in_force

PERIOD = "2026-10"  # the committed demo's last month


@pytest.fixture(scope="module")
def replanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with its second half's quotas cut by a tenth from July (an H2 re-plan)."""
    folder = copy_demo(tmp_path_factory.mktemp("replan") / "demo")
    targets = pd.read_csv(folder / "tables" / "targets.csv", dtype={"period": str})
    save_version(
        open_workbook(folder), targets.assign(target=targets["target"] * 0.9), "H2", "ana", "2026-07"
    )
    return folder


def _goal_target(folder: Path) -> float:
    return float(open_workbook(folder).plan.goal.target)


def test_the_re_plan_moved_the_quotas_in_force_below_the_goal(replanned: Path):
    in_force = float(targets_in_force(open_workbook(replanned))["target"].sum())
    assert in_force < 0.99 * _goal_target(replanned)  # the two candidate targets differ


def test_tracker_and_pack_show_the_goals_target_for_the_whole_company(replanned: Path):
    goal = _goal_target(replanned)
    report = TrackingReport.open(replanned, PERIOD)
    tracker = Tracker(replanned)
    tracker.period = PERIOD
    assert report.projection_target() == pytest.approx(goal)
    assert tracker.summary["year_end_target"] == pytest.approx(goal)
    assert tracker.summary["projected_attainment"] == pytest.approx(report.projection.total / goal)
    assert tracker.projection().total == pytest.approx(report.projection.total)


def test_a_team_is_measured_against_its_own_targets_in_force(replanned: Path):
    tracker = Tracker(replanned)
    tracker.period = PERIOD
    team = tracker.choices["team"][0]
    tracker.team = team
    split = tracker._split_projection().forecast
    in_force = targets_in_force(open_workbook(replanned))
    periods = in_force["period"].astype(str)
    inside = periods.between(str(split.start), str(split.end)) & (in_force["team"].astype(str) == team)
    own = float(in_force.loc[inside, "target"].sum())
    assert tracker.summary["year_end_target"] == pytest.approx(own)
    assert tracker.summary["projected_attainment"] == pytest.approx(tracker.projection().total / own)

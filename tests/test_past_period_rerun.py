"""A past period re-run after the next year's goal is saved tracks against the goal it was issued under.

1 January: December 2026's report was issued under the 2026 goal (its 95% range, its target of 120M while
a re-plan cut the second half's quotas). The analyst then saves and splits the 2027 goal; the plan's goal
is 2027's and 2026's is kept in `history/`. Re-issuing December (or opening November in the Tracker) must
show what was issued: 2026's target, horizon and range, the 2026 quotas (the re-plan's) per rep.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

import pandas as pd
import pytest
from test_year_rollover import _targets, close_december, planned_year, set_next_goal

from salesplan_widgets import open_workbook
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets.task_splitter import TaskSplitter
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook.versions import save_version, targets_in_force

LEVEL_2026 = 0.95  # the 2026 goal's range: not the default, so a page using another goal shows it


def _issue(folder: Path, period: str) -> tuple[dict, str]:
    """`salesplan run --period` of the tracking pack (real papermill); its metrics and page."""
    run = subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", "run", str(folder), "--period", period]
        + ["--template", "report_tracking"],
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ,
    )
    assert run.returncode == 0, run.stderr
    report = folder / "reports" / period
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))["report_tracking"]
    return metrics, (report / "report_tracking.html").read_text(encoding="utf-8")


def _tracker(folder: Path, period: str) -> dict:
    tracker = Tracker(folder)
    tracker.period = period
    summary = {k: None if isinstance(v, float) and pd.isna(v) else v for k, v in tracker.summary.items()}
    return summary | {"at_risk": list(tracker.at_risk["rep"]), "risk": tracker.risk_panel.value}


def _pack(folder: Path, period: str) -> dict:
    report = TrackingReport.open(folder, period)
    return {
        "target": report.projection_target(),
        "horizon": (str(report.projection.start), str(report.projection.end)),
        "range": report.projection.interval,
        "decisions": report.decision_list(),
        "at_risk": str(report.at_risk()),
        "headline": str(report.headline()),
        "decisions_section": str(report.decisions()),  # names the plan version in force
    }


@pytest.fixture(scope="module")
def rolled_over(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """2026 planned (95% range), re-planned from July, December issued; then 2027's goal saved and split.
    What the pages showed before the rollover, and the workbook after it."""
    folder = planned_year(tmp_path_factory.mktemp("rerun") / "workbook")
    workbook = open_workbook(folder)
    workbook.save(goal=workbook.plan.goal.model_copy(update={"interval_level": LEVEL_2026}))
    relief = _targets(folder).assign(target=lambda t: t["target"] * 0.9)
    save_version(open_workbook(folder), relief, "H2 relief", "ana", "2026-07")
    issued = _issue(folder, "2026-12")
    before = {
        "december": _pack(folder, "2026-12"),
        "november": _pack(folder, "2026-11"),
        "tracker_november": _tracker(folder, "2026-11"),
        "tracker_december": _tracker(folder, "2026-12"),
        "in_force": targets_in_force(open_workbook(folder)),
    }
    shutil.rmtree(folder / "reports" / "2026-12")  # re-issued below from the rolled-over workbook
    close_december(open_workbook(folder))
    set_next_goal(folder)
    assert TaskSplitter(folder).save()
    return {"folder": folder, "issued": issued, **before}


def test_the_rolled_over_workbook_tracks_2027_and_keeps_2026_in_the_history(rolled_over: dict):
    folder = rolled_over["folder"]
    assert str(open_workbook(folder).plan.goal.start) == "2027-01-01"
    assert (folder / "history" / "2026-01_2026-12" / "plan.yaml").exists()


def test_december_re_issued_after_the_2027_goal_is_saved_is_as_it_was_issued(rolled_over: dict):
    metrics, page = _issue(rolled_over["folder"], "2026-12")
    issued, issued_page = rolled_over["issued"]
    assert metrics["tracking_projection_end"] == "2026-12"
    assert metrics == issued
    december = _pack(rolled_over["folder"], "2026-12")
    assert december == rolled_over["december"]
    # the year closed against 2026's goal of 120M, not the re-planned quotas' sum nor 2027's goal
    assert december["target"] == pytest.approx(120e6)
    assert metrics["tracking_projection_target"] == pytest.approx(120e6)
    assert "Targets in force: plan version 2." in december["decisions_section"]  # the H2 re-plan, not 2027's
    for decision in (escape(d, quote=False) for d in december["decisions"]):
        assert decision in issued_page and decision in page


def test_november_re_opened_shows_2026s_range_and_target(rolled_over: dict):
    november = _pack(rolled_over["folder"], "2026-11")
    assert november == rolled_over["november"]
    assert november["horizon"] == ("2026-01", "2026-12") and november["target"] == pytest.approx(120e6)


@pytest.mark.parametrize("period", ["2026-11", "2026-12"])
def test_the_tracker_on_a_2026_month_shows_what_it_showed_before_the_rollover(rolled_over: dict, period):
    before = rolled_over[f"tracker_{'november' if period == '2026-11' else 'december'}"]
    after = _tracker(rolled_over["folder"], period)
    assert after == before


def test_2026_months_are_tracked_against_2026s_quotas_the_re_plan_included(rolled_over: dict):
    in_force = targets_in_force(open_workbook(rolled_over["folder"]))
    before = rolled_over["in_force"]
    year = in_force[in_force["period"] < pd.Period("2027-01", "M")]
    pd.testing.assert_frame_equal(year.reset_index(drop=True), before.reset_index(drop=True))
    assert set(year.loc[year["period"] >= pd.Period("2026-07", "M"), "version"]) == {2}

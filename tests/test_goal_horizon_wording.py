"""A goal's horizon may be a half-year or a quarter: once it closed, the meeting pack and the Tracker name the
horizon that closed ("The half-year (Jan 2026 – Jun 2026) closed …"), in both languages, and keep "year"
for a year. Each rep's first-half target is 84,000; Ann sold 120%, Bo 50%, Cy 95%: 222,600 of 252,000."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixtures.tracking_data import write_tracking_workbook

from salesplan_widgets.model import pacing
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.projection import horizon_kind
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets.tracker import Tracker

ATTAINMENT = {"Ann": 1.2, "Bo": 0.5, "Cy": 0.95}
HALF_YEAR_GOAL = """\
goal:
  name: First half
  metric: revenue
  start: '2026-01-01'
  end: '2026-06-30'
  target: 252000
"""
HALF = "half-year (Jan 2026 – Jun 2026)"


@pytest.fixture
def half_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workbook whose goal runs January to June 2026, its sales through June, seen on 6 July."""
    folder = write_tracking_workbook(tmp_path / "half", ATTAINMENT, through="2026-06").path
    with (folder / "plan.yaml").open("a", encoding="utf-8") as plan:
        plan.write(HALF_YEAR_GOAL)
    monkeypatch.setattr(pacing, "today", lambda: pd.Timestamp("2026-07-06").date())
    return folder


def test_the_meeting_pack_of_a_six_month_goal_says_the_half_year_closed(half_year: Path) -> None:
    report = TrackingReport.open(half_year, "2026-06")
    assert (report.projection.start, report.projection.end) == (
        pd.Period("2026-01", "M"),
        pd.Period("2026-06", "M"),
    )
    assert report.horizon_over()
    decisions = report.decision_list()
    assert decisions[0].startswith(f"The {HALF} closed at 88.3% of its target, ")
    assert report._money(252_000 - 222_600) in decisions[0]
    assert "take what fell short into the next goal and split" in decisions[0]
    assert (
        f"Review the {HALF} with the 1 reps who ended under 90.0% of target (largest gap: Bo)." in decisions
    )
    assert not any(w in d.lower() for d in decisions for w in ("the year", "next year"))
    ended = str(report.at_risk())
    assert f"Ended the {HALF} under 90.0% of target" in ended and "Bo" in ended and "Cy" not in ended
    assert "the year" not in ended.lower()


def test_the_meeting_pack_of_a_six_month_goal_in_chinese_says_the_half_year_closed(half_year: Path) -> None:
    report = TrackingReport.open(half_year, "2026-06", locale="zh_CN")
    decisions = report.decision_list()
    assert decisions[0].startswith("半年（2026年1月 至 2026年6月）以目标的 88.3% 收官")
    assert not any("全年" in d or "明年" in d for d in decisions)
    ended = str(report.at_risk())
    assert "半年（2026年1月 至 2026年6月）低于目标 90.0%" in ended and "全年" not in ended


def test_the_tracker_says_who_ended_the_half_year_short(half_year: Path) -> None:
    view = Tracker(half_year, period="2026-06")
    assert view.year_over()
    panel = view.risk_panel.value
    assert f"Ended the {HALF} under 90.0% of target" in panel and "Ended the year" not in panel
    assert "Bo" in panel and "Cy" not in panel


def test_a_met_quarter_goal_is_closed_by_name_and_set_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second-quarter goal of 100,000 met: "The quarter (Apr 2026 – Jun 2026) closed at … set the next goal"."""
    folder = write_tracking_workbook(tmp_path / "q2", ATTAINMENT, through="2026-06").path
    quarter_goal = HALF_YEAR_GOAL.replace("2026-01-01", "2026-04-01").replace("252000", "100000")
    (folder / "plan.yaml").write_text(
        (folder / "plan.yaml").read_text("utf-8") + quarter_goal, encoding="utf-8"
    )
    monkeypatch.setattr(pacing, "today", lambda: pd.Timestamp("2026-07-06").date())
    decisions = TrackingReport.open(folder, "2026-06").decision_list()
    assert decisions[0].startswith("The quarter (Apr 2026 – Jun 2026) closed at ")
    assert decisions[0].endswith("recognise the champions and set the next goal.")


@pytest.mark.parametrize(
    ("grain", "first", "last", "kind"),
    [
        ("month", "2026-01", "2026-12", "year"),
        ("month", "2026-07", "2027-06", "year"),  # twelve months from July are a year too
        ("month", "2026-01", "2026-06", "half-year"),
        ("month", "2026-04", "2026-06", "quarter"),
        ("month", "2026-01", "2026-08", "period"),
        ("quarter", "2026-01-01", "2026-12-31", "year"),
        ("quarter", "2026-01-01", "2026-06-30", "half-year"),
        ("quarter", "2026-04-01", "2026-04-01", "quarter"),
        ("week", "2025-12-29", "2027-01-03", "year"),  # ISO 2026: 53 weeks
        ("week", "2026-01-05", "2026-07-05", "half-year"),  # 26 weeks
        ("week", "2026-01-05", "2026-04-05", "quarter"),  # 13 weeks
        ("week", "2026-01-05", "2026-02-01", "period"),
    ],
)
def test_a_horizon_is_named_by_its_length_at_every_grain(
    grain: str, first: str, last: str, kind: str
) -> None:
    calendar = FiscalCalendar(grain)
    assert horizon_kind(calendar.period(first), calendar.period(last), calendar) == kind

"""The tracking pack and the Tracker word a weekly workbook in weeks and a half-year goal as a half-year.

On a weekly workbook the pack said "re-plan the remaining months"; the at-risk heading and the projected
attainment card said "year-end projection" for a goal of six months. Both languages.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.demo import create_demo
from salesplan_widgets.i18n import set_locale
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets.tracker import Tracker


@pytest.fixture(scope="module")
def weekly_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The weekly demo with a half-year goal (July – December 2026) far above its sales: a shortfall."""
    folder = create_demo(tmp_path_factory.mktemp("weekly") / "wb", end="2026-10", rows=20_000, grain="week")
    workbook = open_workbook(folder)
    goal = workbook.plan.goal.model_copy(
        update={"start": dt.date(2026, 7, 1), "end": dt.date(2026, 12, 31), "target": 1e12}
    )
    workbook.save(goal=goal)
    return folder


@pytest.fixture
def weekly(weekly_template: Path, tmp_path: Path):
    folder = Path(shutil.copytree(weekly_template, tmp_path / "wb"))
    yield folder
    set_locale("en")


def _last_week(folder: Path) -> str:
    return str(open_workbook(folder).cube()["period"].max())


def test_the_weekly_pack_re_plans_the_remaining_weeks_and_names_the_half_year(weekly: Path):
    report = TrackingReport.open(weekly, _last_week(weekly))
    decisions = report.decision_list()
    assert any("re-plan the remaining weeks" in d for d in decisions), decisions
    assert not any("month" in d for d in decisions)
    headline, at_risk = str(report.headline()), str(report.at_risk())
    assert "Week attainment" in headline and "Month attainment" not in headline
    assert "projection for the half-year (" in headline and "year-end projection" not in headline
    assert "At risk (projection for the half-year (" in at_risk and "year-end" not in at_risk


def test_the_weekly_pack_in_chinese_says_weeks_and_half_year(weekly: Path):
    report = TrackingReport.open(weekly, _last_week(weekly), locale="zh_CN")
    decisions = " ".join(report.decision_list())
    assert "剩余的周" in decisions and "剩余月份" not in decisions
    assert "半年" in str(report.at_risk()) and "年终预测" not in str(report.at_risk())
    assert "当周达成率" in str(report.headline())


def test_the_tracker_names_the_half_year_and_refuses_a_week_without_targets_as_a_week(weekly: Path):
    tracker = Tracker(weekly)
    tracker.period = tracker.periods[-1]
    assert "half-year (" in tracker.risk_panel.value and "year-end" not in tracker.risk_panel.value
    assert "projection for the half-year (" in tracker.headline_panel.value
    assert "year-end projection" not in tracker.headline_panel.value
    with pytest.raises(Exception, match="is not a week with targets"):
        tracker.period = "2020-01"


def test_a_yearly_goal_keeps_its_year_end_words(tmp_path: Path):
    folder = create_demo(tmp_path / "wb", end="2026-10", rows=20_000)
    report = TrackingReport.open(folder, "2026-10")
    assert "year-end projection" in str(report.headline())
    assert "Month attainment" in str(report.headline())

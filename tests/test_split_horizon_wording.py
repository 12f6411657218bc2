"""A split of a six-month goal names its horizon: "share of the half-year", not "share of the year".

The my-targets view's summary and milestones (widgets/task_splitter.py) and the period report's split section said "year" for a goal of
six months; they now name the horizon as the tracking pages do (`report.projection.horizon_name`), in both
languages, and keep their year words for a year.
"""

from __future__ import annotations

import datetime as dt
import shutil
from html import unescape
from pathlib import Path

import pytest
from fixtures.demo_company import copy_demo

from salesplan_widgets import open_workbook
from salesplan_widgets.i18n import set_locale
from salesplan_widgets.report.split import SplitReport
from salesplan_widgets.widgets.task_splitter import MyTargets, TaskSplitter


@pytest.fixture(scope="module")
def half_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with a goal for January – June 2026, split and saved."""
    folder = copy_demo(tmp_path_factory.mktemp("half") / "demo")
    workbook = open_workbook(folder)
    goal = workbook.plan.goal.model_copy(
        update={"start": dt.date(2026, 1, 1), "end": dt.date(2026, 6, 30), "target": 140_000_000.0}
    )
    split = workbook.plan.split.model_copy(update={"months": 6, "goal": 140_000_000.0})
    workbook.save(goal=goal, split=split)
    splitter = TaskSplitter(folder)
    assert [str(splitter.periods[0]), str(splitter.periods[-1])] == ["2026-01", "2026-06"]
    assert splitter.save()
    return folder


@pytest.fixture
def chinese():
    yield
    set_locale("en")


def _splitter_text(folder: Path) -> str:
    view = MyTargets(folder)
    return unescape(view.summary_panel.value + view.milestone_panel.value)


def _report_text(folder: Path, locale: str | None = None) -> str:
    report = SplitReport.open(folder, "2026-03", locale=locale)
    return unescape(str(report.headline()) + str(report.breakdown("segment")) + str(report.milestones()))


def test_the_task_splitter_names_the_half_year(half_year: Path):
    text = _splitter_text(half_year)
    assert "Share of the half-year" in text and "Target for the half-year" in text
    assert "year target" not in text.lower() and "Share of the year" not in text


def test_the_split_report_names_the_half_year(half_year: Path):
    text = _report_text(half_year)
    assert "Share of the half-year" in text and "Target for the half-year" in text
    assert "Share of the half-year's target" in text
    assert "Year's target" not in text and "Share of year" not in text and "the year's target" not in text


def test_the_split_pages_in_chinese_name_the_half_year(half_year: Path, tmp_path: Path, chinese):
    folder = Path(shutil.copytree(half_year, tmp_path / "demo"))
    workbook = open_workbook(folder)
    workbook.save(plan=workbook.plan.model_copy(update={"locale": "zh_CN"}))
    text = _splitter_text(folder) + _report_text(folder, "zh_CN")
    assert "占半年比例" in text and "半年目标" in text
    assert "全年" not in text and "年度目标" not in text


def test_a_year_split_keeps_its_year_words(tmp_path: Path):
    folder = copy_demo(tmp_path / "demo")
    text = _report_text(folder)
    assert "Year's target" in text and "Share of year" in text
    assert "Share of the year" in _splitter_text(folder)

"""The pack and the Tracker name the pace window they add up: a quarter's pace says "quarter to date".

With `tracking.pace_window: quarter` the headline card summed the quarter while it read "Year to date … of
the year's target", and the waterfall said "year to date". Both languages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.demo import create_demo
from salesplan_widgets.i18n import set_locale
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets.tracker import Tracker


@pytest.fixture(scope="module")
def quarter_paced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = create_demo(tmp_path_factory.mktemp("paced") / "wb", end="2026-10", rows=20_000)
    workbook = open_workbook(folder)
    workbook.save(tracking=workbook.plan.tracking.model_copy(update={"pace_window": "quarter"}))
    yield folder
    set_locale("en")


def test_a_quarter_paced_pack_says_quarter_to_date(quarter_paced: Path):
    report = TrackingReport.open(quarter_paced, "2026-10")
    assert (report.window.first, report.window.last) == (report.period, report.period + 2)  # Oct – Dec
    headline, drivers = str(report.headline()), str(report.drivers())
    assert "Quarter to date" in headline and "quarter" in headline.split("Quarter to date")[1]
    assert (
        "Year to date" not in headline and "year&#x27;s target" not in headline and "year's" not in headline
    )
    assert "quarter to date" in drivers and "year to date" not in drivers


def test_a_quarter_paced_pack_in_chinese(quarter_paced: Path):
    headline = str(TrackingReport.open(quarter_paced, "2026-10", locale="zh_CN").headline())
    assert "季初至今" in headline and "当季目标" in headline and "年初至今" not in headline


def test_the_tracker_waterfall_names_the_quarter(quarter_paced: Path):
    tracker = Tracker(quarter_paced)
    assert tracker.waterfall_chart.title == "From target to actual, quarter to date"

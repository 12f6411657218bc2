"""The period controls and columns name the plan's period (week, month, quarter), in both languages, instead
of saying "Month" on a weekly or quarterly workbook; the feedback log and the pay calculator, which are by
month at every grain, keep "Month"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from salesplan_widgets.demo import create_demo
from salesplan_widgets.hub.scoped import SendPanel
from salesplan_widgets.i18n import dimension_labels, period_name, use_locale
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.widgets.overview import SalesOverview
from salesplan_widgets.widgets.task_splitter import TaskSplitter
from salesplan_widgets.widgets.tracker import Tracker

NAMES = {  # grain -> (English, Chinese)
    "week": ("Week", "周"),
    "quarter": ("Quarter", "季度"),
    "month": ("Month", "月份"),
}


@pytest.mark.parametrize(
    ("grain", "english", "chinese"),
    [
        ("month", "Month", "月份"),
        ("week", "Week", "周"),
        ("quarter", "Quarter", "季度"),
        ("4-4-5", "Week", "周"),  # a retail period's rows are its Sunday-to-Saturday weeks
        ("4-5-4", "Week", "周"),
        ("5-4-4", "Week", "周"),
    ],
)
def test_each_grain_names_its_period_in_both_languages(grain: str, english: str, chinese: str) -> None:
    calendar = FiscalCalendar(grain)
    assert calendar.period_name("en") == period_name(grain, "en") == english
    assert calendar.period_name("zh_CN") == period_name(grain, "zh_CN") == chinese
    assert dimension_labels(grain)["period"] == english
    with use_locale("zh_CN"):
        assert dimension_labels(grain)["period"] == chinese
        assert calendar.period_name() == chinese


def test_a_grain_it_does_not_know_is_a_period() -> None:
    assert period_name("fortnight", "en") == "Period"
    assert period_name("fortnight", "zh_CN") == "期间"


@pytest.fixture(scope="module", params=[(g, loc) for g in ("week", "quarter") for loc in ("en", "zh_CN")])
def workbook(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, str]:
    grain, locale = request.param
    folder = tmp_path_factory.mktemp(f"{grain}_{locale}") / "wb"
    create_demo(folder, end="2026-10", rows=5_000, grain=grain, locale=locale)
    english, chinese = NAMES[grain]
    return folder, locale, english if locale == "en" else chinese


def test_tracker_period_picker_names_the_plans_period(workbook: tuple[Path, str, str]) -> None:
    folder, locale, name = workbook
    tracker = Tracker(folder)
    assert tracker.controls["period"].description == name
    # the feedback log is by month at every grain: its column names the note's own month
    month = NAMES["month"][0 if locale == "en" else 1]
    tracker.rep = tracker.choices["rep"][0]
    tracker.note_text.value = "A note"
    tracker.add_note()
    assert re.search(rf"<th[^>]*>{month}</th>", tracker.feedback_panel.value)


def test_overview_picker_and_headline_name_the_plans_period(workbook: tuple[Path, str, str]) -> None:
    folder, _locale, name = workbook
    overview = SalesOverview(folder)
    overview.refresh()
    assert overview.period_control.description == name
    assert name in overview.headline_panel.value
    month = NAMES["month"]
    assert month[0] not in overview.headline_panel.value and month[1] not in overview.headline_panel.value


def test_task_splitter_level_menu_names_the_plans_period(workbook: tuple[Path, str, str]) -> None:
    folder, _locale, name = workbook
    splitter = TaskSplitter(folder)
    menus = [row.children[1] for row in splitter.level_box.children]
    assert menus and all((name, "period") in menu.options for menu in menus)


def test_signed_in_send_panel_names_the_plans_period(tmp_path: Path) -> None:
    weekly = SendPanel(tmp_path / "inbox", "manager", ["Li Na"], ["2026-10-26/2026-11-01"], grain="week")
    quarterly = SendPanel(tmp_path / "inbox", "manager", ["Li Na"], ["2026Q3"], grain="quarter")
    assert (weekly.period.description, quarterly.period.description) == ("Week", "Quarter")
    with use_locale("zh_CN"):
        assert SendPanel(
            tmp_path / "inbox", "manager", ["Li Na"], ["2026Q3"], grain="quarter"
        ).period.description == ("季度")

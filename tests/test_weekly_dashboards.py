"""The dashboards' widgets on a weekly workbook, headless: periods are weeks named by the calendar, the
tracker paces weeks, the goal wizard forecasts the goal's own weeks, and pay is measured by month."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.demo import create_demo
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.report.sales_tracking import feedback_section
from salesplan_widgets.widgets.goal_wizard import GoalWizard
from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator
from salesplan_widgets.widgets.overview import SalesOverview
from salesplan_widgets.widgets.task_splitter import MyTargets, TaskSplitter
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook.feedback import read_feedback

WEEK_44 = "2026-10-26/2026-11-01"


@pytest.fixture(scope="module")
def weekly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_demo(tmp_path_factory.mktemp("weekly") / "wb", end="2026-10", rows=20_000, grain="week")


def test_tracker_paces_the_weeks_of_the_year(weekly: Path) -> None:
    tracker = Tracker(weekly)
    assert tracker.period == WEEK_44
    names = dict((value, label) for label, value in tracker.controls["period"].options)
    assert names[WEEK_44] == "W44 2026"
    window = tracker._window()
    assert window.first == pd.Period("2025-12-29", freq="W-SUN")  # ISO week 1 of 2026: the fiscal year
    assert window.last == pd.Period("2027-01-03", freq="W-SUN")
    path = tracker.path
    assert path["period"].dtype == pd.PeriodDtype("W-SUN") and len(path) == 53


def test_a_note_added_on_a_week_is_filed_under_the_month_it_counts_in(weekly: Path, tmp_path: Path) -> None:
    """The feedback log is by month: the tracker of a weekly workbook files a note on W44 (26 Oct – 1 Nov,
    Thursday 29 October) under October, instead of refusing the week as a period."""
    folder = shutil.copytree(weekly, tmp_path / "wb")
    older = (  # a September note, and one a task sheet filed under its first week (W40: Thursday 1 October)
        "period,rep,author,source,date,text\n"
        "2026-09,Li Na,mgr,manager,2026-09-30,September note\n"
        "2026-09-28/2026-10-04,Li Na,Li Na,task sheet,2026-09-28,Week note\n"
    )
    (folder / "tables" / "feedback.csv").write_text(older, encoding="utf-8")
    tracker = Tracker(folder)
    assert tracker.period == WEEK_44
    tracker.rep = tracker.choices["rep"][0]
    tracker.note_text.value = "Two renewals slipped into November"
    tracker.add_note()
    assert "error" not in tracker.note_message.value
    notes = pd.read_csv(folder / "tables" / "feedback.csv", dtype=str)
    assert notes.iloc[-1][["period", "rep", "text"]].tolist() == [
        "2026-10",
        tracker.choices["rep"][0],
        "Two renewals slipped into November",
    ]
    assert (
        (folder / "tables" / "feedback.csv").read_text(encoding="utf-8").startswith(older)
    )  # kept as written
    october = read_feedback(open_workbook(folder), period="2026-10")
    assert sorted(october["text"]) == ["Two renewals slipped into November", "Week note"]
    assert read_feedback(open_workbook(folder), period="2026-09")["text"].tolist() == ["September note"]
    assert "Two renewals slipped" in tracker.feedback_panel.value  # the week's view shows its month's notes
    week = pd.Period(WEEK_44, freq="W-SUN")
    assert "Two renewals slipped" in str(feedback_section(open_workbook(folder), week))
    assert "Two renewals slipped" not in str(feedback_section(open_workbook(folder), week + 1))  # November's


def test_overview_shows_the_week_and_the_same_week_last_year(weekly: Path) -> None:
    overview = SalesOverview(weekly)
    overview.refresh()
    cube = open_workbook(weekly).cube()
    week = pd.Period(WEEK_44, freq="W-SUN")
    assert overview.period == WEEK_44
    trend = overview.trend_table.set_index("period")
    assert trend.loc[week, "actual"] == pytest.approx(cube.loc[cube["period"] == week, "actual"].sum())
    year_ago = FiscalCalendar("week").same_period_years_ago([week])[0]
    assert trend.loc[week, "actual_last_year"] == pytest.approx(
        cube.loc[cube["period"] == year_ago, "actual"].sum()
    )


def test_goal_wizard_forecasts_the_goals_own_weeks(weekly: Path) -> None:
    wizard = GoalWizard(weekly)
    assert (wizard.start, wizard.end) == ("2026-01", "2026-12")
    assert wizard.forecast.start == pd.Period("2025-12-29", freq="W-SUN")
    assert wizard.forecast.end == pd.Period("2027-01-03", freq="W-SUN")
    section = wizard.goal_section()
    assert section.start.isoformat() == "2026-01-01" and section.end.isoformat() == "2026-12-31"


def test_incentive_calculator_pays_months_made_of_weeks(weekly: Path) -> None:
    calculator = IncentiveCalculator(weekly)
    assert calculator.period == "2026-10"
    assert calculator.statements is not None and calculator.statements.total > 0
    cube = open_workbook(weekly).cube()
    october = FiscalCalendar("week").month_periods(pd.Period("2026-10", freq="M"))
    reps = calculator.statements.reps
    sales = reps.loc[reps["period"] == pd.Period("2026-10", freq="M"), "period_sales"].sum()
    assert sales == pytest.approx(cube.loc[cube["period"].isin(october), "actual"].sum())


def test_task_splitter_splits_the_goal_over_the_weeks_with_quarterly_milestones(weekly: Path) -> None:
    splitter = TaskSplitter(weekly)
    targets = splitter.result.targets
    assert targets["period"].dtype == pd.PeriodDtype("W-SUN")
    assert targets["period"].nunique() == 53  # the ISO year 2026
    assert targets["target"].sum() == pytest.approx(splitter.result.goal)
    checkpoints = splitter.milestone_table.groupby("rep")["period"].nunique()
    assert (checkpoints == 4).all()
    mine = MyTargets(weekly)
    assert mine.targets["period"].dtype == pd.PeriodDtype("W-SUN")

"""A period still being sold is paced at the day its sales run to, not at its end: a tracking pack or a served
tracker opened on 16 October with sales to the 15th expects half of October, not all of it. Once the period
is over it is paced at its end, whatever day its last sale was. Period totals dated on the 1st (a row per rep
and month) cover their whole month. Driven on minimal workbooks (date, amount, rep) in tmp_path; today's
date is set through `pacing.today`."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from fixtures.minimal_workbook import home_sales, write_minimal_workbook
from test_read_only import tree_digest

from salesplan_widgets.model import pacing
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.sales_through import sales_through

REPS = ("Amy", "Bo", "Chen")


def daily_lines(last: str) -> pd.DataFrame:
    """The same amount every calendar day for each rep, from January 2025 to `last`: steady sellers."""
    days = pd.date_range("2025-01-01", last, freq="D")
    return pd.DataFrame(
        {
            "date": np.tile(days.strftime("%Y-%m-%d"), len(REPS)),
            "volume": 1000.0,
            "city": np.repeat(REPS, len(days)),
        }
    )


def pace_of(folder, period: str) -> tuple[dt.date, float, float]:
    report = TrackingReport.open(folder, period)
    row = report._pace().iloc[0]
    return report.window.as_of, float(row["expected"]), float(row["pace_index"])


def on(monkeypatch, day: str) -> None:
    monkeypatch.setattr(pacing, "today", lambda: dt.date.fromisoformat(day))


def test_a_month_being_sold_is_paced_at_the_last_day_of_its_data(tmp_path, monkeypatch):
    on(monkeypatch, "2026-10-16")
    half = write_minimal_workbook(tmp_path / "half", sales=daily_lines("2026-10-15"))
    whole = write_minimal_workbook(tmp_path / "whole", sales=daily_lines("2026-10-31"))
    assert sales_through(open_workbook(half)) == dt.date(2026, 10, 15)
    assert sales_through(open_workbook(whole)) == dt.date(2026, 10, 31)

    day, expected_half, index_half = pace_of(half, "2026-10")
    assert day == dt.date(2026, 10, 15)
    _, expected_whole, index_whole = pace_of(whole, "2026-10")
    # steady daily sellers are as much on pace in mid-October as at its end (the provisional target is
    # last year's sales + 10%, so both read about 1 / 1.1); paced at 31 October they read far behind
    assert expected_half < expected_whole
    assert index_half == pytest.approx(index_whole, rel=0.03)
    assert index_whole == pytest.approx(1 / 1.1, rel=0.03)

    tracker = Tracker(half, period="2026-10")  # the dashboards' tracker paces the same day
    assert tracker._window().as_of == dt.date(2026, 10, 15)


def test_a_month_that_is_over_is_paced_at_its_end_and_one_whose_data_stop_at_their_last_day(
    tmp_path, monkeypatch
):
    """A month sold to its end is paced at its end; October, over on 2 November with data to the 15th
    only, is still a month in progress (the data stop before its last working day: tests/test_partial_month.py)."""
    folder = write_minimal_workbook(tmp_path / "half", sales=daily_lines("2026-10-15"))
    on(monkeypatch, "2026-10-16")
    day, _, index = pace_of(folder, "2026-09")
    assert day == dt.date(2026, 9, 30)
    assert index == pytest.approx(1 / 1.1, rel=0.03)
    on(monkeypatch, "2026-11-02")
    assert pace_of(folder, "2026-09")[0] == dt.date(2026, 9, 30)
    assert pace_of(folder, "2026-10")[0] == dt.date(2026, 10, 15)


def test_monthly_totals_dated_on_the_first_cover_their_whole_month(tmp_path, monkeypatch):
    on(monkeypatch, "2026-10-16")
    folder = write_minimal_workbook(tmp_path / "totals", sales=home_sales(last="2026-10"))
    assert sales_through(open_workbook(folder)) == dt.date(2026, 10, 31)
    assert pace_of(folder, "2026-10")[0] == dt.date(2026, 10, 31)


def test_weekly_totals_dated_on_monday_cover_their_week(tmp_path):
    weeks = pd.date_range("2025-01-06", "2026-10-12", freq="W-MON")  # ISO weeks' Mondays
    sales = pd.DataFrame(
        {
            "date": np.tile(weeks.strftime("%Y-%m-%d"), len(REPS)),
            "volume": 7000.0,
            "city": np.repeat(REPS, len(weeks)),
        }
    )
    folder = write_minimal_workbook(tmp_path / "weekly", sales=sales)
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("grain: month", "grain: week"), encoding="utf-8")
    assert sales_through(open_workbook(folder)) == dt.date(2026, 10, 18)  # the Sunday ending W42

    daily = write_minimal_workbook(tmp_path / "daily", sales=daily_lines("2026-10-14"))  # a Wednesday
    plan = daily / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("grain: month", "grain: week"), encoding="utf-8")
    assert sales_through(open_workbook(daily)) == dt.date(2026, 10, 14)


def test_a_read_only_workbook_counts_the_day_without_writing(tmp_path):
    folder = write_minimal_workbook(tmp_path / "served", sales=daily_lines("2026-10-15"))

    before = tree_digest(folder)
    assert sales_through(open_workbook(folder, read_only=True)) == dt.date(2026, 10, 15)
    assert tree_digest(folder) == before


def test_the_year_end_projection_counts_a_month_being_sold_as_its_sales_so_far_and_the_rest_of_its_forecast(
    tmp_path, monkeypatch
):
    """Mid-October the year end is what the whole October would give, not the first half of October taken
    as all of it; every page shows that one figure, and a rep selling for the first time counts."""
    from salesplan_widgets.model.projection import ProjectionHorizon, year_end_projection
    from salesplan_widgets.report.goal import GoalReport
    from salesplan_widgets.schema.goal import GoalSection

    newcomer = pd.DataFrame(
        {
            "date": pd.date_range("2026-10-01", "2026-10-15").strftime("%Y-%m-%d"),
            "volume": 1000.0,
            "city": "Dee",
        }
    )
    half = write_minimal_workbook(
        tmp_path / "half", sales=pd.concat([daily_lines("2026-10-15"), newcomer], ignore_index=True)
    )
    whole = write_minimal_workbook(tmp_path / "whole", sales=daily_lines("2026-10-31"))
    goal = GoalSection(name="Grow 2026", target=1_300_000.0, start="2026-01-01", end="2026-12-31")
    open_workbook(half).save(goal=goal)  # the goal pages then project the same year as tracking
    on(monkeypatch, "2026-10-16")
    running = TrackingReport.open(half, "2026-10")
    finished = TrackingReport.open(whole, "2026-10")
    dee = 15 * 1000.0
    assert running.projection.total == pytest.approx(finished.projection.total + dee, rel=0.01)
    # counted as a finished month, the first half would have been taken for all of October
    cube = open_workbook(half).cube()
    year = ProjectionHorizon(pd.Period("2026-01", "M"), pd.Period("2026-12", "M"))
    as_if_over = year_end_projection(cube, year, last_actual="2026-10").total
    assert as_if_over < running.projection.total - 40_000  # half of October: 3 reps × 16 days × 1,000
    # one figure on every page, and the newcomer's sales so far are in it
    assert GoalReport.open(half, "2026-10").projection.total == pytest.approx(running.projection.total)
    assert Tracker(half, period="2026-10").projection().total == pytest.approx(running.projection.total)
    assert running.projections.select({"rep": "Dee"}).total == pytest.approx(dee)

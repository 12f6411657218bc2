"""Tracking, pacing, milestones, re-plan and the headline at a weekly grain: windows are the calendar's
fiscal months, quarters and years of weeks, and nothing is silently turned back into months."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.history import headline, seasonality, trend
from salesplan_widgets.model.milestones import milestones
from salesplan_widgets.model.pacing import PaceWindow, cumulative_pace, pace
from salesplan_widgets.model.replan import period_review, recent_sales_weights, replan
from salesplan_widgets.model.tracking import attainment, provisional_targets, window_bounds

WEEKS = FiscalCalendar("week")
PLAN = WEEKS.year_periods(2027)  # 52 ISO weeks, 4 Jan 2027 - 2 Jan 2028


def weekly_frame(reps=("Li", "Wang")) -> pd.DataFrame:
    """Targets of 100 a week per rep (300 in December's weeks); actuals 90% of target."""
    december = np.asarray([(p.start_time + pd.Timedelta(days=3)).month == 12 for p in PLAN])
    target = np.where(december, 300.0, 100.0)
    parts = [
        pd.DataFrame({"period": PLAN, "rep": rep, "target": target, "actual": 0.9 * target}) for rep in reps
    ]
    return pd.concat(parts, ignore_index=True)


def test_month_to_date_at_week_grain_sums_the_weeks_of_the_month_so_far() -> None:
    frame = weekly_frame()
    week = WEEKS.period(dt.date(2027, 3, 17))  # third week of March 2027
    first, last = window_bounds(week, "month")
    assert first == WEEKS.period(dt.date(2027, 3, 1)) and last == WEEKS.period(dt.date(2027, 3, 22))
    mtd = attainment(frame, week, window="month")
    assert mtd["target"].iloc[0] == 2 * 3 * 100.0  # two reps, three weeks
    ytd = attainment(frame, week, window="year")
    assert ytd["target"].iloc[0] == 2 * 11 * 100.0
    assert ytd["attainment"].iloc[0] == pytest.approx(0.9)


def test_pacing_a_weekly_quarter_counts_working_days_week_by_week() -> None:
    frame = weekly_frame()
    first, last = WEEKS.window(PLAN[0], "quarter")
    as_of = dt.date(2027, 2, 10)  # a Wednesday
    window = PaceWindow(first, last, as_of, country="DE")
    cal = window.calendar()
    assert cal.index.freqstr == "W-SUN" and len(cal) == 12  # the first quarter's weeks by their Thursday
    result = pace(frame, window)
    current = WEEKS.period(as_of)
    closed_weeks = int((cal.index < current).sum())
    expected = 2 * 100.0 * (closed_weeks + cal.loc[current, "elapsed_share"])
    assert result["expected"].iloc[0] == pytest.approx(expected)
    path = cumulative_pace(frame, window)
    assert path["period"].iloc[0] == first and path["expected"].isna().sum() == (cal.index > current).sum()


def test_weekly_milestones_fall_on_the_last_week_of_each_fiscal_quarter() -> None:
    out = milestones(weekly_frame(("Li",))[["rep", "period", "target"]], every="quarter")
    due = [p.end_time.date() for p in out["period"]]
    # a week is in the quarter holding its Thursday: 1 Jul 2027 is one, 30 Sep 2027 too
    assert due == [dt.date(2027, 3, 28), dt.date(2027, 6, 27), dt.date(2027, 10, 3), dt.date(2028, 1, 2)]
    assert out["share"].iloc[-1] == 1.0


def test_retail_milestones_close_after_13_weeks() -> None:
    retail = FiscalCalendar("4-4-5", fiscal_year_start=2)
    weeks = retail.year_periods(2027)
    targets = pd.DataFrame({"rep": "Li", "period": weeks, "target": 10.0})
    out = milestones(targets, every="month", calendar=retail)
    assert [int(p) for p in np.diff([0, *[weeks.get_loc(p) + 1 for p in out["period"]]])] == [4, 4, 5] * 4


def test_replan_at_week_grain_keeps_closed_weeks_and_spreads_the_rest() -> None:
    frame = weekly_frame()
    targets = frame[["period", "rep", "target"]]
    last_closed = PLAN[9]
    actuals = frame[frame["period"] <= last_closed][["period", "rep", "actual"]]
    goal = float(targets["target"].sum())
    result = replan(targets, actuals, last_closed)
    revised = result.targets
    assert revised["period"].dtype == targets["period"].dtype
    closed = revised[revised["period"] <= last_closed]
    assert closed["target"].sum() == pytest.approx(targets[targets["period"] <= last_closed]["target"].sum())
    assert revised[revised["period"] > last_closed]["target"].sum() == pytest.approx(
        goal - actuals["actual"].sum()
    )
    weights = recent_sales_weights(actuals, last_closed, months=1)  # a month: the last 4 weeks
    assert weights["Li"] == pytest.approx(4 * 90.0)
    review = period_review(frame, PLAN[0], PLAN[3], dimensions=("rep",))
    assert review["target"].sum() == 2 * 4 * 100.0


def test_headline_and_trend_compare_a_week_with_the_same_week_last_year() -> None:
    history = WEEKS.year_periods(2026).append(PLAN)
    cube = pd.DataFrame({"period": history, "rep": "Li", "actual": np.arange(len(history), dtype=float) + 1})
    week = PLAN[5]
    year_ago = WEEKS.same_period_years_ago([week])[0]
    figures = headline(cube, week)
    by_period = cube.set_index("period")["actual"]
    assert figures.actual == by_period[week]
    assert figures.actual_last_year == by_period[year_ago]
    assert figures.ytd == by_period[PLAN[0] : week].sum()
    rows = trend(cube).set_index("period")
    assert rows.loc[week, "actual_last_year"] == by_period[year_ago]
    index = seasonality(cube)
    assert list(index["month"]) == list(range(1, 13)) and index["index"].notna().all()


def test_provisional_weekly_targets_come_from_the_same_week_last_year() -> None:
    history = WEEKS.year_periods(2026)  # 53 weeks
    actuals = pd.DataFrame({"period": history, "rep": "Li", "actual": np.arange(len(history), dtype=float)})
    targets = provisional_targets(actuals, PLAN[0], PLAN[-1], growth=0.5)
    assert targets["period"].tolist() == list(PLAN)
    assert targets["target"].iloc[0] == 0.0 and targets["target"].iloc[-1] == pytest.approx(51 * 1.5)

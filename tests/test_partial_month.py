"""A last period only partly sold is a period in progress, not a finished one, however long ago it was.

UCI's Online Retail (tests/fixtures/online_retail: its sample ends on 8 December 2011; the full file on the
9th) counted December 2011 as a whole month, so the goal wizard's baseline for 2012 was fitted on a
December a third sold: 65,519 instead of 69,802, the figure `calendar.end: 2011-12-09` gave. The data's
last day is now read against the period's working days (the plan's calendar: weekends, holidays, China's
make-up days): working days left after it mean the period is still being sold, as tracking counts the
current period, and the goal wizard and the goal page say so. A month whose data stop on its last working
day (a weekend or a holiday ends it) is complete, and `calendar.end` still decides where it is set.
Minimal workbooks (date, amount, rep) in tmp_path; today is set through `pacing.today`.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from fixtures.minimal_workbook import write_minimal_workbook
from test_public_retail import DATA, PLAN, PUBLISHED, VIEW

from salesplan_widgets.i18n import use_locale
from salesplan_widgets.model import pacing
from salesplan_widgets.model.forecast import baseline_forecast
from salesplan_widgets.model.pacing import as_of_date, period_in_progress
from salesplan_widgets.report.goal import GoalReport
from salesplan_widgets.widgets.goal_wizard import GoalWizard
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.sales_through import sales_through, share_gone

REPS = ("Amy", "Bo", "Chen")
NOW = "2026-12-01"


def on(monkeypatch, day: str = NOW) -> None:
    monkeypatch.setattr(pacing, "today", lambda: dt.date.fromisoformat(day))


def daily_lines(first: str, last: str) -> pd.DataFrame:
    """Each rep sells 1,000 every calendar day from `first` to `last`, growing 2% a month."""
    days = pd.date_range(first, last, freq="D")
    growth = 1.02 ** ((days.year - days[0].year) * 12 + days.month - days[0].month)
    return pd.DataFrame(
        {
            "date": np.tile(days.strftime("%Y-%m-%d"), len(REPS)),
            "volume": np.tile(1000.0 * growth, len(REPS)),
            "city": np.repeat(REPS, len(days)),
        }
    )


def with_calendar_end(folder, end: str) -> None:
    plan = folder / "plan.yaml"
    text = re.sub(r"\n  end: [0-9-]+", "", plan.read_text(encoding="utf-8"))
    text = text.replace("calendar:\n", f"calendar:\n  end: {end}\n", 1)
    plan.write_text(text, encoding="utf-8")
    shutil.rmtree(folder / ".cache", ignore_errors=True)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# -- the rule, on dates checked against the calendars by hand ------------------------------------------
def test_data_that_stop_before_the_last_working_day_leave_the_period_in_progress():
    dec = pd.Period("2011-12", "M")
    assert period_in_progress(dec, d("2011-12-08"), "GB")
    assert period_in_progress(dec, d("2011-12-23"), "GB")  # 28–30 December are working days in England
    assert not period_in_progress(dec, d("2011-12-30"), "GB")  # Friday; the 31st is a Saturday
    assert not period_in_progress(dec, d("2011-12-31"), "GB")
    assert not period_in_progress(dec, None, "GB")
    # China, January 2025: Spring Festival closes 28–31 January; Sunday the 26th is a make-up working day
    jan = pd.Period("2025-01", "M")
    assert not period_in_progress(jan, d("2025-01-27"), "CN")
    assert period_in_progress(jan, d("2025-01-24"), "CN")  # the make-up Sunday and Monday the 27th remain
    # an ISO week (Monday 12 – Sunday 18 October 2026) and a quarter
    week = pd.Period("2026-10-12", "W-SUN")
    assert not period_in_progress(week, d("2026-10-16"), "CN")  # Friday: the weekend ends the week
    assert period_in_progress(week, d("2026-10-14"), "CN")
    assert period_in_progress(pd.Period("2011Q4", "Q"), d("2011-12-08"), "GB")
    assert not period_in_progress(pd.Period("2011Q4", "Q"), d("2011-12-30"), "GB")


def test_a_past_period_is_paced_at_its_data_s_last_day_unless_the_calendar_end_says_otherwise(monkeypatch):
    on(monkeypatch)
    dec = pd.Period("2011-12", "M")
    assert as_of_date(dec, None, d("2011-12-08"), "GB") == d("2011-12-08")
    assert as_of_date(dec, None, d("2011-12-30"), "GB") == d("2011-12-31")  # complete: paced at its end
    assert as_of_date(dec, d("2011-12-31"), d("2011-12-08"), "GB") == d("2011-12-31")  # calendar.end rules
    assert as_of_date(dec, d("2011-12-09"), d("2011-12-08"), "GB") == d("2011-12-09")
    assert as_of_date(pd.Period("2011-11", "M"), None, d("2011-12-08"), "GB") == d("2011-11-30")


# -- Online Retail ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def retail(tmp_path_factory):
    folder = tmp_path_factory.mktemp("partial_retail") / "wb"
    (folder / "data").mkdir(parents=True)
    shutil.copy(DATA, folder / "data" / PUBLISHED)
    with duckdb.connect(str(folder / "data" / "retail.duckdb")) as con:
        con.execute(f"CREATE TABLE lines AS SELECT * FROM read_csv('{folder / 'data' / PUBLISHED}')")
        con.execute(VIEW)
    (folder / "plan.yaml").write_text(PLAN + "calendar:\n  country: GB\n", encoding="utf-8")
    return folder


def test_online_retail_s_december_2011_is_a_month_in_progress_for_the_goal(retail, tmp_path, monkeypatch):
    """The 2012 baseline is the one `calendar.end` on the data's last day gave, fitted to November with
    December's 8 days as sales so far; stating December complete (`calendar.end: 2011-12-31`) still counts
    it whole. Both pages say why, in both languages."""
    on(monkeypatch)
    wb = open_workbook(retail)
    assert sales_through(wb) == d("2011-12-08")
    # England, December 2011: 21 weekdays less Boxing Day and the 27th = 20 working days; 1–8 Dec: 6
    assert share_gone(wb, pd.Period("2011-12", "M")) == pytest.approx(6 / 20)
    wizard = GoalWizard(wb)
    baseline = wizard.result["baseline"]
    to_november = baseline_forecast(
        wb.cube(), "2012-01", "2012-12", ("segment", "channel"), last_actual="2011-11"
    ).total
    assert baseline == pytest.approx(to_november, rel=1e-9)
    assert "December 2011" not in wizard.in_progress_notice  # the label is the calendar's: "Dec 2011"
    assert wizard.in_progress_notice.startswith("Dec 2011 has sales up to Dec 8, 2011 only:")
    assert "treated as a month in progress" in wizard.in_progress_notice
    report = GoalReport.open(retail, None)
    assert "treated as a month in progress" in report.headline().text
    with use_locale("zh_CN"):
        chinese = GoalReport.open(retail, None, locale="zh_CN")
        assert (
            "2011年12月" in chinese.in_progress_notice()
            and "按进行中的月份计算" in chinese.in_progress_notice()
        )

    stated = tmp_path / "stated"
    shutil.copytree(retail, stated, ignore=shutil.ignore_patterns(".cache"))
    with_calendar_end(stated, "2011-12-08")
    assert GoalWizard(open_workbook(stated)).result["baseline"] == pytest.approx(baseline, rel=1e-9)
    with_calendar_end(stated, "2011-12-31")
    complete = GoalWizard(open_workbook(stated))
    assert complete.in_progress_notice == ""
    assert complete.result["baseline"] < baseline - 3000  # December's third taken for all of it
    assert "in progress" not in GoalReport.open(stated, None).headline().text


# -- minimal workbooks -------------------------------------------------------------------------------
def test_a_minimal_workbook_whose_data_stop_mid_june_paces_june_at_its_last_day(tmp_path, monkeypatch):
    """A US-dollar plan's calendar, June 2025: 21 weekdays less Juneteenth (the 19th) = 20 working days,
    10 of them by Friday the 13th."""
    on(monkeypatch)
    folder = write_minimal_workbook(tmp_path / "june", sales=daily_lines("2023-01-01", "2025-06-13"))
    wb = open_workbook(folder)
    assert share_gone(wb, pd.Period("2025-06", "M")) == pytest.approx(10 / 20)
    wizard = GoalWizard(wb)
    assert "has sales up to" in wizard.in_progress_notice
    assert wizard.backtest().end == pd.Period("2025-05", "M")  # the last twelve complete months
    stated = write_minimal_workbook(tmp_path / "stated", sales=daily_lines("2023-01-01", "2025-06-13"))
    with_calendar_end(stated, "2025-06-13")
    assert GoalWizard(open_workbook(stated)).result["baseline"] == pytest.approx(
        wizard.result["baseline"], rel=1e-9
    )


def test_a_month_whose_data_stop_on_its_last_working_day_is_complete(tmp_path, monkeypatch):
    """May 2025 ends on a Saturday: sales to Friday the 30th are the whole month (the plan's US calendar),
    counted as such, and no notice."""
    on(monkeypatch)
    folder = write_minimal_workbook(tmp_path / "may", sales=daily_lines("2023-01-01", "2025-05-30"))
    wb = open_workbook(folder)
    assert share_gone(wb, pd.Period("2025-05", "M")) == 1.0
    wizard = GoalWizard(wb)
    assert wizard.in_progress_notice == ""
    stated = write_minimal_workbook(tmp_path / "stated", sales=daily_lines("2023-01-01", "2025-05-30"))
    with_calendar_end(stated, "2025-05-31")
    assert GoalWizard(open_workbook(stated)).result["baseline"] == pytest.approx(
        wizard.result["baseline"], rel=1e-9
    )


def test_a_weekly_workbook_whose_data_stop_midweek_says_a_week_in_progress(tmp_path, monkeypatch):
    on(monkeypatch)
    folder = write_minimal_workbook(tmp_path / "weekly", sales=daily_lines("2023-01-02", "2025-06-11"))
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("grain: month", "grain: week"), encoding="utf-8")
    wb = open_workbook(folder)
    week = wb.cube()["period"].max()  # Monday 9 – Sunday 15 June 2025, sold to Wednesday the 11th
    assert share_gone(wb, week) == pytest.approx(3 / 5)
    assert "treated as a week in progress" in GoalWizard(wb).in_progress_notice


def test_the_demo_s_data_end_on_a_month_s_end(tmp_path, monkeypatch):
    """The demo's figures do not move: its last month is complete."""
    demo = tmp_path / "demo"
    shutil.copytree(Path(__file__).resolve().parents[1] / "workbooks" / "demo", demo)
    on(monkeypatch)
    wb = open_workbook(demo)
    last = wb.cube()["period"].max()
    assert not period_in_progress(last, sales_through(wb), wb.plan.calendar.country)
    assert share_gone(wb, last) == 1.0


def test_data_selling_every_fifth_day_end_their_month_three_working_days_early_and_it_is_complete(
    tmp_path, monkeypatch
):
    """A sale every fifth day, the last on Tuesday 27 October 2026: the next one was due on 1 November, so
    October is complete; cut on 12 October (13 working days left) it is a month in progress. Daily sales
    step one working day at a time whatever the weekends."""
    from salesplan_widgets.model.pacing import sale_rhythm

    weekdays = pd.bdate_range("2026-09-01", "2026-10-30").date
    assert sale_rhythm(pd.date_range("2026-06-01", "2026-10-31").date, "US") == 1
    assert sale_rhythm(weekdays, "GB") == 1
    # five calendar days hold three to five working days (Thursday to Tuesday; Sunday to Friday)
    assert sale_rhythm(pd.date_range("2024-11-01", "2026-10-31", freq="5D").date, "US") in (4, 5)
    oct_ = pd.Period("2026-10", "M")
    assert not period_in_progress(oct_, d("2026-10-27"), "US", rhythm=4)  # 28, 29, 30 October left
    assert period_in_progress(oct_, d("2026-10-27"), "US", rhythm=1)

    on(monkeypatch)
    every_fifth = daily_lines("2024-11-01", "2026-10-31")
    every_fifth = every_fifth[
        every_fifth["date"].isin(pd.date_range("2024-11-01", "2026-10-31", freq="5D").strftime("%Y-%m-%d"))
    ]
    folder = write_minimal_workbook(tmp_path / "sparse", sales=every_fifth)
    wb = open_workbook(folder)
    assert every_fifth["date"].max() == "2026-10-27"
    assert sales_through(wb) == d("2026-10-31") and share_gone(wb, oct_) == 1.0
    assert GoalWizard(wb).in_progress_notice == ""
    cut = write_minimal_workbook(tmp_path / "cut", sales=every_fifth[every_fifth["date"] <= "2026-10-12"])
    assert sales_through(open_workbook(cut)) == d("2026-10-12")
    assert share_gone(open_workbook(cut), oct_) < 0.5
    monkeypatch.setattr(pacing, "today", lambda: d("2026-10-28"))  # while October is being sold: its day
    live = write_minimal_workbook(tmp_path / "live", sales=every_fifth)
    assert sales_through(open_workbook(live)) == d("2026-10-27")

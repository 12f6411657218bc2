"""A month given to `salesplan run` on a workbook planned by week, retail week or quarter says what it ran.

A scheduler passes one --period (a month) to every workbook. On a weekly workbook that month runs one week's
report while `salesplan payouts` pays the whole month, so the run says which period it chose and why, on
stdout and in the run log, in the workbook's language. The periods below are worked out by hand from the
calendar rules: an ISO week counts in the month holding its Thursday (30 Apr 1998 is one); the 4-4-5 year
FY1998 starts on Sunday 4 Jan 1998 (its year end is the Saturday nearest 31 Dec 1997), so its April is
period 4, weeks 14-17, 5 Apr – 2 May; the calendar quarter holding April is 1998Q2.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.period_choice import period_choice_note
from salesplan_widgets.workbook.runlog import read_run_log

PLAN = """\
name: Weekly Co
currency: USD
locale: {locale}
calendar: {{grain: {grain}, country: US}}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
incentives:
  measurement: {measurement}
  commission: {{base_rate: 0.05}}
"""
SALES = [
    ("1998-03-02", 800, "Ann"),
    ("1998-04-06", 1000, "Ann"),
    ("1998-04-28", 2000, "Bob"),
    ("1998-07-01", 500, "Ann"),
]


def weekly_workbook(folder: Path, grain: str, locale: str) -> Path:
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(SALES, columns=["date", "amount", "rep"]).to_csv(folder / "data" / "sales.csv", index=False)
    measurement = "quarterly" if grain == "quarter" else "monthly"  # a quarter cannot pay by month
    plan = PLAN.format(grain=grain, locale=locale, measurement=measurement)
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("grain", "locale", "folder", "said"),
    [
        (
            "week",
            "en",
            "1998-W18",
            "1998-04 is a month; this workbook reports by week: running week 1998-W18 (Apr 27\u2009–\u2009May 3, 1998), "
            "the last week that counts in Apr 1998 (a week counts in the month holding its Thursday",
        ),
        (
            "week",
            "zh_CN",
            "1998-W18",
            "1998-04 是一个月份；本工作簿按周报告：运行 1998-W18 周（1998年4月27日\u2009–\u20095月3日），即计入1998年4月的最后一周",
        ),
        (
            "4-4-5",
            "zh_CN",
            "1998-04-26",
            "1998-04 是一个月份；本工作簿按零售周（4-4-5）报告：运行 1998-04-26 起的一周（1998年4月26日\u2009–\u20095月2日），"
            "即代表1998年4月的财务期的最后一周",
        ),
        (
            "quarter",
            "en",
            "1998Q2",
            "1998-04 is a month; this workbook reports by quarter: running 1998Q2 (Apr 1\u2009–\u2009Jun 30, 1998), "
            "the fiscal quarter holding it.",
        ),
    ],
)
def test_a_month_run_on_a_finer_or_coarser_grain_says_which_period_it_ran_and_logs_it(
    tmp_path, capsys, grain, locale, folder, said
):
    workbook = weekly_workbook(tmp_path / "wb", grain, locale)
    assert main(["run", str(workbook), "--period", "1998-04"]) == 0
    out = capsys.readouterr().out
    assert said in out
    assert out.index(said) < out.index(str(workbook / "reports" / folder))  # said before the report's path
    assert (workbook / "reports" / folder / "index.html").is_file()
    run = read_run_log(workbook).iloc[-1]
    assert (run["period"], run["outcome"]) == (folder, "ok")  # the period that ran, not the text given
    assert said in run["message"]


def test_a_period_named_exactly_runs_without_a_note():
    """Only a text that names another period is explained: 1998-W18, 1998Q2 or a retail week's first day
    name themselves, as does a month on a monthly plan."""
    for grain, text in [
        ("week", "1998-W18"),
        ("quarter", "1998Q2"),
        ("4-4-5", "1998-04-26"),
        ("month", "1998-04"),
    ]:
        calendar = FiscalCalendar(grain)
        assert period_choice_note(calendar, text, calendar.parse(text)) is None


def test_a_date_names_the_week_holding_it():
    calendar = FiscalCalendar("week")
    note = period_choice_note(calendar, "1998-04-29", calendar.parse("1998-04-29"))
    assert note == (
        "1998-04-29 is a date; this workbook reports by week: running 1998-W18 (Apr 27\u2009–\u2009May 3, 1998), "
        "the week holding 1998-04-29."
    )


def test_run_help_says_what_a_month_runs_on_a_weekly_workbook(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "a workbook planned by week runs the month's last week" in help_text
    assert "the run says which it chose" in help_text

"""A rep reads their statement: what it says about whom and about which sales, on the workbooks reps have.

A minimal workbook (date, amount, rep only) on ISO weeks, in Chinese, prepared through the command line:
the statement names no team the plan does not have, and says which days of sales its figures count, since
a weekly month starts and ends on other days than the calendar month. A quarterly and a year-to-date plan
say the months their sales and quota cover. The rep's statements page, published from that workbook, speaks
Chinese throughout.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.measurement import measured_days, measured_months
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.workbook import open_workbook

PLAN = """\
name: 周度公司
currency: CNY
locale: zh_CN
calendar: {{grain: {grain}, fiscal_year_start: {start}}}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
incentives:
  measurement: {measurement}
  cumulative: {cumulative}
  commission:
    tiers:
      bands: [{{at_least: 0, rate: 0.05}}]
access:
  users:
    li: {{role: rep, rep: 李伟}}
"""
# ISO weeks: January 2026 is the weeks whose Thursday is in January, Monday 29 Dec 2025 to Sunday 1 Feb.
WEEKLY_SALES = [
    ("2025-12-28", 700, "李伟"),  # Sunday of ISO week 52 of 2025: December
    ("2025-12-29", 1_000, "李伟"),  # Monday of ISO week 1 of 2026: January
    ("2026-01-14", 2_000, "李伟"),
    ("2026-02-01", 400, "李伟"),  # Sunday: still January's last week
    ("2026-02-02", 5_000, "李伟"),  # Monday: February
    ("2026-01-20", 3_000, "王芳"),
]


def make_workbook(
    folder: Path, sales, grain="week", start=1, measurement="monthly", cumulative="false"
) -> Path:
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(sales, columns=["date", "amount", "rep"]).to_csv(folder / "data" / "sales.csv", index=False)
    plan = PLAN.format(grain=grain, start=start, measurement=measurement, cumulative=cumulative)
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    calendar = FiscalCalendar.of(open_workbook(folder).plan.calendar)
    periods = calendar.range("2025-12-01", "2026-12-31")
    reps = sorted({rep for _d, _a, rep in sales})
    targets = pd.DataFrame(
        [(p, r, 500.0) for p in periods for r in reps], columns=["period", "rep", "target"]
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


def _text(folder: Path, period: str, rep: str, locale: str) -> str:
    """The statement page's visible text (tags dropped)."""
    page = statement_path(open_workbook(folder), period, rep, locale).read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("</style>")[1]))


@pytest.fixture(scope="module")
def weekly(tmp_path_factory) -> Path:
    folder = make_workbook(tmp_path_factory.mktemp("weekly") / "wb", WEEKLY_SALES)
    assert main(["payouts", str(folder), "--period", "2026-01"]) == 0
    return folder


def test_a_workbook_without_teams_names_no_team_on_the_statement(weekly):
    zh, en = _text(weekly, "2026-01", "李伟", "zh_CN"), _text(weekly, "2026-01", "李伟", "en")
    assert "销售代表：李伟" in zh and "团队" not in zh and "all" not in zh
    assert "Rep: 李伟" in en and "Team" not in en and " all " not in en


def test_a_weekly_statement_says_which_days_its_sales_count_and_counts_exactly_those(weekly):
    zh, en = _text(weekly, "2026-01", "李伟", "zh_CN"), _text(weekly, "2026-01", "李伟", "en")
    assert "销售额与配额统计区间：2025年12月29日 至 2026年2月1日" in zh
    assert "Sales and quota from Dec 29, 2025 to Feb 1, 2026" in en
    # 1,000 + 2,000 + 400 dated 29 Dec to 1 Feb; not the 700 of 28 Dec nor the 5,000 of 2 Feb
    assert "销售额 ¥3,400.00" in zh and "Sales CN¥3,400.00" in en
    assert "配额 ¥2,500.00" in zh  # five weeks of 500: the weeks the same days hold


def test_the_excel_statement_carries_the_same_performance_and_days_on_a_sheet_of_its_own(weekly):
    from openpyxl import load_workbook

    book = load_workbook(statement_path(open_workbook(weekly), "2026-01", "李伟", "zh_CN", ".xlsx"))
    assert book.sheetnames == ["2026-01", "业绩"]  # the lines stay the first sheet
    rows = list(book["业绩"].iter_rows(values_only=True))
    assert rows[:3] == [("销售额", 3400.0), ("配额", 2500.0), ("达成率", pytest.approx(1.36))]
    assert rows[4][0] == "销售额与配额统计区间：2025年12月29日 至 2026年2月1日"


def test_a_quarterly_plan_says_its_statement_counts_the_quarter_so_far(tmp_path):
    sales = [("2026-01-10", 1_000, "李伟"), ("2026-02-10", 2_000, "李伟"), ("2026-04-10", 4_000, "李伟")]
    folder = make_workbook(tmp_path / "wb", sales, grain="month", measurement="quarterly")
    assert main(["payouts", str(folder), "--period", "2026-02"]) == 0
    en = _text(folder, "2026-02", "李伟", "en")
    assert "Sales and quota from Jan 1, 2026 to Feb 28, 2026" in en
    assert "Sales CN¥3,000.00" in en and "Quota CN¥1,000.00" in en  # January and February


def test_a_year_to_date_plan_from_april_says_its_statement_counts_the_fiscal_year_so_far(tmp_path):
    sales = [("2026-03-10", 9_000, "李伟"), ("2026-04-10", 1_000, "李伟"), ("2026-05-10", 2_000, "李伟")]
    folder = make_workbook(tmp_path / "wb", sales, grain="month", start=4, cumulative="true")
    for month in ("2026-04", "2026-05"):
        for step in (["payouts"], ["payouts", "--approve"], ["close"]):
            assert main([step[0], str(folder), "--period", month, *step[1:]]) == 0
    zh = _text(folder, "2026-05", "李伟", "zh_CN")
    assert "销售额与配额统计区间：2026年4月1日 至 2026年5月31日" in zh
    assert "销售额 ¥3,000.00" in zh  # April and May; March is the fiscal year before


def test_a_minimal_workbook_publishes_and_its_rep_reads_the_statements_page_in_chinese(weekly, tmp_path):
    from salesplan_widgets.hub.scoped import scoped_dashboard
    from salesplan_widgets.workbook.publish import publish

    # the targets table has period, rep and target only, as the error for a missing one asks
    assert list(pd.read_csv(weekly / "tables" / "targets.csv").columns) == ["period", "rep", "target"]
    extracts = publish(weekly, tmp_path / "state")
    view = scoped_dashboard(extracts["li"], "statements", "")
    assert view.children[0].value == "<h3>我的提成结算单</h3>"
    assert ">下载 Excel 文件</a>" in view.download.value
    assert "已编制：等待财务批准，仍可能变动" in view.status.value
    assert "销售额与配额统计区间" in view.document.value and "团队" not in view.document.value


@pytest.mark.parametrize(
    ("month", "measurement", "cumulative", "start", "expected"),
    [
        ("2026-05", "monthly", False, 1, ("2026-05", "2026-05")),
        ("2026-05", "quarterly", False, 1, ("2026-04", "2026-05")),
        ("2026-05", "quarterly", False, 2, ("2026-05", "2026-05")),  # fiscal quarters May–Jul
        ("2026-03", "yearly", False, 4, ("2025-04", "2026-03")),
        ("2026-05", "monthly", True, 4, ("2026-04", "2026-05")),
        ("2026-02", "quarterly", True, 4, ("2025-04", "2026-02")),
    ],
)
def test_the_measured_months_run_from_the_windows_first_month_to_the_statements(
    month, measurement, cumulative, start, expected
):
    first, last = measured_months(pd.Period(month, "M"), measurement, cumulative, start)
    assert (str(first), str(last)) == expected


def test_the_measured_days_follow_the_calendars_months():
    months = (pd.Period("2026-01", "M"), pd.Period("2026-03", "M"))
    assert [str(d) for d in measured_days(FiscalCalendar("month"), *months)] == [
        "2026-01-01",
        "2026-03-31",
    ]
    # ISO weeks: January from Monday 29 Dec (week 1 holds 1 Jan), March to Sunday 29 March
    assert [str(d) for d in measured_days(FiscalCalendar("week"), *months)] == [
        "2025-12-29",
        "2026-03-29",
    ]

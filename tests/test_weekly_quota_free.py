"""A weekly, quota-free Chinese minimal workbook paid for its ISO January through the command line.

Only date, amount and rep (Chinese column and rep names), an ISO-week calendar and a flat 5% 提成 with no
targets: `salesplan payouts`, `--approve` and `salesplan close` pay January 2026 as its weeks count, each in
the month holding its Thursday, so January is weeks W01–W05, Monday 29 Dec 2025 to Sunday 1 Feb 2026. The
sales on 28 Dec (W52 of 2025: December) and 2 Feb (W06: February) are not January's. By hand:
李伟 1,200.00 + 2,200 = 3,400 × 5% = 170.00; 王芳 2,000 + 1,000 = 3,000 × 5% = 150.00; 320.00 in all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

PLAN = """\
name: 提成小店
currency: CNY
locale: zh_CN
calendar: {grain: week}
sources:
  sales:
    path: data/sales.csv
    columns: {date: 日期, amount: 金额, rep: 销售}
incentives:
  commission: {base_rate: 0.05}
"""
SALES = [
    ("2025-12-28", "500", "李伟"),  # Sunday of 2025-W52: December's
    ("2025-12-29", "1,200.00", "李伟"),  # Monday of 2026-W01: January's first day
    ("2026-01-15", "2200", "李伟"),
    ("2026-01-20", "2,000", "王芳"),
    ("2026-02-01", "1000", "王芳"),  # Sunday of 2026-W05, whose Thursday is 29 January
    ("2026-02-02", "800", "王芳"),  # Monday of 2026-W06: February's
]
PAID_FEN = {"李伟": 17_000, "王芳": 15_000}


def page_text(folder: Path, rep: str) -> str:
    page = statement_path(open_workbook(folder), "2026-01", rep, "zh_CN").read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("</style>")[1]))


@pytest.fixture(scope="module")
def closed(tmp_path_factory) -> Path:
    """The workbook written as a user would, then prepared, approved and closed for 2026-01 by the CLI."""
    folder = tmp_path_factory.mktemp("weekly") / "提成小店"
    (folder / "data").mkdir(parents=True)
    frame = pd.DataFrame(SALES, columns=["日期", "金额", "销售"])
    frame.to_csv(folder / "data" / "sales.csv", index=False, encoding="utf-8")
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    assert main(["validate", str(folder)]) == 0
    assert main(["payouts", str(folder), "--period", "2026-01"]) == 0
    assert main(["payouts", str(folder), "--period", "2026-01", "--approve"]) == 0
    assert main(["close", str(folder), "--period", "2026-01"]) == 0
    return folder


def test_the_iso_january_is_paid_by_its_weeks_and_closed_in_fen(closed):
    ledger = read_ledger(open_workbook(closed))
    lines = ledger.lines[ledger.lines["period"] == pd.Period("2026-01", "M")]
    assert lines.groupby("rep")["amount_minor"].sum().to_dict() == PAID_FEN
    assert lines["amount_minor"].sum() == 32_000
    assert not (closed / "tables" / "targets.csv").exists()  # nothing invented on the way


def test_the_payout_file_pays_each_rep_on_the_sales_of_januarys_weeks(closed):
    payouts = pd.read_csv(
        closed / "reports" / "2026-01" / "payouts" / "payouts-2026-01.csv", encoding="utf-8-sig"
    )
    by_rep = payouts.groupby("rep")[["base", "amount"]].sum()
    assert by_rep.loc["李伟"].tolist() == pytest.approx([3_400.0, 170.0])
    assert by_rep.loc["王芳"].tolist() == pytest.approx([3_000.0, 150.0])


@pytest.mark.parametrize("rep", ["李伟", "王芳"])
def test_the_statement_says_no_quota_and_names_the_weeks_it_measured(closed, rep):
    text = page_text(closed, rep)
    assert "配额 未设定" in text
    assert "达成率" not in text and "0.0%" not in text
    assert "销售额统计区间：2025年12月29日 至 2026年2月1日" in text  # the ISO January's first and last day
    assert f"销售额 ¥{PAID_FEN[rep] * 20 / 100:,.2f}" in text  # sales = paid ÷ 5%: ¥3,400.00, ¥3,000.00


def test_a_closed_january_cannot_be_prepared_again(closed, capsys):
    assert main(["payouts", str(closed), "--period", "2026-01"]) != 0
    assert "2026-01" in capsys.readouterr().err

"""The period's payout workbook (reports/<period>/payouts/payouts-<period>.xlsx), read back with openpyxl
against the ledger's figures, cell by cell and format by format, in both languages: whichever library
writes it, it says the same thing."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_payouts_export import write_workbook

from salesplan_widgets.i18n import use_locale
from salesplan_widgets.model.estimator import plan_cost
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import approve_payments, close_period, compute_payments
from salesplan_widgets.workbook.payouts import payment_table, write_payouts

WORDS = {
    "en": {
        "sheets": ["Summary", "East_华东", "North"],
        "title": "Payout statements, 2026-10 (CNY)",
        "summary": ["Team", "Reps", "Sales", "Payout", "Cost of sales"],
        "lines": ["Rep", "Component", "Rule", "Base", "Rate", "Amount"],
        "total": "Total",
        "after": ["Non-cash rewards", "Total cost"],
    },
    "zh_CN": {
        "sheets": ["汇总", "East_华东", "North"],
        "title": "提成结算单，2026-10（CNY）",
        "summary": ["团队", "销售代表", "销售额", "发放额", "销售成本"],
        "lines": ["销售代表", "组成项", "规则", "基数", "费率", "金额"],
        "total": "合计",
        "after": ["非现金奖励", "总成本"],
    },
}
MONEY = "#,##0.00"


def _closed_september_then_october(folder, locale):
    """September closed, then late sales dated in it: October pays its own lines and adjustments."""
    write_workbook(folder, locale=locale)
    wb = open_workbook(folder)
    for step in (write_payouts, approve_payments, close_period):
        step(wb, "2026-09", by="finance")
    sales = pd.read_csv(folder / "data" / "sales.csv")
    late = sales[sales["日期"].str.startswith("2026-09")].head(6).assign(金额=lambda s: s["金额"] * 40)
    pd.concat([sales, late]).to_csv(folder / "data" / "sales.csv", index=False)
    write_payouts(open_workbook(folder), "2026-10", by="analyst")
    return open_workbook(folder)


def _widths(sheet, count: int) -> list[float]:
    """Column widths by column number (a writer may store equal neighbours as one range)."""
    widths = {}
    for dim in sheet.column_dimensions.values():
        for column in range(dim.min, dim.max + 1):
            widths[column] = dim.width
    return [widths.get(column) for column in range(1, count + 1)]


def _value(value):
    return None if isinstance(value, float) and math.isnan(value) else value


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_payout_workbook_states_every_ledger_line_with_its_formats(tmp_path, locale):
    wb = _closed_september_then_october(tmp_path / "wb", locale)
    words = WORDS[locale]
    prepared = compute_payments(wb, "2026-10")
    with use_locale(locale):
        table = payment_table(prepared.payments)
    assert (table["for_period"] != "2026-10").any()  # adjustments for September are among the lines

    book = load_workbook(wb.reports_dir("2026-10") / "payouts" / "payouts-2026-10.xlsx")
    assert book.sheetnames == words["sheets"]
    teams = {"East_华东": "East/华东", "North": "North"}
    for name, team in teams.items():
        sheet = book[name]
        lines = table[table["team"] == team]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert rows[0] == words["lines"]
        assert all(cell.font.b for cell in sheet[1])
        expected = [[_value(v) for v in row] for row in lines[["rep", "component", "rule", "base", "rate", "amount"]].itertuples(index=False)]  # fmt: skip
        assert rows[1:-1] == expected  # every ledger line of the team, in the ledger's order, exact
        assert rows[-1] == [words["total"], None, None, None, None, round(float(lines["amount"].sum()), 2)]
        assert [c.font.b for c in sheet[sheet.max_row]] == [True, False, False, False, False, True]
        for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row - 1):
            assert [c.number_format for c in row[3:]] == [MONEY, "0.00%", MONEY]
            assert all(c.data_type != "f" for c in row)  # texts are texts, never formulas
        assert sheet.cell(sheet.max_row, 6).number_format == MONEY
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:F{sheet.max_row - 1}"
        widths = _widths(sheet, 6)
        assert widths == pytest.approx([18, 16, 56, 16, 10, 14], abs=0.72)  # Excel's padding, if any

    summary = book[words["sheets"][0]]
    rows = [[cell.value for cell in row] for row in summary.iter_rows()]
    assert rows[0][0] == wb.plan.name and summary["A1"].font.b and summary["A1"].font.sz == 14
    assert rows[1][0] == words["title"]
    assert all(v is None for v in rows[2])
    assert rows[3] == words["summary"]
    assert all(c.font.b for c in summary[4])
    statements = prepared.statements
    reps = statements.reps[statements.reps["period"] == statements.reps["period"].max()]
    paid = table.groupby("team")["amount"].sum()
    by_team = {r[0]: r for r in rows[4:6]}
    assert sorted(by_team) == sorted(teams.values())
    for team, row in by_team.items():
        in_team = reps[reps["team"].astype(str) == team]
        sales = float(in_team["period_sales"].sum())
        assert row[1] == in_team["rep"].nunique()
        assert row[2] == pytest.approx(sales)
        assert row[3] == pytest.approx(paid[team])
        assert row[4] == pytest.approx(paid[team] / sales)
    total = round(float(table["amount"].sum()), 2)
    assert total == round(prepared.payments.total_minor / 100, 2)  # the ledger's own total, to the cent
    cost = plan_cost(statements)
    assert rows[6] == [words["total"], len(reps["rep"].unique()), pytest.approx(cost.revenue), total,
                       pytest.approx(total / cost.revenue)]  # fmt: skip
    assert all(c.font.b for c in summary[7])
    assert rows[7][:4] == [words["after"][0], None, None, pytest.approx(cost.non_cash)]
    assert rows[8][:4] == [words["after"][1], None, None, pytest.approx(total + cost.non_cash)]
    assert len(rows) == 9
    for row in summary.iter_rows(min_row=5):
        assert [c.number_format for c in row[2:5]] == [MONEY, MONEY, "0.0%"]
    widths = _widths(summary, 5)
    assert widths == pytest.approx([24, 8, 16, 16, 14], abs=0.72)


def test_a_rep_named_like_a_formula_is_written_as_text(tmp_path):
    folder = write_workbook(tmp_path / "wb")
    sales = pd.read_csv(folder / "data" / "sales.csv")
    sales["销售"] = sales["销售"].replace("Li", "=1+2")
    sales.to_csv(folder / "data" / "sales.csv", index=False)
    wb = open_workbook(folder)
    targets = wb.read_table("targets")
    wb.write_table("targets", targets.assign(rep=targets["rep"].replace("Li", "=1+2")))
    xlsx = write_payouts(open_workbook(folder), "2026-10")[1]
    sheet = load_workbook(xlsx)["East_华东"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2) if row[0].value == "=1+2"]
    assert cells and all(c.data_type == "s" for c in cells)  # a text Excel shows, never a formula it runs

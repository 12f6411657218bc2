"""Figures written as accounting exports write them: with the plan currency's mark (￥11,893.55, 1,234.50元,
CNY 80), a negative in parentheses ((￥1,404.02)) or with a trailing minus (SAP's 1,234.50-).

A Chinese CSV saved from Excel with a currency format, or an ERP report, writes amounts that way; they used to
be refused cell by cell. They are now read in the plan's currency, through validation, the cube and a close
paid to the fen; another currency's mark is still refused, located by file, row and column, with the file left
as it was, because nothing converts it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from salesplan_widgets.cli import main
from salesplan_widgets.i18n import currency_marks
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger
from salesplan_widgets.workbook.sources import number_sql


def plan(path: str, columns: str, currency: str = "CNY", incentives: str = "") -> str:
    return (
        f"name: Marks\ncurrency: {currency}\nsources:\n  sales:\n    path: {path}\n"
        f"    columns: {{{columns}}}\n{incentives}"
    )


# (cell as the export writes it, its value): 王伟 sells 11,893.55 and 1,404.02 and takes 500 back; 李娜 sells
# 80, 1,000 and 3,000.50 and takes 1,234.50 back
CNY_LINES = [
    ("2026-03-02", "王伟", "￥11,893.55", Decimal("11893.55")),
    ("2026-03-03", "王伟", "￥ 1,404.02", Decimal("1404.02")),
    ("2026-03-04", "王伟", "(￥500.00)", Decimal("-500.00")),
    ("2026-03-05", "李娜", "CNY 80", Decimal("80")),
    ("2026-03-06", "李娜", "1,000元", Decimal("1000")),
    ("2026-03-07", "李娜", "RMB 3,000.50", Decimal("3000.50")),
    ("2026-03-08", "李娜", "1,234.50-", Decimal("-1234.50")),
]


def by_rep(lines) -> dict[str, float]:
    totals: dict[str, Decimal] = {}
    for _, rep, _, value in lines:
        totals[rep] = totals.get(rep, Decimal(0)) + value
    return {rep: float(total) for rep, total in totals.items()}


def test_a_gbk_csv_with_yuan_marks_and_accounting_negatives_is_read_and_paid(tmp_path):
    (tmp_path / "data").mkdir()
    text = "日期,销售员,金额\n" + "".join(f'{d},{rep},"{cell}"\n' for d, rep, cell, _ in CNY_LINES)
    (tmp_path / "data" / "销售.csv").write_bytes(text.encode("gbk"))
    commission = "incentives:\n  commission: {base_rate: 0.05}\n"
    (tmp_path / "plan.yaml").write_text(
        plan("data/销售.csv", "date: 日期, rep: 销售员, amount: 金额", incentives=commission),
        encoding="utf-8",
    )
    assert main(["validate", str(tmp_path)]) == 0
    cube = open_workbook(tmp_path).cube()
    assert cube.groupby("rep")["actual"].sum().to_dict() == pytest.approx(by_rep(CNY_LINES))
    for step in (["payouts"], ["payouts", "--approve"]):
        assert main([step[0], str(tmp_path), "--period", "2026-03", *step[1:]]) == 0
    assert main(["close", str(tmp_path), "--period", "2026-03"]) == 0
    paid = read_ledger(open_workbook(tmp_path)).lines.groupby("rep")["amount_minor"].sum().to_dict()
    # 5% of 王伟's 12,797.57 = 639.88; of 李娜's 2,846.00 = 142.30
    assert paid == {"王伟": 63_988, "李娜": 14_230}


def test_an_excel_sheet_of_text_figures_with_marks_is_read(tmp_path):
    (tmp_path / "data").mkdir()
    book = Workbook()
    book.active.append(["单据日期", "业务员", "数量", "单价"])
    for day, rep, quantity, price in [
        (2, "王伟", "3", "￥1,200.00"),
        (3, "王伟", "2-", "￥1,200.00"),
        (9, "李娜", 5, "80元"),
    ]:
        book.active.append([dt.date(2026, 3, day), rep, quantity, price])
    book.save(tmp_path / "data" / "明细.xlsx")
    columns = "date: 单据日期, rep: 业务员, quantity: 数量, unit_price: 单价"
    (tmp_path / "plan.yaml").write_text(plan("data/明细.xlsx", columns), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0
    cube = open_workbook(tmp_path).cube()
    assert cube.groupby("rep")["actual"].sum().to_dict() == {"王伟": 1200.0, "李娜": 400.0}
    assert cube.groupby("rep")["quantity"].sum().to_dict() == {"王伟": 1.0, "李娜": 5.0}


def test_another_currency_or_a_mark_on_a_quantity_is_located_and_nothing_is_changed(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    rows = (
        "日期,销售员,金额,数量\n"
        '2026-03-02,王伟,"￥1,000.00",1\n'
        '2026-03-03,王伟,"$1,200.00",1\n'  # dollars in a yuan plan: nothing converts them
        "2026-03-04,李娜,12￥34,1\n"  # a mark inside the figure
        "2026-03-05,李娜,80,￥2\n"  # a quantity is no money
    )
    data = tmp_path / "data" / "s.csv"
    data.write_text(rows, encoding="utf-8")
    columns = "date: 日期, rep: 销售员, amount: 金额, quantity: 数量"
    (tmp_path / "plan.yaml").write_text(plan("data/s.csv", columns), encoding="utf-8")
    before = data.read_bytes()
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "data/s.csv, row 3, column '金额'" in err and "'$1,200.00'" in err
    assert "row 4, column '金额'" in err and "'12￥34'" in err
    assert "write a number in CNY, such as 1234.50 or CN¥1,234.50; convert other currencies first" in err
    assert "row 5, column '数量'" in err and "without currency symbols" in err
    assert "row 2," not in err
    assert data.read_bytes() == before


def test_a_dollar_plan_reads_dollar_marks_and_refuses_yuan(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    rows = 'date,rep,amount\n2026-03-02,Ann,"$1,234.50"\n2026-03-03,Ann,"($34.50)"\n2026-03-04,Bo,USD 10\n'
    (tmp_path / "data" / "s.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(plan("data/s.csv", "date: date, rep: rep, amount: amount", "USD"))
    assert main(["validate", str(tmp_path)]) == 0
    assert open_workbook(tmp_path).cube().groupby("rep")["actual"].sum().to_dict() == {
        "Ann": 1200.0,
        "Bo": 10.0,
    }
    with (tmp_path / "data" / "s.csv").open("a", encoding="utf-8") as f:
        f.write('2026-03-05,Bo,"￥80"\n')
    assert main(["validate", str(tmp_path)]) == 1
    assert "row 5, column 'amount'" in capsys.readouterr().err


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cents=st.integers(min_value=-(10**12), max_value=10**12),
    mark=st.sampled_from(currency_marks("CNY")),
    before=st.booleans(),
    space=st.sampled_from(["", " "]),
    negative=st.sampled_from(["minus", "parentheses", "trailing"]),
    grouped=st.booleans(),
)
def test_any_figure_in_any_accounting_form_reads_its_value(cents, mark, before, space, negative, grouped):
    value = Decimal(cents) / 100
    digits = f"{abs(value):,.2f}" if grouped else f"{abs(value):.2f}"
    figure = f"{mark}{space}{digits}" if before else f"{digits}{space}{mark}"
    if value < 0:
        figure = {"minus": f"-{figure}", "parentheses": f"({figure})", "trailing": f"{digits}-{space}{mark}"}[
            negative
        ]
    sql = number_sql("cell", "VARCHAR", currency_marks("CNY"))
    [(read,)] = duckdb.execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS cell)", [figure]).fetchall()
    assert read == pytest.approx(float(value), abs=1e-6), figure

"""Sales lines whose discount is money off the line (折扣额), not a fraction of the price.

Kingdee and Yonyou 销售明细 exports give each line's 金额 (or 数量 × 单价) and a 折扣额 column beside it: a
plan maps `discount_amount` and each line counts its amount less that money. The pay is checked to the fen
through the command line, bad cells are located by file, row and column with the file left as it was, and
the figures of random lines against the same subtraction in Python.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from salesplan_widgets.cli import main
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

COMMISSION = "incentives:\n  commission: {base_rate: 0.05}\n"


def plan(path: str, columns: str, incentives: str = "") -> str:
    return (
        f"name: Money off\ncurrency: CNY\nsources:\n  sales:\n    path: {path}\n"
        f"    columns: {{{columns}}}\n{incentives}"
    )


def write_sheet(path, rows) -> None:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    book.save(path)


SHEET = [  # 2026-03: 王伟 sells 12,000.00 with 600.00 off, then takes back 2,400 with its 120 off; 李娜 none off
    ("单据日期", "业务员", "金额", "折扣额"),
    (dt.date(2026, 3, 2), "王伟", "12,000.00", "600.00"),
    (dt.date(2026, 3, 9), "王伟", -2400, -120),
    (dt.date(2026, 3, 20), "李娜", 299.97, None),
]


def test_a_sheet_with_money_off_each_line_is_paid_on_the_amount_after_it(tmp_path):
    (tmp_path / "data").mkdir()
    write_sheet(tmp_path / "data" / "销售明细.xlsx", SHEET)
    columns = "date: 单据日期, rep: 业务员, amount: 金额, discount_amount: 折扣额"
    (tmp_path / "plan.yaml").write_text(plan("data/销售明细.xlsx", columns, COMMISSION), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0
    assert main(["payouts", str(tmp_path), "--period", "2026-03"]) == 0
    assert main(["payouts", str(tmp_path), "--period", "2026-03", "--approve"]) == 0
    assert main(["close", str(tmp_path), "--period", "2026-03"]) == 0
    paid = read_ledger(open_workbook(tmp_path)).lines.groupby("rep")["amount_minor"].sum().to_dict()
    # 王伟: (12,000 − 600) + (−2,400 + 120) = 9,120 → 456.00; 李娜: 299.97, a blank is none off → 15.00
    assert paid == {"王伟": 45_600, "李娜": 1_500}


def test_money_off_is_taken_from_quantity_times_unit_price(tmp_path):
    (tmp_path / "data").mkdir()
    rows = "日期,销售,数量,单价,折扣额\n2026-03-02,王伟,10,100,50\n2026-03-03,王伟,3,20,\n2026-04-01,李娜,-1,100,-5\n"
    (tmp_path / "data" / "s.csv").write_text(rows, encoding="utf-8")
    columns = "date: 日期, rep: 销售, quantity: 数量, unit_price: 单价, discount_amount: 折扣额"
    (tmp_path / "plan.yaml").write_text(plan("data/s.csv", columns), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0
    cube = open_workbook(tmp_path).cube()
    assert cube.groupby("rep")["actual"].sum().to_dict() == {"王伟": 1010.0, "李娜": -95.0}
    assert cube["quantity"].sum() == 12  # units still count as sold


def test_money_off_beyond_the_line_or_of_the_wrong_sign_is_located(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    rows = (
        "日期,销售,金额,折扣额\n"
        "2026-03-02,王伟,1000,50\n"
        "2026-03-03,王伟,1000,1200\n"  # more off than the line
        "2026-03-04,王伟,1000,-30\n"  # a surcharge, not a discount
        "2026-03-05,王伟,1000,5%\n"  # not money
    )
    (tmp_path / "data" / "s.csv").write_text(rows, encoding="utf-8")
    before = (tmp_path / "data" / "s.csv").read_bytes()
    columns = "date: 日期, rep: 销售, amount: 金额, discount_amount: 折扣额"
    (tmp_path / "plan.yaml").write_text(plan("data/s.csv", columns), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "row 3, column '折扣额': expected money off the line, no more than its amount" in err
    assert "row 4, column '折扣额'" in err and "found '-30'" in err
    assert "row 5, column '折扣额': expected a number" in err and "found '5%'" in err
    assert "row 2," not in err  # 50 off 1,000 is fine
    assert "map it as amount and leave discount_amount out" in err
    assert (tmp_path / "data" / "s.csv").read_bytes() == before


def test_a_plan_maps_a_fraction_or_money_off_not_both(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "s.csv").write_text("d,r,q,p,x,y\n2026-03-02,王伟,1,10,0.1,1\n", encoding="utf-8")
    columns = "date: d, rep: r, quantity: q, unit_price: p, discount: x, discount_amount: y"
    (tmp_path / "plan.yaml").write_text(plan("data/s.csv", columns), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 1
    assert "map discount (a fraction of the price) or discount_amount (money off the line), not both" in (
        capsys.readouterr().err
    )


lines_drawn = st.lists(
    st.tuples(
        st.integers(-1_000_000, 1_000_000),  # amount in fen
        st.one_of(st.none(), st.integers(0, 100)),  # percent of it taken off as money, or blank
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=lines_drawn)
def test_random_lines_sum_to_amount_less_money_off(tmp_path_factory, drawn):
    folder = tmp_path_factory.mktemp("money_off")
    off = [None if p is None else round(a * p / 100) / 100 for a, p in drawn]  # same sign, at most the line
    frame = pd.DataFrame(
        {
            "day": [dt.date(2026, 1, 1) + dt.timedelta(days=i % 60) for i in range(len(drawn))],
            "rep": [f"r{i % 3}" for i in range(len(drawn))],
            "amount": [a / 100 for a, _p in drawn],
            "off": pd.array(off, dtype="Float64"),
        }
    )
    frame.to_parquet(folder / "lines.parquet", index=False)
    (folder / "plan.yaml").write_text(
        plan("lines.parquet", "date: day, rep: rep, amount: amount, discount_amount: off"), encoding="utf-8"
    )
    assert main(["validate", str(folder)]) == 0
    cube = open_workbook(folder).cube()
    want = sum(a / 100 - (o or 0) for (a, _p), o in zip(drawn, off, strict=True))
    assert cube["actual"].sum() == pytest.approx(want, rel=1e-9, abs=1e-6)

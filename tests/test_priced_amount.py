"""Sales lines that give a quantity and a unit price instead of an amount, as ERP order-line exports do.

Northwind's order lines (tests/fixtures/northwind) carry unit price, quantity and discount, and most
Chinese 销售明细 exports carry 数量 and 单价: a plan maps `quantity` and `unit_price` (and `discount`, a
fraction) and each line's amount is quantity × unit price × (1 − discount). The figures are checked
against the same product computed in pandas from the files, the pay to the fen through the command line,
and bad prices and discounts are located by file, row and column with the file left as it was.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from salesplan_widgets.cli import main
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

NORTHWIND = Path(__file__).parent / "fixtures" / "northwind"


def northwind_export() -> pd.DataFrame:
    """Northwind's order lines joined to their order's date and salesperson, as an ERP exports them."""
    orders = pd.read_csv(NORTHWIND / "orders.csv")
    employees = pd.read_csv(NORTHWIND / "employees.csv")
    lines = pd.read_csv(NORTHWIND / "order-details.csv").merge(orders, on="orderID")
    lines = lines.merge(employees, on="employeeID")
    return pd.DataFrame(
        {
            "Order Date": lines["orderDate"].str[:10],
            "Salesperson": lines["firstName"] + " " + lines["lastName"],
            "Quantity": lines["quantity"],
            "Unit Price": lines["unitPrice"],
            "Discount": lines["discount"],
        }
    )


def plan(path: str, columns: str, incentives: str = "", currency: str = "USD") -> str:
    return (
        f"name: Priced lines\ncurrency: {currency}\nsources:\n  sales:\n    path: {path}\n"
        f"    columns: {{{columns}}}\n{incentives}"
    )


NORTHWIND_COLUMNS = (
    "date: Order Date, rep: Salesperson, quantity: Quantity, unit_price: Unit Price, discount: Discount"
)


def test_northwind_order_lines_are_summed_at_their_discounted_price(tmp_path):
    export = northwind_export()
    (tmp_path / "data").mkdir()
    export.to_csv(tmp_path / "data" / "lines.csv", index=False)
    (tmp_path / "plan.yaml").write_text(plan("data/lines.csv", NORTHWIND_COLUMNS), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0
    cube = open_workbook(tmp_path).cube()
    export["amount"] = export["Unit Price"] * export["Quantity"] * (1 - export["Discount"])
    export["period"] = pd.PeriodIndex(export["Order Date"], freq="M")
    for keys, by in (("period", "period"), ("rep", "Salesperson")):
        got = cube.groupby(keys)["actual"].sum()
        want = export.groupby(by)["amount"].sum()
        pd.testing.assert_series_equal(got, want, check_names=False, check_index_type=False, rtol=1e-9)
    assert cube["quantity"].sum() == export["Quantity"].sum()  # the quantity still counts as units


SHEET = [  # 2026-03: 王伟 10 × 1,200.00 at 5% off, then a return of 2 at 1,200; 李娜 3 × 99.99, no discount
    ("订单日期", "销售员", "数量", "单价", "折扣"),
    (dt.date(2026, 3, 2), "王伟", 10, "1,200.00", 0.05),
    (dt.date(2026, 3, 9), "王伟", -2, 1200, None),
    (dt.date(2026, 3, 20), "李娜", 3, "99.99", ""),
]


def write_sheet(path: Path, rows) -> None:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    book.save(path)


def test_a_chinese_sheet_of_quantities_and_prices_is_paid_to_the_fen(tmp_path):
    (tmp_path / "data").mkdir()
    write_sheet(tmp_path / "data" / "销售明细.xlsx", SHEET)
    columns = "date: 订单日期, rep: 销售员, quantity: 数量, unit_price: 单价, discount: 折扣"
    text = plan("data/销售明细.xlsx", columns, "incentives:\n  commission: {base_rate: 0.05}\n", "CNY")
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0
    assert main(["payouts", str(tmp_path), "--period", "2026-03"]) == 0
    assert main(["payouts", str(tmp_path), "--period", "2026-03", "--approve"]) == 0
    assert main(["close", str(tmp_path), "--period", "2026-03"]) == 0
    lines = read_ledger(open_workbook(tmp_path)).lines
    paid = lines.groupby("rep")["amount_minor"].sum().to_dict()
    # 王伟: 10 × 1,200 × 0.95 − 2 × 1,200 = 9,000 → 450.00; 李娜: 3 × 99.99 = 299.97 → 14.9985 → 15.00
    assert paid == {"王伟": 45_000, "李娜": 1_500}


def test_bad_prices_and_discounts_are_located_and_the_file_is_left_as_it_was(tmp_path, capsys):
    export = northwind_export().head(6).astype(str)
    export.loc[2, "Discount"] = "5"  # a percent where a fraction is expected
    export.loc[4, "Unit Price"] = "¥14"
    export.loc[5, "Quantity"] = ""
    (tmp_path / "data").mkdir()
    export.to_csv(tmp_path / "data" / "lines.csv", index=False)
    before = (tmp_path / "data" / "lines.csv").read_bytes()
    (tmp_path / "plan.yaml").write_text(plan("data/lines.csv", NORTHWIND_COLUMNS), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().err
    assert "row 4, column 'Discount': expected a discount as a fraction of the price" in out
    assert "found '5'" in out and "5% off is 0.05" in out
    assert "row 6, column 'Unit Price': expected a number" in out and "found '¥14'" in out
    assert "row 7, column 'Quantity'" in out and "an empty cell" in out  # required: it makes the amount
    assert (tmp_path / "data" / "lines.csv").read_bytes() == before


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            "date: d, rep: r",
            "columns must map amount (required for sales history), or quantity and unit_price",
        ),
        (
            "date: d, rep: r, unit_price: p",
            "columns must map quantity: without an amount column, each line's",
        ),
        ("date: d, rep: r, amount: a, discount: x", "discount applies to an amount computed from quantity"),
    ],
)
def test_a_plan_says_which_columns_make_the_amount(tmp_path, capsys, columns, message):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "s.csv").write_text("d,r,a,p,x\n2026-03-02,王伟,10,2,0.1\n", encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(plan("data/s.csv", columns), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 1
    assert message in capsys.readouterr().err


lines_drawn = st.lists(
    st.tuples(
        st.integers(-5, 50),
        st.integers(0, 500_000),  # price in fen
        st.one_of(st.none(), st.integers(0, 100)),  # discount in percent, or blank
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=lines_drawn)
def test_typed_parquet_lines_sum_to_quantity_times_price_less_discount(tmp_path_factory, drawn):
    folder = tmp_path_factory.mktemp("priced")
    frame = pd.DataFrame(
        {
            "day": [dt.date(2026, 1, 1) + dt.timedelta(days=i % 60) for i in range(len(drawn))],
            "rep": [f"r{i % 3}" for i in range(len(drawn))],
            "qty": pd.array([q for q, _p, _d in drawn], dtype="int64"),
            "price": [p / 100 for _q, p, _d in drawn],
            "off": pd.array([None if d is None else d / 100 for _q, _p, d in drawn], dtype="Float64"),
        }
    )
    frame.to_parquet(folder / "lines.parquet", index=False)
    columns = "date: day, rep: rep, quantity: qty, unit_price: price, discount: off"
    (folder / "plan.yaml").write_text(plan("lines.parquet", columns), encoding="utf-8")
    cube = open_workbook(folder).cube()
    want = sum(q * (p / 100) * (1 - (d or 0) / 100) for q, p, d in drawn)  # a blank discount is none
    assert cube["actual"].sum() == pytest.approx(want, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize(
    ("discounts", "warned"), [([0.95, 0.95, 0.9, 0.0], True), ([0.05, 0.6, 0.0, 0.1], False)]
)
def test_discounts_that_look_like_the_share_paid_are_warned_about(tmp_path, capsys, discounts, warned):
    """九五折 written 0.95 is 95% off as a discount: valid, but pays on a twentieth of the sales."""
    (tmp_path / "data").mkdir()
    rows = "".join(f"2026-03-0{i + 1},王伟,2,100,{d}\n" for i, d in enumerate(discounts))
    (tmp_path / "data" / "s.csv").write_text("日期,销售,数量,单价,折扣\n" + rows, encoding="utf-8")
    columns = "date: 日期, rep: 销售, quantity: 数量, unit_price: 单价, discount: 折扣"
    (tmp_path / "plan.yaml").write_text(plan("data/s.csv", columns), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0  # a warning: the plan and data are valid
    err = capsys.readouterr().err
    assert ("3 of 4 lines take more than half off (median 0.925)" in err) is warned
    assert ("九五折 = 0.95" in err) is warned

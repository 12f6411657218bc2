"""Figures as Chinese and European sheets write them: 万 and 亿 units, full-width digits typed with a Chinese
input method, and the European decimal comma (`sources.<name>.decimal: ","`).

A hand-made Chinese sheet writes 12.5万 for 125,000; an input method left in full-width mode types
１２，３４５．００; a European export writes 12.500,00 for twelve thousand five hundred. Each is read through
what users run (`salesplan validate`, the cube) from real CSV, Excel and Parquet files, or refused with the
file, row, column, value and the option to set. A European 12.500 in a file read with a decimal point is
twelve and a half to the plan: when every such figure has three decimals, `validate` warns.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from salesplan_widgets.cli import main
from salesplan_widgets.i18n import currency_marks
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.sources import number_sql


def write_plan(tmp_path, path: str, columns: str, *, decimal: str = "", locale: str = "en") -> None:
    option = f"    decimal: '{decimal}'\n" if decimal else ""
    (tmp_path / "plan.yaml").write_text(
        f"name: Figures\ncurrency: CNY\nlocale: {locale}\nsources:\n  sales:\n    path: {path}\n{option}"
        f"    columns: {{{columns}}}\n",
        encoding="utf-8",
    )


def write_csv(tmp_path, lines: list[tuple[str, str, str]], header: str = "日期,销售员,金额", sep: str = ","):
    (tmp_path / "data").mkdir(exist_ok=True)
    data = tmp_path / "data" / "sales.csv"
    text = header.replace(",", sep) + "\n" + "".join(f'{d}{sep}{r}{sep}"{a}"\n' for d, r, a in lines)
    data.write_text(text, encoding="utf-8")
    return data


def totals(tmp_path) -> dict[str, float]:
    return open_workbook(tmp_path).cube().groupby("rep")["actual"].sum().to_dict()


CNY_MARKS = currency_marks("CNY")


def read(cell: str, decimal: str = ".") -> float | None:
    sql = number_sql("cell", "VARCHAR", CNY_MARKS, decimal)
    [(value,)] = duckdb.execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS cell)", [cell]).fetchall()
    return value


# -- 万 and 亿 ---------------------------------------------------------------------------------------------
def test_wan_and_yi_units_in_a_chinese_csv_are_read_through_validate_and_the_cube(tmp_path):
    write_csv(
        tmp_path,
        [
            ("2026-03-02", "王伟", "12.5万"),  # 125,000
            ("2026-03-03", "王伟", "1.2亿"),  # 120,000,000
            ("2026-03-04", "李娜", "3万元"),  # 30,000
            ("2026-03-05", "李娜", "￥12.5万"),  # 125,000
            ("2026-03-06", "李娜", "(0.5万)"),  # a return of 5,000
            ("2026-03-07", "张敏", "1,234.50"),  # plain figures read as before
        ],
    )
    write_plan(tmp_path, "data/sales.csv", "date: 日期, rep: 销售员, amount: 金额")
    assert main(["validate", str(tmp_path)]) == 0
    assert totals(tmp_path) == {"王伟": 120_125_000.0, "李娜": 150_000.0, "张敏": 1234.5}


def test_wan_on_a_quantity_of_an_excel_sheet_is_read_too(tmp_path):
    (tmp_path / "data").mkdir()
    book = Workbook()
    book.active.append(["日期", "销售员", "数量", "单价"])
    book.active.append([dt.date(2026, 3, 2), "王伟", "2万", "￥1.5"])  # 20,000 units at 1.50
    book.active.append([dt.date(2026, 3, 3), "李娜", 10, "0.1万元"])  # 10 units at 1,000
    book.save(tmp_path / "data" / "sales.xlsx")
    write_plan(tmp_path, "data/sales.xlsx", "date: 日期, rep: 销售员, quantity: 数量, unit_price: 单价")
    assert main(["validate", str(tmp_path)]) == 0
    assert totals(tmp_path) == {"王伟": 30_000.0, "李娜": 10_000.0}


# -- full-width figures -------------------------------------------------------------------------------------
def test_full_width_figures_typed_with_a_chinese_input_method_read_as_ascii(tmp_path):
    (tmp_path / "data").mkdir()
    book = Workbook()
    book.active.append(["日期", "销售员", "金额"])
    for day, rep, amount in [
        (2, "王伟", "１２，３４５．００"),
        (3, "王伟", "（１，２００）"),  # a return
        (4, "李娜", "－500"),
        (5, "李娜", "\u3000８００\u3000"),  # ideographic spaces around
        (6, "李娜", "１２　５００"),  # an ideographic space between thousands
    ]:
        book.active.append([dt.date(2026, 3, day), rep, amount])
    book.save(tmp_path / "data" / "sales.xlsx")
    write_plan(tmp_path, "data/sales.xlsx", "date: 日期, rep: 销售员, amount: 金额")
    assert main(["validate", str(tmp_path)]) == 0
    assert totals(tmp_path) == {"王伟": 11_145.0, "李娜": 12_800.0}


# -- European and Swiss figures -----------------------------------------------------------------------------
EUROPEAN = [
    ("2026-03-02", "Anna", "12.500,00"),
    ("2026-03-03", "Anna", "1.234.567,89"),
    ("2026-03-04", "Anna", "12 500,00"),
    ("2026-03-05", "Bert", "12\u202f500,00"),  # narrow no-break space, as French exports group
    ("2026-03-06", "Bert", "12.500"),  # twelve thousand five hundred, with the option
    ("2026-03-07", "Bert", "-80,5"),
    ("2026-03-08", "Bert", "(1.234,50)"),
]


def test_a_european_csv_read_with_a_decimal_comma_gives_its_thousands(tmp_path):
    data = write_csv(tmp_path, EUROPEAN, header="date,rep,amount", sep=";")
    write_plan(tmp_path, "data/sales.csv", "date: date, rep: rep, amount: amount", decimal=",")
    assert main(["validate", str(tmp_path)]) == 0
    # the CSV's cells reach salesplan as text: no sniffer typed 12.500 as the number 12.5 first
    assert totals(tmp_path) == pytest.approx({"Anna": 1_259_567.89, "Bert": 23_685.0})
    assert "12.500" in data.read_text(encoding="utf-8")


def test_a_european_parquet_reads_its_text_figures_with_a_comma_and_its_numbers_as_they_are(tmp_path):
    (tmp_path / "data").mkdir()
    pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-03-02", "2026-03-03"]),
            "rep": ["Anna", "Bert"],
            "amount": ["12.500", "1.000,25"],
            "qty": [1.5, 2.25],  # a DOUBLE column: no decimal mark to read
        }
    ).to_parquet(tmp_path / "data" / "sales.parquet")
    write_plan(
        tmp_path, "data/sales.parquet", "date: date, rep: rep, amount: amount, quantity: qty", decimal=","
    )
    assert main(["validate", str(tmp_path)]) == 0
    cube = open_workbook(tmp_path).cube().groupby("rep")[["actual", "quantity"]].sum()
    assert cube.to_dict() == {
        "actual": {"Anna": 12_500.0, "Bert": 1000.25},
        "quantity": {"Anna": 1.5, "Bert": 2.25},
    }


def test_excel_number_cells_keep_their_value_in_a_sheet_read_with_a_decimal_comma(tmp_path):
    (tmp_path / "data").mkdir()
    book = Workbook()
    book.active.append(["Datum", "Verkäufer", "Betrag"])
    book.active.append([dt.date(2026, 3, 2), "Anna", 12.5])  # a number cell: twelve and a half
    book.active.append([dt.date(2026, 3, 3), "Anna", 1.125])  # three decimals, still a number
    book.active.append([dt.date(2026, 3, 4), "Bert", "1.234,50"])  # text typed the European way
    book.save(tmp_path / "data" / "sales.xlsx")
    write_plan(tmp_path, "data/sales.xlsx", "date: Datum, rep: Verkäufer, amount: Betrag", decimal=",")
    assert main(["validate", str(tmp_path)]) == 0
    assert totals(tmp_path) == {"Anna": 13.625, "Bert": 1234.5}


def test_swiss_apostrophes_group_thousands_in_a_file_read_with_a_decimal_point(tmp_path):
    write_csv(
        tmp_path, [("2026-03-02", "Anna", "12'500.00"), ("2026-03-03", "Anna", "1’234.50")], "date,rep,amount"
    )
    write_plan(tmp_path, "data/sales.csv", "date: date, rep: rep, amount: amount")
    assert main(["validate", str(tmp_path)]) == 0
    assert totals(tmp_path) == {"Anna": 13_734.5}


def test_european_figures_without_the_option_are_located_with_the_option_to_set(tmp_path, capsys):
    data = write_csv(
        tmp_path,
        [
            ("2026-03-02", "Anna", "1.000"),
            ("2026-03-03", "Anna", "1.234.567"),
            ("2026-03-04", "Bert", "12.500,00"),
            ("2026-03-05", "Bert", "12,50"),
            ("2026-03-06", "Bert", "n/a"),  # not a figure at all: the usual problem
        ],
        header="date,rep,amount",
    )
    before = data.read_bytes()
    write_plan(tmp_path, "data/sales.csv", "date: date, rep: rep, amount: amount")
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    for row, value in ((3, "1.234.567"), (4, "12.500,00"), (5, "12,50")):
        line = next(x for x in err.splitlines() if f"'{value}'" in x)
        assert f"data/sales.csv, row {row}, column 'amount'" in line
        assert "a figure with a decimal point" in line
        assert "set decimal: ',' on this source in plan.yaml" in line
    n_a = next(x for x in err.splitlines() if "'n/a'" in x)
    assert "row 6" in n_a and "a number such as 1234.50" in n_a and "decimal: ','" not in n_a
    assert "row 2" not in err  # 1.000 reads as one
    assert data.read_bytes() == before


def test_european_figures_without_the_option_are_told_in_chinese(tmp_path, capsys):
    write_csv(tmp_path, [("2026-03-02", "Anna", "1.234.567,89")], header="date,rep,amount")
    write_plan(tmp_path, "data/sales.csv", "date: date, rep: rep, amount: amount", locale="zh_CN")
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "'1.234.567,89'" in x)
    assert "data/sales.csv，第 2 行，列 'amount'" in line
    assert "以小数点书写的数字" in line and "请在 plan.yaml 中为此数据源设置 decimal: ','" in line


def test_decimal_point_figures_in_a_source_read_with_a_comma_are_located(tmp_path, capsys):
    write_csv(
        tmp_path, [("2026-03-02", "Anna", "1,234.50"), ("2026-03-03", "Anna", "12.5")], "date,rep,amount"
    )
    write_plan(tmp_path, "data/sales.csv", "date: date, rep: rep, amount: amount", decimal=",")
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    for row, value in ((2, "1,234.50"), (3, "12.5")):
        line = next(x for x in err.splitlines() if f"'{value}'" in x)
        assert f"row {row}, column 'amount'" in line
        assert "remove decimal: ',' from this source in plan.yaml" in line


def test_a_file_whose_every_decimal_figure_has_three_decimals_is_warned_about(tmp_path, capsys):
    write_csv(
        tmp_path,
        [("2026-03-02", "Anna", "12.500"), ("2026-03-03", "Anna", "1.250"), ("2026-03-04", "Bert", "800")],
        "date,rep,amount",
    )
    write_plan(tmp_path, "data/sales.csv", "date: date, rep: rep, amount: amount")
    assert main(["validate", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    warning = next(x for x in err.splitlines() if "warning" in x)
    assert "data/sales.csv" in warning and "column 'amount'" in warning
    assert "1.250 is read as 1.25, not 1250" in warning and "set decimal: ','" in warning
    assert totals(tmp_path) == {"Anna": 13.75, "Bert": 800.0}  # read as the plan says, only warned


def test_the_three_decimals_warning_is_told_in_chinese(tmp_path, capsys):
    write_csv(tmp_path, [("2026-03-02", "王伟", "￥12.500"), ("2026-03-03", "王伟", "25万")])
    write_plan(tmp_path, "data/sales.csv", "date: 日期, rep: 销售员, amount: 金额", locale="zh_CN")
    assert main(["validate", str(tmp_path)]) == 0
    warning = next(x for x in capsys.readouterr().err.splitlines() if "12.500" in x)
    assert "列 '金额'" in warning and "1 个类似 ￥12.500 的数字" in warning
    assert "请在 plan.yaml 中为此数据源设置 decimal: ','" in warning


def test_three_decimals_among_two_decimal_figures_are_decimals_and_not_warned_about(tmp_path, capsys):
    write_csv(tmp_path, [("2026-03-02", "Anna", "12.500"), ("2026-03-03", "Anna", "3.25")], "date,rep,amount")
    write_plan(tmp_path, "data/sales.csv", "date: date, rep: rep, amount: amount")
    assert main(["validate", str(tmp_path)]) == 0
    assert "decimal: ','" not in capsys.readouterr().err


# -- figures that still cannot be read ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "expected", "fix"),
    [
        ("en", "expected a number such as 1234.50 or -80", "write a number in CNY"),
        ("zh_CN", "数字，如 1234.50 或 -80", "CNY"),
    ],
)
def test_a_figure_in_no_supported_form_is_located_in_both_languages(tmp_path, capsys, locale, expected, fix):
    write_csv(tmp_path, [("2026-03-02", "王伟", "12.5万"), ("2026-03-03", "王伟", "约12万")])
    write_plan(tmp_path, "data/sales.csv", "date: 日期, rep: 销售员, amount: 金额", locale=locale)
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "'约12万'" in x)
    assert "data/sales.csv" in line and "3" in line and "金额" in line
    assert expected in line and fix in line


@pytest.mark.parametrize(
    ("cell", "decimal", "value"),
    [
        ("1.000.000.000.000,00", ",", 1e12),
        ("1,000,000,000,000.00", ".", 1e12),
        ("1万亿", ".", 1e12),
        ("0,01", ",", 0.01),
        ("０．０１", ".", 0.01),
        ("1.234,50-", ",", -1234.5),
        ("(1.234,50)", ",", -1234.5),
        ("-0.01万", ".", -100.0),
        ("12 500", ".", 12_500.0),
    ],
)
def test_extreme_and_negative_figures_read_their_value(cell, decimal, value):
    assert read(cell, decimal) == pytest.approx(value, abs=1e-9)


FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")


@settings(max_examples=300, deadline=None)
@given(
    cents=st.integers(min_value=-(10**14), max_value=10**14),
    form=st.sampled_from(["plain", "grouped", "full-width", "wan", "yi", "european", "spaced", "swiss"]),
    negative=st.sampled_from(["minus", "parentheses", "trailing"]),
)
def test_any_figure_written_in_a_supported_form_reads_back_its_value(cents, form, negative):
    value = Decimal(cents) / 100
    magnitude = abs(value)
    decimal = "."
    if form == "plain":
        digits = f"{magnitude:.2f}"
    elif form == "grouped":
        digits = f"{magnitude:,.2f}"
    elif form == "full-width":
        digits = f"{magnitude:,.2f}".translate(FULL_WIDTH)
    elif form == "wan":
        digits = f"{magnitude / 10**4:f}万"
    elif form == "yi":
        digits = f"{magnitude / 10**8:f}亿"
    elif form == "european":
        digits, decimal = f"{magnitude:,.2f}".translate(str.maketrans(".,", ",.")), ","
    elif form == "spaced":
        digits = f"{magnitude:,.2f}".replace(",", "\u202f")
    else:
        digits = f"{magnitude:,.2f}".replace(",", "'")
    figure = digits
    if value < 0:
        figure = {"minus": f"-{digits}", "parentheses": f"({digits})", "trailing": f"{digits}-"}[negative]
    assert read(figure, decimal) == pytest.approx(float(value), rel=1e-15, abs=1e-9), figure

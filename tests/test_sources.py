"""Data-source validation: every bad input is reported with its file, row and column, and nothing is written."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.errors import InputError
from salesplan_widgets.i18n import set_locale
from salesplan_widgets.schema import Calendar, SalesSource, Source
from salesplan_widgets.workbook.sources import MAX_EXAMPLES, validate_source

HEADER = "日期,金额,销售\n"
COLUMNS = {"date": "日期", "amount": "金额", "rep": "销售"}
CALENDAR = Calendar(start=dt.date(2024, 1, 1), end=dt.date(2026, 10, 31))


def sales_source(path: str = "data/sales.csv", **columns: str) -> SalesSource:
    return SalesSource(path=path, columns={**COLUMNS, **columns})


def write_csv(tmp_path: Path, text: str, name: str = "data/sales.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


def problems_of(
    tmp_path: Path, source: Source | None = None, calendar: Calendar = CALENDAR, kind: str = "sales"
):
    return validate_source(source or sales_source(), tmp_path, calendar, kind=kind)


def write_plan(tmp_path: Path, path: str = "data/sales.csv", extra: str = "") -> None:
    mapping = "".join(f"      {k}: {v}\n" for k, v in COLUMNS.items())
    (tmp_path / "plan.yaml").write_text(
        "name: Test Co\ncalendar:\n  start: 2024-01-01\n  end: 2026-10-31\n"
        f"sources:\n  sales:\n    path: {path}\n{extra}    columns:\n{mapping}",
        encoding="utf-8",
    )


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def assert_cube_refused_and_nothing_written(tmp_path: Path) -> InputError:
    """Workbook.cube() on bad data raises InputError and leaves no cube (nor any new file) behind."""
    write_plan(tmp_path)
    before = files_under(tmp_path)
    workbook = open_workbook(tmp_path)
    with pytest.raises(InputError) as info:
        workbook.cube()
    assert not list(tmp_path.rglob("cube-*.parquet"))
    assert files_under(tmp_path) == before
    return info.value


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are asserted in English; another test may have opened a Chinese workbook in this process."""
    set_locale("en")


# -- the file itself ---------------------------------------------------------------------------------------
def test_missing_file_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    problems = problems_of(tmp_path)
    assert len(problems) == 1
    assert problems[0].file == "data/sales.csv"
    assert "path" in problems[0].fix
    write_plan(tmp_path)
    before = files_under(tmp_path)
    assert [p.file for p in open_workbook(tmp_path).validate()] == ["data/sales.csv"]
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("text", ["", "\n", "\r\n", "\n\n  \n"], ids=["0-bytes", "LF", "CRLF", "blank-lines"])
def test_a_file_without_content_says_the_file_is_empty_once(tmp_path: Path, text: str) -> None:
    write_csv(tmp_path, text)
    problems = problems_of(tmp_path)
    assert [(p.file, p.found) for p in problems] == [("data/sales.csv", "the file is empty")]
    error = assert_cube_refused_and_nothing_written(tmp_path)
    assert len(error.problems) == 1


def test_header_without_rows_says_the_file_is_empty_once(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER)
    problems = problems_of(tmp_path)
    assert [p.found for p in problems] == ["the file is empty: it has a header but no data rows"]
    assert_cube_refused_and_nothing_written(tmp_path)


def test_an_empty_excel_sheet_and_an_empty_parquet_file_say_the_file_is_empty(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    openpyxl.Workbook().save(tmp_path / "data" / "sales.xlsx")
    pq.write_table(
        pa.table({name: pa.array([], type=pa.string()) for name in COLUMNS.values()}),
        tmp_path / "data" / "sales.parquet",
    )
    assert [p.found for p in problems_of(tmp_path, sales_source("data/sales.xlsx"))] == ["the file is empty"]
    assert [p.found for p in problems_of(tmp_path, sales_source("data/sales.parquet"))] == [
        "the file is empty: it has a header but no data rows"
    ]


def test_duplicate_header_names_the_column_on_the_header_row(tmp_path: Path) -> None:
    write_csv(tmp_path, "日期,金额,销售,金额\n2026-01-05,1,Li,2\n")
    problems = problems_of(tmp_path)
    assert [(p.file, p.row, p.column) for p in problems] == [("data/sales.csv", 1, "金额")]
    assert "duplicate" in problems[0].found
    assert_cube_refused_and_nothing_written(tmp_path)


def test_mapped_column_missing_lists_the_columns_the_file_has(tmp_path: Path) -> None:
    write_csv(tmp_path, "日期,金额,代表\n2026-01-05,1,Li\n")
    problems = problems_of(tmp_path)
    assert [(p.file, p.row, p.column) for p in problems] == [("data/sales.csv", 1, "销售")]
    assert "日期, 金额, 代表" in problems[0].found
    assert "map rep to one of these columns" in problems[0].fix
    error = assert_cube_refused_and_nothing_written(tmp_path)
    assert "代表" in str(error)


def test_a_misspelt_column_name_suggests_the_closest_header(tmp_path: Path) -> None:
    write_csv(tmp_path, "Order date,Net amount,Sales rep\n2026-01-05,1,Li\n")
    source = SalesSource(
        path="data/sales.csv", columns={"date": "Order date", "amount": "net amount ", "rep": "Sales reps"}
    )
    problems = problems_of(tmp_path, source)
    assert [(p.row, p.column, p.found) for p in problems] == [
        (1, "net amount ", "no such column; the closest is Net amount"),
        (1, "Sales reps", "no such column; the closest is Sales rep"),
    ]
    assert (
        problems[1].fix
        == "write Sales rep instead of Sales reps for rep under the source's columns in plan.yaml"
    )


def test_an_optional_column_missing_from_the_file_says_its_mapping_line_can_be_deleted(
    tmp_path: Path,
) -> None:
    write_csv(tmp_path, HEADER + "2026-01-05,1,Li\n")
    problems = problems_of(tmp_path, sales_source(channel="渠道"))
    assert [(p.column, p.found) for p in problems] == [("渠道", "the file has columns: 日期, 金额, 销售")]
    assert "channel is optional: delete the line 'channel: 渠道'" in problems[0].fix


def test_mapping_errors_and_cell_errors_are_reported_together(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER + "2026-01-05,,Li\n2026-01-06,,Li\n2026-01-07,3,Li\n")
    problems = problems_of(tmp_path, sales_source(segment="客户分层", channel="渠道"))
    assert [(p.column, p.found, p.count) for p in problems] == [
        ("客户分层", "the file has columns: 日期, 金额, 销售", None),
        ("渠道", "the file has columns: 日期, 金额, 销售", None),
        ("金额", "empty cells", 2),
    ]
    error = assert_cube_refused_and_nothing_written(tmp_path)  # the plan maps no segment: cell errors only
    assert [(p.column, p.count, p.row_ranges) for p in error.problems] == [("金额", 2, ((2, 3),))]


def test_source_outside_the_workbook_is_refused(tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.csv"
    outside.write_text(HEADER + "2026-01-05,1,Li\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    os.symlink(outside, tmp_path / "data" / "sales.csv")
    try:
        problems = problems_of(tmp_path)
    finally:
        outside.unlink()
    assert len(problems) == 1 and problems[0].file == "data/sales.csv"
    assert "inside the workbook" in problems[0].expected


# -- rows -------------------------------------------------------------------------------------------------
def test_unparsable_dates_name_the_file_row_and_column(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER + "2026-01-05,1,Li\n2026-13-40,2,Li\n2026/02/03,3,Li\n,4,Li\n")
    problems = problems_of(tmp_path)
    assert [(p.file, p.row, p.column, p.found) for p in problems] == [
        ("data/sales.csv", 3, "日期", "2026-13-40"),
        ("data/sales.csv", 5, "日期", "an empty cell"),
    ]
    assert problems[1].fix == "fill in the date in these rows, or delete the rows if they are not sales"
    assert "correct the date" in problems[0].fix
    error = assert_cube_refused_and_nothing_written(tmp_path)
    assert "row 3" in str(error) and "日期" in str(error)


def test_unparsable_or_missing_amounts_name_the_row(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER + "2026-01-05,¥12,Li\n2026-01-06,,Li\n2026-01-07,inf,Li\n2026-01-08,-5,Li\n")
    problems = problems_of(tmp_path)
    assert [(p.row, p.column, p.found) for p in problems] == [
        (2, "金额", "¥12"),
        (3, "金额", "an empty cell"),
        (4, "金额", "inf"),
    ]
    assert all(p.file == "data/sales.csv" for p in problems)
    assert "fill in the amount" in problems[1].fix and "plain number" in problems[0].fix
    assert_cube_refused_and_nothing_written(tmp_path)


def test_dates_outside_the_calendar_are_errors(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER + "2023-12-31,1,Li\n2025-06-01,2,Li\n2026-11-01,3,Li\n")
    problems = problems_of(tmp_path)
    assert [(p.row, p.column) for p in problems] == [(2, "日期"), (4, "日期")]
    assert "2024-01-01" in problems[0].expected and "2026-10-31" in problems[0].expected
    assert_cube_refused_and_nothing_written(tmp_path)


def test_missing_rep_is_an_error(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER + "2026-01-05,1,Li\n2026-01-06,2,  \n")
    problems = problems_of(tmp_path)
    assert [(p.row, p.column) for p in problems] == [(3, "销售")]


def test_many_bad_rows_list_the_first_few_values_and_count_the_rest(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER + "".join(f"2026-01-05,bad{i},Li\n" for i in range(1000)))
    problems = problems_of(tmp_path)
    located = [p for p in problems if p.row is not None]
    assert [p.row for p in located] == list(range(2, 2 + MAX_EXAMPLES))
    summary = [p for p in problems if p.row is None]
    assert len(summary) == 1 and summary[0].column == "金额"
    assert (summary[0].count, summary[0].row_ranges) == (1000 - MAX_EXAMPLES, ((2 + MAX_EXAMPLES, 1001),))
    assert f"{1000 - MAX_EXAMPLES} rows: {2 + MAX_EXAMPLES}–1001, column '金额'" in str(summary[0])


def test_the_same_problem_in_many_rows_is_said_once_with_its_rows(tmp_path: Path) -> None:
    rows = [
        f"2026-01-05,{'' if i < 568 or i % 50 == 0 else 'n/a' if i % 7 == 0 else i},Li\n" for i in range(800)
    ]
    write_csv(tmp_path, HEADER + "".join(rows))
    problems = problems_of(tmp_path)
    empty, na = problems
    assert (empty.found, empty.count, empty.row_ranges[:2]) == (
        "empty cells",
        568 + 4,
        ((2, 569), (602, 602)),
    )
    assert str(empty).startswith("data/sales.csv, 572 rows: 2–569, 602, 652, 702, 752, column '金额'")
    assert "fill in the amount in these rows, or delete the rows" in empty.fix
    assert (na.found, na.count) == ("n/a", len([i for i in range(568, 800) if i % 7 == 0 and i % 50]))
    assert "plain number" in na.fix


def test_a_required_column_empty_in_every_row_asks_to_map_another_column(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER + "".join(f"2026-01-0{d},,Li\n" for d in range(1, 8)))
    (problem,) = problems_of(tmp_path)
    assert (problem.count, problem.row_ranges) == (7, ((2, 8),))
    assert "the column is empty in every row: map another column to amount" in problem.fix


def test_ragged_csv_row_names_its_line(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER + "2026-01-05,1,Li\n2026-01-06,2,Li,extra,cells\n")
    problems = problems_of(tmp_path)
    assert len(problems) == 1 and problems[0].file == "data/sales.csv" and problems[0].row == 3


def test_returns_and_common_date_and_number_forms_are_valid(tmp_path: Path) -> None:
    write_csv(
        tmp_path,
        HEADER + '2026-01-05,-120.5,Li\n2026/01/06,"1,234.50",Li\n'
        "2026-01-07 13:45:00,0,Li\n2026-01-08T09:00:00,3e2,Li\n2026年1月9日,-0.01,Li\n",
    )
    assert problems_of(tmp_path) == []


def test_gb18030_file_with_bad_bytes_names_the_line(tmp_path: Path) -> None:
    good = (HEADER + "2026-01-05,1,张三\n").encode("gb18030")
    path = tmp_path / "data" / "sales.csv"
    path.parent.mkdir()
    path.write_bytes(good + b"2026-01-06,2,\x81\x20\n")
    source = SalesSource(path="data/sales.csv", encoding="gb18030", columns=COLUMNS)
    problems = problems_of(tmp_path, source)
    assert [(p.file, p.row) for p in problems] == [("data/sales.csv", 3)]
    assert "GB18030" in problems[0].expected


def test_gb18030_file_problems_use_the_users_chinese_column_names(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER + "2026-01-05,一百,张三\n", encoding="gb18030")
    problems = problems_of(tmp_path)
    assert [(p.row, p.column, p.found) for p in problems] == [(2, "金额", "一百")]


def test_excel_rows_are_the_sheet_row_numbers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["日期", "金额", "销售"])
    sheet.append([dt.datetime(2026, 1, 5), 10.5, "Li"])
    sheet.append([None, None, None])  # a blank row keeps the numbering of the rows below it
    sheet.append(["soon", 3, "Wang"])
    (tmp_path / "data").mkdir()
    book.save(tmp_path / "data" / "sales.xlsx")
    problems = problems_of(tmp_path, sales_source("data/sales.xlsx"))
    assert [(p.file, p.row, p.column, p.found) for p in problems] == [("data/sales.xlsx", 4, "日期", "soon")]


def test_excel_missing_sheet_lists_the_sheets(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Orders"
    (tmp_path / "data").mkdir()
    book.save(tmp_path / "data" / "sales.xlsx")
    source = SalesSource(path="data/sales.xlsx", sheet="Sales", columns=COLUMNS)
    problems = problems_of(tmp_path, source)
    assert len(problems) == 1 and "Orders" in problems[0].found


def test_parquet_rows_are_record_positions(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    table = pa.table(
        {
            "日期": pa.array([dt.date(2026, 1, d) for d in (5, 6, 7)]),
            "金额": pa.array(["1", "x", "-2"]),
            "销售": pa.array(["Li", "Li", "Wang"]),
        }
    )
    pq.write_table(table, tmp_path / "data" / "sales.parquet")
    problems = problems_of(tmp_path, sales_source("data/sales.parquet"))
    assert [(p.file, p.row, p.column, p.found) for p in problems] == [("data/sales.parquet", 2, "金额", "x")]


def test_duckdb_table_is_checked_read_only(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    db = tmp_path / "data" / "erp.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute('CREATE TABLE orders ("日期" DATE, "金额" DOUBLE, "销售" VARCHAR)')
        con.execute("INSERT INTO orders VALUES (DATE '2026-01-05', 1, 'Li'), (DATE '2027-01-05', 2, 'Li')")
    before = db.stat().st_mtime_ns
    source = SalesSource(path="data/erp.duckdb", table="orders", columns=COLUMNS)
    problems = problems_of(tmp_path, source)
    assert [(p.file, p.row, p.column) for p in problems] == [("data/erp.duckdb", 2, "日期")]
    assert db.stat().st_mtime_ns == before


def test_duckdb_missing_table_lists_the_tables(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with duckdb.connect(str(tmp_path / "data" / "erp.duckdb")) as con:
        con.execute("CREATE TABLE orders (x INTEGER)")
    source = SalesSource(path="data/erp.duckdb", table="sales", columns=COLUMNS)
    problems = problems_of(tmp_path, source)
    assert len(problems) == 1 and problems[0].found == "orders"


def test_a_duckdb_view_is_a_source_like_a_table(tmp_path: Path) -> None:
    """Analysts derive the amount (price × quantity) or join orders to their lines in a view."""
    (tmp_path / "data").mkdir()
    db = tmp_path / "data" / "erp.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute('CREATE TABLE lines ("日期" VARCHAR, price DOUBLE, qty INTEGER, "销售" VARCHAR)')
        con.execute("INSERT INTO lines VALUES ('2026-01-05', 2.5, 4, 'Li'), ('soon', 1, 1, 'Li')")
        con.execute('CREATE VIEW orders AS SELECT "日期", price * qty AS "金额", "销售" FROM lines')
    before = db.stat().st_mtime_ns
    problems = problems_of(tmp_path, SalesSource(path="data/erp.duckdb", table="orders", columns=COLUMNS))
    assert [(p.row, p.column, p.found) for p in problems] == [(2, "日期", "soon")]
    missing = problems_of(tmp_path, SalesSource(path="data/erp.duckdb", table="sales", columns=COLUMNS))
    assert [p.found for p in missing] == ["lines, orders"]
    assert db.stat().st_mtime_ns == before


def test_column_names_with_quotes_and_spaces_are_safe(tmp_path: Path) -> None:
    write_csv(tmp_path, 'order date,"amount ""net""",rep name\n2026-01-05,x,Li\n')
    source = SalesSource(
        path="data/sales.csv", columns={"date": "order date", "amount": 'amount "net"', "rep": "rep name"}
    )
    problems = problems_of(tmp_path, source)
    assert [(p.row, p.column) for p in problems] == [(2, 'amount "net"')]


# -- the accounts master ------------------------------------------------------------------------------------
def test_accounts_source_requires_an_account_in_every_row(tmp_path: Path) -> None:
    write_csv(tmp_path, "客户,分层\nC1,A\n,B\n", name="data/accounts.csv")
    source = Source(path="data/accounts.csv", columns={"account": "客户", "segment": "分层"})
    problems = problems_of(tmp_path, source, kind="accounts")
    assert [(p.file, p.row, p.column) for p in problems] == [("data/accounts.csv", 3, "客户")]


def test_accounts_source_must_map_the_account_column(tmp_path: Path) -> None:
    write_csv(tmp_path, "客户,分层\nC1,A\n", name="data/accounts.csv")
    source = Source(path="data/accounts.csv", columns={"segment": "分层"})
    problems = problems_of(tmp_path, source, kind="accounts")
    assert [p.column for p in problems] == ["account"]
    assert "客户" in problems[0].found


def test_accounts_potential_must_be_a_number_when_mapped(tmp_path: Path) -> None:
    write_csv(tmp_path, "客户,潜力\nC1,120000\nC2,很大\nC3,\n", name="data/accounts.csv")
    # built without validation: the plan schema does not list "potential" among mappable columns yet
    source = Source.model_construct(
        path="data/accounts.csv", columns={"account": "客户", "potential": "潜力"}
    )
    problems = problems_of(tmp_path, source, kind="accounts")
    assert [(p.file, p.row, p.column, p.found) for p in problems] == [
        ("data/accounts.csv", 3, "潜力", "很大")
    ]


def test_workbook_validate_collects_every_sources_problems(tmp_path: Path) -> None:
    write_csv(tmp_path, HEADER + "2026-01-05,x,Li\n")
    write_csv(tmp_path, "客户\n\n", name="data/accounts.csv")
    write_plan(tmp_path)
    with (tmp_path / "plan.yaml").open("a", encoding="utf-8") as fh:
        fh.write("  accounts:\n    path: data/accounts.csv\n    columns:\n      account: 客户\n")
    problems = open_workbook(tmp_path).validate()
    assert {p.file for p in problems} == {"data/sales.csv", "data/accounts.csv"}


# -- title rows above the header ----------------------------------------------------------------------------
def titled_sheet(tmp_path: Path, name: str = "data/sales.xlsx") -> Path:
    """An Excel export as many reports are: a title, a blank row, then the header on row 3."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Texas home sales, 2023–2025"])
    sheet.append([])
    sheet.append(["日期", "金额", "销售"])
    sheet.append([dt.datetime(2026, 1, 5), 10.5, "Austin"])
    sheet.append([dt.datetime(2026, 1, 6), "n/a", "Dallas"])
    sheet.append([dt.datetime(2026, 1, 7), 7, "Waco"])
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def test_an_excel_title_row_is_one_problem_suggesting_header_row_then_the_rows_are_checked(tmp_path: Path):
    titled_sheet(tmp_path)
    problems = problems_of(tmp_path, sales_source("data/sales.xlsx"))
    assert [(p.row, p.column, p.found) for p in problems] == [
        (3, None, "the column names on row 3, below 'Texas home sales, 2023–2025'"),
        (5, "金额", "n/a"),  # the sheet's own row number, read below the header on row 3
    ]
    assert problems[0].fix == "set header_row: 3 on the source in plan.yaml (the rows above it are skipped)"


def test_an_excel_source_with_header_row_reads_below_its_title(tmp_path: Path):
    titled_sheet(tmp_path)
    write_plan(tmp_path, "data/sales.xlsx", extra="    header_row: 3\n")
    workbook = open_workbook(tmp_path)
    problems = workbook.validate_sources()
    assert [(p.row, p.column, p.found) for p in problems] == [(5, "金额", "n/a")]
    (tmp_path / "data" / "sales.xlsx").unlink()
    book = openpyxl.load_workbook(titled_sheet(tmp_path))
    book.active["B5"] = 3.5
    book.save(tmp_path / "data" / "sales.xlsx")
    cube = open_workbook(tmp_path).cube()
    assert cube["actual"].sum() == pytest.approx(21.0)
    assert sorted(cube["rep"]) == ["Austin", "Dallas", "Waco"]


def test_a_csv_title_line_is_found_and_header_row_reads_it(tmp_path: Path):
    write_csv(
        tmp_path, "Sales export;;\nprinted 2026-02-01;;\n日期;金额;销售\n2026-01-05;1;Li\n2026-01-06;x;Li\n"
    )
    problems = problems_of(tmp_path)
    assert [(p.row, p.column, p.found) for p in problems] == [
        (3, None, "the column names on row 3, below 'Sales export'"),
        (5, "金额", "x"),
    ]
    source = SalesSource(path="data/sales.csv", header_row=3, columns=COLUMNS)
    assert [(p.row, p.found) for p in problems_of(tmp_path, source)] == [(5, "x")]


def test_header_row_is_refused_for_a_parquet_source() -> None:
    with pytest.raises(ValueError, match="header_row applies to CSV and Excel files"):
        SalesSource(path="data/sales.parquet", header_row=2, columns=COLUMNS)

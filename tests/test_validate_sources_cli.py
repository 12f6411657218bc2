"""`salesplan validate` on a newcomer's own files: every problem at once, each with the fix that fits it,
in the workbook's language. Real files in tmp_path (CSV, Parquet, an .xlsx with a title row, an empty file)
and the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from fixtures.minimal_workbook import home_sales, write_minimal_workbook
from ruamel.yaml import YAML

from salesplan_widgets.cli import main

EMPTY = 568  # the count: volumes left blank in the first 568 data rows


def validate(folder: Path, capsys) -> tuple[int, list[str]]:
    code = main(["validate", str(folder)])
    out = capsys.readouterr()
    return code, (out.out + out.err).strip().splitlines()


def edit_plan(folder: Path, **columns: str | None) -> None:
    """Map (or, with None, unmap) columns of the sales source; `header_row` sets the source's header row."""
    yaml = YAML()
    plan = yaml.load((folder / "plan.yaml").read_text(encoding="utf-8"))
    source = plan["sources"]["sales"]
    for key, value in columns.items():
        target = source if key == "header_row" else source["columns"]
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    with (folder / "plan.yaml").open("w", encoding="utf-8") as out:
        yaml.dump(plan, out)


def newcomer_sales() -> pd.DataFrame:
    """46 cities × 36 months with a listings count, and the volume blank in the first 568 rows."""
    sales = home_sales()
    sales["listings"] = np.arange(len(sales)) % 40 + 1
    sales["volume"] = sales["volume"].astype(object)
    sales.loc[: EMPTY - 1, "volume"] = None
    return sales


@pytest.fixture
def newcomer(tmp_path) -> Path:
    """The issue's workbook: an optional column the file lacks, a misspelt name, and 568 empty volumes."""
    folder = write_minimal_workbook(tmp_path / "texas", sales=newcomer_sales())
    edit_plan(folder, channel="Channel", quantity="listing")
    return folder


def test_mapping_errors_and_568_empty_cells_are_listed_at_once_each_with_its_own_fix(newcomer, capsys):
    code, lines = validate(newcomer, capsys)
    assert code == 1
    assert lines == [
        "- data/sales.csv, row 1, column 'Channel': expected a column named Channel (mapped to channel in "
        "plan.yaml), found 'the file has columns: date, volume, city, listings'. Fix: channel is optional: "
        "delete the line 'channel: Channel' under the source's columns in plan.yaml, or add the column to the file",
        "- data/sales.csv, row 1, column 'listing': expected a column named listing (mapped to quantity in "
        "plan.yaml), found 'no such column; the closest is listings'. Fix: write listings instead of listing for "
        "quantity under the source's columns in plan.yaml",
        "- data/sales.csv, 568 rows: 2–569, column 'volume': expected a number such as 1234.50 or -80 (returns "
        "are negative), found 'empty cells'. Fix: fill in the amount in these rows, or delete the rows if they "
        "are not sales",
        "3 problem(s) found.",
    ]


def test_the_same_report_reads_in_chinese_in_a_chinese_workbook(newcomer, capsys):
    plan = newcomer / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("locale: en", "locale: zh_CN"), encoding="utf-8")
    code, lines = validate(newcomer, capsys)
    assert code == 1 and len(lines) == 4
    assert "channel 是可选的：删除 plan.yaml 数据源 columns 下的“channel: Channel”这一行" in lines[0]
    assert "没有这一列；最接近的是 listings" in lines[1]
    assert "568 行：2–569" in lines[2] and "空单元格" in lines[2] and "在这些行中填写 amount" in lines[2]


def test_a_fixed_plan_and_file_are_valid(newcomer, capsys):
    edit_plan(newcomer, channel=None, quantity="listings")
    home = home_sales()
    home["listings"] = 1
    home.to_csv(newcomer / "data" / "sales.csv", index=False)
    code, lines = validate(newcomer, capsys)
    assert (code, lines) == (0, ["Plan and data are valid."])


def test_empty_volumes_in_a_parquet_file_are_one_problem_with_their_rows(tmp_path, capsys):
    folder = write_minimal_workbook(tmp_path / "pq", sales=newcomer_sales(), file_format="parquet")
    code, lines = validate(folder, capsys)
    assert code == 1
    assert lines[0].startswith("- data/sales.parquet, 568 rows: 1–568, column 'volume'")
    assert lines[1:] == ["1 problem(s) found."]


@pytest.mark.parametrize("content", [b"", b"\n", b"\r\n"], ids=["0-bytes", "LF", "CRLF"])
def test_an_empty_file_says_the_file_is_empty_once(tmp_path, capsys, content):
    folder = write_minimal_workbook(tmp_path / "empty")
    (folder / "data" / "sales.csv").write_bytes(content)
    code, lines = validate(folder, capsys)
    assert (code, lines) == (
        1,
        [
            "- data/sales.csv: expected a header row and at least one data row, found 'the file is empty'. "
            "Fix: export the data again",
            "1 problem(s) found.",
        ],
    )


def titled_workbook(folder: Path) -> Path:
    """The minimal workbook with its sales as an .xlsx exported with a title above the header."""
    write_minimal_workbook(folder, sales=home_sales(cities=4))
    sales = pd.read_csv(folder / "data" / "sales.csv")
    (folder / "data" / "sales.csv").unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Texas home sales by city and month"])
    sheet.append(list(sales.columns))
    for row in sales.itertuples(index=False):
        sheet.append(list(row))
    book.save(folder / "data" / "sales.xlsx")
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("sales.csv", "sales.xlsx"), encoding="utf-8")
    return folder


def test_an_xlsx_title_row_gives_one_line_suggesting_header_row_and_then_validates(tmp_path):
    folder = titled_workbook(tmp_path / "titled")
    command = [sys.executable, "-m", "salesplan_widgets.cli", "validate", str(folder)]
    result = subprocess.run(command, capture_output=True, text=True, env=os.environ, timeout=300)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        '- data/sales.xlsx, row 2: expected the column names on the header row (1), found "the column names on '
        "row 2, below 'Texas home sales by city and month'\". Fix: set header_row: 2 on the source in plan.yaml "
        "(the rows above it are skipped)",
        "1 problem(s) found.",
    ]
    edit_plan(folder, header_row=2)
    result = subprocess.run(command, capture_output=True, text=True, env=os.environ, timeout=300)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "Plan and data are valid.", "")


def test_an_empty_file_and_a_title_row_read_in_chinese_in_a_chinese_workbook(tmp_path, capsys):
    empty = write_minimal_workbook(tmp_path / "empty", locale="zh_CN")
    (empty / "data" / "sales.csv").write_bytes(b"\n")
    code, lines = validate(empty, capsys)
    assert code == 1 and len(lines) == 2 and "文件是空的" in lines[0]
    titled = titled_workbook(tmp_path / "titled")
    plan = titled / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("locale: en", "locale: zh_CN"), encoding="utf-8")
    code, lines = validate(titled, capsys)
    assert code == 1 and len(lines) == 2
    assert "列名在第 2 行" in lines[0] and "在 plan.yaml 的数据源中设置 header_row: 2" in lines[0]

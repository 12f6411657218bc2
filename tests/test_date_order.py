"""Dates written with the year last (12/1/2010) are ambiguous: a source says which comes first with
`date_order` (MDY, as US exports and UCI's Online Retail write them; DMY, as British and European ones do),
and `validate` refuses them, naming that option, until it does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.workbook import open_workbook

PLAN = """\
name: Dates Co
currency: GBP
sources:
  sales:
    path: data/sales.csv
{order}    columns: {{date: Date, amount: Amount, rep: Rep}}
"""
LINES = [  # day first, with and without the time and a two-digit year, as British exports write them
    ("1/12/2010 8:26", 100.0),
    ("13/01/2011", 200.0),
    ("28.2.2011 17:05", 300.0),
    ("3/3/11", 400.0),
]


def workbook(folder: Path, order: str | None, lines=LINES) -> Path:
    (folder / "data").mkdir(parents=True)
    pd.DataFrame([(d, a, "Li") for d, a in lines], columns=["Date", "Amount", "Rep"]).to_csv(
        folder / "data" / "sales.csv", index=False
    )
    (folder / "plan.yaml").write_text(
        PLAN.format(order=f"    date_order: {order}\n" if order else ""), encoding="utf-8"
    )
    return folder


def test_day_first_dates_are_read_as_the_source_says(tmp_path, capsys):
    folder = workbook(tmp_path / "wb", "DMY")
    assert main(["validate", str(folder)]) == 0
    cube = open_workbook(folder).cube()
    assert cube.groupby("period")["actual"].sum().to_dict() == {
        pd.Period("2010-12", "M"): 100.0,
        pd.Period("2011-01", "M"): 200.0,
        pd.Period("2011-02", "M"): 300.0,
        pd.Period("2011-03", "M"): 400.0,
    }


def test_month_first_reading_refuses_a_thirteenth_month_by_its_row(tmp_path, capsys):
    folder = workbook(tmp_path / "wb", "MDY")
    assert main(["validate", str(folder)]) == 1
    said = capsys.readouterr().err
    assert "row 3, column 'Date'" in said and "found '13/01/2011'" in said
    assert "row 4, column 'Date'" in said and "found '28.2.2011 17:05'" in said
    assert "date_order" not in said  # the source has chosen: the fix does not offer the option again


@pytest.mark.parametrize("order", [None, "YMD"])
def test_year_last_dates_are_refused_with_the_option_that_reads_them(tmp_path, capsys, order):
    folder = workbook(tmp_path / "wb", order, lines=[("12/1/2010 8:26", 100.0), ("2011-01-13", 50.0)])
    assert main(["validate", str(folder)]) == 1
    said = capsys.readouterr().err
    assert "row 2, column 'Date'" in said and "found '12/1/2010 8:26'" in said
    assert "date_order: MDY (month first) or DMY (day first)" in said
    assert "row 3" not in said  # a year-first date reads whatever the order


def test_month_first_dates_read_the_same_month_as_day_first_ones_do_not(tmp_path):
    lines = [("12/1/2010 8:26", 100.0)]
    us = open_workbook(workbook(tmp_path / "us", "MDY", lines)).cube()
    uk = open_workbook(workbook(tmp_path / "uk", "DMY", lines)).cube()
    assert us["period"].tolist() == [pd.Period("2010-12", "M")]
    assert uk["period"].tolist() == [pd.Period("2010-01", "M")]


def test_a_two_digit_year_is_never_read_as_a_year_of_the_first_century(tmp_path, capsys):
    """Online Retail resaved by Excel writes 12/1/10 8:26: DuckDB alone reads it as 10 January of the year
    12. Without an order it is refused like any year-last date; with MDY it is 1 December 2010."""
    lines = [("12/1/10 8:26", 100.0), ("3/3/11", 50.0)]
    assert main(["validate", str(workbook(tmp_path / "plain", None, lines))]) == 1
    said = capsys.readouterr().err
    assert "found '12/1/10 8:26'" in said and "found '3/3/11'" in said
    cube = open_workbook(workbook(tmp_path / "us", "MDY", lines)).cube()
    assert cube.groupby("period")["actual"].sum().to_dict() == {
        pd.Period("2010-12", "M"): 100.0,
        pd.Period("2011-03", "M"): 50.0,
    }

"""Sales in several currencies beyond the monthly workbook opened for writing: a weekly workbook converts
each line at its month's rate into its week, and a read-only workbook (as a served dashboard opens it) shows
the table of sales by currency without writing a file. Real CSV and rates files in tmp_path."""

from __future__ import annotations

import pandas as pd
import pytest
from test_currencies import CSV_SOURCE, HKD, LINES, RATES_SOURCE, USD, write_plan, write_sales_csv
from test_currencies import RATES as MONTHLY
from test_read_only import tree_digest

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.report.overview import OverviewReport
from salesplan_widgets.workbook import open_workbook


def _converting(folder, grain: str = "month"):
    write_sales_csv(folder)
    (folder / "data" / "rates.csv").write_text(MONTHLY, encoding="utf-8")
    write_plan(folder, CSV_SOURCE, RATES_SOURCE)
    if grain != "month":
        plan = folder / "plan.yaml"
        plan.write_text(
            plan.read_text(encoding="utf-8").replace(
                "locale: en\n", f"locale: en\ncalendar: {{grain: {grain}}}\n"
            ),
            encoding="utf-8",
        )
    return folder


def test_a_weekly_workbook_counts_each_converted_line_in_its_week(tmp_path):
    book = open_workbook(_converting(tmp_path / "wb", grain="week"))
    assert book.plan.calendar.grain == "week"
    assert book.validate_sources() == []
    calendar = FiscalCalendar.of(book.plan.calendar)
    # by hand: each line in its own currency × its month's rate in the rates file, else the plan's
    plan = {"CNY": 1.0, "USD": USD, "HKD": HKD}
    monthly = {("2027-01", "USD"): 7.00, ("2027-01", "HKD"): 0.90, ("2027-02", "USD"): 7.20}
    expected: dict[tuple[str, str], float] = {}
    for day, rep, _cell, code, at_plan_rates in LINES:
        code = code.upper() or "CNY"
        rate = monthly.get((day[:7], code), plan[code])
        week = str(calendar.period(pd.Timestamp(day)))
        expected[(week, rep)] = expected.get((week, rep), 0.0) + at_plan_rates / plan[code] * rate
    cube = book.cube()
    weekly = cube.groupby([cube["period"].astype(str), "rep"])["actual"].sum().to_dict()
    assert weekly == pytest.approx(expected)
    assert len({week for week, _rep in expected}) > 1  # the lines fall in more than one week


def test_a_read_only_workbook_shows_the_table_by_currency_and_writes_nothing(tmp_path):
    folder = _converting(tmp_path / "wb")
    before = tree_digest(folder)
    book = open_workbook(folder, read_only=True)
    headline = str(OverviewReport.open(book, "2027-01", locale="en").headline())
    assert "Rate into CNY" in headline and "USD" in headline and "HKD" in headline
    again = str(OverviewReport.open(book, "2027-01", locale="en").headline())  # from memory, not a file
    assert again == headline
    assert tree_digest(folder) == before

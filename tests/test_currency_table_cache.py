"""The overview's table of sales by currency is counted once per data, like the cube, not at each headline.

`currencies.sales_by_currency` scanned the whole sales file at every headline (about 0.3 s of CPU per million
CSV lines). It now reads the day × currency totals kept in the workbook's cache (`Workbook.cached`, keyed by
the data's fingerprint): a later headline does not scan the sales, and new sales or new rates are counted.
Real CSV files and rates in tmp_path; the scans are counted by wrapping the real `run_on_source`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from test_currencies import CSV_SOURCE, HKD, LINES, RATES_SOURCE, USD, write_plan, write_sales_csv
from test_currencies import RATES as MONTHLY

from salesplan_widgets.report.overview import OverviewReport
from salesplan_widgets.workbook import open_workbook, sources
from salesplan_widgets.workbook.currencies import sales_by_currency

JANUARY = (dt.date(2027, 1, 1), dt.date(2027, 1, 31))


@pytest.fixture
def converting(tmp_path):
    """A CSV of yuan, dollar and Hong Kong dollar lines, converted at a monthly rates file."""
    write_sales_csv(tmp_path)
    (tmp_path / "data" / "rates.csv").write_text(MONTHLY, encoding="utf-8")
    write_plan(tmp_path, CSV_SOURCE, RATES_SOURCE)
    return tmp_path


@pytest.fixture
def scans(monkeypatch):
    """How many times the sales source is scanned (the real scan, counted)."""
    counted = []
    real = sources.run_on_source

    def counting(source, base_dir, query):
        counted.append(source.path)
        return real(source, base_dir, query)

    monkeypatch.setattr(sources, "run_on_source", counting)
    return counted


def _table(folder) -> dict[str, tuple[float, float, int]]:
    frame = sales_by_currency(open_workbook(folder), *JANUARY)
    return {r.currency: (r.sold, r.converted, r.lines) for r in frame.itertuples()}


def test_a_second_headline_reads_the_table_from_the_cache(converting, scans):
    first = str(OverviewReport.open(converting, "2027-01", locale="en").headline())
    assert "Rate into CNY" in first
    scanned = len(scans)
    assert scanned >= 1
    second = str(OverviewReport.open(converting, "2027-01", locale="en").headline())  # a new process's view
    assert second == first
    assert len(scans) == scanned  # no scan of the sales for the table again
    assert list((converting / ".cache").glob("sales-by-currency-*.parquet"))


def test_the_cached_table_is_the_months_lines(converting):
    _table(converting)  # fills the cache
    table = _table(converting)  # read from it
    assert list(table) == ["USD", "CNY", "HKD"]  # largest converted first
    assert table["USD"] == pytest.approx((1200.0, 8400.0, 1))  # the rates file's January dollar: 7.00
    assert table["CNY"] == pytest.approx((1300.0, 1300.0, 2))  # 1,000 yuan and a blank cell's 300
    assert table["HKD"] == pytest.approx((500.0, 450.0, 1))


def test_new_sales_are_counted_not_the_cached_table(converting):
    before = _table(converting)
    write_sales_csv(converting, [*LINES, ("2027-01-20", "李娜", "US$100.00", "USD", 100 * USD)])
    after = _table(converting)
    assert after["USD"] == pytest.approx((before["USD"][0] + 100, before["USD"][1] + 700, 2))
    assert after["HKD"] == pytest.approx(before["HKD"])


def test_new_plan_rates_are_counted_not_the_cached_table(converting):
    february = (dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    before = sales_by_currency(open_workbook(converting), *february).set_index("currency")
    assert before.loc["HKD", "converted"] == pytest.approx(-100 * HKD)  # no February HKD rate: the plan's
    write_plan(converting, CSV_SOURCE, RATES_SOURCE, rates=f"exchange_rates: {{USD: {USD}, HKD: 0.5}}")
    after = sales_by_currency(open_workbook(converting), *february).set_index("currency")
    assert after.loc["HKD", "converted"] == pytest.approx(-50.0)

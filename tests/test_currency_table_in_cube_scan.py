"""The overview's sales by currency are counted in the cube's own scan, not in a second scan of the sales.

After new data the first headline paid for two scans of the sales file: the cube's, then one more for the
day × currency totals behind the table by currency (`currencies.sales_by_currency`). `Workbook.cube()` now
counts those totals in the same scan (a second grouping of the same lines) and keeps them in the
workbook's cache, so the table after a cube costs no scan. Their converted totals equal the cube's, day by
day summed into months, on real CSV and Parquet files; what was sold in each currency is worked out here
from the lines written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.workbook import cube as cube_module
from salesplan_widgets.workbook import open_workbook, sources
from salesplan_widgets.workbook.currencies import sales_by_currency

RATES = {"USD": 7.10, "HKD": 0.91}
MONTHLY = "month,currency,rate\n2026-02,USD,7.20\n2026-03,HKD,0.89\n"


def _lines(count: int = 3000, seed: int = 7) -> pd.DataFrame:
    """Invoice lines over four months: yuan, dollars, Hong Kong dollars and blank currency cells (yuan),
    some of them returns, in four reps' names."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 120, count), unit="D")
    return pd.DataFrame(
        {
            "date": days.strftime("%Y-%m-%d"),
            "rep": rng.choice(["Li", "Wang", "Zhao", "Chen"], count),
            "amount": np.round(rng.uniform(-50, 2000, count), 2),
            "currency": rng.choice(["CNY", "USD", "HKD", "usd", ""], count, p=[0.5, 0.2, 0.15, 0.05, 0.1]),
        }
    )


def _write(folder: Path, fmt: str) -> pd.DataFrame:
    lines = _lines()
    (folder / "data").mkdir(parents=True)
    if fmt == "csv":
        lines.to_csv(folder / "data" / "sales.csv", index=False)
    else:
        lines.assign(currency=lines["currency"].replace("", None)).to_parquet(
            folder / "data" / "sales.parquet"
        )
    (folder / "data" / "rates.csv").write_text(MONTHLY, encoding="utf-8")
    (folder / "plan.yaml").write_text(
        "name: FX Co\ncurrency: CNY\nlocale: en\n"
        f"exchange_rates: {{USD: {RATES['USD']}, HKD: {RATES['HKD']}}}\n"
        f"sources:\n  sales:\n    path: data/sales.{fmt}\n"
        "    columns: {date: date, amount: amount, rep: rep, currency: currency}\n"
        "  exchange_rates:\n    path: data/rates.csv\n    columns: {month: month, currency: currency, rate: rate}\n",
        encoding="utf-8",
    )
    return lines


def _rate(currency: str, month: str) -> float:
    if currency == "CNY":
        return 1.0
    monthly = {("USD", "2026-02"): 7.20, ("HKD", "2026-03"): 0.89}
    return monthly.get((currency, month), RATES[currency])


def _by_hand(lines: pd.DataFrame) -> pd.DataFrame:
    currency = lines["currency"].str.upper().replace("", "CNY")
    month = lines["date"].str[:7]
    rate = [_rate(c, m) for c, m in zip(currency, month, strict=True)]
    return lines.assign(currency=currency, month=month, converted=lines["amount"] * rate)


@pytest.fixture
def scans(monkeypatch):
    """How many times the sales source is scanned (the real scan, counted), by the cube or anything else."""
    counted = []
    real = sources.run_on_source

    def counting(source, base_dir, query):
        counted.append(source.path)
        return real(source, base_dir, query)

    monkeypatch.setattr(sources, "run_on_source", counting)
    monkeypatch.setattr(cube_module, "run_on_source", counting)
    return counted


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_table_by_currency_after_a_cube_needs_no_second_scan(tmp_path: Path, fmt: str, scans):
    _write(tmp_path, fmt)
    open_workbook(tmp_path).cube()
    sales_scans = [p for p in scans if "sales" in str(p)]
    assert len(sales_scans) == 1
    table = sales_by_currency(open_workbook(tmp_path), dt.date(2026, 1, 1), dt.date(2026, 4, 30))
    assert set(table["currency"]) == {"CNY", "USD", "HKD"}
    assert [p for p in scans if "sales" in str(p)] == sales_scans  # read from what the cube's scan kept


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_currency_totals_counted_with_the_cube_equal_the_cubes_and_the_lines(tmp_path: Path, fmt: str):
    """Guard (passes on main too, where a second scan counted them): the totals are the lines' and the cube's."""
    lines = _by_hand(_write(tmp_path, fmt))
    workbook = open_workbook(tmp_path)
    cube = workbook.cube()
    for first, last in (
        ("2026-01-01", "2026-04-30"),
        ("2026-02-01", "2026-02-28"),
        ("2026-03-10", "2026-03-20"),
    ):
        table = sales_by_currency(workbook, dt.date.fromisoformat(first), dt.date.fromisoformat(last))
        inside = lines[(lines["date"] >= first) & (lines["date"] <= last)]
        expected = inside.groupby("currency").agg(sold=("amount", "sum"), converted=("converted", "sum"))
        got = table.set_index("currency")
        assert got["sold"].to_dict() == pytest.approx(expected["sold"].to_dict())
        assert got["converted"].to_dict() == pytest.approx(expected["converted"].to_dict())
        assert got["lines"].to_dict() == inside.groupby("currency").size().to_dict()
    for month in pd.period_range("2026-01", "2026-04", freq="M"):
        table = sales_by_currency(workbook, month.start_time.date(), month.end_time.date())
        in_cube = cube.loc[cube["period"] == month, "actual"].sum()
        assert table["converted"].sum() == pytest.approx(in_cube)  # the table adds up to the cube's month
    assert cube["actual"].sum() == pytest.approx(lines["converted"].sum())


def test_a_plan_in_one_currency_counts_no_table(tmp_path: Path):
    """Guard (passes on main too): one currency, no table, the cube unchanged."""
    lines = _lines()
    (tmp_path / "data").mkdir()
    lines.drop(columns="currency").to_csv(tmp_path / "data" / "sales.csv", index=False)
    (tmp_path / "plan.yaml").write_text(
        "name: One currency\ncurrency: CNY\nsources:\n  sales:\n    path: data/sales.csv\n"
        "    columns: {date: date, amount: amount, rep: rep}\n",
        encoding="utf-8",
    )
    workbook = open_workbook(tmp_path)
    assert workbook.cube()["actual"].sum() == pytest.approx(lines["amount"].sum())
    assert sales_by_currency(workbook, dt.date(2026, 1, 1), dt.date(2026, 4, 30)).empty

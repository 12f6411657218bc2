"""The cube at every grain: DuckDB buckets each sale into the calendar's period (ISO week, retail week,
month, fiscal quarter), the totals match a count made row by row, and a cube written to Parquet reads back
at the same grain."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.schema import Calendar, SalesSource
from salesplan_widgets.workbook.cube import build_cube, new_accounts, read_cube, write_cube

GRAINS = [("month", 1), ("week", 1), ("quarter", 4), ("4-4-5", 2), ("5-4-4", 2)]


@pytest.fixture(scope="module")
def sales_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[dt.date, float, str]]]:
    rng = random.Random(13)
    rows = [
        (dt.date(2025, 12, 20) + dt.timedelta(days=rng.randrange(120)), round(rng.uniform(-50, 900), 2), rep)
        for rep in ("Li", "Wang", "Zhao")
        for _ in range(300)
    ]
    folder = tmp_path_factory.mktemp("grains")
    text = "day,amount,rep,account\n" + "".join(
        f"{d},{a},{r},A{i % 37}\n" for i, (d, a, r) in enumerate(rows)
    )
    (folder / "sales.csv").write_text(text, encoding="utf-8")
    return folder, rows


@pytest.mark.parametrize(("grain", "start"), GRAINS)
def test_each_sale_lands_in_its_calendar_period(sales_file, grain: str, start: int, tmp_path: Path) -> None:
    folder, rows = sales_file
    calendar = Calendar(grain=grain, fiscal_year_start=start)
    source = SalesSource(
        path="sales.csv", columns={"date": "day", "amount": "amount", "rep": "rep", "account": "account"}
    )
    cube = build_cube(source, folder, calendar)
    fiscal = FiscalCalendar(grain, start)
    assert cube["period"].dtype == pd.PeriodDtype(fiscal.freq)
    expected: dict[tuple[pd.Period, str], float] = defaultdict(float)
    for day, amount, rep in rows:
        expected[(fiscal.period(day), rep)] += amount
    got = cube.groupby(["period", "rep"])["actual"].sum()
    assert got.to_dict() == pytest.approx(dict(expected))
    write_cube(cube, tmp_path / "cube.parquet")
    again = read_cube(tmp_path / "cube.parquet")
    assert again["period"].dtype == cube["period"].dtype
    assert list(again["period"]) == list(cube["period"])
    won = new_accounts(source, folder, calendar)
    assert won["period"].dtype == cube["period"].dtype
    assert not won.duplicated(["period", "rep"]).any()
    assert won["new_accounts"].sum() == 37

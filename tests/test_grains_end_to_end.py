"""The quarterly and the retail 4-4-5 workbooks end to end: the demo company planned at that grain, its
period report (every template, through papermill) and the month's payouts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.demo import REPORT_TEMPLATES, create_demo
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.run import run_period
from salesplan_widgets.workbook.payouts import write_payouts


@pytest.mark.parametrize(("grain", "folder"), [("quarter", "2026Q3"), ("4-4-5", "2026-09-27")])
def test_demo_at_grain_runs_every_report_and_pays_the_month(tmp_path: Path, grain: str, folder: str) -> None:
    workbook = create_demo(tmp_path / "wb", end="2026-10", rows=20_000, grain=grain)
    calendar = FiscalCalendar.of(open_workbook(workbook).plan.calendar)
    targets = open_workbook(workbook).read_table("targets")
    assert list(pd.PeriodIndex(targets["period"]).unique().sort_values()) == list(calendar.year_periods(2026))

    report = run_period(workbook, "2026-09", progress=False)
    assert report.name == folder  # the period September 2026 closes in, named by the calendar
    pages = sorted(p.stem for p in report.glob("*.html") if p.stem != "index")
    assert pages == sorted(REPORT_TEMPLATES)
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))
    cube = open_workbook(workbook).cube()
    first, last = calendar.year_bounds(calendar.parse("2026-09"))
    assert metrics["report_tracking"]["tracking_actual_ytd"] == pytest.approx(
        cube.loc[cube["period"].between(first, calendar.parse("2026-09")), "actual"].sum()
    )
    assert last == calendar.year_periods(2026)[-1]

    paths = write_payouts(workbook, "2026-09")
    table = pd.read_csv(paths[0])
    assert set(table["period"].astype(str)) == {"2026-09"} and table["amount"].sum() != 0

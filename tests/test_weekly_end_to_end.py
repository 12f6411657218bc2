"""A weekly workbook end to end: `salesplan demo --grain week`, then `salesplan validate`, `salesplan run`
(every report template) and `salesplan payouts`, each as the command a scheduler would call."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.demo import REPORT_TEMPLATES
from salesplan_widgets.model.calendar import FiscalCalendar

END = "2026-10"


def salesplan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", *args], capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def weekly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("weekly") / "wb"
    result = salesplan("demo", str(folder), "--grain", "week", "--end", END, "--rows", "30000")
    assert result.returncode == 0, result.stderr
    return folder


def test_the_weekly_demo_plans_every_week_of_the_fiscal_year(weekly: Path) -> None:
    wb = open_workbook(weekly)
    assert wb.plan.calendar.grain == "week"
    assert salesplan("validate", str(weekly)).returncode == 0
    targets = wb.read_table("targets")
    assert targets["period"].dtype == pd.PeriodDtype("W-SUN")
    calendar = FiscalCalendar.of(wb.plan.calendar)
    assert sorted(targets["period"].unique()) == list(calendar.year_periods(2026))  # 53 ISO weeks
    assert targets["target"].sum() == pytest.approx(wb.plan.goal.target)
    by_week = targets.groupby("period")["target"].sum()
    december = [p for p in by_week.index if (p.start_time + pd.Timedelta(days=3)).month == 12]
    february = [p for p in by_week.index if (p.start_time + pd.Timedelta(days=3)).month == 2]
    # the seasonal split: the demo's December sells well above its February (Spring Festival)
    assert by_week[december].mean() > 1.2 * by_week[february].mean()


def test_salesplan_run_produces_every_report_for_a_week(weekly: Path) -> None:
    result = salesplan("run", str(weekly), "--period", END)
    assert result.returncode == 0, result.stderr
    folder = weekly / "reports" / "2026-W44"  # the week October 2026 closes in
    assert sorted(p.stem for p in folder.glob("*.html") if p.stem != "index") == sorted(REPORT_TEMPLATES)
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["sales_overview"]["period"] == "2026-10-26/2026-11-01"
    assert metrics["report_goal"]["goal_start"] == "2025-12-29/2026-01-04"  # the fiscal year's first week
    cube = open_workbook(weekly).cube()
    year = cube[
        (cube["period"] >= pd.Period("2025-12-29", freq="W-SUN"))
        & (cube["period"] <= pd.Period("2026-10-26", freq="W-SUN"))
    ]
    assert metrics["report_tracking"]["tracking_actual_ytd"] == pytest.approx(year["actual"].sum())
    overview = (folder / "sales_overview.html").read_text(encoding="utf-8")
    assert "W44 2026" in overview and "Traceback" not in overview


def test_salesplan_payouts_pays_the_month_from_its_weeks(weekly: Path) -> None:
    result = salesplan("payouts", str(weekly), "--period", END)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(weekly / "reports" / END / "payouts" / f"payouts-{END}.csv")
    assert set(table["period"].astype(str)) == {END}
    wb = open_workbook(weekly)
    from salesplan_widgets.workbook.payouts import period_statements

    statements = period_statements(wb, END)
    latest = statements.lines[statements.lines["period"] == pd.Period(END, freq="M")]
    assert table["amount"].sum() == pytest.approx(latest["amount"].sum(), abs=0.01)
    assert statements.reps.loc[statements.reps["period"] == pd.Period(END, freq="M"), "payout"].sum() > 0
    # October's pay counts the ISO weeks whose Thursday falls in October 2026: 28 Sep - 1 Nov
    october = FiscalCalendar.of(wb.plan.calendar).month_periods(pd.Period(END, freq="M"))
    assert [str(p) for p in october[[0, -1]]] == ["2026-09-28/2026-10-04", "2026-10-26/2026-11-01"]
    cube = wb.cube()
    month = statements.reps[statements.reps["period"] == pd.Period(END, freq="M")]
    assert month["period_sales"].sum() == pytest.approx(
        cube.loc[cube["period"].isin(october), "actual"].sum()
    )

"""The one year-end projection on the demo company: what each page pays for it (CPU seconds, median).

Copies workbooks/demo to a temporary folder (cube cached once), then times with the process's CPU clock:
`year_end_projection` (goal report, tracking report, goal wizard: one forecast of segment × channel with
its backtest), `selection_projections` (the Tracker, once per month: the same forecast split to team × rep)
`SelectionProjections.select` (the Tracker, per filter change: a mask) and `projected_attainment` (the
reps' parts against their targets, for the at-risk list: per filter change). Checks the reps' parts add
up to the headline. Prints a table, then one JSON line.

    python benchmarks/bench_projection.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_median(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from salesplan_widgets import open_workbook
    from salesplan_widgets.model.calendar import FiscalCalendar
    from salesplan_widgets.model.projection import (
        projected_attainment,
        projection_horizon,
        selection_projections,
        year_end_projection,
    )

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        shutil.copytree(
            ROOT / "workbooks" / "demo", folder, ignore=shutil.ignore_patterns("reports", ".cache")
        )
        workbook = open_workbook(folder)
        cube = workbook.cube()
        calendar = FiscalCalendar.of(workbook.plan.calendar)
        month = cube["period"].max()
        horizon = projection_horizon(workbook.plan.goal, calendar, month)
        whole = year_end_projection(cube, horizon, month)
        selections = selection_projections(cube, horizon, ("team", "rep"), month)
        team = str(cube["team"].iloc[0])
        from salesplan_widgets.model.tracking import plan_vs_actual
        from salesplan_widgets.workbook.versions import targets_for_tracking

        frame = plan_vs_actual(targets_for_tracking(workbook, cube)[0], cube)
        reps = projected_attainment(selections, frame, ["rep"])
        figures = {
            "year_end_projection": cpu_median(
                lambda: year_end_projection(cube, horizon, month), args.repeats
            ),
            "selection_projections": cpu_median(
                lambda: selection_projections(cube, horizon, ("team", "rep"), month), args.repeats
            ),
            "select (one team)": cpu_median(lambda: selections.select({"team": team}), args.repeats * 10),
            "projected_attainment (reps of one team)": cpu_median(
                lambda: projected_attainment(selections, frame, ["rep"], {"team": team}), args.repeats * 10
            ),
        }
        agree = abs(selections.select().total - whole.total) < 0.01
        reps_add_up = bool(abs(reps["projection"].sum() - whole.total) < 0.01)
        print(
            f"demo: {len(cube):,} cube cells, projection to {horizon.end} as of {month}, load {os.getloadavg()}"
        )
        print(f"{'step':<40} {'CPU s (median)':>15}")
        for name, seconds in figures.items():
            print(f"{name:<40} {seconds:>15.3f}")
        print(f"whole selection = year_end_projection: {agree} ({whole.total:,.2f})")
        print(
            f"reps' projections ({len(reps)}) add up to it: {reps_add_up} ({reps['projection'].sum():,.2f})"
        )
        print(
            json.dumps(
                {k: round(v, 4) for k, v in figures.items()} | {"agree": agree, "reps_add_up": reps_add_up}
            )
        )


if __name__ == "__main__":
    main()

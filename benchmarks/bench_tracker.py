"""Tracker refresh after a filter change, for 500 reps × 3 segments × 3 channels (target: < 200 ms Python).

Builds a synthetic workbook in a temporary folder (one sales line per rep × segment × channel × day-of-month
bucket over two years, and a targets table for the current year), opens `Tracker`, then changes the team,
rep, segment, channel and month filters in turn and times each refresh with the process's CPU clock
(Python time, not the browser's). Prints every figure, then one JSON line.

    python benchmarks/bench_tracker.py [--reps 500] [--repeats 5]

`--provisional` measures opening `Tracker(workbook)` on the same workbook WITHOUT a targets table (it
derives last year's sales + 10% as a provisional target): the whole process (`python -c`: import, open
the workbook, read the cached cube, decide which tracker, build it), one process per round, `--rounds`
rounds, alternating with the package at `--compare DIR` (e.g. /work/main) when given; prints each
process's wall and CPU time, the medians and the load average.

    python benchmarks/bench_tracker.py --provisional [--reps 500] [--rounds 5] [--compare /work/main]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

PLAN = """name: Bench Co
currency: CNY
calendar: {{end: {end}, country: CN}}
sources:
  sales:
    path: data/sales.parquet
    columns: {{date: date, amount: amount, quantity: qty, rep: rep, team: team, territory: territory, segment: segment, channel: channel}}
"""


def build_workbook(folder: Path, reps: int, seed: int = 5, targets: bool = True):
    from salesplan_widgets.workbook import open_workbook

    rng = np.random.default_rng(seed)
    names = [f"Rep {i:03d}" for i in range(reps)]
    teams = [f"Team {i % 10}" for i in range(reps)]
    days = pd.date_range("2025-01-01", "2026-10-31", freq="7D")
    grid = pd.MultiIndex.from_product(
        [days, range(reps), ["A", "B", "C"], ["online", "offline", "partner"]],
        names=["date", "who", "segment", "channel"],
    ).to_frame(index=False)
    who = grid["who"].to_numpy()
    sales = pd.DataFrame(
        {
            "date": grid["date"],
            "amount": np.round(rng.gamma(2.0, 500.0, len(grid)), 2),
            "qty": rng.integers(1, 20, len(grid)),
            "rep": np.array(names)[who],
            "team": np.array(teams)[who],
            "territory": np.array(teams)[who],
            "segment": grid["segment"],
            "channel": grid["channel"],
        }
    )
    (folder / "data").mkdir(parents=True)
    sales.to_parquet(folder / "data" / "sales.parquet", index=False)
    (folder / "plan.yaml").write_text(PLAN.format(end="2026-10-31"), encoding="utf-8")
    workbook = open_workbook(folder)
    cube = workbook.cube()
    if not targets:  # the tracker derives a provisional target from 2025
        return workbook, len(sales), len(cube)
    last_year = cube[cube["period"].dt.year == 2025].copy()
    last_year["period"] = last_year["period"] + 12
    targets = last_year.assign(target=(last_year["actual"] * 1.1).round(2))
    workbook.write_table(
        "targets", targets[["period", "rep", "team", "territory", "segment", "channel", "target"]]
    )
    return workbook, len(sales), len(cube)


OPEN_TRACKER = (
    "import sys, time; t = time.process_time(); w = time.perf_counter()\n"
    "from salesplan_widgets.widgets.tracker import Tracker\n"
    "view = Tracker(sys.argv[1])\n"
    "assert view.has_targets and 'provisional' in ' '.join(view.notices)\n"
    "print(type(view).__module__, round(float(view.targets['target'].sum()), 2))"
)


def open_in_process(folder: Path, package: Path) -> tuple[float, float, str]:
    """One whole process opening the tracker with the package at `package`: (wall s, CPU s, its output)."""
    env = {**os.environ, "PYTHONPATH": str(package)}
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", OPEN_TRACKER, str(folder)], env=env, stdout=subprocess.PIPE, text=True
    )
    out = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"the tracker did not open with {package}")
    return wall, usage.ru_utime + usage.ru_stime, out.strip()


def provisional(args: argparse.Namespace) -> None:
    """Whole-process opening of a tracker on a provisional target, alternating with `--compare`."""
    here = Path(__file__).resolve().parents[1]
    packages = {"this checkout": here}
    if args.compare is not None:
        packages[f"{args.compare}"] = args.compare.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        _workbook, lines, cells = build_workbook(Path(tmp), args.reps, targets=False)  # the cube cached
        folder = Path(tmp)
        loads = [os.getloadavg()[0]]
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in packages}
        outputs = {}
        for round_ in range(args.rounds + 1):  # round 0 warms the disk cache, and is not counted
            order = list(packages.items())
            for name, package in order if round_ % 2 else order[::-1]:
                wall, cpu, out = open_in_process(folder, package)
                outputs[name] = out
                if round_:
                    runs[name].append((wall, cpu))
                    print(f"round {round_} {name:<14} wall {wall:6.2f} s   CPU {cpu:6.2f} s")
            loads.append(os.getloadavg()[0])
        if len(set(outputs.values())) != 1:
            raise SystemExit(f"the checkouts disagree: {outputs}")
        print(
            f"reps {args.reps}, sales lines {lines:,}, cube cells {cells:,}; provisional targets: {outputs}"
        )
        print(f"load average (1 min) during the rounds: {min(loads):.1f}–{max(loads):.1f}")
        result = {
            "reps": args.reps,
            "rounds": args.rounds,
            "load": [round(min(loads), 1), round(max(loads), 1)],
        }
        for name, values in runs.items():
            wall = statistics.median(v[0] for v in values)
            cpu = statistics.median(v[1] for v in values)
            print(f"{name}: median wall {wall:.2f} s, CPU {cpu:.2f} s (whole process)")
            result[name] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}
        print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--provisional", action="store_true", help="open a tracker on a provisional target")
    parser.add_argument("--rounds", type=int, default=5, help="whole-process rounds (--provisional)")
    parser.add_argument("--compare", type=Path, help="another checkout of the package (--provisional)")
    args = parser.parse_args()
    if args.provisional:
        provisional(args)
        return

    from salesplan_widgets.widgets.tracker import Tracker

    with tempfile.TemporaryDirectory() as tmp:
        workbook, lines, cells = build_workbook(Path(tmp), args.reps)
        start = time.process_time()
        view = Tracker(workbook)
        opened = time.process_time() - start
        changes = [
            ("team", "Team 3"),
            ("team", ""),
            ("rep", "Rep 042"),
            ("rep", ""),
            ("segment", "B"),
            ("channel", "online"),
            ("segment", ""),
            ("channel", ""),
            ("period", "2026-06"),
            ("period", "2026-10"),
            ("variance_by", "rep"),
            ("variance_by", "segment"),
        ]
        timings: dict[str, list[float]] = {}
        for _ in range(args.repeats):
            for name, value in changes:
                start = time.process_time()
                setattr(view, name, value)
                timings.setdefault(f"{name}={value or 'all'}", []).append(time.process_time() - start)
        every = [t for ts in timings.values() for t in ts]
        print(
            f"reps {args.reps}, sales lines {lines:,}, cube cells {cells:,}, tracker rows {len(view.frame):,}"
        )
        print(f"open (cube cached, targets read, frames prepared): {opened * 1000:.0f} ms CPU")
        for label, ts in timings.items():
            print(
                f"  {label:<22} median {statistics.median(ts) * 1000:6.1f} ms   max {max(ts) * 1000:6.1f} ms"
            )
        median, worst = statistics.median(every) * 1000, max(every) * 1000
        print(f"refresh after a filter change: median {median:.1f} ms, max {worst:.1f} ms (target < 200 ms)")
        print(
            json.dumps(
                {
                    "reps": args.reps,
                    "tracker_rows": len(view.frame),
                    "open_ms": round(opened * 1000, 1),
                    "refresh_median_ms": round(median, 1),
                    "refresh_max_ms": round(worst, 1),
                    "target_ms": 200,
                    "ok": worst < 200,
                }
            )
        )


if __name__ == "__main__":
    main()

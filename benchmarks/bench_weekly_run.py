"""The weekly period run at scale: `salesplan run` on the 10M-row demo company planned by ISO week.

The demo workbook is generated once with `create_demo(rows=N, grain="week", end=...)` and cached under
benchmarks/data/. Each round copies its plan and tables into a fresh folder beside the cached data (hard
links, so the 10M-row Parquet is not copied) with no cube cache, then times `salesplan run WORKBOOK
--period P` as a whole process: the cube built in DuckDB from the raw lines at the weekly grain, then every
report template of the plan (overview, goal, split, incentives, tracking). Target: under 60 s. Prints every
round, the median and its peak memory, and the same run on the monthly demo of the same size for
comparison (`--no-monthly` to skip it).

    python benchmarks/bench_weekly_run.py [--rows 10000000] [--rounds 3] [--period 2026-10] [--no-monthly]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from common import (
    DATA_DIR,
    ROOT,
    machine,
    markdown_table,
    median,
    parent_rss_mib,
    run_process,
    run_python,
    write_results,
)

DEMO_END = "2026-10"


def demo_workbook(rows: int, grain: str) -> Path:
    """The demo workbook with `rows` invoice lines at `grain`, generated once under benchmarks/data/."""
    folder = DATA_DIR / f"demo-{grain}-{rows}"
    if not (folder / "plan.yaml").exists():
        shutil.rmtree(folder, ignore_errors=True)
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        print(f"generating the {grain} demo with {rows:,} rows in {folder} ...", flush=True)
        made = run_python(
            "from salesplan_widgets.demo import create_demo; "
            f"create_demo({str(folder)!r}, rows={rows}, end={DEMO_END!r}, grain={grain!r})"
        )
        if made.returncode:
            raise SystemExit(made.stderr)
    return folder


def fresh_copy(source: Path, target: Path) -> Path:
    """The workbook without its cube cache or reports; the data hard-linked (copied across devices)."""
    shutil.copytree(
        source,
        target,
        ignore=shutil.ignore_patterns(".cache", "reports", ".salesplan*"),
        copy_function=_link_or_copy,
    )
    return target


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def period_run(workbook: Path, period: str):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    argv = [sys.executable, "-m", "salesplan_widgets.cli", "run", str(workbook), "--period", period]
    return run_process(argv, env=env, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--period", default=DEMO_END)
    parser.add_argument("--no-monthly", action="store_true", help="skip the monthly comparison")
    args = parser.parse_args(argv)

    grains = ["week"] if args.no_monthly else ["week", "month"]
    sources = {grain: demo_workbook(args.rows, grain) for grain in grains}
    runs: dict[str, list] = {grain: [] for grain in grains}
    with tempfile.TemporaryDirectory(prefix="bench-weekly-", dir=DATA_DIR) as tmp:
        for i in range(args.rounds):
            for grain in grains if i % 2 == 0 else grains[::-1]:  # alternate: load hits both alike
                workbook = fresh_copy(sources[grain], Path(tmp) / f"{grain}-{i}")
                run = period_run(workbook, args.period)
                if run.returncode:
                    raise SystemExit(run.stderr)
                runs[grain].append(run)
                print(f"round {i + 1}: {grain} {run.wall:.1f} s, {run.peak_mib:.0f} MiB", flush=True)
                shutil.rmtree(workbook)

    rows = [
        (
            f"{grain}ly period run, {args.rows:,} rows, cold cube",
            f"{median([r.wall for r in runs[grain]]):.1f} s",
            f"{min(r.wall for r in runs[grain]):.1f} s",
            f"{median([r.cpu for r in runs[grain]]):.1f} s",
            f"{median([r.peak_mib for r in runs[grain]]):.0f} MiB",
        )
        for grain in grains
    ]
    print()
    print(markdown_table(["process", "median wall", "fastest", "median CPU", "median peak RSS"], rows))
    info = machine()
    print(
        f"\nload average {info['load_average']}; measuring process {parent_rss_mib():.0f} MiB; target < 60 s"
    )
    write_results(
        "weekly_run",
        {
            "rows": args.rows,
            "period": args.period,
            "machine": info,
            "runs": {
                g: [{"wall": r.wall, "cpu": r.cpu, "peak_mib": r.peak_mib} for r in rs]
                for g, rs in runs.items()
            },
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

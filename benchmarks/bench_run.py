"""The period run against the kernel's floor: `salesplan run` on the demo company vs a bare papermill run.

Both are timed as whole processes, alternating, from process start to exit: the period run executes the
plan's templates, renders their offline HTML pages and writes the report; the floor is `papermill` running
a one-cell notebook (`1 + 1`) on the same kernel. The demo workbook is generated into a temporary folder
(its cube cache warmed by one untimed run, as on a scheduler's second period). Prints every run, the
medians and their ratio.

    python benchmarks/bench_run.py [--runs 5] [--period 2026-10] [--workbook DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from salesplan_widgets.demo import create_demo

FLOOR = """\
import sys
import papermill
papermill.execute_notebook(sys.argv[1], sys.argv[2], kernel_name="python3", progress_bar=False)
"""


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--workbook", type=Path, help="an existing workbook to copy (default: a fresh demo)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        tmp = Path(tmp)
        workbook = tmp / "workbook"
        if args.workbook:
            shutil.copytree(args.workbook, workbook, ignore=shutil.ignore_patterns("reports", ".cache"))
        else:
            create_demo(workbook, end=args.period)
        one_cell = tmp / "one_cell.ipynb"
        nb = new_notebook(cells=[new_code_cell("1 + 1")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, one_cell)

        period_run = [
            sys.executable,
            "-m",
            "salesplan_widgets.cli",
            "run",
            str(workbook),
            "--period",
            args.period,
        ]
        floor = [sys.executable, "-c", FLOOR, str(one_cell), str(tmp / "one_cell.out.ipynb")]
        timed(period_run)  # builds the cube cache, as any later run of the same data finds it
        timed(floor)

        runs: dict[str, list[float]] = {"period run": [], "bare papermill": []}
        for i in range(args.runs):
            runs["period run"].append(timed(period_run))
            runs["bare papermill"].append(timed(floor))
            print(
                f"run {i + 1}: period run {runs['period run'][-1]:.2f} s, "
                f"bare papermill {runs['bare papermill'][-1]:.2f} s",
                flush=True,
            )

    medians = {name: statistics.median(times) for name, times in runs.items()}
    base = medians["bare papermill"]
    print()
    print(f"{'':<16}{'median s':>10}{'ratio':>8}")
    for name, median in medians.items():
        print(f"{name:<16}{median:>10.2f}{median / base:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

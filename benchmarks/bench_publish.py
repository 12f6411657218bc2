"""Publish benchmark: `salesplan publish` of the demo workbook, as a whole process.

A real workbook in benchmarks/data/publish-<rows>/: the demo company (`create_demo`, its `access` section
names finance, a manager and two reps), with September's statements prepared, approved and closed and October's prepared
(not timed), so each extract copies statement documents, closed lines and dispute status. Timed: the
whole `python -m salesplan_widgets.cli publish` process (imports, the whole workbook's cube and counted
facts from the cache, every scope's extract), median of `--repeats` runs into a fresh state folder.

Run: python benchmarks/bench_publish.py [--rows 0 200000] [--repeats 3]  — prints a table; asserts nothing.
(--rows 0: the demo's own size.)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from common import DATA_DIR, markdown_table, median, run_process, write_results

from salesplan_widgets.demo import create_demo
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import approve_payments, close_and_publish
from salesplan_widgets.workbook.payouts import write_payouts

END = "2026-10"


def workbook(rows: int) -> Path:
    """The demo workbook of `rows` invoice lines (0: the demo's own), two months closed; made once."""
    folder = DATA_DIR / f"publish-{rows or 'demo'}"
    if (folder / ".ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    create_demo(folder, end=END, rows=rows or None)
    write_payouts(open_workbook(folder), "2026-09", by="analyst")
    approve_payments(open_workbook(folder), "2026-09", by="finance")
    close_and_publish(open_workbook(folder), "2026-09", by="controller")
    write_payouts(open_workbook(folder), END, by="analyst")
    (folder / ".ready").touch()
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows_out, results = [], {}
    for rows in args.rows:
        folder = workbook(rows)
        runs = []
        for _ in range(args.repeats):
            state = Path(tempfile.mkdtemp(prefix="salesplan-bench-publish-"))
            try:
                run = run_process(
                    [
                        sys.executable,
                        "-m",
                        "salesplan_widgets.cli",
                        "publish",
                        str(folder),
                        "--state",
                        str(state),
                    ]
                )
                if run.returncode != 0:
                    raise SystemExit(run.stderr)
                runs.append(run)
            finally:
                shutil.rmtree(state, ignore_errors=True)
        users = len(open_workbook(folder).plan.access.users) - 1  # the analyst reads the workbook itself
        wall, cpu = median([r.wall for r in runs]), median([r.cpu for r in runs])
        peak = max(r.peak_mib for r in runs)
        label = f"demo, {rows:,} lines" if rows else "demo (its own size)"
        rows_out.append([label, users, f"{wall:.2f} s", f"{cpu:.2f} s", f"{peak:.0f} MiB"])
        results[str(rows)] = {"wall": wall, "cpu": cpu, "peak_mib": peak, "extracts": users}
    print(markdown_table(["workbook", "extracts", "publish wall (median)", "CPU", "peak RSS"], rows_out))
    write_results("publish", results)


if __name__ == "__main__":
    main()

"""`salesplan validate` on a large bad file: what grouping the bad rows (by value, with runs of rows) costs.

One CSV of --rows invoice lines (date, amount, rep) is generated under benchmarks/data/ in three versions:
clean; 10% of the amounts left empty in runs plus 1% "n/a"; and 1% distinct bad amounts ("bad123").
Each is checked by `validate_source` in its own process (start, imports, work, exit), the cases alternating,
and the median of --repeats runs is reported with CPU time, peak RSS and the number of problems listed.
The clean file is the reference: its figures are the scan that every file pays; the rest is the grouping.

    python benchmarks/bench_validate.py [--rows 1000000] [--repeats 3] [--before /path/to/older/checkout]

With --before, the same children also run on an older checkout of salesplan (its package first on the
path), side by side in the same rounds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA_DIR, RESULTS_DIR, machine, median, run_python  # noqa: E402

CASES = {
    "clean": "every cell valid",
    "empty": "10% of amounts empty (runs of 1,000 rows), 1% 'n/a'",
    "distinct": "1% of amounts bad, each a different text",
}


def write_csv(path: Path, rows: int, case: str) -> None:
    """The file for one case, written in chunks (the generator itself never holds the whole file)."""
    import numpy as np

    rng = np.random.default_rng(7)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write("Order date,Net amount,Sales rep\n")
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            index = np.arange(start, start + n)
            days = rng.integers(0, 1000, n)
            dates = (np.datetime64("2024-01-01") + days).astype(str)
            amounts = np.round(rng.lognormal(6, 1, n), 2).astype(str).astype(object)
            if case == "empty":
                amounts[(index // 1000) % 10 == 3] = ""
                amounts[index % 100 == 7] = "n/a"
            elif case == "distinct":
                bad = index % 100 == 7
                amounts[bad] = [f"bad{i}" for i in index[bad]]
            reps = np.char.add("Rep ", (index % 500).astype(str))
            out.writelines(f"{d},{a},{r}\n" for d, a, r in zip(dates, amounts, reps, strict=True))
    tmp.rename(path)


CHILD = """
import json, sys, time
from pathlib import Path
if {checkout!r}:
    sys.path.insert(0, {checkout!r})  # the older checkout's package ahead of this one
t0 = time.perf_counter()
from salesplan_widgets.schema import Calendar, SalesSource
from salesplan_widgets.workbook.sources import validate_source
t1 = time.perf_counter()
source = SalesSource(path={name!r}, columns={{"date": "Order date", "amount": "Net amount", "rep": "Sales rep"}})
problems = validate_source(source, Path({folder!r}), Calendar())
t2 = time.perf_counter()
import salesplan_widgets
print(json.dumps({{"code": salesplan_widgets.__file__, "imports": t1 - t0, "validate": t2 - t1, "problems": len(problems),
                  "rows": sum(getattr(p, "count", None) or 1 for p in problems)}}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", help="an older checkout to measure in the same rounds")
    args = parser.parse_args()
    codes = {"": None, **({" (before)": args.before} if args.before else {})}
    folder = DATA_DIR / f"validate-{args.rows}"
    for case in CASES:
        path = folder / f"{case}.csv"
        if not path.exists():
            write_csv(path, args.rows, case)
    runs: dict[tuple[str, str], list] = {(case, code): [] for case in CASES for code in codes}
    for _round in range(args.repeats):
        for case in CASES:
            for code, checkout in codes.items():
                run = run_python(
                    CHILD.format(name=f"{case}.csv", folder=str(folder), checkout=checkout or "")
                )
                if run.returncode != 0:
                    print(run.stderr, file=sys.stderr)
                    return 1
                runs[case, code].append((run, run.json_line()))
    info = machine()
    print(f"\n{args.rows:,} rows, median of {args.repeats}, load average {info['load_average']}\n")
    print("| file | validate (in process) | whole process | CPU | peak RSS | problems listed (rows) |")
    print("|---|---|---|---|---|---|")
    results = {}
    for (case, code), measured in runs.items():
        label = CASES[case] + code
        figures = {
            "validate_s": median([m["validate"] for _r, m in measured]),
            "wall_s": median([r.wall for r, _m in measured]),
            "cpu_s": median([r.cpu for r, _m in measured]),
            "peak_mib": median([r.peak_mib for r, _m in measured]),
            "problems": measured[0][1]["problems"],
            "bad_rows": measured[0][1]["rows"] if measured[0][1]["problems"] else 0,
        }
        results[case + code] = figures
        print(
            f"| {label} | {figures['validate_s']:.2f} s | {figures['wall_s']:.2f} s | {figures['cpu_s']:.2f} s | "
            f"{figures['peak_mib']:.0f} MiB | {figures['problems']} ({figures['bad_rows']:,}) |"
        )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "validate.json").write_text(json.dumps({"machine": info, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

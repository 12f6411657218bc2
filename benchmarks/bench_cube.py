"""Cube aggregation: salesplan against the bare DuckDB query on the same file, as whole processes.

Every measurement is its own Python process (start, imports, work, exit), timed from the outside with its
own peak RSS, the cases alternating in order, the median of --repeats runs reported. Two comparisons on
each demo source (1M and 10M invoice lines, Parquet, generated once under benchmarks/data/):

- "4 dims": month × rep × segment × channel, sum of amount. salesplan reads a plan whose sales source maps
  exactly the columns the bare query reads (date, amount, rep, segment, channel), so both read the same
  columns. This is the comparison the targets apply to (10M rows: <= 1.3x the time, <= 1.5x the memory).
- "demo plan": the demo workbook's own plan (rep, team, territory, segment, channel, amount, quantity,
  line count) against the bare query over the same columns.

salesplan is measured as the product runs it (`Workbook.cube()` minus its on-disk cache): open the
workbook, `validate()` every source, `build_cube`; and `build_cube` alone. pandas read_parquet + groupby is
shown for reference. Process start and import costs are measured separately (`python -c pass`,
`import duckdb`, ...). Results go to benchmarks/results/cube.json and a markdown table is printed.

    python benchmarks/bench_cube.py [--rows 1000000,10000000] [--repeats 5] [--csv] [--regenerate]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402 (the benchmarks folder is not a package)
    DATA_DIR,
    ProcessRun,
    machine,
    markdown_table,
    median,
    parent_rss_mib,
    run_python,
    write_results,
)

TIME_TARGET = 1.3
MEMORY_TARGET = 1.5
TARGET_ROWS = 10_000_000
DEMO_END = "2026-10"  # fixed, so the generated sources do not change with today's date
NARROW_COLUMNS = {
    "date": "order_date",
    "amount": "net_amount",
    "rep": "sales_rep",
    "segment": "customer_segment",
    "channel": "channel",
}

# -- the child programs: each prints one JSON line {"groups", "total", its own inner timings, "hwm"} --------
# "hwm" is the child's own VmHWM (peak RSS since exec), a cross-check of the peak measured from outside.
HWM = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024"
BARE_DUCKDB = """\
import json, time
t0 = time.perf_counter()
import duckdb
t1 = time.perf_counter()
cube = duckdb.sql({query!r}).df()
t2 = time.perf_counter()
print(json.dumps({{"groups": len(cube), "total": float(cube["actual"].sum()), "import": t1 - t0,
                  "work": t2 - t1, "hwm": {hwm}}}))
"""

SALESPLAN = """\
import json, time
t0 = time.perf_counter()
from salesplan_widgets.errors import InputError
from salesplan_widgets.workbook.cube import build_cube
from salesplan_widgets.workbook.sources import validate_source
from salesplan_widgets.workbook.workbook import Workbook
t1 = time.perf_counter()
workbook = Workbook({workbook!r})
t2 = time.perf_counter()
mode = {mode!r}
problems = []
if mode == "validate":  # Workbook.cube() today: validate() every source, then build_cube
    problems = workbook.validate()
elif mode == "one scan":  # the other sources as before; sales checked inside build_cube's own scan
    for name in type(workbook.plan.sources).model_fields:
        if name != "sales" and getattr(workbook.plan.sources, name) is not None:
            problems += validate_source(workbook.source(name), workbook.path, workbook.plan.calendar, name)
if problems:
    raise InputError(problems)
t3 = time.perf_counter()
cube = build_cube(workbook.source("sales"), workbook.path, workbook.plan.calendar, validate=mode == "one scan")
t4 = time.perf_counter()
print(json.dumps({{"groups": len(cube), "total": float(cube["actual"].sum()), "import": t1 - t0,
                  "open": t2 - t1, "validate": t3 - t2, "build": t4 - t3, "work": t4 - t1, "hwm": {hwm}}}))
"""

PANDAS = """\
import json, time
t0 = time.perf_counter()
import pandas as pd
t1 = time.perf_counter()
sales = pd.read_parquet({path!r}, columns={columns!r})
month = pd.to_datetime(sales["order_date"]).dt.to_period("M")
cube = sales.groupby([month, *{dims!r}], observed=True).agg(actual=("net_amount", "sum"))
t2 = time.perf_counter()
print(json.dumps({{"groups": len(cube), "total": float(cube["actual"].sum()), "import": t1 - t0,
                  "work": t2 - t1, "hwm": {hwm}}}))
"""

FLOORS = {
    "python -c pass": "pass",
    "import duckdb": "import duckdb",
    "import duckdb, pandas": "import duckdb, pandas",
    "import salesplan cube": "import salesplan_widgets.workbook.cube, salesplan_widgets.workbook.workbook",
}
FLOORS = {name: f"{code}\nimport json; print(json.dumps({{'hwm': {HWM}}}))" for name, code in FLOORS.items()}


def bare_query(relation: str, dims: list[str], measures: str) -> str:
    return (
        f"SELECT date_trunc('month', order_date) AS m, {', '.join(dims)}, {measures} "
        f"FROM {relation} GROUP BY ALL"
    )


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    baseline: bool = False  # the bare DuckDB query the others are compared with


@dataclass(frozen=True)
class Comparison:
    dataset: str  # e.g. "10M parquet"
    rows: int
    label: str  # e.g. "4 dims"
    cases: tuple[Case, ...]


# -- inputs ------------------------------------------------------------------------------------------------
def size_label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else str(rows)


def demo_source(rows: int, regenerate: bool) -> Path:
    """The demo workbook with `rows` invoice lines, generated once and cached under benchmarks/data/."""
    folder = DATA_DIR / f"demo-{size_label(rows).lower()}"
    if regenerate or not (folder / "plan.yaml").exists():  # the plan is written last: absent = incomplete
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating the demo company with {rows:,} rows in {folder} ...", flush=True)
        # in a child process: this one must stay small (see common.run_process)
        check(
            run_python(
                "from salesplan_widgets.demo import create_demo; "
                f"create_demo({str(folder)!r}, rows={rows}, end={DEMO_END!r})"
            ),
            "generating the demo company",
        )
    return folder


def check(run: ProcessRun, what: str) -> ProcessRun:
    if run.returncode != 0:
        raise SystemExit(f"{what} failed:\n{run.stderr[-3000:]}")
    return run


def narrow_workbook(demo: Path, fmt: str = "parquet") -> Path:
    """A workbook beside the demo whose only source maps the columns the bare query reads.

    The data file is hard-linked (a source must lie inside its workbook folder); CSV is written by DuckDB.
    """
    folder = demo.with_name(f"{demo.name}-narrow-{fmt}")
    data = folder / "data" / f"sales.{fmt}"
    if not data.exists():
        data.parent.mkdir(parents=True, exist_ok=True)
        parquet = demo / "data" / "sales.parquet"
        if fmt == "csv":
            copy = f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{data}.tmp' (FORMAT csv, HEADER)"
            check(run_python(f"import duckdb; duckdb.sql({copy!r})"), "writing the CSV copy")
            os.replace(f"{data}.tmp", data)
        else:
            try:
                os.link(parquet, data)
            except OSError:
                shutil.copyfile(parquet, data)
    calendar_part = (demo / "plan.yaml").read_text(encoding="utf-8").split("\nsources:", 1)[0]
    columns = "\n".join(f"      {k}: {v}" for k, v in NARROW_COLUMNS.items())
    plan = f"{calendar_part}\nsources:\n  sales:\n    path: data/sales.{fmt}\n    columns:\n{columns}\n"
    if not (folder / "plan.yaml").exists() or (folder / "plan.yaml").read_text(encoding="utf-8") != plan:
        (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    return folder


def salesplan_cases(workbook: Path) -> list[Case]:
    """salesplan on `workbook`: the cube alone, as `Workbook.cube()` does it today, and in one scan."""
    return [
        Case(name, SALESPLAN.format(hwm=HWM, workbook=str(workbook), mode=mode))
        for name, mode in [
            ("salesplan build_cube", "build"),
            ("salesplan validate + build_cube", "validate"),
            ("salesplan build_cube(validate=True)", "one scan"),
        ]
    ]


def comparisons(rows: int, regenerate: bool, csv: bool) -> list[Comparison]:
    demo = demo_source(rows, regenerate)
    parquet = demo / "data" / "sales.parquet"
    narrow = narrow_workbook(demo)
    label = size_label(rows)
    dims4 = ["sales_rep", "customer_segment", "channel"]
    dims6 = ["sales_rep", "team", "region", "customer_segment", "channel"]
    found = [
        Comparison(
            f"{label} parquet",
            rows,
            "4 dims",
            (
                Case(
                    "bare DuckDB",
                    BARE_DUCKDB.format(
                        hwm=HWM,
                        query=bare_query(f"read_parquet('{parquet}')", dims4, "sum(net_amount) AS actual"),
                    ),
                    baseline=True,
                ),
                *salesplan_cases(narrow),
                Case(
                    "pandas read_parquet + groupby",
                    PANDAS.format(
                        hwm=HWM, path=str(parquet), columns=["order_date", *dims4, "net_amount"], dims=dims4
                    ),
                ),
            ),
        ),
        Comparison(
            f"{label} parquet",
            rows,
            "demo plan",
            (
                Case(
                    "bare DuckDB",
                    BARE_DUCKDB.format(
                        hwm=HWM,
                        query=bare_query(
                            f"read_parquet('{parquet}')",
                            dims6,
                            "sum(net_amount) AS actual, sum(qty) AS quantity, count(*) AS lines",
                        ),
                    ),
                    baseline=True,
                ),
                *salesplan_cases(demo),
            ),
        ),
    ]
    if csv:
        narrow_csv = narrow_workbook(demo, "csv")
        csv_file = narrow_csv / "data" / "sales.csv"
        found.append(
            Comparison(
                f"{label} csv",
                rows,
                "4 dims",
                (
                    Case(
                        "bare DuckDB",
                        BARE_DUCKDB.format(
                            hwm=HWM,
                            query=bare_query(f"read_csv('{csv_file}')", dims4, "sum(net_amount) AS actual"),
                        ),
                        baseline=True,
                    ),
                    *salesplan_cases(narrow_csv),
                ),
            )
        )
    return found


# -- measuring ---------------------------------------------------------------------------------------------
def measure(cases: list[tuple[str, str]], repeats: int) -> dict[str, list[ProcessRun]]:
    """Run every case `repeats` times, alternating the order (forwards, then backwards) between rounds."""
    runs: dict[str, list[ProcessRun]] = {key: [] for key, _code in cases}
    for round_no in range(repeats):
        for key, code in cases if round_no % 2 == 0 else reversed(cases):
            runs[key].append(check(run_python(code), key))
        print(f"  round {round_no + 1}/{repeats} done", flush=True)
    return runs


def summarise(runs: list[ProcessRun]) -> dict:
    inner = [run.json_line() for run in runs]
    keys = sorted({k for figures in inner for k in figures if k not in ("groups", "total", "hwm")})
    return {
        "wall_s": round(median([r.wall for r in runs]), 3),
        "min_wall_s": round(min(r.wall for r in runs), 3),
        "cpu_s": round(median([r.cpu for r in runs]), 3),
        "peak_mib": round(median([r.peak_mib for r in runs]), 1),
        "hwm_mib": round(median([f.get("hwm", 0.0) for f in inner]), 1),
        "inner_s": {k: round(median([f[k] for f in inner if k in f]), 3) for k in keys},
        "groups": inner[0].get("groups"),
        "total": inner[0].get("total"),
        "runs_wall_s": [round(r.wall, 3) for r in runs],
        "runs_peak_mib": [round(r.peak_mib, 1) for r in runs],
    }


def warm_page_cache(path: Path) -> None:
    with path.open("rb") as fh:
        while fh.read(1 << 24):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,10000000", help="comma-separated source sizes")
    parser.add_argument("--repeats", type=int, default=5, help="runs per case (median reported, >= 3)")
    parser.add_argument("--csv", action="store_true", help="also compare on a CSV copy of the smallest size")
    parser.add_argument("--regenerate", action="store_true", help="generate the demo sources again")
    args = parser.parse_args()
    sizes = sorted(int(x.replace("_", "")) for x in args.rows.split(","))
    repeats = max(args.repeats, 3)

    plan = []
    for rows in sizes:
        plan += comparisons(rows, args.regenerate, csv=args.csv and rows == sizes[0])
    results: dict = {"machine": machine(), "repeats": repeats, "floors": {}, "comparisons": []}

    print("process start and import floors", flush=True)
    for code in FLOORS.values():
        run_python(code)  # compiles .pyc files and warms the page cache; not measured
    floor_runs = measure(list(FLOORS.items()), repeats)
    results["floors"] = {name: summarise(runs) for name, runs in floor_runs.items()}

    for comparison in plan:
        print(f"{comparison.dataset}, {comparison.label}", flush=True)
        for file in DATA_DIR.glob(f"demo-{size_label(comparison.rows).lower()}*/data/sales.*"):
            warm_page_cache(file)
        runs = measure([(case.name, case.code) for case in comparison.cases], repeats)
        bare = next(c.name for c in comparison.cases if c.baseline)
        baseline = summarise(runs[bare])
        entry = {
            "dataset": comparison.dataset,
            "rows": comparison.rows,
            "cube": comparison.label,
            "cases": {},
        }
        for case in comparison.cases:
            figures = summarise(runs[case.name])
            # each run against the bare run of the same round (neighbours in time share the machine's load),
            # then the median of those ratios; the ratio of the medians is kept for reference
            paired = [r.wall / b.wall for r, b in zip(runs[case.name], runs[bare], strict=True)]
            figures["time_ratio"] = round(median(paired), 2)
            figures["time_ratio_of_medians"] = round(figures["wall_s"] / baseline["wall_s"], 2)
            figures["min_time_ratio"] = round(figures["min_wall_s"] / baseline["min_wall_s"], 2)
            figures["cpu_ratio"] = round(figures["cpu_s"] / baseline["cpu_s"], 2)
            figures["memory_ratio"] = round(figures["peak_mib"] / baseline["peak_mib"], 2)
            same = figures["groups"] == baseline["groups"] and abs(figures["total"] - baseline["total"]) <= (
                1e-6 * abs(baseline["total"])
            )
            figures["same_result_as_bare"] = same
            if not same:
                print(f"  WARNING: {case.name} does not give the bare query's result", flush=True)
            entry["cases"][case.name] = figures
        results["comparisons"].append(entry)
    results["machine"]["parent_peak_mib"] = round(parent_rss_mib(), 1)
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    report(results)
    print(f"\nresults written to {write_results('cube', results)}")


def verdict(results: dict) -> list[str]:
    lines = []
    for entry in results["comparisons"]:
        if entry["rows"] != TARGET_ROWS or entry["cube"] != "4 dims" or "parquet" not in entry["dataset"]:
            continue
        for name in (
            "salesplan build_cube",
            "salesplan validate + build_cube",
            "salesplan build_cube(validate=True)",
        ):
            f = entry["cases"][name]
            ok = f["time_ratio"] <= TIME_TARGET and f["memory_ratio"] <= MEMORY_TARGET
            lines.append(
                f"{name} at {entry['dataset']}: {f['time_ratio']:.2f}x time (target <= {TIME_TARGET}x), "
                f"{f['memory_ratio']:.2f}x peak memory (target <= {MEMORY_TARGET}x), "
                f"{f['cpu_ratio']:.2f}x CPU time: "
                f"{'MEETS' if ok else 'MISSES'} the targets"
            )
    return lines


def report(results: dict) -> None:
    rows = []
    for entry in results["comparisons"]:
        for name, f in entry["cases"].items():
            rows.append(
                [
                    entry["dataset"],
                    entry["cube"],
                    name,
                    f"{f['wall_s']:.2f}",
                    f"{f['time_ratio']:.2f}x",
                    f"{f['min_wall_s']:.2f}",
                    f"{f['cpu_s']:.2f}",
                    f"{f['cpu_ratio']:.2f}x",
                    f"{f['peak_mib']:.0f}",
                    f"{f['memory_ratio']:.2f}x",
                ]
            )
    header = [
        "rows",
        "cube",
        "process",
        "seconds (median)",
        "x bare",
        "fastest s",
        "CPU s",
        "x bare CPU",
        "peak MiB",
        "x bare mem",
    ]
    print(
        f"\nWhole processes, median of {results['repeats']} runs (load average at start "
        f"{results['machine']['load_average']}, at end {results['machine']['load_average_end']}):\n"
    )
    print(markdown_table(header, rows))
    print(
        "\nx bare: median over rounds of (this run / the bare DuckDB run of the same round). CPU s: user +"
        " system seconds of all threads, steadier than wall time when other work shares the machine."
    )
    floors = [
        [name, f"{f['wall_s']:.2f}", f"{f['cpu_s']:.2f}", f"{f['peak_mib']:.0f}"]
        for name, f in results["floors"].items()
    ]
    print("\nProcess start and import floors (median):\n")
    print(markdown_table(["process", "seconds", "CPU s", "peak MiB"], floors))
    inner = []
    for entry in results["comparisons"]:
        for name, f in entry["cases"].items():
            parts = ", ".join(f"{k} {v:.2f}" for k, v in f["inner_s"].items())
            inner.append([entry["dataset"], entry["cube"], name, parts])
    print("\nWhere the time goes inside each process (median seconds):\n")
    print(markdown_table(["rows", "cube", "process", "inner timings"], inner))
    lines = verdict(results)
    if lines:
        print("\nTargets at 10M rows (4 dims, Parquet):")
        for line in lines:
            print("  " + line)


if __name__ == "__main__":
    main()

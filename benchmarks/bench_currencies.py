"""Sales lines in several currencies, converted at monthly rates, against the same lines read unconverted.

One file of N invoice lines (date over two years, rep, amount, and a currency column: about 70% CNY, 15% USD,
10% HKD, 5% blank), generated once in DuckDB under benchmarks/data/, as Parquet (amounts stored as numbers)
and as CSV (amounts as text, as exports write them). Two workbooks read each: one maps date, amount and rep
only (every line counted in the plan currency, the cost of the read without conversion); the other also
maps the currency column and gives a monthly rates file (24 months × 2 currencies) and plan rates, so each
line's amount is multiplied by its month's rate in the scan, and every line's currency and rate is checked.
Each measurement is its own Python process (start, imports, work, exit) running `Workbook.cube()` without
its on-disk cache (every source checked, then the cube); the cases alternate in order; medians of --repeats.

Target: conversion costs ≤ 1.3× the unconverted read. Results go to benchmarks/results/currencies.json and
a markdown table is printed.

    python benchmarks/bench_currencies.py [--rows 1000000] [--repeats 5] [--regenerate] [--headline-only]
                                          [--after-change]

--after-change: what new data cost before the overview's first headline shows, each round a process that
drops the workbook's cache, times `Workbook.cube()` (which, with a currency column, now also counts the day ×
currency totals in the same scan), then a first headline with its table by currency.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA_DIR, machine, markdown_table, median, run_python, write_results  # noqa: E402

TIME_TARGET = 1.3

GENERATE = """\
import duckdb
duckdb.sql('''
COPY (
  SELECT DATE '2025-01-01' + CAST(floor(i / {rows} * 730) AS INTEGER) AS date,
         'rep' || lpad(CAST(i % 500 AS VARCHAR), 3, '0') AS rep,
         round(5 + (hash(i + 1) % 1000000) / 100.0, 2) AS amount,
         CASE WHEN hash(i) % 100 < 70 THEN 'CNY' WHEN hash(i) % 100 < 85 THEN 'USD'
              WHEN hash(i) % 100 < 95 THEN 'HKD' ELSE NULL END AS currency
  FROM range({rows}) AS t(i)
) TO '{parquet}' (FORMAT parquet);
COPY (SELECT * FROM read_parquet('{parquet}')) TO '{csv}' (HEADER, DELIMITER ',');
COPY (
  SELECT strftime(DATE '2025-01-01' + INTERVAL (m) MONTH, '%Y-%m') AS month, c AS currency,
         CASE c WHEN 'USD' THEN 7.0 + m / 100.0 ELSE 0.9 + m / 1000.0 END AS rate
  FROM range(24) AS t(m), (VALUES ('USD'), ('HKD')) AS v(c)
) TO '{rates}' (HEADER, DELIMITER ',');
''')
"""

PLAN = """\
name: Currencies benchmark
currency: CNY
{rates}sources:
  sales:
    path: sales.{ext}
    columns: {columns}
{rates_source}"""
RATES = "exchange_rates: {USD: 7.10, HKD: 0.91}\n"
RATES_SOURCE = (
    "  exchange_rates:\n    path: rates.csv\n    columns: {month: month, currency: currency, rate: rate}\n"
)
CASES = {
    "plan currency only": ("{date: date, rep: rep, amount: amount}", "", ""),
    "currency column, monthly rates": (
        "{date: date, rep: rep, amount: amount, currency: currency}",
        RATES,
        RATES_SOURCE,
    ),
}

CUBE = """\
import json, shutil
from salesplan_widgets.workbook import open_workbook
wb = open_workbook('{folder}')
shutil.rmtree(wb.path / '.cache', ignore_errors=True)  # measured without the cube's on-disk cache
cube = wb.cube()
print(json.dumps({{"groups": len(cube), "total": float(cube["actual"].sum())}}))
"""

# the sales overview's headline on a cached cube: with a currency column it also shows the month's table of
# sales by currency (`currencies.sales_by_currency`). "first": the table's cached totals removed, so it is
# counted from the sales (what every headline cost before the cache); "later": a new report and workbook
# object, as the next process sees it, the totals read from the workbook's cache
HEADLINE = """\
import json, time
from pathlib import Path
from salesplan_widgets.report.overview import OverviewReport
for stale in Path('{folder}', '.cache').glob('sales-by-currency-*'):
    stale.unlink()
timed = {{}}
for when in ("first", "later"):
    report = OverviewReport.open('{folder}', '2026-12', locale='en')
    start, cpu = time.perf_counter(), time.process_time()
    html = str(report.headline())
    timed[when] = {{"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu}}
print(json.dumps(timed | {{"table": "Rate into CNY" in html}}))
"""


# new data: the cube and the table by currency both counted again, then the first headline shows the table
AFTER_CHANGE = """\
import json, shutil, time
from pathlib import Path
from salesplan_widgets.report.overview import OverviewReport
from salesplan_widgets.workbook import open_workbook
shutil.rmtree(Path('{folder}', '.cache'), ignore_errors=True)
timed = {{}}
start, cpu = time.perf_counter(), time.process_time()
open_workbook('{folder}').cube()
timed["cube"] = {{"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu}}
report = OverviewReport.open('{folder}', '2026-12', locale='en')
start, cpu = time.perf_counter(), time.process_time()
html = str(report.headline())
timed["headline"] = {{"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu}}
print(json.dumps(timed | {{"table": "Rate into CNY" in html}}))
"""


def after_change(books: dict[tuple[str, str], Path], repeats: int) -> dict:
    """Median cube and first-headline times after a data change (the cache dropped), per workbook."""
    measured: dict[tuple[str, str], list] = {key: [] for key in books}
    for round_ in range(repeats):
        for key in list(books) if round_ % 2 == 0 else list(reversed(books)):
            run = run_python(AFTER_CHANGE.format(folder=books[key]))
            if run.returncode:
                raise SystemExit(f"{key} after a change failed:\n{run.stderr}")
            measured[key].append(json.loads(run.stdout.strip().splitlines()[-1]))
    rows, results = [], {}
    for (ext, name), runs in measured.items():
        figures = {"table": runs[-1]["table"]}
        cells = []
        for part in ("cube", "headline"):
            wall, cpu = median([m[part]["wall"] for m in runs]), median([m[part]["cpu"] for m in runs])
            figures[part] = {"wall_s": wall, "cpu_s": cpu}
            cells.append(f"{wall:.3f} ({cpu:.3f})")
        total = median([m["cube"]["cpu"] + m["headline"]["cpu"] for m in runs])
        figures["cpu_total_s"] = total
        results[f"{ext}: {name}"] = figures
        rows.append([ext, name, *cells, f"{total:.3f}", "yes" if figures["table"] else "no"])
    header = ["file", "sales read as", "cube s (CPU)", "first headline s (CPU)", "CPU total s", "table"]
    print(markdown_table(header, rows))
    print(f"load average: {os.getloadavg()}")
    return results


def workbooks(rows: int, regenerate: bool) -> dict[tuple[str, str], Path]:
    """One workbook folder per (format, case), each with hard links to the generated files (a source must lie
    inside its workbook, and a symbolic link resolves outside)."""
    folder = DATA_DIR / f"currencies-{rows}"
    files = {"parquet": folder / "sales.parquet", "csv": folder / "sales.csv", "rates": folder / "rates.csv"}
    if regenerate or not all(p.exists() for p in files.values()):
        folder.mkdir(parents=True, exist_ok=True)
        run = run_python(
            GENERATE.format(rows=rows, parquet=files["parquet"], csv=files["csv"], rates=files["rates"])
        )
        if run.returncode:
            raise SystemExit(run.stderr)
    found = {}
    for ext in ("parquet", "csv"):
        for i, (name, (columns, rates, rates_source)) in enumerate(CASES.items()):
            book = folder / f"{ext}-{i}"
            book.mkdir(exist_ok=True)
            for link, target in ((f"sales.{ext}", files[ext]), ("rates.csv", files["rates"])):
                (book / link).unlink(missing_ok=True)
                os.link(target, book / link)
            plan = PLAN.format(rates=rates, ext=ext, columns=columns, rates_source=rates_source)
            (book / "plan.yaml").write_text(plan, encoding="utf-8")
            found[(ext, name)] = book
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--headline-only",
        action="store_true",
        help="only the overview headline (the cube built once, not timed)",
    )
    parser.add_argument(
        "--after-change",
        action="store_true",
        help="only the cube and the first headline after a data change (the cache dropped)",
    )
    args = parser.parse_args()
    books = workbooks(args.rows, args.regenerate)
    if args.after_change:
        results = after_change(books, args.repeats)
        write_results(
            "currencies-after-change",
            {"rows": args.rows, "repeats": args.repeats, "machine": machine(), "results": results},
        )
        return
    runs: dict[tuple[str, str], list] = {key: [] for key in books}
    for round_ in range(
        0 if args.headline_only else args.repeats
    ):  # alternate the order so both sides share the machine's load
        order = list(books) if round_ % 2 == 0 else list(reversed(books))
        for key in order:
            run = run_python(CUBE.format(folder=books[key]))
            if run.returncode:
                raise SystemExit(f"{key} failed:\n{run.stderr}")
            runs[key].append(run)
    rows, results = [], {}
    if not args.headline_only:
        for (ext, name), measured in runs.items():
            base = median([r.wall for r in runs[(ext, "plan currency only")]])
            wall, cpu = median([r.wall for r in measured]), median([r.cpu for r in measured])
            total = json.loads(measured[-1].stdout.strip().splitlines()[-1])["total"]
            results[f"{ext}: {name}"] = {"wall_s": wall, "cpu_s": cpu, "total": total, "ratio": wall / base}
            rows.append([ext, name, f"{wall:.2f}", f"{cpu:.2f}", f"{wall / base:.2f}×", f"{total:,.2f}"])
        print(
            markdown_table(
                ["file", "sales read as", "median s", "CPU s", "× unconverted", "total (CNY)"], rows
            )
        )
        print(f"load average: {os.getloadavg()}")
        for ext in ("parquet", "csv"):
            ratio = results[f"{ext}: currency column, monthly rates"]["ratio"]
            print(
                f"{ext}: target ≤ {TIME_TARGET}×: {'met' if ratio <= TIME_TARGET else 'NOT met'} ({ratio:.2f}×)"
            )
    headline = {key: [] for key in books}
    for round_ in range(args.repeats):  # the cube is cached on disk now: the headline alone is measured
        for key in list(books) if round_ % 2 == 0 else list(reversed(books)):
            run = run_python(HEADLINE.format(folder=books[key]))
            if run.returncode:
                raise SystemExit(f"{key} headline failed:\n{run.stderr}")
            headline[key].append(json.loads(run.stdout.strip().splitlines()[-1]))
    rows = []
    for (ext, name), measured in headline.items():
        figures = {"table": measured[-1]["table"]}
        cells = []
        for when in ("first", "later"):
            wall = median([m[when]["wall"] for m in measured])
            cpu = median([m[when]["cpu"] for m in measured])
            figures[when] = {"wall_s": wall, "cpu_s": cpu}
            cells += [f"{wall:.3f}", f"{cpu:.3f}"]
        results.setdefault(f"{ext}: {name}", {})["headline"] = figures
        rows.append([ext, name, *cells, "yes" if figures["table"] else "no"])
    header = ["file", "sales read as", "first headline s", "CPU s", "later headline s", "CPU s"]
    print(markdown_table([*header, "table by currency"], rows))
    print(f"load average: {os.getloadavg()}")
    write_results(
        "currencies-headline" if args.headline_only else "currencies",
        {"rows": args.rows, "repeats": args.repeats, "machine": machine(), "results": results},
    )


if __name__ == "__main__":
    main()

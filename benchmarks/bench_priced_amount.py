"""Sales lines priced by quantity × unit price × (1 − discount) against the same lines with an amount column.

One Parquet file of N invoice lines (date, rep, quantity, unit_price, discount, and the amount they make),
generated once in DuckDB under benchmarks/data/. Two workbooks read it: one maps `amount`, the other
`quantity`, `unit_price` and `discount`, so salesplan computes each line's amount in the scan. Each
measurement is its own Python process (start, imports, work, exit) running what `Workbook.cube()` runs
without its cache: every check of the source, then the cube. The cases alternate in order; medians of
--repeats rounds, with each side's total sales to show they agree.

Target: the priced lines within 1.2× the time of the same lines with an amount (three numbers decoded and
checked instead of one). Results go to benchmarks/results/priced_amount.json and a markdown table is printed.

    python benchmarks/bench_priced_amount.py [--rows 10000000] [--repeats 5] [--regenerate]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA_DIR, machine, markdown_table, median, run_python, write_results  # noqa: E402

TIME_TARGET = 1.2

GENERATE = """\
import duckdb
duckdb.sql('''
COPY (
  SELECT DATE '2025-01-01' + CAST(floor(i / {rows} * 730) AS INTEGER) AS date,
         'rep' || lpad(CAST(i % 500 AS VARCHAR), 3, '0') AS rep,
         CAST(1 + hash(i) % 40 AS INTEGER) AS quantity,
         round(5 + (hash(i + 1) % 100000) / 100.0, 2) AS unit_price,
         CASE WHEN i % 4 = 0 THEN 0.05 ELSE 0.0 END AS discount
  FROM range({rows}) AS t(i)
) TO '{tmp}' (FORMAT parquet);
COPY (SELECT *, quantity * unit_price * (1 - discount) AS amount FROM read_parquet('{tmp}'))
TO '{path}' (FORMAT parquet);
''')
"""

PLAN = """\
name: Priced lines benchmark
currency: CNY
sources:
  sales:
    path: sales.parquet
    columns: {columns}
"""
COLUMNS = {
    "amount column": "{date: date, rep: rep, amount: amount}",
    "quantity × unit price × (1 − discount)": "{date: date, rep: rep, quantity: quantity, unit_price: "
    "unit_price, discount: discount}",
}

CUBE = """\
import json
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.cube import build_cube
from salesplan_widgets.workbook.sources import validate_source
wb = open_workbook('{folder}')
source = wb.source('sales')
assert not validate_source(source, wb.path, wb.plan.calendar)
cube = build_cube(source, wb.path, wb.plan.calendar, validate=True)
print(json.dumps({{"groups": len(cube), "total": float(cube["actual"].sum())}}))
"""


def workbooks(rows: int, regenerate: bool) -> dict[str, Path]:
    """One workbook folder per way of reading the generated file (hard links to it: a source must lie inside
    its workbook, and a symbolic link resolves outside)."""
    folder = DATA_DIR / f"priced-{rows}"
    path = folder / "sales.parquet"
    if regenerate or not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        run = run_python(GENERATE.format(rows=rows, tmp=folder / "raw.parquet", path=path))
        if run.returncode:
            raise SystemExit(run.stderr)
        (folder / "raw.parquet").unlink()
    found = {}
    for i, (name, columns) in enumerate(COLUMNS.items()):
        book = folder / f"wb{i}"
        book.mkdir(exist_ok=True)
        (book / "sales.parquet").unlink(missing_ok=True)
        os.link(path, book / "sales.parquet")
        (book / "plan.yaml").write_text(PLAN.format(columns=columns), encoding="utf-8")
        found[name] = book
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    books = workbooks(args.rows, args.regenerate)
    runs: dict[str, list] = {name: [] for name in books}
    for round_ in range(args.repeats):  # alternate the order so both sides share the machine's load
        order = list(books) if round_ % 2 == 0 else list(reversed(books))
        for name in order:
            run = run_python(CUBE.format(folder=books[name]))
            if run.returncode:
                raise SystemExit(f"{name} failed:\n{run.stderr}")
            runs[name].append(run)
    base = median([r.wall for r in runs["amount column"]])
    rows, results = [], {}
    for name, measured in runs.items():
        wall, cpu = median([r.wall for r in measured]), median([r.cpu for r in measured])
        total = json.loads(measured[-1].stdout.strip().splitlines()[-1])["total"]
        results[name] = {"wall_s": wall, "cpu_s": cpu, "total": total, "ratio": wall / base}
        rows.append([name, f"{wall:.2f}", f"{cpu:.2f}", f"{wall / base:.2f}×", f"{total:,.2f}"])
    print(markdown_table(["sales read as", "median s", "CPU s", "× amount column", "total sales"], rows))
    ratio = results["quantity × unit price × (1 − discount)"]["ratio"]
    print(f"\ntarget ≤ {TIME_TARGET}×: {'met' if ratio <= TIME_TARGET else 'NOT met'} ({ratio:.2f}×)")
    write_results(
        "priced_amount",
        {"rows": args.rows, "repeats": args.repeats, "machine": machine(), "results": results},
    )


if __name__ == "__main__":
    main()

"""The amount column's scan in each form figures are written in: what a plain figure costs, and each other form.

One CSV of --rows invoice lines (date, amount, rep) is generated under benchmarks/data/ per form: plain
(1234.56), grouped (1,234.56), marked (￥1,234.56), 万 (12.3456万), full-width (１，２３４．５６) and European
(1.234,56, read with `decimal: ","`). Each child process opens the file as salesplan does and sums the parsed
amount (`normalised_sql`, the cube's scan); the median of --repeats in-process scan times is reported with the
whole process's CPU time. Forms the older checkout reads (plain, grouped, marked) also run on --before, in the
same rounds, alternating, so "plain figures cost what they did" is a measured claim.

    python benchmarks/bench_number_forms.py [--rows 1000000] [--repeats 5] [--before /path/to/older/checkout]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA_DIR, RESULTS_DIR, machine, median, run_python  # noqa: E402

FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")
FORMS = {  # name: (how one cell is written from its value, the source's decimal mark, read by the older code)
    "plain": (lambda v: f"{v:.2f}", ".", True),
    "grouped": (lambda v: f"{v:,.2f}", ".", True),
    "marked": (lambda v: f"￥{v:,.2f}", ".", True),
    "wan": (lambda v: f"{v / 10**4:.6f}万", ".", False),
    "full-width": (lambda v: f"{v:,.2f}".translate(FULL_WIDTH), ".", False),
    "european": (lambda v: f"{v:,.2f}".translate(str.maketrans(".,", ",.")), ",", False),
}


def write_csv(path: Path, rows: int, form: str) -> None:
    import numpy as np

    write = FORMS[form][0]
    rng = np.random.default_rng(7)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write("date,amount,rep\n")
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            dates = (np.datetime64("2024-01-01") + rng.integers(0, 1000, n)).astype(str)
            amounts = np.round(rng.lognormal(6, 1, n), 2)
            out.writelines(
                f'{d},"{write(float(a))}",Rep {i % 500}\n'
                for i, (d, a) in enumerate(zip(dates, amounts, strict=True), start)
            )
    tmp.rename(path)


CHILD = """
import json, sys, time
from pathlib import Path
if {checkout!r}:
    sys.path.insert(0, {checkout!r})
from salesplan_widgets.schema import SalesSource
from salesplan_widgets.workbook.sources import normalised_sql, run_on_source
source = SalesSource(path={name!r}, columns={{"date": "date", "amount": "amount", "rep": "rep"}},
                     **({{"decimal": {decimal!r}}} if {decimal!r} != "." else {{}}))
source._currency = "CNY"
def work(con, scan):
    sql = f"SELECT sum(amount), count(amount) FROM ({{normalised_sql(scan, source, ('amount',))}}) AS s"
    times = []
    for _ in range(3):
        t = time.perf_counter(); total = con.sql(sql).fetchall()[0]; times.append(time.perf_counter() - t)
    return min(times), total
scan_s, (total, read) = run_on_source(source, Path({folder!r}), work)
print(json.dumps({{"scan": scan_s, "total": total, "read": read}}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--before", help="an older checkout to measure in the same rounds")
    args = parser.parse_args()
    folder = DATA_DIR / f"number-forms-{args.rows}"
    for form in FORMS:
        if not (folder / f"{form}.csv").exists():
            write_csv(folder / f"{form}.csv", args.rows, form)
    cases = [(form, "", None) for form in FORMS]
    if args.before:
        cases += [(form, " (before)", args.before) for form, (_w, _d, old) in FORMS.items() if old]
    cases.sort(key=lambda case: list(FORMS).index(case[0]))
    runs: dict[str, list] = {form + code: [] for form, code, _c in cases}
    for _round in range(args.repeats):
        for form, code, checkout in cases:
            run = run_python(
                CHILD.format(
                    name=f"{form}.csv", folder=str(folder), checkout=checkout or "", decimal=FORMS[form][1]
                )
            )
            if run.returncode != 0:
                print(run.stderr, file=sys.stderr)
                return 1
            runs[form + code].append((run, run.json_line()))
    info = machine()
    print(f"\n{args.rows:,} rows, median of {args.repeats}, load average {info['load_average']}\n")
    print("| figures written | scan of the amount (in process) | whole process CPU | lines read | total |")
    print("|---|---|---|---|---|")
    results = {}
    for label, measured in runs.items():
        figures = {
            "scan_s": median([m["scan"] for _r, m in measured]),
            "cpu_s": median([r.cpu for r, _m in measured]),
            "read": measured[0][1]["read"],
            "total": measured[0][1]["total"],
        }
        results[label] = figures
        print(
            f"| {label} | {figures['scan_s'] * 1000:.0f} ms | {figures['cpu_s']:.2f} s | {figures['read']:,} | "
            f"{figures['total']:,.2f} |"
        )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "number_forms.json").write_text(
        json.dumps({"machine": info, "results": results}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Finding each account's winner (`incentives.account_winner`) on a 1M-line Parquet workbook, as whole
processes, this checkout against another one side by side.

The input is one Parquet file of N lines (date, amount, rep, team, deal, account; ~4 lines per deal, one
account per 50 lines, booked by many reps), generated once in DuckDB under benchmarks/data/ by
`bench_per_deal.GENERATE`. Each case is its own Python process (start, imports, work, exit), timed from the
outside with its own peak RSS, the cases alternating in order, medians of --repeats rounds:

- salesplan account_winner: open the workbook and run `workbook.won_accounts.won_account_sales` (each
  account's first line, then the lines others booked in the winner's first 6 months), what `pay_cube`
  adds for the rule;
- the same with `--compare DIR`: the package at DIR (e.g. `git archive <commit> | tar -x -C DIR`), to
  measure a change before and after; both must find the same won lines and the same total;
- salesplan returns with winners (`--returns`): a clawback rule beside the winner, on the same lines with
  one line of every tenth deal turned into a return of half of it (derived once into a folder beside);
  each returned deal's first line and each account's winner, as `returns.deal_returns` counts them before
  its cache (and the same with `--compare DIR`, checked to find the same returns);
- salesplan cash with winners (`--cash`): the same lines, each deal an invoice paid 45 days after its last
  line (a receipts file derived once); the cash collected per month, rep and age band with each invoice's
  first line and its account's winner, as `receipts.collected_rows` counts it;
- floor: salesplan without the query (imports, plan read and checked);
- inside one DuckDB connection, each account's first line alone: `winners_sql` (deals' integer
  `line_order`) against the struct minimum it replaced, checked to agree.

Results go to benchmarks/results/account_winner.json and a markdown table is printed.

    python benchmarks/bench_account_winner.py [--rows 1000000] [--repeats 5] [--compare DIR] [--returns]
        [--cash] [--regenerate]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_per_deal import source  # noqa: E402 (the same lines as the per-deal benchmark)
from common import (  # noqa: E402 (the benchmarks folder is not a package)
    ROOT,
    machine,
    markdown_table,
    median,
    run_process,
    run_python,
    write_results,
)

OPEN_ONLY = """\
import json
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.won_accounts import won_account_sales
wb = open_workbook('{folder}')
print(json.dumps({{"source": wb.source('sales').path}}))
"""

WINNERS = """\
import json
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.won_accounts import won_account_sales
wb = open_workbook('{folder}')
won = won_account_sales(wb.source('sales'), wb.path, wb.plan.calendar, 6)
print(json.dumps({{"rows": len(won), "lines": int(won["lines"].sum()), "total": round(float(won["actual"].sum()), 2),
                  "winners": int(won["won_by"].nunique())}}))
"""

RETURNS = """\
import json
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.returns import _find_returns
wb = open_workbook('{folder}')
found = _find_returns(wb, wb.plan.incentives, False)
print(json.dumps({{"rows": len(found), "returned": round(float(found["amount"].sum()), 2),
                  "sold": round(float(found["sold_size"].sum()), 2),
                  "sellers": int(found["sold_rep"].nunique()),
                  "won": int((found["won_by"] != "all").sum())}}))
"""

# the generated lines have no returns: each tenth deal's smallest line becomes a return of half of it
WITH_RETURNS = """\
import duckdb
duckdb.sql(
    "COPY (SELECT * EXCLUDE (amount, n), "
    "CASE WHEN n = 1 AND hash(deal) % 10 = 0 THEN -amount / 2 ELSE amount END AS amount "
    "FROM ("
    "SELECT *, row_number() OVER (PARTITION BY deal ORDER BY amount, rep) AS n "
    "FROM read_parquet('{lines}'))) TO '{path}' (FORMAT parquet)"
)
"""

CASH = """\
import json
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.receipts import collected_rows
wb = open_workbook('{folder}')
cash = collected_rows(wb.source('sales'), wb.source('receipts'), wb.path, wb.plan.calendar, [90], 6)
print(json.dumps({{"rows": len(cash), "collected": round(float(cash["collected"].sum()), 2),
                  "reps": int(cash["rep"].nunique()), "won": int((cash["won_by"] != "all").sum())}}))
"""

# the same lines, each deal an invoice, paid in full 45 days after its last line
WITH_RECEIPTS = """\
import duckdb
duckdb.sql("COPY (SELECT * FROM read_parquet('{lines}')) TO '{path}' (FORMAT parquet)")
duckdb.sql(
    "COPY (SELECT deal AS invoice, max(date) + 45 AS date, round(sum(amount), 2) AS amount "
    "FROM read_parquet('{lines}') GROUP BY deal) TO '{receipts}' (FORMAT parquet)"
)
"""

FIRST_LINES = """\
import duckdb, json, statistics, time
from salesplan_widgets.workbook.won_accounts import winners_sql
lines = "SELECT date, rep, team, account FROM read_parquet('{path}')"
shapes = {{
    "struct minimum": "SELECT account, min(struct_pack(d := date, r := rep, t := team)) AS f FROM (" + lines
    + ") AS l GROUP BY account",
    "line_order": winners_sql(lines),
}}
con = duckdb.connect()
answers = {{n: con.sql(f"SELECT count(*), count(DISTINCT f.r), max(f.d) FROM ({{q}})").fetchall() for n, q in shapes.items()}}
assert answers["struct minimum"] == answers["line_order"], answers
times = {{n: [] for n in shapes}}
for i in range({repeats}):
    for n in shapes if i % 2 == 0 else reversed(shapes):
        start = time.perf_counter()
        con.sql(f"SELECT count(*), count(DISTINCT f.r), max(f.d) FROM ({{shapes[n]}})").fetchall()
        times[n].append(time.perf_counter() - start)
print(json.dumps({{n: statistics.median(t) for n, t in times.items()}} | {{"accounts": answers["line_order"][0][0]}}))
"""

PLAN = """\
name: Account winner benchmark
currency: CNY
sources:
  sales:
    path: {file}
    columns: {{date: date, amount: amount, rep: rep, team: team, deal: deal, account: account}}
incentives:
  commission: {{base_rate: 0.05}}
  account_winner: {{months: 6}}
"""
RETURNS_PLAN = PLAN.replace("  account_winner:", "  clawback: {{window_days: 90}}\n  account_winner:")
CASH_PLAN = (
    PLAN.replace("deal: deal", "invoice: deal")
    .replace(
        "incentives:",
        "  receipts:\n    path: receipts.parquet\n"
        "    columns: {{date: date, amount: amount, invoice: invoice}}\nincentives:",
    )
    .replace(
        "  account_winner:",
        "  collections: {{rate: 0.01, ageing: [{{after_days: 90, factor: 0.5}}]}}\n  account_winner:",
    )
)


def derived_source(folder: Path, kind: str, generate: str, plan: str, regenerate: bool) -> Path:
    """The workbook folder beside `folder` whose files `generate` derives from `folder`'s lines once."""
    derived = folder.with_name(f"{folder.name}-{kind}")
    path = derived / "sales.parquet"
    if regenerate or not path.exists():
        derived.mkdir(parents=True, exist_ok=True)
        code = generate.format(
            lines=folder / "sales.parquet", path=path, receipts=derived / "receipts.parquet"
        )
        run = run_python(code)
        if run.returncode:
            raise SystemExit(run.stderr)
    (derived / "plan.yaml").write_text(plan.format(file=path.name), encoding="utf-8")
    return derived


def run_at(code: str, package_root: Path):
    """`python -c code` with the package imported from `package_root`."""
    env = dict(os.environ, PYTHONPATH=str(package_root))
    return run_process([sys.executable, "-c", code], env=env, cwd=package_root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another checkout of the package, to compare with")
    parser.add_argument("--returns", action="store_true", help="also time the returns with winners")
    parser.add_argument("--cash", action="store_true", help="also time the cash collected with winners")
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    folder = source(args.rows, args.regenerate, "account_winner", PLAN)
    winners = WINNERS.format(folder=folder)
    cases = {"salesplan account_winner": (winners, ROOT)}
    pairs = [("", "salesplan account_winner", f"the same at {args.compare}")]
    if args.compare is not None:
        cases[pairs[0][2]] = (winners, args.compare.resolve())
    derived = {
        "returns": (args.returns, RETURNS, WITH_RETURNS, RETURNS_PLAN),
        "cash": (args.cash, CASH, WITH_RECEIPTS, CASH_PLAN),
    }
    for kind, (asked, code, generate, plan) in derived.items():
        if asked:
            work = code.format(folder=derived_source(folder, kind, generate, plan, args.regenerate))
            cases[f"salesplan {kind} with winners"] = (work, ROOT)
            pairs.append((f"{kind}_", f"salesplan {kind} with winners", f"{kind} at {args.compare}"))
            if args.compare is not None:
                cases[pairs[-1][2]] = (work, args.compare.resolve())
    cases["floor: salesplan without the query"] = (OPEN_ONLY.format(folder=folder), ROOT)
    runs: dict[str, list] = {name: [] for name in cases}
    for round_ in range(args.repeats):  # alternate the order so both sides share the machine's load
        for name in list(cases) if round_ % 2 == 0 else list(reversed(cases)):
            code, root = cases[name]
            run = run_at(code, root)
            if run.returncode:
                raise SystemExit(f"{name} failed:\n{run.stderr}")
            runs[name].append(run)
    rows = [
        [name, f"{median([m.wall for m in measured]):.2f}", f"{min(m.wall for m in measured):.2f}",
         f"{median([m.cpu for m in measured]):.2f}", f"{median([m.peak_mib for m in measured]):.0f}"]
        for name, measured in runs.items()
    ]  # fmt: skip
    found = runs["salesplan account_winner"][0].json_line()
    info = machine()
    print(f"account_winner over {args.rows:,} lines ({found['lines']:,} lines booked on others' won accounts, "
          f"{found['winners']:,} winners); load {info['load_average']}")  # fmt: skip
    payload = {"machine": info, "rows": args.rows, "table": rows, "found": found}
    for kind in (k for k in derived if derived[k][0]):
        payload[f"{kind}_found"] = runs[f"salesplan {kind} with winners"][0].json_line()
        print(f"{kind} with winners: {payload[f'{kind}_found']}")
    print(markdown_table(["process", "median s", "fastest s", "CPU s", "peak MiB"], rows))
    for key, mine, other in pairs if args.compare is not None else ():
        ours, theirs = runs[mine], runs[other]
        if theirs[0].json_line() != ours[0].json_line():
            raise SystemExit(f"{mine}: the two checkouts disagree: {ours[0].json_line()} against "
                             f"{theirs[0].json_line()}")  # fmt: skip
        ratio = median([m.wall / t.wall for m, t in zip(ours, theirs, strict=True)])
        cpu = median([m.cpu / t.cpu for m, t in zip(ours, theirs, strict=True)])
        print(f"{mine}: this checkout takes {ratio:.2f}× the time ({cpu:.2f}× the CPU) of {args.compare}, "
              "same answer")  # fmt: skip
        payload |= {f"{key}ratio": ratio, f"{key}cpu_ratio": cpu}
    # the first lines alone, in one connection: the way `deals` finds them against a struct's minimum
    inside = run_python(FIRST_LINES.format(path=folder / "sales.parquet", repeats=max(args.repeats, 5)))
    if inside.returncode:
        raise SystemExit(f"the first lines alone failed:\n{inside.stderr}")
    firsts = inside.json_line()
    print(f"each of {firsts['accounts']:,} accounts' first line, inside one DuckDB connection (median): "
          f"line_order {firsts['line_order']:.3f} s, struct minimum {firsts['struct minimum']:.3f} s")  # fmt: skip
    payload["first_lines"] = firsts
    write_results("account_winner", payload)


if __name__ == "__main__":
    main()

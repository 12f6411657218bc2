"""Per-deal components over 10M transactions against a bare DuckDB aggregation of the same columns, as
whole processes side by side.

The input is one Parquet file of N invoice lines (date, amount, rep, team, deal, account; ~4 lines per
deal, one account per 50 lines), generated once in DuckDB under benchmarks/data/. Each measurement is its
own Python process (start, imports, work, exit), timed from the outside with its own peak RSS, the cases
alternating in order, medians of --repeats rounds:

- bare DuckDB reading every column (the baseline the target is judged against): `SELECT date_trunc('month',
  date), rep, team, sum(amount), approx_count_distinct(deal), approx_count_distinct(account) FROM
  read_parquet(...) GROUP BY ALL`. Why this one: it is the cheapest aggregation that must decode and hash
  every value of the six columns the per-deal facts read and returns the same small month × rep × team
  table; an exact count(DISTINCT ...) would itself group by deal and account, which is what is measured;
- bare DuckDB, the old baseline, kept beside it: the same with `count(deal), count(account)`. It never
  reads the deal and account columns (the Parquet statistics say they hold no NULLs, so DuckDB answers
  both counts as count(*)), so it is not an aggregation of the same columns; its ratio is still printed;
- bare DuckDB, the same per-deal facts: the shortest SQL computing what salesplan computes (deals per deal
  id with their first line, each account's first sale), written by hand and checked to agree on the counts;
- salesplan per-deal facts: open the workbook and run `workbook.deals.deal_facts` with a deal-size kicker
  and a new-logo bonus (deals summed per deal id, new accounts from each account's first sale), i.e.
  what `pay_cube` adds for those two components, counted on the lines (a process on new data);
- salesplan per-deal facts, a later process on the same data: the same through `deals.with_deal_facts`, as
  `pay_cube` calls it, which reads the facts the first process kept in the workbook's cache
  (`.cache/deals-*.parquet`, keyed by the data's fingerprint and the rules): what every process after the
  first one of a period run (each report page, dashboard kernel and close) costs. It is printed beside the
  target, not in its place: the first process of new data still counts the lines.

Two floors say where the time goes (they compute less than salesplan, so they are not contenders):

- bare DuckDB, the two groupings alone: 10M lines grouped by deal id (with their sum) and by account (with
  their first date), nothing else — what any per-deal computation must at least do in DuckDB;
- salesplan without the query: the same process up to `deal_facts` (imports, plan read and checked).

The target: salesplan within 1.5× the time of the bare aggregation reading every column. Results go to
benchmarks/results/per_deal.json and a markdown table is printed.

    python benchmarks/bench_per_deal.py [--rows 10000000] [--repeats 5] [--regenerate]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402 (the benchmarks folder is not a package)
    DATA_DIR,
    machine,
    markdown_table,
    median,
    parent_rss_mib,
    run_python,
    write_results,
)

TIME_TARGET = 1.5

GENERATE = """\
import duckdb
duckdb.sql('''
COPY (
  SELECT DATE '2025-01-01' + CAST(floor(i / {rows} * 730) AS INTEGER) AS date,
         round(50 + (hash(i) % 200000) / 10.0, 2) AS amount,
         'rep' || lpad(CAST((i // 4) % 500 AS VARCHAR), 3, '0') AS rep,
         'team' || CAST(((i // 4) % 500) // 25 AS VARCHAR) AS team,
         'D' || CAST(i // 4 AS VARCHAR) AS deal,
         'A' || CAST(hash(i // 4) % ({rows} // 50) AS VARCHAR) AS account
  FROM range({rows}) AS t(i)
) TO '{path}' (FORMAT parquet)
''')
"""

BARE = """\
import duckdb, json
rows = duckdb.sql(
    "SELECT date_trunc('month', date) AS m, rep, team, sum(amount) AS actual, count(deal) AS deals, "
    "count(account) AS accounts FROM read_parquet('{path}') GROUP BY ALL"
).df()
print(json.dumps({{"groups": len(rows), "total": float(rows["actual"].sum())}}))
"""

BARE_EVERY_COLUMN = """\
import duckdb, json
rows = duckdb.sql(
    "SELECT date_trunc('month', date) AS m, rep, team, sum(amount) AS actual, "
    "approx_count_distinct(deal) AS deals, approx_count_distinct(account) AS accounts "
    "FROM read_parquet('{path}') GROUP BY ALL"
).df()
print(json.dumps({{"groups": len(rows), "total": float(rows["actual"].sum())}}))
"""

BARE_PER_DEAL = """\
import duckdb, json
first = "min(struct_pack(d := date, r := rep, t := team))"
rows = duckdb.sql(
    "WITH lines AS (SELECT date, amount, rep, team, deal, account FROM read_parquet('{path}')), "
    f"deals AS (SELECT {{first}} AS f, sum(amount) AS size FROM lines GROUP BY deal HAVING sum(amount) >= 5000), "
    f"firsts AS (SELECT {{first}} AS f FROM lines WHERE account IS NOT NULL AND amount > 0 GROUP BY account) "
    "SELECT date_trunc('month', f.d) AS m, f.r AS rep, f.t AS team, count(*) AS deals, sum(size) AS deal_sales, "
    "0 AS new_logos FROM deals GROUP BY ALL "
    "UNION ALL SELECT date_trunc('month', f.d), f.r, f.t, 0, 0, count(*) FROM firsts GROUP BY ALL"
).df()
print(json.dumps({{"groups": len(rows), "deals": float(rows["deals"].sum()),
                  "new_logos": float(rows["new_logos"].sum())}}))
"""

GROUPINGS = """\
import duckdb, json
rows = duckdb.sql(
    "SELECT (SELECT count(*) FROM (SELECT deal, sum(amount) AS size FROM read_parquet('{path}') GROUP BY deal) "
    "WHERE size >= 5000) AS deals, (SELECT count(*) FROM (SELECT account, min(date) AS first FROM "
    "read_parquet('{path}') GROUP BY account) WHERE first IS NOT NULL) AS accounts"
).df()
print(json.dumps({{"deals": float(rows["deals"][0]), "accounts": float(rows["accounts"][0])}}))
"""

CACHED = """\
import json
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.deals import with_deal_facts
from salesplan_widgets.workbook.payouts import incentives_of
wb = open_workbook('{folder}')
facts = with_deal_facts(wb.cube().iloc[:0], wb, incentives_of(wb))
print(json.dumps({{"groups": len(facts), "deals": float(facts["deals"].sum()),
                  "new_logos": float(facts["new_logos"].sum())}}))
"""

OPEN_ONLY = """\
import json
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.deals import deal_facts
wb = open_workbook('{folder}')
print(json.dumps({{"source": wb.source('sales').path}}))
"""

SALESPLAN = """\
import json
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.deals import deal_facts
wb = open_workbook('{folder}')
facts = deal_facts(wb.source('sales'), wb.path, wb.plan.calendar, [5000.0], [0.0])
print(json.dumps({{"groups": len(facts), "deals": float(facts["deals"].sum()),
                  "new_logos": float(facts["new_logos"].sum())}}))
"""

PLAN = """\
name: Per-deal benchmark
currency: CNY
sources:
  sales:
    path: {file}
    columns: {{date: date, amount: amount, rep: rep, team: team, deal: deal, account: account}}
incentives:
  deal_kicker: {{at_least: 5000, rate: 0.01}}
  new_logo: {{bonus: 500}}
"""


def source(rows: int, regenerate: bool, name: str = "per_deal", plan: str = PLAN) -> Path:
    """The generated workbook folder `name-rows` with its Parquet file of `rows` lines and `plan`."""
    folder = DATA_DIR / f"{name}-{rows}"
    path = folder / "sales.parquet"
    if regenerate or not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        run = run_python(GENERATE.format(rows=rows, path=path))
        if run.returncode:
            raise SystemExit(run.stderr)
    (folder / "plan.yaml").write_text(plan.format(file=path.name), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    folder = source(args.rows, args.regenerate)
    path = folder / "sales.parquet"
    cases = {
        "bare DuckDB reading every column": BARE_EVERY_COLUMN.format(path=path),
        "bare DuckDB (old baseline: deal and account unread)": BARE.format(path=path),
        "bare DuckDB, the same per-deal facts": BARE_PER_DEAL.format(path=path),
        "salesplan per-deal facts": SALESPLAN.format(folder=folder),
        "salesplan per-deal facts, a later process (cached)": CACHED.format(folder=folder),
        "floor: bare DuckDB, the two groupings alone": GROUPINGS.format(path=path),
        "floor: salesplan without the query": OPEN_ONLY.format(folder=folder),
    }
    warm = run_python(
        cases["salesplan per-deal facts, a later process (cached)"]
    )  # the first process: counts
    if warm.returncode:
        raise SystemExit(f"warming the workbook's cache failed:\n{warm.stderr}")
    runs: dict[str, list] = {name: [] for name in cases}
    for round_ in range(args.repeats):  # alternate the order so both sides share the machine's load
        order = list(cases) if round_ % 2 == 0 else list(reversed(cases))
        for name in order:
            run = run_python(cases[name])
            if run.returncode:
                raise SystemExit(f"{name} failed:\n{run.stderr}")
            runs[name].append(run)
    bare = runs["bare DuckDB reading every column"]
    old = runs["bare DuckDB (old baseline: deal and account unread)"]
    rows = []
    for name, measured in runs.items():
        ratios = [m.wall / b.wall for m, b in zip(measured, bare, strict=True)]
        cpu_ratios = [m.cpu / b.cpu for m, b in zip(measured, bare, strict=True)]
        old_ratios = [m.wall / b.wall for m, b in zip(measured, old, strict=True)]
        rows.append([name, f"{median([m.wall for m in measured]):.2f}", f"{median(ratios):.2f}×",
                     f"{median(old_ratios):.2f}×", f"{min(m.wall for m in measured):.2f}",
                     f"{median([m.cpu for m in measured]):.2f}", f"{median(cpu_ratios):.2f}×",
                     f"{median([m.peak_mib for m in measured]):.0f}"])  # fmt: skip
    facts = runs["salesplan per-deal facts"][0].json_line()
    info = machine()
    print(f"per-deal components over {args.rows:,} transactions ({facts.get('deals', 0):,.0f} large deals, "
          f"{facts.get('new_logos', 0):,.0f} new accounts); load {info['load_average']}")  # fmt: skip
    print(
        markdown_table(
            ["process", "median s", "× bare", "× old bare", "fastest s", "CPU s", "CPU × bare", "peak MiB"],
            rows,
        )
    )
    ours, by_hand = runs["salesplan per-deal facts"], runs["bare DuckDB, the same per-deal facts"]
    ratio = median([m.wall / b.wall for m, b in zip(ours, bare, strict=True)])
    old_ratio = median([m.wall / b.wall for m, b in zip(ours, old, strict=True)])
    cpu_ratio = median([m.cpu / b.cpu for m, b in zip(ours, bare, strict=True)])
    same = median([m.wall / b.wall for m, b in zip(ours, by_hand, strict=True)])
    hand_facts = by_hand[0].json_line()
    if (hand_facts["deals"], hand_facts["new_logos"]) != (facts["deals"], facts["new_logos"]):
        raise SystemExit(
            f"the per-deal SQL written by hand disagrees with salesplan: {hand_facts} against {facts}"
        )
    counted = runs["floor: bare DuckDB, the two groupings alone"][0].json_line()
    if (counted["deals"], counted["accounts"]) != (facts["deals"], facts["new_logos"]):
        raise SystemExit(f"the bare groupings count other deals or accounts: {counted} against {facts}")
    cached = runs["salesplan per-deal facts, a later process (cached)"]
    if (cached[0].json_line()["deals"], cached[0].json_line()["new_logos"]) != (
        facts["deals"],
        facts["new_logos"],
    ):
        raise SystemExit(f"the cached facts disagree: {cached[0].json_line()} against {facts}")
    later = median([m.wall / b.wall for m, b in zip(cached, bare, strict=True)])
    groupings = runs["floor: bare DuckDB, the two groupings alone"]
    floor = median([m.wall / b.wall for m, b in zip(groupings, bare, strict=True)])
    over_floor = median([m.wall / g.wall for m, g in zip(ours, groupings, strict=True)])
    print(f"target ≤ {TIME_TARGET}× the bare aggregation reading every column: "
          f"{'met' if ratio <= TIME_TARGET else 'NOT met'} ({ratio:.2f}×, CPU {cpu_ratio:.2f}×); against the old "
          f"baseline that leaves deal and account unread: {old_ratio:.2f}×; against bare SQL computing the same "
          f"per-deal facts: {same:.2f}×; the two groupings alone take {floor:.2f}× the baseline, salesplan "
          f"{over_floor:.2f}× them; a later process on the same data (facts from the cache): {later:.2f}×")  # fmt: skip
    write_results("per_deal", {"machine": info, "rows": args.rows, "table": rows, "ratio": ratio,
                               "ratio_cpu": cpu_ratio, "ratio_old_baseline": old_ratio,
                               "ratio_same_facts": same, "ratio_groupings": floor,
                               "ratio_over_groupings": over_floor, "ratio_later_process": later, "facts": facts,
                               "rounds": {name: [[round(m.wall, 3), round(m.cpu, 3)] for m in measured]
                                          for name, measured in runs.items()},
                               "parent_rss_mib": parent_rss_mib()})  # fmt: skip


if __name__ == "__main__":
    main()

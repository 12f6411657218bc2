"""Cash collected (回款): the receipts source aged against its invoices, counted inside DuckDB.

Each receipt (date, amount, invoice) is joined to the sales lines of its invoice, whose first line (found as
the kicker finds it, `deals.ordered_lines_sql`) gives the invoice's date, rep and team, and whose largest line
of that date, rep and team gives its other dimensions (`invoice_line_order`); its age is the days from the
invoice date to the receipt date. Receipts are summed per receipt period × rep × team × age band,
where the bands are the plan's ageing steps (of every plan version, so each version can read its own), and
come back as rows the pay cube carries beside the sales (`actual` 0, `collected` the cash, `age_from` the
band's lower edge in days). Receipts whose invoice is in no sales line are an InputError that lists them.
With `account_winner`, an invoice's cash is marked with its account's winner as its sale is, so the cash
collected is credited to the winner (or both, as an overlay). Storage only: the rates live in
model/components/collections.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.model.credit import WON, needs_accounts
from salesplan_widgets.schema import Calendar, Source
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.cube import CUBE_DIMENSIONS, period_freq, period_start_sql
from salesplan_widgets.workbook.deals import first_line_parts, ordered_lines_sql, ranked_sellers
from salesplan_widgets.workbook.sources import (
    ALL,
    MAX_EXAMPLES,
    UNKNOWN,
    ident,
    literal,
    normalised_sql,
    open_source,
    run_on_source,
)
from salesplan_widgets.workbook.won_accounts import credited_to_winner_sql, winners_sql

COLLECTION_TARGETS = "collection_targets"


def ageing_edges(section: IncentivesSection) -> list[int]:
    """Every ageing edge (days) of the section's rules and of every role plan version, sorted."""
    rules = section.rule_sets()
    return sorted({a.after_days for r in rules if r.collections for a in r.collections.ageing})


def _invoice_missing(source: Source, column: str) -> InputError:
    return InputError(
        Problem(
            file=source.path,
            column=column,
            expected=_("a column mapped to invoice, to match receipts to the sales lines they pay"),
            fix=_("add invoice: <your column name> under the sources' columns in plan.yaml"),
        )
    )


def _invoices_sql(lines: str, sellers: tuple[str, bool], columns: list[str]) -> str:
    """Each invoice of the dated sales `lines` with its date (`invoiced`) and `columns` (rep, team, other
    dimensions …) from its first line: the earliest (date, rep, team) by trimmed names, blanks last, found by
    `deals.ordered_lines_sql` over the ranked `sellers` as the kicker finds an invoice's first line when the
    invoice is the deal. So its cash goes to the line its sale's kicker paid, whatever the rows' order, and
    its rep and team come from one line."""
    seller, day = first_line_parts("f.first")
    names = [f"s.{c}" for c in ("rep", "team") if c in columns]
    others = [ident(c) for c in columns if c not in ("rep", "team")]
    picked = ""
    if others:  # one line's values, the earliest by `invoice_line_order`, never one column from each line
        line = f"struct_pack({', '.join(f'{c} := {c}' for c in others)})"
        picked = f", arg_min({line}, {invoice_line_order(others)}) AS line"
    return (
        f"WITH {', '.join(ordered_lines_sql(lines, *sellers))}, "
        f"firsts AS (SELECT invoice, min(line_order) AS first{picked} FROM ordered "
        f"WHERE invoice <> {literal(UNKNOWN)} GROUP BY invoice) "
        f"SELECT f.invoice, {day} AS invoiced, {', '.join([*names, *(f'f.line.{c}' for c in others)])} "
        f"FROM firsts AS f JOIN seller_names AS s ON s.seller = {seller}"
    )


def invoice_line_order(others: list[str]) -> str:
    """SQL ordering an invoice's lines for the line that gives its other dimensions (`others`, quoted):
    its first line (`line_order`: the earliest date, then rep and team), and among several lines of that
    date, rep and team, the largest amount, then the `others` as text in order. A comp admin reads an
    invoice as what most of its money bought: its 800 machine, not the 200 accessory booked beside it the
    same day, whichever the file lists first. The order is total, so reruns, threads and row orders agree
    (an `arg_min` on `line_order` alone took whichever tied line DuckDB met first)."""
    return f"(line_order, -COALESCE({ident('amount')}, 0), {', '.join(others)})"


def _winner_sql(
    sales: Source, scan, sellers: tuple[str, bool], months: int, skip_accounts, skip_deals
) -> tuple[str, list[str]]:
    """The join and the `won_by`, `won_team` columns marking an invoice's cash with its account's winner,
    when the invoice was dated inside the winner's first `months` and booked by someone else (as its sale
    is credited, `won_accounts.py`); accounts and deals a split names keep their split. `sellers`: ranked
    over all the dated sales lines (`deals.ranked_sellers`), shared with the invoices' first lines."""
    date = ident("date")
    lines = (
        f"SELECT * FROM ({normalised_sql(scan, sales, ('date', 'amount', 'rep', 'team', 'account'))}) AS l "
        f"WHERE {date} IS NOT NULL AND account <> {literal(UNKNOWN)}"
    )
    deals = skip_deals if "deal" in sales.columns else ()
    when = credited_to_winner_sql("i", "i.invoiced", months, skip_accounts, deals)
    team = "w.f.t" if "team" in sales.columns else literal(ALL)
    columns = [
        f"CASE WHEN {when} THEN w.f.r ELSE {literal(ALL)} END AS won_by",
        f"CASE WHEN {when} THEN {team} ELSE {literal(ALL)} END AS won_team",
    ]
    winners = winners_sql(lines, sellers)
    return f"LEFT JOIN ({winners}) AS w ON i.account = w.account ", columns


def collected_rows(
    sales: Source,
    receipts: Source,
    base_dir: Path,
    calendar: Calendar,
    edges: list[int],
    winner_months: int = 0,
    skip_accounts: Sequence[str] = (),
    skip_deals: Sequence[str] = (),
) -> pd.DataFrame:
    """Cash collected per receipt period × cube dimensions × age band, as rows of the pay cube. With
    `winner_months` (the plan's `account_winner`) the rows also say whose won account the cash is of
    (`won_by`, `won_team`, else 'all'), so it is credited as the invoice's sale was."""
    if "invoice" not in sales.columns:
        raise _invoice_missing(sales, "invoice")
    dims = [d for d in CUBE_DIMENSIONS if d in sales.columns]
    winner = winner_months > 0 and "account" in sales.columns
    extra = [c for c in ("account", "deal") if winner and c in sales.columns]
    freq = period_freq(calendar)
    band = " + ".join([*(f"CAST(age > {int(e)} AS INTEGER)" for e in edges), "0"])
    whens = " ".join(f"WHEN band = {i + 1} THEN {int(e)}" for i, e in enumerate(edges))
    lower = f"CASE {whens} ELSE 0 END" if edges else "0"  # the band's lower edge in days
    date = ident("date")
    won = list(WON) if winner else []

    def query(con, scan):
        paid = open_source(con, receipts, base_dir)
        read = ("date", "amount", "invoice", *dict.fromkeys(["rep", "team", *dims, *extra]))
        dated = f"SELECT * FROM ({normalised_sql(scan, sales, read)}) AS s WHERE {date} IS NOT NULL"
        sellers = ranked_sellers(con, dated)  # once: the invoices' first lines and the accounts' winners
        invoices = _invoices_sql(dated, sellers, [*dims, *extra])
        cash = normalised_sql(paid, receipts, ("date", "amount", "invoice"))
        join, marks = (
            _winner_sql(sales, scan, sellers, winner_months, skip_accounts, skip_deals)
            if winner
            else ("", [])
        )
        joined = (
            f"SELECT r.invoice, r.{date} AS received, r.amount, i.invoiced, "
            f"{', '.join([*(f'i.{ident(d)}' for d in dims), *marks])} FROM ({cash}) AS r "
            f"LEFT JOIN ({invoices}) AS i USING (invoice) {join}"
            f"WHERE r.{date} IS NOT NULL"
        )
        con.execute(f"CREATE TEMP TABLE received AS {joined}")
        unmatched = con.sql(
            f"SELECT invoice, COUNT(*) AS n FROM received WHERE invoiced IS NULL GROUP BY invoice "
            f"ORDER BY invoice LIMIT {MAX_EXAMPLES + 1}"
        ).df()
        aged = (
            f"SELECT *, {band} AS band FROM (SELECT *, date_diff('day', invoiced, received) AS age FROM received "
            f"WHERE invoiced IS NOT NULL) AS a"
        )
        grouped = con.sql(
            f"SELECT CAST({period_start_sql(calendar.grain, 'received')} AS DATE) AS period_start, "
            f"{', '.join([*(ident(d) for d in [*dims, *won]), ''])}{lower} AS age_from, SUM(amount) AS collected "
            f"FROM ({aged}) AS b GROUP BY ALL"
        ).df()
        return unmatched, grouped

    unmatched, raw = run_on_source(sales, Path(base_dir), query)
    if len(unmatched):
        raise InputError(
            Problem(
                file=receipts.path,
                column="invoice",
                expected=_("receipts for invoices that are in the sales data"),
                found=", ".join(unmatched["invoice"].astype(str).head(MAX_EXAMPLES)),
                fix=_("check the invoice numbers against the sales file, or add the missing sales lines"),
            )
        )
    frame = pd.DataFrame({"period": pd.PeriodIndex(pd.to_datetime(raw["period_start"]), freq=freq)})
    for d in CUBE_DIMENSIONS:
        values = raw[d].astype(str).str.strip() if d in raw.columns else pd.Series(ALL, index=raw.index)
        frame[d] = values.where(values != "", UNKNOWN).to_numpy()
    frame["actual"], frame["quantity"], frame["lines"] = 0.0, 0.0, 0
    frame["collected"] = raw["collected"].astype(float).to_numpy()
    frame["age_from"] = raw["age_from"].astype("int64").to_numpy()
    for mark in won:
        frame[mark] = raw[mark].astype(str).to_numpy()
    keys = ["period", *CUBE_DIMENSIONS, *won, "age_from"]
    return frame.groupby(keys, sort=True, as_index=False)[["actual", "quantity", "lines", "collected"]].sum()


def cached_collections(
    workbook, section: IncentivesSection, counted: pd.DataFrame | None = None
) -> pd.DataFrame | None:
    """The cash collected the plan pays on (None when it pays on none), as pay-cube rows counted once per
    data and kept in the workbook's cache. `counted`: rows counted elsewhere to keep instead (a scoped
    extract's, from the whole workbook, whose receipts it does not hold)."""
    rules = section.rule_sets()
    if not any(r.collections for r in rules):
        return None
    rule = section.account_winner
    winner = rule.months if rule is not None else 0  # the cube then says whose won account a sale is of
    accounts, deals = needs_accounts(section)
    edges = ageing_edges(section)

    def count() -> pd.DataFrame:
        if counted is not None:
            return counted
        receipts = workbook.source("receipts")  # a clear error when the plan pays on cash but has no receipts
        with workbook._conversions():
            return collected_rows(
                workbook.source("sales"), receipts, workbook.path, workbook.plan.calendar, edges, winner,
                accounts, deals,
            )  # fmt: skip

    return workbook.cached("collected", count, [edges, winner, sorted(accounts), sorted(deals)])


def with_collections(cube: pd.DataFrame, workbook, section: IncentivesSection) -> pd.DataFrame:
    """The pay cube with the cash collected beside the sales, when the plan pays on it and has receipts."""
    rows = cached_collections(workbook, section)
    if rows is None:
        return cube
    sales = cube.assign(collected=0.0, age_from=0)
    others = sales.columns.difference(rows.columns)  # product, account, deal, cost …: not of these rows
    rows = rows.assign(**{c: 0.0 if pd.api.types.is_numeric_dtype(sales[c]) else ALL for c in others})
    return pd.concat([sales, rows[list(sales.columns)]], ignore_index=True)


def collection_tracking(workbook, period: str | pd.Period) -> pd.DataFrame:
    """Cash collected against the collection targets (`tables/collection_targets.csv`: period, rep,
    target) for the period and the fiscal year to date; without targets, attainment is missing."""
    from salesplan_widgets.model.calendar import FiscalCalendar
    from salesplan_widgets.model.collections import collection_attainment

    with workbook._conversions():
        rows = collected_rows(
            workbook.source("sales"), workbook.source("receipts"), workbook.path, workbook.plan.calendar, []
        )
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    cash = calendar.in_months(rows)
    targets = workbook.read_table(COLLECTION_TARGETS)
    if targets is None:
        targets = pd.DataFrame({"period": pd.PeriodIndex([], freq="M"), "rep": [], "target": []})
    else:
        targets = calendar.in_months(targets)
    return collection_attainment(cash, targets, period, calendar.fiscal_year_start)

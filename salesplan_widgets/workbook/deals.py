"""Per-deal facts for the plan's deal-size kicker and new-logo bonus: large deals and new accounts counted
on the transactions in DuckDB (`deal_facts`), and the pay cube with them beside the sales
(`with_deal_facts`). Storage only: the rates live in model/components/deal_kicker.py and new_logo.py. Raw
lines never enter pandas; only the small result (one row per period × rep × team × band) does.

Why the query is shaped as it is: a deal is dated and credited by its first line and an account by its first
sale (its first line above 0), the earliest (date, rep, team). Taking that minimum as a struct or as text for
2.5M deals over 10M lines cost more than grouping the lines itself (strings in aggregate states), so each line
carries one integer that sorts the same way, its `line_order`: the day times 2^32 plus the rank of its (rep,
team) among the file's distinct pairs, which are few and ranked once. Grouping by deal and by account then
keeps plain integer minimums, and the ranks are turned back into names on the small result. Where each rep as
typed sells for one team (the usual file), a line finds its rank by the rep alone, and its team is never read.
Ids are not trimmed on every line either (that doubles the query): the groups say whether any id is padded.
Deals and accounts are grouped from the lines separately: a grouping costs per group, not per line, so
grouping once by (deal, account) and regrouping its 2.5M groups by deal costs as much again
(benchmarks/README.md, per-deal).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from salesplan_widgets.model.calendar import FiscalCalendar, pay_months
from salesplan_widgets.schema import Calendar, Source
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.cube import (
    CUBE_DIMENSIONS,
    _empty_cube,
    _require_account,
    period_freq,
    period_start_sql,
)
from salesplan_widgets.workbook.sources import ALL, UNKNOWN, ident, literal, normalised_sql, run_on_source

FACTS = {"deal_from": -1.0, "deals": 0.0, "deal_sales": 0.0, "logo_from": -1.0, "new_logos": 0.0}
FACT_COLUMNS = ("deal_from", "deals", "deal_sales", "logo_from", "new_logos")
_SELLER_SPAN = 1 << 32  # line_order = day × 2^32 + seller rank: room for 4 billion (rep, team) pairs


def _band_sql(value: str, edges: list[float]) -> str:
    """The largest of `edges` that `value` reaches (-1 below all of them), as SQL."""
    if len(edges) < 2:
        return repr(edges[0]) if edges else "0"
    whens = " ".join(f"WHEN {value} >= {e!r} THEN {e!r}" for e in reversed(edges))
    return f"CASE {whens} ELSE -1 END"


# a rep's or team's name as a person reads it: trimmed, blank NULL. 'unknown' is how the cube names a blank
# (`normalised_sql` with clean_dimensions), so it is a blank here too: lines read raw (the facts) and lines
# read cleaned (the winners, the returns) then rank their sellers alike, blanks last.
_NAME = f"NULLIF(NULLIF(trim({{}}), ''), {literal(UNKNOWN)})"


def seller_ranks_sql(lines: str) -> str:
    """Each distinct raw rep × team of `lines` with its `seller` rank in the order of the trimmed names,
    blanks last. Raw pairs that differ only in spaces share a rank, ranked where their name sorts, as the
    cube and the ledger read names."""
    rep, team = _NAME.format("rep"), _NAME.format("team")
    return (
        f"SELECT rep, team, CAST(dense_rank() OVER (ORDER BY {rep} ASC NULLS LAST, {team} ASC NULLS LAST) "
        f"- 1 AS BIGINT) AS seller FROM (SELECT DISTINCT rep, team FROM ({lines}) AS l) AS d"
    )


def ranked_sellers(con, lines: str) -> tuple[str, bool]:
    """The sellers of `lines` ranked once into a temporary table (`seller_ranks_sql`), and whether each raw
    rep sells for one raw team only. Then a line finds its seller by the rep alone and the team column is
    not read line by line: about a tenth of the per-deal query's CPU (benchmarks/README.md, per-deal).
    One such table per connection: a query that finds first lines among several sets of lines ranks once,
    over all of them, and passes the result to each (ranks ordered the same way, whatever subset)."""
    con.sql(f"CREATE OR REPLACE TEMP TABLE deal_sellers AS {seller_ranks_sql(lines)}")
    reps = "SELECT count(*) FROM (SELECT DISTINCT rep FROM deal_sellers) AS r"
    [(by_rep,)] = con.sql(f"SELECT count(*) = ({reps}) FROM deal_sellers").fetchall()
    return "deal_sellers", bool(by_rep)


def ordered_lines_sql(lines: str, sellers: str | None = None, by_rep: bool = False) -> list[str]:
    """CTEs `seller_names` (each seller rank with its names as the cube reads them: trimmed, a blank one
    'unknown') and `ordered` (the dated lines with their `line_order`), over the ranked `sellers`
    (`ranked_sellers`; by default ranked here, in a CTE of that name). `by_rep`: each rep sells for one
    team, so lines join their seller on the rep alone. The sellers stay (rep, team, seller) only: wider,
    DuckDB took the 10M lines as the join's build side (2 GB, 1 s more)."""
    rep, team, unknown = _NAME.format("rep"), _NAME.format("team"), literal(UNKNOWN)
    day = f"({ident('date')} - DATE '1970-01-01')"  # days since 1970 (cheaper than date_diff on each line)
    ctes = [f"lines AS NOT MATERIALIZED ({lines})"]
    if sellers is None:
        sellers = "sellers"
        ctes.append(f"sellers AS MATERIALIZED ({seller_ranks_sql('SELECT rep, team FROM lines')})")
    on = "l.rep IS NOT DISTINCT FROM s.rep" + ("" if by_rep else " AND l.team IS NOT DISTINCT FROM s.team")
    return [
        *ctes,
        f"seller_names AS (SELECT DISTINCT seller, COALESCE({rep}, {unknown}) AS rep, "
        f"COALESCE({team}, {unknown}) AS team FROM {sellers})",
        f"ordered AS NOT MATERIALIZED (SELECT l.*, {day} * {_SELLER_SPAN} + s.seller AS line_order "
        f"FROM lines AS l JOIN {sellers} AS s ON {on})",
    ]


def first_line_parts(first: str) -> tuple[str, str]:
    """SQL for the seller rank and the day packed in the `line_order` value `first`: the low 32 bits are the
    rank (also under a day before 1970, in two's complement), the rest is the day, an exact multiple of 2^32
    once the rank is taken off."""
    seller = f"({first} & {_SELLER_SPAN - 1})"
    return seller, f"(DATE '1970-01-01' + CAST(({first} - {seller}) // {_SELLER_SPAN} AS INTEGER))"


def later_paid_sql(day: str, sold_on: str, pay_days: str | None) -> str:
    """SQL: `day` is paid in a later month than `sold_on`. Calendar months, or with `pay_days` (a relation of
    day, pay_month) the month each day is paid in, as the clawback rule judges it (`calendar.pay_months`)."""
    if pay_days is None:
        return f"date_trunc('month', {day}) > date_trunc('month', {sold_on})"
    pay = f"(SELECT pay_month FROM {pay_days} WHERE day = {{}})"
    return f"{pay.format(day)} > {pay.format(sold_on)}"


def _id_sql(column: str, trimmed: bool) -> str:
    """A deal or account id as grouped: raw, or trimmed with blanks NULL (as the clawback and the won
    accounts read ids)."""
    return f"NULLIF(trim({ident(column)}), '')" if trimmed else ident(column)


def _padded_sql(trimmed: bool, value: str = "id") -> str:
    """SQL: the raw id `value` is blank or has spaces around it, so that trimming would change what is
    grouped (always false for trimmed ids). Asked of the groups, not of every line: trimming 10M ids costs
    as much as grouping them, and ids are seldom padded (`deal_facts` then counts again, trimmed)."""
    return "FALSE" if trimmed else f"({value} LIKE ' %' OR {value} LIKE '% ' OR {value} = '')"


def _deals_sql(
    key: str | None, at_least: float, clawed: bool = False, pay_days: str | None = None, trimmed: bool = False
) -> str:
    """Deals of at least `at_least`: (first, size, padded) per deal id (or invoice), else per line. With
    `clawed` (a clawback rule on deal ids) a return paid in a later month than the deal's first sale
    (`later_paid_sql`) is left out of its size: the kicker paid stays as paid, and the clawback recovers it
    inside the window only. `padded` marks ids that trimming would regroup (`_padded_sql`)."""
    amount = ident("amount")
    if key is None:  # each line is a deal
        return (
            f"SELECT line_order AS first, {amount} AS size, FALSE AS padded FROM ordered "
            f"WHERE {amount} >= {at_least!r}"
        )
    deal = _id_sql(key, trimmed)
    lines = f"(SELECT *, {deal} AS id FROM ordered) AS d WHERE id IS NOT NULL"
    if clawed:
        date = ident("date")
        sold = f"min(CASE WHEN {amount} > 0 THEN {date} END) OVER (PARTITION BY id)"
        later = later_paid_sql(f"o.{date}", "o.sold_on", pay_days)
        lines = f"(SELECT *, {sold} AS sold_on FROM {lines}) AS o WHERE NOT ({amount} < 0 AND {later})"
    grouped = f"SELECT id, min(line_order) AS first, SUM({amount}) AS size FROM {lines} GROUP BY id"
    padded = _padded_sql(trimmed)
    return (
        f"SELECT first, size, {padded} AS padded FROM ({grouped}) AS g WHERE size >= {at_least!r} OR {padded}"
    )


def _new_accounts_sql(first_order: bool, trimmed: bool = False) -> str:
    """Each account's first sale (first: its first line with an amount above 0, so a return or a zero line
    wins no account, and an account with returns only is won by nobody), with `first_order` the value of
    that sale's day (size: the account's lines of the day, net), and whether trimming would regroup its id
    (padded). Its first sale is the least `line_order` among its sales, found in the same grouping."""
    account, padded, amount = _id_sql("account", trimmed), _padded_sql(trimmed), ident("amount")
    lines = f"(SELECT *, {account} AS id FROM ordered) AS o WHERE id IS NOT NULL"
    if not first_order:
        return (
            f"SELECT min(line_order) AS first, 0 AS size, {padded} AS padded FROM {lines} AND {amount} > 0 "
            "GROUP BY id"
        )
    sale = f"min(CASE WHEN {amount} > 0 THEN line_order END)"  # NULL on a day of returns only
    days = f"SELECT id, {sale} AS first, SUM({amount}) AS size FROM {lines} GROUP BY id, {ident('date')}"
    return (
        f"SELECT min(first) AS first, arg_min(size, first) AS size, {padded} AS padded FROM ({days}) AS days "
        "WHERE first IS NOT NULL GROUP BY id"
    )


def deal_facts_sql(
    lines: str,
    grain: str,
    key: str | None,
    deal_edges: list[float],
    logo_edges: list[float] | None,
    clawed: bool = False,
    pay_days: str | None = None,
    trimmed: bool = False,
    sellers: tuple[str, bool] | None = None,
) -> str:
    """The per-deal facts over `lines` (date, amount, rep, team [, key] [, account]): per period start, rep,
    team and bands, the large deals (`deals`, `deal_sales`) and new accounts (`new_logos`), and how many of
    the ids counted trimming would regroup (`padded`: with any, count again `trimmed`). `pay_days` (day,
    pay_month) says which month a day is paid in, for `clawed` on a grain other than the month. `sellers`:
    the ranked sellers' table and whether each rep has one team (`ranked_sellers`); else ranked here."""
    facts = []
    if deal_edges:
        deals = _deals_sql(key, deal_edges[0], clawed, pay_days, trimmed)
        facts.append(
            f"SELECT first, {_band_sql('size', deal_edges)} AS deal_from, 1 AS deals, size AS deal_sales, "
            f"-1 AS logo_from, 0 AS new_logos, padded FROM ({deals}) AS x"
        )
    if logo_edges is not None:
        logos = _new_accounts_sql(logo_edges[-1] > 0, trimmed)
        facts.append(
            f"SELECT first, -1 AS deal_from, 0 AS deals, 0.0 AS deal_sales, {_band_sql('size', logo_edges)} "
            f"AS logo_from, 1 AS new_logos, padded FROM ({logos}) AS y"
        )
    seller, day = first_line_parts("first")
    keyed = (
        f"SELECT CAST({period_start_sql(grain, day)} AS DATE) AS period_start, {seller} AS seller, deal_from, "
        f"deals, deal_sales, logo_from, new_logos, CAST(padded AS INTEGER) AS padded "
        f"FROM ({' UNION ALL '.join(facts)}) AS f"
    )
    grouped = (
        "SELECT period_start, seller, deal_from, logo_from, SUM(deals) AS deals, SUM(deal_sales) AS deal_sales, "
        f"SUM(new_logos) AS new_logos, SUM(padded) AS padded FROM ({keyed}) AS k "
        "GROUP BY period_start, seller, deal_from, logo_from"
    )
    return (
        f"WITH {', '.join(ordered_lines_sql(lines, *(sellers or ())))} "
        "SELECT g.period_start, s.rep, s.team, g.deal_from, g.deals, g.deal_sales, g.logo_from, g.new_logos, "
        f"g.padded FROM ({grouped}) AS g JOIN seller_names AS s USING (seller)"
    )


def deal_facts(
    source: Source,
    base_dir: Path,
    calendar: Calendar,
    deal_edges: Sequence[float] = (),
    logo_edges: Sequence[float] | None = None,
    clawed: bool = False,
) -> pd.DataFrame:
    """Per-deal facts counted on the transactions in DuckDB, as rows the pay cube carries beside the sales.

    - Deals (the lines of one deal id, else of one invoice, else each line on its own) of at least the
      smallest of `deal_edges`: per period of the deal's first line, rep and team of that line, and size
      band (`deal_from`, the largest edge the deal reaches), their count (`deals`) and value (`deal_sales`).
      With `clawed` (a clawback rule and a deal column) a return paid in a later month than the deal's
      first sale (by the plan calendar, as the clawback rule judges it) does not shrink the deal.
    - With `logo_edges`, new accounts: an account's first sale (its first line above 0 over the whole file:
      a return or a zero line wins no account), credited to the rep and team on it; per period, rep, team
      and first-order band (`logo_from`, the value of the account's lines on that sale's day), their count
      (`new_logos`). Lines without an account, and accounts with returns only, are left out.

    "First line" is the earliest (date, rep, team) by the trimmed names, blanks last, so two lines on the
    same day go to the alphabetically first rep and reruns agree. Names are trimmed on the few distinct
    sellers, not on every line (as the cube does). Deal and account ids are read as a person reads them
    (" L-1" is L-1, an id of only spaces is none, as the clawback reads them): grouped raw, and counted again
    on trimmed ids only when a group's id turns out padded.
    """
    key = next((c for c in ("deal", "invoice") if c in source.columns), None)
    want_logos = logo_edges is not None
    if want_logos:
        _require_account(source)
    extra = ((key,) if key else ()) + (("account",) if want_logos else ())
    columns = ("date", "amount", "rep", "team", *extra)
    deal_edges = sorted({float(e) for e in deal_edges})
    logo_bands = sorted({0.0, *(float(e) for e in logo_edges or ())}) if want_logos else None
    freq = period_freq(calendar)
    if not deal_edges and not want_logos:
        return _empty_facts(freq)

    clawed = clawed and key == "deal"

    def query(con, scan):
        normalised = normalised_sql(scan, source, columns, clean_dimensions=False)
        lines = f"SELECT * FROM ({normalised}) AS s WHERE {ident('date')} IS NOT NULL"
        pay_days = pay_days_table(con, lines, calendar) if clawed and calendar.grain != "month" else None
        sellers = ranked_sellers(con, lines)

        def count(trimmed: bool) -> pd.DataFrame:
            sql = deal_facts_sql(
                lines, calendar.grain, key, deal_edges, logo_bands, clawed, pay_days, trimmed, sellers
            )
            return con.sql(sql).df()

        found = count(trimmed=False)  # ids as they are; padded or blank ones: again, trimmed
        return count(trimmed=True) if found["padded"].any() else found

    raw = run_on_source(source, Path(base_dir), query)
    if raw.empty:
        return _empty_facts(freq)
    frame = pd.DataFrame({"period": pd.PeriodIndex(pd.to_datetime(raw["period_start"]), freq=freq)})
    for d in CUBE_DIMENSIONS:
        values = (
            raw[d].astype(str).where(raw[d].notna(), "").str.strip()
            if d in ("rep", "team")
            else pd.Series(ALL, index=raw.index)
        )
        frame[d] = values.where(values != "", UNKNOWN).to_numpy()
    frame["actual"], frame["quantity"], frame["lines"] = 0.0, 0.0, 0
    for c in FACT_COLUMNS:
        frame[c] = raw[c].astype(float).to_numpy()
    keys = ["period", *CUBE_DIMENSIONS, "deal_from", "logo_from"]
    measures = ["actual", "quantity", "lines", "deals", "deal_sales", "new_logos"]
    return frame.groupby(keys, sort=True, as_index=False)[measures].sum()


def pay_days_table(con, lines: str, calendar: Calendar) -> str:
    """A temporary table (day, pay_month) over the dated lines' days: the month each day is paid in, from the
    plan calendar as the clawback rule reckons it (`calendar.pay_months`: a week in the month holding its
    Thursday, a 4-4-5 week in its pattern's period, a quarter in its last month). One row per day that has
    a line: a few thousand, whatever the dates' span."""
    found = con.sql(f"SELECT DISTINCT {ident('date')} AS day FROM ({lines}) AS l").fetchall()
    days = pd.DatetimeIndex(sorted(pd.Timestamp(day) for (day,) in found))
    months = pay_months(pd.Series(days), FiscalCalendar.of(calendar)).to_timestamp()
    con.register("deal_pay_months", pd.DataFrame({"day": days, "pay_month": months}))
    con.sql(
        "CREATE OR REPLACE TEMP TABLE deal_pay_days AS "
        "SELECT CAST(day AS DATE) AS day, CAST(pay_month AS DATE) AS pay_month FROM deal_pay_months"
    )
    con.unregister("deal_pay_months")
    return "deal_pay_days"


def _empty_facts(freq: str) -> pd.DataFrame:
    return _empty_cube(CUBE_DIMENSIONS, freq).assign(**{c: pd.Series([], dtype=float) for c in FACT_COLUMNS})


def asked_edges(section: IncentivesSection) -> tuple[list[float], list[float]]:
    """The deal-size kickers' and the new-logo bonuses' smallest sizes (`at_least`, `min_first_order`) over
    every rule set of the plan, sorted once each: what the per-deal facts are counted for."""
    rules = section.rule_sets()
    kickers = sorted({r.deal_kicker.at_least for r in rules if r.deal_kicker})
    return kickers, sorted({r.new_logo.min_first_order for r in rules if r.new_logo})


def cached_deal_facts(
    workbook, section: IncentivesSection, counted: pd.DataFrame | None = None
) -> pd.DataFrame | None:
    """The large deals and new accounts the plan's versions pay on (None when none pays on them), counted
    once per data and kept in the workbook's cache beside the cube (in memory when it is read-only).
    `counted`: facts already counted elsewhere to keep instead (a scoped extract's, from the whole workbook)."""
    kickers, logos = asked_edges(section)
    if not kickers and not logos:
        return None
    clawed = section.clawback is not None

    def count() -> pd.DataFrame:
        if counted is not None:
            return counted
        with workbook._conversions():
            source = workbook.source("sales")
            return deal_facts(source, workbook.path, workbook.plan.calendar, kickers, logos or None, clawed)

    # what the facts depend on beyond the data: the bands asked for and the clawback
    return workbook.cached("deals", count, [kickers, logos, bool(logos), clawed])


def with_deal_facts(cube: pd.DataFrame, workbook, section: IncentivesSection) -> pd.DataFrame:
    """The pay cube with large deals and new accounts beside the sales, when a plan version pays on them."""
    rows = cached_deal_facts(workbook, section)
    if rows is None:
        return cube
    sales = cube.assign(**FACTS)
    others = sales.columns.difference(rows.columns)  # product, account, deal, cost …: not of these rows
    rows = rows.assign(**{c: 0.0 if pd.api.types.is_numeric_dtype(sales[c]) else ALL for c in others})
    return pd.concat([sales, rows[list(sales.columns)]], ignore_index=True)

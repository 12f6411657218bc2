"""Returned deals, found in DuckDB: the negative lines of the sales source whose deal id also has a sale.

What the clawback rule (`model/clawbacks.py`) needs and monthly totals cannot say: which deal came back, when
it was sold and when it was returned. One grouped query over the source; only the returns (a small table,
one row per deal, rep, dimensions and return date) come to pandas. Without a clawback rule, or without a
`deal` column mapped, there is nothing to find (None) and returns net as sales, as before. Reads only.

So that a return is credited as its sale was, each return carries what the crediting needs: the account when
a split names accounts (the others say 'all', as in the pay cube), and with `account_winner` the winner the
pay cube marks on the return's line (`won_by`, `won_team`) and on the deal's sale (`sale_won_by`,
`sale_won_team`), or 'all'.
"""

from __future__ import annotations

import pandas as pd

from salesplan_widgets.model.credit import needs_accounts
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.cube import CUBE_DIMENSIONS
from salesplan_widgets.workbook.deals import (
    first_line_parts,
    later_paid_sql,
    ordered_lines_sql,
    pay_days_table,
    ranked_sellers,
)
from salesplan_widgets.workbook.sources import ALL, UNKNOWN, ident, literal, normalised_sql, run_on_source
from salesplan_widgets.workbook.won_accounts import credited_to_winner_sql, winners_sql
from salesplan_widgets.workbook.workbook import Workbook


def deal_returns(
    workbook: Workbook,
    section: IncentivesSection,
    by_product: bool = False,
    counted: pd.DataFrame | None = None,
) -> pd.DataFrame | None:
    """deal, rep, the cube's dimensions, sold_on (the deal's first sale), sold_size (its size as the
    kicker saw it: its lines but the returns of later pay months, as in `deals.deal_facts`), sold_rep,
    sold_team and first_line_on (the rep, team and day of the first of those lines, the earliest (date,
    rep, team), whom its kicker paid and for when, whoever books the return; the day is the first sale's
    unless a return came first: found by `deals.deal_facts`' own `line_order`, so the two
    always name the same line), returned_on and amount (negative). Only dated lines count, as for the kicker.

    Found once per data and kept in the workbook's cache (in memory when it is read-only). `counted`: the
    returns found elsewhere to keep instead (a scoped extract's, from the whole workbook: found on the
    scope's own lines, a deal shared with another rep would look smaller and sold by the scope, and an
    account another rep opened would look won by nobody)."""
    source = workbook.source("sales")
    if section.clawback is None or "deal" not in source.columns:
        return None
    accounts, deals = needs_accounts(section)
    rule = section.account_winner
    winner = rule is not None and rule.months > 0 and "account" in source.columns

    def find() -> pd.DataFrame:
        found = counted if counted is not None else _find_returns(workbook, section, by_product)
        return found.assign(period=pd.DatetimeIndex(found["returned_on"]).to_period("M"))  # cached: a cube

    # what the returns depend on beyond the data and the calendar: the accounts and deals the splits name,
    # the winner's months and the product breakdown (the clawback's window is applied later, on them)
    asked = [by_product, accounts, deals, rule.months if winner else 0]
    return workbook.cached("returns", find, asked).drop(columns="period")


def _find_returns(workbook: Workbook, section: IncentivesSection, by_product: bool) -> pd.DataFrame:
    """`deal_returns` counted in DuckDB on the workbook's sales."""
    source = workbook.source("sales")
    dimensions = [*CUBE_DIMENSIONS, *(["product"] if by_product else [])]
    accounts, deals = needs_accounts(section)
    rule = section.account_winner
    winner = rule is not None and rule.months > 0 and "account" in source.columns
    has_account = "account" in source.columns and (bool(accounts) or winner)
    has_team = "team" in source.columns
    columns = ("date", "amount", "deal", *dimensions, *(("account",) if has_account else ()))
    deal, date, amount = ident("deal"), ident("date"), ident("amount")
    extra = []
    if accounts:
        extra.append(
            f"CASE WHEN lines.account IN ({', '.join(map(literal, accounts))}) THEN lines.account "
            f"ELSE {literal(ALL)} END AS account"
        )
    if winner:
        team = "w.f.t" if has_team else literal(ALL)
        for prefix, on in (("", f"lines.{date}"), ("sale_", "sold.sold_on")):
            won = credited_to_winner_sql("lines", on, rule.months, accounts, deals)
            extra.append(f"CASE WHEN {won} THEN w.f.r ELSE {literal(ALL)} END AS {prefix}won_by")
            extra.append(f"CASE WHEN {won} THEN {team} ELSE {literal(ALL)} END AS {prefix}won_team")

    def query(con, scan) -> pd.DataFrame:
        dated = f"SELECT * FROM ({normalised_sql(scan, source, columns)}) AS l WHERE {date} IS NOT NULL"
        sellers = ranked_sellers(con, dated)  # once, for the deals' first lines and the accounts' winners
        known = f"SELECT * FROM ({dated}) AS k WHERE account <> {literal(UNKNOWN)}"
        winners = (
            f"LEFT JOIN ({winners_sql(known, sellers)}) AS w ON lines.account = w.account " if winner else ""
        )
        kept = [*(f"lines.{ident(d)} AS {ident(d)}" for d in dimensions), *extra]
        calendar = workbook.plan.calendar  # a later pay month, as deal_facts sized the deal for its kicker
        pay_days = None if calendar.grain == "month" else pay_days_table(con, dated, calendar)
        later = later_paid_sql(f"lines.{date}", "first.sold_on", pay_days)
        # the deal's first line among the lines its kicker was sized on, by `line_order` as deal_facts finds
        # the line the kicker paid: `lines` and `ordered` are the dated lines (deals.ordered_lines_sql)
        seller, first_day = first_line_parts("sold.first")
        sql = (
            f"WITH {', '.join(ordered_lines_sql(dated, *sellers))}, "
            f"first AS (SELECT {deal}, MIN({date}) AS sold_on FROM lines "
            f"WHERE {amount} > 0 AND {deal} <> {literal(UNKNOWN)} GROUP BY {deal}), "  # blank: no deal
            f"sold AS (SELECT first.*, SUM(lines.{amount}) AS sold_size, min(lines.line_order) AS first "
            f"FROM first JOIN ordered AS lines USING ({deal}) WHERE NOT (lines.{amount} < 0 AND {later}) "
            "GROUP BY ALL), "
            f"returned AS (SELECT lines.{deal} AS deal, {', '.join(kept)}, sold.sold_on, sold.sold_size, "
            f"s.rep AS sold_rep, s.team AS sold_team, {first_day} AS first_line_on, "
            f"lines.{date} AS returned_on, lines.{amount} AS amount "
            f"FROM lines JOIN sold ON lines.{deal} = sold.{deal} "
            f"JOIN seller_names AS s ON s.seller = {seller} {winners}WHERE lines.{amount} < 0) "
            f"SELECT * EXCLUDE (amount), SUM(amount) AS amount FROM returned GROUP BY ALL "
            f"ORDER BY deal, returned_on"
        )
        return con.sql(sql).df()

    with workbook._conversions():
        frame = run_on_source(source, workbook.path, query)
    days = ("sold_on", "returned_on", "first_line_on")
    for column in days:
        frame[column] = pd.to_datetime(frame[column])
    frame["sold_size"] = frame["sold_size"].astype(float)
    text = [c for c in frame.columns if c not in (*days, "amount", "sold_size")]
    return frame.astype({c: str for c in text})

"""Sales of new accounts booked by someone other than the rep who won them, counted in DuckDB, for the plan's
`incentives.account_winner` rule (`model/credit.py` moves their credit to the winner).

An account's winner is the rep on its first sale, over the whole file: its first line with an amount above 0
(the earliest date, then rep, then team, by trimmed names, blanks last: found by the machinery the new-logo
bonus in `deals.deal_facts` uses, so that both name the same line). A return or a zero line wins no account;
an account with returns only has no winner, and its lines before the win stay their booker's. Only the small
grouped result comes to pandas; storage only, the crediting rule itself lives in the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from salesplan_widgets.i18n import _
from salesplan_widgets.schema import Calendar, Source
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.cube import (
    CUBE_DIMENSIONS,
    MEASURES,
    _empty_cube,
    _require_column,
    cube_sql,
    period_freq,
)
from salesplan_widgets.workbook.deals import first_line_parts, ordered_lines_sql, ranked_sellers
from salesplan_widgets.workbook.sources import ALL, UNKNOWN, ident, literal, normalised_sql, run_on_source

WON = ("won_by", "won_team")


def winners_sql(lines: str, sellers: tuple[str, bool] | None = None) -> str:
    """Each account's winner: `f`, the date, rep and team of its first sale among `lines` (its first line
    with an amount above 0: the earliest date, then rep, then team, blanks last). Accounts with no sale
    (returns only) have no row.

    The first line is found as `deals.deal_facts` finds the new logo's, by the integer `line_order` of
    `deals.ordered_lines_sql` over the sellers ranked once (`sellers`, from `deals.ranked_sellers`, joined on
    the rep alone when each rep sells for one team; else ranked here): one definition of a first line, so
    an account's winner and its new logo are the same line by construction. The rank is turned back into
    the rep and team on the small result."""
    seller, day = first_line_parts("w.first")
    return (
        f"WITH {', '.join(ordered_lines_sql(lines, *(sellers or ())))}, "
        f"firsts AS (SELECT account, min(line_order) AS first FROM ordered WHERE {ident('amount')} > 0 "
        "GROUP BY account) "
        f"SELECT w.account, struct_pack(d := {day}, r := s.rep, t := s.team) AS f "
        f"FROM firsts AS w JOIN seller_names AS s ON s.seller = {seller}"
    )


def credited_to_winner_sql(
    line: str, on: str, months: int, skip_accounts: Sequence[str] = (), skip_deals: Sequence[str] = ()
) -> str:
    """SQL: the line `line` (an alias with rep and account [, deal]), dated `on`, is credited to its account's
    winner `w.f` (from `winners_sql`, joined as `w`): dated on or after the account's first sale and less than
    `months` after it (a return booked before the win stays its booker's), booked by someone else, and on no
    account or deal an explicit split names (`skip_accounts`, `skip_deals`: their split says who is credited).
    One rule for the sales, their returns and their cash."""
    window = f"{on} >= w.f.d AND {on} < w.f.d + INTERVAL {int(months)} MONTH"
    won = [f"w.f.r IS NOT NULL AND {window} AND {line}.rep <> w.f.r"]
    if skip_accounts:
        won.append(f"{line}.account NOT IN ({', '.join(literal(a) for a in skip_accounts)})")
    if skip_deals:
        won.append(f"{line}.{ident('deal')} NOT IN ({', '.join(literal(d) for d in skip_deals)})")
    return " AND ".join(won)


def won_account_sales(
    source: Source,
    base_dir: Path,
    calendar: Calendar,
    months: int,
    by_product: bool = False,
    skip_accounts: Sequence[str] = (),
    skip_deals: Sequence[str] = (),
) -> pd.DataFrame:
    """The cube's rows (booking rep, team … as booked) of the lines dated from their account's first sale
    to less than `months` after it and booked by a rep other than its winner, with `won_by` and `won_team` (the
    winner and the team on that first sale).

    Accounts and deals an explicit credit split names (`skip_accounts`, `skip_deals`) are left out: their
    split says who is credited. Lines without an account have no winner.
    """
    _require_column(
        source, "account", _("a column mapped to account, to credit new accounts to their winner")
    )
    dimensions = [*CUBE_DIMENSIONS, *(["product"] if by_product else [])]
    mapped = [d for d in dimensions if d in source.columns]
    constants = [d for d in dimensions if d not in source.columns]
    has_quantity = "quantity" in source.columns
    costs = ["cost"] if "cost" in source.columns else []
    has_deal = bool(skip_deals) and "deal" in source.columns
    columns = ("date", "amount", *(["quantity"] if has_quantity else []), *costs, *mapped, "account")
    columns = (*columns, *(("team",) if "team" not in mapped else ()), *(("deal",) if has_deal else ()))
    date = ident("date")

    def query(con, scan):
        lines = (
            f"SELECT * FROM ({normalised_sql(scan, source, columns)}) AS s WHERE {date} IS NOT NULL "
            f"AND account <> {literal(UNKNOWN)}"
        )
        won = credited_to_winner_sql("l", f"l.{date}", months, skip_accounts, skip_deals if has_deal else ())
        winners = winners_sql(lines, ranked_sellers(con, lines))
        taken = (
            f"SELECT l.*, w.f.r AS won_by, w.f.t AS won_team FROM ({lines}) AS l JOIN ({winners}) "
            f"AS w USING (account) WHERE {won}"
        )
        return con.sql(
            cube_sql(taken, calendar.grain, [*mapped, *WON], constants, has_quantity, sums=costs)
        ).df()

    raw = run_on_source(source, Path(base_dir), query)
    freq = period_freq(calendar)
    if raw.empty:
        return _empty_cube([*dimensions, *WON], freq)
    frame = pd.DataFrame({"period": pd.PeriodIndex(pd.to_datetime(raw["period_start"]), freq=freq)})
    for d in [*dimensions, *WON]:
        frame[d] = raw[d].astype(str).to_numpy()
    if "team" not in source.columns:
        frame["won_team"] = ALL
    for m in [*MEASURES, *costs]:
        frame[m] = raw[m].astype(float if m != "lines" else "int64").fillna(0).to_numpy()
    # months counted in SQL gather into their fiscal quarter at quarter grain
    return frame.groupby(["period", *dimensions, *WON], sort=True, as_index=False)[[*MEASURES, *costs]].sum()


def cached_won_sales(
    workbook,
    section: IncentivesSection,
    by_product: bool,
    skip_accounts: Sequence[str] = (),
    skip_deals: Sequence[str] = (),
    counted: pd.DataFrame | None = None,
) -> pd.DataFrame | None:
    """`won_account_sales` for the plan's `account_winner` (None when it is off), counted once per data and
    kept in the workbook's cache. `counted`: rows counted elsewhere to keep instead (a scoped extract's, from
    the whole workbook: counted on the scope's own lines, a rep would look like the winner of an account
    another rep opened)."""
    rule = section.account_winner
    if rule is None or rule.months == 0:
        return None

    def count() -> pd.DataFrame:
        if counted is not None:
            return counted
        with workbook._conversions():
            return won_account_sales(
                workbook.source("sales"), workbook.path, workbook.plan.calendar, rule.months, by_product,
                skip_accounts, skip_deals,
            )  # fmt: skip

    asked = [rule.months, by_product, sorted(skip_accounts), sorted(skip_deals)]
    return workbook.cached("won", count, asked)

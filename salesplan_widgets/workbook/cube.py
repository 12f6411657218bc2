"""The sales cube: transactions aggregated inside DuckDB into period × rep × team × territory × segment ×
channel (× product), plus per-account summaries for the overview's top-accounts table and the accounts
each rep won per period.

The aggregation is one plain SQL query (GROUP BY, date_trunc, SUM, COUNT) built by `cube_sql` over a
relation of canonical columns, so the same text can run through Ibis on another engine later; with
`build_cube(validate=True)` the source's checks are counted in that same scan, so a 10M-row file is read
once, not once to validate and once to aggregate. Only the small result comes to pandas. This module must never load raw transactions into pandas, and writes
nothing except through `write_cube` (which the Workbook calls atomically).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.model.calendar import RETAIL_PATTERNS, FiscalCalendar
from salesplan_widgets.schema import Calendar, Source
from salesplan_widgets.workbook.sources import (
    ALL,
    UNKNOWN,
    Check,
    Scan,
    check_columns_sql,
    checks_for,
    ident,
    literal,
    located_problems,
    normalised_sql,
    raw_text_sql,
    run_on_source,
    structure_problems,
)

CUBE_DIMENSIONS: tuple[str, ...] = ("rep", "team", "territory", "segment", "channel")
MEASURES: tuple[str, ...] = ("actual", "quantity", "lines")
_FREQ_KEY = b"salesplan.period_freq"


def period_freq(calendar: Calendar) -> str:
    """The pandas Period frequency of the plan's grain (the calendar's: M, W-SUN, W-SAT or Q-<month>)."""
    return FiscalCalendar.of(calendar).freq


def period_start_sql(grain: str, column: str) -> str:
    """SQL for the first day of the bucket a date is counted in: the month, the ISO week (from Monday), or the
    retail week (from Sunday). Quarters are counted by month here and gathered into fiscal quarters in
    pandas, since a fiscal quarter need not start in January, April, July or October."""
    if grain in RETAIL_PATTERNS:  # DuckDB's weeks start on Monday: shift a day to start them on Sunday
        return f"(date_trunc('week', {column} + INTERVAL 1 DAY) - INTERVAL 1 DAY)"
    return f"date_trunc('{'week' if grain == 'week' else 'month'}', {column})"


def cube_sql(
    relation: str,
    grain: str,
    group_by: Sequence[str],
    constants: Sequence[str] = (),
    quantity: bool = True,
    checks: Sequence[str] = (),
    sums: Sequence[str] = (),
    by_currency: bool = False,
) -> str:
    """The cube query over `relation` (columns date, amount, [quantity] and the `group_by` dimensions).

    Portable SQL: plain GROUP BY with date_trunc, SUM and COUNT. `constants` are dimensions the plan does
    not map, returned as 'all'; without `quantity` the quantity column is 0. Each of `checks` (a condition
    over `relation`) adds a column check<i> counting the group's rows where it holds; rows without a date
    are then kept (in a group whose period_start is NULL), so a check can count them.

    `by_currency` (the relation also has __cell, each line's currency cell as read): the same lines are
    grouped a second way, by day × currency cell (GROUPING SETS: one scan), for the overview's table by
    currency; those rows have `currency_row` = 1, their `day` and `currency_cell`; their check counts repeat
    the cube rows' and are not read. The cell is grouped as read: its code and rate are found per group
    (`_by_currency`), not on each line.
    """
    period = period_start_sql(grain, ident("date"))
    dims = [ident(d) for d in group_by]
    select = [f"CAST({period} AS DATE) AS period_start", *dims]
    select += [f"{literal(ALL)} AS {ident(d)}" for d in constants]
    select += [
        f"SUM(CAST({ident('amount')} AS DOUBLE)) AS actual",
        f"SUM(CAST({ident('quantity')} AS DOUBLE)) AS quantity"
        if quantity
        else "CAST(0 AS DOUBLE) AS quantity",
        "COUNT(*) AS lines",
    ]
    select += [f"SUM(CAST({ident(c)} AS DOUBLE)) AS {ident(c)}" for c in sums]  # further measures (cost)
    select += [f"COUNT(*) FILTER (WHERE {bad}) AS check{i}" for i, bad in enumerate(checks)]
    where = "" if checks else f" WHERE {ident('date')} IS NOT NULL"
    group = ", ".join([period, *dims])
    if not by_currency:
        return f"SELECT {', '.join(select)} FROM ({relation}) AS sales{where} GROUP BY {group}"
    day = f"CAST({ident('date')} AS DATE)"
    select += [
        f"{day} AS day",
        "__cell AS currency_cell",
        f"1 - GROUPING({day}) AS currency_row",  # GROUPING: 1 where day is not grouped (the cube's set)
    ]
    sets = f"GROUPING SETS (({group}), ({day}, __cell))"
    return f"SELECT {', '.join(select)} FROM ({relation}) AS sales{where} GROUP BY {sets}"


def _empty_cube(dimensions: Sequence[str], freq: str) -> pd.DataFrame:
    frame = pd.DataFrame({d: pd.Series([], dtype=str) for d in dimensions})
    frame.insert(0, "period", pd.PeriodIndex([], freq=freq))
    return frame.assign(
        actual=pd.Series([], dtype=float),
        quantity=pd.Series([], dtype=float),
        lines=pd.Series([], dtype="int64"),
    )


def _checked_cube_sql(
    scan: Scan,
    source: Source,
    calendar: Calendar,
    measures: Sequence[str],
    mapped: Sequence[str],
    constants: Sequence[str],
    has_quantity: bool,
    checks: Sequence[Check],
    currency_columns: Sequence[str] = (),
) -> str:
    """The cube query with `validate_source`'s checks counted in the same scan.

    A check that reads only a dimension's own value (a required rep left blank) is decided once per
    group, on the grouped value, rather than on every row: the trimming is then done ~10k times, not 10M.
    `currency_columns` (each line's currency cell as __cell): the day × currency totals too (`cube_sql`).
    """
    by_value = [c for c in checks if c.per_value and c.column in mapped]
    by_row = [c for c in checks if c not in by_value]
    extra = [*check_columns_sql(scan, source, by_row), *currency_columns]
    relation = normalised_sql(scan, source, tuple(measures), clean_dimensions=False, extra=extra)
    grouped = cube_sql(
        relation,
        calendar.grain,
        mapped,
        constants,
        has_quantity,
        [c.bad for c in by_row],
        by_currency=bool(currency_columns),
    )
    if not by_value:
        return grouped
    # the group's value as text, trimmed, NULL when blank: the raw_<c> a row of this group would have
    raw = [f"{raw_text_sql(ident(c), 'VARCHAR')} AS raw_{c}" for c in sorted({c.column for c in by_value})]
    flags = [f"({c.bad}) AS value_check{i}" for i, c in enumerate(by_value)]
    return f"SELECT *, {', '.join(flags)} FROM (SELECT *, {', '.join(raw)} FROM ({grouped}) AS g) AS r"


def _bad_rows(raw: pd.DataFrame) -> int:
    """Rows the checks counted in a checked cube query: per-row counts plus lines of flagged groups."""
    bad = sum(int(raw[c].sum()) for c in raw.columns if c.startswith("check"))
    for flag in (c for c in raw.columns if c.startswith("value_check")):
        bad += int(raw.loc[raw[flag].fillna(False).astype(bool), "lines"].sum())
    return bad


def build_cube(
    source: Source, base_dir: Path, calendar: Calendar, by_product: bool = False, validate: bool = False
) -> pd.DataFrame:
    """The cube of a sales source: one row per period × dimensions, with actual, quantity, lines.

    DuckDB groups the raw values; the small result is then tidied in pandas (values trimmed, blanks named
    'unknown', rows that became equal merged), which keeps the scan as fast as a bare query.

    With `validate`, the source is checked as `validate_source(source, base_dir, calendar)` does, in the
    same scan as the aggregation (one pass over a 10M-row file, not two), and an InputError with exactly
    the problems `validate_source` would report is raised when there are any (for a header below title
    rows, only the `header_row` to set: validate_source also checks the rows as if it were set). Only a
    bad file is read a second time, to locate its bad rows.
    """
    return _build(source, base_dir, calendar, by_product, validate, by_currency=False)[0]


def build_checked_cube(
    source: Source, base_dir: Path, calendar: Calendar, by_product: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """`build_cube(validate=True)`, and from the same scan, when the source converts currencies, the sales
    per day and currency sold (`currencies.daily_by_currency`'s table), else None: after new data the
    overview's table by currency then costs no second scan of the sales."""
    return _build(source, base_dir, calendar, by_product, validate=True, by_currency=True)


def _build(
    source: Source, base_dir: Path, calendar: Calendar, by_product: bool, validate: bool, by_currency: bool
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    from salesplan_widgets.workbook.sources import conversion_of

    dimensions = [*CUBE_DIMENSIONS, *(["product"] if by_product else [])]
    mapped = [d for d in dimensions if d in source.columns]
    constants = [d for d in dimensions if d not in source.columns]
    has_quantity = "quantity" in source.columns
    measures = ["date", "amount", *(["quantity"] if has_quantity else []), *mapped]
    freq = period_freq(calendar)
    counted: list[pd.DataFrame] = []  # the day × currency totals, when the scan counted them

    def aggregate(con, scan):
        if not validate:
            relation = normalised_sql(scan, source, tuple(measures), clean_dimensions=False)
            return con.sql(cube_sql(relation, calendar.grain, mapped, constants, has_quantity)).df()
        if structure_problems(scan, source, "sales"):  # every problem at once, the rows' as well
            raise InputError(located_problems(con, scan, source, calendar, "sales"))
        checks = checks_for(source, calendar, "sales")
        fx = conversion_of(scan, source) if by_currency else None
        cell = _currency_cell(scan, source) if fx is not None else None
        currency = () if fx is None else (f"{'NULL' if cell is None else cell[0]} AS __cell",)
        raw = con.sql(
            _checked_cube_sql(
                scan, source, calendar, measures, mapped, constants, has_quantity, checks, currency
            )
        ).df()
        cube_rows = raw if not currency else raw[raw["currency_row"] == 0]
        if cube_rows.empty or _bad_rows(cube_rows):
            problems = located_problems(con, scan, source, calendar, "sales")
            if problems:
                raise InputError(problems)
        if currency:  # lines without a date have no day
            counted.append(_by_currency(con, fx, cell, raw[(raw["currency_row"] == 1) & raw["day"].notna()]))
        return cube_rows[cube_rows["period_start"].notna()]

    raw = run_on_source(source, Path(base_dir), aggregate).reset_index(drop=True)
    daily = counted[-1] if counted else None
    if raw.empty:
        return _empty_cube(dimensions, freq), daily
    cube = pd.DataFrame({"period": pd.PeriodIndex(pd.to_datetime(raw["period_start"]), freq=freq)})
    for d in dimensions:
        values = raw[d].astype(str).where(raw[d].notna(), "").str.strip()
        cube[d] = values.where(values != "", UNKNOWN).astype(str)
    cube["actual"] = raw["actual"].astype(float).fillna(0.0).to_numpy()
    cube["quantity"] = raw["quantity"].astype(float).fillna(0.0).to_numpy()
    cube["lines"] = raw["lines"].astype("int64").to_numpy()
    cube = cube.groupby(["period", *dimensions], sort=True, as_index=False)[list(MEASURES)].sum()
    return cube.astype({"actual": float, "quantity": float, "lines": "int64"}), daily


def _currency_cell(scan: Scan, source: Source) -> tuple[str, str] | None:
    """The mapped currency column as the scan reads it (SQL, type), None when the file has one currency."""
    user = source.columns.get("currency")
    return scan.sql_column(user) if user is not None and user in scan.header else None


def _by_currency(con, fx, cell: tuple[str, str] | None, by_cell: pd.DataFrame) -> pd.DataFrame:
    """The day × currency totals from the cube scan's day × currency-cell rows: each cell's code and its
    day's rate found once per group by the same SQL that converts the lines (`currencies.Conversion`), the
    amount sold in the currency being what the group came to over that rate; cells naming one code merged."""
    from salesplan_widgets.workbook.currencies import daily_by_currency_frame

    if by_cell.empty:
        return daily_by_currency_frame(None)
    groups = by_cell[["day", "currency_cell", "actual", "lines"]]
    fx = replace(fx, column=None if cell is None else raw_text_sql("currency_cell", cell[1]))
    con.register("__by_cell", groups)
    try:
        rated = con.sql(
            f"SELECT day, {fx.currency_sql()} AS currency, actual / {fx.rate_sql('day')} AS sold, "
            "actual AS converted, lines FROM __by_cell"
        ).df()
    finally:
        con.unregister("__by_cell")
    summed = rated.groupby(["day", "currency"], as_index=False)[["sold", "converted", "lines"]].sum()
    return daily_by_currency_frame(summed)


def write_cube(df: pd.DataFrame, path: Path) -> None:
    """Write a cube as Parquet: periods stored as their first day, the frequency kept in the file's metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    periods = pd.PeriodIndex(df["period"])
    frame = df.assign(period=periods.start_time.date if len(df) else pd.Series([], dtype="datetime64[s]"))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), _FREQ_KEY: periods.freqstr.encode()}
    )
    pq.write_table(table, path)


def read_cube(path: Path) -> pd.DataFrame:
    """A cube written by `write_cube`, with its period column as pandas Periods again."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    freq = (table.schema.metadata or {}).get(_FREQ_KEY, b"M").decode()
    frame = table.to_pandas()
    frame["period"] = pd.PeriodIndex(pd.to_datetime(frame["period"]), freq=freq)
    return frame


# -- accounts ----------------------------------------------------------------------------------------------
def _require_column(source: Source, column: str, expected: str) -> None:
    """Refuse a computation that needs `column` when the source does not map it, saying how to map it."""
    if column not in source.columns:
        raise InputError(
            Problem(
                file=source.path,
                column=column,
                expected=expected,
                fix=_("add {column}: <your column name> under the source's columns in plan.yaml").format(
                    column=column
                ),
            )
        )


def _require_account(source: Source) -> None:
    _require_column(source, "account", _("a column mapped to account"))


def _date_filter(start: dt.date | None, end: dt.date | None) -> str:
    conds = [f"{ident('date')} IS NOT NULL"]
    if start is not None:
        conds.append(f"{ident('date')} >= DATE {literal(start.isoformat())}")
    if end is not None:
        conds.append(f"{ident('date')} <= DATE {literal(end.isoformat())}")
    return " AND ".join(conds)


def top_accounts(
    source: Source, base_dir: Path, n: int = 10, start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    """The `n` accounts with the highest sales between `start` and `end` (inclusive): account, actual, lines.
    Lines with no account (a till sale, a guest order) are no account: they are left out, not one more."""
    _require_account(source)

    def query(con, scan):
        relation = normalised_sql(scan, source, ("date", "amount", "account"))
        return con.sql(
            f"SELECT account, SUM(amount) AS actual, COUNT(*) AS lines FROM ({relation}) AS sales "
            f"WHERE {_date_filter(start, end)} AND account <> {literal(UNKNOWN)} "
            f"GROUP BY account ORDER BY actual DESC, account LIMIT {int(n)}"
        ).df()

    frame = run_on_source(source, Path(base_dir), query)
    return frame.astype({"account": str, "actual": float, "lines": "int64"}).reset_index(drop=True)


def account_summary(
    source: Source,
    base_dir: Path,
    calendar: Calendar,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """One row per account: its usual rep and segment (most lines; ties to the first name), actual, lines,
    first and last sale date. The window defaults to the plan's calendar.
    """
    _require_account(source)
    start = start or calendar.start
    end = end or calendar.end

    def usual(dim: str) -> str:
        # the value on most of the account's lines, ties broken alphabetically so reruns agree
        return (
            f"SELECT account, {dim} FROM (SELECT account, {dim}, ROW_NUMBER() OVER (PARTITION BY account "
            f"ORDER BY COUNT(*) DESC, {dim}) AS rank FROM filtered GROUP BY account, {dim}) AS ranked "
            f"WHERE rank = 1"
        )

    def query(con, scan):
        relation = normalised_sql(scan, source, ("date", "amount", "account", "rep", "segment"))
        return con.sql(
            f"WITH filtered AS (SELECT * FROM ({relation}) AS sales WHERE {_date_filter(start, end)}), "
            f"totals AS (SELECT account, SUM(amount) AS actual, COUNT(*) AS lines, MIN({ident('date')}) AS "
            f"first_date, MAX({ident('date')}) AS last_date FROM filtered GROUP BY account), "
            f"reps AS ({usual('rep')}), segments AS ({usual('segment')}) "
            f"SELECT totals.account, reps.rep, segments.segment, actual, lines, first_date, last_date "
            f"FROM totals JOIN reps USING (account) JOIN segments USING (account) "
            f"ORDER BY actual DESC, totals.account"
        ).df()

    frame = run_on_source(source, Path(base_dir), query)
    frame = frame.astype({"account": str, "rep": str, "segment": str, "actual": float, "lines": "int64"})
    for col in ("first_date", "last_date"):
        frame[col] = pd.to_datetime(frame[col])
    return frame.reset_index(drop=True)


def new_accounts(source: Source, base_dir: Path, calendar: Calendar) -> pd.DataFrame:
    """Per period and rep, the accounts won: those whose first sale (their first line above 0, over the
    whole file, not the plan's window) falls in the period, credited to the rep on that sale.

    A return or a zero line wins no account, as for the new-logo bonus (`deals.deal_facts`): an account
    with returns only is nobody's, and one whose return came first is won when it first buys. Lines
    without an account are left out; reps
    on the same first day are tied alphabetically so reruns agree. Counted in DuckDB; only the small
    result (period, rep, new_accounts) comes to pandas.
    """
    _require_account(source)
    date = ident("date")

    def query(con, scan):
        relation = normalised_sql(scan, source, ("date", "amount", "account", "rep"))
        return con.sql(
            f"WITH firsts AS (SELECT account, rep, {date} AS first_date, ROW_NUMBER() OVER (PARTITION BY "
            f"account ORDER BY {date}, rep) AS pick FROM ({relation}) AS sales WHERE {date} IS NOT NULL "
            f"AND account <> {literal(UNKNOWN)} AND {ident('amount')} > 0) "
            f"SELECT CAST({period_start_sql(calendar.grain, 'first_date')} AS DATE) AS period_start, rep, "
            f"COUNT(*) AS new_accounts FROM firsts WHERE pick = 1 GROUP BY period_start, rep "
            f"ORDER BY period_start, rep"
        ).df()

    raw = run_on_source(source, Path(base_dir), query)
    freq = period_freq(calendar)
    frame = pd.DataFrame(
        {
            "period": pd.PeriodIndex(pd.to_datetime(raw["period_start"]), freq=freq),
            "rep": raw["rep"].astype(str).to_numpy(),
            "new_accounts": raw["new_accounts"].astype("int64").to_numpy(),
        }
    )
    # months counted in SQL gather into their fiscal quarter at quarter grain
    return frame.groupby(["period", "rep"], sort=True, as_index=False)["new_accounts"].sum()


ACCOUNT_COLUMNS = ("account", "rep", "team", "territory", "segment", "potential")


def account_master(source: Source, base_dir: Path) -> pd.DataFrame:
    """The account master in canonical columns (account, rep, team, territory, segment, potential).

    Small by nature (one row per customer), so it comes to pandas whole; unmapped text columns hold
    'all' and an unmapped potential is missing (NaN), not zero, so callers can tell "unknown" from "none".
    """
    _require_account(source)

    def query(con, scan):
        return con.sql(normalised_sql(scan, source, ACCOUNT_COLUMNS) + " ORDER BY account").df()

    frame = run_on_source(source, Path(base_dir), query)
    if "potential" not in source.columns:
        frame["potential"] = float("nan")
    return frame.astype({c: str for c in ACCOUNT_COLUMNS[:-1]} | {"potential": float}).reset_index(drop=True)


# -- transaction-level views (issue 12): what monthly totals cannot say -------------------------------------
def credit_slices(
    source: Source,
    base_dir: Path,
    calendar: Calendar,
    accounts: Sequence[str] = (),
    deals: Sequence[str] = (),
    by_product: bool = False,
) -> pd.DataFrame:
    """The sales of the named accounts and deals, kept apart: the cube's rows with `account` and `deal`
    columns, only for lines whose account or deal a credit split names (the rest say 'all').

    Grouped in DuckDB, so a split per account or per deal costs one scan, not a cube by account.
    """
    dimensions = [*CUBE_DIMENSIONS, *(["product"] if by_product else [])]
    for column, names in (("account", accounts), ("deal", deals)):
        if names and column not in source.columns:
            raise InputError(
                Problem(
                    file=source.path,
                    column=column,
                    expected=_("a column mapped to {column}").format(column=column),
                    fix=_("add {column}: <your column name> under the source's columns in plan.yaml").format(
                        column=column
                    ),
                )
            )
    named = {"account": list(accounts), "deal": list(deals)}
    mapped = [d for d in dimensions if d in source.columns]
    constants = [d for d in dimensions if d not in source.columns]
    keys = [c for c in ("account", "deal") if named[c]]
    costs = ["cost"] if "cost" in source.columns else []
    measures = [
        "date",
        "amount",
        *(["quantity"] if "quantity" in source.columns else []),
        *costs,
        *mapped,
        *keys,
    ]

    def listed(column: str) -> str:
        return ", ".join(literal(v) for v in named[column])

    def kept(column: str) -> str:  # the named value, or 'all' for the rest of the slice's lines
        if not named[column]:
            return f"{literal(ALL)} AS {column}"
        return f"CASE WHEN {ident(column)} IN ({listed(column)}) THEN {ident(column)} ELSE {literal(ALL)} END AS {column}"

    def query(con, scan):
        relation = normalised_sql(scan, source, tuple(measures))
        where = " OR ".join(f"{ident(c)} IN ({listed(c)})" for c in keys)
        lines = (
            f"SELECT * EXCLUDE ({', '.join(ident(c) for c in keys)}), {kept('account')}, {kept('deal')} "
            f"FROM ({relation}) AS s WHERE {where}"
        )
        grouped = cube_sql(
            lines,
            calendar.grain,
            [*mapped, "account", "deal"],
            constants,
            "quantity" in source.columns,
            sums=costs,
        )
        return con.sql(grouped).df()

    raw = run_on_source(source, Path(base_dir), query)
    freq = period_freq(calendar)
    if raw.empty:
        return _empty_cube([*dimensions, "account", "deal"], freq)
    frame = pd.DataFrame({"period": pd.PeriodIndex(pd.to_datetime(raw["period_start"]), freq=freq)})
    for d in [*dimensions, "account", "deal"]:
        values = raw[d].astype(str).where(raw[d].notna(), "").str.strip()
        frame[d] = values.where(values != "", UNKNOWN).astype(str)
    for m in [*MEASURES, *costs]:
        frame[m] = raw[m].astype(float if m != "lines" else "int64").fillna(0).to_numpy()
    return frame.groupby(["period", *dimensions, "account", "deal"], sort=True, as_index=False)[
        [*MEASURES, *costs]
    ].sum()


def cost_cube(source: Source, base_dir: Path, calendar: Calendar, by_product: bool = False) -> pd.DataFrame:
    """The cube's keys with the cost of the goods sold (`cost`), for commission on gross margin.

    The same grouping as `build_cube`, so the result merges onto the cube row for row.
    """
    _require_column(source, "cost", _("a column mapped to cost, for commission on gross margin"))
    dimensions = [*CUBE_DIMENSIONS, *(["product"] if by_product else [])]
    mapped = [d for d in dimensions if d in source.columns]
    constants = [d for d in dimensions if d not in source.columns]

    def query(con, scan):
        relation = normalised_sql(scan, source, ("date", "amount", "cost", *mapped), clean_dimensions=False)
        return con.sql(cube_sql(relation, calendar.grain, mapped, constants, False, sums=["cost"])).df()

    raw = run_on_source(source, Path(base_dir), query)
    freq = period_freq(calendar)
    frame = pd.DataFrame({"period": pd.PeriodIndex(pd.to_datetime(raw["period_start"]), freq=freq)})
    for d in dimensions:
        values = raw[d].astype(str).where(raw[d].notna(), "").str.strip()
        frame[d] = values.where(values != "", UNKNOWN).astype(str)
    frame["cost"] = raw["cost"].astype(float).fillna(0.0).to_numpy()
    return frame.groupby(["period", *dimensions], sort=True, as_index=False)["cost"].sum()

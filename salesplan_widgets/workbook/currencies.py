"""Sales in several currencies, converted into the plan's currency at the plan's rates, in SQL, at the line.

A source's amounts are in its own `currency` (a Hong Kong arm's whole file in HKD), else the plan's; a
`currency` column names each line's own (blank: the source's). A line in another currency than the plan's is
converted at its month's rate from the plan's rates file (`sources.exchange_rates`), else at the plan's fixed
rate (`exchange_rates:`): one unit of the currency in the plan's currency. A line whose currency has no rate is
never counted at 1:1: its converted amount is NULL, and validation names the currency, months and rows.

`sources.normalised_sql` asks this module for the rate of each line (`Conversion.rate_sql`) and multiplies
every money column by it, so sales, per-deal rules, cash collected and margin all agree. This module reads
only the small rates file (into a dict, cached by the file's state); it never loads sales lines into pandas.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from babel.numbers import list_currencies

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _, currency_marks
from salesplan_widgets.schema import RatesSource, Source

MAX_SHOWN = 5  # bad rows named per problem of a rates file
MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%Y.%m", "%Y年%m月", "%Y%m")
# what is left of a figure once its digits, separators, sign and unit are dropped: its currency mark
_NOT_MARK = "[0-9.,()+\\-\\s'万亿０-９．，（）－＋’＇\u2212\u00a0\u202f\u2009\u3000]"


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _month_number(year: int, month: int) -> int:
    return year * 12 + month - 1


@dataclass(frozen=True)
class Conversion:
    """How a source's lines are converted: their currency (a column or one for the file) and the rates."""

    plan: str  # the plan's currency
    default: str  # a line's currency when its currency cell is blank, or when there is no currency column
    column: str | None  # SQL: the per-line currency cell as trimmed text, or None
    fixed: dict[str, float] = field(default_factory=dict)
    # currency -> (first month number, rates by month from it; None where the file has no rate)
    monthly: dict[str, tuple[int, tuple[float | None, ...]]] = field(default_factory=dict)
    rates_readable: bool = True  # False: the rates file has problems (reported on their own), read none

    @property
    def currencies(self) -> tuple[str, ...]:
        """Every currency a line may be counted in: the plan's, the file's and those with a rate."""
        return tuple(dict.fromkeys((self.plan, self.default, *self.fixed, *self.monthly)))

    def currency_sql(self) -> str:
        """SQL: the line's currency code."""
        if self.column is None:
            return _literal(self.default)
        return f"COALESCE(upper({self.column}), {_literal(self.default)})"

    def _rate_of(self, currency: str, month: str | None) -> str:
        """SQL: one unit of `currency` in the plan's currency, for the line's month number `month`."""
        if currency == self.plan:
            return "CAST(1 AS DOUBLE)"
        fixed = self.fixed.get(currency)
        fallback = "CAST(NULL AS DOUBLE)" if fixed is None else f"CAST({fixed!r} AS DOUBLE)"
        if currency not in self.monthly or month is None:
            return fallback
        first, rates = self.monthly[currency]
        values = ", ".join("NULL" if r is None else repr(r) for r in rates)
        # a list indexed by the month's offset: no join, so the line keeps its place and row number
        index = f"greatest({month} - {first} + 1, 0)"
        return f"COALESCE(list_extract(CAST([{values}] AS DOUBLE[]), {index}), {fallback})"

    def rate_sql(self, date: str | None) -> str:
        """SQL: the line's rate into the plan's currency (NULL: no rate), from its `date` expression."""
        month = f"(year({date}) * 12 + month({date}) - 1)" if date and self.monthly else None
        if self.column is None:
            return self._rate_of(self.default, month)
        branches = " ".join(f"WHEN {_literal(c)} THEN {self._rate_of(c, month)}" for c in self.currencies)
        return f"(CASE {self.currency_sql()} {branches} END)"

    def marks(self) -> tuple[str, ...]:
        """Every mark a figure of this source may carry: those of each currency a line may be in."""
        marks = {m for c in self.currencies for m in currency_marks(c)} if self.column else set()
        marks |= set(currency_marks(self.default))
        return tuple(sorted(marks, key=lambda mark: (-len(mark), mark)))

    def mark_sql(self, text: str) -> str:
        """SQL: TRUE when the figure in `text` carries no currency mark or its line's currency's; a line of an
        unknown currency is not judged here (its code is the problem). Costs a regex: ask it of the cells that
        are no plain figure (`sources.number_sql`'s guard)."""
        if self.column is None:
            return "TRUE"  # the number reader knows only the file's currency's marks
        mark = f"regexp_replace({text}, {_literal(_NOT_MARK)}, '', 'g')"
        branches = " ".join(
            f"WHEN {_literal(c)} THEN list_contains([{', '.join(_literal(m) for m in ('', *currency_marks(c)))}], "
            f"{mark})"
            for c in self.currencies
        )
        # each branch runs only on its currency's lines
        return f"COALESCE(CASE {self.currency_sql()} {branches} END, TRUE)"


def conversion(source: Source, currency_cell: str | None, base_dir: Path | None, strict: bool = True):
    """The source's `Conversion`, or None when every line is in the plan's currency (nothing to convert).

    `currency_cell` is the SQL of the mapped currency column as trimmed text (None: unmapped). With `strict`, a
    rates file with problems raises them; without, the rates are left out (they are reported on their own)."""
    plan = source.plan_currency
    default = source.amount_currency
    if plan is None or default is None or (default == plan and currency_cell is None):
        return None
    monthly: dict[str, tuple[int, tuple[float | None, ...]]] = {}
    readable = True
    if source.rates_source is not None and base_dir is not None:
        try:
            monthly = monthly_rates(source.rates_source, Path(base_dir), plan)
        except InputError:
            if strict:
                raise
            readable = False
    return Conversion(plan, default, currency_cell, dict(source.exchange_rates), monthly, readable)


def converts(plan) -> bool:
    """True when the plan reads any amount in another currency than its own (a rate, a source's currency,
    or a currency column): then its reports say how the figures were converted."""
    sources = [getattr(plan.sources, name) for name in type(plan.sources).model_fields]
    return bool(
        plan.exchange_rates
        or plan.sources.exchange_rates is not None
        or any(
            s is not None and (s.currency or "currency" in s.columns)
            for s in sources
            if s is not plan.sources.exchange_rates
        )
    )


def conversion_note(plan) -> str:
    """The sentence a report shows under its figures when the plan converts currencies (empty when not):
    they are in the plan's currency, at which rates. In the active language."""
    if not converts(plan):
        return ""
    rates = ", ".join(f"{code} {rate:g}" for code, rate in sorted(plan.exchange_rates.items()))
    monthly = plan.sources.exchange_rates
    if monthly is not None and rates:
        text = _(
            "All figures are in {currency}: sales in other currencies are converted into {currency} at each "
            "month's rate in {file}, else at the plan's rates ({rates})."
        )
    elif monthly is not None:
        text = _(
            "All figures are in {currency}: sales in other currencies are converted into {currency} at each "
            "month's rate in {file}."
        )
    else:
        text = _(
            "All figures are in {currency}: sales in other currencies are converted into {currency} at the "
            "plan's rates ({rates})."
        )
    return text.format(currency=plan.currency, file=monthly.path if monthly else "", rates=rates)


# -- the rates file ----------------------------------------------------------------------------------------
def monthly_rates(
    source: RatesSource, base_dir: Path, plan: str
) -> dict[str, tuple[int, tuple[float | None, ...]]]:
    """The rates file as currency -> (first month number, the rate of each month from it), or an InputError
    with every problem of the file (`rate_problems`)."""
    from salesplan_widgets.workbook.sources import source_file

    path = source_file(source, base_dir)
    stat = path.stat()
    return _monthly_rates(source.model_dump_json(), str(base_dir), plan, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _monthly_rates(source_json: str, base_dir: str, plan: str, size: int, mtime: int):
    problems, rows = _read_rates_once(source_json, base_dir, size, mtime)
    if problems:
        raise InputError(problems)
    by_currency: dict[str, dict[int, float]] = {}
    for month, currency, rate in rows:
        if currency != plan:
            by_currency.setdefault(currency, {})[month] = rate
    out = {}
    for currency, rates in by_currency.items():
        first, last = min(rates), max(rates)
        out[currency] = (first, tuple(rates.get(m) for m in range(first, last + 1)))
    return out


def rates_rows(source: RatesSource, base_dir: Path, plan: str) -> list[tuple[str, str, float]]:
    """The rates file's rates as (month as 2027-01, currency, rate) rows: what a published extract keeps of
    it, so its reports say at which rates its (already converted) sales were converted."""
    rows = []
    for currency, (first, rates) in sorted(monthly_rates(source, base_dir, plan).items()):
        for offset, rate in enumerate(rates):
            if rate is not None:
                month = first + offset
                rows.append((f"{month // 12:04d}-{month % 12 + 1:02d}", currency, rate))
    return rows


def rate_problems(source: RatesSource, base_dir: Path) -> list[Problem]:
    """Every problem of a rates file (empty when clean): mapped columns missing, a month that is not one, an
    unknown currency code, a rate that is not a positive number, two rates for one month and currency."""
    from salesplan_widgets.workbook.sources import source_file

    try:
        stat = source_file(source, Path(base_dir)).stat()
        problems, _rows = _read_rates_once(
            source.model_dump_json(), str(base_dir), stat.st_size, stat.st_mtime_ns
        )
    except InputError as exc:
        return exc.problems
    return list(problems)


@functools.lru_cache(maxsize=16)
def _read_rates_once(source_json: str, base_dir: str, _size: int, _mtime: int):
    """`_read_rates`, once per state of the file (validation and conversion both ask)."""
    return _read_rates(RatesSource.model_validate_json(source_json), Path(base_dir))


def _month_sql(column: str, sql_type: str) -> str:
    from salesplan_widgets.workbook.sources import _is_text, date_sql

    if not _is_text(sql_type):
        return f"date_trunc('month', {date_sql(column, sql_type)})"
    formats = "[" + ", ".join(_literal(f) for f in MONTH_FORMATS) + "]"
    text = f"TRIM({column})"
    return (
        f"date_trunc('month', COALESCE({date_sql(column, sql_type)}, "
        f"TRY_CAST(TRY_STRPTIME({text}, {formats}) AS DATE)))"
    )


def _read_rates(source: RatesSource, base_dir: Path) -> tuple[list[Problem], list[tuple[int, str, float]]]:
    from salesplan_widgets.workbook.sources import (
        number_sql,
        raw_text_sql,
        run_on_source,
        structure_problems,
    )

    def work(con: duckdb.DuckDBPyConnection, scan) -> tuple[list[Problem], list[tuple[int, str, float]]]:
        problems = structure_problems(scan, source, "exchange_rates")
        if problems:
            return problems, []
        month_col = scan.sql_column(source.columns["month"])
        currency_col = scan.sql_column(source.columns["currency"])
        rate_col = scan.sql_column(source.columns["rate"])
        codes = set(list_currencies())
        # a rates file is small (months × currencies): read once, checked row by row here
        rows = con.sql(
            f"SELECT {scan.row_number} AS line, {raw_text_sql(*month_col)}, "
            f"CAST(year({_month_sql(*month_col)}) * 12 + month({_month_sql(*month_col)}) - 1 AS BIGINT), "
            f"{raw_text_sql(*currency_col)}, {raw_text_sql(*rate_col)}, "
            f"{number_sql(*rate_col, decimal=source.decimal)} FROM {scan.relation}"
        ).fetchall()
        checks = (
            (
                "month",
                lambda r: r[2] is None,
                1,
                _("a month such as 2027-01 (or any date in it)"),
                _("write the month as 2027-01, or map the month column under sources.exchange_rates"),
            ),
            (
                "currency",
                lambda r: r[3] is None or r[3].upper() not in codes,
                3,
                _("an ISO 4217 currency code such as USD, HKD or EUR"),
                _("write the currency as its three-letter ISO code"),
            ),
            (
                "rate",
                lambda r: r[5] is None or not math.isfinite(r[5]) or r[5] <= 0,
                4,
                _("a rate above 0: one unit of the currency in the plan's currency, such as 7.10"),
                _("write the month's rate as a positive number"),
            ),
        )
        for canonical, bad, raw, expected, fix in checks:
            found = [r for r in rows if bad(r)]
            for r in found[:MAX_SHOWN]:
                problems.append(
                    Problem(
                        file=source.path,
                        row=int(r[0]),
                        column=source.columns[canonical],
                        expected=expected,
                        found=r[raw] if r[raw] is not None else _("an empty cell"),
                        fix=fix,
                    )
                )
            if len(found) > MAX_SHOWN:
                problems.append(
                    Problem(
                        file=source.path,
                        column=source.columns[canonical],
                        expected=expected,
                        found=_("{n} more rows like these").format(n=len(found) - MAX_SHOWN),
                        fix=fix,
                        count=len(found) - MAX_SHOWN,
                    )
                )
        if problems:
            return problems, []
        seen: dict[tuple[int, str], tuple[int, float]] = {}
        for line, _month_text, month, currency_text, _rate_text, rate in sorted(rows):
            currency = currency_text.upper()
            key = (month, currency)
            if key in seen and seen[key][1] != rate and len(problems) < MAX_SHOWN:
                label = f"{month // 12:04d}-{month % 12 + 1:02d}"
                problems.append(
                    Problem(
                        file=source.path,
                        row=int(line),
                        column=source.columns["rate"],
                        expected=_("one rate for {currency} in {month}").format(
                            currency=currency, month=label
                        ),
                        found=_("another rate for it on row {row}").format(row=seen[key][0]),
                        fix=_("keep one of the two rows"),
                    )
                )
            seen.setdefault(key, (int(line), float(rate)))
        if problems:
            return problems, []
        return [], sorted((month, currency, rate) for (month, currency), (_line, rate) in seen.items())

    return run_on_source(source, base_dir, work)


# -- checks on the lines -----------------------------------------------------------------------------------
@functools.cache
def known_codes_sql() -> str:
    """SQL list of every ISO 4217 code Babel (CLDR) knows."""
    return "[" + ", ".join(_literal(c) for c in sorted(list_currencies())) + "]"


def unknown_code_sql(cell: str, source: Source) -> str:
    """SQL: TRUE when the currency `cell` (trimmed text, NULL when blank) is no ISO 4217 code. The source's
    own currencies are settled first, so most lines never reach the list of every code."""
    own = {c for c in (source.plan_currency, source.amount_currency, *source.exchange_rates) if c}
    listed = ", ".join(_literal(c) for c in sorted(own))
    return (
        f"(CASE WHEN {cell} IS NULL OR upper({cell}) IN ({listed}) THEN FALSE "
        f"ELSE NOT list_contains({known_codes_sql()}, upper({cell})) END)"
    )


def missing_rate_problems(
    con: duckdb.DuckDBPyConnection, located: str, source: Source, file: str, has_date: bool
) -> list[Problem]:
    """Lines whose currency has no rate, one problem per currency: its months, how many lines, the first."""
    months = (
        "list(DISTINCT strftime(val_date, '%Y-%m') ORDER BY strftime(val_date, '%Y-%m'))"
        if has_date
        else "[]"
    )
    rows = con.sql(
        f"SELECT __fx_currency, {months}, count(*), min(__line) FROM ({located}) AS checked "
        "WHERE __fx_missing GROUP BY 1 ORDER BY 4"
    ).fetchall()
    rates_file = source.rates_source.path if source.rates_source is not None else None
    problems = []
    for currency, in_months, n, first in rows:
        shown = ", ".join(m for m in in_months if m)
        fix = (
            _(
                "add {currency}: <rate> under exchange_rates in plan.yaml, or its rates for these months to {file}"
            ).format(currency=currency, file=rates_file)
            if rates_file
            else _(
                "add {currency}: <rate> under exchange_rates in plan.yaml (one {currency} in {plan})"
            ).format(currency=currency, plan=source.plan_currency)
        )
        problems.append(
            Problem(
                file=file,
                row=int(first),
                column=source.columns.get("currency"),
                expected=_("a rate from {currency} into {plan} for {months}").format(
                    currency=currency, plan=source.plan_currency, months=shown or "–"
                ),
                found=_("{n} lines in {currency} with no rate (the first on row {row})").format(
                    n=n, currency=currency, row=first
                ),
                fix=fix,
                count=int(n),
            )
        )
    return problems


# -- what was sold in each currency ------------------------------------------------------------------------
# the workbook's cache entry of the day × currency totals (`Workbook.cached`: name and what was asked)
DAILY_CACHE = ("sales-by-currency", ["day", "currency"])


def sales_by_currency(workbook, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The sales between `start` and `end` (dates, inclusive) by the currency they were sold in: currency,
    sold (in it), converted (in the plan's), lines, largest converted first; empty when the source is all
    in the plan's currency. The rate a currency went at is converted / sold (its month's, or the plan's).

    Read from the day × currency totals kept in the workbook's cache beside the cube (`Workbook.cached`,
    keyed by the data's fingerprint: files, mapping, rates), counted in the cube's own scan
    (`cube.build_checked_cube`); scanned here only when the cube was read from an older cache."""
    name, asked = DAILY_CACHE
    daily = workbook.cached(name, lambda: _daily_by_currency(workbook), asked)
    days = daily["period"]
    inside = daily[(days >= pd.Period(start, "D")) & (days <= pd.Period(end, "D"))]
    frame = (
        inside.groupby("currency", as_index=False)[["sold", "converted", "lines"]]
        .sum()
        .sort_values(["converted", "currency"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    return frame.astype({"currency": str, "sold": float, "converted": float, "lines": "int64"})


def keep_daily_by_currency(workbook, daily: pd.DataFrame) -> None:
    """Keep the day × currency totals the cube's scan counted in the workbook's cache, for `sales_by_currency`."""
    name, asked = DAILY_CACHE
    workbook.cached(name, lambda: daily, asked)


def daily_by_currency_frame(frame: pd.DataFrame | None, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The cached table's shape from query rows (day, currency, sold, converted, lines, and the `by`
    columns): the day as a daily `period` (the cache's key), the others typed; empty when there are none."""
    if frame is None or frame.empty:
        return pd.DataFrame(
            {
                "period": pd.PeriodIndex([], freq="D"),
                **{name: pd.Series([], dtype=str) for name in by},
                "currency": pd.Series([], dtype=str),
                "sold": pd.Series([], dtype=float),
                "converted": pd.Series([], dtype=float),
                "lines": pd.Series([], dtype="int64"),
            }
        )
    frame = frame.sort_values(["day", *by, "currency"], kind="stable").reset_index(drop=True)
    days = pd.PeriodIndex(pd.to_datetime(frame["day"]), freq="D")
    types = {name: str for name in ("currency", *by)}
    frame = frame.astype(types | {"sold": float, "converted": float, "lines": "int64"})
    return frame.assign(period=days)[["period", *by, "currency", "sold", "converted", "lines"]]


def _daily_by_currency(workbook, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """One scan of the sales source: per day (as `period`, the cache's key), `by` dimensions (trimmed,
    blanks 'unknown', as a published extract's lines are) and currency sold, the sold amount, the converted
    amount and the line count; empty when the source converts nothing."""
    from salesplan_widgets.workbook.sources import (
        conversion_of,
        ident,
        line_date_sql,
        normalised_sql,
        run_on_source,
    )

    source = workbook.source()

    def query(con: duckdb.DuckDBPyConnection, scan) -> pd.DataFrame | None:
        fx = conversion_of(scan, source)
        if fx is None:
            return None
        rate = f"{fx.rate_sql(line_date_sql(scan, source))} AS __rate"
        relation = normalised_sql(
            scan, source, ("date", "amount", *by), extra=(f"{fx.currency_sql()} AS __currency", rate)
        )
        dims = "".join(f"{ident(name)}, " for name in by)
        return con.sql(
            f'SELECT CAST("date" AS DATE) AS day, {dims}__currency AS currency, SUM(amount / __rate) AS sold, '
            f'SUM(amount) AS converted, COUNT(*) AS lines FROM ({relation}) AS sales WHERE "date" IS NOT NULL '
            "GROUP BY ALL"
        ).df()

    return daily_by_currency_frame(run_on_source(source, Path(workbook.path), query), by)


def daily_by_currency_of_people(workbook) -> pd.DataFrame | None:
    """The day × currency totals per rep and team, for published extracts to cut each scope's from (one
    scan for every extract); None when the sales are all in the plan's currency."""
    frame = _daily_by_currency(workbook, ("rep", "team"))
    return None if frame.empty else frame

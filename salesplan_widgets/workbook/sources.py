"""Data sources: open a sales file inside DuckDB and check it there, so a 10M-row file never enters pandas.

A source is a CSV (UTF-8, UTF-8 with BOM, GB18030/GBK), an Excel .xlsx, a Parquet file or a table in a
DuckDB database file. `run_on_source` turns any of them into a SQL relation in an in-memory DuckDB
connection; `normalised_sql` maps the user's columns onto the canonical names (date, amount, rep ...)
with text parsed in SQL; `validate_source` runs every check as SQL and reports located problems.

Row numbers in problems are what a person sees when opening the file:
- CSV and Excel: the row number a spreadsheet shows, with the header as row 1 (first data row = row 2);
  in a CSV that is the record number (a quoted line break does not start a new row, and blank lines are
  skipped by the reader and not counted); in Excel the sheet's own row number, blank rows included;
- Parquet and DuckDB tables: the 1-based position of the record (no header row).

This module must never load raw transactions into pandas, never write anything but caches under
`<workbook>/.cache/` (a GB18030 file transcoded to UTF-8, an Excel sheet converted to Parquet), and never
read a file outside the workbook folder.
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.schema import Calendar, Source
from salesplan_widgets.workbook.atomic import atomic_path

CACHE_DIR = ".cache"
MAX_EXAMPLES = 5  # bad rows listed per check; the rest are counted
UNKNOWN = "unknown"  # a mapped dimension left blank in a row
ALL = "all"  # a dimension the plan does not map
# "potential" (an account's estimated yearly value) is checked once the plan schema lets it be mapped
NUMERIC_COLUMNS = ("amount", "quantity", "potential", "cost")
REQUIRED = {
    "sales": ("date", "amount", "rep"),
    "accounts": ("account",),
    "receipts": ("date", "amount", "invoice"),
}
_DATE_FORMATS = ("%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_SAMPLE_BYTES = 1 << 16
_DELIMITERS = (",", ";", "\t", "|")
_CHUNK_BYTES = 1 << 20
_T = TypeVar("_T")


def ident(name: str) -> str:
    """A SQL identifier, quoted so Chinese names, spaces and quotes are safe."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class Scan:
    """A source opened in a DuckDB connection: a relation and how its columns map to the user's names."""

    file: str  # the path as the user wrote it in the plan
    relation: str  # SQL usable after FROM
    header: tuple[str, ...]  # column names as written in the file
    sql_names: tuple[str, ...]  # the same columns' names inside `relation`
    types: tuple[str, ...]  # DuckDB type of each column
    row_number: str  # SQL giving the person-visible row number (see module docstring)

    def sql_column(self, user_name: str) -> tuple[str, str]:
        """(quoted SQL name, DuckDB type) of the file's column `user_name`."""
        i = self.header.index(user_name)
        return ident(self.sql_names[i]), self.types[i]


# -- opening a source --------------------------------------------------------------------------------------
def source_file(source: Source, base_dir: Path) -> Path:
    """The source's file, refused unless it exists and lies inside the workbook folder."""
    base = Path(base_dir).resolve()
    path = (base / source.path).resolve()
    if not path.is_relative_to(base):
        raise InputError(
            Problem(
                file=source.path,
                expected=_("a file inside the workbook folder"),
                fix=_("move the file into the workbook folder and give its relative path"),
            )
        )
    if any(ch in source.path for ch in "*?[]"):
        raise InputError(
            Problem(
                file=source.path,
                expected=_("a file name without * ? [ ]"),
                fix=_("rename the file without wildcard characters"),
            )
        )
    if not path.is_file():
        raise InputError(
            Problem(
                file=source.path,
                expected=_("a data file at this path"),
                found=_("no such file"),
                fix=_("check the source's path in plan.yaml (relative to the workbook folder)"),
            )
        )
    if path.stat().st_size == 0:
        raise InputError(
            Problem(
                file=source.path,
                expected=_("a file with a header row and data rows"),
                found=_("an empty file"),
                fix=_("export the data again"),
            )
        )
    return path


# Set by a read-only workbook: conversions then go to its private folder, never into the workbook.
_conversion_dir: contextvars.ContextVar[Path | None] = contextvars.ContextVar("conversion_dir", default=None)


@contextlib.contextmanager
def conversions_in(folder: Path) -> Iterator[None]:
    """Within this block, Excel and GB18030 conversions are cached in `folder` instead of WORKBOOK/.cache."""
    token = _conversion_dir.set(Path(folder))
    try:
        yield
    finally:
        _conversion_dir.reset(token)


def _cache_file(base_dir: Path, path: Path, kind: str, suffix: str, *extra: str) -> Path:
    """A cache path named after the source and its state, so a changed file is converted again."""
    stat = path.stat()
    who = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    state = hashlib.sha256(f"{stat.st_size}|{stat.st_mtime_ns}|{'|'.join(extra)}".encode()).hexdigest()[:12]
    folder = _conversion_dir.get() or Path(base_dir).resolve() / CACHE_DIR
    return folder / f"{kind}-{who}-{state}{suffix}"


def _replace_stale(cache: Path) -> None:
    """Remove older conversions of the same source (same prefix, other state)."""
    prefix = cache.name.rsplit("-", 1)[0] + "-"
    for stale in cache.parent.glob(prefix + "*"):
        if stale != cache and not stale.name.startswith("."):
            stale.unlink(missing_ok=True)


def sniff_encoding(path: Path) -> str:
    """'utf-8' when the file opens as UTF-8 (a BOM included), else 'gb18030' (Chinese Excel exports)."""
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < _SAMPLE_BYTES)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def transcode_to_utf8(path: Path, source: Source, base_dir: Path, encoding: str = "gb18030") -> Path:
    """A UTF-8 copy of a GB18030/GBK CSV in the workbook's cache, converted in chunks (DuckDB reads UTF-8)."""
    cache = _cache_file(base_dir, path, "csv", ".csv", encoding)
    if cache.exists():
        return cache
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines_before = 0
    with path.open("rb") as src, atomic_path(cache) as tmp, tmp.open("wb") as out:
        while chunk := src.read(_CHUNK_BYTES):
            try:
                out.write(decoder.decode(chunk).encode("utf-8"))
            except UnicodeDecodeError as exc:
                line = lines_before + chunk[: max(exc.start, 0)].count(b"\n") + 1
                raise InputError(
                    Problem(
                        file=source.path,
                        row=line,
                        expected=_("text in the {encoding} encoding").format(encoding=encoding.upper()),
                        found=chunk[exc.start : exc.start + 8].hex(" "),
                        fix=_("save the file as UTF-8 CSV, or set the source's encoding in plan.yaml"),
                    )
                ) from None
            lines_before += chunk.count(b"\n")
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    _replace_stale(cache)
    return cache


def _csv_error(source: Source, exc: duckdb.Error) -> InputError:
    """A DuckDB CSV reader error as a located problem (its 'Line: N' is the file line, header = 1)."""
    text = str(exc)
    line = re.search(r"Line: (\d+)", text)
    first = text.split("\n", 2)
    reason = first[1].strip() if len(first) > 1 and first[1].strip() else first[0]
    return InputError(
        Problem(
            file=source.path,
            row=int(line.group(1)) if line else None,
            expected=_("a well-formed CSV row (same number of columns as the header)"),
            found=reason[:200],
            fix=_("correct this line of the file, or export it again"),
        )
    )


def _csv_header(path: Path) -> tuple[str, tuple[str, ...]]:
    """(delimiter, header names) of a UTF-8 CSV, read by Python's csv module from the file's first line.

    Told here rather than by DuckDB's sniffer, which guesses wrong on small files with a ragged row.
    """
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    text = codecs.getincrementaldecoder("utf-8-sig")(errors="replace").decode(sample, final=False)
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count) if any(d in first_line for d in _DELIMITERS) else ","
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return delimiter, tuple(name.strip() for name in header)


def _open_csv(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, base_dir: Path, encoding: str
) -> Scan:
    if encoding in ("gb18030", "gbk"):
        path = transcode_to_utf8(path, source, base_dir, "gb18030")
    delimiter, header = _csv_header(path)
    sql_names = tuple(f"c{i}" for i in range(len(header)))
    types = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in sql_names) + "}"
    # no sniffing: the dialect and the columns are fixed, so a ragged row is an error with its line number
    relation = (
        f"read_csv({literal(str(path))}, header = true, auto_detect = false, skip = 0, "
        f"delim = {literal(delimiter)}, quote = '\"', escape = '\"', columns = {types})"
    )
    return Scan(
        source.path, relation, header, sql_names, ("VARCHAR",) * len(header), "row_number() OVER () + 1"
    )


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def excel_to_parquet(path: Path, source: Source, base_dir: Path) -> tuple[Path, tuple[str, ...]]:
    """The worksheet as a cached Parquet file of text columns c0..cN plus its sheet row numbers."""
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    cache = _cache_file(base_dir, path, "xlsx", ".parquet", source.sheet or "")
    if cache.exists():
        names = pq.read_schema(cache).metadata[b"salesplan.header"].decode().split("\x1f")
        return cache, tuple(names)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise InputError(
            Problem(
                file=source.path,
                expected=_("an Excel .xlsx workbook"),
                found=str(exc)[:200],
                fix=_("save the file as .xlsx from Excel"),
            )
        ) from None
    try:
        if source.sheet is not None and source.sheet not in book.sheetnames:
            raise InputError(
                Problem(
                    file=source.path,
                    column=None,
                    expected=_("a worksheet named {sheet}").format(sheet=source.sheet),
                    found=", ".join(book.sheetnames),
                    fix=_("set the source's sheet in plan.yaml to one of these"),
                )
            )
        sheet = book[source.sheet] if source.sheet else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        header = [_cell_text(v) or "" for v in (first or ())]
        while header and header[-1] == "":
            header.pop()
        if not header:
            raise InputError(
                Problem(
                    file=source.path,
                    row=1,
                    expected=_("a header row naming the columns"),
                    found=_("an empty sheet"),
                    fix=_("put the column names in the first row"),
                )
            )
        columns: list[list[str | None]] = [[] for _h in header]
        row_numbers: list[int] = []
        for number, row in enumerate(rows, start=2):
            cells = [_cell_text(v) for v in row[: len(header)]]
            if not any(c is not None for c in cells):
                continue  # blank rows (often trailing formatting) are not data
            cells += [None] * (len(header) - len(cells))
            for column, cell in zip(columns, cells, strict=True):
                column.append(cell)
            row_numbers.append(number)
    finally:
        book.close()
    arrays = {f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
    arrays["__row"] = pa.array(row_numbers, type=pa.int64())
    table = pa.table(arrays).replace_schema_metadata({"salesplan.header": "\x1f".join(header)})
    with atomic_path(cache) as tmp:
        pq.write_table(table, tmp)
    _replace_stale(cache)
    return cache, tuple(header)


def _describe(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    rows = con.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return tuple(r[0] for r in rows), tuple(r[1] for r in rows)


def _open_duckdb_table(con: duckdb.DuckDBPyConnection, source: Source, path: Path) -> Scan:
    try:
        con.execute(f"ATTACH {literal(str(path))} AS salesplan_source (READ_ONLY)")
    except duckdb.Error as exc:
        raise InputError(
            Problem(
                file=source.path,
                expected=_("a DuckDB database file"),
                found=str(exc)[:200],
                fix=_("check the path, and close any program writing to the database"),
            )
        ) from None
    tables = con.sql(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'salesplan_source' "
        "ORDER BY schema_name, table_name"
    ).fetchall()
    names = [t if s == "main" else f"{s}.{t}" for s, t in tables]
    wanted = source.table or (names[0] if len(names) == 1 else None)
    if wanted not in names:
        raise InputError(
            Problem(
                file=source.path,
                column=None,
                expected=_("a table named {table}").format(table=source.table or "?"),
                found=", ".join(names) or _("no tables"),
                fix=_("set the source's table in plan.yaml to one of these"),
            )
        )
    schema, table = tables[names.index(wanted)]
    relation = f"salesplan_source.{ident(schema)}.{ident(table)}"
    header, types = _describe(con, relation)
    return Scan(source.path, relation, header, header, types, "row_number() OVER ()")


def _open(con: duckdb.DuckDBPyConnection, source: Source, base_dir: Path, encoding: str) -> Scan:
    path = source_file(source, base_dir)
    fmt = source.resolved_format
    if fmt == "csv":
        return _open_csv(con, source, path, base_dir, encoding)
    if fmt == "excel":
        cache, header = excel_to_parquet(path, source, base_dir)
        sql_names = tuple(f"c{i}" for i in range(len(header)))
        return Scan(
            source.path,
            f"read_parquet({literal(str(cache))})",
            header,
            sql_names,
            ("VARCHAR",) * len(header),
            "__row",
        )
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            names = tuple(pq.read_schema(path).names)
            relation = f"read_parquet({literal(str(path))})"
            sql_names, types = _describe(con, relation)
        except Exception as exc:  # pyarrow and DuckDB each raise their own types for a damaged file
            raise InputError(
                Problem(
                    file=source.path,
                    expected=_("a Parquet file"),
                    found=str(exc)[:200],
                    fix=_("write the file again as Parquet"),
                )
            ) from None
        return Scan(source.path, relation, names, sql_names, types, "row_number() OVER ()")
    return _open_duckdb_table(con, source, path)


def open_source(con: duckdb.DuckDBPyConnection, source: Source, base_dir: Path) -> Scan:
    """Open a second source on a connection `run_on_source` holds, to join two sources inside DuckDB."""
    encoding = source.encoding
    if source.resolved_format == "csv" and encoding == "auto":
        encoding = sniff_encoding(source_file(source, base_dir))
    return _open(con, source, Path(base_dir), encoding)


def run_on_source(
    source: Source, base_dir: Path, work: Callable[[duckdb.DuckDBPyConnection, Scan], _T]
) -> _T:
    """Open the source in a fresh in-memory DuckDB connection, run `work` on it, and close it.

    DuckDB's errors come back as located InputErrors. A CSV whose encoding is 'auto' and that turns out
    not to be UTF-8 past the sniffed sample is read again as GB18030.
    """
    encoding = source.encoding
    if source.resolved_format == "csv" and encoding == "auto":
        encoding = sniff_encoding(source_file(source, base_dir))
    for attempt in (1, 2):
        con = duckdb.connect(":memory:")
        # scans of large sources (over 2 s) show DuckDB's progress bar: a widget in notebooks, text in a terminal
        con.execute("SET enable_progress_bar = true")
        try:
            return work(con, _open(con, source, base_dir, encoding))
        except duckdb.Error as exc:
            if "Invalid unicode" in str(exc) and source.encoding == "auto" and attempt == 1:
                encoding = "gb18030"
                continue
            if source.resolved_format == "csv":
                raise _csv_error(source, exc) from None
            raise InputError(
                Problem(
                    file=source.path,
                    expected=_("a readable data file"),
                    found=str(exc)[:200],
                    fix=_("check the file; export it again if it is damaged"),
                )
            ) from None
        finally:
            con.close()
    raise AssertionError("unreachable")


# -- parsing the user's columns into canonical ones --------------------------------------------------------
def _is_text(sql_type: str) -> bool:
    return sql_type.upper() in ("VARCHAR", "TEXT", "STRING") or sql_type.upper().startswith("VARCHAR")


def _is_number(sql_type: str) -> bool:
    t = sql_type.upper()
    return t in (
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
        "FLOAT",
        "DOUBLE",
        "REAL",
    ) or t.startswith("DECIMAL")


def raw_text_sql(column: str, sql_type: str) -> str:
    """The cell as trimmed text, NULL when blank (what a person sees, for messages and blank checks)."""
    text = column if _is_text(sql_type) else f"CAST({column} AS VARCHAR)"
    return f"NULLIF(TRIM({text}), '')"


def date_sql(column: str, sql_type: str) -> str:
    """The cell as a DATE, NULL when it is not a recognisable date (ISO, 2026/10/03, 2026年10月3日 ...)."""
    t = sql_type.upper()
    if t == "DATE":
        return column
    if t.startswith("TIMESTAMP"):
        return f"CAST({column} AS DATE)"
    if not _is_text(t):
        return "CAST(NULL AS DATE)"
    text = f"TRIM({column})"
    formats = "[" + ", ".join(literal(f) for f in _DATE_FORMATS) + "]"
    return (
        f"COALESCE(TRY_CAST({text} AS DATE), TRY_CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE), "
        f"TRY_CAST(TRY_STRPTIME({text}, {formats}) AS DATE))"
    )


def number_sql(column: str, sql_type: str) -> str:
    """The cell as a DOUBLE, NULL when not a plain number; '1,234.50' (thousands separators) is accepted."""
    if _is_number(sql_type):
        return f"CAST({column} AS DOUBLE)"
    if not _is_text(sql_type):
        return "CAST(NULL AS DOUBLE)"
    text = f"TRIM({column})"
    return (
        f"(CASE WHEN regexp_full_match({text}, '[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+(\\.[0-9]*)?') "
        f"THEN TRY_CAST(replace({text}, ',', '') AS DOUBLE) ELSE TRY_CAST({text} AS DOUBLE) END)"
    )


def normalised_sql(
    scan: Scan,
    source: Source,
    columns: tuple[str, ...],
    clean_dimensions: bool = True,
    extra: Sequence[str] = (),
) -> str:
    """SELECT the canonical `columns` (date, amount, rep ...) from the source, parsed and typed.

    Unmapped dimensions are the constant 'all', unmapped quantities 0. With `clean_dimensions`, dimension
    values are trimmed and blanks become 'unknown'; without, they are the raw values (the cube cleans its
    small result instead, which keeps the scan as fast as a bare query). `extra` are further expressions
    over the file's own columns (the checks' raw_/val_ columns, see `check_columns_sql`).
    """
    parts = []
    for name in columns:
        user_name = source.columns.get(name)
        if user_name is None:
            expr = (
                "CAST(0 AS DOUBLE)"
                if name in NUMERIC_COLUMNS
                else ("CAST(NULL AS DATE)" if name == "date" else literal(ALL))
            )
        else:
            col, sql_type = scan.sql_column(user_name)
            if name == "date":
                expr = date_sql(col, sql_type)
            elif name in NUMERIC_COLUMNS:
                expr = number_sql(col, sql_type)
            elif clean_dimensions:
                expr = f"COALESCE({raw_text_sql(col, sql_type)}, {literal(UNKNOWN)})"
            else:
                expr = col if _is_text(sql_type) else f"CAST({col} AS VARCHAR)"
        parts.append(f"{expr} AS {ident(name)}")
    return f"SELECT {', '.join([*parts, *extra])} FROM {scan.relation}"


# -- validation --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """One validation rule: the rows where `bad` holds are problems in `column`."""

    column: str  # canonical
    bad: str  # SQL condition over the checked relation (columns raw_<c>, val_<c>)
    expected: str
    fix: str
    per_value: bool = False  # `bad` reads only raw_<column>: it can be decided once per distinct value


def checks_for(source: Source, calendar: Calendar, kind: str = "sales") -> list[Check]:
    """The row checks `validate_source` runs on a source of this kind (after its structure is sound)."""
    mapped = source.columns
    checks: list[Check] = []
    required = REQUIRED.get(kind, ())
    if "date" in mapped:
        bad = "val_date IS NULL" if "date" in required else "val_date IS NULL AND has_date"
        checks.append(
            Check(
                "date",
                bad,
                _("a date such as 2026-10-03 or 2026/10/03"),
                _("correct the date, or map another column to 'date' in plan.yaml"),
            )
        )
        if kind == "sales" and (calendar.start or calendar.end):
            conds = []
            if calendar.start:
                conds.append(f"val_date < DATE {literal(calendar.start.isoformat())}")
            if calendar.end:
                conds.append(f"val_date > DATE {literal(calendar.end.isoformat())}")
            checks.append(
                Check(
                    "date",
                    " OR ".join(conds),
                    _("a date from {start} to {end} (the plan's calendar)").format(
                        start=calendar.start or "…", end=calendar.end or "…"
                    ),
                    _("widen calendar.start / calendar.end in plan.yaml, or remove rows outside it"),
                )
            )
    for name in NUMERIC_COLUMNS:
        if name in mapped:
            bad = f"val_{name} IS NULL OR NOT isfinite(val_{name})"
            if name not in required:
                # = raw IS NOT NULL AND (val IS NULL OR NOT isfinite(val)), as a parsed value always has
                # text; has_<c> tells a filled cell without casting a typed column to text
                bad = f"(val_{name} IS NULL AND has_{name}) OR NOT isfinite(val_{name})"
            example = (
                _("a number such as 1234.50 or -80 (returns are negative)")
                if name == "amount"
                else _("a number such as 12 or 1.5")
            )
            checks.append(
                Check(name, bad, example, _("write a plain number, without currency symbols or units"))
            )
    for name in required:
        if name not in ("date", *NUMERIC_COLUMNS) and name in mapped:
            checks.append(
                Check(
                    name,
                    f"raw_{name} IS NULL",
                    _("a value in every row (it is required)"),
                    _("fill in the {column} of every row").format(column=name),
                    per_value=True,
                )
            )
    return checks


def _filled_sql(column: str, sql_type: str) -> str:
    """TRUE when the cell is not blank: `raw_text_sql(...) IS NOT NULL`, without casting numbers and dates
    to text (their text is never blank), which is most of a check's cost on a typed 10M-row column."""
    t = sql_type.upper()
    if _is_number(t) or t == "DATE" or t.startswith("TIMESTAMP"):
        return f"{column} IS NOT NULL"
    return f"{raw_text_sql(column, sql_type)} IS NOT NULL"


def check_columns_sql(scan: Scan, source: Source, checks: Sequence[Check]) -> list[str]:
    """The columns the `checks` conditions read: raw_<c> (trimmed text, NULL when blank), and for dates
    and numbers val_<c> (the parsed value) and has_<c> (the cell is filled)."""
    parts = []
    for name in sorted({c.column for c in checks}):
        col, sql_type = scan.sql_column(source.columns[name])
        parts.append(f"{raw_text_sql(col, sql_type)} AS raw_{name}")
        if name == "date":
            parts.append(f"{date_sql(col, sql_type)} AS val_date")
        elif name in NUMERIC_COLUMNS:
            parts.append(f"{number_sql(col, sql_type)} AS val_{name}")
        if name == "date" or name in NUMERIC_COLUMNS:
            parts.append(f"{_filled_sql(col, sql_type)} AS has_{name}")
    return parts


def _checked_relation(scan: Scan, source: Source, checks: list[Check], with_row: bool) -> str:
    parts = [f"{scan.row_number} AS __line"] if with_row else []
    parts += check_columns_sql(scan, source, checks)
    return f"SELECT {', '.join(parts) or '1 AS one'} FROM {scan.relation}"


def structure_problems(scan: Scan, source: Source, kind: str) -> list[Problem]:
    """Duplicate headers and mapped columns the file lacks: checked before any row is read."""
    problems: list[Problem] = []
    header_row = 1 if source.resolved_format in ("csv", "excel") else None
    seen: set[str] = set()
    for name in scan.header:
        if name and name in seen:  # blank names (trailing delimiters) cannot be mapped, so they are harmless
            problems.append(
                Problem(
                    file=scan.file,
                    row=header_row,
                    column=name,
                    expected=_("each column name once in the header"),
                    found=_("a duplicate column name"),
                    fix=_("rename or remove one of the columns named {name}").format(name=name),
                )
            )
        seen.add(name)
    available = ", ".join(h for h in scan.header)
    for canonical, user_name in source.columns.items():
        if user_name not in scan.header:
            problems.append(
                Problem(
                    file=scan.file,
                    row=header_row,
                    column=user_name,
                    expected=_("a column named {name} (mapped to {canonical} in plan.yaml)").format(
                        name=user_name, canonical=canonical
                    ),
                    found=_("the file has columns: {columns}").format(columns=available),
                    fix=_("correct the name under the source's columns in plan.yaml"),
                )
            )
    for name in REQUIRED.get(kind, ()):
        if name not in source.columns:
            problems.append(
                Problem(
                    file=scan.file,
                    column=name,
                    expected=_("a column mapped to {name} (required)").format(name=name),
                    found=_("the file has columns: {columns}").format(columns=available),
                    fix=_("add {name}: <your column name> under the source's columns in plan.yaml").format(
                        name=name
                    ),
                )
            )
    return problems


def located_problems(
    con: duckdb.DuckDBPyConnection, scan: Scan, source: Source, calendar: Calendar, kind: str
) -> list[Problem]:
    """Every problem of an opened source, each bad row located (what `validate_source` reports)."""
    problems = structure_problems(scan, source, kind)
    if problems:
        return problems
    checks = checks_for(source, calendar, kind)
    counts = ", ".join([f"count(*) FILTER (WHERE {c.bad}) AS bad{i}" for i, c in enumerate(checks)])
    row = con.execute(
        f"SELECT count(*){', ' + counts if counts else ''} "
        f"FROM ({_checked_relation(scan, source, checks, with_row=False)}) AS checked"
    ).fetchall()[0]
    if row[0] == 0:
        return [
            Problem(
                file=scan.file,
                expected=_("at least one data row below the header"),
                found=_("no data rows"),
                fix=_("export the data again, with its rows"),
            )
        ]
    located = _checked_relation(scan, source, checks, with_row=True)
    for i, check in enumerate(checks):
        n_bad = row[i + 1]
        if not n_bad:
            continue
        user_name = source.columns[check.column]
        examples = con.sql(
            f"SELECT __line, raw_{check.column} FROM ({located}) AS checked "
            f"WHERE {check.bad} ORDER BY __line LIMIT {MAX_EXAMPLES}"
        ).fetchall()
        for line, raw in examples:
            problems.append(
                Problem(
                    file=scan.file,
                    row=int(line),
                    column=user_name,
                    expected=check.expected,
                    found=_("an empty cell") if raw is None else raw[:80],
                    fix=check.fix,
                )
            )
        if n_bad > len(examples):
            problems.append(
                Problem(
                    file=scan.file,
                    column=user_name,
                    expected=check.expected,
                    found=_("{count} more rows like these").format(count=n_bad - len(examples)),
                    fix=check.fix,
                )
            )
    return problems


def validate_source(source: Source, base_dir: Path, calendar: Calendar, kind: str = "sales") -> list[Problem]:
    """Every problem with one data source (empty when clean), found by SQL inside DuckDB.

    Checks: file present, inside the workbook and not empty; no duplicate header names; every mapped
    column present; required columns mapped (sales: date, amount, rep; accounts: account); dates and
    numbers parse; sales dates fall in the calendar. Negative amounts (returns, credit notes) are valid.
    Each check lists its first few bad rows and counts the rest. Row numbers: see the module docstring.
    """
    try:
        return run_on_source(
            source, Path(base_dir), lambda con, scan: located_problems(con, scan, source, calendar, kind)
        )
    except InputError as exc:
        return exc.problems

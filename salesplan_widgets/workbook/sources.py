"""Data sources: open a sales file inside DuckDB and check it there, so a 10M-row file never enters pandas.

A source is a CSV (UTF-8, UTF-8 with BOM, GB18030/GBK), an Excel .xlsx, a Parquet file or a table in a
DuckDB database file. `run_on_source` turns any of them into a SQL relation in an in-memory DuckDB
connection; `normalised_sql` maps the user's columns onto the canonical names (date, amount, rep ...)
with text parsed in SQL; `validate_source` runs every check as SQL and reports located problems.

Row numbers in problems are what a person sees when opening the file:
- CSV and Excel: the row number a spreadsheet shows, with the header as row 1 (first data row = row 2),
  or as row N when the source sets `header_row: N` (title rows above the header are skipped);
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
import dataclasses
import datetime as dt
import difflib
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _, currency_marks, fmt_money
from salesplan_widgets.schema import Calendar, Source, priced_amount, required_sales_columns
from salesplan_widgets.workbook import currencies
from salesplan_widgets.workbook.atomic import atomic_path

CACHE_DIR = ".cache"
MAX_EXAMPLES = 5  # distinct bad values listed per check; rows with other values are counted together
MAX_RANGES = 6  # runs of consecutive rows named per problem ("rows 2–570, 600 …"); the rest are counted
LEADING_ROWS = 30  # rows read from the top of a CSV or sheet to find a header below title rows
UNKNOWN = "unknown"  # a mapped dimension left blank in a row
ALL = "all"  # a dimension the plan does not map
# "potential" (an account's estimated yearly value) is checked once the plan schema lets it be mapped
NUMERIC_COLUMNS = ("amount", "quantity", "potential", "cost", "unit_price", "discount", "discount_amount")
MONEY_COLUMNS = ("amount", "potential", "cost", "unit_price", "discount_amount")  # in the plan's currency
REQUIRED = {
    "accounts": ("account",),
    "exchange_rates": ("month", "currency", "rate"),
    "receipts": ("date", "amount", "invoice"),
}
_DATE_FORMATS = ("%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
# dates written with the year last, read only when the source says which comes first (`Source.date_order`):
# 12/1/2010 8:26 is 1 December in a US export and 12 January in a British one. The year's digits pick the
# formats: DuckDB's %Y reads "11" as the year 11 and its date cast reads "12/1/10" as 10 January of year 12


def _year_last(first: str, second: str, year: str) -> tuple[str, ...]:
    return tuple(
        f"{first}{sep}{second}{sep}{year}{time}"
        for sep in ("/", "-", ".")
        for time in (" %H:%M:%S", " %H:%M", "")
    )


_DAY_AND_MONTH = {"MDY": ("%m", "%d"), "DMY": ("%d", "%m")}
_YEAR_FIRST = "'[0-9][0-9][0-9][0-9]*'"  # GLOB: 2026-10-03, 2026/10/03, 2026年10月3日, 20261003
_YEAR_LAST = "'^[0-9]{{1,2}}[/.-][0-9]{{1,2}}[/.-][0-9]{{{digits}}}( .*)?$'"
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
    # the first rows of a CSV or sheet as text, from its row 1 (title rows, header, data): where the header is
    leading: tuple[tuple[str, ...], ...] = ()
    header_row: int | None = None  # the header's row number in a CSV or sheet (None: no header row)
    base_dir: Path | None = None  # the workbook folder (a rates file beside the source is read from it)

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
        raise InputError(empty_file(source.path))
    return path


def empty_file(file: str, header_only: bool = False) -> Problem:
    """The one problem of a file with nothing in it (0 bytes, blank lines) or with a header and no rows."""
    return Problem(
        file=file,
        expected=_("a header row and at least one data row"),
        found=_("the file is empty: it has a header but no data rows")
        if header_only
        else _("the file is empty"),
        fix=_("export the data again, with its rows") if header_only else _("export the data again"),
    )


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


def _csv_header(path: Path, header_row: int = 1) -> tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """(delimiter, header names, first rows) of a UTF-8 CSV, read by Python's csv module from its first lines.

    The header is line `header_row`; the delimiter is the one that line uses most. Told here rather than
    by DuckDB's sniffer, which guesses wrong on small files with a ragged row.
    """
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    text = codecs.getincrementaldecoder("utf-8-sig")(errors="replace").decode(sample, final=False)
    lines = text.split("\n", LEADING_ROWS)
    line = lines[header_row - 1] if header_row <= len(lines) else ""
    if not any(d in line for d in _DELIMITERS):  # a title line: the delimiter the other lines use most
        line = "\n".join(lines[:LEADING_ROWS])
    delimiter = max(_DELIMITERS, key=line.count) if any(d in line for d in _DELIMITERS) else ","
    leading = tuple(
        tuple(cell.strip() for cell in record)
        for record in _first(csv.reader(io.StringIO(text), delimiter=delimiter), LEADING_ROWS)
    )
    header = leading[header_row - 1] if header_row <= len(leading) else ()
    return delimiter, header, leading


def _first(rows: Iterator[_T], n: int) -> list[_T]:
    """The first `n` rows (fewer when a quoted cell runs past the sample's end)."""
    out = []
    with contextlib.suppress(csv.Error):
        for row in rows:
            out.append(row)
            if len(out) == n:
                break
    return out


def _open_csv(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, base_dir: Path, encoding: str
) -> Scan:
    if encoding in ("gb18030", "gbk"):
        path = transcode_to_utf8(path, source, base_dir, "gb18030")
    delimiter, header, leading = _csv_header(path, source.header_row)
    if not any(any(row) for row in leading):  # nothing but line breaks and blanks
        raise InputError(empty_file(source.path))
    sql_names = tuple(f"c{i}" for i in range(len(header)))
    types = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in sql_names) + "}"
    # no sniffing: the dialect and the columns are fixed, so a ragged row is an error with its line number
    relation = (
        f"read_csv({literal(str(path))}, header = true, auto_detect = false, skip = {source.header_row - 1}, "
        f"delim = {literal(delimiter)}, quote = '\"', escape = '\"', columns = {types})"
    )
    return Scan(
        source.path,
        relation,
        header,
        sql_names,
        ("VARCHAR",) * len(header),
        f"row_number() OVER () + {source.header_row}",
        leading,
        source.header_row,
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
    """The worksheet as a cached Parquet file of text columns c0..cN plus its sheet row numbers.

    The header is the sheet's row `source.header_row`; the rows above it are not data. The sheet's first
    rows are kept in the file's metadata (`excel_leading_rows`), to find a header below title rows. A number
    cell of a figure column is written with the source's decimal mark (12.5 as 12,5 under `decimal: ','`).
    """
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    figures = {user for canonical, user in source.columns.items() if canonical in NUMERIC_COLUMNS}
    cache = _cache_file(
        base_dir,
        path,
        "xlsx",
        ".parquet",
        source.sheet or "",
        str(source.header_row),
        *((source.decimal, *sorted(figures)) if source.decimal != "." else ()),
    )
    if cache.exists():
        names = pq.read_schema(cache).metadata[b"salesplan.header"].decode().split("\x1f")
        return cache, tuple(names) if names != [""] else ()
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
        leading: list[list[str]] = []
        first = None
        for number, row in enumerate(rows, start=1):
            if number <= LEADING_ROWS:
                leading.append([_cell_text(v) or "" for v in row])
            if number == source.header_row:
                first = row
                break
        header = [_cell_text(v) or "" for v in (first or ())]
        while header and header[-1] == "":
            header.pop()
        columns: list[list[str | None]] = [[] for _h in header]
        # a number cell is a number in any locale: written with the source's decimal mark, it reads back as
        # itself where the figures are read with a decimal comma
        swapped = {i for i, h in enumerate(header) if h in figures} if source.decimal != "." else set()
        row_numbers: list[int] = []
        for number, row in enumerate(rows, start=source.header_row + 1):
            if number <= LEADING_ROWS:
                leading.append([_cell_text(v) or "" for v in row])
            cells = [_cell_text(v) for v in row[: len(header)]]
            for i in swapped.intersection(range(len(cells))):
                if isinstance(row[i], float | int) and not isinstance(row[i], bool) and cells[i]:
                    cells[i] = cells[i].replace(".", ",")
            if not any(c is not None for c in cells):
                continue  # blank rows (often trailing formatting) are not data
            cells += [None] * (len(header) - len(cells))
            for column, cell in zip(columns, cells, strict=True):
                column.append(cell)
            row_numbers.append(number)
        if not any(any(row) for row in leading):  # no header, no title, no rows within reach
            raise InputError(empty_file(source.path))
    finally:
        book.close()
    arrays = {f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
    arrays["__row"] = pa.array(row_numbers, type=pa.int64())
    table = pa.table(arrays).replace_schema_metadata(
        {
            "salesplan.header": "\x1f".join(header),
            "salesplan.leading": json.dumps(leading, ensure_ascii=False),
        }
    )
    with atomic_path(cache) as tmp:
        pq.write_table(table, tmp)
    _replace_stale(cache)
    return cache, tuple(header)


def excel_leading_rows(cache: Path) -> tuple[tuple[str, ...], ...]:
    """The first rows of the converted sheet, from its row 1, as `excel_to_parquet` kept them."""
    import pyarrow.parquet as pq

    leading = pq.read_schema(cache).metadata.get(b"salesplan.leading", b"[]")
    return tuple(tuple(row) for row in json.loads(leading))


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
    # a view is read like a table: analysts join orders and order lines, or derive the amount, in one
    tables = con.sql(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'salesplan_source' "
        "UNION ALL SELECT schema_name, view_name FROM duckdb_views() "
        "WHERE database_name = 'salesplan_source' AND NOT internal ORDER BY 1, 2"
    ).fetchall()
    names = [t if s == "main" else f"{s}.{t}" for s, t in tables]
    wanted = source.table or (names[0] if len(names) == 1 else None)
    if wanted not in names:
        raise InputError(
            Problem(
                file=source.path,
                column=None,
                expected=_("a table or view named {table}").format(table=source.table or "?"),
                found=", ".join(names) or _("no tables or views"),
                fix=_("set the source's table in plan.yaml to one of these"),
            )
        )
    schema, table = tables[names.index(wanted)]
    relation = f"salesplan_source.{ident(schema)}.{ident(table)}"
    header, types = _describe(con, relation)
    return Scan(source.path, relation, header, header, types, "row_number() OVER ()")


def _open(con: duckdb.DuckDBPyConnection, source: Source, base_dir: Path, encoding: str) -> Scan:
    return dataclasses.replace(_open_file(con, source, base_dir, encoding), base_dir=Path(base_dir))


def _open_file(con: duckdb.DuckDBPyConnection, source: Source, base_dir: Path, encoding: str) -> Scan:
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
            excel_leading_rows(cache),
            source.header_row,
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


def date_sql(column: str, sql_type: str, order: str = "YMD") -> str:
    """The cell as a DATE, NULL when it is not a recognisable date (ISO, 2026/10/03, 2026年10月3日 ...; with
    `order` MDY or DMY also the year last, month or day first: 12/1/2010 8:26)."""
    t = sql_type.upper()
    if t == "DATE":
        return column
    if t.startswith("TIMESTAMP"):
        return f"CAST({column} AS DATE)"
    if not _is_text(t):
        return "CAST(NULL AS DATE)"
    text = f"TRIM({column})"
    formats = "[" + ", ".join(literal(f) for f in _DATE_FORMATS) + "]"
    branches = [
        f"WHEN {text} GLOB {_YEAR_FIRST} THEN COALESCE(TRY_CAST({text} AS DATE), "
        f"TRY_CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE), TRY_CAST(TRY_STRPTIME({text}, {formats}) AS DATE))"
    ]
    if order in _DAY_AND_MONTH:
        for digits, year in ((4, "%Y"), (2, "%y")):
            written = "[" + ", ".join(literal(f) for f in _year_last(*_DAY_AND_MONTH[order], year)) + "]"
            branches.append(
                f"WHEN regexp_full_match({text}, {_YEAR_LAST.format(digits=digits)}) "
                f"THEN TRY_CAST(TRY_STRPTIME({text}, {written}) AS DATE)"
            )
    return f"(CASE {' '.join(branches)} END)"


def number_sql(
    column: str, sql_type: str, marks: Sequence[str] = (), decimal: str = ".", guard: str | None = None
) -> str:
    """The cell as a DOUBLE, NULL when it is not a number. Text is read as accounting exports write figures:
    with thousands separators (1,234.50, 12 500.00, Swiss 12'500.00), a negative in parentheses ((1,234.50))
    or with a trailing minus (SAP's 1,234.50-), with one of `marks` (the plan's currency,
    `i18n.currency_marks`: ￥1,234.50, 1,234.50元, CNY 80) before or after it, with a Chinese unit (12.5万,
    1.2亿, 3万元) and in the full-width characters a Chinese input method types (１２，３４５．００, （１，２００）).
    With `decimal` ',' the figure's comma and point swap roles (1.234,50; 12.500 is twelve thousand five
    hundred). A figure in one of these forms reads only where `guard` (SQL) holds: a mark that is the
    line's currency's (`currencies.Conversion.mark_sql`); a mark not in `marks` is no number at all.
    Each form is tried only on the cells the simpler ones did not read, so plain figures cost what they did."""
    if _is_number(sql_type):
        return f"CAST({column} AS DOUBLE)"
    if not _is_text(sql_type):
        return "CAST(NULL AS DOUBLE)"
    text = f"TRIM({column})"
    if decimal == ",":
        # a plain European figure (1.234,50, 12,5, 12.500) is read directly; any other form is read as a
        # decimal-point one once its point and comma are swapped
        swapped = f"translate({text}, '.,', ',.')"
        forms = _forms_value_sql(swapped, marks, _NARROW_SWAPPED)
        return _european_value_sql(text, f"(CASE WHEN {guard} THEN {forms} END)" if guard else forms)
    given = f" AND {guard}" if guard else ""
    return _grouped_value_sql(
        text, f"(CASE WHEN {text} <> ''{given} THEN {_forms_value_sql(text, marks, _NARROW)} END)"
    )


def _european_value_sql(text: str, otherwise: str) -> str:
    """SQL: `text` as a DOUBLE when it is a plain figure with a decimal comma (1.234,50, -80,5, 12.500),
    else `otherwise`: the cheap reading first, so plain European figures cost what plain ones do."""
    grouped = "[+-]?[0-9]{1,3}(\\.[0-9]{3})+(,[0-9]*)?"
    plain = f"TRY_CAST(replace({text}, ',', '.') AS DOUBLE)"
    return (
        f"(CASE WHEN regexp_full_match({text}, '{grouped}') "
        f"THEN TRY_CAST(replace(replace({text}, '.', ''), ',', '.') AS DOUBLE) "
        f"WHEN contains({text}, '.') OR {plain} IS NULL THEN (CASE WHEN {text} <> '' THEN {otherwise} END) "
        f"ELSE {plain} END)"
    )


def conversion_of(scan: Scan, source: Source, strict: bool = True) -> currencies.Conversion | None:
    """How the source's money is converted into the plan's currency (`currencies.conversion`); None: it is
    all in the plan's currency already."""
    user = source.columns.get("currency")
    cell = raw_text_sql(*scan.sql_column(user)) if user is not None and user in scan.header else None
    return currencies.conversion(source, cell, scan.base_dir, strict)


def line_date_sql(scan: Scan, source: Source) -> str | None:
    """SQL: the line's date (for its month's exchange rate), None when the source maps none."""
    user = source.columns.get("date")
    return (
        date_sql(*scan.sql_column(user), source.date_order)
        if user is not None and user in scan.header
        else None
    )


def column_number_sql(scan: Scan, source: Source, name: str, converted: bool = True) -> str:
    """`number_sql` of the source's canonical column `name`. A money column may carry its currency's marks
    (the line's, `currencies`) and, `converted`, is in the plan's currency: the figure × the line's rate
    (NULL when the line's currency has no rate, or its mark is another currency's)."""
    column, sql_type = scan.sql_column(source.columns[name])
    if name not in MONEY_COLUMNS:
        return number_sql(column, sql_type, (), source.decimal)
    fx = conversion_of(scan, source, strict=converted)
    currency = source.amount_currency
    marks = fx.marks() if fx else (currency_marks(currency) if currency else ())
    # a figure with a mark reads only when the mark is its line's currency's (the plain ones never ask): a
    # dollar mark on a yuan line is no number, in the checks as in the read
    guard = fx.mark_sql(f"TRIM({column})") if fx and fx.column is not None and _is_text(sql_type) else None
    figure = number_sql(column, sql_type, marks, source.decimal, guard)
    if fx is None or not converted:
        return figure
    return f"({figure} * {fx.rate_sql(line_date_sql(scan, source))})"


# Full-width digits and punctuation a Chinese input method types, the minus sign, and the spaces that group
# thousands (no-break, narrow no-break, thin, ideographic), with their ASCII forms (`number_sql`).
_WIDE = "０１２３４５６７８９．，（）－＋\u2212\u00a0\u202f\u2009\u3000’＇"
_NARROW = "0123456789.,()-+-    ''"
_NARROW_SWAPPED = "0123456789,.()-+-    ''"  # decimal ',': the point and comma were swapped before
# A figure in its loose forms, once its marks and sign are plain (`_figure_sql`): thousands grouped by commas,
# spaces or apostrophes, a fraction, a Chinese unit (万 = 10⁴, 亿 = 10⁸, 万亿 = 10¹²).
# A plain-signed figure, plain or comma-grouped: the accounting forms' figure once made plain.
_ACCOUNTING = "[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\\.[0-9]*)?"
_LOOSE = (
    "[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+|[0-9]{1,3}(?:'[0-9]{3})+|[0-9]+)"
    "(?:\\.[0-9]*)?(?: ?(?:万亿|万|亿))?"
)


def _forms_value_sql(text: str, marks: Sequence[str], narrow: str) -> str:
    """SQL: `text`, a cell written with a decimal point that is not a plain figure, as a DOUBLE: its accounting
    form made plain (`_figure_sql`, with the currency `marks`: ￥1,234.50, (1,234.50)); else that in one of the
    loose forms (`_loose_value_sql`: 12.5万, 12 500, 12'500); else the same with its full-width characters made
    ASCII (`narrow`, for `_WIDE`), whose translate costs the most and is needed the least; NULL when none is a
    number. Few levels of CASE, each matched before it is replaced: every level and every copy of an
    expression costs on each row that reaches it (measured in benchmarks/bench_number_forms.py)."""
    accounting = _figure_sql(text, marks, loose=False)
    figure = _figure_sql(text, marks)
    wide = _figure_sql(f"translate({text}, {literal(_WIDE)}, {literal(narrow)})", marks)
    # only a cell with a character beyond ASCII can hold a full-width one: a bad 'n/a' skips the translate
    wide_value = f"(CASE WHEN regexp_matches({text}, '[^\\x00-\\x7f]') THEN {_loose_value_sql(wide)} END)"
    # the accounting forms (￥1,234.50, (1,234.50), 1,234.50-) first, with the simpler figure pattern they
    # always had: a pattern that also admits spaces and units costs a third more on every marked cell
    return (
        f"(CASE WHEN regexp_full_match({accounting}, {literal(_ACCOUNTING)}) "
        f"THEN TRY_CAST(replace({accounting}, ',', '') AS DOUBLE) ELSE {_loose_value_sql(figure, wide_value)} END)"
    )


def _grouped_value_sql(text: str, otherwise: str) -> str:
    """SQL: `text` as a plain or comma-grouped figure (-1,234.50), else `otherwise` (`_forms_value_sql`): the
    cheap reading first, so plain figures cost what they did. A CASE and not a COALESCE: DuckDB evaluates a
    CASE branch only on the rows that reach it (and blank cells, often a tenth of a file, reach no form)."""
    grouped = "[+-]?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]*)?"
    plain = f"TRY_CAST({text} AS DOUBLE)"
    return (
        f"(CASE WHEN regexp_full_match({text}, '{grouped}') THEN TRY_CAST(replace({text}, ',', '') AS DOUBLE) "
        f"WHEN {plain} IS NULL THEN {otherwise} ELSE {plain} END)"
    )


def _loose_value_sql(figure: str, otherwise: str | None = None) -> str:
    """SQL: a plain-signed figure in a loose form (`_LOOSE`) as a DOUBLE: separators dropped and a unit made
    an exponent (12.5万 reads as 12.5e4, exactly 125000, where 12.5 × 10000 could be off by a rounding); any
    other text is `otherwise`, by default what DuckDB reads in it."""
    digits = f"regexp_replace({figure}, '[, '']', '', 'g')"
    exponent = f"replace(replace(replace({digits}, '万亿', 'e12'), '万', 'e4'), '亿', 'e8')"
    return (
        f"(CASE WHEN regexp_full_match({figure}, {literal(_LOOSE)}) THEN TRY_CAST({exponent} AS DOUBLE) "
        f"ELSE {otherwise or f'TRY_CAST({figure} AS DOUBLE)'} END)"
    )


def _figure_sql(text: str, marks: Sequence[str], loose: bool = True) -> str:
    """SQL: the figure in `text` with its currency marks and spaces dropped and its sign in front: (1,234.50),
    1,234.50- and -￥1,234.50 all read -1,234.50 (see `number_sql`); other text as it is. With `loose`, the
    figure may also hold spaces, apostrophes and a unit (12 500, 12'500, 12.5万). A match before the
    replacement: a replacement that finds nothing costs more than a match that fails."""
    mark = f"(?:{'|'.join(re.escape(m) for m in marks)})?\\s*" if marks else ""
    figure = "([0-9](?:[0-9.,' ]*[0-9.,])?(?:\\s*(?:万亿|万|亿))?)\\s*" if loose else "([0-9][0-9.,]*)\\s*"
    negative = literal(f"^{mark}(?:\\(\\s*{mark}{figure}{mark}\\)|{figure}-)\\s*{mark}$")
    signed = literal(f"^([+-]?)\\s*{mark}([+-]?)\\s*{figure}{mark}$")
    return (
        f"(CASE WHEN regexp_full_match({text}, {negative}) THEN regexp_replace({text}, {negative}, '-\\1\\2') "
        f"ELSE regexp_replace({text}, {signed}, '\\1\\2\\3') END)"
    )


def required_columns(source: Source, kind: str) -> tuple[str, ...]:
    """The canonical columns a source of this kind must map and fill in every row (sales: date, amount and
    rep, or quantity and unit_price for the amount)."""
    return required_sales_columns(source.columns) if kind == "sales" else REQUIRED.get(kind, ())


def priced_amount_sql(scan: Scan, source: Source) -> str:
    """A line's amount from its quantity, unit price and discount (a fraction; a blank one is none)."""
    quantity, price = (column_number_sql(scan, source, c) for c in ("quantity", "unit_price"))
    if "discount" not in source.columns:
        return f"({quantity} * {price})"
    discount = column_number_sql(scan, source, "discount")
    return f"({quantity} * {price} * (1 - COALESCE({discount}, 0)))"


def amount_sql(scan: Scan, source: Source) -> str:
    """A line's amount after discount: the amount column, or its quantity × unit price (`priced_amount_sql`),
    less the money a 折扣额 column takes off (a blank one is none)."""
    if priced_amount(source.columns):
        amount = priced_amount_sql(scan, source)
    else:
        amount = column_number_sql(scan, source, "amount")
    if "discount_amount" not in source.columns:
        return amount
    taken_off = column_number_sql(scan, source, "discount_amount")
    return f"({amount} - COALESCE({taken_off}, 0))"


def normalised_sql(
    scan: Scan,
    source: Source,
    columns: tuple[str, ...],
    clean_dimensions: bool = True,
    extra: Sequence[str] = (),
) -> str:
    """SELECT the canonical `columns` (date, amount, rep ...) from the source, parsed and typed.

    Unmapped dimensions are the constant 'all', unmapped quantities 0, and an unmapped amount with a unit
    price is quantity × unit price × (1 − discount) (`priced_amount_sql`). With `clean_dimensions`, dimension
    values are trimmed and blanks become 'unknown'; without, they are the raw values (the cube cleans its
    small result instead, which keeps the scan as fast as a bare query). `extra` are further expressions
    over the file's own columns (the checks' raw_/val_ columns, see `check_columns_sql`).
    """
    parts = []
    for name in columns:
        user_name = source.columns.get(name)
        if name == "amount" and (priced_amount(source.columns) or "discount_amount" in source.columns):
            expr = amount_sql(scan, source)
        elif user_name is None:
            expr = (
                "CAST(0 AS DOUBLE)"
                if name in NUMERIC_COLUMNS
                else ("CAST(NULL AS DATE)" if name == "date" else literal(ALL))
            )
        else:
            col, sql_type = scan.sql_column(user_name)
            if name == "date":
                expr = date_sql(col, sql_type, source.date_order)
            elif name in NUMERIC_COLUMNS:
                expr = column_number_sql(scan, source, name)
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
    fix: str  # for a cell that holds something wrong
    per_value: bool = False  # `bad` reads only raw_<column>: it can be decided once per distinct value
    empty_fix: str = ""  # for an empty cell, when the rule refuses those (a required column)
    # (expected, fix) for a shown value only the other decimal mark reads (`reads_the_other_way`)
    other_way: tuple[str, str] | None = None
    # its own problems from the checked relation, instead of grouping bad rows by value (lines with no rate)
    located: Callable[[duckdb.DuckDBPyConnection, str], list[Problem]] | None = None


def _empty_fix(name: str) -> str:
    return _("fill in the {column} in these rows, or delete the rows if they are not sales").format(
        column=name
    )


def checks_for(source: Source, calendar: Calendar, kind: str = "sales") -> list[Check]:
    """The row checks `validate_source` runs on a source of this kind."""
    mapped = source.columns
    checks: list[Check] = []
    required = required_columns(source, kind)
    if "date" in mapped:
        bad = "val_date IS NULL" if "date" in required else "val_date IS NULL AND has_date"
        checks.append(
            Check(
                "date",
                bad,
                _("a date such as 2026-10-03 or 2026/10/03"),
                _("correct the date, or map another column to 'date' in plan.yaml")
                + (
                    _(
                        "; dates written with the year last (12/1/2010) are read with date_order: MDY (month "
                        "first) or DMY (day first) on the source"
                    )
                    if source.date_order == "YMD"
                    else ""
                ),
                empty_fix=_empty_fix("date"),
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
    other_way = _other_way_check(source)
    for name in NUMERIC_COLUMNS:
        if name in mapped:
            bad = f"val_{name} IS NULL OR NOT isfinite(val_{name})"
            if name not in required:
                # = raw IS NOT NULL AND (val IS NULL OR NOT isfinite(val)), as a parsed value always has
                # text; has_<c> tells a filled cell without casting a typed column to text
                bad = f"(val_{name} IS NULL AND has_{name}) OR NOT isfinite(val_{name})"
            comma = source.decimal == ","
            if name == "amount":
                example = (
                    _("a number such as 1234,50 or -80 (returns are negative)")
                    if comma
                    else _("a number such as 1234.50 or -80 (returns are negative)")
                )
            else:
                example = _("a number such as 12 or 1,5") if comma else _("a number such as 12 or 1.5")
            currency = source.amount_currency
            if name in MONEY_COLUMNS and "currency" in mapped and source.plan_currency:
                example = _(
                    "a figure in the line's currency (column {column}), with its mark or none"
                ).format(column=mapped["currency"])
                fix = _(
                    "write a number in the line's currency (column {column}; blank: {currency}), such as 1234.50, "
                    "with that currency's mark or none"
                ).format(column=mapped["currency"], currency=currency)
            elif name in MONEY_COLUMNS and currency and (source.exchange_rates or source.rates_source):
                # the plan converts: another currency is declared, not converted by hand
                money = fmt_money(1234.5, currency)
                fix = _(
                    "write a number in {currency}, such as {example}; for lines in another currency, map a "
                    "currency column or set the source's currency in plan.yaml"
                ).format(currency=currency, example=money.translate(_SWAP) if comma else money)
            elif name in MONEY_COLUMNS and currency:
                money = fmt_money(1234.5, currency)
                fix = (
                    _(
                        "write a number in {currency} with a decimal comma, such as 1234,50 or {example}; convert "
                        "other currencies first"
                    ).format(currency=currency, example=money.translate(_SWAP))
                    if comma
                    else _(
                        "write a number in {currency}, such as 1234.50 or {example}; convert other currencies first"
                    ).format(currency=currency, example=money)
                )
            else:
                fix = _("write a plain number, without currency symbols or units")
            checks.append(Check(name, bad, example, fix, empty_fix=_empty_fix(name), other_way=other_way))
    checks += currency_checks(source, kind)
    if "discount" in mapped:
        checks.append(
            Check(
                "discount",
                "val_discount < 0 OR val_discount > 1",
                _("a discount as a fraction of the price, from 0 to 1, such as 0.05 for 5%"),
                _("write the discount as a fraction of the price (5% off is 0.05)"),
            )
        )
    if "discount_amount" in mapped and kind == "sales":
        gross = "val_amount" if "amount" in mapped else "val_quantity * val_unit_price"
        checks.append(
            Check(
                "discount_amount",
                f"val_discount_amount * {gross} < 0 OR abs(val_discount_amount) > abs({gross})",
                _(
                    "money off the line, no more than its amount and of the same sign (a return's is negative)"
                ),
                _(
                    "check the 折扣额 of these rows against their amount; if the column holds the amount after "
                    "discount, map it as amount and leave discount_amount out"
                ),
            )
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
                    empty_fix=_empty_fix(name),
                )
            )
    if kind == "sales" and "rep" in mapped:  # a scoped extract's name for the people it does not name
        from salesplan_widgets.model.credit import OUTSIDE_PREFIX, outside_name_expected

        checks.append(
            Check(
                "rep",
                f"starts_with(raw_rep, {literal(OUTSIDE_PREFIX)})",
                outside_name_expected(),
                _("rename this rep in the sales data, for example without the parentheses"),
                per_value=True,
            )
        )
    return checks


def currency_checks(source: Source, kind: str) -> list[Check]:
    """The checks of a source whose lines may be in other currencies: a currency column's codes are ISO 4217
    ones, a figure's mark is its line's currency's, and every line's currency has a rate (`currencies`)."""
    mapped = source.columns
    plan = source.plan_currency
    if plan is None or ("currency" not in mapped and source.amount_currency == plan):
        return []
    checks = []
    if "currency" in mapped:
        checks.append(
            Check(
                "currency",
                currencies.unknown_code_sql("raw_currency", source),
                _("an ISO 4217 currency code such as CNY, USD, HKD or EUR"),
                _(
                    "write the line's currency as its three-letter ISO code; a blank cell is {currency}"
                ).format(currency=source.amount_currency),
                per_value=True,
            )
        )
    anchor = "date" if "date" in mapped else next((c for c in MONEY_COLUMNS if c in mapped), None)
    if anchor is not None and any(c in mapped for c in MONEY_COLUMNS):
        checks.append(
            Check(
                anchor,
                "__fx_missing",
                _("a rate for the line's currency"),
                "",
                located=lambda con, located: currencies.missing_rate_problems(
                    con, located, source, source.path, "date" in mapped
                ),
            )
        )
    return checks


_SWAP = str.maketrans(".,", ",.")
_WIDE_TO_NARROW = str.maketrans(_WIDE, _NARROW)
# A figure that only a decimal comma reads: several points (1.234.567), a comma after a point group
# (12.500,00), a comma with one or two digits after it (12,50), or space groups before a comma (12 500,00).
_ONLY_DECIMAL_COMMA = (
    "[0-9]\\.[0-9]{3}\\.[0-9]{3}|\\.[0-9]{3},|^[^0-9]*[0-9]+,[0-9]{1,2}[^0-9]*$|[0-9] [0-9]{3},[0-9]"
)


def reads_the_other_way(text: str, decimal: str) -> bool:
    """True when `text` is a figure only the other decimal mark reads: a European 1.234,50 in a source read
    with a decimal point, or 1,234.50 under `decimal: ','`. Asked of the few bad values a problem shows, not
    in the scan, so that a valid file's figures cost nothing more."""
    text = text.translate(_WIDE_TO_NARROW)
    if decimal == ",":
        text = text.translate(_SWAP)
    return re.search(_ONLY_DECIMAL_COMMA, text) is not None


def _other_way_check(source: Source) -> tuple[str, str]:
    """(expected, fix) of a figure written with the other decimal mark than the source's."""
    if source.decimal == ",":
        return (
            _("a figure with a decimal comma, as decimal: ',' reads this source (1.234,50)"),
            _(
                "the file writes figures with a decimal point (1,234.50): remove decimal: ',' from this source "
                "in plan.yaml"
            ),
        )
    return (
        _("a figure with a decimal point, as this source is read (1,234.50)"),
        _(
            "the file writes figures the European way (1.234,50 or 1.234.567): set decimal: ',' on this source "
            "in plan.yaml, to read all its figures that way"
        ),
    )


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
    fx = conversion_of(scan, source, strict=False) if any(c.located for c in checks) else None
    for name in sorted({c.column for c in checks}):
        col, sql_type = scan.sql_column(source.columns[name])
        parts.append(f"{raw_text_sql(col, sql_type)} AS raw_{name}")
        if name == "date":
            parts.append(f"{date_sql(col, sql_type, source.date_order)} AS val_date")
        elif name in NUMERIC_COLUMNS:
            # the figure as written: a line with no rate is its own problem, not a figure that is no number
            parts.append(f"{column_number_sql(scan, source, name, converted=False)} AS val_{name}")
        if name == "date" or name in NUMERIC_COLUMNS:
            parts.append(f"{_filled_sql(col, sql_type)} AS has_{name}")
    if any(c.located for c in checks):
        missing = "FALSE"
        if fx is not None and fx.rates_readable:
            date = line_date_sql(scan, source)
            known = f"list_contains({currencies.known_codes_sql()}, {fx.currency_sql()})"
            dated = f" AND {date} IS NOT NULL" if date else ""
            # the code lookup and the date only for the few lines with no rate
            missing = f"(CASE WHEN {fx.rate_sql(date)} IS NOT NULL THEN FALSE ELSE {known}{dated} END)"
        parts.append(f"{fx.currency_sql() if fx else 'NULL'} AS __fx_currency")
        parts.append(f"{missing} AS __fx_missing")
    return parts


def _checked_relation(scan: Scan, source: Source, checks: list[Check], with_row: bool) -> str:
    parts = [f"{scan.row_number} AS __line"] if with_row else []
    parts += check_columns_sql(scan, source, checks)
    return f"SELECT {', '.join(parts) or '1 AS one'} FROM {scan.relation}"


def _names(row: Sequence[str]) -> set[str]:
    return {cell.strip().casefold() for cell in row if cell and cell.strip()}


def suggested_header_row(scan: Scan, source: Source) -> int | None:
    """The row of a CSV or sheet that holds the mapped column names, when it is not the header row read
    (a title above the header): the first of the leading rows naming more mapped columns than the header."""
    if scan.header_row is None or not scan.leading:
        return None
    wanted = {name.strip().casefold() for name in source.columns.values()}

    def hits(row: Sequence[str]) -> int:
        return len(wanted & _names(row))

    current = hits(scan.header)
    if current == len(wanted):
        return None
    best = max(range(len(scan.leading)), key=lambda i: (hits(scan.leading[i]), -i))
    found = hits(scan.leading[best])
    if found > current and found >= min(2, len(wanted)) and best + 1 != scan.header_row:
        return best + 1
    return None


def _header_problem(scan: Scan, row: int) -> Problem:
    above = next((" ".join(c for c in r if c) for r in scan.leading[: row - 1] if any(r)), "")
    return Problem(
        file=scan.file,
        row=row,
        expected=_("the column names on the header row ({header_row})").format(header_row=scan.header_row),
        found=_("the column names on row {row}, below {title!r}").format(row=row, title=above[:80])
        if above
        else _("the column names on row {row}").format(row=row),
        fix=_("set header_row: {row} on the source in plan.yaml (the rows above it are skipped)").format(
            row=row
        ),
    )


def _closest(name: str, header: Sequence[str]) -> str | None:
    """The file's column most like `name` (case and spaces ignored), if any is close."""
    by_key = {h.strip().casefold(): h for h in header if h and h.strip()}
    match = difflib.get_close_matches(name.strip().casefold(), list(by_key), n=1, cutoff=0.6)
    return by_key[match[0]] if match else None


def structure_problems(scan: Scan, source: Source, kind: str) -> list[Problem]:
    """Duplicate headers and mapped columns the file lacks: checked before any row is read.

    A header found below title rows is one problem (set header_row), not one per mapped column.
    """
    if (row := suggested_header_row(scan, source)) is not None:
        return [_header_problem(scan, row)]
    problems: list[Problem] = []
    header_row = scan.header_row
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
    available = ", ".join(h for h in scan.header if h) or "–"
    required = required_columns(source, kind)
    for canonical, user_name in source.columns.items():
        if user_name in scan.header:
            continue
        expected = _("a column named {name} (mapped to {canonical} in plan.yaml)").format(
            name=user_name, canonical=canonical
        )
        if (match := _closest(user_name, scan.header)) is not None:
            found = _("no such column; the closest is {match}").format(match=match)
            fix = _("write {match} instead of {name} for {canonical} under the source's columns in plan.yaml")
            fix = fix.format(match=match, name=user_name, canonical=canonical)
        elif canonical in required:
            found = _("the file has columns: {columns}").format(columns=available)
            fix = _("map {canonical} to one of these columns under the source's columns in plan.yaml").format(
                canonical=canonical
            )
        else:
            found = _("the file has columns: {columns}").format(columns=available)
            fix = _(
                "{canonical} is optional: delete the line '{canonical}: {name}' under the source's columns in "
                "plan.yaml, or add the column to the file"
            ).format(canonical=canonical, name=user_name)
        problems.append(
            Problem(file=scan.file, row=header_row, column=user_name, expected=expected, found=found, fix=fix)
        )
    for name in required:
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


def _bad_groups(
    con: duckdb.DuckDBPyConnection, located: str, check: Check
) -> list[tuple[str | None, int, tuple[tuple[int, int], ...]]]:
    """The bad rows of one check, grouped by the cell's text (None = empty): the first MAX_EXAMPLES groups
    in row order, then one group (text "") of every other bad row; each with its row count and its
    first MAX_RANGES runs of consecutive rows."""
    raw = f"raw_{check.column}"
    rows = con.sql(
        f"""
        WITH bad AS (SELECT __line, {raw} AS value FROM ({located}) AS checked WHERE {check.bad}),
        shown AS (SELECT value, min(__line) AS first FROM bad GROUP BY value
                  ORDER BY value IS NOT NULL, first LIMIT {MAX_EXAMPLES}),
        tagged AS (
            SELECT b.__line, coalesce(s.first, -1) AS grp, s.value, s.first IS NOT NULL AS is_shown
            FROM bad AS b LEFT JOIN shown AS s ON b.value IS NOT DISTINCT FROM s.value),
        numbered AS (
            SELECT grp, value, is_shown, __line,
                   __line - row_number() OVER (PARTITION BY grp ORDER BY __line) AS island
            FROM tagged),
        runs AS (
            SELECT grp, any_value(value) AS value, bool_or(is_shown) AS is_shown,
                   min(__line) AS a, max(__line) AS z, count(*) AS n
            FROM numbered GROUP BY grp, island)
        SELECT grp, any_value(value), bool_or(is_shown), sum(n)::BIGINT,
               list([a, z] ORDER BY a)[1:{MAX_RANGES}]
        FROM runs GROUP BY grp ORDER BY grp < 0, grp
        """
    ).fetchall()
    return [
        (value if is_shown else "", int(n), tuple((int(a), int(z)) for a, z in ranges))
        for _grp, value, is_shown, n, ranges in rows
    ]


def located_problems(
    con: duckdb.DuckDBPyConnection, scan: Scan, source: Source, calendar: Calendar, kind: str
) -> list[Problem]:
    """Every problem of an opened source at once: its header and mapping, and each check's bad rows, the
    same problem in many rows said once with their count and rows (what `validate_source` reports)."""
    problems = structure_problems(scan, source, kind)
    if suggested_header_row(scan, source) is not None:
        return problems  # the rows below a wrong header are not data: nothing else can be told yet
    present = set(scan.header)
    checks = [c for c in checks_for(source, calendar, kind) if source.columns[c.column] in present]
    counts = ", ".join([f"count(*) FILTER (WHERE {c.bad}) AS bad{i}" for i, c in enumerate(checks)])
    row = con.execute(
        f"SELECT count(*){', ' + counts if counts else ''} "
        f"FROM ({_checked_relation(scan, source, checks, with_row=False)}) AS checked"
    ).fetchall()[0]
    total = row[0]
    if total == 0:
        return [*problems, empty_file(scan.file, header_only=bool(scan.header))]
    located = _checked_relation(scan, source, checks, with_row=True)
    for i, check in enumerate(checks):
        if not row[i + 1]:
            continue
        if check.located is not None:
            problems += check.located(con, located)
            continue
        user_name = source.columns[check.column]
        for value, n, ranges in _bad_groups(con, located, check):
            empty = value is None
            fix = check.empty_fix if empty and check.empty_fix else check.fix
            expected = check.expected
            if check.other_way and value and reads_the_other_way(value, source.decimal):
                expected, fix = check.other_way
            if empty and n == total:
                fix = _(
                    "the column is empty in every row: map another column to {canonical} under the source's "
                    "columns in plan.yaml"
                ).format(canonical=check.column)
            if empty:
                found = _("an empty cell") if n == 1 else _("empty cells")
            elif value == "":
                found = _("other values like these")
            else:
                found = value[:80]
            single = n == 1 and ranges
            problems.append(
                Problem(
                    file=scan.file,
                    row=ranges[0][0] if single else None,
                    column=user_name,
                    expected=expected,
                    found=found,
                    fix=fix,
                    count=None if single else n,
                    row_ranges=() if single else ranges,
                )
            )
    return problems


DEEP_DISCOUNT = 0.5  # most lines above it: the column more likely holds the share paid (九五折 = 0.95)


def discount_warnings(source: Source, base_dir: Path) -> list[Problem]:
    """A discount column whose values are mostly above one half: valid fractions, but more likely the share
    of the price paid (a 九五折 written 0.95) than 95% off, which would pay on a twentieth of the sales. Said
    by `validate`, as a warning: deep discounts on most lines happen, rarely."""
    if not priced_amount(source.columns) or "discount" not in source.columns:
        return []
    user_name = source.columns["discount"]

    def measure(con: duckdb.DuckDBPyConnection, scan: Scan) -> tuple[int, int, float | None]:
        discount = number_sql(*scan.sql_column(user_name), decimal=source.decimal)
        [row] = con.sql(
            f"SELECT count(d) FILTER (WHERE d > {DEEP_DISCOUNT}), count(d), median(d) "
            f"FROM (SELECT {discount} AS d FROM {scan.relation}) AS lines"
        ).fetchall()
        return row

    try:
        deep, given, middle = run_on_source(source, Path(base_dir), measure)
    except InputError:
        return []  # a file that cannot be read is validate's error already
    if not given or deep * 2 <= given:
        return []
    return [
        Problem(
            file=source.path,
            column=user_name,
            expected=_(
                "a discount as the share taken off the price (0.05 = 5% off); {deep} of {given} lines take more "
                "than half off (median {median}), so their amounts are less than half their price"
            ).format(deep=deep, given=given, median=f"{middle:g}"),
            found=_("discounts above 0.5 on most lines"),
            fix=_(
                "if the column holds the share paid (九五折 = 0.95), map a column of 1 − that share instead, "
                "e.g. through a DuckDB view"
            ),
            count=deep,
        )
    ]


# A figure with a point followed by exactly three digits and no other point or comma (12.500, ￥1.250):
# a decimal to the plan, thousands to a European export; and any figure with a decimal point.
_THREE_DECIMALS = "^[^0-9.,万亿]*[0-9]{1,3}\\.[0-9]{3}[^0-9.,万亿]*$"
_DECIMAL_POINT = "[0-9]\\.[0-9]"


def figure_warnings(source: Source, base_dir: Path) -> list[Problem]:
    """Money columns of text whose every figure with a point has three digits after it (12.500): read as
    decimals (12.5), as the plan says, but as likely a European export's thousands (twelve thousand five
    hundred), 1000 times more. Said by `validate`, as a warning: amounts in thousandths of the currency happen
    (a price per gram), so the figures are not refused; one figure with another number of decimals (12.50)
    settles it and silences the warning."""
    if source.decimal != ".":
        return []
    wanted = [(c, source.columns[c]) for c in MONEY_COLUMNS if c in source.columns]

    def measure(con: duckdb.DuckDBPyConnection, scan: Scan) -> list[tuple[str, int, str]]:
        found = []
        for _canonical, user_name in wanted:
            if user_name not in scan.header:
                continue
            column, sql_type = scan.sql_column(user_name)
            if not _is_text(sql_type):
                continue  # numbers stored as numbers have no decimal mark to mistake
            text = f"TRIM({column})"
            # contains() first: a cell without a point is settled without a regex
            three = f"(contains({text}, '.') AND regexp_matches({text}, {literal(_THREE_DECIMALS)}))"
            pointed = f"(contains({text}, '.') AND regexp_matches({text}, {literal(_DECIMAL_POINT)}))"
            # one figure with other decimals settles it: most files stop at their first rows
            if con.sql(f"SELECT 1 FROM {scan.relation} WHERE {pointed} AND NOT {three} LIMIT 1").fetchall():
                continue
            [(n, example)] = con.sql(
                f"SELECT count(*) FILTER (WHERE {three}), min({text}) FILTER (WHERE {three}) FROM {scan.relation}"
            ).fetchall()
            if n:
                found.append((user_name, int(n), str(example)))
        return found

    try:
        columns = run_on_source(source, Path(base_dir), measure)
    except InputError:
        return []  # a file that cannot be read is validate's error already
    problems = []
    for user_name, n, example in columns:
        figure = re.search("[0-9]{1,3}\\.[0-9]{3}", example)
        decimal = figure.group() if figure else example
        thousands = decimal.replace(".", "")
        problems.append(
            Problem(
                file=source.path,
                column=user_name,
                expected=_(
                    "figures with a decimal point; every figure with a point in this column has three digits "
                    "after it, as European thousands do: {example} is read as {decimal}, not {thousands}"
                ).format(example=example, decimal=f"{float(decimal):g}", thousands=int(thousands)),
                found=_("{n} figures like {example}").format(n=n, example=example),
                fix=_(
                    "if {example} means {thousands}, set decimal: ',' on this source in plan.yaml; if it is a "
                    "decimal, nothing needs to change"
                ).format(example=example, thousands=int(thousands)),
                count=n,
            )
        )
    return problems


def validate_source(source: Source, base_dir: Path, calendar: Calendar, kind: str = "sales") -> list[Problem]:
    """Every problem with one data source (empty when clean), found by SQL inside DuckDB, all at once.

    Checks: file present, inside the workbook and not empty; the header on its row (a header found below
    title rows is reported with the `header_row` to set, and the file is then checked as if it were set);
    no duplicate header names; every mapped column present (the closest name suggested); required
    columns mapped (sales: date, amount, rep, or date, quantity, unit_price, rep; accounts: account); dates
    and numbers parse, required cells filled, a discount is a fraction; sales dates fall in the calendar.
    Negative amounts (returns, credit notes) are valid. Each check groups its bad rows by value, the first
    few values and a count of the rest. Row numbers: see the module docstring.
    """

    if kind == "exchange_rates":
        return currencies.rate_problems(source, Path(base_dir))

    def work(con: duckdb.DuckDBPyConnection, scan: Scan) -> tuple[int | None, list[Problem]]:
        return suggested_header_row(scan, source), located_problems(con, scan, source, calendar, kind)

    try:
        header_row, problems = run_on_source(source, Path(base_dir), work)
    except InputError as exc:
        return exc.problems
    if header_row is not None:
        corrected = source.model_copy(update={"header_row": header_row})
        problems += validate_source(corrected, base_dir, calendar, kind)
    return problems

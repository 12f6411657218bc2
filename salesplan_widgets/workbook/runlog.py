"""The run log: one line per period run in WORKBOOK/reports/runs.csv, so a manager can see which data a report used.

Each record says who ran it (login and host), when (UTC, ISO 8601), which period, the plan version and the
data fingerprint the run saw, the templates, the outcome (ok / failed with the error's message) and how long
it took. Records are appended under a lock and the file is replaced atomically, so two runs finishing at once
both land and a reader never sees half a line. Writing the log must never change a run's outcome: a log that
cannot be written is a warning, never the run's error. This module never edits the plan or the data.
"""

from __future__ import annotations

import contextlib
import csv
import getpass
import io
import os
import socket
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from salesplan_widgets.i18n import _
from salesplan_widgets.workbook.atomic import atomic_write, file_version, locked
from salesplan_widgets.workbook.plan import PLAN_FILE
from salesplan_widgets.workbook.workbook import REPORTS_DIR, Workbook

RUN_LOG = "runs.csv"
OK = "ok"
FAILED = "failed"
_MESSAGE_LIMIT = 2000  # a whole traceback belongs in the kept notebook, not in every row of the log


@dataclass(frozen=True)
class RunRecord:
    """One period run as the log keeps it (column order = field order)."""

    started: str  # UTC, ISO 8601, seconds
    user: str
    host: str
    period: str
    plan_version: str
    data_fingerprint: str
    templates: str  # names separated by spaces
    outcome: str  # "ok" or "failed"
    message: str
    duration_s: float


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(RunRecord))


def _folder(workbook: Workbook | str | Path) -> Path:
    if isinstance(workbook, Workbook):
        return workbook.path
    folder = Path(workbook).expanduser().resolve()
    return folder.parent if folder.is_file() else folder


def run_log_path(workbook: Workbook | str | Path) -> Path:
    """WORKBOOK/reports/runs.csv (a workbook, its folder, or its plan file)."""
    return _folder(workbook) / REPORTS_DIR / RUN_LOG


def current_user() -> str:
    """The login running the process; cron and containers without a passwd entry still get a name."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid {os.getuid()}"


def _csv_line(values: Sequence[object]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


def append_run(workbook: Workbook | str | Path, record: RunRecord) -> Path:
    """Append one record to the workbook's run log (created with its header on first use); return the log's path."""
    path = run_log_path(workbook)
    path.parent.mkdir(parents=True, exist_ok=True)
    row = asdict(record)
    with locked(path):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        if not text.strip():
            text = _csv_line(COLUMNS)
        elif not text.endswith("\n"):
            text += "\n"
        atomic_write(path, text + _csv_line([row[c] for c in COLUMNS]))
    return path


def read_run_log(workbook: Workbook | str | Path) -> pd.DataFrame:
    """The run log as a table, oldest first: `started` as UTC timestamps, `duration_s` as seconds (empty if none)."""
    path = run_log_path(workbook)
    if not path.exists():
        log = pd.DataFrame({c: pd.Series(dtype="str") for c in COLUMNS})
    else:
        log = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    log["started"] = pd.to_datetime(log["started"], utc=True, format="ISO8601")
    log["duration_s"] = pd.to_numeric(log["duration_s"]).astype(float)
    return log


def _what_the_run_saw(workbook_path: Path) -> tuple[str, str]:
    """(plan version, data fingerprint), blank where the plan cannot even be read: that is the run's error to tell."""
    folder = _folder(workbook_path)
    version = file_version(folder / PLAN_FILE) or ""
    try:
        fingerprint = Workbook(folder).data_fingerprint()
    except Exception:  # an unreadable plan: the run itself reports it
        fingerprint = ""
    return version, fingerprint


def _normalise_period(period: str) -> str:
    try:
        return str(pd.Period(str(period).strip(), freq="M"))
    except (ValueError, TypeError):
        return str(period)


@dataclass
class RunChoice:
    """What the run made of its --period, filled in by the run once it has read the plan's calendar: the
    period it ran (its folder name) and, where the text named another (a month at a weekly grain), why."""

    period: str | None = None
    note: str = ""


@contextlib.contextmanager
def logged_run(
    workbook_path: str | Path, period: str, templates: Sequence[str] | None = None
) -> Iterator[RunChoice]:
    """Time the enclosed period run and append its record, ok or failed (the error is re-raised untouched).

    Plan version and data fingerprint are taken when the run starts: the data the report was built from.
    The record names the period the run chose (`RunChoice.period`, else the text given) and, for an ok run,
    the note saying why; a failed run's message is its error, after that note.
    """
    started = datetime.now(UTC).replace(microsecond=0)
    clock = time.monotonic()
    choice = RunChoice()
    if not (_folder(workbook_path) / PLAN_FILE).is_file():  # no workbook here: nothing to log into
        yield choice
        return
    version, fingerprint = _what_the_run_saw(Path(workbook_path))
    if templates is None:
        with contextlib.suppress(Exception):
            templates = list(Workbook(workbook_path).plan.reports.templates)
    outcome, message = OK, ""
    try:
        yield choice
    except BaseException as exc:
        outcome = FAILED
        message = (str(exc) or type(exc).__name__)[:_MESSAGE_LIMIT]
        raise
    finally:
        record = RunRecord(
            started=started.isoformat(),
            user=current_user(),
            host=socket.gethostname(),
            period=choice.period or _normalise_period(period),
            plan_version=version,
            data_fingerprint=fingerprint,
            templates=" ".join(templates or []),
            outcome=outcome,
            message=" ".join(part for part in (choice.note, message) if part)[:_MESSAGE_LIMIT],
            duration_s=round(time.monotonic() - clock, 3),
        )
        try:
            append_run(workbook_path, record)
        except OSError as exc:  # a read-only reports folder must not turn a good report into a failed run
            warnings.warn(
                _("The run log {path} could not be written: {error}").format(
                    path=run_log_path(workbook_path), error=exc
                ),
                stacklevel=3,
            )

"""The audit log: who changed what in the workbook, when, and which version it went from and to.

One JSON object per line in WORKBOOK/tables/audit.jsonl. Lines are only ever appended: each one in a single
write to a file opened for appending, under the file's lock, then synced, so two savers at once both land
and nothing already written is touched. The user is the signed-in user when a server passes one, else the
OS login running the process (CLI, JupyterLab) — never a name typed into a form. This module records; it
never decides whether a write is allowed (the caller's version check does).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from salesplan_widgets.i18n import _
from salesplan_widgets.workbook.atomic import locked
from salesplan_widgets.workbook.workbook import TABLES_DIR, Workbook

AUDIT_FILE = "audit.jsonl"


@dataclass(frozen=True)
class AuditRecord:
    """One write: when (UTC, ISO 8601), who, what action on which file, versions before and after."""

    at: str
    user: str
    action: str
    target: str
    before: str | None
    after: str | None
    detail: dict[str, Any] = field(default_factory=dict)


COLUMNS: tuple[str, ...] = tuple(AuditRecord.__dataclass_fields__)


def audit_path(workbook: Workbook) -> Path:
    return workbook.path / TABLES_DIR / AUDIT_FILE


def acting_user(user: str | None = None) -> str:
    """The identity a write is recorded under: the signed-in `user` if given, else the OS login."""
    from salesplan_widgets.workbook.runlog import current_user

    return str(user).strip() if user and str(user).strip() else current_user()


def record(
    workbook: Workbook,
    action: str,
    *,
    target: str = "",
    before: str | None = None,
    after: str | None = None,
    user: str | None = None,
    now: dt.datetime | None = None,
    **detail: Any,
) -> AuditRecord:
    """Append one record (e.g. action='plan.save', target='plan.yaml') and return it.

    `before`/`after` are the content versions (see atomic.content_version) of the file written; `detail`
    holds small JSON-able facts such as the plan sections saved or the version number created.
    """
    workbook.ensure_writable(_("Writing the audit log"))
    entry = AuditRecord(
        at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        user=acting_user(user),
        action=action,
        target=target,
        before=before,
        after=after,
        detail=detail,
    )
    line = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True, default=str) + "\n"
    path = audit_path(workbook)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    return entry


def read_audit(workbook: Workbook) -> pd.DataFrame:
    """Every record, oldest first (empty with the right columns when nothing was written yet).

    A last line cut short by a crash mid-write is skipped: it never was a complete record.
    """
    path = audit_path(workbook)
    rows: list[dict] = []
    if path.exists():
        for text in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(text))
            except ValueError:
                continue
    return pd.DataFrame(rows, columns=list(COLUMNS))

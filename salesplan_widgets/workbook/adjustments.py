"""Manual adjustments waiting for their period's close: `ledger/adjustments.csv`, appended to, never edited.

`salesplan payouts WB --period P --adjust REP AMOUNT --reason … --approver …` records one: an amount to pay
(or, negative, to recover) in an open period, why, and who approved it. Preparing that period turns it into
a ledger line (`model/manual.py`); closing it records the line in the ledger for good. Each entry is appended
atomically under the file's lock and written to the audit log with the user who entered it; a closed period
takes no more adjustments (its changes go into the first open period).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.model.manual import ADJUSTMENT_COLUMNS
from salesplan_widgets.workbook.atomic import atomic_write, locked
from salesplan_widgets.workbook.workbook import Workbook

ADJUSTMENTS = "ledger/adjustments.csv"


def read_adjustments(workbook: Workbook) -> pd.DataFrame:
    """Every manual adjustment entered, oldest first (empty with the right columns when none)."""
    path = workbook.path / ADJUSTMENTS
    if not path.exists():
        return pd.DataFrame(columns=ADJUSTMENT_COLUMNS)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.astype({"amount": float})


def _refuse(column: str, expected: str, found: str, fix: str) -> InputError:
    return InputError(Problem(file=ADJUSTMENTS, column=column, expected=expected, found=found, fix=fix))


def add_adjustment(
    workbook: Workbook,
    period: str,
    rep: str,
    amount: float,
    reason: str,
    approver: str,
    by: str | None = None,
) -> dict:
    """Record a manual adjustment for an open period; refused for a closed period or without reason/approver."""
    from salesplan_widgets.workbook.audit import acting_user, record
    from salesplan_widgets.workbook.ledger import FACTS, _check_open, _period, read_ledger

    month = _period(period)
    workbook.ensure_writable(_("Recording a manual adjustment"))
    if not math.isfinite(float(amount)) or float(amount) == 0:
        raise _refuse(
            "amount",
            _("an amount other than 0"),
            str(amount),
            _("give the amount to pay, or a negative amount to recover"),
        )
    if not str(reason).strip():
        raise _refuse(
            "reason",
            _("the reason for the adjustment"),
            "",
            _("add --reason with why it is paid or recovered"),
        )
    if not str(approver).strip():
        raise _refuse(
            "approver", _("who approved the adjustment"), "", _("add --approver with the approver's name")
        )
    _check_open(workbook, read_ledger(workbook, FACTS), month, closing=False)
    path = workbook.path / ADJUSTMENTS
    path.parent.mkdir(parents=True, exist_ok=True)
    user = acting_user(by)
    row = {
        "id": uuid.uuid4().hex[:12],
        "period": str(month),
        "rep": str(rep),
        "amount": float(amount),
        "reason": str(reason).strip(),
        "approver": str(approver).strip(),
        "by": user,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    with locked(path):
        current = path.read_bytes() if path.exists() else b""
        text = pd.DataFrame([row], columns=ADJUSTMENT_COLUMNS).to_csv(index=False, header=not current)
        atomic_write(path, current + text.encode("utf-8"))
    record(
        workbook,
        "ledger.adjust",
        target=ADJUSTMENTS,
        user=user,
        **{k: row[k] for k in ("id", "period", "rep", "amount", "reason", "approver")},
    )
    return row

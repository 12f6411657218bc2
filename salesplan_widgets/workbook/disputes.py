"""A rep's inquiries about statement lines, and their answers: `ledger/disputes.csv`, appended to only.

`salesplan dispute WB --period P --rep R --line N --question …` logs an inquiry against line N of R's
closed statement for P (the ledger's lines in the order they were paid), with the line's rule and amount
copied beside it, so the inquiry still reads right if the statement is rendered again. `--answer ID --text …`
records the answer; with `--adjust AMOUNT --approver …` the resulting manual adjustment is entered for the
first open period (`workbook/adjustments.py`), named after the dispute, and paid through the ledger when that
period closes. The author of each entry is the acting user (the signed-in user when a server passes one,
else the OS login), never a name typed in; every entry also goes to the audit log. A rep signed in through
the hub raises the same inquiry from their statements dashboard: it reaches `log_inquiry` through their
inbox (workbook/inbox.py), authored by the inbox's owner. `statement_lines` and `dispute_status` are what a
published extract carries of this log, so a rep can pick a line and read the answer without the ledger.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.workbook.atomic import atomic_write, locked
from salesplan_widgets.workbook.workbook import Workbook

DISPUTES = "ledger/disputes.csv"
COLUMNS = ["id", "event", "period", "rep", "line", "rule", "amount", "text", "adjustment", "author", "at"]
INQUIRY, ANSWER = "inquiry", "answer"
OPEN, ANSWERED = "open", "answered"


def read_disputes(workbook: Workbook) -> pd.DataFrame:
    """Every inquiry and answer, oldest first (empty with the right columns when none)."""
    path = workbook.path / DISPUTES
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def statement_lines(workbook: Workbook, reps: set[str] | None = None) -> pd.DataFrame:
    """The lines of every closed statement (of `reps`; None: every rep), numbered from 1 per period and rep
    in the order they were paid: the numbering an inquiry names (period, rep, line, rule, amount_minor)."""
    from salesplan_widgets.workbook.ledger import read_ledger

    lines = read_ledger(workbook, ["period", "rep", "rule", "amount_minor"]).lines
    lines = lines.assign(rep=lines["rep"].astype(str))
    if reps is not None:
        lines = lines[lines["rep"].isin(reps)]
    lines = lines.assign(line=lines.groupby(["period", "rep"], observed=True).cumcount() + 1)
    return lines[["period", "rep", "line", "rule", "amount_minor"]].reset_index(drop=True)


def dispute_status(workbook: Workbook, reps: set[str] | None = None) -> pd.DataFrame:
    """One row per inquiry (of `reps`; None: every rep), oldest first: what was asked, by whom, whether it is
    answered, the latest answer, and the amount and period of the adjustment it led to (blank when none)."""
    from salesplan_widgets.workbook.adjustments import read_adjustments

    entries = read_disputes(workbook)
    if reps is not None:
        entries = entries[entries["rep"].isin(reps)]
    asked = entries[entries["event"] == INQUIRY]
    answers = entries[entries["event"] == ANSWER].drop_duplicates("id", keep="last")
    status = asked.merge(
        answers[["id", "text", "adjustment", "author", "at"]], on="id", how="left", suffixes=("", "_answer")
    )
    status["adjustment_answer"] = status["adjustment_answer"].fillna("").astype(str)
    adjustments = read_adjustments(workbook)[["id", "amount", "period"]].rename(
        columns={"id": "adjustment_answer", "amount": "adjustment_amount", "period": "adjustment_period"}
    )
    status = status.merge(adjustments, on="adjustment_answer", how="left")
    return pd.DataFrame({
        "id": status["id"],
        "period": status["period"],
        "rep": status["rep"],
        "line": status["line"].astype(int),
        "rule": status["rule"],
        "amount_minor": status["amount"].astype("int64"),
        "question": status["text"],
        "asked_by": status["author"],
        "asked_at": status["at"],
        "status": status["text_answer"].notna().map({True: ANSWERED, False: OPEN}),
        "answer": status["text_answer"].fillna(""),
        "answered_at": status["at_answer"].fillna(""),
        "adjustment": status["adjustment_amount"],
        "adjustment_period": status["adjustment_period"].fillna(""),
    }).reset_index(drop=True)  # fmt: skip


def _append(workbook: Workbook, row: dict, user: str) -> dict:
    from salesplan_widgets.workbook.audit import record

    path = workbook.path / DISPUTES
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        current = path.read_bytes() if path.exists() else b""
        text = pd.DataFrame([row], columns=COLUMNS).to_csv(index=False, header=not current)
        atomic_write(path, current + text.encode("utf-8"))
    record(
        workbook, f"ledger.dispute.{row['event']}", target=DISPUTES, user=user, id=row["id"], rep=row["rep"]
    )
    return row


def _problem(column: str, expected: str, found: str, fix: str) -> InputError:
    return InputError(Problem(file=DISPUTES, column=column, expected=expected, found=found, fix=fix))


def log_inquiry(
    workbook: Workbook, period: str, rep: str, line: int, question: str, user: str | None = None
) -> dict:
    """Log a rep's inquiry against line `line` (1-based) of their closed statement for `period`."""
    from salesplan_widgets.workbook.audit import acting_user
    from salesplan_widgets.workbook.ledger import _period

    month = _period(period)
    workbook.ensure_writable(_("Logging an inquiry"))
    if not str(question).strip():
        raise _problem("question", _("the rep's question"), "", _("add --question with what the rep asks"))
    paid = statement_lines(workbook, reps={str(rep)})
    paid = paid[paid["period"] == month].reset_index(drop=True)
    if not 1 <= int(line) <= len(paid):
        raise _problem(
            "line",
            _("a line of {rep}'s closed statement for {period} (1 to {n})").format(
                rep=rep, period=month, n=len(paid)
            ),
            str(line),
            _("close the period first, and number the statement's lines from 1"),
        )
    chosen = paid.iloc[int(line) - 1]
    author = acting_user(user)
    row = {
        "id": uuid.uuid4().hex[:10],
        "event": INQUIRY,
        "period": str(month),
        "rep": str(rep),
        "line": str(int(line)),
        "rule": str(chosen["rule"]),
        "amount": str(int(chosen["amount_minor"])),
        "text": str(question).strip(),
        "adjustment": "",
        "author": author,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return _append(workbook, row, author)


def answer_inquiry(
    workbook: Workbook,
    dispute: str,
    text: str,
    adjust: float | None = None,
    approver: str = "",
    period: str | None = None,
    user: str | None = None,
) -> dict:
    """Answer inquiry `dispute`; with `adjust`, enter the resulting manual adjustment for `period` (default:
    the first open period)."""
    from salesplan_widgets.model.measurement import next_pay_period
    from salesplan_widgets.workbook.adjustments import add_adjustment
    from salesplan_widgets.workbook.audit import acting_user
    from salesplan_widgets.workbook.ledger import FACTS, read_ledger
    from salesplan_widgets.workbook.payouts import incentives_of

    entries = read_disputes(workbook)
    asked = entries[(entries["id"] == dispute) & (entries["event"] == INQUIRY)]
    if asked.empty:
        raise _problem(
            "id",
            _("the id of a logged inquiry"),
            dispute,
            _("list them with salesplan dispute WORKBOOK --list"),
        )
    if not str(text).strip():
        raise _problem("text", _("the answer to the inquiry"), "", _("add --text with the answer"))
    inquiry = asked.iloc[0]
    author = acting_user(user)
    adjustment = ""
    if adjust is not None:
        if period is None:
            last = read_ledger(workbook, FACTS).last_closed
            period = (
                str(next_pay_period(incentives_of(workbook), last, workbook.plan.calendar.fiscal_year_start))
                if last is not None
                else inquiry["period"]
            )
        reason = _("Dispute {id}: {answer}").format(id=dispute, answer=str(text).strip())
        adjustment = add_adjustment(workbook, period, inquiry["rep"], adjust, reason, approver, by=author)[
            "id"
        ]
    row = {
        "id": dispute,
        "event": ANSWER,
        "period": inquiry["period"],
        "rep": inquiry["rep"],
        "line": inquiry["line"],
        "rule": inquiry["rule"],
        "amount": inquiry["amount"],
        "text": str(text).strip(),
        "adjustment": adjustment,
        "author": author,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return _append(workbook, row, author)

"""The feedback log: reps' remarks from returned task sheets and managers' notes, per period, in the workbook.

Kept as the shared "feedback" table (period, rep, author, source, date, text). Notes are appended under the
log's lock, so two managers writing at once cannot drop each other's note; the author is the acting user
(signed in, or the OS login), and each note is recorded in the audit log. Storage only: what a note
says is never interpreted here.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from salesplan_widgets.errors import ConflictError, InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.workbook.atomic import atomic_write, file_version, locked
from salesplan_widgets.workbook.workbook import TABLES_DIR, Workbook

FEEDBACK = "feedback"
COLUMNS = ("period", "rep", "author", "source", "date", "text")


def read_feedback(
    workbook: Workbook, period: pd.Period | str | None = None, rep: str | None = None
) -> pd.DataFrame:
    """The log (optionally one period's — see `months_shown` — and/or one rep's), newest first; empty with
    the right columns if none yet."""
    table = workbook.read_table(FEEDBACK, periods=False)
    if table is None:
        table = pd.DataFrame({c: pd.Series([], dtype=str) for c in COLUMNS})
    for column in COLUMNS:
        if column not in table.columns:
            table[column] = ""
    table["period"] = note_months(workbook, table["period"])
    table = table[list(COLUMNS)].fillna({"rep": "", "author": "", "source": "", "date": "", "text": ""})
    if period is not None:
        table = table[table["period"].isin(months_shown(workbook, period))]
    if rep is not None:
        table = table[table["rep"].astype(str) == rep]
    return table.sort_values(["date", "period"], ascending=False, kind="stable").reset_index(drop=True)


def months_shown(workbook: Workbook, period: pd.Period | str) -> pd.PeriodIndex:
    """The months whose notes a period's view shows: a month itself; a week the month it counts in (its
    Thursday's, or the retail pattern's); a quarter all three of its months, so a note filed under its
    first month (written while the workbook was monthly) shows beside those filed under its last (where
    the quarter's own notes go, `FiscalCalendar.months_of`)."""
    from salesplan_widgets.model.calendar import FiscalCalendar

    if isinstance(period, str) and re.fullmatch(r"\d{4}-\d{2}", period.strip()):
        return pd.PeriodIndex([pd.Period(period.strip(), freq="M")])
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    period = calendar.periods_from_text([period])[0] if isinstance(period, str) else pd.Period(period)
    if period.freqstr == "M":
        return pd.PeriodIndex([period])
    if period.freqstr.startswith("Q"):
        return pd.period_range(period.asfreq("M", how="start"), period.asfreq("M", how="end"), freq="M")
    return calendar.months_of([period])


def note_months(workbook: Workbook, periods: pd.Series) -> pd.PeriodIndex:
    """The month each note is filed under. The log is by month (2026-10); a note a weekly workbook filed
    under its week (a task sheet's, or a log rewritten before this was so) counts in the month holding the
    week's Thursday, as the plan calendar measures money (`FiscalCalendar.months_of`)."""
    from salesplan_widgets.model.calendar import FiscalCalendar

    text = periods.fillna("").astype(str).str.strip()
    months = text.str.fullmatch(r"\d{4}-\d{2}")
    weeks = ~months & (text != "")
    result = pd.Series(pd.NaT, index=periods.index, dtype="period[M]")
    result[months] = pd.PeriodIndex(text[months], freq="M")
    if weeks.any():
        calendar = FiscalCalendar.of(workbook.plan.calendar)
        result[weeks] = calendar.months_of(calendar.periods_from_text(text[weeks]))
    return pd.PeriodIndex(result)


def add_note(
    workbook: Workbook,
    period: pd.Period | str,
    rep: str,
    text: str,
    *,
    user: str | None = None,
    source: str = "manager",
    date: dt.date | None = None,
) -> pd.DataFrame:
    """Append one note to the log and return the log; a blank note is refused with a clear error.

    The note's author is who is acting — the signed-in `user` a server passes, else the OS login — never a
    name typed into a form. Appends happen under the log's lock, so notes written at once all land; the
    note is recorded in the audit log with the log's version before and after.
    """
    from salesplan_widgets.workbook.audit import acting_user, record

    workbook.ensure_writable(_("Adding a note"))
    if not str(text or "").strip():
        raise InputError(
            Problem(
                file="tables/feedback.csv",
                column="text",
                expected=_("a non-empty {column}").format(column="text"),
                fix=_("write the note before adding it"),
            )
        )
    try:
        if isinstance(period, str) and not re.fullmatch(r"\d{4}-\d{2}", period.strip()):
            raise ValueError(period)  # pandas would read 'October' as this year's October
        month = pd.Period(period, freq="M")
    except (ValueError, TypeError) as exc:
        raise InputError(
            Problem(
                file="tables/feedback.csv",
                column="period",
                expected=_("a month such as 2026-10"),
                found=str(period),
            )
        ) from exc
    author = acting_user(user)
    path = workbook.table_path(FEEDBACK)
    note = pd.DataFrame(
        {
            "period": [str(month)],
            "rep": [rep or ""],
            "author": [author],
            "source": [source],
            "date": [(date or dt.date.today()).isoformat()],
            "text": [text.strip()],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        read_version = file_version(path)
        current = workbook.read_table(FEEDBACK, periods=False)  # the notes' months as written
        log = note if current is None or current.empty else pd.concat([current, note], ignore_index=True)
        if file_version(path) != read_version:  # a writer that ignored the lock
            raise ConflictError(
                _(
                    "{file} was changed by someone else while saving; your note was not saved. Add it again."
                ).format(file=path)
            )
        after = atomic_write(path, log.to_csv(index=False))
    record(
        workbook,
        "feedback.note",
        target=f"{TABLES_DIR}/{FEEDBACK}.csv",
        before=read_version,
        after=after,
        user=user,
        period=str(month),
        rep=rep or "",
    )
    return read_feedback(workbook)

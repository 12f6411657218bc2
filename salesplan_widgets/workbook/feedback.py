"""The feedback log: reps' remarks from returned task sheets and managers' notes, per period, in the workbook.

Kept as the shared "feedback" table (period, rep, author, source, date, text). Notes are appended with a
version check, so two managers writing at once cannot drop each other's note. Storage only: what a note
says is never interpreted here.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.workbook.atomic import file_version, save_checked
from salesplan_widgets.workbook.workbook import Workbook

FEEDBACK = "feedback"
COLUMNS = ("period", "rep", "author", "source", "date", "text")


def read_feedback(
    workbook: Workbook, period: pd.Period | str | None = None, rep: str | None = None
) -> pd.DataFrame:
    """The log (optionally one period and/or rep), newest first; empty with the right columns if none yet."""
    table = workbook.read_table(FEEDBACK)
    if table is None:
        table = pd.DataFrame({c: pd.Series([], dtype=str) for c in COLUMNS})
        table["period"] = pd.PeriodIndex([], freq="M")
    for column in COLUMNS:
        if column not in table.columns:
            table[column] = ""
    table = table[list(COLUMNS)].fillna({"rep": "", "author": "", "source": "", "date": "", "text": ""})
    if period is not None:
        table = table[table["period"] == pd.Period(period, freq="M")]
    if rep is not None:
        table = table[table["rep"].astype(str) == rep]
    return table.sort_values(["date", "period"], ascending=False, kind="stable").reset_index(drop=True)


def add_note(
    workbook: Workbook,
    period: pd.Period | str,
    rep: str,
    author: str,
    text: str,
    source: str = "manager",
    date: dt.date | None = None,
) -> pd.DataFrame:
    """Append one note to the log and return the log; a blank note or author is refused with a clear error."""
    for column, value in (("text", text), ("author", author)):
        if not str(value or "").strip():
            raise InputError(
                Problem(
                    file="tables/feedback.csv",
                    column=column,
                    expected=_("a non-empty {column}").format(column=column),
                    fix=_("write the note and who it is from"),
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
    path = workbook.table_path(FEEDBACK)
    read_version = file_version(path)
    current = workbook.read_table(FEEDBACK)
    note = pd.DataFrame(
        {
            "period": [str(month)],
            "rep": [rep or ""],
            "author": [author.strip()],
            "source": [source],
            "date": [(date or dt.date.today()).isoformat()],
            "text": [text.strip()],
        }
    )
    if current is not None:
        current = current.assign(period=current["period"].astype(str))
    log = note if current is None or current.empty else pd.concat([current, note], ignore_index=True)
    save_checked(path, log.to_csv(index=False), read_version)
    return read_feedback(workbook)

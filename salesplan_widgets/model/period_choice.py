"""Which period a --period text chose, in words: what `salesplan run` prints and logs before it runs.

A scheduler writes one --period for every workbook, usually a month. At a weekly, retail (4-4-5 …) or
quarterly grain `FiscalCalendar.parse` turns a month into one period of the plan's grain (the month's last
week, the retail period's last week, the quarter holding it) and a date into the period holding it; this
module says so, so that nobody reads a week's report as the month's. It only describes the calendar's
choice, never makes one of its own, and reads no files.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from salesplan_widgets.i18n import _, fmt_month, fmt_span
from salesplan_widgets.model.calendar import FiscalCalendar

_MONTH_TEXT_LENGTH = len("2026-10")
_DATE_TEXT_LENGTH = len("2026-10-26")


def period_choice_note(calendar: FiscalCalendar, text: str, period: pd.Period) -> str | None:
    """The sentence that says why `text` ran `period` (the active locale's words), or None when the text
    already names that one period at the plan's grain (a month on a monthly plan, 2026-W44, 2027Q1)."""
    text = str(text).strip()
    key = calendar.key(period)
    first, last = period.start_time.date(), period.end_time.date()
    if text == key or calendar.grain == "month" or text == f"{first.isoformat()}/{last.isoformat()}":
        return None
    span = fmt_span(first, last)
    if len(text) == _MONTH_TEXT_LENGTH:
        month = pd.Period(text, freq="M")
        return _month_note(calendar, text, key, span, fmt_month(month.year, month.month))
    # a date, or a span not on the grain: its first day
    day = dt.date.fromisoformat(text[:_DATE_TEXT_LENGTH]).isoformat()
    return _(
        "{text} is a date; this workbook reports by {grain}: running {period} ({span}), the {grain} holding {day}."
    ).format(text=day, grain=_grain_noun(calendar), period=key, span=span, day=day)


def _month_note(calendar: FiscalCalendar, text: str, key: str, span: str, month: str) -> str:
    if calendar.grain == "week":
        return _(
            "{text} is a month; this workbook reports by week: running week {period} ({span}), the last week "
            "that counts in {month} (a week counts in the month holding its Thursday, as in payouts). "
            "Name a week, e.g. --period {period}, to choose another."
        ).format(text=text, period=key, span=span, month=month)
    if calendar.grain == "quarter":
        return _(
            "{text} is a month; this workbook reports by quarter: running {period} ({span}), the fiscal quarter "
            "holding it. Name a quarter, e.g. --period {period}, to choose another."
        ).format(text=text, period=key, span=span)
    return _(
        "{text} is a month; this workbook reports by retail week ({pattern}): running the week of {period} "
        "({span}), the last week of the fiscal period that stands for {month}. Name a week by its first "
        "day, e.g. --period {period}, to choose another."
    ).format(text=text, pattern=calendar.grain, period=key, span=span, month=month)


def _grain_noun(calendar: FiscalCalendar) -> str:
    if calendar.grain == "quarter":
        return _("quarter")
    return _("week") if calendar.grain == "week" else _("retail week")


def pay_month_hint(calendar: FiscalCalendar, text: str) -> str | None:
    """Payouts are by month: for a text naming a week, retail week or quarter of this calendar (what `salesplan
    run` takes), the sentence naming the month that pays it; None for a month or a text naming nothing."""
    text = str(text).strip()
    if calendar.grain == "month" or len(text) == _MONTH_TEXT_LENGTH:
        return None
    try:
        period = calendar.parse(text)
    except (ValueError, TypeError):
        return None
    month = calendar.months_of([period])[0]
    if calendar.grain == "quarter":
        return _(
            "Payouts are made by month: {text} is paid in its last month, {month}. Give --period {month}."
        ).format(text=text, month=str(month))
    return _(
        "Payouts are made by month: {text} ({span}) counts in {month}, with the month's other weeks. "
        "Give --period {month}."
    ).format(text=text, span=fmt_span(period.start_time.date(), period.end_time.date()), month=str(month))


def payout_month(calendar: FiscalCalendar, period: pd.Period) -> pd.Period | None:
    """The month whose payouts a report for `period` shows: the month itself; for a week (or retail week,
    or quarter) the month it counts in (`months_of`, the payouts' rule) when it is the last period counting
    in that month, since only then is the month's pay complete; None for an earlier week."""
    if calendar.grain == "month":
        return period
    if calendar.window(period, "month")[1] != period:
        return None
    return calendar.months_of([period])[0]

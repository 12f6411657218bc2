"""Which sales and quota a statement measures: its measurement window, as months and as dates.

A statement's "Sales" and "Quota" are not always the month's: a quarterly plan measures the fiscal quarter
so far, a year-to-date plan the fiscal year so far, and on a weekly or retail calendar a month is the weeks
that count in it, so its first and last days are not the 1st and the 31st. This module names that window
so the documents can say it (the statements engine measures the same window, `model/statements.py`).
Pure: periods in, periods and dates out; no files.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.statements import PERIOD_MONTHS, fiscal_year_first


def measured_months(
    period: pd.Period, measurement: str, cumulative: bool, fiscal_year_start: int = 1
) -> tuple[pd.Period, pd.Period]:
    """(first, last) month whose sales and quota the statement for month `period` measures: from the fiscal
    year's first month when year-to-date, else from the first month of its monthly / quarterly / yearly
    window; always up to `period` itself."""
    year_first = fiscal_year_first(period, fiscal_year_start)
    if cumulative:
        return year_first, period
    length = PERIOD_MONTHS[measurement]
    return year_first + ((period - year_first).n // length) * length, period


def measured_days(calendar: FiscalCalendar, first: pd.Period, last: pd.Period) -> tuple[dt.date, dt.date]:
    """The first and last day of sales counted in months `first` to `last` on `calendar` (on ISO weeks a
    month is the weeks whose Thursday falls in it, so it may start in the month before)."""
    start = calendar.month_periods(first)[0].start_time.date()
    end = calendar.month_periods(last)[-1].end_time.date()
    return start, end

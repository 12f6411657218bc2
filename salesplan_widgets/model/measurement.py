"""Which sales and quota a statement measures: its measurement window, as months and as dates.

A statement's "Sales" and "Quota" are not always the month's: a quarterly plan measures the fiscal quarter
so far, a year-to-date plan the fiscal year so far, and on a weekly or retail calendar a month is the weeks
that count in it, so its first and last days are not the 1st and the 31st. This module names that window
so the documents can say it (the statements engine measures the same window, `model/statements.py`); which
months close a measurement period of someone (the section's reps or a role plan's); and the measurement's
name in the active language. Pure: periods in, periods and dates out; no files.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from salesplan_widgets.i18n import _
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.statements import PERIOD_MONTHS, fiscal_year_first
from salesplan_widgets.schema.incentives import IncentivesSection


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


def measurement_name(measurement: str) -> str:
    """A measurement key of the plan (`measurement` of the section or of a role plan's version) as a word of
    the active language, so a refusal in Chinese says 季度, not "quarterly" (an unknown key as it is)."""
    names = {"monthly": _("monthly"), "quarterly": _("quarterly"), "yearly": _("yearly")}
    return names.get(measurement, measurement)


def ends_a_measurement_period(period: pd.Period, measurement: str, fiscal_year_start: int = 1) -> bool:
    """Whether `period` is the last month of a monthly / quarterly / yearly window (only those are paid)."""
    length = PERIOD_MONTHS[measurement]
    months = (period - fiscal_year_first(period, fiscal_year_start)).n
    return (months + 1) % length == 0


def measurements_in_force(section: IncentivesSection, period: pd.Period) -> list[str]:
    """The measurements a month is paid by: the section's own (the reps on no role plan) and that of each
    role plan's version in force in it that someone is assigned to in it, shortest first."""
    month = pd.Period(period, "M")
    first, last = month.start_time.date(), month.end_time.date()
    assigned = {
        a.plan
        for a in section.assignments  # the workbook's few assignments
        if (a.start is None or a.start <= last) and (a.end is None or a.end >= first)
    }
    found = {section.measurement}
    for plan in section.plans:  # the workbook's few plans
        version = plan.in_force(str(month)) if plan.id in assigned else None
        if version is not None:
            found.add(version.measurement)
    return sorted(found, key=PERIOD_MONTHS.__getitem__)


def ends_a_pay_period(section: IncentivesSection, period: pd.Period, fiscal_year_start: int = 1) -> bool:
    """Whether closing `period` pays someone: it ends the window of a measurement in force in it (a quarterly
    workbook's January pays its reps on a monthly role plan)."""
    return any(
        ends_a_measurement_period(period, m, fiscal_year_start)
        for m in measurements_in_force(section, period)
    )


def next_pay_period(section: IncentivesSection, period: pd.Period, fiscal_year_start: int = 1) -> pd.Period:
    """The first month after `period` that ends a measurement period of someone (what closes next)."""
    month = pd.Period(period, "M") + 1
    while not ends_a_pay_period(section, month, fiscal_year_start):  # at most a year's months
        month += 1
    return month

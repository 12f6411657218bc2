"""The report period: text written YYYY-MM (or, at a weekly or quarterly grain, the calendar's own period
names: 2026-W44, a date, 2027Q1), checked before anything runs. Light on purpose (no charts)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _
from salesplan_widgets.model.calendar import FiscalCalendar

PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def parse_period(text: str, calendar: Any = None) -> pd.Period:
    """A report period from its text at the plan calendar's grain (default: months, YYYY-MM); at a weekly
    grain a month names its last week (the week it closes in). Anything else is a clear error."""
    cal = FiscalCalendar.of(calendar) if calendar is not None else FiscalCalendar()
    if cal.grain != "month":
        try:
            return cal.parse(text)
        except (ValueError, TypeError, AttributeError):
            raise SalesplanError(
                _(
                    "The period must be a month written YYYY-MM, a date YYYY-MM-DD or a period like {example}, "
                    "not {text!r}."
                ).format(example=cal.key(cal.period(dt.date(2026, 10, 15))), text=text)
            ) from None
    if not isinstance(text, str) or not PERIOD_PATTERN.match(text.strip()):
        raise SalesplanError(
            _("The period must be a month written YYYY-MM, e.g. 2026-10, not {text!r}.").format(text=text)
        )
    return pd.Period(text.strip(), freq="M")

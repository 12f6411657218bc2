"""The report month: text written YYYY-MM, checked before anything runs. Light on purpose (no charts)."""

from __future__ import annotations

import re

import pandas as pd

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _

PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def parse_period(text: str) -> pd.Period:
    """A report month from its text, YYYY-MM; anything else is a clear error."""
    if not isinstance(text, str) or not PERIOD_PATTERN.match(text.strip()):
        raise SalesplanError(
            _("The period must be a month written YYYY-MM, e.g. 2026-10, not {text!r}.").format(text=text)
        )
    return pd.Period(text.strip(), freq="M")

"""Pay at a weekly grain: statements are measured by month, each week counting in the month the calendar
gives it — by its Thursday for ISO weeks, by the retail pattern's period for a 4-5-4 year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection


@pytest.mark.parametrize(
    ("grain", "start", "month", "weeks"), [("week", 1, "2026-10", 5), ("4-5-4", 2, "2026-03", 5)]
)
def test_a_months_pay_counts_the_weeks_the_calendar_puts_in_it(grain, start, month, weeks) -> None:
    calendar = FiscalCalendar(grain, start)
    periods = calendar.year_periods(2027 if start > 1 else 2026)
    sales = np.arange(1, len(periods) + 1, dtype=float) * 100
    cube = pd.DataFrame({"period": periods, "rep": "Li", "team": "East", "segment": "A", "channel": "online",
                         "actual": sales})  # fmt: skip
    quotas = pd.DataFrame({"period": periods, "rep": "Li", "team": "East", "target": 1000.0})
    statements = payout_statements(IncentivesSection(), cube, quotas, month, fiscal_year_start=calendar)
    inside = calendar.month_periods(pd.Period(month, freq="M"))
    assert len(inside) == weeks
    row = statements.reps[statements.reps["period"] == pd.Period(month, freq="M")]
    assert row["period_sales"].iloc[0] == pytest.approx(cube.loc[cube["period"].isin(inside), "actual"].sum())
    assert row["quota"].iloc[0] == pytest.approx(1000.0 * weeks)

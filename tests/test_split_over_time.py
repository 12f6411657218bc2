"""The split over time at every grain: each plan period gets the share its season (calendar month, week of
the year, quarter) had in the history, and the plan's periods come from the calendar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.model.allocation import Level, plan_months, split_goal
from salesplan_widgets.model.calendar import FiscalCalendar

LEVELS = [Level("rep", "historical"), Level("period", "seasonality")]


def history(calendar: FiscalCalendar, years=(2025, 2026)) -> pd.DataFrame:
    """Two reps' sales, December (weeks by their Thursday) three times any other month."""
    periods = pd.PeriodIndex(np.concatenate([calendar.year_periods(y) for y in years]), freq=calendar.freq)
    december = np.asarray([(p.start_time + pd.Timedelta(days=3)).month == 12 for p in periods])
    amount = np.where(december, 3000.0, 1000.0)
    parts = [
        pd.DataFrame({"period": periods, "rep": rep, "actual": amount * share})
        for rep, share in (("Li", 0.5), ("Wang", 0.5))
    ]
    return pd.concat(parts, ignore_index=True).assign(
        segment="A", channel="online", team="East", territory="all"
    )


@pytest.mark.parametrize("grain", ["week", "4-4-5"])
def test_december_weeks_get_their_seasonal_share_not_an_equal_one(grain: str) -> None:
    calendar = FiscalCalendar(grain)
    sales = history(calendar)
    plan = plan_months(sales, fiscal_year_start=1)
    assert list(plan) == list(calendar.year_periods(2027))
    split = split_goal(1_000_000, LEVELS, sales, plan, unit=1.0)
    weekly = split.subtotals(["period"]).set_index("period")["target"]
    assert weekly.sum() == 1_000_000
    # each week takes the season of the same week of the year: weeks 49-52 sold December's three times in
    # both history years, weeks 2-44 never did (week 48 was December only in some years, week 1 January)
    position = calendar.positions(weekly.index)
    peak = weekly[(position >= 49) & (position <= 52)]
    usual = weekly[(position >= 2) & (position <= 44)]
    assert peak.min() / usual.max() == pytest.approx(3.0, rel=0.01)
    assert usual.max() - usual.min() <= 2  # equal shares but for rounding (a unit per rep)


def test_quarterly_plan_follows_the_quarters_season() -> None:
    calendar = FiscalCalendar("quarter", fiscal_year_start=4)
    periods = pd.PeriodIndex(
        np.concatenate([calendar.year_periods(y) for y in (2025, 2026)]), freq=calendar.freq
    )
    amount = np.tile([1.0, 1.0, 2.0, 4.0], 2) * 1000
    sales = pd.DataFrame({"period": periods, "rep": "Li", "actual": amount}).assign(
        segment="A", channel="online", team="East", territory="all"
    )
    plan = plan_months(sales, fiscal_year_start=4)
    assert list(plan) == list(calendar.year_periods(2027))
    split = split_goal(8000, LEVELS, sales, plan, unit=1.0)
    assert split.subtotals(["period"])["target"].tolist() == [1000, 1000, 2000, 4000]


def test_plan_periods_from_a_start_month_and_a_count_of_months() -> None:
    weekly = history(FiscalCalendar("week"))
    plan = plan_months(weekly, start="2027-05", months=3)
    # the first week whose Thursday is in May 2027 (Mon 3 May), 13 weeks: a quarter's worth
    assert plan[0].start_time == pd.Timestamp("2027-05-03") and len(plan) == 13
    monthly = history(FiscalCalendar("month"))
    assert [str(p) for p in plan_months(monthly, months=12, fiscal_year_start=4)][:2] == [
        "2027-04",
        "2027-05",
    ]


def test_a_plan_of_whole_fiscal_years_holds_a_53rd_week() -> None:
    weekly = history(FiscalCalendar("week"), years=(2024, 2025))
    plan = plan_months(weekly, start="2026-01", months=12)
    assert list(plan) == list(FiscalCalendar("week").year_periods(2026)) and len(plan) == 53

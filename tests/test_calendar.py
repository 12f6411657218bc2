"""The calendar owns time: fiscal years, periods of a year, windows, seasons, labels and working days at
every grain (month, ISO week, retail 4-4-5 / 4-5-4 / 5-4-4, quarter) and for any fiscal year start."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.calendar import GRAINS, FiscalCalendar, period_labels


def test_monthly_fiscal_year_is_named_by_the_year_it_ends_in() -> None:
    april = FiscalCalendar("month", fiscal_year_start=4)
    periods = april.year_periods(2027)
    assert (str(periods[0]), str(periods[-1])) == ("2026-04", "2027-03")
    assert april.fiscal_year(pd.Period("2026-03", freq="M")) == 2026
    assert april.fiscal_year(pd.Period("2026-04", freq="M")) == 2027
    assert list(april.positions(pd.PeriodIndex(["2026-04", "2026-12", "2027-03"], freq="M"))) == [1, 9, 12]


def test_fiscal_quarters_follow_the_fiscal_year_start() -> None:
    april = FiscalCalendar("quarter", fiscal_year_start=4)
    assert april.freq == "Q-MAR"
    first = april.year_periods(2027)[0]
    assert first.start_time == pd.Timestamp("2026-04-01")
    assert april.period(dt.date(2026, 5, 17)) == first
    assert april.cycle == 4 and april.cycle_of(first) == 4
    assert april.label(first) == "Q1 FY2027"


def test_iso_weeks_belong_to_the_year_of_their_thursday_and_long_years_have_53() -> None:
    weeks = FiscalCalendar("week")
    assert [weeks.cycle_of(pd.Period(f"{y}-06-01", freq="W-SUN")) for y in (2020, 2021, 2026, 2027)] == [
        53,
        52,
        53,
        52,
    ]
    # Monday 28 Dec 2026 - Sunday 3 Jan 2027: its Thursday is 31 Dec, so it is week 53 of 2026
    straddling = weeks.period(dt.date(2027, 1, 2))
    assert weeks.fiscal_year(straddling) == 2026
    assert weeks.positions([straddling])[0] == 53
    assert weeks.label(straddling) == "W53 2026"
    assert weeks.label(straddling, "zh_CN") == "2026年第53周"


def test_nrf_retail_year_ends_on_the_saturday_nearest_january_31() -> None:
    nrf = FiscalCalendar("4-5-4", fiscal_year_start=2)
    # the NRF's fiscal 2017 ran 29 Jan 2017 - 3 Feb 2018 with 53 weeks (named 2018 here: the year it ends in)
    assert nrf.year_first_day(2018) == pd.Timestamp("2017-01-29")
    assert nrf.year_last_day(2018) == pd.Timestamp("2018-02-03")
    assert len(nrf.year_periods(2018)) == 53
    assert len(nrf.year_periods(2019)) == 52
    assert all(p.end_time.weekday() == 5 for p in nrf.year_periods(2019))  # retail weeks end on Saturday


@pytest.mark.parametrize(
    ("grain", "first_quarter"), [("4-4-5", [4, 4, 5]), ("4-5-4", [4, 5, 4]), ("5-4-4", [5, 4, 4])]
)
def test_retail_patterns_group_weeks_into_fiscal_periods(grain: str, first_quarter: list[int]) -> None:
    retail = FiscalCalendar(grain, fiscal_year_start=2)
    weeks = retail.year_periods(2019)
    lengths = np.bincount(retail.fiscal_months(weeks))[1:]
    assert list(lengths) == first_quarter * 4
    assert list(np.bincount(retail.fiscal_quarters(weeks))[1:]) == [13, 13, 13, 13]


def test_the_53rd_retail_week_joins_the_last_period() -> None:
    retail = FiscalCalendar("4-4-5", fiscal_year_start=2)
    weeks = retail.year_periods(2018)
    assert len(weeks) == 53
    assert list(np.bincount(retail.fiscal_months(weeks))[1:]) == [4, 4, 5] * 3 + [4, 4, 6]


def test_windows_hold_the_fiscal_month_quarter_and_year_at_each_grain() -> None:
    monthly = FiscalCalendar("month", fiscal_year_start=4)
    assert monthly.window(pd.Period("2026-08", freq="M"), "quarter") == (
        pd.Period("2026-07", freq="M"),
        pd.Period("2026-09", freq="M"),
    )
    weekly = FiscalCalendar("week")
    first, last = weekly.window(weekly.period(dt.date(2027, 3, 10)), "month")
    assert (first.start_time.date(), last.end_time.date()) == (dt.date(2027, 3, 1), dt.date(2027, 3, 28))
    first, last = weekly.window(weekly.period(dt.date(2027, 3, 10)), "quarter")
    assert (first.start_time.date(), last.end_time.date()) == (dt.date(2027, 1, 4), dt.date(2027, 3, 28))
    retail = FiscalCalendar("4-4-5", fiscal_year_start=2)
    first, last = retail.window(retail.year_periods(2019)[9], "month")  # week 10: the third period, 5 weeks
    assert len(retail.range(first, last)) == 5
    quarterly = FiscalCalendar("quarter")
    q = pd.Period("2027Q2", freq="Q-DEC")
    assert quarterly.window(q, "month") == (q, q)
    assert quarterly.window(q, "year") == (
        pd.Period("2027Q1", freq="Q-DEC"),
        pd.Period("2027Q4", freq="Q-DEC"),
    )


def test_same_period_a_year_earlier_keeps_its_place_in_the_year() -> None:
    weekly = FiscalCalendar("week")
    this_year = weekly.year_periods(2027)
    assert list(weekly.same_period_years_ago(this_year[:2])) == list(weekly.year_periods(2026)[:2])
    # week 53 of 2026 has no twin in 2025 (52 weeks): it compares with week 52
    assert weekly.same_period_years_ago(weekly.year_periods(2026)[-1:])[0] == weekly.year_periods(2025)[-1]
    monthly = FiscalCalendar("month")
    assert monthly.same_period_years_ago([pd.Period("2027-03", freq="M")])[0] == pd.Period(
        "2026-03", freq="M"
    )


def test_the_next_plan_year_is_the_first_fiscal_year_starting_after_the_data() -> None:
    monthly = FiscalCalendar("month")
    assert monthly.next_year_periods(pd.Period("2026-10", freq="M"))[0] == pd.Period("2027-01", freq="M")
    assert monthly.next_year_periods(pd.Period("2026-12", freq="M"))[0] == pd.Period("2027-01", freq="M")
    weekly = FiscalCalendar("week")
    plan = weekly.next_year_periods(weekly.period(dt.date(2026, 10, 7)))
    assert plan[0].start_time.date() == dt.date(2027, 1, 4) and len(plan) == 52


def test_working_days_leave_out_public_holidays_of_the_plans_country() -> None:
    china = FiscalCalendar("week", country="CN")
    national_day = china.period(dt.date(2027, 10, 4))  # Mon 4 - Sun 10 Oct 2027: Golden Week
    ordinary = china.period(dt.date(2027, 11, 8))
    days = china.working_days([national_day, ordinary])
    assert days[ordinary] == 5
    assert days[national_day] < 5
    usa = FiscalCalendar("month", country="US")
    assert usa.working_days([pd.Period("2027-07", freq="M")]).iloc[0] == 21  # 22 weekdays less 5 July


def test_expected_to_date_is_the_share_of_working_days_passed() -> None:
    weekly = FiscalCalendar("week", country="DE")
    week = weekly.period(dt.date(2027, 11, 10))  # Mon 8 - Sun 14 Nov 2027, no holiday
    share = weekly.expected_to_date([week], dt.date(2027, 11, 10))
    assert share.iloc[0] == pytest.approx(3 / 5)
    assert weekly.expected_to_date([week], dt.date(2027, 11, 30)).iloc[0] == 1.0
    assert weekly.expected_to_date([week], dt.date(2027, 11, 1)).iloc[0] == 0.0


def test_labels_come_in_both_languages() -> None:
    assert FiscalCalendar("month").labels([pd.Period("2026-10", freq="M")], "zh_CN") == ["2026年10月"]
    assert FiscalCalendar("quarter").label(pd.Period("2027Q3", freq="Q-DEC"), "zh_CN") == "2027财年第3季度"
    retail = FiscalCalendar("4-4-5", fiscal_year_start=2)
    week = retail.year_periods(2019)[5]
    assert retail.label(week) == "FY2019 P02 W2"
    assert retail.label(week, "zh_CN") == "2019财年第02期第2周"
    assert period_labels([pd.Period("2027-01-04", freq="W-SUN")]) == ["W01 2027"]


def test_the_grain_is_read_off_the_periods_when_only_a_start_month_is_given() -> None:
    assert FiscalCalendar.of(4, pd.Period("2027-01", freq="M")) == FiscalCalendar("month", 4)
    assert FiscalCalendar.of(1, pd.PeriodIndex(["2027-01-04"], freq="W-SUN")).grain == "week"
    assert FiscalCalendar.of(1, pd.Period("2027Q1", freq="Q-MAR")) == FiscalCalendar("quarter", 4)


def test_an_unknown_grain_is_refused() -> None:
    with pytest.raises(ValueError, match="grain must be one of"):
        FiscalCalendar("fortnight")


@settings(max_examples=60, deadline=None)
@given(
    grain=st.sampled_from(GRAINS),
    start=st.integers(min_value=1, max_value=12),
    year=st.integers(min_value=2000, max_value=2040),
)
def test_fiscal_years_tile_time_without_gaps_or_overlaps(grain: str, start: int, year: int) -> None:
    cal = FiscalCalendar(grain, start)
    this, following = cal.year_periods(year), cal.year_periods(year + 1)
    assert following[0] == this[-1] + 1
    assert len(this) in ({"month": {12}, "quarter": {4}}.get(grain, {52, 53}))
    assert (cal.fiscal_years(this) == year).all()
    assert list(cal.positions(this)) == list(range(1, len(this) + 1))
    assert cal.year_start(this[len(this) // 2]) == this[0]
    months = cal.fiscal_months(this)
    assert (np.diff(months) >= 0).all() and months[0] == 1 and months[-1] in (10, 12)


@settings(max_examples=30, deadline=None)
@given(
    grain=st.sampled_from(GRAINS),
    start=st.integers(min_value=1, max_value=12),
    year=st.integers(min_value=2000, max_value=2040),
)
def test_every_period_reads_back_from_its_key_and_counts_in_one_month(
    grain: str, start: int, year: int
) -> None:
    cal = FiscalCalendar(grain, start)
    periods = cal.year_periods(year)
    assert [cal.parse(cal.key(p)) for p in periods] == list(periods)
    months = cal.months_of(periods)
    assert months.is_monotonic_increasing and months.nunique() == (4 if grain == "quarter" else 12)
    for month in months.unique():
        inside = cal.month_periods(month)
        assert list(inside) == list(periods[months == month]) or grain == "quarter"
    assert cal.parse(str(months[-1])) == periods[-1]  # a month names the period it closes in


def test_a_period_is_read_from_a_month_a_date_a_key_or_as_pandas_writes_it() -> None:
    weeks = FiscalCalendar("week")
    week_44 = pd.Period("2026-10-26", freq="W-SUN")
    for text in ("2026-10", "2026-W44", "2026-10-28", "2026-10-26/2026-11-01"):
        assert weeks.parse(text) == week_44
    with pytest.raises(ValueError):
        weeks.parse("October")

"""Pacing: China's working-day calendar, expected-to-date around holidays, required rate and projections."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from salesplan_widgets.errors import InputError
from salesplan_widgets.model.pacing import (
    PaceWindow,
    expected_to_date,
    pace,
    working_days,
    working_days_by_period,
)

OCT = pd.Period("2026-10", freq="M")


def month_frame(rows: list[tuple[str, float, float]], rep: str = "Ann") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.PeriodIndex([r[0] for r in rows], freq="M"),
            "rep": rep,
            "target": [r[1] for r in rows],
            "actual": [r[2] for r in rows],
        }
    )


def test_national_day_week_is_off_and_the_makeup_saturday_is_worked():
    days = working_days(dt.date(2026, 10, 1), dt.date(2026, 10, 11)).set_index("date")["working"]
    # 1-7 October 2026: Golden Week (holidays, a weekend and bridged days); 10 October is a make-up Saturday
    assert not days.loc["2026-10-01":"2026-10-07"].any()
    assert days.loc["2026-10-08"] and days.loc["2026-10-09"]
    assert days.loc["2026-10-10"]
    assert not days.loc["2026-10-11"]


def test_working_days_per_month_follow_the_official_calendar():
    counts = working_days_by_period(
        pd.period_range("2026-01", "2026-02", freq="M").append(pd.PeriodIndex([OCT]))
    )
    # January: 22 weekdays − 1 and 2 Jan + Sunday 4 Jan; February: 20 − 6 Spring Festival days + 2 make-up
    # Saturdays; October: 22 weekdays − 5 Golden Week weekdays + Saturday 10 Oct
    assert counts.to_dict() == {pd.Period("2026-01", "M"): 21, pd.Period("2026-02", "M"): 16, OCT: 18}


def test_expected_to_date_stands_still_through_golden_week():
    targets = month_frame([("2026-10", 18_000.0, 0.0)])
    at = {
        day: float(
            expected_to_date(targets, PaceWindow(OCT, OCT, dt.date(2026, 10, day)))["expected"].iloc[0]
        )
        for day in (7, 9, 10)
    }
    # nothing is expected during the holiday week, then 1/18 of the month per working day
    assert at[7] == 0.0
    assert at[9] == pytest.approx(2_000.0)
    assert at[10] == pytest.approx(3_000.0)


def test_required_daily_rate_spreads_the_rest_over_working_days_left():
    frame = month_frame([("2026-10", 18_000.0, 3_000.0)])
    result = pace(frame, PaceWindow(OCT, OCT, dt.date(2026, 10, 9)), by=["rep"]).iloc[0]
    assert result["expected"] == pytest.approx(2_000.0)
    assert result["pace_index"] == pytest.approx(1.5)
    assert result["required_rate"] == pytest.approx(15_000.0 / 16)  # 16 working days after 9 October
    assert result["run_rate_projection"] == pytest.approx(3_000.0 / 2 * 18)
    assert bool(result["ahead"])


def test_seasonal_pace_respects_the_plan_shape_where_run_rate_does_not():
    # a quiet January and a big February: January beat its plan by 20%
    frame = month_frame([("2026-01", 1_000.0, 1_200.0), ("2026-02", 3_000.0, 0.0)])
    window = PaceWindow(pd.Period("2026-01", "M"), pd.Period("2026-02", "M"), dt.date(2026, 1, 31))
    result = pace(frame, window, by=["rep"]).iloc[0]
    assert result["seasonal_projection"] == pytest.approx(1_200 + 3_000 * 1.2)
    assert result["run_rate_projection"] == pytest.approx(1_200 / 21 * (21 + 16))
    assert bool(result["ahead"])


def test_pace_carries_no_year_end_projection_or_at_risk_flag():
    # year end, projected attainment and at-risk come from model/projection.py (one projection everywhere)
    frame = month_frame([("2026-10", 18_000.0, 1_000.0)])
    result = pace(frame, PaceWindow(OCT, OCT, dt.date(2026, 10, 9)), by=["rep"])
    assert not {"at_risk", "projected_attainment", "projected_gap"} & set(result.columns)


def test_projection_range_comes_from_past_months_attainment():
    frame = month_frame(
        [
            ("2026-01", 1_000.0, 800.0),
            ("2026-02", 1_000.0, 1_000.0),
            ("2026-03", 1_000.0, 1_200.0),
            ("2026-04", 1_000.0, 0.0),
        ]
    )
    window = PaceWindow(pd.Period("2026-01", "M"), pd.Period("2026-04", "M"), dt.date(2026, 3, 31))
    result = pace(frame, window, by=["rep"]).iloc[0]
    assert result["seasonal_projection"] == pytest.approx(4_000.0)
    # 10th and 90th percentiles of 0.8, 1.0, 1.2 are 0.84 and 1.16, applied to the 1,000 still planned
    assert result["projection_low"] == pytest.approx(3_000 + 840.0)
    assert result["projection_high"] == pytest.approx(3_000 + 1_160.0)


def test_a_rep_behind_the_expected_to_date_is_behind_pace():
    frame = pd.concat(
        [
            month_frame([("2026-10", 18_000.0, 1_000.0)], "Bo"),
            month_frame([("2026-10", 18_000.0, 2_100.0)], "Cy"),
        ]
    )
    result = pace(frame, PaceWindow(OCT, OCT, dt.date(2026, 10, 9)), by=["rep"]).set_index("rep")
    # 2 of 18 working days gone: 2,000 expected; Bo 1,000 ÷ 2,000 = 0.5, Cy 2,100 ÷ 2,000 = 1.05
    assert result["pace_index"].to_dict() == pytest.approx({"Bo": 0.5, "Cy": 1.05})
    assert result["ahead"].to_dict() == {"Bo": False, "Cy": True}


def test_unknown_country_is_a_clear_input_error():
    with pytest.raises(InputError, match="calendar.country"):
        working_days(dt.date(2026, 1, 1), dt.date(2026, 1, 31), country="XX")


def test_cumulative_pace_stops_expected_and_actual_at_today():
    from salesplan_widgets.model.pacing import cumulative_pace

    frame = month_frame(
        [("2026-09", 22_000.0, 20_000.0), ("2026-10", 18_000.0, 3_000.0), ("2026-11", 10_000.0, 0.0)]
    )
    window = PaceWindow(pd.Period("2026-09", "M"), pd.Period("2026-11", "M"), dt.date(2026, 10, 9))
    path = cumulative_pace(frame, window).set_index("period")
    assert list(path["target"]) == [22_000.0, 40_000.0, 50_000.0]
    assert path.loc["2026-10", "expected"] == pytest.approx(22_000.0 + 2_000.0)
    assert path.loc["2026-10", "actual"] == pytest.approx(23_000.0)
    assert pd.isna(path.loc["2026-11", "expected"]) and pd.isna(path.loc["2026-11", "actual"])


def test_pace_status_sorts_reps_into_ahead_watch_behind():
    from salesplan_widgets.model.pacing import pace_status

    status = pace_status(pd.Series([1.05, 0.95, 0.5, float("nan")]), at_risk_below=0.9, ahead_at=1.0)
    assert list(status) == ["ahead", "watch", "behind", "behind"]


def test_a_month_is_paced_at_its_end_or_at_the_last_day_of_data_inside_it():
    from salesplan_widgets.model.pacing import as_of_date

    assert as_of_date(OCT) == dt.date(2026, 10, 31)
    assert as_of_date(OCT, dt.date(2026, 10, 9)) == dt.date(2026, 10, 9)
    assert as_of_date(pd.Period("2026-09", "M"), dt.date(2026, 10, 9)) == dt.date(2026, 9, 30)
    assert as_of_date(pd.Period("2026-11", "M"), dt.date(2026, 10, 9)) == dt.date(2026, 10, 9)


def test_a_window_with_no_targets_or_sales_paces_as_one_empty_row():
    empty = month_frame([("2026-01", 0.0, 0.0)]).iloc[0:0]
    window = PaceWindow(pd.Period("2027-01", "M"), pd.Period("2027-12", "M"), dt.date(2027, 1, 31))
    total = pace(empty, window)
    assert len(total) == 1 and total["target"].iloc[0] == 0.0
    assert pd.isna(total["pace_index"].iloc[0]) and not bool(total["ahead"].iloc[0])

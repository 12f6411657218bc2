"""Every grain × fiscal year start × length of history: the time-dependent entry points (plan periods,
split over time, milestones, baseline forecast, tracking windows, pacing, re-plan) either work and keep
their invariants, or refuse with a SalesplanError — never a raw exception."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesplan_widgets.errors import InputError
from salesplan_widgets.model.allocation import Level, plan_months, split_goal
from salesplan_widgets.model.calendar import GRAINS, FiscalCalendar
from salesplan_widgets.model.forecast import baseline_forecast
from salesplan_widgets.model.milestones import milestones
from salesplan_widgets.model.pacing import PaceWindow, pace
from salesplan_widgets.model.replan import replan
from salesplan_widgets.model.tracking import attainment, plan_vs_actual, window_bounds


def random_cube(calendar: FiscalCalendar, years: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    periods = pd.PeriodIndex(
        np.concatenate([calendar.year_periods(2024 + k) for k in range(years)]), freq=calendar.freq
    )
    rows = [
        pd.DataFrame({"period": periods, "rep": rep, "actual": rng.gamma(2.0, 500.0, len(periods))})
        for rep in ("Li", "Wang", "Zhao")
    ]
    cube = pd.concat(rows, ignore_index=True)
    return cube.assign(team="East", territory="all", segment="A", channel="online", quantity=0.0, lines=1)


@settings(max_examples=18, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    grain=st.sampled_from(GRAINS),
    start=st.integers(min_value=1, max_value=12),
    years=st.integers(min_value=1, max_value=3),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_time_entry_points_work_at_every_grain_or_refuse_clearly(grain, start, years, seed) -> None:
    calendar = FiscalCalendar(grain, start)
    cube = random_cube(calendar, years, seed)
    plan = plan_months(cube, months=12, fiscal_year_start=calendar)
    assert list(plan) == list(calendar.next_year_periods(cube["period"].max()))

    split = split_goal(
        120_000, [Level("rep", "historical"), Level("period", "seasonality")], cube, plan, unit=1.0
    )
    targets = split.targets
    assert targets["target"].sum() == 120_000 and (targets["target"] >= 0).all()
    assert targets["period"].dtype == cube["period"].dtype

    checkpoints = milestones(targets[["rep", "period", "target"]], every="quarter", calendar=calendar)
    assert checkpoints.groupby("rep")["share"].max().eq(1.0).all()

    try:
        forecast = baseline_forecast(cube, plan[0], plan[-1], by=("segment",))
        assert list(forecast.by_period()["period"]) == list(plan)
        assert np.isfinite(forecast.total) and forecast.total >= 0
    except InputError as refusal:  # too little history at this grain: refused, each problem with its fix
        assert refusal.problems and all(p.fix for p in refusal.problems)

    actuals = cube.assign(
        period=calendar.same_period_years_ago(cube["period"], -1)
    )  # last year's, as this year's
    frame = plan_vs_actual(targets, actuals[actuals["period"].isin(plan)])
    middle = plan[len(plan) // 2]
    for window in calendar.windows():
        first, last = window_bounds(middle, window, calendar)
        assert first <= middle <= last
        year = attainment(frame, middle, window=window, fiscal_year_start=calendar)
        assert year["target"].iloc[0] <= targets["target"].sum() + 1e-6
    first, last = window_bounds(middle, "year", calendar)
    result = pace(frame, PaceWindow(first, last, middle.end_time.date(), "DE"))
    assert 0 < result["expected"].iloc[0] <= result["target"].iloc[0] + 1e-6

    revised = replan(targets, frame[frame["period"] <= middle], middle).targets
    assert (
        revised.loc[revised["period"] <= middle, "target"].sum()
        == targets.loc[targets["period"] <= middle, "target"].sum()
    )

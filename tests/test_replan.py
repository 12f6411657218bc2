"""Re-planning: the rest of the goal spread exactly, locks kept, events documented, the period reviewed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fixtures.tracking_data import actuals_cube, targets_table
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.errors import InputError
from salesplan_widgets.model.replan import (
    MarketShock,
    QuotaMove,
    RepJoins,
    RepLeaves,
    allocate_exact,
    apply_event,
    period_review,
    replan,
)
from salesplan_widgets.model.tracking import plan_vs_actual

JUN = pd.Period("2026-06", freq="M")


@pytest.fixture
def targets() -> pd.DataFrame:
    return targets_table()


@pytest.fixture
def actuals(targets) -> pd.DataFrame:
    return actuals_cube(targets, {"Ann": 1.1, "Bo": 0.6, "Cy": 0.9}, "2026-06")


def cents(values) -> int:
    return int(round(float(np.sum(values)) * 100))


def test_replan_spreads_goal_minus_closed_actual_over_the_months_left(targets, actuals):
    result = replan(targets, actuals, JUN, goal=1_000_000.33)
    later = result.targets[result.targets["period"] > JUN]
    assert result.closed_actual == pytest.approx(actuals["actual"].sum())
    assert cents(later["target"]) == cents(1_000_000.33 - actuals["actual"].sum())
    assert np.allclose(later["target"] * 100, np.round(later["target"] * 100))
    # closed months are kept exactly as they were
    pd.testing.assert_frame_equal(
        result.targets[result.targets["period"] <= JUN].reset_index(drop=True),
        targets[targets["period"] <= JUN]
        .sort_values(["period", "rep", "team", "territory", "segment", "channel"])
        .reset_index(drop=True)[result.targets.columns],
    )


def test_replan_keeps_the_seasonal_shape_of_the_months_left(targets, actuals):
    result = replan(targets, actuals, JUN, goal=900_000.0)
    monthly = result.targets[result.targets["period"] > JUN].groupby("period")["target"].sum()
    # targets grow with the month number (7 … 12), so must the re-planned months
    assert np.allclose(monthly / monthly.iloc[0], np.arange(7, 13) / 7, atol=1e-6)


def test_replan_shares_reps_by_capacity_when_given(targets, actuals):
    result = replan(
        targets, actuals, JUN, goal=900_000.0, rep_weights=pd.Series({"Ann": 2.0, "Bo": 1.0, "Cy": 1.0})
    )
    by_rep = result.targets[result.targets["period"] > JUN].groupby("rep")["target"].sum()
    assert by_rep["Ann"] == pytest.approx(2 * by_rep["Bo"], abs=0.05)
    assert by_rep["Bo"] == pytest.approx(by_rep["Cy"], abs=0.05)


def test_locked_cells_keep_their_target_and_the_rest_still_sums_exactly(targets, actuals):
    locks = pd.DataFrame({"rep": ["Bo"]})
    result = replan(targets, actuals, JUN, goal=950_000.0, locks=locks)
    later = result.targets[result.targets["period"] > JUN]
    before = targets[targets["period"] > JUN]
    assert later.loc[later["rep"] == "Bo", "target"].sum() == pytest.approx(
        before.loc[before["rep"] == "Bo", "target"].sum()
    )
    assert cents(later["target"]) == cents(950_000.0 - actuals["actual"].sum())
    assert result.locked == pytest.approx(before.loc[before["rep"] == "Bo", "target"].sum())


def test_a_goal_already_beaten_leaves_nothing_to_spread(targets, actuals):
    result = replan(targets, actuals, JUN, goal=1.0)
    assert result.remaining_goal == 0.0
    assert result.targets.loc[result.targets["period"] > JUN, "target"].sum() == 0.0


def test_replanning_after_the_last_month_is_refused(targets, actuals):
    with pytest.raises(InputError, match="re-plan"):
        replan(targets, actuals, pd.Period("2026-12", "M"))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30),
    st.floats(0, 1e8, allow_nan=False),
)
def test_allocation_always_sums_exactly_to_the_total(weights, total):
    parts = allocate_exact(np.array(weights), np.zeros(len(weights)), np.full(len(weights), total), 2)
    assert cents(parts) == int(round(total * 100))
    assert (parts >= 0).all()


def test_leaving_rep_quota_is_spread_over_the_team_and_nothing_is_lost(targets):
    change = apply_event(targets, RepLeaves("Bo", pd.Period("2026-10", "M"), reason="resigned"))
    after = change.targets
    assert after.loc[(after["rep"] == "Bo") & (after["period"] >= "2026-10")].empty
    assert cents(after["target"]) == cents(targets["target"])
    effect = change.effect.set_index("rep")
    bo_moved = targets.loc[(targets["rep"] == "Bo") & (targets["period"] >= "2026-10"), "target"].sum()
    assert effect.loc["Ann", "change"] == pytest.approx(bo_moved)  # Ann is Bo's only East team mate
    assert effect.loc["Cy", "change"] == 0.0
    assert "resigned" in change.description


def test_leaving_rep_with_a_successor_hands_over_everything(targets):
    change = apply_event(targets, RepLeaves("Bo", pd.Period("2026-10", "M"), successor="Cy"))
    effect = change.effect.set_index("rep")
    assert effect.loc["Cy", "change"] == pytest.approx(-effect.loc["Bo", "change"])
    assert effect.loc["Ann", "change"] == 0.0


def test_joining_rep_takes_an_average_quota_from_the_team(targets):
    change = apply_event(targets, RepJoins("Di", "East", pd.Period("2026-10", "M"), ramp=0.5))
    effect = change.effect.set_index("rep")
    east_per_rep = (
        targets.loc[(targets["team"] == "East") & (targets["period"] >= "2026-10"), "target"].sum() / 2
    )
    assert effect.loc["Di", "after"] == pytest.approx(east_per_rep * 0.5)
    assert effect.loc[["Ann", "Bo"], "change"].sum() == pytest.approx(-east_per_rep * 0.5)
    assert cents(change.targets["target"]) == cents(targets["target"])


def test_account_move_shifts_exactly_the_share_named(targets):
    change = apply_event(targets, QuotaMove("Ann", "Cy", pd.Period("2026-11", "M"), share=0.25, segment="A"))
    moved = (
        targets.loc[
            (targets["rep"] == "Ann") & (targets["period"] >= "2026-11") & (targets["segment"] == "A"),
            "target",
        ].sum()
        * 0.25
    )
    effect = change.effect.set_index("rep")
    assert effect.loc["Cy", "change"] == pytest.approx(moved)
    assert effect.loc["Ann", "change"] == pytest.approx(-moved)
    assert set(change.targets.loc[change.targets["rep"] == "Cy", "team"]) == {"West"}


def test_market_shock_scales_only_matching_quotas(targets):
    change = apply_event(targets, MarketShock(0.8, pd.Period("2026-10", "M"), segment="B"))
    hit = (targets["segment"] == "B") & (targets["period"] >= "2026-10")
    expected_total = targets.loc[~hit, "target"].sum() + targets.loc[hit, "target"].sum() * 0.8
    assert change.targets["target"].sum() == pytest.approx(expected_total)
    assert (change.effect["change"] < 0).all()


def test_event_for_an_unknown_rep_is_a_clear_error(targets):
    with pytest.raises(InputError, match="Zed"):
        apply_event(targets, QuotaMove("Ann", "Zed", pd.Period("2026-10", "M")))


def test_period_review_marks_who_exceeded_met_or_fell_short(targets, actuals):
    review = period_review(plan_vs_actual(targets, actuals), "2026-01", "2026-06")
    reps = review[review["dimension"] == "rep"].set_index("member")["verdict"].to_dict()
    assert reps == {"Ann": "exceeded", "Cy": "short", "Bo": "short"}
    assert set(review["dimension"]) == {"segment", "channel", "rep"}


def test_a_joining_rep_needs_a_new_name(targets):
    with pytest.raises(InputError, match="no targets yet"):
        apply_event(targets, RepJoins("Ann", "East", pd.Period("2026-10", "M")))
    with pytest.raises(InputError, match="no targets yet"):
        apply_event(targets, RepJoins(" ", "East", pd.Period("2026-10", "M")))


def test_review_does_not_call_a_rep_without_target_short(targets, actuals):
    frame = plan_vs_actual(targets[targets["rep"] != "Cy"], actuals)
    review = period_review(frame, "2026-01", "2026-06")
    assert review.set_index(["dimension", "member"]).loc[("rep", "Cy"), "verdict"] == "no target"


def test_recent_sales_share_the_rest_by_what_reps_sold_lately(targets, actuals):
    from salesplan_widgets.model.replan import recent_sales_weights

    weights = recent_sales_weights(actuals, JUN, months=3)
    # April–June: Ann sold 1.1×, Bo 0.6×, Cy 0.9× the same targets
    assert weights["Ann"] / weights["Bo"] == pytest.approx(1.1 / 0.6)
    result = replan(targets, actuals, JUN, goal=900_000.0, rep_weights=weights)
    by_rep = result.targets[result.targets["period"] > JUN].groupby("rep")["target"].sum()
    assert by_rep["Ann"] / by_rep["Cy"] == pytest.approx(1.1 / 0.9, rel=1e-4)


def test_a_period_is_closed_once_it_has_ended_at_any_grain() -> None:
    import datetime as dt

    from salesplan_widgets.model.replan import last_closed

    october = pd.Period("2026-10", "M")
    assert last_closed(october, dt.date(2026, 10, 31)) == october
    assert last_closed(october, dt.date(2026, 10, 30)) == october - 1
    week = pd.Period("2026-10-26", "W-SUN")
    assert last_closed(week, dt.date(2026, 11, 1)) == week
    assert last_closed(week, dt.date(2026, 10, 31)) == week - 1


def test_a_team_replan_changes_only_that_teams_targets(targets, actuals):
    east = targets["team"] == "East"
    east_actual = actuals.loc[actuals["team"] == "East", "actual"].sum()
    result = replan(targets, actuals, JUN, goal=500_000.0, scope={"team": "East"})
    revised = result.targets
    cell = ["period", "rep", "team", "territory", "segment", "channel"]
    west_before = targets[~east].sort_values(cell).reset_index(drop=True)[revised.columns]
    west_after = revised[revised["team"] == "West"].reset_index(drop=True)
    pd.testing.assert_frame_equal(west_after, west_before)  # to the cent, every month
    assert result.closed_actual == pytest.approx(east_actual)  # the team's own closed sales
    later_east = revised[(revised["team"] == "East") & (revised["period"] > JUN)]
    assert cents(later_east["target"]) == cents(500_000.0 - east_actual)
    assert set(result.effect["rep"]) == {"Ann", "Bo"}
    assert len(revised) == len(targets)


def test_a_team_replan_without_a_goal_keeps_the_teams_total(targets, actuals):
    result = replan(targets, actuals, JUN, scope={"team": "West"})
    assert result.goal == pytest.approx(targets.loc[targets["team"] == "West", "target"].sum())


def test_a_replan_for_a_team_without_targets_is_a_clear_error(targets, actuals):
    with pytest.raises(InputError) as err:
        replan(targets, actuals, JUN, scope={"team": "North"})
    assert err.value.first.found == "North" and err.value.first.column == "team"

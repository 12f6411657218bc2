"""The SMART check: each letter passes for a well-stated goal and fails, with advice, when its rule breaks."""

from __future__ import annotations

import datetime as dt

import pytest
from test_forecast import synthetic_cube

from salesplan_widgets.i18n import set_locale
from salesplan_widgets.model.smart import smart_check
from salesplan_widgets.schema.goal import GoalScope, GoalSection


@pytest.fixture(scope="module")
def cube():
    return synthetic_cube(reps=2, months=24)


@pytest.fixture(autouse=True)
def english():
    set_locale("en")


def good_goal(**changes) -> GoalSection:
    goal = GoalSection(
        name="Grow FY2027 revenue of East to 1.2M",
        metric="revenue",
        scope=GoalScope(teams=["East"], segments=["A", "B"]),
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 12, 31),
        review_dates=[dt.date(2027, 4, 1), dt.date(2027, 7, 1), dt.date(2027, 10, 1)],
        target=1_200_000.0,
        rationale="Last year grew 9%; two new hires ramp up in Q1.",
        business_objective="Lead the eastern pump market by 2028",
        probability_threshold=0.5,
        stretch_limit=0.2,
    )
    return goal.model_copy(update=changes)


def check(goal, cube, probability=0.62, stretch=0.08, target_at_threshold=None):
    return smart_check(goal, cube, probability, stretch, target_at_threshold)


def test_a_well_stated_goal_passes_every_letter(cube):
    result = check(good_goal(), cube)
    assert result.passed and result.failed == ()
    assert [v.letter for v in result.verdicts] == ["S", "M", "A", "R", "T"]
    assert "teams East" in result["S"].sentence
    assert "62%" in result["A"].sentence
    assert "Lead the eastern pump market" in result["R"].sentence
    assert result.can_save("")


def test_specific_fails_without_a_metric_or_a_goal_statement(cube):
    assert check(good_goal(metric=None), cube)["S"].passed is False
    no_name = check(good_goal(name="  "), cube)["S"]
    assert not no_name.passed and "Write the goal in one line" in no_name.sentence


def test_measurable_fails_for_a_metric_missing_from_the_data(cube):
    without_quantity = cube.assign(quantity=0.0)  # the plan maps no quantity column
    verdict = check(good_goal(metric="quantity"), without_quantity)["M"]
    assert not verdict.passed and "no quantity" in verdict.sentence


def test_measurable_fails_for_a_scope_member_without_sales(cube):
    verdict = check(good_goal(scope=GoalScope(teams=["East", "Atlantis"])), cube)["M"]
    assert not verdict.passed and "Atlantis" in verdict.sentence


def test_achievable_fails_below_the_probability_threshold_and_says_what_would_be(cube):
    verdict = check(good_goal(), cube, probability=0.35, target_at_threshold=1_050_000)["A"]
    assert not verdict.passed
    assert "35%" in verdict.sentence and "1,050,000" in verdict.sentence
    assert check(good_goal(probability_threshold=0.3), cube, probability=0.35)["A"].passed


def test_achievable_fails_above_the_stretch_limit(cube):
    verdict = check(good_goal(), cube, probability=0.9, stretch=0.3)["A"]
    assert not verdict.passed and "30.0%" in verdict.sentence
    assert check(good_goal(stretch_limit=0.35), cube, probability=0.9, stretch=0.3)["A"].passed


def test_a_target_below_the_baseline_is_flagged_as_below_not_as_a_negative_stretch(cube):
    verdict = check(good_goal(), cube, probability=0.55, stretch=-0.006)["A"]
    assert not verdict.passed
    assert "0.6% below the baseline" in verdict.sentence and "-0.6" not in verdict.sentence
    assert "override reason" in verdict.sentence
    set_locale("zh_CN")
    chinese = check(good_goal(), cube, probability=0.55, stretch=-0.006)["A"].sentence
    assert "低于基线" in chinese and "-0.6" not in chinese and "比基线高" not in chinese
    set_locale("en")
    assert check(good_goal(), cube, probability=0.55, stretch=0.0)["A"].passed


def test_achievable_fails_without_a_target(cube):
    assert not check(good_goal(target=None), cube, probability=None, stretch=None)["A"].passed


def test_relevant_needs_a_rationale_and_a_business_objective(cube):
    assert "Write why" in check(good_goal(rationale=""), cube)["R"].sentence
    assert "business objective" in check(good_goal(business_objective=" "), cube)["R"].sentence
    assert not check(good_goal(business_objective=""), cube)["R"].passed


@pytest.mark.parametrize(
    ("changes", "advice"),
    [
        ({"start": None}, "Set the horizon"),
        ({"start": dt.date(2027, 1, 15)}, "first day"),
        ({"end": dt.date(2029, 6, 30)}, "too long"),
        ({"review_dates": []}, "at least one review date"),
        ({"review_dates": [dt.date(2028, 2, 1)]}, "2028-02-01"),
    ],
)
def test_time_bound_needs_start_deadline_and_reviews_inside_them(cube, changes, advice):
    verdict = check(good_goal(**changes), cube)["T"]
    assert not verdict.passed and advice in verdict.sentence


def test_a_failing_goal_saves_only_with_an_override_reason(cube):
    result = check(good_goal(), cube, probability=0.2)
    assert result.failed == ("A",)
    assert not result.can_save("")
    assert not result.can_save("   ")
    assert result.can_save("Board mandate: enter the new region this year")

"""A re-plan works on the goal in force for the period shown, not on every year the targets table holds.

After a rollover (2026 kept, 2027 split) or with a hand-made table of two years, the Tracker's "New goal"
defaults to the goal in force's target, and the re-plan keeps every month outside that goal — and the goal's
months already sold — to the cent, counting only the goal's own sold months in the gap.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixtures.tracking_data import PLAN, REPS, targets_table
from test_year_rollover import planned_year, set_next_goal

from salesplan_widgets import open_workbook
from salesplan_widgets.model.replan import replan
from salesplan_widgets.schema.goal import GoalSection
from salesplan_widgets.widgets.task_splitter import TaskSplitter
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook.versions import list_versions, save_version, targets_in_force

ATTAINMENT = {"Ann": 1.2, "Bo": 0.5, "Cy": 0.95}
CELL = ["period", "rep", "team", "territory", "segment", "channel"]


def _goal(first: str, last: str, target: float) -> GoalSection:
    return GoalSection(
        name=f"Sell {target:,.0f} in {first[:4]}",
        start=pd.Period(first, "M").start_time.date(),
        end=pd.Period(last, "M").end_time.date(),
        target=target,
        rationale="Last year plus the new offices",
        business_objective="Grow in every region",
        review_dates=[],
    )


def two_year_workbook(folder: Path, through: str = "2027-06", locale: str = "en"):
    """A targets table made by hand holding 2026 and 2027, sales (target × attainment, one line a cell and
    month) up to `through`, and the 2027 goal saved (its target: the 2027 targets' total)."""
    targets = pd.concat([targets_table(2026), targets_table(2027, per_cell=1100.0)], ignore_index=True)
    sold = targets[targets["period"] <= pd.Period(through, "M")].copy()
    sold["date"] = (sold["period"].dt.start_time + pd.Timedelta(days=4)).dt.strftime("%Y-%m-%d")
    sold["amount"] = np.round(sold["target"] * sold["rep"].map(ATTAINMENT), 2)
    sold["qty"] = 1
    (folder / "data").mkdir(parents=True)
    sold[["date", "amount", "qty", "rep", "team", "territory", "segment", "channel"]].to_csv(
        folder / "data" / "sales.csv", index=False
    )
    end = pd.Period(through, "M").end_time.date().isoformat()
    (folder / "plan.yaml").write_text(PLAN.format(locale=locale, end=end), encoding="utf-8")
    workbook = open_workbook(folder)
    workbook.write_table("targets", targets)
    goal = float(targets.loc[targets["period"].dt.year == 2027, "target"].sum())
    workbook.save(goal=_goal("2027-01", "2027-12", goal))
    return open_workbook(folder), targets, sold


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[CELL + ["target"]].assign(period=frame["period"].astype(str), rep=frame["rep"].astype(str))
    return out.sort_values(CELL, ignore_index=True)


def test_the_replan_of_a_two_year_table_moves_only_the_goals_months_left(tmp_path: Path):
    workbook, targets, sold = two_year_workbook(tmp_path / "wb")
    goal = workbook.plan.goal.target
    view = Tracker(workbook, period="2027-06", as_of=dt.date(2027, 7, 3))
    assert view._last_closed() == pd.Period("2027-06", "M")
    # the default is the 2027 goal's target, not the sum of both years the table holds
    assert view.goal_input.value == pytest.approx(goal, abs=0.005)
    assert view.goal_input.value != pytest.approx(targets["target"].sum())
    new_goal = round(goal * 1.05, 2)
    view.goal_input.value = new_goal
    view.preview_button.click()
    assert view.save_button.disabled is False, view.replan_panel.value
    pending = _cells(view._pending[0])
    before = _cells(targets)
    kept = pending["period"] <= "2027-06"  # 2026 whole, and 2027's months already sold
    pd.testing.assert_frame_equal(pending[kept].reset_index(drop=True), before[kept].reset_index(drop=True))
    sold_2027 = sold.loc[sold["period"] >= pd.Period("2027-01", "M"), "amount"].sum()
    rest = pending.loc[~kept, "target"].sum()
    assert rest == pytest.approx(new_goal - sold_2027, abs=0.005)  # 2026's sales are not in the gap
    assert "Jan 2027 – Dec 2027" in view.replan_panel.value
    # saved as a version checked against the one read: the goal's new quotas, every other month as it was
    view.reason_input.value, view.author_input.value = "A bigger 2027", "Li Na"
    view.save_button.click()
    assert "version 2" in view.replan_panel.value, view.replan_panel.value
    saved = _cells(targets_in_force(open_workbook(workbook.path)))
    pd.testing.assert_frame_equal(saved, pending, check_exact=False, rtol=0, atol=0.001)


def test_a_replan_shown_in_the_first_year_leaves_the_second_as_it_is(tmp_path: Path):
    """2026 shown (its goal kept in the history after the 2027 goal was saved): 2027 does not move."""
    workbook, targets, _sold = two_year_workbook(tmp_path / "wb", through="2026-09")
    history = workbook.path / "history" / "2026-01_2026-12"
    history.mkdir(parents=True)
    goal_2026 = float(targets.loc[targets["period"].dt.year == 2026, "target"].sum())
    plan = (workbook.path / "plan.yaml").read_text(encoding="utf-8")
    workbook.save(goal=_goal("2026-01", "2026-12", goal_2026))  # 2026's plan, kept as a rollover keeps it
    shutil.copy(workbook.path / "plan.yaml", history / "plan.yaml")
    (workbook.path / "plan.yaml").write_text(plan, encoding="utf-8")
    view = Tracker(open_workbook(workbook.path), period="2026-09", as_of=dt.date(2026, 10, 5))
    assert view.goal().start == dt.date(2026, 1, 1)
    assert view.goal_input.value == pytest.approx(goal_2026, abs=0.005)
    view.goal_input.value = goal_2026 * 0.9
    view.preview_button.click()
    pending = _cells(view._pending[0])
    later = pending["period"] >= "2027-01"
    before = _cells(targets)
    pd.testing.assert_frame_equal(pending[later].reset_index(drop=True), before[later].reset_index(drop=True))
    assert set(view.preview["rep"]) == set(REPS)


def test_the_preview_names_the_goals_periods_in_chinese(tmp_path: Path):
    workbook, _targets, _sold = two_year_workbook(tmp_path / "wb", locale="zh_CN")
    view = Tracker(workbook, period="2027-06", as_of=dt.date(2027, 7, 3))
    view.preview_button.click()
    assert "仅重新规划该目标的 2027年1月 – 2027年12月；其他指标保持不变。" in view.replan_panel.value


def test_a_stale_replan_of_the_goal_is_refused(tmp_path: Path):
    workbook, targets, _sold = two_year_workbook(tmp_path / "wb")
    view = Tracker(workbook, period="2027-06", as_of=dt.date(2027, 7, 3))
    view.goal_input.value = workbook.plan.goal.target * 1.02
    view.preview_button.click()
    save_version(workbook, targets, "someone else's re-plan", "Bo", "2027-07")
    view.reason_input.value = "late"
    view.save_button.click()
    assert "salesplan-error" in view.replan_panel.value
    assert list(list_versions(workbook)["version"]) == [1, 2]


def test_the_model_replans_only_the_periods_it_is_given():
    targets = pd.concat([targets_table(2026), targets_table(2027)], ignore_index=True)
    actuals = targets[targets["period"] <= pd.Period("2027-03", "M")].assign(
        actual=lambda t: t["target"] * 0.8
    )
    own = pd.period_range("2027-01", "2027-12", freq="M")
    result = replan(targets, actuals, pd.Period("2027-03", "M"), periods=own)
    year = targets["period"].dt.year == 2027
    assert result.goal == pytest.approx(targets.loc[year, "target"].sum())  # the goal's months' total
    assert result.closed_actual == pytest.approx(actuals.loc[actuals["period"] >= own[0], "actual"].sum())
    revised = _cells(result.targets)
    before = _cells(targets)
    kept = revised["period"] <= "2027-03"
    pd.testing.assert_frame_equal(revised[kept].reset_index(drop=True), before[kept].reset_index(drop=True))
    assert revised.loc[~kept, "target"].sum() == pytest.approx(result.goal - result.closed_actual, abs=0.005)


@pytest.fixture(scope="module")
def rolled_over(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real rollover: 2026 planned and split, January 2027 sold, the 2027 goal saved and split."""
    folder = planned_year(tmp_path_factory.mktemp("rollover") / "workbook")
    set_next_goal(folder)  # as the goal wizard saves it: 2026's plan kept in the history
    assert TaskSplitter(folder).save()
    return folder


def test_after_a_rollover_the_replan_is_the_new_years(rolled_over: Path, tmp_path: Path):
    folder = Path(shutil.copytree(rolled_over, tmp_path / "workbook"))
    workbook = open_workbook(folder)
    goal = workbook.plan.goal.target
    before = targets_in_force(workbook)
    view = Tracker(workbook, period="2027-01", as_of=dt.date(2027, 2, 3))
    assert view.goal_input.value == pytest.approx(goal, abs=0.01)  # 2027's, not 2026's 120M on top
    view.goal_input.value = round(goal * 1.1, 2)
    view.preview_button.click()
    assert view.save_button.disabled is False, view.replan_panel.value
    pending = view._pending[0].assign(period=lambda t: t["period"].astype(str))
    old = before.assign(period=before["period"].astype(str))
    key = ["period", "rep"]
    kept = lambda t: t[t["period"] <= "2027-01"].groupby(key)["target"].sum()  # noqa: E731
    pd.testing.assert_series_equal(kept(pending), kept(old), check_exact=False, rtol=0, atol=0.001)
    cube = workbook.cube()
    january = cube.loc[cube["period"].astype(str) == "2027-01", "actual"].sum()
    assert january > 0
    rest = pending.loc[pending["period"] > "2027-01", "target"].sum()
    assert rest == pytest.approx(goal * 1.1 - january, abs=0.01)
    view.reason_input.value, view.author_input.value = "A bigger 2027", "Ana"
    view.save_button.click()
    assert "salesplan-error" not in view.replan_panel.value, view.replan_panel.value
    after = targets_in_force(open_workbook(folder)).assign(period=lambda t: t["period"].astype(str))
    pd.testing.assert_series_equal(kept(after), kept(old), check_exact=False, rtol=0, atol=0.001)
    assert after.loc[after["period"] > "2027-01", "target"].sum() == pytest.approx(rest, abs=0.01)


def test_after_a_rollover_a_month_of_the_year_over_re_plans_nothing(rolled_over: Path, tmp_path: Path):
    """September 2026 shown once January 2027 is sold: 2026's goal is in force for it, and every one of its
    months is sold (and paid), so nothing of it — nor of 2027 — is moved."""
    folder = Path(shutil.copytree(rolled_over, tmp_path / "workbook"))
    view = Tracker(open_workbook(folder), period="2026-09")
    assert view.goal().start == dt.date(2026, 1, 1)
    assert view.goal_input.value == pytest.approx(120_000_000.0, abs=0.01)  # 2026's goal, as it was
    view.preview_button.click()
    assert view.save_button.disabled and view._pending is None
    assert "already sold" in view.replan_panel.value and "Jan 2026 – Dec 2026" in view.replan_panel.value


def test_with_a_team_selected_the_default_is_its_targets_over_the_goal(tmp_path: Path):
    workbook, targets, _sold = two_year_workbook(tmp_path / "wb")
    view = Tracker(workbook, period="2027-06", as_of=dt.date(2027, 7, 3))
    view.team = "West"
    west = targets[(targets["team"] == "West") & (targets["period"].dt.year == 2027)]["target"].sum()
    assert view.goal_input.value == pytest.approx(west, abs=0.005)  # not both years', not the company's
    view.preview_button.click()
    pending = _cells(view._pending[0])
    before = _cells(targets)
    moved = (pending["target"] - before["target"]).abs() > 0.001
    assert moved.any()  # West sold 95% so far: its months left carry the rest
    assert set(pending.loc[moved, "period"]) <= {
        str(p) for p in pd.period_range("2027-07", "2027-12", freq="M")
    }
    assert set(pending.loc[moved, "team"]) <= {"West"}

"""1 January: the sales reach the new year while the workbook holds last year's goal, split and ledger.

A minimal workbook (date, amount and rep in a CSV) planned and paid for 2026 receives January 2027's sales.
The analyst closes December, sets and splits the 2027 goal, pays January; 2026 stays readable as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from fixtures.minimal_workbook import home_sales, write_minimal_workbook

from salesplan_widgets import open_workbook
from salesplan_widgets.errors import InputError
from salesplan_widgets.report.goal import GoalReport
from salesplan_widgets.schema.goal import GoalSection
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.widgets.goal_wizard import GoalWizard
from salesplan_widgets.widgets.task_splitter import TaskSplitter
from salesplan_widgets.workbook.ledger import approve_payments, close_period, compute_payments
from salesplan_widgets.workbook.payouts import period_statements, write_payouts
from salesplan_widgets.workbook.versions import save_version, targets_in_force

CITIES = 6
INCENTIVES = """\
incentives:
  measurement: monthly
  cumulative: true
  commission:
    base_rate: 0.03
    tiers:
      basis: attainment
      mode: marginal
      bands:
        - {at_least: 0.0, below: 1.0, rate: 0.03}
        - {at_least: 1.0, rate: 0.05}
"""


def _sales_to(last: str) -> pd.DataFrame:
    every = home_sales("2024-01", "2027-06", cities=CITIES)
    return every[pd.to_datetime(every["date"]) <= pd.Period(last, "M").end_time]


def _goal(first: str, last: str, target: float, name: str) -> GoalSection:
    return GoalSection(
        name=name,
        start=pd.Period(first, "M").start_time.date(),
        end=pd.Period(last, "M").end_time.date(),
        target=target,
        rationale="Last year plus the new city offices",
        business_objective="Grow in every city",
        review_dates=[],
    )


def planned_year(folder: Path, fiscal_year_start: int = 1) -> Path:
    """The workbook as the year ended: the fiscal year's goal saved and split (rep × month), data to its
    last month; then the next month's sales arrive."""
    first = pd.Period(f"2026-{fiscal_year_start:02d}", "M") - (12 if fiscal_year_start > 1 else 0)
    last = first + 11
    write_minimal_workbook(folder, fiscal_year_start=fiscal_year_start, sales=_sales_to(str(last)))
    with (folder / "plan.yaml").open("a", encoding="utf-8") as plan:
        plan.write(INCENTIVES)
    workbook = open_workbook(folder)
    workbook.save(goal=_goal(str(first), str(last), 120_000_000.0, f"Sell 120M in FY{last.year}"))
    splitter = TaskSplitter(folder)
    assert str(splitter.periods[0]) == str(first) and splitter.save()
    _sales_to(str(last + 1)).to_csv(folder / "data" / "sales.csv", index=False)  # the new year's first month
    return folder


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return planned_year(tmp_path_factory.mktemp("rollover") / "workbook")


@pytest.fixture
def workbook_dir(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "workbook"))


def _targets(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "tables" / "targets.csv", dtype={"period": str})


def set_next_goal(folder: Path) -> GoalWizard:
    wizard = GoalWizard(folder)
    wizard.override_reason = "The board's growth objective"
    assert wizard.save(), wizard.status
    return wizard


def save_next_goal(folder: Path) -> float:
    """The 2027 goal saved as the plan records it (2026's sales + 8%, in whole thousands); its target."""
    sales = _sales_to("2026-12")
    target = round(sales[sales["date"] >= "2026-01-01"]["volume"].sum() * 1.08, -3)
    open_workbook(folder).save(goal=_goal("2027-01", "2027-12", target, "Sell 8% more in FY2027"))
    return target


def close_december(workbook) -> pd.DataFrame:
    """Prepare, approve and close December 2026 as finance does; its statement lines as closed."""
    write_payouts(workbook, "2026-12")
    approve_payments(workbook, "2026-12")
    close_period(workbook, "2026-12")
    return period_statements(workbook, "2026-12").lines


def test_the_goal_wizard_opens_on_the_next_year_once_the_data_pass_the_saved_goal(workbook_dir: Path):
    wizard = GoalWizard(workbook_dir)
    assert (wizard.start, wizard.end) == ("2027-01", "2027-12")
    # the year in the name follows, and so does the figure stating the target
    assert wizard.name == f"Sell {wizard.result['target'] / 1e6:.0f}M in FY2027"
    assert wizard.result["target"] != pytest.approx(120_000_000.0)  # proposed from the data, not 2026's
    assert "Jan 2026 – Dec 2026" in wizard.year_notice and "Jan 2027 – Dec 2027" in wizard.year_notice
    assert wizard.review_dates == "2027-04-01, 2027-07-01, 2027-10-01"


def test_april_fiscal_year_rolls_over_after_march(tmp_path: Path):
    folder = planned_year(tmp_path / "april", fiscal_year_start=4)  # FY2026: April 2025 – March 2026
    wizard = GoalWizard(folder)
    assert (wizard.start, wizard.end) == ("2026-04", "2027-03")
    assert wizard.name.endswith("in FY2027")


def test_saving_the_next_goal_keeps_the_year_that_is_over_in_the_history(workbook_dir: Path):
    before_plan = (workbook_dir / "plan.yaml").read_text(encoding="utf-8")
    before_targets = (workbook_dir / "tables" / "targets.csv").read_bytes()
    set_next_goal(workbook_dir)
    goal = open_workbook(workbook_dir).plan.goal
    assert (goal.start, goal.end) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    kept = workbook_dir / "history" / "2026-01_2026-12"
    assert (kept / "plan.yaml").read_text(encoding="utf-8") == before_plan
    assert yaml.safe_load(before_plan)["goal"]["target"] == 120_000_000.0
    assert (kept / "targets.csv").read_bytes() == before_targets
    reopened = GoalWizard(workbook_dir)  # the new goal is the saved one now: no notice, its own target
    assert not reopened.year_notice and reopened.result["target"] == pytest.approx(goal.target)


def test_the_splitter_splits_the_new_year_and_keeps_last_years_targets(workbook_dir: Path):
    before = _targets(workbook_dir)
    goal = save_next_goal(workbook_dir)
    splitter = TaskSplitter(workbook_dir)
    assert (str(splitter.periods[0]), str(splitter.periods[-1])) == ("2027-01", "2027-12")
    assert splitter.goal == pytest.approx(goal)
    assert splitter.save()
    new = _targets(workbook_dir)  # the table the splitter writes: the new year (task sheets, my targets)
    assert sorted(new["period"].unique()) == [str(p) for p in pd.period_range("2027-01", "2027-12", freq="M")]
    assert new["target"].sum() == pytest.approx(goal, abs=0.01)
    in_force = targets_in_force(open_workbook(workbook_dir))  # what tracking and payouts read
    last_year = in_force[in_force["period"] < pd.Period("2027-01", "M")]
    order = ["period", "rep"]
    pd.testing.assert_frame_equal(
        last_year.assign(period=last_year["period"].astype(str))[before.columns].sort_values(
            order, ignore_index=True
        ),
        before.sort_values(order, ignore_index=True),
    )
    this_year = in_force[in_force["period"] >= pd.Period("2027-01", "M")]
    assert this_year["target"].sum() == pytest.approx(goal, abs=0.01)
    assert open_workbook(workbook_dir).plan.split.start == "2027-01"
    assert str(TaskSplitter(workbook_dir).periods[0]) == "2027-01"  # reopened: the year just split


def test_a_new_year_split_after_a_replan_is_in_force(workbook_dir: Path):
    workbook = open_workbook(workbook_dir)
    replanned = _targets(workbook_dir).assign(target=lambda t: t["target"] * 0.9)
    save_version(workbook, replanned, "H2 relief", "ana", "2026-07")
    save_next_goal(workbook_dir)
    assert TaskSplitter(workbook_dir).save()
    in_force = targets_in_force(open_workbook(workbook_dir))
    periods = in_force["period"].astype(str)
    assert in_force[periods == "2027-01"]["target"].sum() > 0
    july = in_force[periods == "2026-07"]  # the re-plan still holds for 2026
    assert set(july["version"]) == {2}


def test_paying_january_before_the_year_is_split_is_refused_with_the_way_forward(workbook_dir: Path):
    with pytest.raises(InputError) as error:
        compute_payments(open_workbook(workbook_dir), "2027-01")
    message = str(error.value)
    assert "targets.csv" in message and "2027-01" in message and "up to 2026-12" in message
    assert "task splitter" in message


def test_january_pays_on_its_own_quota_after_december_closed_to_the_cent(workbook_dir: Path):
    workbook = open_workbook(workbook_dir)
    december = close_december(workbook)
    save_next_goal(workbook_dir)
    assert TaskSplitter(workbook_dir).save()

    workbook = open_workbook(workbook_dir)
    prepared = compute_payments(workbook, "2027-01")
    lines = prepared.payments.lines
    rep = "Austin"
    sales = _sales_to("2027-01")
    sold = round(sales[(sales["city"] == rep) & (sales["date"] >= "2027-01-01")]["volume"].sum(), 2)
    targets = _targets(workbook_dir)
    quota = targets[(targets["rep"] == rep) & (targets["period"] == "2027-01")]
    quota = float(quota["target"].sum())
    # year to date = January alone (the year restarted); nothing paid earlier in 2027: bands by hand
    expected = round(min(sold, quota) * 0.03, 2) + round(max(sold - quota, 0) * 0.05, 2)
    own = lines[(lines["rep"] == rep)]
    assert set(own["for_period"].astype(str)) == {"2027-01"}  # no adjustment of 2026 from the new split
    assert own["amount_minor"].sum() == round(expected * 100)
    # December 2026 reads as it was closed, with the 2027 plan saved
    pd.testing.assert_frame_equal(period_statements(open_workbook(workbook_dir), "2026-12").lines, december)


def test_the_goal_page_says_the_goals_year_is_over_and_what_to_do(workbook_dir: Path):
    january = GoalReport.open(workbook_dir, "2027-01")
    assert "ended in Dec 2026, before Jan 2027" in str(january.headline())
    assert "goal wizard" in january.year_over_notice()
    assert "ended in" not in str(GoalReport.open(workbook_dir, "2026-12").headline())  # its last month


def test_the_january_run_tracks_against_the_new_years_split(workbook_dir: Path):
    goal = save_next_goal(workbook_dir)
    assert TaskSplitter(workbook_dir).save()
    january = _targets(workbook_dir).query("period == '2027-01'")["target"].sum()
    run = subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", "run", str(workbook_dir), "--period", "2027-01"]
        + ["--template", "report_tracking", "--template", "report_goal"],
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ,
    )
    assert run.returncode == 0, run.stderr
    metrics = json.loads((workbook_dir / "reports" / "2027-01" / "metrics.json").read_text(encoding="utf-8"))
    tracking, goal_page = metrics["report_tracking"], metrics["report_goal"]
    assert tracking["tracking_expected_ytd"] == pytest.approx(january)  # January against January 2027
    assert tracking["tracking_target_year"] == pytest.approx(goal, abs=0.01)
    assert tracking["tracking_projection_end"] == "2027-12"
    assert (goal_page["goal_start"], goal_page["goal_end"]) == ("2027-01", "2027-12")
    assert goal_page["goal_target"] == pytest.approx(goal)
    html = (workbook_dir / "reports" / "2027-01" / "report_tracking.html").read_text(encoding="utf-8")
    assert "year that is over" not in html


def _bands(low: float, high: float) -> dict:
    bands = [{"at_least": 0.0, "below": 1.0, "rate": low}, {"at_least": 1.0, "rate": high}]
    return {"base_rate": low, "tiers": {"basis": "attainment", "mode": "marginal", "bands": bands}}


def test_new_rates_in_a_2027_plan_version_leave_2026_as_it_was_paid(workbook_dir: Path):
    reps = sorted(_sales_to("2026-12")["city"].unique())
    rules = {
        "measurement": "monthly",
        "cumulative": True,
        "plans": [{"id": "ae", "name": "Account executive", "versions": [
            {"effective": "2026-01", "commission": _bands(0.03, 0.05)},
        ]}],
        "assignments": [{"rep": rep, "plan": "ae", "start": "2026-01-01"} for rep in reps],
    }  # fmt: skip
    workbook = open_workbook(workbook_dir)
    workbook.save(incentives=IncentivesSection.model_validate(rules))
    december = close_december(workbook)

    save_next_goal(workbook_dir)
    assert TaskSplitter(workbook_dir).save()
    rules["plans"][0]["versions"].append(
        {"effective": "2027-01", "commission": _bands(0.04, 0.06), "reason": "2027 rates"}
    )
    workbook = open_workbook(workbook_dir)
    workbook.save(incentives=IncentivesSection.model_validate(rules))

    pd.testing.assert_frame_equal(period_statements(open_workbook(workbook_dir), "2026-12").lines, december)
    lines = compute_payments(open_workbook(workbook_dir), "2027-01").payments.lines
    assert set(lines["for_period"].astype(str)) == {"2027-01"}  # nothing re-paid for 2026
    rep = "Austin"
    sales = _sales_to("2027-01")
    sold = round(sales[(sales["city"] == rep) & (sales["date"] >= "2027-01-01")]["volume"].sum(), 2)
    targets = _targets(workbook_dir)
    quota = float(targets[(targets["rep"] == rep) & (targets["period"] == "2027-01")]["target"].sum())
    expected = round(min(sold, quota) * 0.04, 2) + round(max(sold - quota, 0) * 0.06, 2)
    assert lines[lines["rep"] == rep]["amount_minor"].sum() == round(expected * 100)


def test_re_running_december_after_the_2027_goal_is_saved_shows_2026s_goal(workbook_dir: Path):
    before = GoalReport.open(workbook_dir, "2026-12").metrics()
    set_next_goal(workbook_dir)
    december = GoalReport.open(workbook_dir, "2026-12").metrics()
    assert (december["goal_start"], december["goal_end"], december["goal_target"]) == (
        "2026-01",
        "2026-12",
        120e6,
    )
    assert december == before
    january = GoalReport.open(workbook_dir, "2027-01").metrics()
    assert (january["goal_start"], january["goal_end"]) == ("2027-01", "2027-12")
    assert january["goal_target"] == open_workbook(workbook_dir).plan.goal.target


def test_a_yearly_holdback_is_released_when_an_april_year_closes_in_march(tmp_path: Path):
    folder = planned_year(tmp_path / "april", fiscal_year_start=4)  # FY2026: April 2025 – March 2026
    plan = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
    rules = {**plan["incentives"], "holdback": {"share": 0.3, "release": "year"}}
    open_workbook(folder).save(incentives=IncentivesSection.model_validate(rules))
    for month in pd.period_range("2025-04", "2026-03", freq="M").astype(str):
        workbook = open_workbook(folder)
        write_payouts(workbook, month)
        approve_payments(workbook, month)
        close_period(workbook, month)
    paid = pd.concat(
        pd.read_csv(path, dtype={"period": str, "for_period": str})
        for path in sorted((folder / "reports").glob("*/payouts/payouts-*.csv"))
    )
    held = paid[paid["component"] == "holdback"]
    released = paid[paid["component"] == "holdback_release"]
    assert set(held["period"]) == {str(m) for m in pd.period_range("2025-04", "2026-02", freq="M")}
    assert set(released["period"]) == {"2026-03"}  # the fiscal year's last month releases all it held
    by_rep = held.groupby("rep")["amount"].sum().round(2)
    pd.testing.assert_series_equal(released.groupby("rep")["amount"].sum().round(2), -by_rep)

    set_next_goal(folder)  # FY2027 from April 2026
    assert TaskSplitter(folder).save()
    april = compute_payments(open_workbook(folder), "2026-04").payments.lines
    assert (april["component"] == "holdback").any()  # the new year holds back again ...
    assert not (april["component"] == "holdback_release").any()  # ... and has nothing left to release


@pytest.mark.parametrize(
    ("saved", "last_month", "fiscal_year_start", "expected"),
    [
        (
            ("2026-01", "2026-12"),
            "2026-12",
            1,
            ("2026-01", "2026-12", False),
        ),  # its last month: still its year
        (("2026-01", "2026-12"), "2027-01", 1, ("2027-01", "2027-12", True)),
        (("2025-01", "2025-12"), "2027-02", 1, ("2027-01", "2027-12", True)),  # a year skipped: not one over
        (("2025-04", "2026-03"), "2026-04", 4, ("2026-04", "2027-03", True)),
        (
            ("2026-01", "2026-06"),
            "2026-08",
            1,
            ("2026-07", "2026-12", True),
        ),  # a half-year goal: the next half
        ((None, None), "2027-01", 1, ("2027-01", "2027-12", False)),  # no goal yet: the year just begun
    ],
)
def test_the_goal_is_set_for_the_year_after_the_saved_ones_once_the_data_pass_it(
    saved, last_month, fiscal_year_start, expected
):
    from salesplan_widgets.model.goal import opening_horizon

    periods = [None if m is None else pd.Period(m, "M") for m in saved]
    first, last, rolled = opening_horizon(*periods, pd.Period(last_month, "M"), fiscal_year_start)
    assert (str(first), str(last), rolled) == expected

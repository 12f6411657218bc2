"""A rep moved between plans of different measurements inside a month is simulated as a close pays them.

A close prorates the month between the two plans by days (`model/role_plans.plan_shares`): each plan pays
its share of the month's sales at its own rate, in its own window (a monthly plan's share now, a quarterly
plan's at the quarter's end), and settles the draw once per the rep's own period, by the plan of the
month's last day. Real workbooks (tests/closed_workbooks.py), every month closed through the CLI (prepare,
approve, close) and simulated beforehand on one draw of that month's sales, with the statements' window so
far and the ledger's balances. Figures worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from closed_workbooks import close, paid_in, simulate_month, write_workbook
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.simulation import Simulation, payout_cost, rule_history, window_so_far
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection

REPS = pd.Index(["Wang"], name="rep")
MONTHS = ("2026-01", "2026-02", "2026-03")
PLAN = """\
name: Moved Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, deal: deal}
incentives:
  measurement: monthly
  negative: clawback
  commission: {base_rate: 0.05}
  clawback: {window_days: 90}
DRAWS  plans:
    - id: before
      name: Plan before
      versions: [{effective: 2026-01, measurement: BEFORE, negative: clawback, commission: {base_rate: 0.10}}]
    - id: after
      name: Plan after
      versions: [{effective: 2026-01, measurement: AFTER, negative: clawback, commission: {base_rate: 0.20}}]
  assignments:
    - {rep: Wang, plan: before, end: 2026-02-20}
    - {rep: Wang, plan: after, start: 2026-02-21}
"""
# Wang sells 1,000 in January, 2,800 in February (20 days of it on the plan before, 8 on the one after)
# and 1,000 in March.
SALES = [
    ("2026-01-20", 1000, "Wang", "W1"),
    ("2026-02-10", 2800, "Wang", "D1"),
    ("2026-03-10", 1000, "Wang", "W3"),
]


def plan(before: str, after: str, draws: str = "") -> str:
    return PLAN.replace("BEFORE", before).replace("AFTER", after).replace("DRAWS", draws)


def test_a_month_mostly_on_a_monthly_plan_pays_only_its_share_now_as_the_close_does(tmp_path):
    """Monthly 10% to 20 February, quarterly 20% from the 21st: February's close pays the monthly plan's
    2,800 × 20/28 × 10% = 200 now; the quarterly plan's 2,800 × 8/28 × 20% = 160 comes with March's
    1,000 × 20% = 200 at the quarter's end. Before, the simulation paid all of February at the monthly plan
    (the plan of most of its days), 280, and March only March's 200."""
    wb = write_workbook(tmp_path / "wb", plan("monthly", "quarterly"), SALES, REPS)
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate_month(wb, month, REPS)
        close(wb, month)
    assert {m: paid_in(wb, m) for m in MONTHS} == {"2026-01": 100.0, "2026-02": 200.0, "2026-03": 360.0}
    for month in MONTHS:
        assert simulated[month].parts["paid_now"][0] == pytest.approx(paid_in(wb, month), abs=0.005), month
    assert sum(simulated[m].cost[0] for m in MONTHS) == pytest.approx(660.0, abs=0.005)


def test_a_month_mostly_on_a_quarterly_plan_pays_the_monthly_share_now_as_the_close_does(tmp_path):
    """Quarterly 10% to 20 February, monthly 20% from the 21st: February's close pays the monthly plan's
    2,800 × 8/28 × 20% = 160 now, and March (the quarter's end, and a month of the monthly plan) pays the
    quarter's January 1,000 × 10% and February 2,800 × 20/28 × 10% = 300, with March's 1,000 × 20% = 200."""
    wb = write_workbook(tmp_path / "wb", plan("quarterly", "monthly"), SALES, REPS)
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate_month(wb, month, REPS)
        close(wb, month)
    assert {m: paid_in(wb, m) for m in MONTHS} == {"2026-01": 0.0, "2026-02": 160.0, "2026-03": 500.0}
    for month in MONTHS:
        assert simulated[month].parts["paid_now"][0] == pytest.approx(paid_in(wb, month), abs=0.005), month


def test_a_draw_of_a_rep_moved_mid_month_tops_up_by_the_plan_of_the_months_last_day(tmp_path):
    """Monthly to 20 February, quarterly from the 21st, guaranteed 500 a period from January to March: the
    close tops up January against its 100 (400), not February (its last day is on the quarterly plan,
    whose quarter runs on), and March against what March pays (360: 140)."""
    draws = "  draws: [{rep: Wang, kind: non_recoverable, amount: 500, start: 2026-01, end: 2026-03}]\n"
    wb = write_workbook(tmp_path / "wb", plan("monthly", "quarterly", draws), SALES, REPS)
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate_month(wb, month, REPS)
        close(wb, month)
    guarantees = {m: paid_in(wb, m, kind="guarantee") for m in MONTHS}
    assert guarantees == {"2026-01": 400.0, "2026-02": 0.0, "2026-03": 140.0}
    for month in MONTHS:
        assert simulated[month].parts["guarantee"][0] == pytest.approx(guarantees[month], abs=0.005), month
        assert simulated[month].parts["paid_now"][0] == pytest.approx(paid_in(wb, month), abs=0.005), month


@settings(max_examples=40, deadline=None)
@given(
    day=st.integers(2, 28),
    before=st.sampled_from(["monthly", "quarterly"]),
    after=st.sampled_from(["monthly", "quarterly"]),
    sold=st.floats(0, 1e6),
)
def test_a_month_split_between_plans_costs_and_pays_each_plans_share_as_its_statement(
    day, before, after, sold
):
    """Moved from a 10% plan to a 20% one on any day of February, with any sales: the simulated month costs
    what the two plans' statements earn on their shares of it, and pays now only the shares of the plans
    whose window February ends (the monthly ones)."""
    moved = dt.date(2026, 2, day)
    plans = [
        {
            "id": p,
            "name": p,
            "versions": [{"effective": "2026-01", "measurement": how, "commission": {"base_rate": r}}],
        }
        for p, how, r in (("before", before, 0.1), ("after", after, 0.2))
    ]
    section = IncentivesSection.model_validate(
        {"plans": plans, "assignments": [
            {"rep": "Wang", "plan": "before", "end": (moved - dt.timedelta(days=1)).isoformat()},
            {"rep": "Wang", "plan": "after", "start": moved.isoformat()},
        ]}
    )  # fmt: skip
    february = pd.Period("2026-02", "M")
    cube = pd.DataFrame({"period": pd.PeriodIndex([february]), "rep": ["Wang"], "actual": [sold]})
    quotas = pd.DataFrame({"period": pd.PeriodIndex([february]), "rep": ["Wang"], "target": [1_000.0]})
    statement = payout_statements(section, cube, quotas, february).reps
    rules = rule_history(
        cube.iloc[0:0], REPS, section, window=window_so_far(section, statement.iloc[0:0], "2026-02")
    )
    sim = Simulation(reps=REPS, quota=np.array([1_000.0]), sales=np.array([[sold]]), seed=0)
    outcome = payout_cost(sim, section, month="2026-02", rules=rules)
    monthly = statement["plan"].astype(str).map({"before": before, "after": after}) == "monthly"
    assert outcome.cost[0] == pytest.approx(statement["earned"].sum(), abs=0.01)
    assert outcome.parts["paid_now"][0] == pytest.approx(
        statement.loc[monthly.to_numpy(), "earned"].sum(), abs=0.01
    )

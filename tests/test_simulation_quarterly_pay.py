"""A rep measured by quarter is simulated as a close pays them: nothing mid-quarter, the quarter at its end,
and tiers measured on the quarter's sales against the quarter's quota.

Real workbooks (CSV sales, targets table, plan.yaml) closed month by month through the CLI (prepare, approve,
close), each month simulated beforehand on one draw of that month's sales, with what the statements measured
so far in each rep's window (`window_so_far`). Li is on the workbook's monthly 5%; Wang on a quarterly role
plan. Figures worked out by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from closed_workbooks import close, paid, paid_in, simulate_month, write_workbook
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.simulation import Simulation, payout_cost, rule_history, window_so_far
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection

REPS = pd.Index(["Li", "Wang"], name="rep")
MONTHS = ("2026-01", "2026-02", "2026-03")
# 5% up to quota, 20% above it, measured on the quarter for Wang (his quota: 1,000 a month, 3,000 a quarter)
TIERS = "tiers: {mode: marginal, bands: [{at_least: 0, below: 1, rate: 0.05}, {at_least: 1, rate: 0.2}]}"
PLAN = f"""\
name: Quarterly Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, deal: deal}}
incentives:
  measurement: monthly
  negative: clawback
  commission: {{base_rate: 0.05}}
  plans:
    - id: role
      name: Quarterly plan
      versions:
        - {{effective: 2026-01, measurement: quarterly, negative: clawback, commission: {{{TIERS}}}}}
  assignments: [{{rep: Wang, plan: role}}]
"""
# Li 1,000 a month; Wang 500, 500, then 2,500 in March: 3,500 in the quarter against 3,000
SALES = [
    ("2026-01-15", 1000, "Li", "L1"), ("2026-02-15", 1000, "Li", "L2"), ("2026-03-15", 1000, "Li", "L3"),
    ("2026-01-15", 500, "Wang", "W1"), ("2026-02-15", 500, "Wang", "W2"), ("2026-03-15", 2500, "Wang", "W3"),
]  # fmt: skip


def make_workbook(folder, holdback: str = ""):
    plan = PLAN.replace("  plans:", holdback + "  plans:") if holdback else PLAN
    return write_workbook(folder, plan, SALES, REPS)


def simulate(wb, month: str):
    """`month` on one draw of the sales the data holds for it, with the statements' window so far."""
    return simulate_month(wb, month, REPS)


def test_a_quarterly_rep_is_paid_nothing_mid_quarter_and_the_quarter_at_its_end_as_the_close_pays(tmp_path):
    wb = make_workbook(tmp_path / "wb")
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate(wb, month)
        close(wb, month)
    # The close pays Li 50 a month and Wang nothing until March, then his quarter: 3,000 × 5% + 500 × 20%
    # = 250. Before, the simulation paid Wang in January and February what each month earned.
    assert {m: paid_in(wb, m) for m in MONTHS} == {"2026-01": 50.0, "2026-02": 50.0, "2026-03": 300.0}
    for month in MONTHS:
        assert simulated[month].parts["paid_now"][0] == pytest.approx(paid_in(wb, month), abs=0.005), month


def test_a_quarterly_reps_tiers_are_measured_on_the_quarter_as_the_close_measures_them(tmp_path):
    wb = make_workbook(tmp_path / "wb")
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate(wb, month)
        close(wb, month)
    # Month by month the simulation costs what each month adds to the quarter's commission: 25, 25, then
    # 250 − 50 = 200 (before: March's 2,500 against March's 1,000 alone, 50 + 300 = 350), so the quarter's
    # costs add up to what the quarter paid.
    quarter_paid = sum(amount for *_k, amount in paid(wb)) / 100
    assert quarter_paid == 400.0  # Li 150, Wang 250
    assert [simulated[m].cost[0] for m in MONTHS] == pytest.approx([75.0, 75.0, 250.0], abs=0.005)
    assert sum(simulated[m].cost[0] for m in MONTHS) == pytest.approx(quarter_paid, abs=0.005)


def test_a_quarterly_reps_holdback_is_held_from_the_quarter_paid_at_its_end(tmp_path):
    """A holdback of 10% released at the year's end: the close holds nothing of Wang's mid-quarter (it pays
    him nothing then) and 10% of his quarter in March."""
    wb = make_workbook(tmp_path / "wb", holdback="  holdback: {share: 0.1, release: year}\n")
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate(wb, month)
        close(wb, month)
    assert {m: paid_in(wb, m) for m in MONTHS} == {"2026-01": 45.0, "2026-02": 45.0, "2026-03": 270.0}
    for month in MONTHS:
        assert simulated[month].parts["paid_now"][0] == pytest.approx(paid_in(wb, month), abs=0.005), month
        assert -simulated[month].parts["held"][0] == pytest.approx(
            sum(a for _r, k, p, *_x, a in paid(wb) if k == "holdback" and p == month) / 100, abs=0.005
        )


@settings(max_examples=40, deadline=None)
@given(sales=st.lists(st.floats(0, 5_000), min_size=3, max_size=3))
def test_over_a_quarter_the_simulated_months_pay_and_cost_a_tiered_quarter_as_its_statement(sales):
    """A quarterly plan with marginal tiers simulated month by month on any sales, each month with the
    statements' quarter so far: nothing is paid before March, March pays the quarter's statement, and the
    months' costs add up to it."""
    tiers = {
        "mode": "marginal",
        "bands": [{"at_least": 0, "below": 1, "rate": 0.05}, {"at_least": 1, "rate": 0.2}],
    }
    section = IncentivesSection.model_validate({"measurement": "quarterly", "commission": {"tiers": tiers}})
    months = pd.period_range("2026-01", periods=3, freq="M")
    cube = pd.DataFrame({"period": months, "rep": "Wang", "actual": sales})
    quotas = pd.DataFrame({"period": months, "rep": "Wang", "target": 1_000.0})
    reps = pd.Index(["Wang"], name="rep")
    paid_now, costs = [], []
    for i, month in enumerate(months):
        window = (
            window_so_far(section, payout_statements(section, cube, quotas, month - 1).reps, str(month))
            if i
            else None
        )
        rules = rule_history(cube[cube["period"] < month], reps, section, window=window)
        sim = Simulation(reps=reps, quota=np.array([1_000.0]), sales=np.array([[sales[i]]]), seed=0)
        outcome = payout_cost(sim, section, month=str(month), rules=rules)
        paid_now.append(outcome.parts["paid_now"][0])
        costs.append(outcome.cost[0])
    quarter = payout_statements(section, cube, quotas, months[-1]).reps["earned"].sum()
    assert paid_now[:2] == [0.0, 0.0]
    assert paid_now[2] == pytest.approx(quarter, abs=0.01)
    assert sum(costs) == pytest.approx(quarter, abs=0.01)


def test_the_calculator_pays_a_quarterly_rep_the_quarter_so_far_only_at_its_end(tmp_path):
    """In the calculator, with 1,000 a month each in April and May: simulating May (from April) defers
    Wang's commission to the quarter's end and pays none of his April; simulating June (from May) pays his
    April and May as their statement earned them, 2,000 × 5% = 100, beside June's own."""
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator

    wb = make_workbook(tmp_path / "wb")
    spring = [(f"2026-{m:02d}-15", 1000, rep, f"{rep}{m}") for m in (4, 5) for rep in REPS]
    sales = pd.concat(
        [
            pd.read_csv(wb / "data" / "sales.csv"),
            pd.DataFrame(spring, columns=["date", "amount", "rep", "deal"]),
        ]
    )
    sales.to_csv(wb / "data" / "sales.csv", index=False)
    may = IncentiveCalculator(wb, period="2026-04", rep="Wang").simulate(draws=200, seed=1)
    assert (may["deferred"] > 0).all()  # before: paid now, as a monthly rep's
    assert (may["window_paid"] == 0).all()
    june = IncentiveCalculator(wb, period="2026-05", rep="Wang").simulate(draws=200, seed=1)
    assert (june["deferred"] == 0).all()
    assert june["window_paid"].to_numpy() == pytest.approx([100.0, 100.0], abs=0.005)

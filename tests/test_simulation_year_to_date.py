"""A year-to-date plan measured by quarter is simulated as a close pays it: the quarter's end pays the year
so far less what the earlier quarters paid, and every month costs what it adds to the year's commission.

Real workbooks (tests/closed_workbooks.py) closed month by month through the CLI (prepare, approve, close),
each month simulated beforehand on one draw of that month's sales with what the statements measured so far
(`window_so_far`). Li is on the workbook's monthly 5%; Wang on a quarterly, year-to-date role plan with
marginal tiers (5% up to quota, 20% above). Figures worked out by hand in the comments.
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
MONTHS = tuple(str(m) for m in pd.period_range("2026-01", "2026-06", freq="M"))
TIERS = "{tiers: {mode: marginal, bands: [{at_least: 0, below: 1, rate: 0.05}, {at_least: 1, rate: 0.2}]}}"
PLAN = """\
name: Year to date Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, deal: deal}
incentives:
  measurement: monthly
  negative: NEGATIVE
  commission: {base_rate: 0.05}
  plans:
    - id: ytd
      name: Year to date
      versions:
        - {effective: 2026-01, measurement: quarterly, cumulative: true, negative: NEGATIVE,
           commission: TIERS}
  assignments: [{rep: Wang, plan: ytd}]
""".replace("TIERS", TIERS)
# Li 1,000 a month. Wang 500, 500, 2,500 in the first quarter: 3,500 against 3,000, 150 + 100 = 250 paid in
# March; 500, 500, 2,000 in the second: the half year's 6,500 against 6,000 earns 300 + 100 = 400, of which
# the first quarter paid 250, so June pays 150.
SALES = [(f"2026-{m:02d}-15", 1000, "Li", f"L{m}") for m in range(1, 7)] + [
    (f"2026-{m:02d}-15", amount, "Wang", f"W{m}")
    for m, amount in zip(range(1, 7), (500, 500, 2500, 500, 500, 2000), strict=True)
]


def test_a_year_to_date_quarter_pays_the_year_so_far_less_what_earlier_quarters_paid(tmp_path):
    wb = write_workbook(tmp_path / "wb", PLAN.replace("NEGATIVE", "clawback"), SALES, REPS)
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate_month(wb, month, REPS)
        close(wb, month)
    wang = {m: paid_in(wb, m, rep="Wang") for m in MONTHS}
    assert wang == {"2026-01": 0.0, "2026-02": 0.0, "2026-03": 250.0,
                    "2026-04": 0.0, "2026-05": 0.0, "2026-06": 150.0}  # fmt: skip
    # Before, June's simulation paid the half year's 400 again (window_paid: the year to May's 225, and
    # June's 175), not the 150 the close pays.
    for month in MONTHS:
        assert simulated[month].parts["paid_now"][0] == pytest.approx(paid_in(wb, month), abs=0.005), month
    # Each month costs what it adds to the year's commission, so the months add up to what was paid.
    assert sum(simulated[m].cost[0] for m in MONTHS) == pytest.approx(
        sum(a for *_k, a in paid(wb)) / 100, abs=0.005
    )


def test_a_year_to_date_quarter_that_earned_less_than_was_paid_carries_it_as_the_close_does(tmp_path):
    """Carry forward: Wang sells nothing in the second quarter, so the half year earns 3,500 × 5% = 175 of
    the 250 March paid: June's close pays him nothing and carries the 75 (the simulation pays 0 too, and
    does not count the first quarter again)."""
    sales = [s for s in SALES if not (s[2] == "Wang" and s[0] >= "2026-04")]
    wb = write_workbook(tmp_path / "wb", PLAN.replace("NEGATIVE", "carry_forward"), sales, REPS)
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate_month(wb, month, REPS)
        close(wb, month)
    assert paid_in(wb, "2026-06", rep="Wang") == 0.0
    for month in MONTHS:
        assert simulated[month].parts["paid_now"][0] == pytest.approx(paid_in(wb, month), abs=0.005), month


@settings(max_examples=40, deadline=None)
@given(
    sales=st.lists(st.floats(0, 5_000), min_size=6, max_size=6),
    negative=st.sampled_from(["clawback", "carry_forward"]),
)
def test_over_half_a_year_the_simulated_months_pay_a_year_to_date_quarter_as_its_statement(sales, negative):
    """A year-to-date plan measured by quarter, with marginal tiers, simulated month by month on any sales
    with the statements' year so far: each quarter's last month pays what its statement pays (the year so
    far less what was paid before), the other months nothing; on a clawback plan the months' costs add up
    to what the half year paid."""
    tiers = {
        "mode": "marginal",
        "bands": [{"at_least": 0, "below": 1, "rate": 0.05}, {"at_least": 1, "rate": 0.2}],
    }
    section = IncentivesSection.model_validate(
        {"measurement": "quarterly", "cumulative": True, "negative": negative, "commission": {"tiers": tiers}}
    )
    months = pd.period_range("2026-01", periods=6, freq="M")
    cube = pd.DataFrame({"period": months, "rep": "Wang", "actual": sales})
    quotas = pd.DataFrame({"period": months, "rep": "Wang", "target": 1_000.0})
    reps = pd.Index(["Wang"], name="rep")
    paid_now, costs = [], []
    for i, month in enumerate(months):
        window = None
        if i:
            before = payout_statements(section, cube, quotas, month - 1).reps
            window = window_so_far(section, before, str(month))
        rules = rule_history(cube[cube["period"] < month], reps, section, window=window)
        sim = Simulation(reps=reps, quota=np.array([1_000.0]), sales=np.array([[sales[i]]]), seed=0)
        outcome = payout_cost(sim, section, month=str(month), rules=rules)
        paid_now.append(outcome.parts["paid_now"][0])
        costs.append(outcome.cost[0])
    statement = {m: payout_statements(section, cube, quotas, months[m]).reps["payout"].sum() for m in (2, 5)}
    assert [paid_now[m] for m in (0, 1, 3, 4)] == [0.0] * 4
    assert paid_now[2] == pytest.approx(statement[2], abs=0.01)
    assert paid_now[5] == pytest.approx(statement[5], abs=0.01)
    if negative == "clawback":
        assert sum(costs) == pytest.approx(statement[2] + statement[5], abs=0.01)


def test_the_calculator_pays_a_year_to_date_quarter_less_what_the_first_quarter_paid(tmp_path):
    """In the calculator, simulating June from May: the year so far earned Wang 4,500 against 5,000, 225, of
    which March paid 250, so June's close pays the half year less 250: the earlier months' part of it is
    −25 on every draw, beside June's own. Before, it was +225 (the year so far paid again)."""
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator

    wb = write_workbook(tmp_path / "wb", PLAN.replace("NEGATIVE", "clawback"), SALES, REPS)
    june = IncentiveCalculator(wb, period="2026-05", rep="Wang").simulate(draws=200, seed=1)
    assert june["window_paid"].to_numpy() == pytest.approx([-25.0, -25.0], abs=0.005)

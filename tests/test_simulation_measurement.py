"""The simulation tops a draw up as a close does: once per the rep's own measurement period, against the
commission of the whole window (`model/measurement.py`, `model/ledger._draws`).

Real workbooks of tests/test_measurement_by_rep.py (Li sells 1,000, 2,000, 1,000 in January to March, Wang
1,000 a month; quota 1,000 a month each), one rep on a role plan measured otherwise than the workbook, and
Wang guaranteed 500 a measurement period from January to March. Each month is closed through the CLI, and
simulated beforehand on one draw of that month's sales, with what the statements earned so far in each
rep's window (`earned_in_window`). Figures worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_measurement_by_rep import STEADY, close, make_workbook, paid

from salesplan_widgets.model.simulation import Simulation, earned_in_window, payout_cost, rule_history
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import load_quotas, pay_cube

REPS = pd.Index(["Li", "Wang"], name="rep")
MONTHS = ("2026-01", "2026-02", "2026-03")
GUARANTEE = "  draws: [{rep: Wang, kind: non_recoverable, amount: 500, start: 2026-01, end: 2026-03}]\n"


def guaranteed_workbook(folder, section: str, role: str, on_role: str):
    wb = make_workbook(folder, section, role, on_role, STEADY)
    plan = (wb / "plan.yaml").read_text(encoding="utf-8").replace("  plans:", GUARANTEE + "  plans:")
    (wb / "plan.yaml").write_text(plan, encoding="utf-8")
    return wb


def simulate(wb, month: str):
    """`month` on one draw of the sales the data holds for it, with the statements' window so far."""
    book = open_workbook(wb)
    section = book.plan.incentives
    cube = pay_cube(book, section)
    before = pd.Period(month, "M") - 1
    earned = pd.DataFrame(columns=["period", "rep", "earned"])
    if (cube["period"] == before).any():
        earned = payout_statements(section, cube, load_quotas(book).table, before).reps
    month_sales = cube[cube["period"] == pd.Period(month, "M")].groupby("rep")["actual"].sum()
    history = cube[cube["period"] < pd.Period(month, "M")]
    rules = rule_history(history, REPS, section, window_earned=earned_in_window(section, earned, month))
    sales = month_sales.reindex(REPS).to_numpy()[None, :]
    sim = Simulation(reps=REPS, quota=np.full(2, 1_000.0), sales=sales, seed=0)
    return payout_cost(sim, section, month=month, rules=rules)


def guarantees(wb) -> dict[str, float]:
    """Each month's guarantee lines (money)."""
    return {
        month: sum(
            amount
            for rep, kind, period, _f, _d, amount in paid(wb)
            if kind == "guarantee" and period == month
        )
        / 100
        for month in MONTHS
    }


@pytest.mark.parametrize(
    ("section", "role", "on_role", "wang_quarter"),
    [
        ("monthly", "quarterly", "Wang", 300.0),  # Wang on a quarterly role plan at 10%: Q1 3,000 → 300
        ("quarterly", "monthly", "Li", 150.0),  # Wang on the workbook's quarterly 5%: Q1 3,000 → 150
    ],
)
def test_a_simulated_guarantee_tops_up_once_per_the_reps_own_period_as_the_close_does(
    tmp_path, section, role, on_role, wang_quarter
):
    wb = guaranteed_workbook(tmp_path / "wb", section, role, on_role)
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate(wb, month)
        close(wb, month)
    # The close tops Wang up once, in March, to the 500 of the quarter: 500 − his Q1 commission. Before, the
    # simulation topped him up every month against that month's commission alone (400 + 400 + 400 or
    # 450 × 3), three guarantees a quarter.
    assert guarantees(wb) == {"2026-01": 0.0, "2026-02": 0.0, "2026-03": 500.0 - wang_quarter}
    for month in MONTHS:
        assert simulated[month].parts["guarantee"][0] == pytest.approx(guarantees(wb)[month], abs=0.005)
    # Month by month the simulation costs the commission as it is earned, and the quarter's costs add up
    # to what the quarter paid, to the cent.
    quarter_paid = sum(amount for *_k, amount in paid(wb)) / 100
    assert sum(simulated[m].cost[0] for m in MONTHS) == pytest.approx(quarter_paid, abs=0.005)


@settings(max_examples=40, deadline=None)
@given(
    sales=st.lists(st.floats(0, 20_000), min_size=3, max_size=3),
    guarantee=st.floats(1, 3_000),
    kind=st.sampled_from(["recoverable", "non_recoverable"]),
)
def test_over_a_quarter_the_simulated_months_top_a_quarterly_rep_up_once_to_the_draw(sales, guarantee, kind):
    """A quarterly plan at 10% with a draw for the quarter, simulated month by month on any sales, each
    month with the statements' quarter so far: only March settles the draw, against the quarter's
    commission, so the quarter's top-ups are max(draw − 10% × its sales, 0) once, and a guarantee's
    quarter costs max(draw, commission), as a close pays it."""
    draw = {"rep": "Wang", "amount": guarantee, "start": "2026-01", "end": "2026-03", "kind": kind}
    section = IncentivesSection.model_validate(
        {"measurement": "quarterly", "commission": {"base_rate": 0.1}, "draws": [draw]}
    )
    months = pd.period_range("2026-01", periods=3, freq="M")
    cube = pd.DataFrame({"period": months, "rep": "Wang", "actual": sales})
    quotas = pd.DataFrame({"period": months, "rep": "Wang", "target": 1_000.0})
    reps = pd.Index(["Wang"], name="rep")
    top_ups, costs = [], []
    for i, month in enumerate(months):
        earned = payout_statements(section, cube, quotas, month - 1).reps if i else cube.iloc[0:0]
        rules = rule_history(cube[cube["period"] < month], reps, section,
                             window_earned=earned_in_window(section, earned, str(month)))  # fmt: skip
        sim = Simulation(reps=reps, quota=np.array([1_000.0]), sales=np.array([[sales[i]]]), seed=0)
        outcome = payout_cost(sim, section, month=str(month), rules=rules)
        top_ups.append(outcome.parts["guarantee"][0] + outcome.parts["advance"][0])
        costs.append(outcome.cost[0])
    commission = 0.1 * sum(sales)
    assert top_ups[:2] == [0.0, 0.0]
    assert sum(top_ups) == pytest.approx(max(guarantee - commission, 0.0), abs=1e-6)
    if kind == "non_recoverable":
        assert sum(costs) == pytest.approx(max(guarantee, commission), abs=1e-6)


def test_the_calculator_simulates_a_quarterly_reps_guarantee_only_at_the_quarters_end(tmp_path):
    """In the calculator: February ends no period of Wang's, so next month's simulation from January tops
    no one up; March ends his quarter, so the simulation from February tops him up against the quarter so
    far (200 earned in January and February) plus March's draw: never more than 500 − 200."""
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator

    wb = guaranteed_workbook(tmp_path / "wb", "monthly", "quarterly", "Wang")
    february = IncentiveCalculator(wb, period="2026-01", rep="Wang").simulate(draws=200, seed=1)
    assert (february["guarantee"] == 0).all()  # before: about 400, a guarantee every month
    march = IncentiveCalculator(wb, period="2026-02", rep="Wang").simulate(draws=200, seed=1)
    assert ((march["guarantee"] > 0) & (march["guarantee"] <= 300.0 + 1e-9)).all()

"""A return is clawed back in the simulation at the rate a close recovers it: the blended rate its
measurement window paid on its sales (`model/clawbacks.py`), not the tier the month reached.

A real workbook (tests/closed_workbooks.py) closed through the CLI (prepare, approve, close); the month
simulated on one draw of its sales with the statements' window so far. Figures worked out by hand.
"""

from __future__ import annotations

import dataclasses

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
TIERS = "{tiers: {mode: marginal, bands: [{at_least: 0, below: 1, rate: 0.05}, {at_least: 1, rate: 0.2}]}}"
TIERED = f"""\
name: Returned Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, deal: deal}}
incentives:
  measurement: quarterly
  negative: clawback
  commission: {TIERS}
  clawback: {{window_days: 90}}
"""


def test_a_deal_paid_at_the_quarters_top_tier_is_clawed_back_at_the_quarters_blended_rate(tmp_path):
    """Quarterly, 5% to quota and 20% above (quota 1,000 a month): Wang sells 500, 500, then D3, 2,500, in
    March, which lifts the quarter to 3,500 and pays 150 + 100 = 250, of which March adds 200. D3 comes back
    whole in April: the close recovers it at the rate the quarter paid, 250 ÷ 3,500 on 2,500 = 178.57, not
    at the 200 March added. Simulated with D3's return as the share returned of March (all of it), March's
    clawback is that of the close. Before, the simulation recovered the month's own 200."""
    sales = [("2026-01-15", 500, "Wang", "W1"), ("2026-02-15", 500, "Wang", "W2"),
             ("2026-03-15", 2500, "Wang", "D3"), ("2026-04-10", -2500, "Wang", "D3")]  # fmt: skip
    wb = write_workbook(tmp_path / "wb", TIERED, sales, REPS)
    all_returned = simulate_month(
        wb, "2026-03", REPS, adjust=lambda r: dataclasses.replace(r, returned=np.ones(1))
    )
    for month in ("2026-03", "2026-06"):  # (a quarterly workbook closes its quarters' ends)
        close(wb, month)
    assert paid_in(wb, "2026-03") == 250.0
    clawed = paid_in(wb, "2026-06", kind="clawback")
    assert clawed == pytest.approx(-2500 * 250 / 3500, abs=0.005)
    assert all_returned.parts["clawback"][0] == pytest.approx(clawed, abs=0.005)


@settings(max_examples=40, deadline=None)
@given(
    sales=st.lists(st.floats(1, 5_000), min_size=3, max_size=3),
    returned=st.floats(0, 1),
    measurement=st.sampled_from(["monthly", "quarterly"]),
)
def test_a_months_returns_are_clawed_back_at_the_rate_its_statement_paid_on_its_sales(
    sales, returned, measurement
):
    """Marginal tiers on any sales: March simulated with the statements' window so far, a share `returned` of
    its sales coming back, claws back that share of March's sales at the rate March's statement paid on its
    sales (the quarter's on a quarterly plan, the month's on a monthly one), never more than the period it is
    paid in paid (the quarter so far with March: a month that added less than nothing, its quota lifting
    the quarter's bar, still gives its sales back from the quarter's pay, as a close's `first_come` caps it)."""
    tiers = {
        "mode": "marginal",
        "bands": [{"at_least": 0, "below": 1, "rate": 0.05}, {"at_least": 1, "rate": 0.2}],
    }
    section = IncentivesSection.model_validate(
        {"measurement": measurement, "commission": {"tiers": tiers}, "clawback": {"window_days": 90}}
    )
    months = pd.period_range("2026-01", periods=3, freq="M")
    cube = pd.DataFrame({"period": months, "rep": "Wang", "actual": sales})
    quotas = pd.DataFrame({"period": months, "rep": "Wang", "target": 1_000.0})
    window = window_so_far(section, payout_statements(section, cube, quotas, months[1]).reps, "2026-03")
    rules = rule_history(cube[cube["period"] < months[2]], REPS, section, window=window)
    rules = dataclasses.replace(rules, returned=np.array([returned]))
    sim = Simulation(reps=REPS, quota=np.array([1_000.0]), sales=np.array([[sales[2]]]), seed=0)
    outcome = payout_cost(sim, section, month="2026-03", rules=rules)
    march = payout_statements(section, cube, quotas, months[2]).reps.iloc[0]
    rate = march["earned"] / march["sales"]
    expected = min(returned * sales[2] * rate, max(march["earned"], 0.0))  # the period's pay caps it
    assert -outcome.parts["clawback"][0] == pytest.approx(expected, rel=1e-9, abs=1e-6)

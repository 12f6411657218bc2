"""A return is clawed back in the simulation up to what its whole paid window paid, as a close caps it
(`model/clawbacks.first_come`: never more than the period paid), not up to what the simulated month added.

A real workbook (tests/closed_workbooks.py) closed through the CLI (prepare, approve, close); the month
simulated on one draw of its sales with the statements' window so far. Figures worked out by hand.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from closed_workbooks import close, paid_in, simulate_month, write_workbook

REPS = pd.Index(["Wang"], name="rep")
TIERED = """\
name: Capped Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, deal: deal}
incentives:
  measurement: quarterly
  negative: clawback
  commission: {tiers: {mode: marginal, bands: [{at_least: 0, below: 1, rate: 0.05}, {at_least: 1, rate: 0.2}]}}
  clawback: {window_days: 90}
"""


def test_a_return_of_a_month_that_added_less_than_nothing_is_clawed_back_from_the_quarter_it_was_paid_in(
    tmp_path,
):
    """Quarterly, 5% to quota and 20% above (quota 1,000 a month): Wang sells 2,000 and 1,500 in January and
    February (the quarter so far 3,500 on 2,000 pays 100 + 300 = 400), then D3, 300, in March: the quarter,
    3,800 on 3,000, pays 150 + 160 = 310, so March added −90 (its quota lifted the bar). D3 comes back whole
    in April: the close recovers it at the quarter's rate, 310 ÷ 3,800 on 300 = 24.47, well inside the 310
    the quarter paid. Simulated with all of March returned, March's clawback is the close's. Before, the
    simulation capped it at what March added (nothing) and recovered 0."""
    sales = [("2026-01-15", 2000, "Wang", "W1"), ("2026-02-15", 1500, "Wang", "W2"),
             ("2026-03-15", 300, "Wang", "D3"), ("2026-04-10", -300, "Wang", "D3")]  # fmt: skip
    wb = write_workbook(tmp_path / "wb", TIERED, sales, REPS)
    all_returned = simulate_month(
        wb, "2026-03", REPS, adjust=lambda r: dataclasses.replace(r, returned=np.ones(1))
    )
    for month in ("2026-03", "2026-06"):  # (a quarterly workbook closes its quarters' ends)
        close(wb, month)
    assert paid_in(wb, "2026-03") == 310.0
    clawed = paid_in(wb, "2026-06", kind="clawback")
    assert clawed == pytest.approx(-300 * 310 / 3800, abs=0.005)
    assert all_returned.parts["clawback"][0] == pytest.approx(clawed, abs=0.005)
    # the month's cost is what it added and what comes back of it, as the two closes record them
    assert all_returned.cost[0] == pytest.approx(310.0 - 400.0 + clawed, abs=0.005)

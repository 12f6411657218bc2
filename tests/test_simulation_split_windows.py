"""A rep moved between two plans that both measure by quarter is simulated on each plan's own window, as a
close measures and pays them: each plan's tiers on the sales and quota of the days the rep spent on it,
not on the rep's quarter summed over both plans.

A close prorates a month between two plans by days (`model/role_plans.plan_shares`), and each plan's
statement measures its own window so far (`window_so_far` keeps a row per plan). Real workbooks
(tests/closed_workbooks.py), every month closed through the CLI (prepare, approve, close) and simulated
beforehand on one draw of that month's sales, with the statements' window so far and the ledger's balances.
Figures worked out by hand in the comments.
"""

from __future__ import annotations

import pandas as pd
import pytest
from closed_workbooks import close, paid_in, simulate_month, write_workbook

from salesplan_widgets.model.simulation import window_so_far
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import load_quotas, pay_cube

REPS = pd.Index(["Wang"], name="rep")
MONTHS = ("2026-01", "2026-02", "2026-03")
TIERS = "{tiers: {mode: marginal, bands: [{at_least: 0, below: 1, rate: LOW}, {at_least: 1, rate: HIGH}]}}"
PLAN = f"""\
name: Split Co
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
    - id: before
      name: Plan before
      versions: [{{effective: 2026-01, measurement: quarterly, negative: clawback,
                  commission: {TIERS.replace("LOW", "0.05").replace("HIGH", "0.20")}}}]
    - id: after
      name: Plan after
      versions: [{{effective: 2026-01, measurement: quarterly, negative: clawback,
                  commission: {TIERS.replace("LOW", "0.10").replace("HIGH", "0.30")}}}]
  assignments:
    - {{rep: Wang, plan: before, end: 2026-02-14}}
    - {{rep: Wang, plan: after, start: 2026-02-15}}
"""
# Quota 1,000 a month. Wang sells 3,000 in January, 1,000 in February (half its days on the plan before, half
# on the one after) and 600 in March, all on the plan after.
SALES = [("2026-01-20", 3000, "Wang", "W1"), ("2026-02-10", 1000, "Wang", "D2"),
         ("2026-03-10", 600, "Wang", "W3")]  # fmt: skip


def test_the_window_so_far_keeps_each_plans_own_sales_and_quota(tmp_path):
    """Before March, the plan before measured 3,000 + 500 on 1,000 + 500, the plan after 500 on 500: each
    plan's own figures, beside the rep's sums over both, which stay as they were."""
    wb = write_workbook(tmp_path / "wb", PLAN, SALES, REPS)
    book = open_workbook(wb)
    section = book.plan.incentives
    statements = payout_statements(section, pay_cube(book, section), load_quotas(book).table, "2026-02").reps
    window = window_so_far(section, statements, "2026-03")
    by_plan = window_so_far(section, statements, "2026-03", by_plan=True)
    assert by_plan.loc[("Wang", "before"), ["sales", "quota"]].tolist() == pytest.approx([3500.0, 1500.0],
                                                                                         abs=1e-3)  # fmt: skip
    assert by_plan.loc[("Wang", "after"), ["sales", "quota"]].tolist() == pytest.approx([500.0, 500.0],
                                                                                        abs=1e-3)  # fmt: skip
    assert window.loc["Wang", ["sales", "quota"]].tolist() == pytest.approx([4000.0, 2000.0], abs=1e-3)


def test_a_rep_moved_between_two_quarterly_plans_is_paid_each_plans_window_as_the_close_does(tmp_path):
    """The plan before (5% to quota, 20% above) pays its window at the quarter's end, 3,500 on 1,500: 75 +
    400 = 475. The plan after (10% to quota, 30% above) measures 500 + 600 = 1,100 on 500 + 1,000 = 1,500:
    110, below quota, of which March adds 60 to the 50 its window paid before. March's close pays both
    windows, 585, and the simulated March pays the same; the months' costs add up to it. Before, the plan
    after was measured on the rep's quarter summed over both plans (4,000 on 2,000 before March, 4,600 on
    3,000 with it), as if the plan before's sales had lifted the plan after into its 30% tier: March added
    −20 and paid 505."""
    wb = write_workbook(tmp_path / "wb", PLAN, SALES, REPS)
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate_month(wb, month, REPS)
        close(wb, month)
    assert paid_in(wb, "2026-01") == paid_in(wb, "2026-02") == 0.0
    for month in MONTHS:
        assert simulated[month].parts["paid_now"][0] == pytest.approx(paid_in(wb, month), abs=0.005), month
    assert sum(simulated[m].cost[0] for m in MONTHS) == pytest.approx(paid_in(wb, "2026-03"), abs=0.005)

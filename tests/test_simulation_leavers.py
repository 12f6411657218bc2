"""A rep who leaves inside their measurement window is simulated as a close pays them: what the quarter
earned up to the leaving day paid at the quarter's end, and their held commission paid out or forfeited as
the plan's holdback says, in the month the close does it.

Real workbooks (tests/closed_workbooks.py) closed month by month through the CLI (prepare, approve, close),
each month simulated beforehand on one draw of that month's sales with the statements' window so far and
the ledger's balances. Li is on the workbook's monthly 5%; Wang on a quarterly 5% role plan and leaves on
10 May, inside the second quarter (`incentives.relief`). 10% of each payment is held back until the year's
end. The history's leaver rate is set to 0: each month's leaver is the one the plan names, as a close
reads it. Figures worked out by hand in the comments.
"""

from __future__ import annotations

import pandas as pd
import pytest
from closed_workbooks import close, paid_in, simulate_month, write_workbook

from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

REPS = pd.Index(["Li", "Wang"], name="rep")
MONTHS = tuple(str(m) for m in pd.period_range("2026-01", "2026-06", freq="M"))
PLAN = """\
name: Leaver Co
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
  holdback: {share: 0.1, release: year, on_leaving: ON_LEAVING}
  relief: [{rep: Wang, left: 2026-05-10}]
DRAWS
  plans:
    - id: role
      name: Quarterly plan
      versions: [{effective: 2026-01, measurement: quarterly, negative: clawback, commission: {base_rate: 0.05}}]
  assignments: [{rep: Wang, plan: role}]
"""
# Li 1,000 a month; Wang 1,000 a month to April and 600 on 5 May: his first quarter earns 150 (15 held),
# his second 1,600 × 5% = 80.
SALES = [(f"2026-{m:02d}-15", 1000, "Li", f"L{m}") for m in range(1, 7)] + [
    *((f"2026-{m:02d}-15", 1000, "Wang", f"W{m}") for m in range(1, 5)),
    ("2026-05-05", 600, "Wang", "W5"),
]


@pytest.mark.parametrize("on_leaving", ["forfeit", "pay"])
def test_a_rep_leaving_mid_quarter_is_paid_and_settled_as_the_close_does(tmp_path, on_leaving):
    wb = write_workbook(
        tmp_path / "wb", PLAN.replace("ON_LEAVING", on_leaving).replace("DRAWS\n", ""), SALES, REPS
    )
    simulated = {}
    for month in MONTHS:
        simulated[month] = simulate_month(wb, month, REPS, leavers_per_year=0.0)
        close(wb, month)
    for month in MONTHS:
        outcome = simulated[month].parts
        assert outcome["paid_now"][0] == pytest.approx(paid_in(wb, month), abs=0.005), month
        lines = read_ledger(open_workbook(wb)).lines
        lines = lines[lines["period"].astype(str) == month]
        for part, kind, column in (("held", "holdback", "amount_minor"), ("released", "holdback_release",
                                   "amount_minor"), ("forfeited", "holdback_forfeit", "base")):  # fmt: skip
            found = lines.loc[lines["kind"] == kind, column].sum() / (100 if column == "amount_minor" else 1)
            assert abs(outcome[part][0]) == pytest.approx(abs(found), abs=0.005), (month, part)


def test_a_leavers_draw_balance_is_a_cost_once_in_the_month_they_leave(tmp_path):
    """Wang also has a recoverable draw of 200 a quarter. March tops his 150 up by 50 + 15 (the holdback
    taken first): a balance of 65. He leaves in May; June's close still tops his second quarter's 80 up by
    120, as the draw runs to December: his balance is 185, never to be recovered. The months' simulated
    costs add up to the commission, the forfeited holdback and that balance, as the ledger records them.
    Before, the 65 he owed was counted lost again in June, a month after he left (65 too much)."""
    draws = "  draws: [{rep: Wang, kind: recoverable, amount: 200, start: 2026-01, end: 2026-12}]\n"
    plan = PLAN.replace("ON_LEAVING", "forfeit").replace("DRAWS\n", draws)
    wb = write_workbook(tmp_path / "wb", plan, SALES, REPS)
    costs = 0.0
    for month in MONTHS:
        outcome = simulate_month(wb, month, REPS, leavers_per_year=0.0)
        costs += outcome.cost[0]
        close(wb, month)
        assert outcome.parts["paid_now"][0] == pytest.approx(paid_in(wb, month), abs=0.005), month
    lines = read_ledger(open_workbook(wb)).lines
    commission = lines.loc[lines["kind"] == "payment", "amount_minor"].sum() / 100
    advanced = lines.loc[lines["kind"] == "draw", "amount_minor"].sum() / 100
    forfeited = lines.loc[lines["kind"] == "holdback_forfeit", "base"].sum()
    assert (commission, advanced, forfeited) == (530.0, 185.0, 15.0)
    assert costs == pytest.approx(commission + advanced - forfeited, abs=0.005)

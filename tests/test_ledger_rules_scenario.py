"""Four months of closes in a real workbook with every rule of issue 12's ledger part at once: a recoverable
draw recovered at most 300 a month, a return inside and one outside a 30-day clawback window, a 20% holdback
released at the quarter end, and a manual adjustment. Every ledger line is checked against the hand
computation written beside it. Order within a period: commission and clawbacks, then the holdback (or its
release), then the draw against what is paid so far, then manual adjustments."""

from __future__ import annotations

import pandas as pd

from salesplan_widgets.cli import main
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

PLAN = """\
name: Scenario Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, deal: order_no}
incentives:
  measurement: monthly
  commission: {base_rate: 0.10}
  draws: [{rep: Chen, amount: 1000, start: 2026-01, end: 2026-03, recovery_cap: 300}]
  clawback: {window_days: 30}
  holdback: {share: 0.2, release: quarter}
"""
SALES = [
    ("2026-01-12", 2000, "Chen", "C1"), ("2026-02-12", 5000, "Chen", "C2"), ("2026-03-12", 20000, "Chen", "C3"),
    ("2026-04-12", 10000, "Chen", "C4"),
    ("2026-01-10", 10000, "Li", "L1"), ("2026-02-05", -4000, "Li", "L1"),  # 26 days: clawed back
    ("2026-02-15", 6000, "Li", "L2"), ("2026-03-25", -6000, "Li", "L2"),  # 38 days: kept
    ("2026-03-15", 3000, "Li", "L3"),
]  # fmt: skip


def close(wb, period: str) -> set[tuple]:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(wb), "--period", period, *step]) == 0
    lines = read_ledger(open_workbook(wb)).lines
    lines = lines[lines["period"] == pd.Period(period, "M")]
    return {(r.rep, r.kind, str(r.for_period), r.deal, int(r.amount_minor)) for r in lines.itertuples()}


def test_draw_clawback_holdback_and_manual_adjustment_over_four_closes(tmp_path):
    wb = tmp_path / "wb"
    (wb / "data").mkdir(parents=True)
    pd.DataFrame(SALES, columns=["date", "amount", "rep", "order_no"]).to_csv(
        wb / "data" / "sales.csv", index=False
    )
    (wb / "plan.yaml").write_text(PLAN, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    open_workbook(wb).write_table(
        "targets",
        pd.DataFrame(
            [(m, r, 1000.0) for m in months for r in ("Chen", "Li")], columns=["period", "rep", "target"]
        ),  # fmt: skip
    )
    # January. Chen: 200 earned, 40 held (20%), 160 paid so far < the 1,000 draw → 840 advanced (balance 840).
    # Li: 1,000 earned, 200 held.
    assert close(wb, "2026-01") == {
        ("Chen", "payment", "2026-01", "", 200_00), ("Chen", "holdback", "2026-01", "", -40_00),
        ("Chen", "draw", "2026-01", "", 840_00),
        ("Li", "payment", "2026-01", "", 1000_00), ("Li", "holdback", "2026-01", "", -200_00),
    }  # fmt: skip
    # February. Chen: 500 earned, 100 held, 600 advanced (balance 1,440; held 140). Li: L2 earns 600 (L1's
    # return does not cut February); L1's 4,000 came back after 26 days: 4,000 × 10% paid for January = 400
    # clawed back, for January; 20% of the 200 left is held: 40 (held 240).
    assert close(wb, "2026-02") == {
        ("Chen", "payment", "2026-02", "", 500_00), ("Chen", "holdback", "2026-02", "", -100_00),
        ("Chen", "draw", "2026-02", "", 600_00),
        ("Li", "payment", "2026-02", "", 600_00), ("Li", "clawback", "2026-01", "L1", -400_00),
        ("Li", "holdback", "2026-02", "", -40_00),
    }  # fmt: skip
    # March ends the quarter: nothing held, everything held released. Chen: 2,000 + 140 released = 2,140,
    # 1,140 above the draw, so 300 (the cap) of the 1,440 advanced is recovered (balance 1,140). Li: L3 earns
    # 300; L2's return came 38 days after the sale: nothing recovered, and March is not cut for it; 240 released.
    assert close(wb, "2026-03") == {
        ("Chen", "payment", "2026-03", "", 2000_00), ("Chen", "holdback_release", "2026-03", "", 140_00),
        ("Chen", "draw_recovery", "2026-03", "", -300_00),
        ("Li", "payment", "2026-03", "", 300_00), ("Li", "holdback_release", "2026-03", "", 240_00),
    }  # fmt: skip
    # April: a manual adjustment of 120 for Li (trade-show bonus, approved by the sales director). Chen: 1,000
    # earned, 200 held, and with the draw over 300 of the 1,140 recovered from the 800 left (balance 840).
    assert main(["payouts", str(wb), "--period", "2026-04", "--adjust", "Li", "120", "--reason",
                 "Trade-show bonus", "--approver", "Sales director"]) == 0  # fmt: skip
    assert close(wb, "2026-04") == {
        ("Chen", "payment", "2026-04", "", 1000_00), ("Chen", "holdback", "2026-04", "", -200_00),
        ("Chen", "draw_recovery", "2026-04", "", -300_00),
        ("Li", "manual", "2026-04", "", 120_00),
    }  # fmt: skip
    # Paid in total: Chen 1,000 + 1,000 + 1,840 + 500 = 4,340 = commission 3,700 + advances still owed 840
    # − still held 200. Li 800 + 160 + 540 + 120 = 1,620 = commission 1,900 − clawback 400 + manual 120.
    lines = read_ledger(open_workbook(wb)).lines
    assert lines.groupby("rep")["amount_minor"].sum().to_dict() == {"Chen": 4340_00, "Li": 1620_00}

"""A clawback follows the credit: everyone credited with a returned deal (split owners, an overlay
specialist, the team lead's override) gives back what they were paid on it, at the rate it earned them,
traced to the period it was paid in; a return after the window recovers nothing from anyone.

Comp administration guides describe clawbacks this way, e.g. CaptivateIQ, "What is a commission clawback?"
(https://www.captivateiq.com/blog/commission-clawback): the commission paid on a deal that is cancelled or
refunded is recovered from the payees who were paid on it. The figures below are hand-computed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from salesplan_widgets.cli import main
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

PLAN = """\
name: Credited returns
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, team: team, segment: segment, deal: order_no}}
incentives:
  measurement: monthly
  commission: {{base_rate: 0.05}}
  crediting: [{crediting}]
  hierarchy: [{{manager: Boss, team: East, override_rate: 0.01}}]
  clawback: {{window_days: 30}}
"""
REPS = {"Li": "East", "Wang": "East", "Boss": "East", "Chen": "Specialists"}


def write_workbook(folder: Path, crediting: str, sales: list[tuple]) -> Path:
    (folder / "data").mkdir(parents=True)
    columns = ["date", "amount", "rep", "team", "segment", "order_no"]
    pd.DataFrame(sales, columns=columns).to_csv(folder / "data" / "sales.csv", index=False)
    (folder / "plan.yaml").write_text(PLAN.format(crediting=crediting), encoding="utf-8")
    months = pd.period_range("2026-01", "2026-12", freq="M")
    targets = pd.DataFrame(
        [(m, rep, team, 50_000.0) for m in months for rep, team in REPS.items()],
        columns=["period", "rep", "team", "target"],
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


def close(folder: Path, month: str) -> set[tuple]:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(folder), "--period", month, *step]) == 0
    lines = read_ledger(open_workbook(folder)).lines
    lines = lines[lines["period"] == pd.Period(month, "M")]
    return {
        (r.rep, r.kind, r.component, str(r.for_period), r.deal, int(r.amount_minor))
        for r in lines.itertuples()
    }


def test_a_returned_deal_is_clawed_back_from_split_owners_overlay_and_override_inside_the_window_only(
    tmp_path,
):
    folder = write_workbook(
        tmp_path / "wb",
        "{rep: Li, segment: Security, shares: {Li: 0.6, Wang: 0.4}, overlays: {Chen: 1.0}}",
        [
            ("2026-01-15", 10_000, "Li", "East", "Security", "L-1"),
            ("2026-01-10", 4_000, "Li", "East", "Security", "L-2"),
            ("2026-02-05", -10_000, "Li", "East", "Security", "L-1"),  # 21 days after the sale: inside 30
            ("2026-03-01", -4_000, "Li", "East", "Security", "L-2"),  # 50 days after the sale: outside
        ],
    )
    # January: 14,000 of Security split 60/40: Li 8,400 × 5% = 420, Wang 5,600 × 5% = 280; Chen credited
    # 100% beside them: 14,000 × 5% = 700; Boss 1% of East's 14,000 = 140
    assert close(folder, "2026-01") == {
        ("Li", "payment", "band", "2026-01", "", 420_00),
        ("Wang", "payment", "band", "2026-01", "", 280_00),
        ("Chen", "payment", "band", "2026-01", "", 700_00),
        ("Boss", "payment", "team_override", "2026-01", "", 140_00),
    }
    # February: L-1's 10,000 came back inside the window; each credited person gives back their share at
    # their January rate: Li 6,000 × 5% = 300, Wang 4,000 × 5% = 200, Chen 10,000 × 5% = 500, Boss 1% = 100
    assert close(folder, "2026-02") == {
        ("Li", "clawback", "clawback", "2026-01", "L-1", -300_00),
        ("Wang", "clawback", "clawback", "2026-01", "L-1", -200_00),
        ("Chen", "clawback", "clawback", "2026-01", "L-1", -500_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-1", -100_00),
    }
    # March: L-2 came back after the window: nobody repays, and nobody's March is cut for it
    assert close(folder, "2026-03") == set()
    lines = read_ledger(open_workbook(folder)).lines
    assert lines.groupby("rep")["amount_minor"].sum().to_dict() == {
        "Li": 120_00,
        "Wang": 80_00,
        "Chen": 200_00,
        "Boss": 40_00,
    }  # fmt: skip  (what L-2 earned each)


def test_found_case_the_overlay_and_the_team_lead_give_back_500_and_100_on_a_fully_returned_deal(tmp_path):
    # found by the scenario tests: on a fully returned deal only its owner Li repaid; Chen kept 500 and
    # Boss 100 (without a clawback rule the return nets for everyone, so the clawback must too)
    folder = write_workbook(
        tmp_path / "wb",
        "{rep: Li, segment: Security, overlays: {Chen: 1.0}}",
        [
            ("2026-01-15", 10_000, "Li", "East", "Security", "L-1"),
            ("2026-02-05", -10_000, "Li", "East", "Security", "L-1"),
        ],
    )
    close(folder, "2026-01")
    assert close(folder, "2026-02") == {
        ("Li", "clawback", "clawback", "2026-01", "L-1", -500_00),
        ("Chen", "clawback", "clawback", "2026-01", "L-1", -500_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-1", -100_00),
    }
    lines = read_ledger(open_workbook(folder)).lines
    assert (lines.groupby("rep")["amount_minor"].sum() == 0).all()  # nobody keeps anything on it

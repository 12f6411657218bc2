"""Two fiscal years of monthly closes with an overlay specialist, a team lead's override and commission on
cash collected with a late payment: every ledger line against a hand computation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import approve_payments, close_period, read_ledger
from salesplan_widgets.workbook.payouts import write_payouts

PLAN = """\
name: Scenario Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, team: team, segment: segment, invoice: invoice}
  receipts:
    path: data/receipts.xlsx
    columns: {date: received, amount: paid, invoice: invoice}
incentives:
  commission: {base_rate: 0.05}
  crediting: [{rep: Li, segment: Security, overlays: {Chen: 1.0}}]
  hierarchy: [{manager: Boss, team: East, override_rate: 0.01}]
  collections: {rate: 0.02, ageing: [{after_days: 90, factor: 0.5}]}
"""

SALES = pd.DataFrame(
    [("2026-01-15", 10_000.0, "Li", "East", "Security", "I-1"),
     ("2026-02-10", 4_000.0, "Wang", "East", "Core", "I-2"),
     ("2026-11-20", 6_000.0, "Li", "East", "Core", "I-3"),
     ("2027-01-05", 8_000.0, "Li", "East", "Security", "I-4")],
    columns=["date", "amount", "rep", "team", "segment", "invoice"],
)  # fmt: skip
RECEIPTS = pd.DataFrame(
    [("2026-02-14", 10_000.0, "I-1"),  # day 30: full rate
     ("2026-06-10", 4_000.0, "I-2"),  # day 120: a late payment, half rate
     ("2027-01-20", 6_000.0, "I-3")],  # day 61, in the next fiscal year
    columns=["received", "paid", "invoice"],
)  # fmt: skip


def workbook(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    SALES.to_csv(folder / "data" / "sales.csv", index=False)
    RECEIPTS.to_excel(folder / "data" / "receipts.xlsx", index=False)
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    months = pd.period_range("2026-01", "2027-12", freq="M")
    teams = {"Li": "East", "Wang": "East", "Boss": "East", "Chen": "Specialists"}
    targets = pd.DataFrame([(m, r, t, 100_000.0) for m in months for r, t in teams.items()],
                           columns=["period", "rep", "team", "target"])  # fmt: skip
    open_workbook(folder).write_table("targets", targets)
    return folder


def test_two_years_of_closes_pay_overlay_override_and_cash_as_computed_by_hand(tmp_path):
    folder = workbook(tmp_path / "wb")
    for period in pd.period_range("2026-01", "2027-01", freq="M").astype(str):
        write_payouts(open_workbook(folder), period, by="analyst")
        approve_payments(open_workbook(folder), period, by="finance")
        close_period(open_workbook(folder), period, by="controller")
    lines = read_ledger(open_workbook(folder)).lines
    paid = {
        (str(r.period), r.rep, r.component): int(r.amount_minor)
        for r in lines.groupby(["period", "rep", "component"], as_index=False, observed=True)["amount_minor"]
        .sum()
        .itertuples()
        if r.amount_minor
    }
    assert paid == {
        # January: Li's 10,000 of Security at 5%; Chen credited 100% beside him; Boss 1% of East's sales
        ("2026-01", "Li", "band"): 50_000,
        ("2026-01", "Chen", "band"): 50_000,
        ("2026-01", "Boss", "team_override"): 10_000,
        # February: Wang's 4,000 at 5%, Boss 1% of it; I-1's cash on day 30 at 2%, to Li and to his overlay
        ("2026-02", "Wang", "band"): 20_000,
        ("2026-02", "Boss", "team_override"): 4_000,
        ("2026-02", "Li", "collections"): 20_000,
        ("2026-02", "Chen", "collections"): 20_000,
        # June: I-2's cash on day 120, after 90 days: half the rate, 4,000 × 1%
        ("2026-06", "Wang", "collections"): 4_000,
        # November: Li's 6,000 of Core (no overlay) at 5%, Boss 1%
        ("2026-11", "Li", "band"): 30_000,
        ("2026-11", "Boss", "team_override"): 6_000,
        # January 2027, a new fiscal year: Li's 8,000 of Security, Chen beside him, Boss 1%; I-3's cash on
        # day 61 at the full rate
        ("2027-01", "Li", "band"): 40_000,
        ("2027-01", "Chen", "band"): 40_000,
        ("2027-01", "Boss", "team_override"): 8_000,
        ("2027-01", "Li", "collections"): 12_000,
    }
    assert set(lines["kind"]) == {"payment"}  # nothing paid was ever recomputed into an adjustment


def test_the_calculator_shows_and_explains_overlay_override_and_cash_lines_and_estimates_on_top(tmp_path):
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator

    folder = workbook(tmp_path / "wb")
    calc = IncentiveCalculator(folder, period="2026-02", rep="Li")
    lines = calc.statement_table.set_index(calc.statement_table["component"].astype(str))
    assert lines.loc["collections", "amount"] == 200.0
    assert calc.explain(lines.loc["collections"]) == "cash collected CN¥10,000.00 × 2.00% = CN¥200.00"
    boss = calc.statements.statement("Boss", "2026-02")
    override = boss[boss["component"] == "team_override"].iloc[0]
    assert calc.explain(override) == "team sales CN¥4,000.00 × override 1.00% = CN¥40.00"
    calc.extra = 1_000
    estimate = calc.run_estimate()  # 1,000 more sold by Li in February: 5% of it on top
    assert estimate.increment == 50.0

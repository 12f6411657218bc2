"""Holdbacks: part of each period's commission held back and released at the quarter or year end, forfeited or
paid on leaving as the plan says; the held balance kept in the ledger and shown on the statement.

The rule follows the holdback described in public guides, e.g. Zepys, "How to handle refunds and clawbacks
with agents" (https://staging.zepys.com/learn/how-to-handle-refunds-and-clawbacks-with-agents): "Pay 70% of
the commission at the point of sale and the remaining 30% after the clawback window closes". The figures
are hand-computed below.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_draws import net_pay, run_months
from test_ledger import PLAN, make_workbook

from salesplan_widgets.cli import main
from salesplan_widgets.model.holdbacks import FORFEIT, HOLDBACK, RELEASE, held_balance
from salesplan_widgets.model.ledger import COMMISSION_KINDS
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger


def plan_with(holdback: dict, relief: list | None = None) -> IncentivesSection:
    return IncentivesSection.model_validate(
        {"commission": {"base_rate": 0.1}, "holdback": holdback, "relief": relief or []}
    )


def held_after(closes, rep: str) -> list[float]:
    return [
        float(
            c.balances.loc[
                (c.balances["rep"] == rep) & (c.balances["account"] == HOLDBACK), "after_minor"
            ].sum()
        )
        / 100
        for c in closes
    ]


def test_thirty_percent_is_held_back_and_released_at_the_quarter_end():
    # Commission 1,000, 2,000, 500, 1,000: January pays 700 (300 held), February 1,400 (600 held), March ends
    # the quarter: nothing held, 500 + the 900 held = 1,400; April holds 300 again.
    closes, ledger = run_months(plan_with({"share": 0.3}), {"Li": [1000, 2000, 500, 1000]}, "2026-01")
    assert net_pay(closes, "Li") == [700, 1400, 1400, 700]
    assert held_after(closes, "Li") == [300, 900, 0, 300]
    assert ledger[ledger["kind"] == RELEASE]["amount_minor"].tolist() == [900_00]


@pytest.mark.parametrize("on_leaving, may_pays, forfeited", [("forfeit", 800, 300), ("pay", 1100, 0)])
def test_a_rep_who_leaves_forfeits_or_is_paid_what_is_held_as_the_plan_says(on_leaving, may_pays, forfeited):
    # A fiscal year from April: 10% held in April (1,000 → 100) … Li leaves on 20 May: May holds nothing
    # and settles the 300 held (April 1,000 + … see below) by forfeit or payment.
    section = plan_with({"share": 0.3, "release": "year", "on_leaving": on_leaving},
                        relief=[{"rep": "Li", "left": "2026-05-20"}])  # fmt: skip
    closes, ledger = run_months(section, {"Li": [1000, 800]}, "2026-04")
    assert net_pay(closes, "Li") == [700, may_pays]
    assert held_after(closes, "Li") == [300, 0]
    forfeit = ledger[ledger["kind"] == FORFEIT]
    assert forfeit["base"].sum() == forfeited and forfeit["amount_minor"].sum() == 0


def test_a_yearly_release_follows_the_fiscal_year():
    section = plan_with({"share": 0.5, "release": "year"})
    # fiscal year from January in run_months: December releases the year's holdbacks
    closes, _ledger = run_months(section, {"Li": [100] * 12}, "2026-01")
    assert net_pay(closes, "Li") == [50] * 11 + [100 + 11 * 50]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    share=st.sampled_from([0.1, 0.25, 0.3, 0.5, 1.0]),
    release=st.sampled_from(["quarter", "year"]),
    earned=st.lists(st.integers(-500, 4000), min_size=7, max_size=7),
)
def test_cash_paid_is_commission_owed_less_what_is_still_held(share, release, earned):
    section = plan_with({"share": share, "release": release}).model_copy(update={"negative": "clawback"})
    closes, ledger = run_months(section, {"Li": [float(e) for e in earned]}, "2026-01", currency="CNY")
    commission = ledger[ledger["kind"].isin(COMMISSION_KINDS)]["amount_minor"].sum()
    held = int(held_balance(ledger, "CNY").get("Li", 0))
    assert commission == sum(earned) * 100  # the holdback never changes what the plan owes
    assert ledger["amount_minor"].sum() == commission - held  # paid = owed − still held, to the cent
    assert held == round(held_after(closes, "Li")[-1] * 100) >= 0
    held_each = [round(share * max(e, 0) * 100) for e in earned]  # January to July
    if release == "quarter":  # March and June release everything: only July's is still held
        assert held_after(closes, "Li")[2] == held_after(closes, "Li")[5] == 0
        assert held == held_each[6]
    else:  # released only in December
        assert held == sum(held_each)


def test_the_held_balance_is_in_the_workbooks_ledger_and_on_the_statement(tmp_path):
    wb = make_workbook(tmp_path / "wb", locale="zh_CN")  # Li and Wang earn 100.00 in January
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    (wb / "plan.yaml").write_text(plan + "  holdback: {share: 0.25}\n", encoding="utf-8")
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(wb), "--period", "2026-01", *step]) == 0
    lines = read_ledger(open_workbook(wb)).lines
    assert lines.groupby("kind")["amount_minor"].sum().to_dict() == {"payment": 200_00, HOLDBACK: -50_00}
    zh = statement_path(open_workbook(wb), "2026-01", "Li", "zh_CN").read_text(encoding="utf-8")
    en = statement_path(open_workbook(wb), "2026-01", "Li", "en").read_text(encoding="utf-8")
    assert "暂扣待发放的提成" in zh and "¥25.00" in zh and "¥75.00" in zh  # held 25; paid 100 − 25
    assert "Commission held back, to be released" in en and "Holdback" in en
    assert PLAN  # the plan the workbook was made from

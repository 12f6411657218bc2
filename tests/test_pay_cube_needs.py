"""`pay_cube_needs` says what of a plan `pay_cube` reads the data for: sections with equal needs are paid on
the same cube (so the calculator keeps one cube per need), and each rule that needs more of the data changes
the needs. On tests/test_estimator_rules.py's real CSV workbook, with an account column."""

from __future__ import annotations

import pandas as pd
from test_estimator_rules import make_workbook

from salesplan_widgets.schema.incentives import (
    AccountWinner,
    Clawback,
    Collections,
    CreditSplit,
    DealKicker,
    IncentivesSection,
    NewLogo,
)
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import incentives_of, pay_cube, pay_cube_needs


def test_sections_with_equal_needs_are_paid_on_the_same_cube(tmp_path):
    folder = make_workbook(tmp_path)
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text().replace("deal: order_no}", "deal: order_no, account: order_no}"))
    workbook = open_workbook(folder)
    saved = incentives_of(workbook).model_copy(update={"deal_kicker": DealKicker(at_least=5_000, bonus=100)})
    data = saved.model_dump(exclude_none=True)
    data["commission"] = {"base_rate": 0.2, "threshold": 0.5, "caps": {"payout": 900.0}}
    data["cumulative"] = True
    del data["holdback"], data["draws"]
    other = IncentivesSection.model_validate(data)  # rates, caps, holdback and draws changed: same needs
    assert pay_cube_needs(other) == pay_cube_needs(saved)
    pd.testing.assert_frame_equal(pay_cube(workbook, other), pay_cube(workbook, saved))


def test_each_rule_that_reads_more_of_the_data_changes_the_needs():
    base = IncentivesSection()
    more = [
        {"deal_kicker": DealKicker(at_least=5_000, bonus=100)},
        {"new_logo": NewLogo(bonus=50)},
        {"crediting": [CreditSplit(deal="C2", shares={"Chen": 0.5, "Li": 0.5})]},
        {"crediting": [CreditSplit(account="ACME", shares={"Chen": 0.5, "Li": 0.5})]},
        {"collections": Collections(rate=0.03)},
        {"clawback": Clawback(window_days=30)},
        {"account_winner": AccountWinner(months=12)},
        {"measure": "margin"},
    ]
    needs = [pay_cube_needs(base.model_copy(update=update)) for update in more]
    assert len({pay_cube_needs(base), *needs}) == len(more) + 1
    rate_only = base.model_copy(update={"cumulative": True})
    assert pay_cube_needs(rate_only) == pay_cube_needs(base)

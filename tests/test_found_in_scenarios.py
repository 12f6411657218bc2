"""Cases the issue-12 scenarios found, kept as explicit examples: each failed before its fix."""

from __future__ import annotations

import pandas as pd

from salesplan_widgets.model.clawbacks import without_returns


def test_a_return_added_back_joins_the_sales_row_of_a_pay_cube_with_cash_and_deal_facts():
    # found by the two-year scenario: with commission on cash collected (and per-deal facts) the pay cube has
    # numeric columns beside the sales; a later return was added back with the text "all" in them and the
    # close crashed ("could not convert string to float: 'all'")
    dims = {"team": "West", "territory": "all", "segment": "Core", "channel": "all"}
    plain = {"collected": 0.0, "age_from": 0, "deal_from": -1.0, "deals": 0.0, "deal_sales": 0.0,
             "logo_from": -1.0, "new_logos": 0.0}  # fmt: skip
    cube = pd.DataFrame(
        [
            {"period": pd.Period("2026-03", "M"), "rep": "Zhao", **dims, "actual": 8000.0, "quantity": 0.0,
             "lines": 1, **plain},
            {"period": pd.Period("2026-04", "M"), "rep": "Zhao", **dims, "actual": -2000.0, "quantity": 0.0,
             "lines": 1, **plain},
            {"period": pd.Period("2026-04", "M"), "rep": "Zhao", **dims, "actual": 0.0, "quantity": 0.0,
             "lines": 0, **plain, "collected": 500.0},
        ]
    )  # fmt: skip
    returns = pd.DataFrame(
        [{"deal": "Z-1", "rep": "Zhao", **dims, "sold_on": pd.Timestamp("2026-03-10"),
          "returned_on": pd.Timestamp("2026-04-05"), "amount": -2000.0}]
    )  # fmt: skip
    out = without_returns(cube, returns)
    april = out[out["period"] == pd.Period("2026-04", "M")]
    sales = april[april["collected"] == 0]
    assert len(sales) == 1 and sales["actual"].iloc[0] == 0.0  # the return no longer counts against April
    assert sales["logo_from"].iloc[0] == -1.0 and sales["deal_from"].iloc[0] == -1.0  # not a new logo or deal
    assert april["collected"].sum() == 500.0  # the cash row is untouched

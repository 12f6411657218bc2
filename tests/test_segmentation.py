"""Customer segmentation: ABC by cumulative value share, and the value × headroom grid."""

from __future__ import annotations

import pandas as pd
import pytest

from salesplan_widgets.errors import InputError
from salesplan_widgets.model.segmentation import (
    abc_classes,
    segment_accounts,
    segment_summary,
    value_potential_grid,
)


def test_abc_gives_a_to_the_accounts_making_the_first_80_percent_including_the_one_that_crosses():
    accounts = pd.DataFrame({"account": list("fedcba"), "value": [2, 3, 5, 10, 30, 50]})
    out = abc_classes(accounts).set_index("account")
    assert out["abc"].to_dict() == {"a": "A", "b": "A", "c": "B", "d": "B", "e": "C", "f": "C"}
    assert out.loc["c", "cumulative_share"] == pytest.approx(0.9)


def test_abc_thresholds_come_from_the_plan_and_must_add_up_to_100():
    accounts = pd.DataFrame({"account": list("abcd"), "value": [40, 30, 20, 10]})
    out = abc_classes(accounts, (50, 30, 20)).set_index("account")
    assert out["abc"].to_dict() == {"a": "A", "b": "A", "c": "B", "d": "C"}
    with pytest.raises(InputError, match="80/15/5"):
        abc_classes(accounts, (80, 15, 15))


def test_accounts_without_positive_sales_are_class_c():
    out = abc_classes(pd.DataFrame({"account": ["x", "y"], "value": [0.0, -5.0]}))
    assert set(out["abc"]) == {"C"}


def test_grid_splits_accounts_by_value_and_headroom():
    accounts = pd.DataFrame(
        {
            "account": ["big_room", "big_full", "small_room", "small_full"],
            "value": [100.0, 100.0, 10.0, 10.0],
            "potential": [300.0, 100.0, 200.0, 10.0],
        }
    )
    out = value_potential_grid(accounts).set_index("account")["grid"].to_dict()
    assert out == {"big_room": "grow", "big_full": "keep", "small_room": "develop", "small_full": "maintain"}


def test_growth_stands_in_for_potential_where_the_master_has_none():
    months = pd.period_range("2025-01", periods=24, freq="M")
    history = pd.DataFrame(
        {
            "account": ["up"] * 24 + ["flat"] * 24,
            "period": list(months) * 2,
            "actual": [1.0] * 12 + [2.0] * 12 + [1.0] * 24,
        }
    )
    out = segment_accounts(history).set_index("account")
    assert out.loc["up", "growth"] == pytest.approx(1.0)
    assert out.loc["up", "headroom"] == pytest.approx(24.0)
    assert out.loc["flat", "headroom"] == 0
    summary = segment_summary(out.reset_index())
    assert summary["value"].sum() == pytest.approx(36.0)


def test_account_growth_is_recent_over_prior_and_zero_for_new_accounts() -> None:
    from salesplan_widgets.model.segmentation import account_growth

    recent = pd.DataFrame({"account": ["a", "b", "new"], "actual": [120.0, 50.0, 30.0]})
    prior = pd.DataFrame({"account": ["b", "a", "gone"], "actual": [100.0, 100.0, 80.0]})
    growth = account_growth(recent, prior).set_index("account")
    assert growth.loc["a", "growth"] == pytest.approx(0.2)
    assert growth.loc["b", "growth"] == pytest.approx(-0.5)
    assert growth.loc["new", "growth"] == 0.0
    assert list(growth["value"]) == [120.0, 50.0, 30.0]

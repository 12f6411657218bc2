"""Other bases than the sales amount: quantity targets (attainment in units) and gross margin from a cost
column, from real files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.errors import InputError
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import period_statements, quantity_variance, write_payouts

PLAN = """\
name: Units Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {{{columns}}}
incentives:
{rules}
"""
COLUMNS = "date: 日期, amount: 金额, rep: 销售, quantity: 数量, deal: 订单, cost: 成本"


def write_workbook(folder: Path, sales: pd.DataFrame, rules: str, columns: str = COLUMNS) -> Path:
    (folder / "data").mkdir(parents=True)
    sales.to_csv(folder / "data" / "sales.csv", index=False)
    (folder / "plan.yaml").write_text(PLAN.format(columns=columns, rules=rules), encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame(
        [(m, r, 10_000.0) for m in months for r in ("P1", "P2")], columns=["period", "rep", "target"]
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


# ERPNext, "Sales Person Target Variance based on Item Group", its test
# test_achieved_target_and_variance (frappe/erpnext,
# erpnext/selling/report/sales_person_target_variance_based_on_item_group/test_sales_person_target_variance_based_on_item_group.py):
# two sales people with a yearly target qty of 50 each share a sales order of qty 20 at rate 1,000 50/50;
# the report on quantity shows target 50, achieved 10, variance −40.
def test_quantity_targets_reproduce_erpnexts_target_variance(tmp_path):
    sales = pd.DataFrame({"日期": ["2026-03-05"], "金额": [20_000.0], "销售": ["P1"], "数量": [20.0],
                          "订单": ["SO-1"], "成本": [0.0]})  # fmt: skip
    folder = write_workbook(tmp_path / "wb", sales, "  crediting: [{deal: SO-1, shares: {P1: 0.5, P2: 0.5}}]")
    months = pd.period_range("2026-01", periods=12, freq="M")
    # the yearly 50 spread over the months (ERPNext's monthly distribution): 4 a month and 6 in December
    units = [(m, r, 6.0 if m.month == 12 else 4.0) for m in months for r in ("P1", "P2")]
    open_workbook(folder).write_table(
        "quantity_targets", pd.DataFrame(units, columns=["period", "rep", "target"])
    )
    year = quantity_variance(open_workbook(folder), "2026-12").set_index("rep")
    for person in ("P1", "P2"):
        row = year.loc[person]
        assert [row["ytd_target"], row["ytd_achieved"], row["ytd_variance"]] == [50.0, 10.0, -40.0]
        assert row["ytd_attainment"] == pytest.approx(0.2)
    march = quantity_variance(open_workbook(folder), "2026-03").set_index("rep")
    assert march.loc["P1", ["target", "achieved", "variance"]].tolist() == [4.0, 10.0, 6.0]
    csv_path = write_payouts(folder, "2026-03")[0]
    exported = pd.read_csv(csv_path.with_name("quantity-2026-03.csv"), encoding="utf-8-sig")
    assert exported.set_index("rep").loc["P2", "achieved"] == 10.0


def test_commission_on_gross_margin_pays_on_amount_less_cost(tmp_path):
    sales = pd.DataFrame({"日期": ["2026-02-01", "2026-02-10", "2026-02-11"], "金额": [8_000.0, 6_000.0, 1_000.0],
                          "销售": ["P1", "P1", "P2"], "数量": [1.0, 1.0, 1.0], "订单": ["a", "b", "c"],
                          "成本": [5_000.0, 2_000.0, 1_200.0]})  # fmt: skip
    rules = ("  measure: margin\n  commission:\n    tiers:\n      bands: [{at_least: 0, below: 1.0, rate: 0.1}, "
             "{at_least: 1.0, rate: 0.2}]")  # fmt: skip
    folder = write_workbook(tmp_path / "wb", sales, rules)
    months = pd.period_range("2026-01", periods=12, freq="M")
    margin_quota = pd.DataFrame(
        [(m, r, 5_000.0) for m in months for r in ("P1", "P2")], columns=["period", "rep", "target"]
    )
    open_workbook(folder).write_table("targets", margin_quota)
    result = period_statements(open_workbook(folder), "2026-02")
    reps = result.reps.set_index(result.reps["rep"].astype(str))
    # P1: margin (8,000 − 5,000) + (6,000 − 2,000) = 7,000 on a 5,000 margin quota: 5,000 at 10% + 2,000 at 20%
    assert reps.loc["P1", "sales"] == pytest.approx(7_000) and reps.loc["P1", "attainment"] == pytest.approx(
        1.4
    )
    assert reps.loc["P1", "payout"] == pytest.approx(500 + 400)
    # P2 sold below cost: a negative margin of −200, carried forward, nothing paid
    assert reps.loc["P2", "sales"] == pytest.approx(-200) and reps.loc["P2", "payout"] == 0.0


def test_margin_split_per_deal_moves_cost_with_the_sales(tmp_path):
    sales = pd.DataFrame({"日期": ["2026-02-01", "2026-02-10"], "金额": [8_000.0, 6_000.0], "销售": ["P1", "P1"],
                          "数量": [1.0, 1.0], "订单": ["a", "b"], "成本": [5_000.0, 2_000.0]})  # fmt: skip
    rules = "  measure: margin\n  commission: {base_rate: 0.1}\n  crediting: [{deal: b, shares: {P2: 1.0}}]"
    folder = write_workbook(tmp_path / "wb", sales, rules)
    reps = period_statements(open_workbook(folder), "2026-02").reps
    assert reps.set_index(reps["rep"].astype(str))["sales"].to_dict() == pytest.approx(
        {"P1": 3_000, "P2": 4_000}
    )


def test_margin_without_a_cost_column_is_a_clear_error(tmp_path):
    sales = pd.DataFrame({"日期": ["2026-02-01"], "金额": [8_000.0], "销售": ["P1"], "数量": [1.0], "订单": ["a"],
                          "成本": [1.0]})  # fmt: skip
    folder = write_workbook(
        tmp_path / "wb", sales, "  measure: margin", columns=COLUMNS.replace(", cost: 成本", "")
    )
    with pytest.raises(InputError) as info:
        period_statements(open_workbook(folder), "2026-02")
    assert info.value.problems[0].column == "cost"

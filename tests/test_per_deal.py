"""Per-deal components computed on the transactions in DuckDB, not on monthly totals: a deal-size kicker
and a new-logo bonus, from real sales files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import period_statements, write_payouts

PLAN = """\
name: Deal Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.{ext}
    columns: {{{columns}}}
incentives:
{rules}
"""
COLUMNS = "date: 日期, amount: 金额, rep: 销售, team: 团队, account: 客户"

SALES = pd.DataFrame(
    {
        "日期": ["2025-06-01", "2026-01-20", "2026-02-03", "2026-01-25", "2026-03-04", "2026-03-04", "2026-04-01",
                 "2026-03-10", "2026-03-11"],
        "金额": [500.0, 60_000.0, 50_000.0, 90_000.0, 3_000.0, 4_000.0, 20_000.0, 1_000.0, 8_000.0],
        "销售": ["Wang", "Li", "Li", "Wang", "Li", "Li", "Wang", "Wang", "Wang"],
        "团队": ["East"] * 9,
        "客户": ["ACME", "ACME", "ACME", "ACME", "Beta", "Beta", "Beta", "Gamma", "Gamma"],
        "合同": ["D-0", "D-1", "D-1", "D-2", "D-3", "D-3", "D-4", "D-5", "D-6"],
        "发票": ["I-0", "I-1", "I-2", "I-3", "I-4", "I-5", "I-6", "I-7", "I-8"],
    }
)  # fmt: skip


def write_workbook(
    folder: Path, rules: str, columns: str = COLUMNS + ", deal: 合同", ext: str = "csv"
) -> Path:
    (folder / "data").mkdir(parents=True)
    if ext == "csv":
        SALES.to_csv(folder / "data" / "sales.csv", index=False)
    else:
        SALES.to_parquet(folder / "data" / "sales.parquet", index=False)
    (folder / "plan.yaml").write_text(PLAN.format(ext=ext, columns=columns, rules=rules), encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame([(m, r, "East", 100_000.0) for m in months for r in ("Li", "Wang", "Boss")],
                           columns=["period", "rep", "team", "target"])  # fmt: skip
    open_workbook(folder).write_table("targets", targets)
    return folder


def lines_of(folder: Path, period: str, component: str) -> pd.DataFrame:
    lines = period_statements(open_workbook(folder), period).lines
    return lines[lines["component"] == component].assign(rep=lambda f: f["rep"].astype(str))


KICKER = "  deal_kicker: {at_least: 100000, rate: 0.01}"


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_the_kicker_pays_on_the_whole_deal_in_the_month_it_was_first_booked(tmp_path, ext):
    folder = write_workbook(tmp_path / "wb", KICKER, ext=ext)
    # D-1: 60,000 in January + 50,000 in February = 110,000, one deal: 1% of 110,000 in January.
    # Neither month's lines reach 100,000 alone, and D-2 (90,000) never does, though Wang's January is 90,000
    # and Li's + Wang's January together are 150,000: monthly totals could not tell these apart.
    january = lines_of(folder, "2026-01", "deal_kicker")
    assert january[["rep", "base", "amount", "reference"]].values.tolist() == [
        ["Li", 110_000.0, 1_100.0, 1.0]
    ]
    assert lines_of(folder, "2026-02", "deal_kicker").empty


def test_without_a_deal_column_an_invoice_is_the_deal_and_without_either_a_line_is(tmp_path):
    by_invoice = write_workbook(tmp_path / "a", "  deal_kicker: {at_least: 7000, bonus: 300}",
                                columns=COLUMNS + ", invoice: 发票")  # fmt: skip
    # invoices of at least 7,000: I-1 (Jan 60,000) and I-3 (Jan 90,000); in March I-8 (8,000) only
    january = lines_of(by_invoice, "2026-01", "deal_kicker").set_index("rep")["amount"].to_dict()
    assert january == {"Li": 300.0, "Wang": 300.0}
    march = lines_of(by_invoice, "2026-03", "deal_kicker").set_index("rep")["amount"].to_dict()
    assert march == {"Wang": 300.0}  # D-3's two 3,000 + 4,000 invoices are separate deals here
    by_deal = write_workbook(tmp_path / "b", "  deal_kicker: {at_least: 7000, bonus: 300}")
    assert lines_of(by_deal, "2026-03", "deal_kicker").set_index("rep")["amount"].to_dict() == {
        "Li": 300.0,  # D-3 = 3,000 + 4,000
        "Wang": 300.0,  # D-6 = 8,000
    }


def test_a_new_logo_is_the_accounts_first_line_ever_paid_to_the_rep_who_won_it(tmp_path):
    folder = write_workbook(tmp_path / "wb", "  new_logo: {bonus: 500}")
    # ACME first bought in June 2025 (not new in 2026); Beta first on 4 March 2026 from Li (Wang sold to it
    # later); Gamma first on 10 March from Wang
    assert lines_of(folder, "2026-01", "new_logo").empty
    march = lines_of(folder, "2026-03", "new_logo").set_index("rep")[["base", "amount"]]
    assert march.to_dict("index") == {
        "Li": {"base": 1.0, "amount": 500.0},
        "Wang": {"base": 1.0, "amount": 500.0},
    }
    assert lines_of(folder, "2026-04", "new_logo").empty


def test_a_smallest_first_order_leaves_out_accounts_that_started_small(tmp_path):
    folder = write_workbook(tmp_path / "wb", "  new_logo: {bonus: 500, min_first_order: 5000}")
    # Beta's first day is 3,000 + 4,000 = 7,000 (counts); Gamma's first day is 1,000 (does not)
    march = lines_of(folder, "2026-03", "new_logo")
    assert march[["rep", "amount"]].values.tolist() == [["Li", 500.0]]


def test_split_credit_shares_the_per_deal_pay_and_a_manager_gets_none_of_it(tmp_path):
    rules = (KICKER + "\n  new_logo: {bonus: 500}\n  crediting: [{rep: Li, shares: {Li: 0.5, Zhou: 0.5}}]\n"
             "  hierarchy: [{manager: Boss, team: East}]")  # fmt: skip
    folder = write_workbook(tmp_path / "wb", rules)
    january = lines_of(folder, "2026-01", "deal_kicker").set_index("rep")["amount"].to_dict()
    assert january == {"Li": 550.0, "Zhou": 550.0}
    march = lines_of(folder, "2026-03", "new_logo").set_index("rep")["amount"].to_dict()
    assert march == {"Li": 250.0, "Zhou": 250.0, "Wang": 500.0}


def test_per_deal_lines_are_exported_and_read_in_chinese(tmp_path):
    folder = write_workbook(tmp_path / "wb", KICKER + "\n  new_logo: {bonus: 500}")
    csv_path = write_payouts(folder, "2026-03")[0]
    table = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert set(table["component"]) >= {"new_logo"}
    english = lines_of(folder, "2026-01", "deal_kicker")["rule"].astype(str).tolist()
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("locale: en", "locale: zh_CN"), encoding="utf-8")
    chinese = lines_of(folder, "2026-01", "deal_kicker")["rule"].astype(str).tolist()
    assert english == ["Deal-size kicker: 1% on deals of 100,000 or more"]
    assert chinese == ["大单奖励：100,000 及以上的交易额外提成 1%"]

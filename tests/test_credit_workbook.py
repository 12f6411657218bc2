"""Crediting from a real workbook: splits per account and per deal counted in DuckDB from the sales file,
overlays and a manager's override on the exported payouts (CSV and Excel)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from salesplan_widgets.errors import InputError
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import pay_cube, period_statements, write_payouts

PLAN = """\
name: Credit Co
currency: CNY
locale: {locale}
sources:
  sales:
    path: data/sales.{ext}
    columns: {{date: 日期, amount: 金额, rep: 销售, team: 团队, account: 客户, deal: 合同}}
incentives:
  commission: {{base_rate: 0.10}}
  crediting:
    - {{account: ACME, shares: {{Li: 0.5, Wang: 0.5}}}}
    - {{deal: D-9, shares: {{Zhou: 1.0}}, overlays: {{Chen: 1.0}}}}
  hierarchy: [{{manager: Boss, team: East, override_rate: 0.02}}]
"""

SALES = pd.DataFrame(
    {
        "日期": ["2026-03-02", "2026-03-05", "2026-03-09", "2026-03-20", "2026-02-11", "2026-03-25"],
        "金额": [1_000.0, 3_000.0, 500.0, 2_000.0, 700.0, 4_000.0],
        "销售": ["Li", "Li", "Wang", "Li", "Li", "Zhou"],
        "团队": ["East", "East", "East", "East", "East", "West"],
        "客户": ["ACME", "Beta", "ACME", "Gamma", "ACME", "Delta"],
        "合同": ["D-1", "D-2", "D-3", "D-9", "D-5", "D-6"],
    }
)


def write_workbook(folder: Path, locale: str = "en", ext: str = "csv") -> Path:
    (folder / "data").mkdir(parents=True)
    if ext == "csv":
        SALES.to_csv(folder / "data" / "sales.csv", index=False)
    else:
        SALES.to_excel(folder / "data" / "sales.xlsx", index=False)
    (folder / "plan.yaml").write_text(PLAN.format(locale=locale, ext=ext), encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    reps = [("Li", "East"), ("Wang", "East"), ("Zhou", "West"), ("Chen", "West"), ("Boss", "East")]
    targets = pd.DataFrame(
        [(m, r, t, 10_000.0) for m in months for r, t in reps], columns=["period", "rep", "team", "target"]
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_splits_per_account_and_deal_are_counted_from_the_sales_file(tmp_path, ext):
    wb = open_workbook(write_workbook(tmp_path / "wb", ext=ext))
    section = wb.plan.incentives
    cube = pay_cube(wb, section)
    assert cube["actual"].sum() == pytest.approx(SALES["金额"].sum())  # nothing counted twice, nothing lost
    march = period_statements(wb, "2026-03")
    sales = march.reps.set_index(march.reps["rep"].astype(str))["sales"]
    # March: ACME 1,000 (Li) + 500 (Wang) split 50/50; deal D-9 (2,000 booked by Li) goes to Zhou,
    # Chen is credited beside him; Li keeps Beta 3,000
    assert sales["Li"] == pytest.approx(3_000 + 750)
    assert sales["Wang"] == pytest.approx(750)
    assert sales["Zhou"] == pytest.approx(4_000 + 2_000)
    assert sales["Chen"] == pytest.approx(2_000)
    payout = march.reps.set_index(march.reps["rep"].astype(str))["payout"]
    # the manager's override: 2% of what East booked in March (1,000 + 3,000 + 500 + 2,000), the deal
    # credited to Zhou of West included, Chen's overlay credit not
    assert payout["Boss"] == pytest.approx(0.02 * 6_500)


def test_exported_payouts_show_overlay_credit_and_the_override_with_the_credit_ratio(tmp_path):
    folder = write_workbook(tmp_path / "wb")
    csv_path, xlsx_path = write_payouts(folder, "2026-03")[:2]
    table = pd.read_csv(csv_path, encoding="utf-8-sig")
    boss = table[(table["rep"] == "Boss") & (table["component"] == "team_override")]
    assert boss["base"].tolist() == [6_500.0] and boss["amount"].tolist() == [130.0]
    credit = pd.read_csv(csv_path.with_name("credit-2026-03.csv"), encoding="utf-8-sig")
    chen = credit[credit["Rep"] == "Chen"]
    assert chen["Credited sales"].tolist() == [2_000.0] and "Overlay credit" in chen["Rule"].iloc[0]
    book = load_workbook(xlsx_path)
    sheet = [r for r in book["Credit"].iter_rows(values_only=True)]
    assert ("West", "Chen", chen["Rule"].iloc[0], 2_000) in sheet
    summary = book["Summary"]
    rows = {r[0]: r for r in summary.iter_rows(values_only=True) if r and r[0]}
    credited = rows["Credited sales (total credit ÷ booked sales)"]
    booked = 1_000 + 3_000 + 500 + 2_000 + 4_000
    assert credited[2] == pytest.approx(booked + 2_000) and credited[4] == pytest.approx(
        (booked + 2_000) / booked
    )


def test_a_split_by_deal_without_a_deal_column_is_a_clear_error(tmp_path):
    folder = write_workbook(tmp_path / "wb")
    plan = (folder / "plan.yaml").read_text(encoding="utf-8").replace(", deal: 合同", "")
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    wb = open_workbook(folder)
    with pytest.raises(InputError) as info:
        pay_cube(wb, wb.plan.incentives)
    assert info.value.problems[0].column == "deal"

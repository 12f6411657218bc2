"""A plan that pays on sales alone needs no quota: many companies pay 提成 as a flat share of sales.

A minimal workbook (date, amount, rep in a CSV) with a 5% commission and no targets table is prepared,
approved and closed through the command line; the statements say the rep has no quota instead of a
quota of 0 and an attainment of 0%. A plan whose pay reads attainment still refuses to pay without
targets, and names the rules that need them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from salesplan_widgets.cli import main
from salesplan_widgets.model.quota_rules import quota_rules
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

PLAN = """\
name: 提成公司
currency: CNY
locale: zh_CN
sources:
  sales:
    path: data/sales.csv
    columns: {{date: 日期, amount: 金额, rep: 销售}}
incentives:
{incentives}
"""
SALES = [  # March 2026: 王伟 12,000 − a 1,000 return; 李娜 8,000.50; April: 王伟 4,000
    ("2026-03-02", "12,000.00", "王伟"),
    ("2026-03-09", "-1000", "王伟"),
    ("2026-03-20", "8000.50", "李娜 "),
    ("2026-04-01", "4000", "王伟"),
]


def workbook(folder: Path, incentives: str) -> Path:
    (folder / "data").mkdir(parents=True)
    frame = pd.DataFrame(SALES, columns=["日期", "金额", "销售"])
    frame.to_csv(folder / "data" / "sales.csv", index=False, encoding="utf-8")
    (folder / "plan.yaml").write_text(PLAN.format(incentives=incentives), encoding="utf-8")
    return folder


def page_text(folder: Path, rep: str, locale: str) -> str:
    page = statement_path(open_workbook(folder), "2026-03", rep, locale).read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("</style>")[1]))


@pytest.fixture(scope="module")
def flat(tmp_path_factory) -> Path:
    """A 5% commission with no targets table, prepared, approved and closed for March."""
    folder = workbook(tmp_path_factory.mktemp("flat") / "wb", "  commission: {base_rate: 0.05}")
    assert not (folder / "tables" / "targets.csv").exists()
    assert main(["payouts", str(folder), "--period", "2026-03"]) == 0
    assert main(["payouts", str(folder), "--period", "2026-03", "--approve"]) == 0
    assert main(["close", str(folder), "--period", "2026-03"]) == 0
    return folder


def test_a_flat_share_of_sales_is_paid_and_closed_without_targets(flat):
    lines = read_ledger(open_workbook(flat)).lines
    paid = lines[lines["period"] == pd.Period("2026-03", "M")].groupby("rep")["amount_minor"].sum()
    assert paid.to_dict() == {"王伟": 55_000, "李娜": 40_003}  # fen: 5% of 11,000 and of 8,000.50 (400.025)
    assert not (flat / "tables" / "targets.csv").exists()  # nothing invented on the way


@pytest.mark.parametrize(
    ("locale", "quota", "sales"),
    [("en", "Quota none set", "Sales from"), ("zh_CN", "配额 未设定", "销售额统计区间")],
)
def test_a_statement_without_quota_says_so_instead_of_zero_attainment(flat, locale, quota, sales):
    text = page_text(flat, "王伟", locale)
    assert quota in text
    assert sales in text
    assert ("Attainment" if locale == "en" else "达成率") not in text
    assert "0.0%" not in text


def test_the_excel_performance_sheet_has_no_attainment_without_quota(flat):
    path = statement_path(open_workbook(flat), "2026-03", "李娜", "en").with_suffix(".xlsx")
    rows = [tuple(r) for r in load_workbook(path)["Performance"].iter_rows(values_only=True)]
    assert rows[0] == ("Sales", pytest.approx(8_000.50))
    assert rows[1] == ("Quota", "none set")
    assert not any(r[0] == "Attainment" for r in rows)


def test_a_plan_paying_on_attainment_still_asks_for_targets_and_names_its_rules(tmp_path, capsys):
    rules = "  commission: {base_rate: 0.05, threshold: 0.5}\n  milestones: [{name: 半年, by: 2026-06, share: 0.5, bonus: 100}]"
    folder = workbook(tmp_path / "wb", rules)
    assert main(["payouts", str(folder), "--period", "2026-03"]) != 0
    error = capsys.readouterr().err
    assert "targets.csv" in error
    assert "incentives.commission.threshold" in error and "incentives.milestones" in error
    assert not (folder / "reports").exists()


def test_quota_rules_name_each_rule_that_reads_attainment():
    section = IncentivesSection.model_validate(
        {
            "commission": {"tiers": {"basis": "amount", "bands": [{"at_least": 0, "rate": 0.05}]}},
            "deal_kicker": {"at_least": 100_000, "rate": 0.01},
            "plans": [
                {
                    "id": "kam",
                    "name": "大客户经理",
                    "versions": [
                        {"effective": "2026-01", "commission": {"base_rate": 0.08}},
                        {
                            "effective": "2026-07",
                            "commission": {
                                "tiers": {
                                    "bands": [
                                        {"at_least": 0, "below": 1, "rate": 0.05},
                                        {"at_least": 1, "rate": 0.1},
                                    ]
                                },
                                "accelerators": [{"at_least": 1.2, "multiplier": 1.5}],
                                "caps": {"attainment": 2.0},
                            },
                        },
                    ],
                }
            ],
        }
    )
    at = "incentives.plans[kam].versions[2026-07].commission."
    assert quota_rules(section) == [f"{at}tiers", f"{at}accelerators", f"{at}caps.attainment"]
    assert quota_rules(IncentivesSection.model_validate({"commission": {"base_rate": 0.05}})) == []
    curve = {"amount": 1000, "curve": [{"attainment": 0, "payout": 0}, {"attainment": 1, "payout": 1}]}
    assert quota_rules(IncentivesSection.model_validate({"target_incentive": curve})) == [
        "incentives.target_incentive"
    ]

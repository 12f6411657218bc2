"""One measurement per rep: a rep on a role plan is paid, clawed back and described by that plan's measurement.

A workbook's own `incentives.measurement` measures the reps on no role plan; a rep assigned to a role plan is
measured by the version of that plan in force. So a quarterly workbook still pays its monthly account
executives every month, a deal returned by a rep on a monthly plan is traced to the month it was paid in
(and one of a rep on a quarterly plan to the quarter), and the statement document says the days the rep's
own plan measured. All figures below are computed by hand; every period is closed through the CLI, as
finance does (prepare, approve, close).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from salesplan_widgets.cli import main
from salesplan_widgets.model.clawbacks import CLAWBACK
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

PLAN = """\
name: Measured Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, deal: deal}}
incentives:
  measurement: {section}
  negative: clawback
  commission: {{base_rate: 0.05}}
  clawback: {{window_days: 60}}
  plans:
    - id: role
      name: Role plan
      versions:
        - {{effective: 2026-01, measurement: {role}, negative: clawback, commission: {{base_rate: 0.10}}}}
  assignments: [{{rep: {on_role}, plan: role}}]
"""


def make_workbook(folder: Path, section: str, role: str, on_role: str, sales: list[tuple]) -> Path:
    (folder / "data").mkdir(parents=True)
    frame = pd.DataFrame(sales, columns=["date", "amount", "rep", "deal"])
    frame.to_csv(folder / "data" / "sales.csv", index=False)
    plan = PLAN.format(section=section, role=role, on_role=on_role)
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame([(m, r, 1000.0) for m in months for r in ("Li", "Wang")],
                           columns=["period", "rep", "target"])  # fmt: skip
    open_workbook(folder).write_table("targets", targets)
    return folder


def close(wb: Path, period: str) -> None:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(wb), "--period", period, *step]) == 0, (period, step)


def paid(wb: Path) -> set[tuple]:
    """(rep, kind, paid in, paid for, deal, amount in fen) of every ledger line, summed."""
    lines = read_ledger(open_workbook(wb)).lines
    lines = lines.assign(period=lines["period"].astype(str), for_period=lines["for_period"].astype(str))
    keys = ["rep", "kind", "period", "for_period", "deal"]
    grouped = lines.groupby(keys, as_index=False)["amount_minor"].sum()
    return {(*(getattr(r, k) for k in keys), int(r.amount_minor)) for r in grouped.itertuples()}


# Li sells 1,000 in January, 2,000 in February and 1,000 in March; Wang 1,000 each month.
STEADY = [
    ("2026-01-15", 1000, "Li", "L1"), ("2026-02-15", 2000, "Li", "L2"), ("2026-03-15", 1000, "Li", "L3"),
    ("2026-01-15", 1000, "Wang", "W1"), ("2026-02-15", 1000, "Wang", "W2"), ("2026-03-15", 1000, "Wang", "W3"),
]  # fmt: skip


def test_a_quarterly_workbook_pays_a_monthly_role_plan_every_month(tmp_path):
    wb = make_workbook(tmp_path / "wb", "quarterly", "monthly", "Li", STEADY)
    for month in ("2026-01", "2026-02", "2026-03"):
        close(wb, month)
    # Li, monthly at 10%: January 100, February 200, March 100, each in its own month. Wang, on the
    # workbook's quarterly 5%: Q1 3,000 → 150, paid in March only; nothing is adjusted later.
    assert paid(wb) == {
        ("Li", "payment", "2026-01", "2026-01", "", 100_00),
        ("Li", "payment", "2026-02", "2026-02", "", 200_00),
        ("Li", "payment", "2026-03", "2026-03", "", 100_00),
        ("Wang", "payment", "2026-03", "2026-03", "", 150_00),
    }


def test_a_month_that_ends_nobodys_measurement_period_is_still_refused(tmp_path, capsys):
    wb = make_workbook(tmp_path / "wb", "quarterly", "quarterly", "Li", STEADY)
    assert main(["payouts", str(wb), "--period", "2026-01"]) == 0  # prepared, as an interim statement
    capsys.readouterr()
    assert main(["payouts", str(wb), "--period", "2026-01", "--approve"]) == 1
    err = capsys.readouterr().err
    assert "2026-01 does not end a quarterly measurement period" in err and "Traceback" not in err


def test_a_return_by_a_rep_on_a_monthly_role_plan_is_clawed_back_for_the_month_it_was_paid(tmp_path):
    # Li (monthly plan, 10%) sells D1 10,000 on 10 January and D2 2,000 on 10 February; D1 comes back on
    # 25 February, 46 days later. Wang (the workbook's quarterly 5%) sells W1 3,000 in January.
    sales = [("2026-01-10", 10000, "Li", "D1"), ("2026-02-10", 2000, "Li", "D2"),
             ("2026-02-25", -10000, "Li", "D1"), ("2026-01-05", 3000, "Wang", "W1")]  # fmt: skip
    wb = make_workbook(tmp_path / "wb", "quarterly", "monthly", "Li", sales)
    for month in ("2026-01", "2026-02", "2026-03"):
        close(wb, month)
    # January pays Li 1,000 for D1. February pays D2 200 and claws back 10,000 × 10% = 1,000 for January,
    # the month D1 was paid in (not March, the end of the workbook's quarter). March pays Wang's Q1 150.
    assert paid(wb) == {
        ("Li", "payment", "2026-01", "2026-01", "", 1000_00),
        ("Li", "payment", "2026-02", "2026-02", "", 200_00),
        ("Li", CLAWBACK, "2026-02", "2026-01", "D1", -1000_00),
        ("Wang", "payment", "2026-03", "2026-03", "", 150_00),
    }


def test_a_return_by_a_rep_on_a_quarterly_role_plan_is_clawed_back_for_the_quarter_it_was_paid(tmp_path):
    # Wang (quarterly plan, 10%) sells W1 3,000 on 5 January and W2 2,000 on 1 February; 1,000 of W1 comes
    # back on 20 February, 46 days later. Li (the workbook's monthly 5%) sells L1 1,000 in January.
    sales = [("2026-01-05", 3000, "Wang", "W1"), ("2026-02-01", 2000, "Wang", "W2"),
             ("2026-02-20", -1000, "Wang", "W1"), ("2026-01-10", 1000, "Li", "L1")]  # fmt: skip
    wb = make_workbook(tmp_path / "wb", "monthly", "quarterly", "Wang", sales)
    for month in ("2026-01", "2026-02", "2026-03", "2026-04"):
        close(wb, month)
    # Li: January 50. Wang: Q1 5,000 (the return does not cut the quarter) × 10% = 500, paid in March; W1
    # was paid for March, so April, the first period open after March closed, claws back 1,000 × 10% = 100
    # for 2026-03 (not for January, a month Wang's plan never paid alone).
    assert paid(wb) == {
        ("Li", "payment", "2026-01", "2026-01", "", 50_00),
        ("Wang", "payment", "2026-03", "2026-03", "", 500_00),
        ("Wang", CLAWBACK, "2026-04", "2026-03", "W1", -100_00),
    }


def _page(wb: Path, period: str, rep: str, locale: str = "en") -> str:
    """The statement page's visible text (tags dropped)."""
    page = statement_path(open_workbook(wb), period, rep, locale).read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("</style>")[1]))


def test_a_statement_says_the_days_and_state_of_the_reps_own_measurement(tmp_path):
    wb = make_workbook(tmp_path / "wb", "quarterly", "monthly", "Li", STEADY)
    close(wb, "2026-01")
    assert main(["payouts", str(wb), "--period", "2026-02"]) == 0
    # Li is measured month by month: February's statement counts February alone and awaits approval (it is
    # paid on its own), though the workbook's own measurement is quarterly.
    en, zh = _page(wb, "2026-02", "Li"), _page(wb, "2026-02", "Li", "zh_CN")
    assert "Sales and quota from Feb 1, 2026 to Feb 28, 2026" in en and "Jan 1, 2026" not in en
    assert "Sales CN¥2,000.00" in en and "Quota CN¥1,000.00" in en
    assert "Prepared: awaiting approval by finance" in en and "Interim" not in en
    assert "销售额与配额统计区间：2026年2月1日 至 2026年2月28日" in zh
    book = load_workbook(statement_path(open_workbook(wb), "2026-02", "Li", "en", ".xlsx"))
    last = [row[0] for row in book["Performance"].iter_rows(values_only=True)][-1]
    assert last == "Sales and quota from Feb 1, 2026 to Feb 28, 2026"


def test_a_rep_on_a_quarterly_role_plan_reads_the_quarter_in_a_monthly_workbook(tmp_path):
    wb = make_workbook(tmp_path / "wb", "monthly", "quarterly", "Wang", STEADY)
    for month in ("2026-01", "2026-02", "2026-03"):
        close(wb, month)
    # March pays Wang's quarter: January to March, 3,000 of 3,000 at 10% = 300; Li's March alone: 1,000 × 5%
    wang, li = _page(wb, "2026-03", "Wang"), _page(wb, "2026-03", "Li")
    assert "Sales and quota from Jan 1, 2026 to Mar 31, 2026" in wang and "Sales CN¥3,000.00" in wang
    assert "Sales and quota from Mar 1, 2026 to Mar 31, 2026" in li and "Sales CN¥1,000.00" in li
    assert paid(wb) >= {("Wang", "payment", "2026-03", "2026-03", "", 300_00),
                        ("Li", "payment", "2026-03", "2026-03", "", 50_00)}  # fmt: skip


# -- the measurement in the plan's language: refusals in Chinese say 季度, not the plan's key --------------


def test_a_version_changing_the_measurement_inside_a_quarter_is_refused_in_chinese_words(tmp_path, capsys):
    from test_measurement_change import make_workbook as versioned_workbook

    wb = versioned_workbook(tmp_path / "wb", quarterly_from="2026-08")
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    (wb / "plan.yaml").write_text(plan.replace("locale: en", "locale: zh_CN"), encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(wb)]) != 0
    err = capsys.readouterr().err
    assert "incentives.plans[ae].versions[2026-08].measurement" in err
    assert "自 2026-08 起改为 季度，位于 2026-07 至 2026-09 的考核期之内" in err
    assert "quarterly" not in err and "Traceback" not in err


def test_the_sections_measurement_changed_mid_year_is_refused_in_chinese_words(tmp_path, capsys):
    from test_ledger import make_workbook as monthly_workbook

    wb = monthly_workbook(tmp_path / "wb", locale="zh_CN")
    for month in ("2026-01", "2026-02"):
        close(wb, month)
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    plan = plan.replace("measurement: monthly", "measurement: quarterly")
    (wb / "plan.yaml").write_text(plan, encoding="utf-8")
    capsys.readouterr()
    assert main(["payouts", str(wb), "--period", "2026-03"]) == 1
    err = capsys.readouterr().err
    assert "季度，但 2026-02 已单独结账发放" in err and "Traceback" not in err
    # the fix names the value to write in plan.yaml, which stays the plan's key
    assert "measurement: quarterly" in err


def test_a_disputes_adjustment_is_paid_in_the_next_month_a_monthly_role_plan_closes(tmp_path, capsys):
    from salesplan_widgets.model.manual import MANUAL
    from salesplan_widgets.workbook.disputes import read_disputes

    wb = make_workbook(tmp_path / "wb", "quarterly", "monthly", "Li", STEADY)
    close(wb, "2026-01")
    assert main(["dispute", str(wb), "--period", "2026-01", "--rep", "Li", "--line", "1",
                 "--question", "An order is missing"]) == 0  # fmt: skip
    inquiry = read_disputes(open_workbook(wb)).iloc[0]
    assert main(["dispute", str(wb), "--answer", inquiry["id"], "--text", "Agreed", "--adjust", "50",
                 "--approver", "Zhou Min"]) == 0  # fmt: skip
    # the first open period after January is February (Li's monthly plan closes it), not April
    close(wb, "2026-02")
    assert ("Li", MANUAL, "2026-02", "2026-02", "", 50_00) in paid(wb)


def test_a_month_closes_when_it_ends_the_window_of_someone_on_a_plan_in_it():
    from salesplan_widgets.model.measurement import ends_a_pay_period, next_pay_period
    from salesplan_widgets.schema.incentives import IncentivesSection

    monthly = {"effective": "2026-01", "measurement": "monthly", "commission": {"base_rate": 0.1}}

    def section(assignments: list[dict]) -> IncentivesSection:
        return IncentivesSection.model_validate(
            {
                "measurement": "quarterly",
                "commission": {"base_rate": 0.05},
                "plans": [{"id": "ae", "name": "AE", "versions": [monthly]}],
                "assignments": assignments,
            }
        )

    def closing(s: IncentivesSection) -> list[int]:
        return [m for m in range(1, 13) if ends_a_pay_period(s, pd.Period(f"2026-{m:02d}", "M"))]

    # nobody on the monthly plan: only the quarters' last months close
    nobody = section([])
    assert closing(nobody) == [3, 6, 9, 12]
    assert str(next_pay_period(nobody, pd.Period("2026-03", "M"))) == "2026-06"
    # Li on it from 15 February: every month from February closes, January still waits for March
    li = section([{"rep": "Li", "plan": "ae", "start": "2026-02-15"}])
    assert closing(li) == list(range(2, 13))
    assert str(next_pay_period(li, pd.Period("2025-12", "M"))) == "2026-02"


def test_the_sections_measurement_changed_mid_year_is_refused_though_a_role_plan_still_closes_monthly(
    tmp_path, capsys
):
    wb = make_workbook(tmp_path / "wb", "monthly", "monthly", "Li", STEADY)
    for month in ("2026-01", "2026-02"):
        close(wb, month)  # Wang, on the workbook's own rules, was paid January and February on their own
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    (wb / "plan.yaml").write_text(
        plan.replace("measurement: monthly\n  negative", "measurement: quarterly\n  negative", 1),
        encoding="utf-8",
    )
    capsys.readouterr()
    # Li's plan still closes March, but Q1 would re-measure Wang's January and February: refused
    assert main(["payouts", str(wb), "--period", "2026-03"]) == 1
    err = capsys.readouterr().err
    assert "incentives.measurement" in err and "2026-02 was closed and paid on its own" in err


def test_a_large_deals_kicker_is_taken_back_for_the_month_a_monthly_role_plan_paid_it():
    from salesplan_widgets.model.clawbacks import clawback_lines
    from salesplan_widgets.schema.incentives import IncentivesSection

    monthly = {"effective": "2026-01", "measurement": "monthly", "commission": {"base_rate": 0.1}}
    section = IncentivesSection.model_validate(
        {
            "measurement": "quarterly",
            "commission": {"base_rate": 0.05},
            "deal_kicker": {"at_least": 5000, "rate": 0.02, "bonus": 100},
            "clawback": {"window_days": 60},
            "plans": [{"id": "ae", "name": "AE", "versions": [monthly]}],
            "assignments": [{"rep": "Li", "plan": "ae"}],
        }
    )
    # Li's D1 of 10,000, sold on 10 January and paid for January (monthly): 10% = 1,000 on sales and a
    # kicker of 10,000 × 2% + 100 = 300. All of it comes back on 25 February.
    returns = pd.DataFrame(
        {
            "deal": ["D1"],
            "rep": ["Li"],
            "sold_on": [pd.Timestamp("2026-01-10")],
            "returned_on": [pd.Timestamp("2026-02-25")],
            "amount": [-10000.0],
            "sold_size": [10000.0],
            "sold_rep": ["Li"],
            "sold_team": ["all"],
        }  # fmt: skip
    )
    jan, feb = pd.Period("2026-01", "M"), pd.Period("2026-02", "M")
    owed = pd.DataFrame(
        {
            "for_period": [jan],
            "rep": ["Li"],
            "team": ["all"],
            "owed_minor": [1300_00],
            "sales": [10000.0],
            "quota": [1000.0],
            "earned": [1300.0],
            "on_sales": [1000.0],
            "kicker": [300.0],
        }  # fmt: skip
    )
    lines = clawback_lines(returns, 60, owed, pd.DataFrame(), feb, [jan], "CNY", 3, 1, section)
    # traced to January, the month Li's plan paid (the workbook's quarter would be March, not yet closed):
    # 1,000 on sales and the 300 kicker, all January paid
    assert lines[["rep", "for_period", "deal", "amount_minor"]].values.tolist() == [
        ["Li", jan, "D1", -1300_00]
    ]


@pytest.mark.parametrize(
    ("section", "role", "on_role", "commission"),
    [
        ("quarterly", "monthly", "Li", 150_00),  # Wang on the workbook's quarterly 5%: Q1 3,000 → 150
        ("monthly", "quarterly", "Wang", 300_00),  # Wang on a quarterly role plan at 10%: 300
    ],
)
def test_a_draw_tops_up_once_per_the_reps_own_measurement_period(
    tmp_path, section, role, on_role, commission
):
    # Wang has a guarantee of 500 a measurement period, January to March; Li's plan closes every month, but
    # Wang's period is the quarter.
    wb = make_workbook(tmp_path / "wb", section, role, on_role, STEADY)
    guarantee = "  draws: [{rep: Wang, kind: non_recoverable, amount: 500, start: 2026-01, end: 2026-03}]\n"
    plan = (wb / "plan.yaml").read_text(encoding="utf-8").replace("  plans:", guarantee + "  plans:")
    (wb / "plan.yaml").write_text(plan, encoding="utf-8")
    for month in ("2026-01", "2026-02", "2026-03"):
        close(wb, month)
    # Q1 pays Wang's commission in March, topped up to the 500 guaranteed for the quarter, once; nothing in
    # January or February, which end no period of Wang's
    wang = {line for line in paid(wb) if line[0] == "Wang"}
    assert wang == {("Wang", "payment", "2026-03", "2026-03", "", commission),
                    ("Wang", "guarantee", "2026-03", "2026-03", "", 500_00 - commission)}  # fmt: skip


def test_the_statements_index_gives_each_rep_their_own_state(tmp_path):
    """The extract index a statements page reads says what the document says: in a quarterly workbook,
    Li's January on a monthly plan is prepared (awaiting approval), not interim like the workbook's quarter;
    Wang, on the quarter, has no January statement."""
    from salesplan_widgets.workbook.publish import Scope
    from salesplan_widgets.workbook.statement_extracts import copy_statements, whole_statements

    wb = make_workbook(tmp_path / "wb", "quarterly", "monthly", "Li", STEADY)
    assert main(["payouts", str(wb), "--period", "2026-01"]) == 0
    book = open_workbook(wb)
    whole = whole_statements(book, book.cube())
    entries = copy_statements(book, Scope("finance", "finance"), whole, tmp_path / "extract")
    assert [(e["period"], e["rep"], e["status"]) for e in entries] == [("2026-01", "Li", "prepared")]
    assert "Prepared" in statement_path(book, "2026-01", "Li", "en").read_text(encoding="utf-8")

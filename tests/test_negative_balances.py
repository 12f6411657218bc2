"""A negative total on a carry-forward plan is carried and recovered later, never paid back at once.

Real workbooks (CSV sales, a targets table, plan.yaml) closed month by month through the CLI, as finance
would. The plan of tests/test_ledger.py: quota 1000 a month, 10% up to quota and 20% above it; Li sells
1000, 2000, 1000, 500, 1000 in January to May (earning 100, 300, 100, 50, 100), Wang 1000 a month (100).
Every figure below is computed by hand in the comments.
"""

from __future__ import annotations

import pandas as pd
from test_ledger import SALES, make_workbook, write_sales

from salesplan_widgets.cli import main
from salesplan_widgets.model.negative_balances import NEGATIVE_CARRIED, NEGATIVE_RECOVERY
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger


def carry_forward_workbook(folder, negative: str = "carry_forward"):
    wb = make_workbook(folder)
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    (wb / "plan.yaml").write_text(
        plan.replace("negative: clawback", f"negative: {negative}"), encoding="utf-8"
    )
    return wb


def close(wb, period: str) -> None:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(wb), "--period", period, *step]) == 0


def adjust(wb, period: str, rep: str, amount: str, reason: str) -> None:
    assert main(["payouts", str(wb), "--period", period, "--adjust", rep, amount, "--reason", reason,
                 "--approver", "Zhou Min"]) == 0  # fmt: skip


def paid(wb, rep: str) -> dict[str, dict[str, int]]:
    """Per period paid in, the rep's amounts (cents) by kind of line."""
    lines = read_ledger(open_workbook(wb)).lines
    mine = lines[lines["rep"] == rep]
    table = mine.groupby([mine["period"].astype(str), "kind"])["amount_minor"].sum()
    return {p: table[p].to_dict() for p in table.index.get_level_values(0).unique()}


def statement(wb, period: str, rep: str, locale: str = "en") -> str:
    return statement_path(open_workbook(wb), period, rep, locale).read_text(encoding="utf-8")


def test_a_negative_manual_adjustment_on_a_carry_forward_plan_is_carried_and_recovered_from_later_pay(
    tmp_path,
):
    wb = carry_forward_workbook(tmp_path / "wb")
    adjust(wb, "2026-01", "Li", "-500", "2025 bonus paid twice")
    for month in ("2026-01", "2026-02", "2026-03", "2026-04"):
        close(wb, month)

    # January: 100 earned − 500 recovered = −400: paid 0, 400 carried. February: 300 earned, all of it
    # recovers the balance (100 left). March: 100 earned recovers the last 100. April: 50 paid, nothing owed.
    assert paid(wb, "Li") == {
        "2026-01": {"payment": 100_00, "manual": -500_00, NEGATIVE_CARRIED: 400_00},
        "2026-02": {"payment": 300_00, NEGATIVE_RECOVERY: -300_00},
        "2026-03": {"payment": 100_00, NEGATIVE_RECOVERY: -100_00},
        "2026-04": {"payment": 50_00},
    }
    lines = read_ledger(open_workbook(wb)).lines
    totals = lines.groupby([lines["rep"], lines["period"].astype(str)])["amount_minor"].sum()
    assert (totals >= 0).all()  # nobody is asked for money in any period
    assert totals["Li"].sum() == 100_00 + 300_00 + 100_00 + 50_00 - 500_00  # all earned, less the 500
    assert totals["Wang"].to_dict() == dict.fromkeys(("2026-01", "2026-02", "2026-03", "2026-04"), 100_00)

    # The balance is on every statement until it is cleared, in both languages.
    january, february, march = (statement(wb, m, "Li") for m in ("2026-01", "2026-02", "2026-03"))
    label = "Negative balance to recover from later commission"
    assert label in january and "400.00" in january.split(label)[1].split("</tr>")[0]
    assert "Negative total carried forward" in january
    row = february.split(label)[1].split("</tr>")[0]
    assert "400.00" in row and "100.00" in row
    assert "Negative balance recovered" in february
    assert label in march and "100.00" in march.split(label)[1].split("</tr>")[0]
    assert label not in statement(wb, "2026-04", "Li")
    zh = statement(wb, "2026-02", "Li", "zh_CN")
    assert "待从以后佣金中扣回的负数余额" in zh and "负数余额扣回" in zh
    export = pd.read_csv(wb / "reports" / "2026-01" / "payouts" / "payouts-2026-01.csv", encoding="utf-8-sig")
    li = export[export["rep"] == "Li"]
    assert li["amount"].sum() == 0 and (li["component"] == NEGATIVE_CARRIED).sum() == 1


def test_a_negative_manual_adjustment_on_a_clawback_plan_is_recovered_at_once(tmp_path):
    wb = carry_forward_workbook(tmp_path / "wb", negative="clawback")
    adjust(wb, "2026-01", "Li", "-500", "2025 bonus paid twice")
    close(wb, "2026-01")
    close(wb, "2026-02")

    # January: 100 − 500 = −400, paid back now; February pays its 300 in full.
    assert paid(wb, "Li") == {
        "2026-01": {"payment": 100_00, "manual": -500_00},
        "2026-02": {"payment": 300_00},
    }
    assert "Negative balance to recover" not in statement(wb, "2026-02", "Li")


def test_a_negative_prior_period_adjustment_on_a_carry_forward_plan_is_carried_not_taken_at_once(tmp_path):
    wb = carry_forward_workbook(tmp_path / "wb")
    for month in ("2026-01", "2026-02", "2026-03"):
        close(wb, month)
    # Li's March deal of 1000 is returned after March was paid (100.00): March now earns 0.
    write_sales(wb, [*SALES, ("2026-03-20", -1000, "Li")])
    close(wb, "2026-04")
    close(wb, "2026-05")

    # April: 50 earned − 100 for March = −50: paid 0, 50 carried. May: 100 earned, 50 recovers the balance.
    assert paid(wb, "Li")["2026-04"] == {"payment": 50_00, "adjustment": -100_00, NEGATIVE_CARRIED: 50_00}
    assert paid(wb, "Li")["2026-05"] == {"payment": 100_00, NEGATIVE_RECOVERY: -50_00}
    lines = read_ledger(open_workbook(wb)).lines
    li = lines[lines["rep"] == "Li"]
    # paid over five months = owed over five months (100 + 300 + 0 + 50 + 100), and the commission lines
    # alone still say what each month is owed (March: 100 paid − 100 adjusted = 0)
    assert li["amount_minor"].sum() == 550_00
    commission = li[li["kind"].isin(["payment", "adjustment"])]
    by_month = commission.groupby(commission["for_period"].astype(str))["amount_minor"].sum().to_dict()
    assert by_month == {
        "2026-01": 100_00,
        "2026-02": 300_00,
        "2026-03": 0,
        "2026-04": 50_00,
        "2026-05": 100_00,
    }
    may = statement(wb, "2026-05", "Li")
    assert "Negative balance to recover from later commission" in may


def test_a_clawback_that_takes_a_carry_forward_period_below_zero_is_carried_not_paid_back(tmp_path):
    import test_clawbacks

    wb = test_clawbacks.make_workbook(tmp_path / "wb")
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    (wb / "plan.yaml").write_text(
        plan.replace("negative: clawback", "negative: carry_forward"), encoding="utf-8"
    )
    for month in ("2026-01", "2026-02", "2026-03"):
        close(wb, month)

    # February (tests/test_clawbacks.py): Li earns 4,000 × 10% = 400, and D1's 10,000 returned inside the window
    # claws back 1,000 paid for January: −600, carried. March: D4 1,000 → 100, all of it recovers (500 left).
    li = paid(wb, "Li")
    assert li["2026-02"] == {"payment": 400_00, "clawback": -1000_00, NEGATIVE_CARRIED: 600_00}
    assert li["2026-03"] == {"payment": 100_00, NEGATIVE_RECOVERY: -100_00}
    row = statement(wb, "2026-03", "Li").split("Negative balance to recover from later commission")[1]
    assert "600.00" in row.split("</tr>")[0] and "500.00" in row.split("</tr>")[0]


def test_the_calculator_explains_the_negative_total_carried_and_its_recovery(tmp_path):
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator

    wb = carry_forward_workbook(tmp_path / "wb")
    adjust(wb, "2026-01", "Li", "-500", "2025 bonus paid twice")
    close(wb, "2026-01")
    january = IncentiveCalculator(wb, period="2026-01", rep="Li").payment_table.set_index("kind")
    assert january.loc[NEGATIVE_CARRIED, "amount"] == 400.0
    assert january.loc[NEGATIVE_CARRIED, "explanation"] == (
        "the period's lines add up to -CN¥400.00: paid 0, negative balance now CN¥400.00"
    )
    february = IncentiveCalculator(wb, period="2026-02", rep="Li").payment_table.set_index("kind")
    assert february.loc[NEGATIVE_RECOVERY, "explanation"] == (
        "CN¥300.00 of the negative balance recovered from CN¥300.00; negative balance now CN¥100.00"
    )

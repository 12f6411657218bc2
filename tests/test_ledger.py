"""The payment ledger in a real workbook: prepare → approve → close, prior-period adjustments, refusals.

The scenario closes five months of a real workbook (CSV sales, a targets table, plan.yaml) while a late deal,
a return, a quota re-plan and a plan change arrive after the months they touch were paid; every ledger line
is checked against a hand computation written out below.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.errors import ConflictError, SalesplanError
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import (
    JOURNAL,
    LEDGER_DIR,
    approve_payments,
    close_period,
    compute_payments,
    read_ledger,
)
from salesplan_widgets.workbook.payouts import write_payouts

PLAN = """\
name: Ledger Co
currency: CNY
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
incentives:
  measurement: monthly
  cumulative: false
  negative: clawback
  commission:
    tiers:
      bands:
        - {{at_least: 0, below: 1.0, rate: 0.10}}
        - {{at_least: 1.0, rate: 0.20}}
"""

# Li sells 1000, 2000, 1000, 500, 1000 in January to May; Wang 1000 every month. Quota 1000 a month each.
SALES = [("2026-01-15", 1000, "Li"), ("2026-02-15", 2000, "Li"), ("2026-03-15", 1000, "Li"),
         ("2026-04-15", 500, "Li"), ("2026-05-15", 1000, "Li")] + [
         (f"2026-{m:02d}-15", 1000, "Wang") for m in range(1, 6)]  # fmt: skip


def write_sales(folder: Path, rows: list[tuple[str, float, str]]) -> None:
    frame = pd.DataFrame(rows, columns=["date", "amount", "rep"])
    (folder / "data").mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "data" / "sales.csv", index=False)


def make_workbook(folder: Path, locale: str = "en") -> Path:
    write_sales(folder, SALES)
    (folder / "plan.yaml").write_text(PLAN.format(locale=locale), encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame(
        [(m, rep, 1000.0) for m in months for rep in ("Li", "Wang")], columns=["period", "rep", "target"]
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


def pay(folder: Path, period: str) -> pd.DataFrame:
    """Prepare, approve and close `period` as three people would; return the lines it recorded."""
    write_payouts(open_workbook(folder), period, by="analyst")
    approve_payments(open_workbook(folder), period, by="finance")
    close_period(open_workbook(folder), period, by="controller")
    lines = read_ledger(open_workbook(folder)).lines
    return lines[lines["period"] == pd.Period(period, "M")]


def summary(lines: pd.DataFrame) -> set[tuple[str, str, str, int, str]]:
    """(rep, kind, for_period, total in cents, cause) per rep, kind and period paid for."""
    grouped = lines.groupby(["rep", "kind", "for_period", "cause"], as_index=False)["amount_minor"].sum()
    return {(r.rep, r.kind, str(r.for_period), int(r.amount_minor), r.cause) for r in grouped.itertuples()}


def test_a_year_of_closes_pays_late_deals_returns_replans_and_plan_changes_as_dated_adjustments(tmp_path):
    from salesplan_widgets.workbook.versions import save_version

    wb = make_workbook(tmp_path / "wb")

    # January: both at 100% of 1000 → 1000 × 10% = 100.00 each.
    assert summary(pay(wb, "2026-01")) == {
        ("Li", "payment", "2026-01", 100_00, ""),
        ("Wang", "payment", "2026-01", 100_00, ""),
    }

    # A 500 deal dated January arrives after January was paid. February: Li 2000 = 1000 × 10% + 1000 × 20% =
    # 300.00. January is now 1500: 100 + 500 × 20% = 200.00, paid 100.00 → +100.00, a late transaction.
    write_sales(wb, [*SALES, ("2026-01-20", 500, "Li")])
    assert summary(pay(wb, "2026-02")) == {
        ("Li", "payment", "2026-02", 300_00, ""),
        ("Li", "adjustment", "2026-01", 100_00, "late_transaction"),
        ("Wang", "payment", "2026-02", 100_00, ""),
    }

    # A 300 return of a February sale, after February was paid. February is now 1700: 100 + 700 × 20% =
    # 240.00, paid 300.00 → −60.00 recovered in March; March itself pays 100.00.
    write_sales(wb, [*SALES, ("2026-01-20", 500, "Li"), ("2026-02-10", -300, "Li")])
    assert summary(pay(wb, "2026-03")) == {
        ("Li", "payment", "2026-03", 100_00, ""),
        ("Li", "adjustment", "2026-02", -60_00, "return"),
        ("Wang", "payment", "2026-03", 100_00, ""),
    }

    # Li's quota is cut to 800 from March (a re-plan effective in the past). April: 500 × 10% = 50.00. March
    # is now 1000 of 800: 80 + 200 × 20% = 120.00, paid 100.00 → +20.00, a quota change.
    workbook = open_workbook(wb)
    targets = workbook.read_table("targets")
    cut = (targets["rep"] == "Li") & (
        pd.PeriodIndex(targets["period"], freq="M") >= pd.Period("2026-03", "M")
    )
    save_version(workbook, targets.assign(target=targets["target"].where(~cut, 800.0)),
                 reason="territory split", author="analyst", effective_from="2026-03")  # fmt: skip
    assert summary(pay(wb, "2026-04")) == {
        ("Li", "payment", "2026-04", 50_00, ""),
        ("Li", "adjustment", "2026-03", 20_00, "quota_change"),
        ("Wang", "payment", "2026-04", 100_00, ""),
    }

    # The first band goes from 10% to 12% for the whole year. May: Li 800 × 12% + 200 × 20% = 136.00, Wang
    # 120.00. Every closed month is re-owed: Li Jan 220 (paid 200), Feb 260 (240), Mar 136 (120), Apr 60 (50);
    # Wang 120 each month (paid 100).
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    (wb / "plan.yaml").write_text(plan.replace("rate: 0.10", "rate: 0.12"), encoding="utf-8")
    may = pay(wb, "2026-05")
    assert summary(may) == {
        ("Li", "payment", "2026-05", 136_00, ""),
        ("Li", "adjustment", "2026-01", 20_00, "plan_change"),
        ("Li", "adjustment", "2026-02", 20_00, "plan_change"),
        ("Li", "adjustment", "2026-03", 16_00, "plan_change"),
        ("Li", "adjustment", "2026-04", 10_00, "plan_change"),
        ("Wang", "payment", "2026-05", 120_00, ""),
        *{("Wang", "adjustment", f"2026-0{m}", 20_00, "plan_change") for m in range(1, 5)},
    }
    adjustment = may[(may["rep"] == "Li") & (may["for_period"] == pd.Period("2026-03", "M"))].iloc[0]
    assert adjustment["base"] == 120.0 and adjustment["reference"] == 136.0  # paid so far, owed now
    assert "plan change" in adjustment["rule"]

    # Paid = owed: what the ledger paid for each month equals what the year owes now, to the cent.
    lines = read_ledger(open_workbook(wb)).lines
    paid = lines.groupby(["rep", "for_period"])["amount_minor"].sum()
    assert paid.groupby("rep").sum().to_dict() == {"Li": 220_00 + 260_00 + 136_00 + 60_00 + 136_00,
                                                   "Wang": 5 * 120_00}  # fmt: skip
    # and the approver and the closer are on every line
    assert set(lines["approved_by"]) == {"finance"} and set(lines["closed_by"]) == {"controller"}


def test_closing_needs_approval_of_exactly_the_prepared_figures(tmp_path):
    wb = make_workbook(tmp_path / "wb")
    with pytest.raises(SalesplanError, match="not prepared"):
        approve_payments(open_workbook(wb), "2026-01", by="finance")
    write_payouts(open_workbook(wb), "2026-01", by="analyst")
    with pytest.raises(SalesplanError, match="not approved"):
        close_period(open_workbook(wb), "2026-01", by="controller")

    write_sales(wb, [*SALES, ("2026-01-31", 250, "Wang")])  # data changes between prepare and approve
    with pytest.raises(ConflictError, match="changed since they were prepared"):
        approve_payments(open_workbook(wb), "2026-01", by="finance")
    write_payouts(open_workbook(wb), "2026-01", by="analyst")
    approve_payments(open_workbook(wb), "2026-01", by="finance")

    write_sales(wb, SALES)  # and between approval and closing
    with pytest.raises(ConflictError, match="changed since they were approved"):
        close_period(open_workbook(wb), "2026-01", by="controller")
    assert read_ledger(open_workbook(wb)).lines.empty  # nothing was paid


def test_a_closed_period_is_never_paid_again_and_periods_close_in_order(tmp_path):
    wb = make_workbook(tmp_path / "wb")
    pay(wb, "2026-01")
    with pytest.raises(SalesplanError, match="2026-01 was closed"):
        pay(wb, "2026-01")
    with pytest.raises(SalesplanError, match="2026-02 is still open"):
        compute_payments(open_workbook(wb), "2026-03")
    with pytest.raises(SalesplanError, match="YYYY-MM"):
        compute_payments(open_workbook(wb), "2026-3")
    assert len(read_ledger(open_workbook(wb)).lines) == 2


def test_an_edited_ledger_is_detected_not_trusted(tmp_path):
    wb = make_workbook(tmp_path / "wb")
    pay(wb, "2026-01")
    journal = wb / LEDGER_DIR / JOURNAL
    text = journal.read_text(encoding="utf-8")
    assert "20000,CNY" in text
    journal.write_text(text.replace("20000,CNY", "40000,CNY"), encoding="utf-8")
    with pytest.raises(SalesplanError, match="changed outside salesplan"):
        read_ledger(open_workbook(wb))
    journal.write_text(text, encoding="utf-8")

    payments = next((wb / LEDGER_DIR / "payments").glob("*.parquet"))
    frame = pd.read_parquet(payments)
    frame.assign(amount_minor=frame["amount_minor"] * 2).to_parquet(payments, index=False)
    with pytest.raises(SalesplanError, match="payment file"):
        compute_payments(open_workbook(wb), "2026-02")


def test_the_command_prepares_approves_and_closes_in_the_workbooks_language(tmp_path, capsys):
    wb = make_workbook(tmp_path / "wb", locale="zh_CN")
    assert main(["payouts", str(wb), "--period", "2026-01"]) == 0
    assert main(["payouts", str(wb), "--period", "2026-01", "--approve"]) == 0
    assert main(["close", str(wb), "--period", "2026-01"]) == 0
    out = capsys.readouterr().out
    assert "已批准" in out and "已结账" in out
    assert main(["payouts", str(wb), "--period", "2026-01", "--close"]) == 1
    err = capsys.readouterr().err
    assert "2026-01" in err and "已结账" in err  # the refusal, in Chinese
    lines = read_ledger(open_workbook(wb)).lines
    import getpass

    assert set(lines["approved_by"]) == {getpass.getuser()}  # the OS user for the command line
    assert lines["amount_minor"].sum() == 200_00


ROLE_PLAN = """\
name: Ledger Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep}
incentives:
  measurement: monthly
  cumulative: false
  negative: clawback
  commission: {base_rate: 0.10}
  plans:
    - id: kam
      name: Key-account manager
      versions:
        - {effective: 2026-01, commission: {base_rate: 0.05}}
  assignments: [{rep: Li, plan: kam, start: 2026-07-16}]
"""
H2_RATES = "        - {effective: 2026-07, commission: {base_rate: 0.06}, reason: H2 rates}\n"


def test_two_fiscal_years_of_closes_with_a_promotion_a_past_plan_version_and_a_late_december_deal(tmp_path):
    """Li is promoted to key-account manager on 16 July; in September the KAM plan gets a version effective
    from July; a December deal arrives after December was closed and is paid in January of the next year.
    The ledger starts in June (earlier months were paid before it)."""
    wb = tmp_path / "wb"
    months = pd.period_range("2026-01", "2027-01", freq="M")
    sales = [
        (f"{m}-15", 3100 if (str(m), rep) == ("2026-07", "Li") else 1000, rep)
        for m in months
        for rep in ("Li", "Wang")
    ]
    write_sales(wb, sales)
    (wb / "plan.yaml").write_text(ROLE_PLAN, encoding="utf-8")
    targets = pd.DataFrame(
        [(m, r, 1000.0) for m in months for r in ("Li", "Wang")], columns=["period", "rep", "target"]
    )
    open_workbook(wb).write_table("targets", targets)
    wang = ("Wang", "payment", None, 100_00, "")  # Wang: 1000 × 10% every month, never adjusted

    def expect(period: str, *li: tuple) -> set:
        return {*li, (wang[0], wang[1], period, wang[3], wang[4])}

    assert summary(pay(wb, "2026-06")) == expect("2026-06", ("Li", "payment", "2026-06", 100_00, ""))
    # July: 15 of 31 days on the plan for everyone, 16 on KAM: 3100 × 15/31 = 1500 at 10% = 150.00 and
    # 3100 × 16/31 = 1600 at 5% = 80.00
    july = pay(wb, "2026-07")
    assert summary(july) == expect("2026-07", ("Li", "payment", "2026-07", 230_00, ""))
    li_july = july[july["rep"] == "Li"].groupby("plan")["amount_minor"].sum().to_dict()
    assert li_july == {"": 150_00, "Key-account manager": 80_00}
    assert summary(pay(wb, "2026-08")) == expect("2026-08", ("Li", "payment", "2026-08", 50_00, ""))

    # September: KAM gets 6% from July on. July is owed 150 + 1600 × 6% = 246.00 (paid 230.00), August
    # 60.00 (paid 50.00); September pays 60.00.
    (wb / "plan.yaml").write_text(
        ROLE_PLAN.replace("  assignments:", H2_RATES + "  assignments:"), encoding="utf-8"
    )
    assert summary(pay(wb, "2026-09")) == expect(
        "2026-09",
        ("Li", "payment", "2026-09", 60_00, ""),
        ("Li", "adjustment", "2026-07", 16_00, "plan_change"),
        ("Li", "adjustment", "2026-08", 10_00, "plan_change"),
    )
    for month in ("2026-10", "2026-11", "2026-12"):
        assert summary(pay(wb, month)) == expect(month, ("Li", "payment", month, 60_00, ""))

    # A 500 deal dated 20 December arrives in January: December is re-owed 1500 × 6% = 90.00 (paid 60.00).
    write_sales(wb, [*sales, ("2026-12-20", 500, "Li")])
    assert summary(pay(wb, "2027-01")) == expect(
        "2027-01",
        ("Li", "payment", "2027-01", 60_00, ""),
        ("Li", "adjustment", "2026-12", 30_00, "late_transaction"),
    )
    lines = read_ledger(open_workbook(wb)).lines
    assert lines.groupby("rep")["amount_minor"].sum().to_dict() == {
        "Li": 100_00 + 246_00 + 60_00 + 3 * 60_00 + 90_00 + 60_00,  # Jun, Jul, Aug, Sep-Nov, Dec, Jan
        "Wang": 8 * 100_00,
    }


def test_a_quarterly_plan_previews_any_month_but_closes_only_the_quarters_last(tmp_path):
    wb = make_workbook(tmp_path / "wb")
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    (wb / "plan.yaml").write_text(
        plan.replace("measurement: monthly", "measurement: quarterly"), encoding="utf-8"
    )
    write_payouts(open_workbook(wb), "2026-02", by="analyst")  # the quarter so far, prepared as a preview
    with pytest.raises(SalesplanError, match="does not end a quarterly measurement period"):
        approve_payments(open_workbook(wb), "2026-02", by="finance")
    # Q1: Li 1000 + 2000 + 1000 = 4000 of 3000 → 300 + 1000 × 20% = 500.00; Wang 3000 → 300.00
    assert summary(pay(wb, "2026-03")) == {
        ("Li", "payment", "2026-03", 500_00, ""),
        ("Wang", "payment", "2026-03", 300_00, ""),
    }
    with pytest.raises(SalesplanError, match="2026-06 is still open"):
        compute_payments(open_workbook(wb), "2026-07")
    write_payouts(open_workbook(wb), "2026-05", by="analyst")  # a month of the open quarter is fine

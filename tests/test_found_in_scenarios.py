"""Cases the issue-12 scenarios found, kept as explicit examples: each failed before its fix."""

from __future__ import annotations

import pandas as pd

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.clawbacks import without_returns
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import approve_payments, close_period, read_ledger
from salesplan_widgets.workbook.payouts import write_payouts


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


def test_a_month_paying_only_a_holdback_release_is_read_back_with_the_months_before_it(tmp_path):
    # found by the two-year scenario: a month whose only lines were holdback releases stored its text columns
    # as another Arrow string type than earlier months, and every later read of the ledger failed
    (tmp_path / "data").mkdir()
    pd.DataFrame([("2026-01-10", 1000.0, "Li")], columns=["date", "amount", "rep"]).to_csv(
        tmp_path / "data" / "sales.csv", index=False
    )
    (tmp_path / "plan.yaml").write_text(
        "name: Release only\ncurrency: CNY\nsources:\n  sales:\n    path: data/sales.csv\n"
        "    columns: {date: date, amount: amount, rep: rep}\n"
        "incentives:\n  commission: {base_rate: 0.1}\n  holdback: {share: 0.5, release: quarter}\n",
        encoding="utf-8",
    )
    months = pd.period_range("2026-01", periods=6, freq="M")
    open_workbook(tmp_path).write_table(
        "targets", pd.DataFrame({"period": months, "rep": "Li", "target": 1000.0})
    )
    for month in ("2026-01", "2026-02", "2026-03"):
        write_payouts(open_workbook(tmp_path), month, by="analyst")
        approve_payments(open_workbook(tmp_path), month, by="finance")
        close_period(open_workbook(tmp_path), month, by="controller")
    lines = read_ledger(open_workbook(tmp_path)).lines
    # January: 100 earned, 50 held; March ends the quarter and pays only the release of the 50
    assert sorted(zip(lines["period"].astype(str), lines["kind"], lines["amount_minor"], strict=True)) == [
        ("2026-01", "holdback", -50_00), ("2026-01", "payment", 100_00), ("2026-03", "holdback_release", 50_00)
    ]  # fmt: skip
    write_payouts(open_workbook(tmp_path), "2026-04", by="analyst")  # reads the ledger again


def test_a_month_given_as_a_period_is_paid_as_that_month_on_a_weekly_calendar():
    # found by the calendar scenarios: the ledger passes its pay month as a monthly Period; on ISO weeks it
    # became the month of the week holding its first day (1 February 2026 is a Sunday: January's last week),
    # so closing February paid nothing and crashed
    calendar = FiscalCalendar("week", 1)
    weeks = calendar.year_periods(2026)
    cube = pd.DataFrame({"period": weeks, "rep": "Li", "team": "East", "segment": "A", "channel": "online",
                         "actual": 100.0})  # fmt: skip
    quotas = pd.DataFrame({"period": weeks, "rep": "Li", "team": "East", "target": 1000.0})
    section = IncentivesSection.model_validate({"commission": {"base_rate": 0.1}})
    february = pd.Period("2026-02", "M")
    reps = payout_statements(section, cube, quotas, february, fiscal_year_start=calendar).reps
    assert list(reps["period"]) == [february]
    assert reps["period_sales"].iloc[0] == 100.0 * len(calendar.month_periods(february))  # its 4 weeks


def test_closing_a_month_on_a_4_5_4_workbook_pays_the_weeks_of_its_own_pattern(tmp_path):
    # found by the calendar scenarios: the ledger passed only the fiscal year start to the engine, which read
    # the grain off the weeks and took every retail calendar for 4-4-5: March (five weeks in 4-5-4) was paid
    # on four, and April on the fifth
    calendar = FiscalCalendar("4-5-4", 2)
    weeks = calendar.year_periods(2027)  # FY2027: 1 February 2026 – 30 January 2027
    (tmp_path / "data").mkdir()
    pd.DataFrame({"date": weeks.start_time.strftime("%Y-%m-%d"), "amount": 100.0, "rep": "Li"}).to_csv(
        tmp_path / "data" / "sales.csv", index=False
    )
    (tmp_path / "plan.yaml").write_text(
        "name: Retail\ncurrency: CNY\ncalendar: {grain: 4-5-4, fiscal_year_start: 2}\nsources:\n  sales:\n"
        "    path: data/sales.csv\n    columns: {date: date, amount: amount, rep: rep}\n"
        "incentives:\n  commission: {base_rate: 0.1}\n",
        encoding="utf-8",
    )
    open_workbook(tmp_path).write_table(
        "targets", pd.DataFrame({"period": weeks, "rep": "Li", "target": 100.0})
    )
    for month in ("2026-02", "2026-03"):
        write_payouts(open_workbook(tmp_path), month, by="analyst")
        approve_payments(open_workbook(tmp_path), month, by="finance")
        close_period(open_workbook(tmp_path), month, by="controller")
    lines = read_ledger(open_workbook(tmp_path)).lines
    paid = lines.groupby(lines["period"].astype(str))["amount_minor"].sum().to_dict()
    assert paid == {"2026-02": 4 * 10_00, "2026-03": 5 * 10_00}  # 10% of 100 a week: four weeks, then five


def test_a_clawback_recovers_what_the_deal_earned_not_the_cash_collected_beside_it(tmp_path):
    # found while writing the random-shape clawback property: the rate recovered was everything the month
    # earned ÷ its sales, so commission on cash collected that month (on an older invoice) was clawed back too:
    # D-1 earned 50 and its return recovered 250
    (tmp_path / "data").mkdir()
    pd.DataFrame(
        [("2025-12-01", 10_000, "Li", "I-0", "D-0"), ("2026-01-10", 1_000, "Li", "I-1", "D-1"),
         ("2026-02-05", -1_000, "Li", "I-1", "D-1")],
        columns=["date", "amount", "rep", "invoice", "deal"],
    ).to_csv(tmp_path / "data" / "sales.csv", index=False)  # fmt: skip
    pd.DataFrame([("2026-01-05", 10_000, "I-0")], columns=["received", "paid", "invoice"]).to_csv(
        tmp_path / "data" / "receipts.csv", index=False
    )
    (tmp_path / "plan.yaml").write_text(
        "name: Cash and returns\ncurrency: CNY\nsources:\n"
        "  sales: {path: data/sales.csv, columns: {date: date, amount: amount, rep: rep, invoice: invoice, "
        "deal: deal}}\n"
        "  receipts: {path: data/receipts.csv, columns: {date: received, amount: paid, invoice: invoice}}\n"
        "incentives:\n  commission: {base_rate: 0.05}\n  clawback: {window_days: 30}\n  collections: {rate: 0.02}\n",
        encoding="utf-8",
    )
    months = pd.period_range("2025-12", periods=6, freq="M")
    open_workbook(tmp_path).write_table(
        "targets", pd.DataFrame({"period": months, "rep": "Li", "target": 1e4})
    )
    for month in ("2026-01", "2026-02"):
        write_payouts(open_workbook(tmp_path), month, by="analyst")
        approve_payments(open_workbook(tmp_path), month, by="finance")
        close_period(open_workbook(tmp_path), month, by="controller")
    lines = read_ledger(open_workbook(tmp_path)).lines
    assert sorted(zip(lines["period"].astype(str), lines["component"], lines["deal"], lines["amount_minor"],
                      strict=True)) == [
        ("2026-01", "band", "", 50_00),  # D-1: 1,000 × 5%
        ("2026-01", "collections", "", 200_00),  # I-0's 10,000 collected × 2%
        ("2026-02", "clawback", "D-1", -50_00),  # D-1 returned after 26 days: its 5% back, not the cash's
        ("2026-02", "negative_carried", "", 50_00),  # carry-forward plan: February's −50 is carried, not paid back
    ]  # fmt: skip

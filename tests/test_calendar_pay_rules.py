"""Issue 12's cash rules on the other calendars: a weekly (ISO) workbook and a 4-4-5 retail workbook, each
closed month by month through `salesplan payouts`, with a recoverable draw, a quarterly holdback, clawbacks
whose 30-day window ends across a week or period boundary, commission on cash collected with an ageing step
at a period's edge, a deal-size kicker and a new-logo bonus. Every ledger line against the hand computation.
A yearly holdback is released whole in the last month of a 53-week ISO year and of a 4-4-5 retail year.

Pay is measured by month: a week counts in the month of its Thursday (ISO), a retail week in the pattern's
period named by the month it stands for. So a date's calendar month is not always its pay month — the
sales, returns and receipts below sit on exactly those edges.

The plan, for both: 10% of sales; Wang a recoverable draw of 500 in the first month, recovered at most 300 a
month; returns within 30 days clawed back; 20% held back until the fiscal quarter's end; 2% of cash
collected, half after the ageing edge; 1% more on deals of 5,000 or more; 100 per new account.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

PLAN = """\
name: {name}
currency: CNY
locale: en
calendar: {{grain: {grain}, fiscal_year_start: {start}}}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, account: account, invoice: invoice, deal: deal}}
  receipts:
    path: data/receipts.csv
    columns: {{date: received, amount: paid, invoice: invoice}}
incentives:
  commission: {{base_rate: 0.1}}
  draws: [{{rep: Wang, amount: 500, start: "{first}", end: "{first}", recovery_cap: 300}}]
  clawback: {{window_days: 30}}
  holdback: {{share: 0.2, release: quarter}}
  collections: {{rate: 0.02, ageing: [{{after_days: {ageing}, factor: 0.5}}]}}
  deal_kicker: {{at_least: 5000, rate: 0.01}}
  new_logo: {{bonus: 100}}
"""
HISTORY = [  # a year earlier: Li's and Wang's accounts are not new
    ("2025-06-15", 1_000, "Li", "L1", "H-1", "H-1"),
    ("2025-06-15", 1_000, "Wang", "W1", "H-2", "H-2"),
]


def line(rep, kind, amount, for_period, component=None, deal=""):
    return (rep, kind, component or kind, for_period, deal, amount)


# ISO weeks, fiscal year from January. Pay months: Jan = 29 Dec – 1 Feb, Feb = 2 Feb – 1 Mar,
# Mar = 2 Mar – 29 Mar, Apr = 30 Mar – 3 May.
WEEKLY = {
    "grain": "week",
    "start": 1,
    "ageing": 60,
    "sales": [  # date, amount, rep, account, invoice, deal
        ("2026-01-30", 3_000, "Li", "L1", "I-2", "D-2"),  # Fri, Jan
        ("2026-03-01", -1_000, "Li", "L1", "I-2", "D-2"),  # Sun: 30 days, inside; its week counts in Feb
        ("2026-02-03", 2_000, "Li", "L1", "I-3", "D-3"),  # Feb
        ("2026-03-06", -2_000, "Li", "L1", "I-3", "D-3"),  # 31 days: outside
        ("2026-03-30", 4_000, "Li", "L1", "I-4", "D-4"),  # Mon: calendar March, pay month April
        ("2026-04-01", -1_000, "Li", "L1", "I-4", "D-4"),  # the same week: nets in April
        ("2026-01-01", 2_000, "Wang", "W1", "I-5", "W-1"),  # Thu, ISO week 1: Jan
        ("2026-02-28", 4_000, "Wang", "W1", "I-6", "W-2"),  # Sat: Feb
        ("2025-12-31", 8_000, "Chen", "B1", "I-9", "C-1"),  # Wed, ISO week 1 of 2026: Jan; a new account
        ("2026-02-10", 1_000, "Chen", "B1", "I-10", "C-2"),  # Feb
    ],
    "receipts": [  # I-9 invoiced 31 Dec 2025
        ("2026-03-01", 4_000, "I-9"),  # 60 days: full rate; Sunday, counts in Feb
        ("2026-03-02", 4_000, "I-9"),  # 61 days: half rate; Monday, March
    ],
    "months": ["2026-01", "2026-02", "2026-03", "2026-04"],
    "expected": {
        "2026-01": [
            line("Li", "payment", 300_00, "2026-01", "band"),  # D-2: 3,000 × 10%
            line("Li", "holdback", -60_00, "2026-01"),
            line("Wang", "payment", 200_00, "2026-01", "band"),  # 2,000 × 10%, 40 held: 160 so far
            line("Wang", "holdback", -40_00, "2026-01"),
            line("Wang", "draw", 340_00, "2026-01"),  # topped up to 500 (balance 340)
            line("Chen", "payment", 800_00, "2026-01", "band"),  # 8,000 × 10%
            line("Chen", "payment", 80_00, "2026-01", "deal_kicker"),  # a deal of 8,000 ≥ 5,000: 1% more
            line("Chen", "payment", 100_00, "2026-01", "new_logo"),  # B1's first line ever
            line("Chen", "holdback", -196_00, "2026-01"),  # 20% of 980
        ],
        "2026-02": [
            line("Li", "payment", 200_00, "2026-02", "band"),  # D-3: 2,000 × 10%
            # 1,000 of D-2 came back on 1 March, 30 days after the sale: at January's 10%, 100 clawed back
            # in February, whose last week holds 1 March
            line("Li", "clawback", -100_00, "2026-01", deal="D-2"),
            line("Li", "holdback", -20_00, "2026-02"),  # 20% of 200 − 100
            line("Wang", "payment", 400_00, "2026-02", "band"),  # 4,000 × 10%, 80 held: 320 paid so far
            line("Wang", "holdback", -80_00, "2026-02"),
            line("Wang", "draw_recovery", -300_00, "2026-02"),  # 320 above no draw, cap 300 (balance 40)
            line("Chen", "payment", 100_00, "2026-02", "band"),  # 1,000 × 10%
            line("Chen", "payment", 80_00, "2026-02", "collections"),  # 4,000 on day 60 × 2%
            line("Chen", "holdback", -36_00, "2026-02"),  # 20% of 180
        ],
        "2026-03": [  # the quarter ends: nothing held, everything held released
            # D-3's return came 31 days after the sale: nothing recovered, and March is not cut for it
            line("Li", "holdback_release", 80_00, "2026-03"),  # 60 + 20
            line("Wang", "holdback_release", 120_00, "2026-03"),  # 40 + 80
            line("Wang", "draw_recovery", -40_00, "2026-03"),  # the rest of the balance
            line("Chen", "payment", 40_00, "2026-03", "collections"),  # 4,000 on day 61 × 1%
            line("Chen", "holdback_release", 232_00, "2026-03"),  # 196 + 36
        ],
        "2026-04": [
            # D-4 sold on Monday 30 March and 1,000 returned that Wednesday: one pay month, so it nets
            line("Li", "payment", 300_00, "2026-04", "band"),  # (4,000 − 1,000) × 10%
            line("Li", "holdback", -60_00, "2026-04"),
        ],
    },
}

# 4-4-5 retail weeks (Sunday to Saturday), fiscal year from February (NRF: FY2027 starts Sunday 1 Feb 2026).
# Pay months: Feb = 1 – 28 Feb, Mar = 1 – 28 Mar, Apr = 29 Mar – 2 May (5 weeks, the quarter's end).
RETAIL = {
    "grain": "4-4-5",
    "start": 2,
    "ageing": 55,
    "sales": [
        ("2026-02-27", 3_000, "Li", "L1", "I-2", "D-2"),  # Fri: Feb
        ("2026-03-29", -1_000, "Li", "L1", "I-2", "D-2"),  # Sun: 30 days, inside; calendar March, pay April
        ("2026-03-02", 2_000, "Li", "L1", "I-3", "D-3"),  # Mar
        ("2026-04-02", -2_000, "Li", "L1", "I-3", "D-3"),  # 31 days: outside
        ("2026-03-30", 4_000, "Li", "L1", "I-4", "D-4"),  # Mon: calendar March, pay month April
        ("2026-04-03", -1_000, "Li", "L1", "I-4", "D-4"),  # the same retail week: nets in April
        ("2026-02-01", 2_000, "Wang", "W1", "I-5", "W-1"),  # Sun, the fiscal year's first day: Feb
        ("2026-03-28", 4_000, "Wang", "W1", "I-6", "W-2"),  # Sat, the last day of the March period
        ("2026-02-01", 8_000, "Chen", "B1", "I-9", "C-1"),  # a new account
        ("2026-03-10", 1_000, "Chen", "B1", "I-10", "C-2"),  # Mar
    ],
    "receipts": [  # I-9 invoiced 1 Feb 2026
        ("2026-03-28", 4_000, "I-9"),  # 55 days: full rate; Saturday, the last day of March
        ("2026-03-29", 4_000, "I-9"),  # 56 days: half rate; Sunday, April
    ],
    "months": ["2026-02", "2026-03", "2026-04"],
    "expected": {
        "2026-02": [
            line("Li", "payment", 300_00, "2026-02", "band"),  # D-2: 3,000 × 10%
            line("Li", "holdback", -60_00, "2026-02"),
            line("Wang", "payment", 200_00, "2026-02", "band"),  # 160 paid so far
            line("Wang", "holdback", -40_00, "2026-02"),
            line("Wang", "draw", 340_00, "2026-02"),  # topped up to 500 (balance 340)
            line("Chen", "payment", 800_00, "2026-02", "band"),
            line("Chen", "payment", 80_00, "2026-02", "deal_kicker"),
            line("Chen", "payment", 100_00, "2026-02", "new_logo"),
            line("Chen", "holdback", -196_00, "2026-02"),
        ],
        "2026-03": [
            line("Li", "payment", 200_00, "2026-03", "band"),  # D-3: 2,000 × 10%
            line("Li", "holdback", -40_00, "2026-03"),
            line("Wang", "payment", 400_00, "2026-03", "band"),  # 4,000 × 10%, 80 held: 320 so far
            line("Wang", "holdback", -80_00, "2026-03"),
            line("Wang", "draw_recovery", -300_00, "2026-03"),  # cap 300 (balance 40)
            line("Chen", "payment", 100_00, "2026-03", "band"),
            line("Chen", "payment", 80_00, "2026-03", "collections"),  # 4,000 on day 55 × 2%
            line("Chen", "holdback", -36_00, "2026-03"),
        ],
        "2026-04": [  # the fiscal quarter ends: nothing held, everything held released
            # D-4 sold and 1,000 of it returned in the same retail week: it nets in April
            line("Li", "payment", 300_00, "2026-04", "band"),
            # 1,000 of D-2 came back on 29 March, 30 days after the sale, in April's first week: at
            # February's 10%, 100 clawed back in April; D-3's return (31 days) recovers nothing
            line("Li", "clawback", -100_00, "2026-02", deal="D-2"),
            line("Li", "holdback_release", 100_00, "2026-04"),  # 60 + 40
            line("Wang", "holdback_release", 120_00, "2026-04"),  # 40 + 80
            line("Wang", "draw_recovery", -40_00, "2026-04"),
            line("Chen", "payment", 40_00, "2026-04", "collections"),  # 4,000 on day 56 × 1%
            line("Chen", "holdback_release", 232_00, "2026-04"),
        ],
    },
}


def write_workbook(folder: Path, case: dict) -> Path:
    (folder / "data").mkdir(parents=True)
    columns = ["date", "amount", "rep", "account", "invoice", "deal"]
    pd.DataFrame([*HISTORY, *case["sales"]], columns=columns).to_csv(
        folder / "data" / "sales.csv", index=False
    )
    pd.DataFrame(case["receipts"], columns=["received", "paid", "invoice"]).to_csv(
        folder / "data" / "receipts.csv", index=False
    )
    plan = PLAN.format(name=f"{case['grain']} pay", grain=case["grain"], start=case["start"],
                       first=case["months"][0], ageing=case["ageing"])  # fmt: skip
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    calendar = FiscalCalendar(case["grain"], case["start"])
    weeks = calendar.range("2025-06-01", "2026-12-31")
    targets = pd.DataFrame([(w, rep, 1_000.0) for w in weeks for rep in ("Li", "Wang", "Chen")],
                           columns=["period", "rep", "target"])  # fmt: skip
    open_workbook(folder).write_table("targets", targets)
    return folder


@pytest.mark.parametrize("case", [WEEKLY, RETAIL], ids=["iso-weeks", "4-4-5"])
def test_draws_holdbacks_clawbacks_cash_and_per_deal_rules_pay_by_the_calendars_months(tmp_path, case):
    folder = write_workbook(tmp_path / "wb", case)
    for month in case["months"]:
        for step in ([], ["--approve"], ["--close"]):
            assert main(["payouts", str(folder), "--period", month, *step]) == 0
        lines = read_ledger(open_workbook(folder)).lines
        paid = lines[lines["period"] == pd.Period(month, "M")]
        assert Counter(
            (r.rep, r.kind, r.component, str(r.for_period), r.deal, int(r.amount_minor))
            for r in paid.itertuples()
        ) == Counter(case["expected"][month]), month


@pytest.mark.parametrize(
    ("grain", "start", "year", "weeks", "last"),
    [
        # ISO 2026 has 53 weeks: December holds five (28 Dec 2026 – 3 Jan 2027 by its Thursday)
        ("week", 1, 2026, [5, 4, 4, 5, 4, 4, 5, 4, 4, 5, 4, 5], "2026-12"),
        # NRF 4-4-5 FY2027: 1 February 2026 – 30 January 2027, January its last five-week period
        ("4-4-5", 2, 2027, [4, 4, 5] * 4, "2027-01"),
    ],
    ids=["iso-weeks", "4-4-5"],
)
def test_a_yearly_holdback_is_released_whole_in_the_fiscal_years_last_month(grain, start, year, weeks, last):
    from salesplan_widgets.model.ledger import open_period_payments
    from salesplan_widgets.schema.incentives import IncentivesSection

    calendar = FiscalCalendar(grain, start)
    periods = calendar.year_periods(year)
    cube = pd.DataFrame({"period": periods, "rep": "Li", "team": "East", "territory": "all", "segment": "all",
                         "channel": "all", "actual": 100.0})  # fmt: skip
    quotas = pd.DataFrame({"period": periods, "rep": "Li", "team": "East", "target": 100.0})
    section = IncentivesSection.model_validate(
        {"commission": {"base_rate": 0.1}, "holdback": {"share": 0.5, "release": "year"}}
    )
    months = pd.period_range(end=last, periods=12, freq="M")
    ledger = pd.DataFrame()
    for month, n in zip(months, weeks, strict=True):
        payments, _ = open_period_payments(section, cube, quotas, ledger, month, "v", "CNY", calendar)
        paid = payments.lines.groupby("kind")["amount_minor"].sum().to_dict()
        # 100 a week at 10%: 10 a week earned; half held each month, all of it released in the last
        held_before = 5_00 * (sum(weeks) - n) if month == months[-1] else None
        expected = {"payment": n * 10_00, **({"holdback_release": held_before} if held_before else
                                             {"holdback": -n * 5_00})}  # fmt: skip
        assert paid == expected, month
        ledger = pd.concat([ledger, payments.lines], ignore_index=True) if ledger.size else payments.lines
    assert ledger["amount_minor"].sum() == sum(weeks) * 10_00  # the year's commission, paid in full

"""A deal whose first line is a return dated before its first sale: its kicker is paid for the month of that
first line (`workbook/deals.py`), and a later return inside the window takes the kicker back from that month,
not from the month of the first sale, which paid no kicker for it, while the commission comes back from the
month of the first sale, which paid it (`workbook/returns.py` finds the first line's day, `model/clawbacks.py`
dates each part).

A real workbook (CSV sales growing month by month, a targets table, plan.yaml) closed through the CLI as
finance would; every figure is computed by hand in the comments.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from test_clawback_credit import close

from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.deals import deal_facts
from salesplan_widgets.workbook.ledger import read_ledger
from salesplan_widgets.workbook.returns import deal_returns

PLAN = """\
name: Kicker before the first sale
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, team: team, deal: order_no}
incentives:
  measurement: monthly
  negative: clawback
  commission: {base_rate: 0.05}
  deal_kicker: {at_least: 10000, rate: 0.02}
  clawback: {window_days: 60}
"""
# D-1's first line is a credit of 1,000 on 25 January; its sale of 21,000 follows on 5 February, and the
# whole 21,000 comes back on 10 March (33 days after the sale, 44 after the first line: inside 60).
SALES = [
    ("2026-01-10", 9_000, "Li", "East", "D-0a"),
    ("2026-01-12", 9_000, "Li", "East", "D-0b"),
    ("2026-01-14", 9_000, "Li", "East", "D-0c"),
    ("2026-01-25", -1_000, "Li", "East", "D-1"),
    ("2026-02-05", 21_000, "Li", "East", "D-1"),
    ("2026-03-10", -21_000, "Li", "East", "D-1"),
]
COLUMNS = ["date", "amount", "rep", "team", "order_no"]


def workbook(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    months = pd.period_range("2026-01", "2026-12", freq="M")
    targets = pd.DataFrame({"period": months, "rep": "Li", "team": "East", "target": 50_000.0})
    open_workbook(folder).write_table("targets", targets)
    return folder


def sales_until(folder: Path, month: str) -> None:
    """The sales file as it stood at the close of `month`."""
    known = [row for row in SALES if row[0][:7] <= month]
    pd.DataFrame(known, columns=COLUMNS).to_csv(folder / "data" / "sales.csv", index=False)


def test_the_kicker_of_a_deal_first_booked_as_a_return_is_paid_for_that_month_and_clawed_back_from_it(
    tmp_path,
):
    folder = workbook(tmp_path / "wb")
    sales_until(folder, "2026-01")
    # January: 27,000 − the 1,000 credit = 26,000 × 5% = 1,300; D-1 is no large deal yet.
    assert close(folder, "2026-01") == {("Li", "payment", "band", "2026-01", "", 1_300_00)}

    sales_until(folder, "2026-02")
    # February: the sale makes D-1 a deal of 20,000 whose first line is January's credit, so its kicker
    # (2% × 20,000 = 400) is owed for January, paid now as January's adjustment; February earns 21,000 × 5%.
    book = open_workbook(folder)
    facts = deal_facts(book.source("sales"), folder, book.plan.calendar, [10_000.0], clawed=True)
    large = facts[facts["deals"] > 0]
    assert large[["period", "rep", "deal_sales"]].astype(str).values.tolist() == [
        ["2026-01", "Li", "20000.0"]
    ]
    february = close(folder, "2026-02")
    assert ("Li", "payment", "band", "2026-02", "", 1_050_00) in february
    kicker = {line for line in february if line[1] == "adjustment"}
    assert {(line[3], line[5]) for line in kicker} == {("2026-01", 400_00)}

    sales_until(folder, "2026-03")
    book = open_workbook(folder)
    back = deal_returns(book, book.plan.incentives)
    # both of D-1's negative lines, each with the deal's first sale, its size and its first line (rep and
    # day) as its kicker saw them: the first line is the January credit, before the first sale
    days = ("sold_on", "returned_on", "first_line_on")
    shown = back.assign(**{c: back[c].dt.strftime("%Y-%m-%d") for c in days})
    assert shown[["deal", *days, "sold_rep", "sold_size", "amount"]].values.tolist() == [
        ["D-1", "2026-02-05", "2026-01-25", "2026-01-25", "Li", 20_000.0, -1_000.0],
        ["D-1", "2026-02-05", "2026-03-10", "2026-01-25", "Li", 20_000.0, -21_000.0],
    ]
    # The March return (33 days after the sale, inside 60) takes back the commission for February, the month
    # that paid it (21,000 × 5% = 1,050), and the kicker for January, the month D-1's kicker was paid for:
    # 2% × 21,000 = 420, but never more than the 400 paid. Traced to February only, as on the code before,
    # the kicker was never taken back (February paid none).
    assert close(folder, "2026-03") == {
        ("Li", "clawback", "clawback", "2026-02", "D-1", -1_050_00),
        ("Li", "clawback", "clawback", "2026-01", "D-1", -400_00),
    }
    ledger = read_ledger(open_workbook(folder)).lines
    # all D-1 paid (its kicker 400 and February's 1,050) has come back; the 26,000 of January stays paid
    assert ledger["amount_minor"].sum() == 1_300_00

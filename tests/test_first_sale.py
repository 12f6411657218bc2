"""An account is won by its first sale: the new-logo bonus and the account-winner rule both start from the
account's first line with an amount above 0, never from a return (a credit note) or a zero line; an account
with returns only is won by nobody. Real files in tmp_path: a small hand-made CSV checked by hand, and UCI's
Online Retail (tests/fixtures/online_retail), whose customer 12679 has one credit note (C569981, October
2011) and no sale.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.schema import Calendar, SalesSource
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.deals import deal_facts
from salesplan_widgets.workbook.payouts import pay_cube, period_statements
from salesplan_widgets.workbook.won_accounts import won_account_sales

# Tide: Li books a return on 10 January (a credit note for a sale made before the file began), Wang sells
# 1,000 on 3 February (and Li returns 100 of it the same day), Li sells 500 on 5 March.
# Gone: returns only (Li, 12 February). Zed: a zero line by Li on 5 January, Wang's sale on 20 January.
LINES = pd.DataFrame(
    {
        "date": ["2026-01-10", "2026-02-03", "2026-02-03", "2026-03-05", "2026-02-12", "2026-01-05", "2026-01-20"],
        "amount": [-200.0, 1_000.0, -100.0, 500.0, -300.0, 0.0, 100.0],
        "rep": ["Li", "Wang", "Li", "Li", "Li", "Li", "Wang"],
        "team": ["East", "North", "East", "East", "East", "East", "North"],
        "account": ["Tide", "Tide", "Tide", "Tide", "Gone", "Zed", "Zed"],
    }
)  # fmt: skip

PLAN = """\
name: First sales
currency: USD
locale: en
sources:
  sales:
    path: sales.csv
    columns: {date: date, amount: amount, rep: rep, team: team, account: account}
incentives:
  commission: {base_rate: 0.10}
  new_logo: {bonus: 50}
  account_winner: {months: 6}
"""


def write_workbook(folder: Path) -> Path:
    folder.mkdir(parents=True)
    LINES.to_csv(folder / "sales.csv", index=False)
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame(
        [(m, r, t, 5_000.0) for m in months for r, t in (("Li", "East"), ("Wang", "North"))],
        columns=["period", "rep", "team", "target"],
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


def source() -> SalesSource:
    return SalesSource(path="sales.csv", columns={c: c for c in ("date", "amount", "rep", "team", "account")})


def test_a_return_before_the_first_sale_does_not_win_the_account(tmp_path):
    folder = write_workbook(tmp_path / "wb")
    logos = deal_facts(source(), folder, Calendar(), logo_edges=[0.0, 800.0, 950.0])
    won = logos[logos["new_logos"] > 0]
    # by hand: Zed is Wang's in January (his 100; Li's zero line wins nothing), Tide Wang's in February,
    # its first order the day's lines net, 1,000 − 100 = 900 (band 800, not 950); Gone nobody's
    got = won[["period", "rep", "team", "logo_from", "new_logos"]].astype({"period": str}).values.tolist()
    assert got == [["2026-01", "Wang", "North", 0.0, 1.0], ["2026-02", "Wang", "North", 800.0, 1.0]]


def test_the_first_sales_rep_is_credited_with_later_sales_not_with_earlier_returns(tmp_path):
    folder = write_workbook(tmp_path / "wb")
    won = won_account_sales(source(), folder, Calendar(), 6)
    # by hand: Wang won Tide on 3 February; Li's same-day return (−100) and 5 March sale (500) are his
    # credit; Li's return of 10 January predates the win and stays Li's; Gone has no winner
    got = won[["period", "rep", "won_by", "actual"]].astype({"period": str}).values.tolist()
    assert got == [["2026-02", "Li", "Wang", -100.0], ["2026-03", "Li", "Wang", 500.0]]


def test_statements_pay_the_new_logo_on_the_first_sale_and_credit_from_it(tmp_path):
    wb = open_workbook(write_workbook(tmp_path / "wb"))
    cube = pay_cube(wb, wb.plan.incentives)
    assert cube["actual"].sum() == pytest.approx(LINES["amount"].sum())  # moved, never lost
    pay = {}
    for month in ("2026-01", "2026-02", "2026-03"):
        lines = period_statements(wb, month).lines
        logos = lines[lines["component"] == "new_logo"]
        pay[month] = logos.groupby(logos["rep"].astype(str))["amount"].sum().to_dict()
        reps = period_statements(wb, month).reps
        credited = reps.set_index(reps["rep"].astype(str))["period_sales"].to_dict()
        if month == "2026-01":  # Li's return of Tide and zero line of Zed are Li's own
            assert credited["Li"] == pytest.approx(-200.0) and credited["Wang"] == pytest.approx(100.0)
        if month == "2026-03":  # Li's 500 on Tide is Wang's credit
            assert credited["Wang"] == pytest.approx(500.0) and credited.get("Li", 0.0) == pytest.approx(0)
    assert pay == {"2026-01": {"Wang": 50.0}, "2026-02": {"Wang": 50.0}, "2026-03": {}}


RETAIL = Path(__file__).parent / "fixtures" / "online_retail" / "online_retail.csv"
RETAIL_PLAN = """\
name: Online Retail
currency: GBP
locale: en
sources:
  sales:
    path: data/retail.csv
    date_order: MDY
    columns: {date: InvoiceDate, quantity: Quantity, unit_price: UnitPrice, rep: Country,
              account: CustomerID, deal: InvoiceNo}
incentives:
  commission: {base_rate: 0.05}
  new_logo: {bonus: 20}
"""


def hand_first_sales() -> pd.DataFrame:
    """Each customer's first sale read by hand: the earliest line with price × quantity above 0."""
    lines = pd.read_csv(RETAIL, dtype={"CustomerID": str, "InvoiceNo": str})
    lines["date"] = pd.to_datetime(lines["InvoiceDate"], format="%m/%d/%Y %H:%M")
    lines["amount"] = lines["Quantity"] * lines["UnitPrice"]
    sales = lines.dropna(subset=["CustomerID"])
    sales = sales[sales["amount"] > 0].sort_values(["date", "Country"], kind="stable")
    return sales.drop_duplicates("CustomerID").assign(month=lambda f: f["date"].dt.to_period("M"))


@pytest.fixture(scope="module")
def retail(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("retail") / "wb"
    (folder / "data").mkdir(parents=True)
    shutil.copy(RETAIL, folder / "data" / "retail.csv")
    (folder / "plan.yaml").write_text(RETAIL_PLAN, encoding="utf-8")
    return folder


def test_online_retail_new_customers_are_counted_on_their_first_sale(retail):
    wb = open_workbook(retail)
    facts = deal_facts(wb.source("sales"), retail, wb.plan.calendar, logo_edges=[0.0])
    got = facts[facts["new_logos"] > 0].groupby(["period", "rep"])["new_logos"].sum()
    firsts = hand_first_sales()
    expected = firsts.groupby(["month", "Country"]).size().astype(float)
    assert got.to_dict() == expected.to_dict()
    lines = pd.read_csv(RETAIL, dtype={"CustomerID": str})
    customers = lines["CustomerID"].dropna().nunique()
    assert got.sum() == len(firsts) == customers - 25  # 25 customers here have returns only


def test_online_retail_pays_no_new_customer_bonus_on_a_credit_note(retail):
    """Customer 12679's only lines are C569981 (France, 6 October 2011, two lines of −5.90): no bonus."""
    assert main(["payouts", str(retail), "--period", "2011-10"]) == 0
    table = pd.read_csv(retail / "reports" / "2011-10" / "payouts" / "payouts-2011-10.csv")
    logos = table[table["component"] == "new_logo"]
    paid = logos.groupby("rep")["amount"].sum().to_dict()
    firsts = hand_first_sales()
    october = firsts[firsts["month"] == pd.Period("2011-10", "M")]
    assert paid == pytest.approx((october.groupby("Country").size() * 20.0).to_dict())
    assert "France" not in paid  # October's only new French customer line was 12679's credit note
    assert "12679" not in set(firsts["CustomerID"])

"""A second real public sales dataset, of another shape, run through a year as an analyst would: UCI's
Online Retail (tests/fixtures/online_retail, CC BY 4.0; a UK gift wholesaler's invoice lines, December
2010 to December 2011).

Its shape is not Northwind's: one CSV of invoice lines with a unit price and a quantity but no amount;
returns are lines with a negative quantity on invoices numbered "C…"; about a quarter of the lines have no
customer; dates are written month first with the year last ("12/1/2010 8:26"); there is no rep and no team.
The analyst reads the file as published (`date_order: MDY`), then maps countries to the two desks that sell
to them in a DuckDB view (the data lack a rep), checks it with `salesplan validate`, writes the period
report with papermill, sets a goal from the history and splits it by country and month, and pays and
closes two months through the command line: 5% commission on sales net of returns, a bonus on invoices of
500 or more, a bonus on each new customer and the export manager's 1% override on her desk. Every figure
is checked against the same rules computed by hand in pandas from the CSV file.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.i18n import fmt_money
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

DATA = Path(__file__).parent / "fixtures" / "online_retail" / "online_retail.csv"
PUBLISHED = "Online Retail.csv"  # the name the source publishes its export under
MONTHS = ["2011-10", "2011-11"]
RATE, BIG_INVOICE, INVOICE_BONUS, NEW_CUSTOMER_BONUS, OVERRIDE = 0.05, 500, 25, 20, 0.01
HOME, EXPORT, MANAGER = "Harriet Shaw", "Lukas Weber", "Grace Lin"
HOME_COUNTRIES = ("United Kingdom", "EIRE")

CSV_PLAN = f"""\
name: Online Retail
currency: GBP
sources:
  sales:
    path: data/{PUBLISHED}
    {{date_order}}
    columns: {{{{date: InvoiceDate, quantity: Quantity, unit_price: UnitPrice, rep: Country,
               account: CustomerID, deal: InvoiceNo}}}}
"""
VIEW = f"""
CREATE VIEW sales AS
SELECT *, CASE WHEN Country IN {HOME_COUNTRIES} THEN '{HOME}' ELSE '{EXPORT}' END AS rep,
       CASE WHEN Country IN {HOME_COUNTRIES} THEN 'Home' ELSE 'Export' END AS team
FROM lines
"""
PLAN = f"""\
name: Online Retail
currency: GBP
sources:
  sales:
    path: data/retail.duckdb
    table: sales
    date_order: MDY
    columns: {{date: InvoiceDate, quantity: Quantity, unit_price: UnitPrice, rep: rep, team: team,
               territory: Country, account: CustomerID, deal: InvoiceNo}}
incentives:
  commission: {{base_rate: {RATE}}}
  deal_kicker: {{at_least: {BIG_INVOICE}, bonus: {INVOICE_BONUS}}}
  new_logo: {{bonus: {NEW_CUSTOMER_BONUS}}}
  hierarchy:
    - {{manager: {MANAGER}, team: Export, override_rate: {OVERRIDE}}}
"""


def hand_lines() -> pd.DataFrame:
    """The invoice lines read by hand in pandas: price × quantity, month first, the desks as the view maps."""
    lines = pd.read_csv(DATA, dtype={"CustomerID": str, "InvoiceNo": str, "StockCode": str})
    lines["date"] = pd.to_datetime(lines["InvoiceDate"], format="%m/%d/%Y %H:%M")
    lines["month"] = lines["date"].dt.to_period("M")
    lines["amount"] = lines["Quantity"] * lines["UnitPrice"]
    home = lines["Country"].isin(HOME_COUNTRIES)
    lines["rep"] = home.map({True: HOME, False: EXPORT})
    lines["team"] = home.map({True: "Home", False: "Export"})
    return lines


def hand_pay(lines: pd.DataFrame, month: str) -> dict[str, float]:
    """Each person's pay for `month` under the plan's four rules, computed directly."""
    period = pd.Period(month, "M")
    own = lines[lines["month"] == period]
    pay = (own.groupby("rep")["amount"].sum() * RATE).round(2)
    invoices = (
        lines.sort_values(["date", "rep"])
        .groupby("InvoiceNo")
        .agg(size=("amount", "sum"), month=("month", "first"), rep=("rep", "first"))
    )
    big = invoices[(invoices["size"] >= BIG_INVOICE) & (invoices["month"] == period)]
    pay = pay.add(big.groupby("rep").size() * INVOICE_BONUS, fill_value=0)
    sales = lines[lines["amount"] > 0].dropna(subset=["CustomerID"])  # a customer is won by its first sale
    firsts = sales.sort_values(["date", "rep"]).groupby("CustomerID").first()
    new = firsts[firsts["month"] == period]
    pay = pay.add(new.groupby("rep").size() * NEW_CUSTOMER_BONUS, fill_value=0)
    pay.loc[MANAGER] = round(own.loc[own["team"] == "Export", "amount"].sum() * OVERRIDE, 2)
    return pay.to_dict()


@pytest.fixture(scope="module")
def retail(tmp_path_factory) -> Path:
    """The analyst's workbook: the published CSV in a DuckDB database, with a view naming each country's desk."""
    folder = tmp_path_factory.mktemp("retail") / "wb"
    (folder / "data").mkdir(parents=True)
    shutil.copy(DATA, folder / "data" / PUBLISHED)
    with duckdb.connect(str(folder / "data" / "retail.duckdb")) as con:
        con.execute(f"CREATE TABLE lines AS SELECT * FROM read_csv('{folder / 'data' / PUBLISHED}')")
        con.execute(VIEW)
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    return folder


def test_the_published_csv_is_read_month_first_once_the_plan_says_so(tmp_path, capsys):
    """The file as published, each country as a rep: its "12/1/2010 8:26" dates are refused as ambiguous
    with the option that reads them named in the fix, and read as 1 December with `date_order: MDY`."""
    folder = tmp_path / "wb"
    (folder / "data").mkdir(parents=True)
    shutil.copy(DATA, folder / "data" / PUBLISHED)
    (folder / "plan.yaml").write_text(CSV_PLAN.format(date_order=""), encoding="utf-8")
    assert main(["validate", str(folder)]) == 1
    said = capsys.readouterr().err
    assert "column 'InvoiceDate'" in said and "found '12/1/2010 16:11'" in said
    assert "date_order: MDY (month first) or DMY (day first)" in said

    (folder / "plan.yaml").write_text(CSV_PLAN.format(date_order="date_order: MDY"), encoding="utf-8")
    assert main(["validate", str(folder)]) == 0
    cube = open_workbook(folder).cube()
    lines = hand_lines()
    by_month = cube.groupby("period")["actual"].sum()
    expected = lines.groupby("month")["amount"].sum()
    assert by_month.index.tolist() == pd.period_range("2010-12", "2011-12", freq="M").tolist()
    assert by_month.to_numpy() == pytest.approx(expected.to_numpy(), abs=0.005)
    by_country = cube.groupby("rep")["actual"].sum()
    assert by_country.to_dict() == pytest.approx(
        lines.groupby("Country")["amount"].sum().to_dict(), abs=0.005
    )
    returns = lines[lines["InvoiceNo"].str.startswith("C")]
    assert len(returns) == 59 and (returns["Quantity"] < 0).all()  # netted in the months they are dated
    assert cube["lines"].sum() == len(lines) == 4349


def test_the_view_gives_each_country_its_desk(retail, capsys):
    assert main(["validate", str(retail)]) == 0
    said = capsys.readouterr().err  # the export manager sells nothing: warned about, not refused
    assert said.count("warning:") == 1 and f"{MANAGER} sells nothing and has no target" in said
    cube = open_workbook(retail).cube()
    lines = hand_lines()
    for ours, theirs in (("rep", "rep"), ("team", "team"), ("territory", "Country")):
        got = cube.groupby(ours)["actual"].sum().to_dict()
        assert got == pytest.approx(lines.groupby(theirs)["amount"].sum().to_dict(), abs=0.005), ours


def test_the_period_report_names_the_top_customers_not_the_lines_without_one(retail):
    assert main(["run", str(retail), "--period", "2011-11"]) == 0
    report = retail / "reports" / "2011-11"
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))["sales_overview"]
    lines = hand_lines()
    month = lines[lines["month"] == pd.Period("2011-11", "M")]
    assert metrics["actual"] == pytest.approx(month["amount"].sum(), abs=0.005)
    assert metrics["active_reps"] == month["rep"].nunique() == 2
    ytd = lines[lines["date"].between("2011-01-01", "2011-11-30 23:59")]
    assert metrics["ytd"] == pytest.approx(ytd["amount"].sum(), abs=0.005)
    page = (report / "sales_overview.html").read_text(encoding="utf-8")
    table = page[page.index("Top accounts") :]
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td><td class="num">([^<]+)</td>', table)
    top = ytd.dropna(subset=["CustomerID"]).groupby("CustomerID")["amount"].agg(["sum", "size"])
    top = top.sort_values("sum", ascending=False).head(10)
    assert [(name, money) for _, name, money in rows] == [
        (customer, fmt_money(total, "GBP", digits=False)) for customer, total in top["sum"].items()
    ]
    assert (
        ytd["CustomerID"].isna().sum() > 0
    )  # a quarter of the lines name no customer: never a "top account"


def test_two_months_are_paid_and_closed_as_computed_by_hand(retail):
    lines = hand_lines()
    for month in MONTHS:
        assert main(["payouts", str(retail), "--period", month]) == 0
        assert main(["payouts", str(retail), "--period", month, "--approve"]) == 0
        assert main(["close", str(retail), "--period", month]) == 0
    paid = read_ledger(open_workbook(retail)).lines
    for month in MONTHS:
        expected = hand_pay(lines, month)
        got = paid[paid["period"] == pd.Period(month, "M")].groupby("rep")["amount_minor"].sum() / 100
        assert got.to_dict() == pytest.approx(expected, abs=0.011), month
        statements = retail / "reports" / month / "statements"
        assert sorted(p.name for p in statements.iterdir()) == sorted(expected)
    # the two months exercise every rule: a return netted, invoices of 500 or more, new customers, override
    months = lines[lines["month"].isin([pd.Period(m, "M") for m in MONTHS])]
    bonuses = paid.groupby("component")["amount_minor"].sum() / 100
    invoices = months.groupby("InvoiceNo")["amount"].sum()
    assert bonuses["deal_kicker"] == INVOICE_BONUS * int((invoices >= BIG_INVOICE).sum()) > 0
    assert bonuses["new_logo"] > 0 and (paid["component"] == "team_override").sum() == 2
    # the manager, who sells nothing, is counted in the team she manages, not in a team called "all"
    assert set(paid.loc[paid["rep"] == MANAGER, "team"]) == {"Export"}
    assert (months["Quantity"] < 0).any()


def test_a_clawback_on_returns_numbered_on_their_own_is_warned_about_and_returns_net(
    retail, tmp_path, capsys
):
    """A return here is a credit note with its own number (C569981), never its sale's: a clawback rule can
    trace none of them. Validate says so; the returns reduce the month they are dated in."""
    folder = tmp_path / "wb"
    shutil.copytree(retail, folder, ignore=shutil.ignore_patterns("reports", "ledger", ".cache"))
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    (folder / "plan.yaml").write_text(plan + "  clawback: {window_days: 90}\n", encoding="utf-8")
    assert main(["validate", str(folder)]) == 0
    said = capsys.readouterr().err
    assert "column 'incentives.clawback'" in said and "none of the 59 return lines does" in said
    assert main(["payouts", str(folder), "--period", "2011-10"]) == 0
    statement = pd.read_csv(folder / "reports" / "2011-10" / "payouts" / "payouts-2011-10.csv")
    lines = hand_lines()
    october = lines[lines["month"] == pd.Period("2011-10", "M")]
    home = october[october["rep"] == HOME]
    assert (home["amount"] < 0).any()  # October has returns on the home desk
    base = statement.loc[(statement["rep"] == HOME) & (statement["component"] == "band"), "base"]
    assert base.tolist() == [pytest.approx(home["amount"].sum(), abs=0.005)]
    assert "clawback" not in set(statement["component"])


def test_a_goal_from_the_history_is_split_over_countries_and_months(retail, tmp_path):
    """The goal wizard forecasts 2012 from the thirteen months; a 5% stretch is saved and the task splitter
    shares it over the countries by their sales in the last twelve whole months, and over the months."""
    from salesplan_widgets.widgets.goal_wizard import GoalWizard
    from salesplan_widgets.widgets.task_splitter import TaskSplitter

    folder = tmp_path / "wb"
    shutil.copytree(retail, folder, ignore=shutil.ignore_patterns("reports", "ledger", ".cache"))
    wizard = GoalWizard(open_workbook(folder))
    wizard.method, wizard.stretch = "stretch", 0.05
    wizard.name = "Grow the wholesale gift business by 5% over the trend"
    wizard.rationale = "The autumn catalogue sells; the export desk opens two new countries"
    wizard.business_objective = "Keep our wholesale customers ordering all year"
    wizard.override_reason = (
        "Thirteen months of history: the forecast's range is wide, the stretch is deliberate"
    )
    baseline = wizard.result["baseline"]
    assert wizard.save(), wizard.status
    goal = open_workbook(folder).plan.goal
    assert goal.target == pytest.approx(baseline * 1.05, abs=0.01)

    splitter = TaskSplitter(open_workbook(folder))
    splitter.set_levels(
        [{"dimension": "territory", "method": "historical"}, {"dimension": "period", "method": "seasonality"}]
    )
    assert splitter.save(), splitter.status
    targets = pd.read_csv(folder / "tables" / "targets.csv")
    assert targets["target"].sum() == pytest.approx(goal.target, abs=0.01)
    lines = hand_lines()
    # the last twelve whole months: 8 December 2011 leaves December in progress (tests/test_split_in_progress.py)
    recent = lines[
        (lines["month"] >= pd.Period("2010-12", "M")) & (lines["month"] <= pd.Period("2011-11", "M"))
    ]
    share = targets.groupby("territory")["target"].sum() / targets["target"].sum()
    expected = recent.groupby("Country")["amount"].sum() / recent["amount"].sum()
    assert share.to_dict() == pytest.approx(expected.to_dict(), abs=0.001)
    assert (targets.groupby("territory")["period"].nunique() == 12).all()

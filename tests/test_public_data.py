"""A real public dataset run through the year as an analyst would: Northwind Traders (tests/fixtures/northwind).

Its export has no amount column and no team: the analyst loads the CSV files into a DuckDB database and
defines a `sales` view (amount = unit price × quantity × (1 − discount); the team is the sales manager's
or the vice president's; the product is the category). salesplan reads the view as its sales source,
checks it, writes the period report with papermill, and pays January to April 1998 through the command
line: a 3% commission, a bonus on orders of 10,000 or more, a new-customer bonus and the sales manager's
1% override on his team. Every figure is checked against the same rules computed by hand in pandas from
the CSV files.
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
from salesplan_widgets.i18n import fmt_percent
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

DATA = Path(__file__).parent / "fixtures" / "northwind"
MONTHS = ["1998-01", "1998-02", "1998-03", "1998-04"]
RATE, BIG_ORDER, ORDER_BONUS, LOGO_BONUS, OVERRIDE = 0.03, 10_000, 200, 300, 0.01

VIEW = """
CREATE VIEW sales AS
SELECT CAST(o.orderDate AS DATE) AS order_date,
       d.unitPrice * d.quantity * (1 - d.discount) AS amount,
       e.firstName || ' ' || e.lastName AS employee,
       CASE WHEN e.employeeID = 5 OR e.reportsTo = '5' THEN 'Buchanan' ELSE 'Fuller' END AS sales_team,
       o.shipCountry AS country, c.categoryName AS category, o.customerID AS customer,
       CAST(o.orderID AS VARCHAR) AS order_id, d.quantity AS units
FROM order_details AS d JOIN orders AS o USING (orderID) JOIN employees AS e USING (employeeID)
JOIN products AS p USING (productID) JOIN categories AS c USING (categoryID)
"""
PLAN = f"""\
name: Northwind Traders
currency: USD
sources:
  sales:
    path: data/northwind.duckdb
    table: sales
    columns: {{date: order_date, amount: amount, rep: employee, team: sales_team, territory: country,
               product: category, account: customer, deal: order_id, quantity: units}}
incentives:
  commission: {{base_rate: {RATE}}}
  deal_kicker: {{at_least: {BIG_ORDER}, bonus: {ORDER_BONUS}}}
  new_logo: {{bonus: {LOGO_BONUS}}}
  hierarchy:
    - {{manager: Steven Buchanan, team: Buchanan, override_rate: {OVERRIDE}}}
"""


def hand_lines() -> pd.DataFrame:
    """The order lines joined by hand in pandas, as the view defines them."""
    orders = pd.read_csv(DATA / "orders.csv")
    employees = pd.read_csv(DATA / "employees.csv", dtype={"reportsTo": str})
    products = pd.read_csv(DATA / "products.csv").merge(pd.read_csv(DATA / "categories.csv"), on="categoryID")
    lines = pd.read_csv(DATA / "order-details.csv").merge(orders, on="orderID")
    lines = lines.merge(employees, on="employeeID").merge(products, on="productID")
    lines["date"] = pd.to_datetime(lines["orderDate"]).dt.normalize()
    lines["month"] = lines["date"].dt.to_period("M")
    lines["amount"] = lines["unitPrice"] * lines["quantity"] * (1 - lines["discount"])
    lines["rep"] = lines["firstName"] + " " + lines["lastName"]
    buchanan = (lines["employeeID"] == 5) | (lines["reportsTo"] == "5")
    lines["team"] = buchanan.map({True: "Buchanan", False: "Fuller"})
    return lines


def hand_pay(lines: pd.DataFrame, month: str) -> dict[str, float]:
    """Each rep's pay for `month` under the plan's four rules, computed directly."""
    period = pd.Period(month, "M")
    pay: dict[str, float] = {}

    def add(rep: str, amount: float) -> None:
        pay[rep] = pay.get(rep, 0.0) + amount

    own = lines[lines["month"] == period]
    for rep, sales in own.groupby("rep")["amount"].sum().items():
        add(rep, round(sales * RATE, 2))
    orders = (
        lines.sort_values(["date", "rep"])
        .groupby("orderID")
        .agg(size=("amount", "sum"), month=("month", "first"), rep=("rep", "first"))
    )
    for order in orders[(orders["size"] >= BIG_ORDER) & (orders["month"] == period)].itertuples():
        add(order.rep, ORDER_BONUS)
    firsts = lines.sort_values(["date", "rep"]).groupby("customerID").first()
    for rep in firsts.loc[firsts["month"] == period, "rep"]:
        add(rep, LOGO_BONUS)
    team = own[(own["team"] == "Buchanan") & (own["rep"] != "Steven Buchanan")]["amount"].sum()
    add("Steven Buchanan", round(team * OVERRIDE, 2))
    return pay


@pytest.fixture(scope="module")
def northwind(tmp_path_factory) -> Path:
    """The analyst's workbook: the CSV files in a DuckDB database with its `sales` view, and the plan."""
    folder = tmp_path_factory.mktemp("northwind") / "wb"
    (folder / "data").mkdir(parents=True)
    with duckdb.connect(str(folder / "data" / "northwind.duckdb")) as con:
        for name in ("orders", "order-details", "employees", "products", "categories"):
            table = name.replace("-", "_")
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{DATA / name}.csv')")
        con.execute(VIEW)
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    return folder


def test_the_view_is_read_as_the_sales_source(northwind, capsys):
    assert main(["validate", str(northwind)]) == 0
    cube = open_workbook(northwind).cube()
    lines = hand_lines()
    by_month = cube.groupby("period")["actual"].sum()
    expected = lines.groupby("month")["amount"].sum()
    assert by_month.index.tolist() == expected.index.tolist()  # July 1996 to May 1998
    assert by_month.to_numpy() == pytest.approx(expected.to_numpy(), abs=0.01)
    by_rep = cube.groupby("rep")["actual"].sum()
    assert by_rep.to_dict() == pytest.approx(lines.groupby("rep")["amount"].sum().to_dict(), abs=0.01)
    assert set(open_workbook(northwind).cube(by_product=True)["product"]) == {"Beverages", "Condiments", "Confections", "Dairy Products",
                                    "Grains/Cereals", "Meat/Poultry", "Produce", "Seafood"}  # fmt: skip


def test_the_period_report_is_written_by_papermill_from_the_real_data(northwind):
    assert main(["run", str(northwind), "--period", "1998-04"]) == 0
    report = northwind / "reports" / "1998-04"
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))["sales_overview"]
    lines = hand_lines()
    month = lines[lines["month"] == pd.Period("1998-04", "M")]
    assert metrics["actual"] == pytest.approx(month["amount"].sum(), abs=0.01)
    assert metrics["active_reps"] == month["rep"].nunique() == 9
    # the mix by country (21: the seven largest and the others as one row) and by category (8, all shown)
    rows = re.findall(
        r'<tr><td>([^<]+)</td><td class="num">[^<]+</td><td class="num">([^<]+)</td></tr>',
        (report / "sales_overview.html").read_text(encoding="utf-8"),
    )
    ytd = lines[lines["date"].between("1998-01-01", "1998-04-30")]
    countries = ytd.groupby("shipCountry")["amount"].sum().sort_values(ascending=False) / ytd["amount"].sum()
    categories = (
        ytd.groupby("categoryName")["amount"].sum().sort_values(ascending=False) / ytd["amount"].sum()
    )
    expected = [
        *((c, s) for c, s in countries.iloc[:7].items()),
        (f"Others ({len(countries) - 7})", countries.iloc[7:].sum()),
        *categories.items(),
    ]
    assert rows == [(name, fmt_percent(share, decimals=1)) for name, share in expected]


@pytest.mark.browser
def test_the_report_tables_align_names_left_and_figures_right_in_a_browser(northwind, browser):
    """JupyterLab's own page style right-aligns every table cell; the report's names still read left."""
    page_file = northwind / "reports" / "1998-04" / "sales_overview.html"
    if not page_file.exists():
        assert main(["run", str(northwind), "--period", "1998-04"]) == 0
    page = browser.new_page()
    try:
        page.goto(page_file.as_uri())
        align = page.evaluate(
            """() => [...document.querySelectorAll('table.salesplan-table tr')].slice(1, 2).flatMap(
                 row => [...row.cells].map(cell => getComputedStyle(cell).textAlign))"""
        )
    finally:
        page.close()
    assert align == ["left", "right", "right"]  # country, year to date, share


def test_four_months_are_paid_and_closed_as_computed_by_hand(northwind):
    lines = hand_lines()
    for month in MONTHS:  # prepare, approve, close: no targets table, the plan pays on sales alone
        assert main(["payouts", str(northwind), "--period", month]) == 0
        assert main(["payouts", str(northwind), "--period", month, "--approve"]) == 0
        assert main(["close", str(northwind), "--period", month]) == 0
    paid = read_ledger(open_workbook(northwind)).lines
    for month in MONTHS:
        expected = hand_pay(lines, month)
        got = paid[paid["period"] == pd.Period(month, "M")].groupby("rep")["amount_minor"].sum() / 100
        assert got.to_dict() == pytest.approx(expected, abs=0.011), month
    # the four months exercise every rule: six orders of 10,000 or more, one new customer, the override
    months = [pd.Period(m, "M") for m in MONTHS]
    orders = lines.groupby("orderID").agg(size=("amount", "sum"), month=("month", "min"))
    large = int((orders["month"].isin(months) & (orders["size"] >= BIG_ORDER)).sum())
    new = int(lines.groupby("customerID")["month"].min().isin(months).sum())
    counts = paid["component"].value_counts()
    assert (counts["deal_kicker"], counts["new_logo"], counts["team_override"]) == (large, new, 4)
    assert large == 6 and new == 1


def test_a_goal_set_on_the_real_history_is_split_into_every_active_reps_months(northwind, tmp_path):
    """The goal wizard forecasts the next year from 23 months of real history; a 5% stretch, named and
    reasoned, is saved and the task splitter shares it over reps and months."""
    from salesplan_widgets.widgets.goal_wizard import GoalWizard
    from salesplan_widgets.widgets.task_splitter import TaskSplitter

    folder = tmp_path / "wb"
    shutil.copytree(northwind, folder, ignore=shutil.ignore_patterns("reports", "ledger", ".cache"))
    wizard = GoalWizard(open_workbook(folder))
    wizard.method, wizard.stretch = "stretch", 0.05
    wizard.name = "Grow Northwind's revenue by 5% over the trend"
    wizard.rationale = "Two new reps ramp up; the large customers' orders keep growing"
    wizard.business_objective = "Keep our share of the European food import market"
    wizard.override_reason = "23 months of history: the forecast's range is wide, the stretch is deliberate"
    baseline = wizard.result["baseline"]
    assert wizard.save(), wizard.status
    goal = open_workbook(folder).plan.goal
    assert goal.target == pytest.approx(baseline * 1.05, abs=0.01)

    splitter = TaskSplitter(open_workbook(folder))
    splitter.set_levels(
        [{"dimension": "rep", "method": "historical"}, {"dimension": "period", "method": "seasonality"}]
    )
    assert splitter.save()
    targets = pd.read_csv(folder / "tables" / "targets.csv")
    assert targets["target"].sum() == pytest.approx(goal.target, abs=0.01)
    lines = hand_lines()
    recent = set(lines.loc[lines["date"] >= lines["date"].max() - pd.Timedelta(days=365), "rep"])
    months = targets.groupby("rep")["period"].nunique()
    assert set(months.index) == recent and (months == 12).all()
    assert (targets["target"] >= 0).all()

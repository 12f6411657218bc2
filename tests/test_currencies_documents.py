"""What the documents and extracts of a plan that converts currencies say about it.

Finance and reps read the Excel statement as much as the HTML page: it says, in its own language, that its
figures are in the plan's currency and at which rates, beside the currency code at the top of the sheet, and
the table below stays where pandas and openpyxl readers find it. A published extract of a plan converting
at a monthly rates file says the same as the whole workbook: its sales are copied converted, and the rates
go with them. Real CSV, Excel and DuckDB files in tmp_path, the real `salesplan payouts` and `publish`.
"""

from __future__ import annotations

import re
from html import unescape

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook
from test_currencies import (
    CSV_SOURCE,
    HKD,
    LINES,
    RATES_SOURCE,
    USD,
    write_deal_workbook,
    write_plan,
    write_sales_csv,
)
from test_currencies import RATES as MONTHLY
from test_publish import _two_rep_workbook

from salesplan_widgets.cli import main
from salesplan_widgets.i18n import fmt_money, fmt_number, set_locale
from salesplan_widgets.report.overview import OverviewReport
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.publish import publish

NOTES = {
    "en": "All figures are in CNY: sales in other currencies are converted into CNY at the plan's rates "
    "(HKD 0.91, USD 7.1).",
    "zh_CN": "所有金额均以 CNY 计：其他币种的销售按计划汇率（HKD 0.91, USD 7.1）折算为 CNY。",
}
HEAD = {"en": ["Period", "Rule", "Base", "Rate", "Amount"], "zh_CN": ["期间", "规则", "基数", "费率", "金额"]}


@pytest.fixture(scope="module")
def paid_january(tmp_path_factory):
    """Li's USD deal (15,000 dollars) earns the deal kicker in January's statements."""
    folder = write_deal_workbook(
        tmp_path_factory.mktemp("fx") / "wb", "incentives:\n  deal_kicker: {at_least: 100000, rate: 0.01}\n"
    )
    assert main(["payouts", str(folder), "--period", "2027-01"]) == 0
    return folder


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_excel_statement_says_its_figures_are_in_yuan_at_the_plans_rates(paid_january, locale):
    path = statement_path(open_workbook(paid_january), "2027-01", "Li", locale, ".xlsx")
    sheet = load_workbook(path).active
    heading = [cell.value for cell in sheet[1]]
    assert heading[3] == "CNY" and heading[4] == NOTES[locale]  # beside the currency code it explains
    # the table stays where it was: pandas reads the lines under the third row's header, the note not in them
    table = pd.read_excel(path, header=2)
    assert list(table.columns) == HEAD[locale]
    kicker = table.iloc[0]
    assert kicker[HEAD[locale][2]] == pytest.approx(15_000 * USD)
    assert kicker[HEAD[locale][4]] == pytest.approx(15_000 * USD * 0.01)
    assert NOTES[locale] not in table.astype(str).to_numpy().ravel().tolist()


def test_a_plan_that_converts_nothing_writes_no_note_on_its_excel_statement(tmp_path):
    folder = write_deal_workbook(tmp_path / "wb", "incentives:\n  deal_kicker: {at_least: 1, rate: 0.01}\n")
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    plan = plan.replace("exchange_rates: {USD: 7.1, HKD: 0.91}\n", "").replace(", currency: 币种", "")
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    sales = pd.read_csv(folder / "data" / "sales.csv")
    sales.drop(columns="币种").assign(金额=["106500", "90,000", "5,000"]).to_csv(
        folder / "data" / "sales.csv", index=False
    )
    assert main(["payouts", str(folder), "--period", "2027-01"]) == 0
    sheet = load_workbook(statement_path(open_workbook(folder), "2027-01", "Li", "en", ".xlsx")).active
    assert [cell.value for cell in sheet[1]][:4] == ["Commission statement", "Li", "2027-01", "CNY"]
    assert sheet.max_column == 5 and sheet["E1"].value is None


def test_a_changed_plan_rate_rewrites_the_excel_statements_note(paid_january, tmp_path):
    import shutil

    folder = tmp_path / "wb"
    shutil.copytree(paid_january, folder)
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    (folder / "plan.yaml").write_text(plan.replace("HKD: 0.91", "HKD: 0.92"), encoding="utf-8")
    assert main(["payouts", str(folder), "--period", "2027-01"]) == 0
    sheet = load_workbook(statement_path(open_workbook(folder), "2027-01", "Li", "en", ".xlsx")).active
    assert sheet["E1"].value == NOTES["en"].replace("HKD 0.91", "HKD 0.92")


# -- a published extract of a plan converting at a monthly rates file ---------------------------------------
SALES = (
    "date,amount,rep,team,currency\n"
    "2026-01-05,US$100.00,Li Na,East,USD\n"
    "2026-01-06,200,Li Na,East,\n"
    "2026-02-03,HK$1000,Zhao Lei,North,HKD\n"
    "2026-02-04,US$10,Li Na,East,USD\n"
)
RATES = {
    ("2026-01", "USD"): 7.05,
    ("2026-02", "USD"): 7.15,
    ("2026-01", "HKD"): 0.9,
    ("2026-02", "HKD"): 0.92,
}


def _monthly_rates_workbook(folder, kind: str):
    """Two reps' sales in yuan, dollars and HK dollars, converted only at a monthly rates file of `kind`:
    a CSV, an Excel sheet, or a table in a DuckDB database that also holds every rep's sales."""
    folder = _two_rep_workbook(folder, SALES, "  commission: {base_rate: 0.05}\n")
    rates = pd.DataFrame([(m, c, r) for (m, c), r in RATES.items()], columns=["月份", "币种", "汇率"])
    if kind == "csv":
        rates.to_csv(folder / "data" / "rates.csv", index=False)
        path = "data/rates.csv"
    elif kind == "xlsx":
        rates.to_excel(folder / "data" / "rates.xlsx", index=False)
        path = "data/rates.xlsx"
    else:
        with duckdb.connect(str(folder / "data" / "company.duckdb")) as con:
            con.register("rates", rates)
            con.execute("CREATE TABLE fx AS SELECT * FROM rates")
            con.execute(f"CREATE TABLE sales AS SELECT * FROM read_csv('{folder / 'data' / 'sales.csv'}')")
        path = "data/company.duckdb\n    table: fx"
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    source = (
        f"  exchange_rates:\n    path: {path}\n    columns: {{month: 月份, currency: 币种, rate: 汇率}}\n"
    )
    (folder / "plan.yaml").write_text(
        plan.replace("incentives:\n", f"{source}incentives:\n"), encoding="utf-8"
    )
    return folder


@pytest.mark.parametrize("kind", ["csv", "xlsx", "duckdb"])
def test_a_reps_extract_says_its_sales_were_converted_at_the_monthly_rates(tmp_path, kind):
    folder = _monthly_rates_workbook(tmp_path / "wb", kind)
    whole = open_workbook(folder)
    assert whole.validate_sources() == []
    extracts = publish(folder, tmp_path / "state")
    li = open_workbook(extracts["li"], read_only=True)
    assert li.validate_sources() == []
    # converted once, at the month's rate: the extract's figures are the whole workbook's
    cube = li.cube()
    by_month = cube.groupby(cube["period"].astype(str))["actual"].sum().to_dict()
    assert by_month == pytest.approx({"2026-01": 100 * 7.05 + 200, "2026-02": 10 * 7.15})
    for locale, note in (
        ("en", "All figures are in CNY: sales in other currencies are converted into CNY at each month&#x27;s "
               "rate in data/exchange_rates.csv."),
        ("zh_CN", "所有金额均以 CNY 计：其他币种的销售按 data/exchange_rates.csv 中各月的汇率折算为 CNY。"),
    ):  # fmt: skip
        assert note in str(OverviewReport.open(extracts["li"], "2026-02", locale=locale).headline()), locale
    # the extract's rates are the workbook's, and nothing else of the rates' source goes with them
    copied = pd.read_csv(extracts["li"] / "data" / "exchange_rates.csv", dtype=str)
    assert {(m, c): float(r) for m, c, r in copied.itertuples(index=False)} == RATES
    assert not list(extracts["li"].rglob("*.duckdb")) and "Zhao Lei" not in copied.to_csv()


def test_a_reps_extract_of_a_plan_with_plan_rates_only_still_says_them(tmp_path):
    folder = _two_rep_workbook(tmp_path / "wb", SALES, "  commission: {base_rate: 0.05}\n")
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    (folder / "plan.yaml").write_text(
        plan.replace("currency: CNY\n", "currency: CNY\nexchange_rates: {USD: 7.1, HKD: 0.91}\n"),
        encoding="utf-8",
    )
    extracts = publish(folder, tmp_path / "state")
    said = str(OverviewReport.open(extracts["li"], "2026-02", locale="en").headline())
    assert "converted into CNY at the plan&#x27;s rates (HKD 0.91, USD 7.1)." in said
    assert open_workbook(extracts["li"], read_only=True).plan.sources.exchange_rates is None


# -- the sales overview: what was sold in each currency -----------------------------------------------------
def _currency_rows(html: str) -> list[list[str]]:
    """The rows of the overview's table of sales by currency (those naming a currency code first)."""
    rows = [
        [unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", html)
    ]
    return [r for r in rows if len(r) == 4 and re.fullmatch(r"[A-Z]{3}", r[0])]


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_sales_overview_shows_each_months_sales_by_currency_and_its_rate(tmp_path, locale):
    write_sales_csv(tmp_path)
    (tmp_path / "data" / "rates.csv").write_text(MONTHLY, encoding="utf-8")
    write_plan(tmp_path, CSV_SOURCE, RATES_SOURCE)
    set_locale(locale)

    def row(code, sold, rate, converted):  # worked out by hand from the lines and the rates
        return [code, fmt_money(sold, code, digits=False), fmt_number(rate, decimals=4),
                fmt_money(converted, "CNY", digits=False)]  # fmt: skip

    january = str(OverviewReport.open(tmp_path, "2027-01", locale=locale).headline())
    assert _currency_rows(january) == [
        row("USD", 1200, 7.00, 8400),  # the rates file's January dollar
        row("CNY", 1300, 1, 1300),  # 1,000 yuan and a blank currency cell's 300
        row("HKD", 500, 0.90, 450),
    ]
    february = str(OverviewReport.open(tmp_path, "2027-02", locale=locale).headline())
    assert _currency_rows(february) == [
        row("USD", 2080, 7.20, 14976),
        row("HKD", -100, HKD, -91),  # no February HKD rate in the file: the plan's 0.91
    ]
    heading = {"en": "Rate into CNY", "zh_CN": "折算为 CNY 的汇率"}[locale]
    assert heading in january


def test_the_overview_of_a_plan_in_one_currency_has_no_table_by_currency(tmp_path):
    write_sales_csv(tmp_path, [line for line in LINES if line[3] in ("CNY", "")])
    write_plan(tmp_path, CSV_SOURCE)  # it could convert (plan rates, a currency column) but sold in yuan only
    html = str(OverviewReport.open(tmp_path, "2027-01", locale="en").headline())
    assert "All figures are in CNY" in html and "Rate into CNY" not in html and _currency_rows(html) == []

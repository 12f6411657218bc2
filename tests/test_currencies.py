"""Sales in several currencies, converted into the plan's currency at the plan's rates, at the line.

A Chinese company's Hong Kong arm books in HKD, its export desk in USD: a currency column names each line's
currency (blank: the source's, else the plan's), or a whole file says `currency: USD`. Each line is converted
at its month's rate from a rates file, else at the plan's fixed rate, in the one SQL read every figure goes
through, so sales, per-deal kickers and cash collected agree; a line with no rate is never counted at 1:1.
Real CSV, Excel, Parquet and DuckDB files in tmp_path, the real `salesplan validate` and `salesplan run`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from fixtures.minimal_workbook import home_sales, write_minimal_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesplan_widgets.cli import main
from salesplan_widgets.errors import InputError
from salesplan_widgets.report.overview import OverviewReport
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.schema import Plan
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.cube import build_cube, cost_cube
from salesplan_widgets.workbook.payouts import period_statements

USD, HKD, EUR = 7.10, 0.91, 7.80  # plan rates into yuan

# (date, rep, amount cell, currency cell, value in yuan worked out by hand)
LINES = [
    ("2027-01-05", "王伟", "1,000.00", "CNY", 1000.00),
    ("2027-01-06", "王伟", "US$1,200.00", "USD", 1200 * USD),  # 8,520.00
    ("2027-01-07", "李娜", "HK$500", "HKD", 500 * HKD),  # 455.00
    ("2027-01-08", "李娜", "￥300", "", 300.00),  # blank: the plan's yuan
    ("2027-02-01", "王伟", "$2,000", "usd", 2000 * USD),  # 14,200.00, code in lower case
    ("2027-02-02", "王伟", "(HK$100.00)", "HKD", -100 * HKD),  # a return: -91.00
    ("2027-02-03", "李娜", "80", "USD", 80 * USD),  # 568.00
]


def write_sales_csv(folder: Path, lines=LINES) -> None:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    text = "日期,销售,金额,币种\n" + "".join(f'{d},{rep},"{cell}",{cur}\n' for d, rep, cell, cur, _ in lines)
    (folder / "data" / "sales.csv").write_text(text, encoding="utf-8")


def write_plan(folder: Path, source: str, extra: str = "", locale: str = "en", rates: str = "") -> None:
    (folder / "plan.yaml").write_text(
        f"name: FX Co\ncurrency: CNY\nlocale: {locale}\n{rates or f'exchange_rates: {{USD: {USD}, HKD: {HKD}}}'}\n"
        f"sources:\n  sales:\n{source}{extra}",
        encoding="utf-8",
    )


CSV_SOURCE = "    path: data/sales.csv\n    columns: {date: 日期, amount: 金额, rep: 销售, currency: 币种}\n"


def totals(cube: pd.DataFrame) -> dict[tuple[str, str], float]:
    grouped = cube.groupby([cube["period"].astype(str), "rep"])["actual"].sum()
    return {key: round(value, 6) for key, value in grouped.items()}


def by_hand(lines) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for d, rep, _cell, _cur, value in lines:
        out[(d[:7], rep)] = round(out.get((d[:7], rep), 0.0) + value, 6)
    return out


def test_a_csv_with_a_currency_column_converts_each_line_at_the_plan_rates(tmp_path):
    write_sales_csv(tmp_path)
    write_plan(tmp_path, CSV_SOURCE)
    book = open_workbook(tmp_path)
    assert book.validate_sources() == []
    assert totals(book.cube()) == by_hand(LINES)
    assert by_hand(LINES)[("2027-01", "王伟")] == 9520.0  # 1,000 + 1,200 × 7.10


def test_an_excel_source_wholly_in_usd_is_converted_and_a_yuan_mark_in_it_refused(tmp_path):
    (tmp_path / "data").mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date", "Rep", "Amount"])
    sheet.append(["2027-03-01", "Ann", 1000.5])  # a number cell
    sheet.append(["2027-03-02", "Ann", "US$2,000.00"])
    sheet.append(["2027-03-03", "Bob", "-150"])
    book.save(tmp_path / "data" / "export.xlsx")
    source = (
        "    path: data/export.xlsx\n    currency: USD\n    columns: {date: Date, amount: Amount, rep: Rep}\n"
    )
    write_plan(tmp_path, source)
    cube = open_workbook(tmp_path).cube()
    assert totals(cube) == {
        ("2027-03", "Ann"): round(3000.5 * USD, 6),
        ("2027-03", "Bob"): round(-150 * USD, 6),
    }

    sheet.append(["2027-03-04", "Bob", "￥300"])  # yuan in a dollar file: nothing says which rate
    book.save(tmp_path / "data" / "export.xlsx")
    [problem] = open_workbook(tmp_path).validate_sources()
    assert (problem.file, problem.row, problem.column, problem.found) == (
        "data/export.xlsx",
        5,
        "Amount",
        "￥300",
    )
    assert "USD" in problem.fix


def test_a_parquet_file_and_a_duckdb_table_with_number_amounts_and_a_currency_column(tmp_path):
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2027-01-05", "2027-01-06", "2027-01-07", "2027-02-01"]),
            "amount": [100.0, 200.0, 300.0, 400.0],
            "rep": ["Ann", "Ann", "Bob", "Bob"],
            "ccy": ["USD", "HKD", None, "CNY"],
        }
    )
    (tmp_path / "data").mkdir()
    frame.to_parquet(tmp_path / "data" / "sales.parquet", index=False)
    with duckdb.connect(str(tmp_path / "data" / "sales.duckdb")) as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE lines AS SELECT * FROM frame")
    expected = {("2027-01", "Ann"): round(100 * USD + 200 * HKD, 6), ("2027-01", "Bob"): 300.0,
                ("2027-02", "Bob"): 400.0}  # fmt: skip
    for path in ("data/sales.parquet", "data/sales.duckdb"):
        columns = "    columns: {date: date, amount: amount, rep: rep, currency: ccy}\n"
        write_plan(tmp_path, f"    path: {path}\n{columns}")
        assert totals(open_workbook(tmp_path).cube()) == expected, path


RATES = "月份,币种,汇率\n2027-01,USD,7.00\n2027-01,HKD,0.90\n2027-02,USD,7.20\n"
RATES_SOURCE = (
    "  exchange_rates:\n    path: data/rates.csv\n    columns: {month: 月份, currency: 币种, rate: 汇率}\n"
)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_monthly_rates_from_a_rates_file_win_and_a_month_it_lacks_takes_the_plan_rate(tmp_path, fmt):
    write_sales_csv(tmp_path)
    if fmt == "csv":
        (tmp_path / "data" / "rates.csv").write_text(RATES, encoding="utf-8")
    else:  # as finance keeps them: the month a date cell, the rate a number cell
        book = openpyxl.Workbook()
        book.active.append(["月份", "币种", "汇率"])
        for month, currency, rate in (line.split(",") for line in RATES.splitlines()[1:]):
            book.active.append([dt.datetime(int(month[:4]), int(month[5:]), 1), currency, float(rate)])
        book.save(tmp_path / "data" / "rates.xlsx")
    write_plan(tmp_path, CSV_SOURCE, RATES_SOURCE.replace("rates.csv", f"rates.{fmt}"))
    book = open_workbook(tmp_path)
    assert book.validate_sources() == []
    assert totals(book.cube()) == {
        ("2027-01", "王伟"): round(1000 + 1200 * 7.00, 6),
        ("2027-01", "李娜"): round(500 * 0.90 + 300, 6),
        ("2027-02", "王伟"): round(2000 * 7.20 - 100 * HKD, 6),  # no HKD rate for February: the plan's 0.91
        ("2027-02", "李娜"): round(80 * 7.20, 6),
    }


@pytest.mark.parametrize(
    ("locale", "note"),
    [
        ("en", "All figures are in CNY: sales in other currencies are converted into CNY at each month&#x27;s rate "
               "in data/rates.csv, else at the plan&#x27;s rates (HKD 0.91, USD 7.1)."),
        ("zh_CN", "所有金额均以 CNY 计：其他币种的销售按 data/rates.csv 中各月的汇率折算为 CNY，该月没有汇率时按计划汇率"
                  "（HKD 0.91, USD 7.1）折算。"),
    ],
)  # fmt: skip
def test_the_sales_overview_says_which_rates_converted_its_figures(tmp_path, locale, note):
    write_sales_csv(tmp_path)
    (tmp_path / "data" / "rates.csv").write_text(RATES, encoding="utf-8")
    write_plan(tmp_path, CSV_SOURCE, RATES_SOURCE)
    assert note in str(OverviewReport.open(tmp_path, "2027-02", locale=locale).headline())


def test_a_changed_plan_rate_changes_the_cached_cube(tmp_path):
    write_sales_csv(tmp_path, LINES[1:2])
    write_plan(tmp_path, CSV_SOURCE)
    assert totals(open_workbook(tmp_path).cube()) == {("2027-01", "王伟"): round(1200 * USD, 6)}
    write_plan(tmp_path, CSV_SOURCE, rates="exchange_rates: {USD: 7.25}")
    assert totals(open_workbook(tmp_path).cube()) == {("2027-01", "王伟"): round(1200 * 7.25, 6)}


def test_price_times_quantity_and_the_cost_of_a_dollar_line_are_converted_so_margin_agrees(tmp_path):
    (tmp_path / "data").mkdir()
    text = (
        "日期,销售,数量,单价,成本,币种\n"
        "2027-01-05,Ann,3,US$100.00,US$180.00,USD\n"  # 300 dollars sold at a cost of 180
        "2027-01-06,Ann,2,￥50,￥60,\n"  # 100 yuan at a cost of 60
    )
    (tmp_path / "data" / "sales.csv").write_text(text, encoding="utf-8")
    columns = "{date: 日期, rep: 销售, quantity: 数量, unit_price: 单价, cost: 成本, currency: 币种}"
    write_plan(tmp_path, f"    path: data/sales.csv\n    columns: {columns}\n")
    book = open_workbook(tmp_path)
    assert book.validate_sources() == []
    assert book.cube()["actual"].sum() == pytest.approx(300 * USD + 100)
    costs = cost_cube(book.source(), tmp_path, book.plan.calendar)
    assert costs["cost"].sum() == pytest.approx(180 * USD + 60)


DEALS = pd.DataFrame(
    {
        "日期": ["2027-01-10", "2027-01-20", "2027-01-25"],
        "金额": ["US$15,000.00", "90,000", "5,000"],
        "币种": ["USD", "CNY", "CNY"],
        "销售": ["Li", "Wang", "Wang"],
        "团队": ["East"] * 3,
        "客户": ["ACME", "Beta", "Beta"],
        "合同": ["D-1", "D-2", "D-3"],
        "发票": ["INV-1", "INV-2", "INV-3"],
    }
)


def write_deal_workbook(folder: Path, incentives: str, extra_sources: str = "") -> Path:
    (folder / "data").mkdir(parents=True)
    DEALS.to_csv(folder / "data" / "sales.csv", index=False)
    source = (
        "    path: data/sales.csv\n    columns: {date: 日期, amount: 金额, rep: 销售, team: 团队, account: 客户, "
        "deal: 合同, invoice: 发票, currency: 币种}\n"
    )
    write_plan(folder, source, extra_sources + incentives)
    months = pd.period_range("2027-01", periods=12, freq="M")
    targets = pd.DataFrame([(m, r, "East", 100_000.0) for m in months for r in ("Li", "Wang")],
                           columns=["period", "rep", "team", "target"])  # fmt: skip
    open_workbook(folder).write_table("targets", targets)
    return folder


def test_a_usd_deal_earns_the_deal_kicker_on_its_amount_in_yuan(tmp_path):
    folder = write_deal_workbook(
        tmp_path / "wb", "incentives:\n  deal_kicker: {at_least: 100000, rate: 0.01}\n"
    )
    lines = period_statements(open_workbook(folder), "2027-01").lines
    kicker = lines[lines["component"] == "deal_kicker"]
    # D-1: 15,000 dollars = 106,500 yuan, over the 100,000 threshold; D-2's 90,000 yuan is not
    assert kicker["rep"].astype(str).tolist() == ["Li"]
    assert kicker["base"].tolist() == [pytest.approx(15_000 * USD)]
    assert kicker["amount"].tolist() == [pytest.approx(15_000 * USD * 0.01)]


def test_the_statements_say_their_figures_are_in_yuan_at_the_plans_rates_in_both_languages(tmp_path):
    folder = write_deal_workbook(
        tmp_path / "wb", "incentives:\n  deal_kicker: {at_least: 100000, rate: 0.01}\n"
    )
    assert main(["payouts", str(folder), "--period", "2027-01"]) == 0
    book = open_workbook(folder)
    en = statement_path(book, "2027-01", "Li", "en").read_text(encoding="utf-8")
    zh = statement_path(book, "2027-01", "Li", "zh_CN").read_text(encoding="utf-8")
    assert (
        "All figures are in CNY: sales in other currencies are converted into CNY at the plan&#x27;s rates "
        "(HKD 0.91, USD 7.1)." in en
    )
    assert "所有金额均以 CNY 计：其他币种的销售按计划汇率（HKD 0.91, USD 7.1）折算为 CNY。" in zh


def test_cash_collected_in_dollars_pays_on_its_amount_in_yuan(tmp_path):
    folder = write_deal_workbook(
        tmp_path / "wb",
        "incentives:\n  collections: {rate: 0.1, ageing: []}\n",
        "  receipts:\n    path: data/receipts.csv\n    currency: USD\n"
        "    columns: {date: 到账日期, amount: 回款金额, invoice: 发票号}\n",
    )
    receipts = pd.DataFrame({"到账日期": ["2027-02-15"], "回款金额": ["US$1,000.00"], "发票号": ["INV-2"]})
    receipts.to_csv(folder / "data" / "receipts.csv", index=False)
    lines = period_statements(open_workbook(folder), "2027-02").lines
    cash = lines[lines["component"] == "collections"]
    assert cash["rep"].astype(str).tolist() == ["Wang"]  # INV-2 is Wang's
    assert cash["base"].tolist() == [pytest.approx(1_000 * USD)]
    assert cash["amount"].tolist() == [pytest.approx(1_000 * USD * 0.1)]


# -- errors, in both languages ------------------------------------------------------------------------------
def validate(folder: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(folder)])
    out = capsys.readouterr()
    return code, out.out + out.err


BAD_LINES = [
    *LINES,
    ("2027-03-01", "李娜", "HK$700", "USD", 0.0),  # row 9: a Hong Kong mark on a dollar line
    ("2027-03-02", "王伟", "400", "EUR", 0.0),  # row 10: no euro rate
    ("2027-04-02", "王伟", "500", "EUR", 0.0),  # row 11
    ("2027-04-03", "王伟", "600", "USX", 0.0),  # row 12: no such currency
]


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_bad_currencies_are_located_by_file_row_and_column_in_the_plans_language(tmp_path, capsys, locale):
    write_sales_csv(tmp_path, BAD_LINES)
    write_plan(tmp_path, CSV_SOURCE, locale=locale)
    code, out = validate(tmp_path, capsys)
    assert code != 0
    if locale == "en":
        assert "row 12" in out and "'USX'" in out and "an ISO 4217 currency code" in out
        assert "row 9" in out and "'HK$700'" in out and "a figure in the line's currency (column 币种)" in out
        assert "a rate from EUR into CNY for 2027-03, 2027-04" in out
        assert "2 lines in EUR with no rate (the first on row 10)" in out
        assert "add EUR: <rate> under exchange_rates in plan.yaml" in out
    else:
        assert "第 12 行" in out and "'USX'" in out and "ISO 4217 货币代码" in out
        assert "第 9 行" in out and "'HK$700'" in out and "该行币种（列 币种）的金额" in out
        assert "从 EUR 折算为 CNY 的汇率，月份：2027-03, 2027-04" in out
        assert "2 行为 EUR，没有汇率（第一行为第 10 行）" in out
        assert "在 plan.yaml 的 exchange_rates 下添加 EUR: <汇率>" in out
    with pytest.raises(InputError) as info:  # reading refuses the same lines: nothing counted at 1:1
        open_workbook(tmp_path).cube()
    assert {(p.row, p.column) for p in info.value.problems} == {(12, "币种"), (9, "金额"), (10, "币种")}


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_a_bad_rates_file_is_located_by_row_and_column(tmp_path, capsys, locale):
    write_sales_csv(tmp_path)
    bad = RATES + "2027-02,HKD,0\n2027-03,USD,abc\n2027-13,USD,7.3\n2027-04,US,7.3\n"
    (tmp_path / "data" / "rates.csv").write_text(bad, encoding="utf-8")
    write_plan(tmp_path, CSV_SOURCE, RATES_SOURCE, locale=locale)
    code, out = validate(tmp_path, capsys)
    assert code != 0
    if locale == "en":
        assert "data/rates.csv, row 5, column '汇率': expected a rate above 0" in out and "found '0'" in out
        assert "data/rates.csv, row 6, column '汇率'" in out and "found 'abc'" in out
        assert "data/rates.csv, row 7, column '月份': expected a month such as 2027-01" in out
        assert "data/rates.csv, row 8, column '币种': expected an ISO 4217 currency code" in out
    else:
        assert "data/rates.csv，第 5 行，列 '汇率'" in out and "大于 0 的汇率" in out
        assert "第 7 行" in out and "如 2027-01 的月份" in out
    assert out.count("row 5" if locale == "en" else "第 5 行") == 1  # told once, not again by the sales file
    with pytest.raises(InputError):
        open_workbook(tmp_path).cube()


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        ("exchange_rates: {USD: 0}", "a rate is a positive number"),
        ("exchange_rates: {USD: -7.1}", "a rate is a positive number"),
        ("exchange_rates: {USD: seven}", "'exchange_rates.USD': a number"),
        ("exchange_rates: {USX: 7.1}", "'USX' is not an ISO 4217 currency code"),
    ],
)
def test_a_bad_plan_rate_is_refused_with_its_line(tmp_path, capsys, rates, message):
    write_sales_csv(tmp_path)
    write_plan(tmp_path, CSV_SOURCE, rates=rates)
    code, out = validate(tmp_path, capsys)
    assert code != 0 and message in out and "plan.yaml, row 4" in out  # the exchange_rates line


def test_a_file_in_a_currency_with_no_rate_anywhere_is_refused_in_both_languages(tmp_path, capsys):
    write_sales_csv(tmp_path)
    source = (
        "    path: data/sales.csv\n    currency: EUR\n    columns: {date: 日期, amount: 金额, rep: 销售}\n"
    )
    for locale, text in (
        ("en", "sources.sales.currency: EUR has no rate into CNY"),
        ("zh_CN", "sources.sales.currency：EUR 没有折算为 CNY 的汇率"),
    ):
        write_plan(tmp_path, source, locale=locale)
        code, out = validate(tmp_path, capsys)
        assert code != 0 and text in out, out


# -- a real period run ---------------------------------------------------------------------------------------
def test_a_period_run_reports_sales_in_the_plan_currency(tmp_path):
    sales = home_sales(first="2025-01", last="2025-06", cities=6)
    sales["ccy"] = ["EUR" if i % 3 == 0 else ("" if i % 3 == 1 else "USD") for i in range(len(sales))]
    folder = write_minimal_workbook(tmp_path / "texas", sales=sales)
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    plan = plan.replace("currency: USD\n", "currency: USD\nexchange_rates: {EUR: 1.08}\n")
    plan = plan.replace("      rep: city\n", "      rep: city\n      currency: ccy\n")
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", "run", str(folder), "--period", "2025-06"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((folder / "reports" / "2025-06" / "metrics.json").read_text(encoding="utf-8"))
    june = sales[sales["date"].str.startswith("2025-06")]
    expected = sum(
        v * (1.08 if c == "EUR" else 1.0) for v, c in zip(june["volume"], june["ccy"], strict=True)
    )
    assert metrics["sales_overview"]["actual"] == pytest.approx(expected)
    page = (folder / "reports" / "2025-06" / "sales_overview.html").read_text(encoding="utf-8")
    note = "All figures are in USD: sales in other currencies are converted into USD at the plan's rates (EUR 1.08)."
    assert note in page


# -- a property ----------------------------------------------------------------------------------------------
MARKS = {"CNY": "￥", "USD": "US$", "HKD": "HK$"}
line = st.tuples(
    st.integers(min_value=-(10**14), max_value=10**14),  # cents: up to a trillion
    st.sampled_from(["CNY", "USD", "HKD"]),
    st.booleans(),  # written with the currency's mark
)
rate = st.floats(min_value=1e-4, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line, min_size=1, max_size=40), usd=rate, hkd=rate)
def test_the_plan_total_is_the_sum_of_each_amount_times_its_rate(tmp_path, lines, usd, hkd):
    rows = []
    for cents, currency, marked in lines:
        figure = f"{abs(cents) // 100:,}.{abs(cents) % 100:02d}"
        rows.append(
            f'2027-01-15,Ann,"{"-" if cents < 0 else ""}{MARKS[currency] if marked else ""}{figure}",{currency}'
        )
    (tmp_path / "sales.csv").write_text("d,rep,amt,cur\n" + "\n".join(rows) + "\n", encoding="utf-8")
    plan = Plan.model_validate(
        {
            "name": "p",
            "currency": "CNY",
            "exchange_rates": {"USD": usd, "HKD": hkd},
            "sources": {
                "sales": {
                    "path": "sales.csv",
                    "columns": {"date": "d", "amount": "amt", "rep": "rep", "currency": "cur"},
                }
            },  # fmt: skip
        }
    )
    cube = build_cube(plan.sources.sales, tmp_path, plan.calendar, validate=True)
    rates = {"CNY": 1.0, "USD": usd, "HKD": hkd}
    converted = [cents / 100 * rates[currency] for cents, currency, _ in lines]
    assert cube["actual"].sum() == pytest.approx(
        math.fsum(converted), rel=1e-12, abs=1e-12 * math.fsum(map(abs, converted)) + 1e-9
    )


def test_a_reps_published_extract_holds_their_sales_converted_once(tmp_path):
    from test_publish import _two_rep_workbook

    from salesplan_widgets.workbook.publish import publish

    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team,currency\n"
        "2026-01-05,US$100.00,Li Na,East,USD\n"
        "2026-01-06,200,Li Na,East,\n"
        "2026-02-03,HK$1000,Zhao Lei,North,HKD\n",
        "  commission: {base_rate: 0.05}\n",
    )
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    (folder / "plan.yaml").write_text(
        plan.replace("currency: CNY\n", f"currency: CNY\nexchange_rates: {{USD: {USD}, HKD: {HKD}}}\n"),
        encoding="utf-8",
    )
    whole = open_workbook(folder).cube()
    extracts = publish(folder, tmp_path / "state")
    li = open_workbook(extracts["li"], read_only=True).cube()
    assert li["actual"].sum() == pytest.approx(100 * USD + 200)
    assert li["actual"].sum() == pytest.approx(whole.loc[whole["rep"] == "Li Na", "actual"].sum())


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_a_dollar_mark_in_a_yuan_file_of_a_converting_plan_says_how_to_declare_it(tmp_path, capsys, locale):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.csv").write_text(
        '日期,销售,金额\n2027-01-05,Ann,"1,000"\n2027-01-06,Ann,"US$1,200.00"\n', encoding="utf-8"
    )
    write_plan(
        tmp_path,
        "    path: data/sales.csv\n    columns: {date: 日期, amount: 金额, rep: 销售}\n",
        locale=locale,
    )
    code, out = validate(tmp_path, capsys)
    assert code != 0 and ("row 3" if locale == "en" else "第 3 行") in out
    if locale == "en":
        assert "for lines in another currency, map a currency column or set the source's currency" in out
    else:
        assert "其他币种的行请映射币种列，或在 plan.yaml 中设置数据源的 currency" in out


def test_a_plan_rate_below_zero_is_refused_in_chinese_too(tmp_path, capsys):
    write_sales_csv(tmp_path)
    write_plan(tmp_path, CSV_SOURCE, locale="zh_CN", rates="exchange_rates: {USD: -7.1}")
    code, out = validate(tmp_path, capsys)
    assert code != 0 and "plan.yaml，第 4 行" in out
    assert "exchange_rates.USD：汇率应为正数（1 USD 折合多少计划币种），而不是 -7.1" in out

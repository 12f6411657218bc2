"""A published rep's overview shows their own sales by the currency sold in, as the analyst sees them.

An extract's sales lines are copied converted, without their currency column (workbook/publish.py), so the
overview's table by currency (report/overview.py) had nothing to show. The publish now keeps, in each
extract, the scope's own day × currency totals counted from the whole workbook's lines: Li Na, who sells in
dollars, Hong Kong dollars and yuan, sees her own table (sold in each currency, the rate, what it came to),
worked out here by hand from the lines and the monthly rates, and nothing of Zhao Lei's (his euros, his
amounts); her manager sees the team's; the extract's figures stay the whole workbook's for her.
Real CSV sales and rates, the real `publish`, the overview as her dashboard kernel opens it.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from test_publish import _two_rep_workbook

from salesplan_widgets.i18n import fmt_money, fmt_number, set_locale
from salesplan_widgets.report.overview import OverviewReport
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.currencies import sales_by_currency
from salesplan_widgets.workbook.publish import publish

SALES = (
    "date,amount,rep,team,currency\n"
    "2026-01-05,US$100.00,Li Na,East,USD\n"
    "2026-01-06,200,Li Na,East,\n"
    "2026-01-07,HK$1000,Li Na,East,HKD\n"
    "2026-01-08,US$5000,Zhao Lei,North,USD\n"
    "2026-01-09,€300,Zhao Lei,North,EUR\n"
    "2026-02-03,HK$400,Li Na,East,hkd\n"
    "2026-02-04,US$10,Li Na,East,USD\n"
    "2026-02-05,HK$7000,Zhao Lei,North,HKD\n"
)
MONTHLY = {
    ("2026-01", "USD"): 7.05,
    ("2026-02", "USD"): 7.15,
    ("2026-01", "HKD"): 0.9,
    ("2026-02", "HKD"): 0.92,
}
EUR = 7.8  # a plan rate: only Zhao Lei sells in euros
# Li Na's lines by hand: (month, currency) -> amounts sold in it
LI_NA = {
    ("2026-01", "USD"): [100.0],
    ("2026-01", "CNY"): [200.0],
    ("2026-01", "HKD"): [1000.0],
    ("2026-02", "HKD"): [400.0],
    ("2026-02", "USD"): [10.0],
}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("extract_currencies")
    folder = _two_rep_workbook(root / "wb", SALES, "  commission: {base_rate: 0.05}\n")
    rates = pd.DataFrame([(m, c, r) for (m, c), r in MONTHLY.items()], columns=["month", "currency", "rate"])
    rates.to_csv(folder / "data" / "rates.csv", index=False)
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    source = "  exchange_rates:\n    path: data/rates.csv\n    columns: {month: month, currency: currency, rate: rate}\n"
    plan = plan.replace("incentives:\n", f"{source}incentives:\n")
    plan = plan.replace("currency: CNY\n", f"currency: CNY\nexchange_rates: {{EUR: {EUR}}}\n")
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    assert open_workbook(folder).validate_sources() == []
    return folder, publish(folder, root / "state")


@pytest.fixture
def locale():
    yield
    set_locale("en")


def _currency_rows(html: str) -> list[list[str]]:
    """The rows of the overview's table of sales by currency (those naming a currency code first)."""
    rows = [
        [unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", html)
    ]
    return [r for r in rows if len(r) == 4 and re.fullmatch(r"[A-Z]{3}", r[0])]


def _row(code: str, sold: float, rate: float) -> list[str]:
    return [
        code,
        fmt_money(sold, code, digits=False),
        fmt_number(rate, decimals=4),
        fmt_money(sold * rate, "CNY", digits=False),
    ]


def _rate(month: str, code: str) -> float:
    return 1.0 if code == "CNY" else MONTHLY[(month, code)]


def _li_nas_rows(month: str) -> list[list[str]]:
    """Her month's table by hand, largest converted first."""
    sold = {code: sum(amounts) for (m, code), amounts in LI_NA.items() if m == month}
    order = sorted(sold, key=lambda code: -sold[code] * _rate(month, code))
    return [_row(code, sold[code], _rate(month, code)) for code in order]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_a_reps_overview_shows_her_own_sales_by_currency(published, language, locale):
    _folder, extracts = published
    for month in ("2026-01", "2026-02"):
        set_locale(language)
        html = str(OverviewReport.open(extracts["li"], month, locale=language).headline())
        assert _currency_rows(html) == _li_nas_rows(month), (language, month)
    heading = {"en": "Rate into CNY", "zh_CN": "折算为 CNY 的汇率"}[language]
    assert heading in html


def test_nothing_of_another_reps_sales_by_currency_is_in_her_extract(published):
    _folder, extracts = published
    january = str(OverviewReport.open(extracts["li"], "2026-01", locale="en").headline())
    codes = [row[0] for row in _currency_rows(january)]
    assert "EUR" not in codes  # Zhao Lei's euros
    assert fmt_money(5100, "USD", digits=False) not in january  # her 100 and his 5,000 dollars together
    li = open_workbook(extracts["li"], read_only=True)
    table = sales_by_currency(li, pd.Timestamp("2026-01-01").date(), pd.Timestamp("2026-02-28").date())
    assert table["lines"].sum() == sum(len(a) for a in LI_NA.values())
    cached = b"".join(p.read_bytes() for p in (extracts["li"] / ".cache").glob("sales-by-currency-*"))
    assert cached and b"Zhao" not in cached
    zhao = str(OverviewReport.open(extracts["zhao"], "2026-01", locale="en").headline())
    assert _currency_rows(zhao) == [_row("USD", 5000, 7.05), _row("EUR", 300, EUR)]


def test_her_extracts_figures_stay_the_whole_workbooks(published):
    folder, extracts = published
    whole = open_workbook(folder).cube()
    li = open_workbook(extracts["li"], read_only=True)
    cube = li.cube()
    mine = whole[whole["rep"] == "Li Na"]
    for month in ("2026-01", "2026-02"):
        period = pd.Period(month, "M")
        first, last = period.start_time.date(), period.end_time.date()
        table = sales_by_currency(li, first, last)
        in_cube = cube.loc[cube["period"] == period, "actual"].sum()
        assert in_cube == pytest.approx(mine.loc[mine["period"] == period, "actual"].sum())
        assert table["converted"].sum() == pytest.approx(in_cube)
        by_hand = sum(sum(a) * _rate(m, c) for (m, c), a in LI_NA.items() if m == month)
        assert in_cube == pytest.approx(by_hand)


def test_her_managers_overview_shows_the_teams_sales_by_currency(published):
    _folder, extracts = published
    html = str(OverviewReport.open(extracts["boss"], "2026-02", locale="en").headline())
    assert _currency_rows(html) == _li_nas_rows("2026-02")  # East is Li Na alone

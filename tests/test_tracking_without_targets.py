"""Tracking without a target: a flat-commission shop with date, amount and rep only, and no year of history
to derive a provisional target, still gets its tracking pack and its tracker dashboard — sales by period
and rep, the period before and last year, the run rate, rankings, biggest movers, feedback — with a plain
word, in both languages, that attainment needs a target and how to set one. Before, `salesplan run`
failed in report_tracking and the served tracker said "The dashboard cannot be shown."

The shop's sales (USD), by hand:

    rep    Jan 2026  Feb 2026  Mar 2026             Apr 2026
    Wang   10,000    12,000    9,000 − 1,000 return  4,000
    Li      6,000     5,000    8,000.40             9,000
    Zhao                                            2,500   (joined in April)

April: 15,500, against March's 16,000.40 (−500.40); year to date 64,500.40; at that run rate over the
4 months since the year (and the history) began, the year ends at 64,500.40 ÷ 4 × 12 = 193,501.20.
April's biggest movers against March: Wang −4,000, Zhao +2,500, Li +999.60. Year-to-date ranking:
Wang 34,000, Li 28,000.40, Zhao 2,500.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixtures.kernel_traffic import KernelTraffic
from fixtures.serving import serving
from test_read_only import tree_digest

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.period_choice import payout_month
from salesplan_widgets.model.sales_tracking import (
    biggest_movers,
    sales_by_period,
    sales_standing,
    sales_window,
)

PLAN = """\
name: Flat shop
currency: USD
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
incentives:
  commission: {{base_rate: 0.05}}
reports:
  templates: [{templates}]
  dashboards: [tracker]
"""
SALES = [
    ("2026-01-05", "10000", "Wang"),
    ("2026-01-20", "6000", "Li"),
    ("2026-02-03", "12,000.00", "Wang"),
    ("2026-02-17", "5000", "Li"),
    ("2026-03-02", "9000", "Wang"),
    ("2026-03-09", "-1000", "Wang"),
    ("2026-03-20", "8000.40", "Li"),
    ("2026-04-01", "4000", "Wang"),
    ("2026-04-11", "9000", "Li"),
    ("2026-04-28", "2500", "Zhao"),
]
PERIOD = "2026-04"
LOAD_MS = 180_000


def write_shop(folder: Path, locale: str = "en", templates: str = "report_tracking") -> Path:
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(SALES, columns=["date", "amount", "rep"]).to_csv(folder / "data" / "sales.csv", index=False)
    (folder / "plan.yaml").write_text(PLAN.format(locale=locale, templates=templates), encoding="utf-8")
    return folder


def salesplan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", *args], capture_output=True, text=True, timeout=900
    )


def page_text(html: str) -> str:
    body = re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


# -- the model --------------------------------------------------------------------------------------------
def cube(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "rep", "actual"])
    return frame.assign(period=pd.PeriodIndex(frame["period"], freq="M"))


def test_the_standing_compares_the_period_with_the_one_before_and_the_same_period_last_year():
    sales = cube(
        [
            ("2025-01", "Ann", 100.0),
            ("2025-04", "Ann", 300.0),
            ("2025-04", "Bo", 50.0),
            ("2026-01", "Ann", 200.0),
            ("2026-03", "Ann", 120.0),
            ("2026-04", "Ann", 330.0),
            ("2026-04", "Bo", 20.0),
        ]
    )
    window = sales_window(sales, pd.Period("2026-04", "M"), FiscalCalendar())
    standing = sales_standing(sales, window).set_index("rep")
    assert standing.loc["Ann", ["sales", "previous", "last_year", "ytd", "ytd_last_year"]].tolist() == [
        330.0,
        120.0,
        300.0,
        650.0,  # 200 + 120 + 330
        400.0,  # Jan–Apr 2025: 100 + 300
    ]
    assert standing.loc["Ann", "change_last_year"] == pytest.approx(30.0)
    assert standing.loc["Ann", "growth_ytd"] == pytest.approx(650 / 400 - 1)
    assert standing.loc["Bo", "change_previous"] == pytest.approx(20.0)  # nothing in March: from 0
    assert standing.loc["Bo", "change_last_year"] == pytest.approx(-30.0)
    # the history began in January 2025: the year end at the run rate spreads over all 4 months
    total = sales_standing(sales, window, ()).iloc[0]
    assert total["run_rate_year_end"] == pytest.approx(670.0 / 4 * 12)


def test_last_year_is_unknown_not_zero_before_the_history_begins_and_the_run_rate_starts_at_the_first_sale():
    sales = cube([("2026-03", "Ann", 90.0), ("2026-04", "Ann", 30.0)])
    window = sales_window(sales, pd.Period("2026-04", "M"), FiscalCalendar())
    total = sales_standing(sales, window, ()).iloc[0]
    assert np.isnan(total["last_year"]) and np.isnan(total["ytd_last_year"]) and np.isnan(total["growth_ytd"])
    assert total["run_rate_year_end"] == pytest.approx(120.0 / 2 * 12)  # March and April, not Jan–Apr
    trend = sales_by_period(sales, window)
    assert trend["sales"].tolist() == [0.0, 0.0, 90.0, 30.0]
    assert trend["last_year"].isna().all()


def test_the_biggest_movers_come_largest_change_first_and_leave_out_reps_that_did_not_move():
    sales = cube(
        [
            ("2026-03", "Ann", 100.0),
            ("2026-04", "Ann", 60.0),
            ("2026-03", "Bo", 10.0),
            ("2026-04", "Bo", 70.0),
            ("2026-03", "Cy", 5.0),
            ("2026-04", "Cy", 5.0),
        ]
    )
    window = sales_window(sales, pd.Period("2026-04", "M"), FiscalCalendar())
    movers = biggest_movers(sales_standing(sales, window))
    assert movers["rep"].tolist() == ["Bo", "Ann"]
    assert movers["change"].tolist() == [60.0, -40.0]
    assert set(movers["against"]) == {"previous"}  # no last year on record


# -- the period report through the command line -----------------------------------------------------------
EXPECTED = {
    "en": (
        "No target is set, so there is no attainment, pace or at-risk list",
        "Attainment needs a target",
        "goal wizard",
    ),
    "zh_CN": ("尚未设定目标，因此没有达成率、进度和风险名单", "达成率需要目标", "目标向导"),
}


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_salesplan_run_writes_the_tracking_pack_of_a_shop_without_targets(tmp_path, locale):
    folder = write_shop(tmp_path / "shop", locale)
    result = salesplan("run", str(folder), "--period", PERIOD)
    assert result.returncode == 0, result.stderr[-3000:]
    report = folder / "reports" / PERIOD
    text = page_text((report / "report_tracking.html").read_text(encoding="utf-8"))
    assert "Traceback" not in text and "Error" not in text
    for words in EXPECTED[locale]:
        assert words in text
    for figure in ("64,500", "193,501", "15,500", "16,000"):  # year to date, run rate, April, March
        assert figure in text
    ranking = text[text.index("Rankings" if locale == "en" else "排名") :]
    assert ranking.index("Wang") < ranking.index("Li") < ranking.index("Zhao")
    movers = text[text.index("Biggest movers" if locale == "en" else "变化最大") :]
    assert movers.index("Wang") < movers.index("Zhao") < movers.index("Li")
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))["report_tracking"]
    sales = pd.read_csv(folder / "data" / "sales.csv", thousands=",")
    assert metrics["tracking_has_targets"] is False
    assert metrics["tracking_actual_ytd"] == pytest.approx(sales["amount"].sum())
    assert metrics["tracking_actual_period"] == pytest.approx(15_500)
    assert not (folder / "tables" / "targets.csv").exists()  # nothing invented on the way


# -- the weekly report links the month's payouts from the month's last week ---------------------------------
WEEKLY_PLAN = """\
name: 提成小店
currency: CNY
locale: zh_CN
calendar: {grain: week}
sources:
  sales:
    path: data/sales.csv
    columns: {date: 日期, amount: 金额, rep: 销售}
incentives:
  commission: {base_rate: 0.05}
reports:
  templates: [sales_overview]  # the links are the index's, whatever the pages
"""
WEEKLY_SALES = [  # ISO weeks count in the month holding their Thursday: W18 (27 Apr–3 May) is April's last
    ("2026-04-08", "1200", "李伟"),
    ("2026-04-15", "2000", "王芳"),
    ("2026-04-22", "900", "王芳"),
    ("2026-04-29", "700", "李伟"),
    ("2026-05-05", "800", "王芳"),
]


def test_only_the_last_week_counting_in_a_month_names_the_month_whose_payouts_it_shows():
    weeks = FiscalCalendar("week")
    assert payout_month(weeks, weeks.parse("2026-W17")) is None
    assert payout_month(weeks, weeks.parse("2026-W18")) == pd.Period("2026-04", "M")  # Thu 30 April
    assert payout_month(weeks, weeks.parse("2026-W21")) is None
    assert payout_month(weeks, weeks.parse("2026-W22")) == pd.Period("2026-05", "M")  # W23's Thu: 4 June
    assert payout_month(weeks, weeks.parse("2026-W53")) == pd.Period("2026-12", "M")  # 2026 has 53 weeks
    assert payout_month(FiscalCalendar(), pd.Period("2026-04", "M")) == pd.Period("2026-04", "M")


def links(index: Path) -> list[str]:
    return re.findall(r'href="([^"]+)"', index.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_last_week_of_a_month_links_the_months_payouts_and_an_earlier_week_does_not(tmp_path):
    folder = tmp_path / "提成小店"
    (folder / "data").mkdir(parents=True)
    frame = pd.DataFrame(WEEKLY_SALES, columns=["日期", "金额", "销售"])
    frame.to_csv(folder / "data" / "sales.csv", index=False, encoding="utf-8")
    (folder / "plan.yaml").write_text(WEEKLY_PLAN, encoding="utf-8")
    prepared = salesplan("payouts", str(folder), "--period", "2026-04")
    assert prepared.returncode == 0, prepared.stderr
    month = folder / "reports" / "2026-04"
    for week in ("2026-W17", "2026-W18"):
        result = salesplan("run", str(folder), "--period", week)
        assert result.returncode == 0, result.stderr[-3000:]
    index = folder / "reports" / "2026-W18" / "index.html"
    hrefs = links(index)
    payout_files = [h for h in hrefs if "/payouts/" in h]
    assert payout_files == [
        "../2026-04/payouts/payouts-2026-04.csv",
        "../2026-04/payouts/payouts-2026-04.xlsx",
    ]
    statements = [h for h in hrefs if "/statements/" in h]
    assert statements == [
        "../2026-04/statements/李伟/statement-2026-04.zh_CN.html",
        "../2026-04/statements/王芳/statement-2026-04.zh_CN.html",
    ]
    for href in payout_files + statements:
        assert (index.parent / href).resolve().is_file(), href
        assert (index.parent / href).resolve().is_relative_to(month.resolve())
    assert "2026年4月 提成发放" in index.read_text(encoding="utf-8")
    earlier = links(folder / "reports" / "2026-W17" / "index.html")
    assert not [h for h in earlier if "payouts" in h or "statements" in h]


@pytest.mark.slow
def test_the_monthly_report_links_its_months_payouts(tmp_path):
    folder = write_shop(tmp_path / "shop", templates="sales_overview")
    assert salesplan("payouts", str(folder), "--period", PERIOD).returncode == 0
    result = salesplan("run", str(folder), "--period", PERIOD)
    assert result.returncode == 0, result.stderr[-3000:]
    index = folder / "reports" / PERIOD / "index.html"
    hrefs = links(index)
    assert "payouts/payouts-2026-04.csv" in hrefs and "payouts/payouts-2026-04.xlsx" in hrefs
    assert "statements/Zhao/statement-2026-04.en.html" in hrefs
    for href in hrefs:
        assert (index.parent / href).is_file(), href


# -- the tracker dashboard, served -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`salesplan serve` on the shop (its tracker dashboard); yields (folder, base URL, digest before)."""
    folder = write_shop(tmp_path_factory.mktemp("served") / "shop")
    assert salesplan("validate", str(folder)).returncode == 0
    before = tree_digest(folder)
    with serving(folder) as base:
        yield folder, base, before
    assert tree_digest(folder) == before  # and after the server has stopped


def open_tracker(browser, base: str, query: str = "") -> str:
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    traffic = KernelTraffic(page)
    try:
        page.goto(f"{base}/voila/render/tracker.ipynb{query}", timeout=LOAD_MS)
        page.wait_for_selector(".salesplan-tracker-sales", state="visible", timeout=LOAD_MS)
        traffic.settle()
        assert page.locator('.jp-OutputArea-output[data-mime-type*="error"], .salesplan-error').count() == 0
        assert page.locator(".salesplan-tracker-sales svg").count() >= 1  # the trend chart, drawn offline
        return re.sub(r"\s+", " ", page.inner_text("body"))
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_the_served_tracker_shows_sales_without_a_target_and_writes_nothing(browser, served):
    folder, base, before = served
    text = open_tracker(browser, base)
    assert "cannot be shown" not in text and "Traceback" not in text
    assert "No target is set, so there is no attainment, pace or at-risk list" in text
    assert "$64,500" in text and "$193,501" in text
    ranking = text[text.index("Rankings") :]
    assert ranking.index("Wang") < ranking.index("Li") < ranking.index("Zhao")
    # the address narrows to one rep, as the tracker with targets does
    only_li = open_tracker(browser, base, "?rep=Li")
    assert "Li" in only_li and "Wang" not in only_li and "Zhao" not in only_li
    assert "$28,000" in only_li  # Li's year to date
    assert tree_digest(folder) == before

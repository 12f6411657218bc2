"""The report index keeps up with payouts: prepared, approved or closed after the period run, a month's
payouts appear in (and stay current in) the index of every report that links that month — the month's
own, the month's last week's, its quarter's — with nothing else of the report touched and no report made
that was not run. A quarterly report links each month of its quarter, folded per month.

Before: the index was written at `salesplan run` only (payouts prepared later appeared at the next run),
and a quarterly report linked its last month alone. The shop is test_tracking_without_targets.py's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from test_read_only import tree_digest
from test_tracking_without_targets import WEEKLY_PLAN, WEEKLY_SALES, links, salesplan, write_shop

from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.report.index import PageLink, index_page, payouts_block, with_payouts
from salesplan_widgets.report.payout_links import payout_months
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import prepare_and_publish

pytestmark = pytest.mark.slow


def run(*args: str) -> str:
    result = salesplan(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def report_bodies(report: Path) -> dict[str, str]:
    """Every file of a report except its index and what `salesplan payouts` writes into it."""
    return {
        k: v
        for k, v in tree_digest(report).items()
        if k != "index.html" and Path(k).parts[0] not in ("payouts", "statements")
    }


def payout_hrefs(index: Path) -> list[str]:
    return [h for h in links(index) if "/payouts/" in h or h.startswith(("payouts/", "statements/"))]


def test_payouts_prepared_approved_and_closed_after_the_run_appear_in_the_months_index(tmp_path):
    folder = write_shop(tmp_path / "shop", templates="sales_overview")
    run("run", str(folder), "--period", "2026-04")
    report = folder / "reports" / "2026-04"
    index = report / "index.html"
    assert payout_hrefs(index) == []  # nothing prepared yet
    bodies, page = report_bodies(report), index.read_text(encoding="utf-8")

    said = run("payouts", str(folder), "--period", "2026-04")
    assert f"Report index updated: {index}" in said  # the command says which page now links them
    hrefs = payout_hrefs(index)
    assert "payouts/payouts-2026-04.csv" in hrefs and "payouts/payouts-2026-04.xlsx" in hrefs
    assert [h for h in hrefs if h.startswith("statements/")] == [
        f"statements/{rep}/statement-2026-04.en.html" for rep in ("Li", "Wang", "Zhao")
    ]
    for href in hrefs:
        assert (report / href).is_file(), href
    assert report_bodies(report) == bodies  # the report's pages, notebooks and metrics untouched
    # the index changed in its payouts block only
    refreshed = index.read_text(encoding="utf-8")
    assert with_payouts(refreshed, "") == with_payouts(page, "")
    assert "Payouts for Apr 2026" in refreshed

    # a month never run gets its payout files, not a report
    run("payouts", str(folder), "--period", "2026-03")
    assert not (folder / "reports" / "2026-03" / "index.html").exists()
    assert payout_hrefs(index) == hrefs  # and April's index does not link March

    for step in ("--approve", "--close"):
        run("payouts", str(folder), "--period", "2026-04", step)
        assert payout_hrefs(index) == hrefs
        assert report_bodies(report) == bodies
    assert not list(report.glob(".index.html.*"))  # no temporary file left behind


def test_the_last_week_of_a_month_links_payouts_prepared_after_its_run(tmp_path):
    folder = tmp_path / "提成小店"
    (folder / "data").mkdir(parents=True)
    frame = pd.DataFrame(WEEKLY_SALES, columns=["日期", "金额", "销售"])
    frame.to_csv(folder / "data" / "sales.csv", index=False, encoding="utf-8")
    (folder / "plan.yaml").write_text(WEEKLY_PLAN, encoding="utf-8")
    for week in ("2026-W17", "2026-W18"):
        run("run", str(folder), "--period", week)
    w17, w18 = (folder / "reports" / w / "index.html" for w in ("2026-W17", "2026-W18"))
    before17 = w17.read_bytes()
    assert payout_hrefs(w18) == []
    # the notebook's way: the same ledger step as the command line
    step = prepare_and_publish(open_workbook(folder), "2026-04")
    assert step.indexes == (w18,)
    assert [h for h in payout_hrefs(w18) if "/payouts/" in h] == [
        "../2026-04/payouts/payouts-2026-04.csv",
        "../2026-04/payouts/payouts-2026-04.xlsx",
    ]
    assert "2026年4月 提成发放" in w18.read_text(encoding="utf-8")
    assert w17.read_bytes() == before17  # an earlier week does not show the month's pay
    assert not (folder / "reports" / "2026-04" / "index.html").exists()


QUARTER_PLAN_LINE = "calendar: {grain: quarter}\n"


def test_a_quarterly_report_links_each_month_of_its_quarter_folded_per_month(tmp_path):
    folder = write_shop(tmp_path / "shop", templates="sales_overview")
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + QUARTER_PLAN_LINE, encoding="utf-8")
    for month in ("2026-01", "2026-02"):
        run("payouts", str(folder), "--period", month)
    run("run", str(folder), "--period", "2026Q1")
    index = folder / "reports" / "2026Q1" / "index.html"
    page = index.read_text(encoding="utf-8")
    months = re.findall(r'<details class="salesplan-payout-month"><summary>([^<]+)</summary>', page)
    assert len(months) == 2 and months == ["Payouts for Jan 2026", "Payouts for Feb 2026"]
    files = [h for h in links(index) if "/payouts/" in h]
    assert files == [
        "../2026-01/payouts/payouts-2026-01.csv",
        "../2026-01/payouts/payouts-2026-01.xlsx",
        "../2026-02/payouts/payouts-2026-02.csv",
        "../2026-02/payouts/payouts-2026-02.xlsx",
    ]
    for href in links(index):
        assert (index.parent / href).resolve().is_file(), href
    # March, prepared after the run, joins its quarter's index
    run("payouts", str(folder), "--period", "2026-03")
    files = [h for h in links(index) if "/payouts/" in h]
    assert files[-2:] == ["../2026-03/payouts/payouts-2026-03.csv", "../2026-03/payouts/payouts-2026-03.xlsx"]
    months = re.findall(
        r'<details class="salesplan-payout-month"><summary>([^<]+)</summary>',
        index.read_text(encoding="utf-8"),
    )
    assert months[2] == "Payouts for Mar 2026"
    statements = [h for h in links(index) if "/statements/" in h]
    assert "../2026-03/statements/Wang/statement-2026-03.en.html" in statements


def test_a_quarter_links_its_three_months_and_a_fiscal_quarter_its_fiscal_months():
    quarters = FiscalCalendar("quarter")
    assert [str(m) for m in payout_months(quarters, quarters.parse("2026Q2"))] == [
        "2026-04",
        "2026-05",
        "2026-06",
    ]
    april_start = FiscalCalendar("quarter", 4)
    q1 = april_start.parse("2027Q1")  # the fiscal year from April 2026
    assert [str(m) for m in payout_months(april_start, q1)] == ["2026-04", "2026-05", "2026-06"]
    months = FiscalCalendar()
    assert payout_months(months, pd.Period("2026-04", "M")) == [pd.Period("2026-04", "M")]
    weeks = FiscalCalendar("week")
    assert payout_months(weeks, weeks.parse("2026-W17")) == []


def test_with_payouts_replaces_only_the_payouts_block():
    page = index_page("Shop", "2026-04", [PageLink("a.html", "A </ul> page", "a.ipynb")], "abc", "v1", "")
    block = payouts_block("April 2026", [], [])
    assert with_payouts(page, block) == page  # nothing prepared: the same bytes
    from salesplan_widgets.report.index import PayoutLink

    linked = with_payouts(page, payouts_block("April 2026", [PayoutLink("payouts/p.csv", "p.csv")], []))
    assert 'href="payouts/p.csv"' in linked
    assert linked.replace(payouts_block("April 2026", [PayoutLink("payouts/p.csv", "p.csv")], []), "") == page
    assert with_payouts("<html>not an index</html>", block) is None

"""init's sample rows are marked as samples: validate warns, reports and dashboards say "sample data", and all
of it stops once real sales history replaces them."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.i18n import set_locale
from salesplan_widgets.report.overview import OverviewReport
from salesplan_widgets.serve import await_answer, free_port
from salesplan_widgets.widgets.goal_wizard import goal_panel
from salesplan_widgets.widgets.guide import validation_summary
from salesplan_widgets.widgets.overview import SalesOverview
from salesplan_widgets.workbook.scaffold import HEADERS, init_workbook

NOTICE = {"en": "Sample data:", "zh_CN": "示例数据："}


def salesplan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", *args], capture_output=True, text=True
    )


def replace_with_real_sales(folder: Path, locale: str) -> None:
    """Fourteen months of three reps' invoices in init's own headers: the newcomer's data replacing the samples."""
    rows = [
        [f"{year}-{month:02d}-{day:02d}", f"{1000 + 37 * i + 11 * month:.2f}", rep, team, "Metro", "A", "online",
         "Core", f"Client {i}", "2"]  # fmt: skip
        for year, months in ((2025, range(1, 13)), (2026, range(1, 3)))
        for month in months
        for i, (rep, team, day) in enumerate((("Ana Ortiz", "East", 3), ("Ben Cole", "East", 9), ("Cy Park", "West", 17)))
    ]  # fmt: skip
    with open(folder / "data" / "sales.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADERS[locale].values())
        writer.writerows(rows)


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_validate_warns_about_sample_rows_until_real_data_replaces_them(tmp_path: Path, locale: str) -> None:
    folder = init_workbook(tmp_path / "wb", locale=locale)
    with_samples = salesplan("validate", str(folder))
    assert with_samples.returncode == 0, (
        with_samples.stderr
    )  # a warning, not an error: the file's shape is right
    reps = "示例代表1, 示例代表2" if locale == "zh_CN" else "Sample rep 1, Sample rep 2"
    assert "warning" in with_samples.stderr.lower() or "警告" in with_samples.stderr
    assert reps in with_samples.stderr
    replace_with_real_sales(folder, locale)
    real = salesplan("validate", str(folder))
    assert real.returncode == 0, real.stderr
    assert "Sample rep" not in real.stderr and "示例代表" not in real.stderr


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_every_report_title_and_dashboard_says_sample_data(tmp_path: Path, locale: str) -> None:
    folder = init_workbook(tmp_path / "wb", locale=locale)
    set_locale(locale)
    report = OverviewReport.open(folder, "2026-01")
    assert NOTICE[locale] in str(report.title())
    overview = SalesOverview.dashboard(folder)
    assert any(NOTICE[locale] in notice for notice in overview.notices)
    assert NOTICE[locale] in goal_panel(folder).value  # the goal page: the goal report's own title
    assert NOTICE[locale] in validation_summary(open_workbook(folder))  # each step notebook's data check

    replace_with_real_sales(folder, locale)
    assert NOTICE[locale] not in str(OverviewReport.open(folder, "2026-02").title())
    assert not any(NOTICE[locale] in n for n in SalesOverview.dashboard(folder).notices)
    assert NOTICE[locale] not in validation_summary(open_workbook(folder))


@pytest.mark.slow
def test_period_report_of_an_init_workbook_shows_the_sample_notice(tmp_path: Path) -> None:
    folder = init_workbook(tmp_path / "wb", locale="en")
    result = salesplan("run", str(folder), "--period", "2026-01")
    assert result.returncode == 0, result.stderr
    page = (folder / "reports" / "2026-01" / "sales_overview.html").read_text(encoding="utf-8")
    assert "salesplan-sample-notice" in page
    assert "These figures are not real until your own sales history replaces them in data/sales.csv." in page
    assert open_workbook(folder).validate() == []


@pytest.mark.browser
@pytest.mark.slow
def test_served_dashboards_of_an_init_workbook_show_the_notice_in_chinese(browser, tmp_path: Path) -> None:
    folder = init_workbook(tmp_path / "wb", locale="zh_CN")
    plan = folder / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("dashboards: [overview]", "dashboards: [overview, goal]"),
        encoding="utf-8",
    )
    port, log = free_port(), tmp_path / "serve.log"
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "salesplan_widgets.cli", "serve", str(folder), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        assert await_answer(process, base + "/", log, timeout=120) is None
        for dashboard in ("overview", "goal"):
            page = browser.new_page()
            try:
                page.goto(f"{base}/voila/render/{dashboard}.ipynb", timeout=180_000)
                notice = page.get_by_text("示例数据：", exact=False).first
                notice.wait_for(state="visible", timeout=180_000)
                assert "示例代表1" in notice.inner_text()
            finally:
                page.close()
    finally:
        process.send_signal(signal.SIGINT)  # the CLI stops its Voila on Ctrl-C
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

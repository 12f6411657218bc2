"""A workbook with only date, amount and rep (Texas home sales, city as rep) goes through every step
notebook, every report template (`salesplan run`) and every dashboard (`salesplan serve` in Chromium):
no KeyError, no error text, and the sections about a dimension the data lack say so in both languages."""

from __future__ import annotations

import subprocess
import sys

import papermill
import pytest
from fixtures.kernel_traffic import KernelTraffic
from fixtures.minimal_workbook import write_minimal_workbook
from fixtures.serving import serving

from salesplan_widgets.paths import templates_dir

pytestmark = pytest.mark.slow

REPORT_TEMPLATES = ("sales_overview", "report_goal", "report_split", "report_incentives", "report_tracking")
STEP_NOTEBOOKS = ("start", "goal_setting", "task_split", "incentives", "tracking")
DASHBOARDS = {
    "overview": ".salesplan-overview",
    "tracker": ".salesplan-tracker",
    "incentives": "h1.salesplan-title",  # the read-only view shows the report's own sections
    "my_targets": ".salesplan-my-targets",
    "goal": ".salesplan-goal-panel",
}
PERIOD = "2025-06"
LOAD_MS = 180_000
ERRORS = (
    '.jp-OutputArea-output[data-mime-type*="error"], .jp-RenderedText[data-mime-type*="stderr"], '
    ".salesplan-error"
)


def salesplan(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", *args], capture_output=True, text=True, **kwargs
    )


def test_the_minimal_workbook_holds_only_date_amount_and_rep(tmp_path):
    folder = write_minimal_workbook(tmp_path / "texas")
    header = (folder / "data" / "sales.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "date,volume,city"
    result = salesplan("validate", str(folder))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_every_report_template_runs_on_date_amount_and_rep_only(tmp_path, locale):
    folder = write_minimal_workbook(tmp_path / "texas", locale=locale, templates=REPORT_TEMPLATES)
    result = salesplan("run", str(folder), "--period", PERIOD, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    report = folder / "reports" / PERIOD
    pages = {name: (report / f"{name}.html").read_text(encoding="utf-8") for name in REPORT_TEMPLATES}
    for name, page in pages.items():
        assert "Traceback" not in page and "KeyError" not in page, name
        assert ">all<" not in page, f"{name} shows a dimension the data lack as 'all'"
    split = pages["report_split"]
    if locale == "en":
        assert "The sales data have no segment column, so targets are not split by segment." in split
        assert "The sales data have no channel column" in split
        assert "From target to actual by rep, year to date" in pages["report_tracking"]
        assert (
            "no segment, channel, territory or product column, so there is no mix to show"
            in pages["sales_overview"]
        )
    else:
        assert "销售数据中没有客户分层列，因此目标未按客户分层拆分。" in split
        assert "没有可显示的客户分层" in split
        assert "因此没有可显示的构成" in pages["sales_overview"]


def test_every_step_notebook_runs_on_date_amount_and_rep_only(tmp_path):
    folder = write_minimal_workbook(tmp_path / "texas")
    for name in STEP_NOTEBOOKS:
        executed = tmp_path / f"{name}.ipynb"
        papermill.execute_notebook(
            str(templates_dir() / f"{name}.ipynb"),
            str(executed),
            parameters={"workbook": str(folder)},
            cwd=str(folder),
            progress_bar=False,
            kernel_name="python3",
        )
        text = executed.read_text(encoding="utf-8")
        assert '"output_type": "error"' not in text and "salesplan-error" not in text, name


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`salesplan serve` on the minimal workbook with every dashboard, stopped with Ctrl-C afterwards."""
    folder = write_minimal_workbook(
        tmp_path_factory.mktemp("minimal") / "texas", dashboards=tuple(DASHBOARDS)
    )
    # the default cap: each page below is left before the next opens, which shuts its kernel down at once
    with serving(folder) as base:
        yield base


@pytest.mark.browser
@pytest.mark.parametrize("dashboard", list(DASHBOARDS))
def test_every_dashboard_renders_a_minimal_workbook_without_error_text(browser, served, dashboard):
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    traffic = KernelTraffic(page)
    try:
        page.goto(f"{served}/voila/render/{dashboard}.ipynb", timeout=LOAD_MS)
        page.wait_for_selector(DASHBOARDS[dashboard], state="attached", timeout=LOAD_MS)
        traffic.settle()  # the widgets' later updates: every request of the page answered by its kernel
        body = page.inner_text("body")
        assert page.locator(ERRORS).count() == 0, body[:2000]
        for text in ("Traceback", "KeyError", "There was an error", "cannot be shown"):
            assert text not in body, (text, body[:2000])
    finally:
        page.goto("about:blank")  # leaving runs the page's beforeunload: Voila shuts its kernel down
        page.close()

"""The served overview dashboard in headless Chromium: charts and controls visible, no errors, controls move the chart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_overview_widget import write_sales_workbook

from salesplan_widgets.serve import ServeSettings, free_port, stage_dashboards, start_voila, stop_voila
from salesplan_widgets.testing import screenshots_dir

pytestmark = pytest.mark.browser

SCREENSHOT = screenshots_dir() / "dashboard_overview.png"
LOAD_MS = 120_000
ERRORS = '.jp-OutputArea-output[data-mime-type*="error"], .jp-RenderedText[data-mime-type*="stderr"]'
TREND_BARS = """() => Array.from(document.querySelectorAll('.bqplot.figure')[0].querySelectorAll('rect.bar'))
    .map(r => r.getAttribute('height'))"""


def demo_or_fixture(folder: Path) -> Path:
    """The committed demo company when it is there (what the user guide shows), else a small fixture."""
    import shutil

    demo = Path(__file__).resolve().parents[1] / "workbooks" / "demo"
    if (demo / "plan.yaml").is_file():
        shutil.copytree(demo, folder / "demo", ignore=shutil.ignore_patterns(".cache", "reports"))
        return folder / "demo"
    return write_sales_workbook(folder / "fixture")


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workbook = demo_or_fixture(tmp_path_factory.mktemp("browser"))
    settings = ServeSettings(port=free_port())
    process = start_voila(stage_dashboards(workbook), settings, timeout=90)
    try:
        yield f"http://127.0.0.1:{settings.port}/voila/render/overview.ipynb"
    finally:
        stop_voila(process)


def open_dashboard(browser, url: str):
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    page.goto(url, timeout=LOAD_MS)
    page.wait_for_selector(".salesplan-overview .bqplot.figure svg", state="visible", timeout=LOAD_MS)
    page.wait_for_function(
        "() => document.querySelectorAll('.bqplot.figure')[0]?.querySelectorAll('rect.bar').length > 0",
        timeout=LOAD_MS,
    )
    return page


def screenshot(page, path: Path) -> None:
    """The whole dashboard: Voila scrolls inside #rendered_cells, so `full_page` alone stops at the window;
    the window grows to the content's height first."""
    height = page.evaluate(
        "() => (document.getElementById('rendered_cells') || document.documentElement).scrollHeight"
    )
    page.set_viewport_size({"width": 1200, "height": max(1000, int(height) + 20)})
    page.wait_for_timeout(500)  # let bqplot lay its figures out again
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


def test_dashboard_shows_charts_and_controls_without_errors(browser, dashboard_url: str) -> None:
    page = open_dashboard(browser, dashboard_url)
    try:
        assert page.locator(".salesplan-overview .bqplot.figure").count() == 2
        assert page.locator(".salesplan-overview select").first.is_visible()
        assert page.locator(".salesplan-headline").is_visible()
        assert page.locator(ERRORS).count() == 0
        assert "Traceback" not in page.content() and "There was an error" not in page.inner_text("body")
        screenshot(page, SCREENSHOT)
    finally:
        page.close()


def test_changing_the_team_redraws_the_bars(browser, dashboard_url: str) -> None:
    page = open_dashboard(browser, dashboard_url)
    try:
        before = page.evaluate(TREND_BARS)
        team_select = page.locator(".salesplan-overview select").first
        team = team_select.locator("option").nth(1).get_attribute("value")
        team_select.select_option(team)
        page.wait_for_function(
            f"(before) => JSON.stringify(({TREND_BARS})()) !== JSON.stringify(before)", arg=before
        )
        after = page.evaluate(TREND_BARS)
        assert len(after) == len(before) == 12
        assert after != before
        assert page.locator(ERRORS).count() == 0
    finally:
        page.close()


def test_the_address_selects_the_team_and_bad_values_get_a_notice(browser, dashboard_url: str) -> None:
    page = open_dashboard(browser, dashboard_url)
    team = page.locator(".salesplan-overview select").first.locator("option").nth(1).get_attribute("value")
    everyone = page.evaluate(TREND_BARS)
    page.close()
    page = open_dashboard(browser, f"{dashboard_url}?team={team}")
    try:
        assert page.locator(".salesplan-overview select").first.input_value() == team
        assert page.evaluate(TREND_BARS) != everyone
        assert page.locator(".salesplan-notice").count() == 0
    finally:
        page.close()
    page = open_dashboard(browser, f"{dashboard_url}?period=..%2F..%2Fetc&team=%3Cb%3Eq7x%3C%2Fb%3E")
    try:
        notice = page.locator(".salesplan-notice")
        assert notice.is_visible() and "ignored" in notice.inner_text()
        assert "q7x" not in page.inner_text("body") and page.locator("b:has-text('q7x')").count() == 0
        assert page.eval_on_selector(".salesplan-overview select", "s => s.selectedIndex") == 0  # all teams
        assert page.locator(ERRORS).count() == 0
    finally:
        page.close()


def test_preheated_kernels_still_take_the_team_from_the_address(browser, tmp_path: Path) -> None:
    workbook = write_sales_workbook(tmp_path / "workbook")
    settings = ServeSettings(port=free_port(), preheat=True, pool_size=1)
    process = start_voila(stage_dashboards(workbook), settings, timeout=90)
    try:
        url = f"http://127.0.0.1:{settings.port}/voila/render/overview.ipynb"
        for team in ("North", "East"):  # the second page gets a kernel heated after the first was taken
            page = open_dashboard(browser, f"{url}?team={team}")
            try:
                assert page.locator(".salesplan-overview select").first.input_value() == team
                assert page.locator(ERRORS).count() == 0
            finally:
                page.close()
    finally:
        stop_voila(process)

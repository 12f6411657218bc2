"""Every dashboard of a weekly workbook, served by Voila and opened in headless Chromium: each renders its
charts or figures at the weekly grain, without an error box or a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from salesplan_widgets.demo import DASHBOARDS, create_demo
from salesplan_widgets.serve import ServeSettings, free_port, stage_dashboards, start_voila, stop_voila

pytestmark = pytest.mark.browser

LOAD_MS = 120_000
ERRORS = '.jp-OutputArea-output[data-mime-type*="error"], .jp-RenderedText[data-mime-type*="stderr"]'
READY = {
    "overview": ".salesplan-overview .bqplot.figure svg",
    "tracker": ".salesplan-tracker .bqplot.figure svg",
    "incentives": "h2:has-text('Recognition')",
    "my_targets": "p:has-text('Year target')",
    "goal": ".salesplan-goal-panel svg",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workbook = create_demo(tmp_path_factory.mktemp("weekly") / "wb", end="2026-10", rows=20_000, grain="week")
    settings = ServeSettings(port=free_port())
    process = start_voila(stage_dashboards(workbook), settings, timeout=90)
    try:
        yield f"http://127.0.0.1:{settings.port}/voila/render"
    finally:
        stop_voila(process)


@pytest.mark.parametrize("dashboard", DASHBOARDS)
def test_weekly_dashboard_renders_without_errors(browser, served: str, dashboard: str) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    try:
        page.goto(f"{served}/{dashboard}.ipynb", timeout=LOAD_MS)
        page.wait_for_selector(READY[dashboard], state="visible", timeout=LOAD_MS)
        body = page.inner_text("body")
        assert page.locator(ERRORS).count() == 0
        assert "Traceback" not in page.content() and "cannot be shown" not in body
        if dashboard in ("overview", "tracker"):
            assert "W44 2026" in body  # the period picker names weeks by the calendar
    finally:
        page.close()

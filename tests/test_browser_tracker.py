"""The served tracker dashboard in headless Chromium: it draws, and a team chosen in the page moves the chart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fixtures.tracking_data import write_tracking_workbook

from salesplan_widgets.serve import ServeSettings, free_port, stage_dashboards, start_voila, stop_voila

pytestmark = pytest.mark.browser

LOAD_MS = 120_000
ERRORS = '.jp-OutputArea-output[data-mime-type*="error"], .jp-RenderedText[data-mime-type*="stderr"]'
# the y positions of the actual line's path in the first chart (cumulative actual vs target vs expected)
ACTUAL_PATH = """() => Array.from(document.querySelectorAll('.salesplan-tracker .bqplot.figure')[0]
    .querySelectorAll('path.line')).map(p => p.getAttribute('d'))"""


@pytest.fixture(scope="module")
def tracker_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("tracker") / "wb"
    workbook = write_tracking_workbook(folder, {"Ann": 1.2, "Bo": 0.5, "Cy": 0.95})
    plan = workbook.path / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8") + "reports:\n  dashboards: [tracker]\n", encoding="utf-8"
    )
    settings = ServeSettings(port=free_port())
    process = start_voila(stage_dashboards(workbook.path), settings, timeout=90)
    try:
        yield f"http://127.0.0.1:{settings.port}/voila/render/tracker.ipynb"
    finally:
        stop_voila(process)


def open_tracker(browser, url: str):
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    page.goto(url, timeout=LOAD_MS)
    page.wait_for_selector(".salesplan-tracker .bqplot.figure svg", state="visible", timeout=LOAD_MS)
    page.wait_for_function(f"() => ({ACTUAL_PATH})().some(d => d && d.length > 10)", timeout=LOAD_MS)
    return page


def test_choosing_a_team_redraws_the_cumulative_chart(browser, tracker_url: str) -> None:
    page = open_tracker(browser, tracker_url)
    try:
        assert page.locator(ERRORS).count() == 0
        assert "Traceback" not in page.content()
        before = page.evaluate(ACTUAL_PATH)
        page.locator(".salesplan-tracker select").first.select_option("West")
        page.wait_for_function(
            f"(before) => JSON.stringify(({ACTUAL_PATH})()) !== JSON.stringify(before)", arg=before
        )
        assert page.evaluate(ACTUAL_PATH) != before
        assert page.locator(ERRORS).count() == 0
    finally:
        page.close()


def test_the_address_selects_the_team(browser, tracker_url: str) -> None:
    page = open_tracker(browser, f"{tracker_url}?team=East")
    try:
        assert page.locator(".salesplan-tracker select").first.input_value() == "East"
        assert page.locator(ERRORS).count() == 0
    finally:
        page.close()

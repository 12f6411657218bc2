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


# every tick of the first figure's axes: its translation, its text, the text's own (unrotated) height, its
# rotation and its own width
AXIS_TICKS = """selector => Array.from(document.querySelector(selector).querySelectorAll('g.axis')).map(axis =>
    Array.from(axis.querySelectorAll('g.tick')).map(tick => {
        const text = tick.querySelector('text');
        return [tick.getAttribute('transform') || '', text ? text.textContent : '',
                text ? text.getBBox().height : 0, text ? (text.getAttribute('transform') || '') : '',
                text ? text.getBBox().width : 0];
    }))"""


@pytest.mark.parametrize("dashboard", ["overview", "tracker"])
def test_a_year_of_week_names_on_a_served_time_axis_never_collide(
    browser, served: str, dashboard: str
) -> None:
    """Measured in Chromium: neighbouring week names d pixels apart along the axis must not touch. Rotated
    by θ they stand d·sin θ apart across their lines, at least a line of text (the names' own height);
    upright, d must be at least a name's width."""
    import math
    import re

    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    try:
        page.goto(f"{served}/{dashboard}.ipynb", timeout=LOAD_MS)
        page.wait_for_selector(READY[dashboard], state="visible", timeout=LOAD_MS)
        page.wait_for_timeout(1_000)  # the axis transitions settle
        axes = page.evaluate(AXIS_TICKS, f".salesplan-{dashboard} .bqplot.figure")
    finally:
        page.close()
    time_axis = next(ticks for ticks in axes if any(t[1].startswith("W") for t in ticks))
    assert len(time_axis) >= 52  # a year of weeks: every week keeps its tick mark
    named = [t for t in time_axis if t[1].strip()]
    assert 2 <= len(named) <= 24 and len({t[1] for t in named}) == len(named)
    xs = [float(re.search(r"translate\(([-\d.e]+)", t[0]).group(1)) for t in named]
    assert xs == sorted(xs)
    rotation = re.search(r"rotate\(([-\d.]+)", named[0][3])
    angle = math.radians(abs(float(rotation.group(1)))) if rotation else 0.0
    height, width = max(t[2] for t in named), max(t[4] for t in named)
    for x0, x1 in zip(xs, xs[1:], strict=False):
        if angle:
            assert (x1 - x0) * math.sin(angle) >= height, (x1 - x0, angle, height)
        else:
            assert x1 - x0 >= width, (x1 - x0, width)

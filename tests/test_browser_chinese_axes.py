"""A served Chinese tracker in headless Chromium: its value axes count in 万/亿 as drawn, never in SI units,
from a zero without a minus sign."""

from __future__ import annotations

import pytest
from fixtures.tracking_data import write_tracking_workbook

from salesplan_widgets.serve import ServeSettings, free_port, stage_dashboards, start_voila, stop_voila

pytestmark = pytest.mark.browser

LOAD_MS = 120_000
# the tick texts of every axis of the tracker's first figure (cumulative actual, expected and target)
TICKS = """() => Array.from(document.querySelectorAll('.salesplan-tracker .bqplot.figure')[0]
    .querySelectorAll('.tick text')).map(t => t.textContent)"""


def test_a_served_chinese_trackers_value_axis_shows_wan_never_millions(browser, tmp_path) -> None:
    workbook = write_tracking_workbook(tmp_path / "wb", {"Ann": 1.2, "Bo": 0.5, "Cy": 0.95}, locale="zh_CN")
    plan = workbook.path / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8") + "reports:\n  dashboards: [tracker]\n", encoding="utf-8"
    )
    settings = ServeSettings(port=free_port())
    process = start_voila(stage_dashboards(workbook.path), settings, timeout=90)
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    try:
        page.goto(f"http://127.0.0.1:{settings.port}/voila/render/tracker.ipynb", timeout=LOAD_MS)
        page.wait_for_selector(".salesplan-tracker .bqplot.figure svg", state="visible", timeout=LOAD_MS)
        page.wait_for_function(
            f"() => ({TICKS})().some(t => t.includes('万') || t.includes('亿'))", timeout=LOAD_MS
        )
        shown = page.evaluate(TICKS)
        assert any("万" in text or "亿" in text for text in shown), shown
        assert not any(unit in text for text in shown for unit in ("M", "k", "K", "G")), shown
        assert "0" in shown and not any(text.startswith(("-", "−")) for text in shown), shown  # not "-0"
    finally:
        page.close()
        stop_voila(process)

"""The served Tracker and Overview, through `salesplan serve` (Voila) in headless Chromium, name the plan's
period on their period pickers: "Week" on a weekly workbook in English, "季度" on a quarterly one in
Chinese — never "Month"/"月份", which a pay calculator or the by-month feedback log may still say."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.serving import serving

from salesplan_widgets.demo import create_demo

pytestmark = pytest.mark.browser

LOAD_MS = 120_000
READY = {
    "overview": ".salesplan-overview .bqplot.figure svg",
    "tracker": ".salesplan-tracker .bqplot.figure svg",
}
LABELS = "() => Array.from(document.querySelectorAll('.widget-label')).map(l => l.textContent.trim())"


@pytest.fixture(
    scope="module", params=[("week", "en", "Week", "Month"), ("quarter", "zh_CN", "季度", "月份")]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, str]]:
    grain, locale, name, month = request.param
    folder: Path = create_demo(
        tmp_path_factory.mktemp(f"{grain}_{locale}") / "wb",
        end="2026-10",
        rows=5_000,
        grain=grain,
        locale=locale,
    )
    with serving(folder) as base:
        yield base, name, month


@pytest.mark.parametrize("dashboard", list(READY))
def test_the_served_period_picker_names_the_plans_period(
    browser, served: tuple[str, str, str], dashboard: str
) -> None:
    base, name, month = served
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    try:
        page.goto(f"{base}/voila/render/{dashboard}.ipynb", timeout=LOAD_MS)
        page.wait_for_selector(READY[dashboard], state="visible", timeout=LOAD_MS)
        labels = page.evaluate(LABELS)
        assert name in labels, labels
        assert month not in labels, labels
        assert "Traceback" not in page.content()
    finally:
        page.goto("about:blank")  # leaving runs the page's beforeunload: Voila shuts its kernel down
        page.close()

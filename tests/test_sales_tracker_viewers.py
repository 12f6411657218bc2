"""Many viewers of the served sales-only tracker at once change nothing, and each sees the plan's shocks.

`salesplan serve` on the flat shop (no targets, four months of history) whose plan expects two market
shocks: six browser pages open the tracker page together (each its own browser context, each loading while
the others load, some with an address selecting a rep), every page served shows the sales-only view, the
word on why the shocks change nothing without a target, and the figures of its selection; every file of
the workbook is byte-identical afterwards, and after the server has stopped.
"""

from __future__ import annotations

import re

import pytest
from fixtures.serving import serving
from test_read_only import tree_digest
from test_shocks_without_targets import SAID, shop_with_shocks
from test_tracking_without_targets import salesplan

pytestmark = [pytest.mark.slow, pytest.mark.browser]

VIEWERS = 6
LOAD_MS = 240_000
QUERIES = ["", "?rep=Li", "", "?rep=Wang", "", "?rep=Zhao"]
YTD = {"": "$64,500", "?rep=Li": "$28,000", "?rep=Wang": "$34,000", "?rep=Zhao": "$2,500"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`salesplan serve` on the shop, with room for every viewer's kernel; yields (folder, base, digest)."""
    folder = shop_with_shocks(tmp_path_factory.mktemp("viewers") / "shop")
    assert salesplan("validate", str(folder)).returncode == 0
    before = tree_digest(folder)
    with serving(
        folder, "--max-kernels", str(VIEWERS), "--pool-size", "2", ready_within=180, stop_within=60
    ) as base:
        yield folder, base, before
    assert tree_digest(folder) == before  # and after the server has stopped


def test_many_viewers_at_once_see_the_sales_only_tracker_and_change_no_file(browser, served):
    folder, base, before = served
    contexts = [browser.new_context(viewport={"width": 1200, "height": 1000}) for _ in range(VIEWERS)]
    try:
        pages = [context.new_page() for context in contexts]
        responses = [  # every page starts loading before any has drawn: the kernels start together
            page.goto(f"{base}/voila/render/tracker.ipynb{query}", wait_until="commit", timeout=LOAD_MS)
            for page, query in zip(pages, QUERIES, strict=True)
        ]
        assert [r.status for r in responses] == [200] * VIEWERS  # room for all: none turned away busy
        for page, query in zip(pages, QUERIES, strict=True):
            page.wait_for_selector(".salesplan-tracker-sales svg", state="visible", timeout=LOAD_MS)
            assert (
                page.locator('.jp-OutputArea-output[data-mime-type*="error"], .salesplan-error').count() == 0
            )
            text = re.sub(r"\s+", " ", page.inner_text("body"))
            for words in SAID["en"]:
                assert words in text
            assert YTD[query] in text, (query, text[:2000])
            others = {"?rep=Li": "Wang", "?rep=Wang": "Zhao", "?rep=Zhao": "Li"}.get(query)
            if others:
                assert others not in text.split("Rankings")[1]  # the address narrowed the page to its rep
        assert tree_digest(folder) == before  # while every page is open
    finally:
        for context in contexts:
            context.close()
    assert tree_digest(folder) == before

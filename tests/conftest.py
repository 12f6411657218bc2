"""Shared test set-up: each test starts in English, whatever locale an earlier test's workbook set."""

from __future__ import annotations

import pytest

from salesplan_widgets.i18n import set_locale


@pytest.fixture(autouse=True)
def _english_by_default():
    set_locale("en")
    yield
    set_locale("en")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (Debian's binary; see salesplan_widgets.testing)."""
    from playwright.sync_api import sync_playwright

    from salesplan_widgets.testing import launch_chromium

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        try:
            yield chromium
        finally:
            chromium.close()

"""Shared test set-up: each test starts in English, whatever locale an earlier test's workbook set."""

from __future__ import annotations

import pytest

from salesplan_widgets.i18n import set_locale


@pytest.fixture(autouse=True)
def _english_by_default():
    set_locale("en")
    yield
    set_locale("en")

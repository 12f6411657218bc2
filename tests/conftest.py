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


def _tracked_changes() -> str | None:
    """`git status` of the checkout's tracked files (None outside a git checkout)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def pytest_sessionstart(session):
    session.config._tracked_before = _tracked_changes()


def pytest_sessionfinish(session, exitstatus):
    """A test run leaves tracked files as it found them: the suite fails if it rewrote any."""
    before = getattr(session.config, "_tracked_before", None)
    after = _tracked_changes()
    if before is not None and after is not None and after != before:
        changed = sorted(set(after.splitlines()) - set(before.splitlines()))
        print(f"\nThe test run changed tracked files: {changed}")
        session.exitstatus = 1

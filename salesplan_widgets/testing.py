"""Headless Chromium for browser tests, benchmarks and screenshots: Debian's binary, never a download.

Playwright's own browser download (`playwright install`) cannot work on a closed network, so every
launch goes through here with the binary from Debian's `chromium` package and the flags that keep it
from reaching for the network.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def launch_chromium(playwright):
    """A headless Chromium browser from a running `sync_playwright()`."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))


def screenshots_dir() -> Path:
    """Where browser tests save their screenshots: a scratch folder, unless `make screenshots` asks for docs/.

    A test run must leave the checkout as it found it, so the guide's pictures in docs/screenshots/ are
    redrawn only on purpose (SALESPLAN_SCREENSHOTS names the folder).
    """
    folder = Path(
        os.environ.get("SALESPLAN_SCREENSHOTS") or Path(tempfile.gettempdir()) / "salesplan-screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder

"""Headless Chromium for browser tests, benchmarks and screenshots: Debian's binary, never a download.

Playwright's own browser download (`playwright install`) cannot work on a closed network, so every
launch goes through here with the binary from Debian's `chromium` package and the flags that keep it
from reaching for the network.
"""

from __future__ import annotations

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

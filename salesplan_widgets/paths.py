"""Where the template notebooks live: the checkout's `templates/` when run from source, else the packaged copy."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).parent


def templates_dir() -> Path:
    """The template notebooks; SALESPLAN_TEMPLATES overrides (tests use it for deliberately broken templates)."""
    override = os.environ.get("SALESPLAN_TEMPLATES")
    if override:
        return Path(override)
    checkout = _PACKAGE.parent / "templates"
    return checkout if checkout.is_dir() else _PACKAGE / "templates"

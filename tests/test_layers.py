"""Layers that hold: the import contracts in pyproject.toml ([tool.importlinter]) are kept.

The plan vocabulary loads nothing heavy, the model touches no storage or view, storage knows no widgets or
servers, and static reports draw no widgets (docs/architecture.md says why).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_contract_is_kept() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


def test_the_plan_vocabulary_imports_without_the_storage_layer() -> None:
    code = (
        "import sys; import salesplan_widgets.schema, salesplan_widgets.model.statements; "
        "loaded = [m for m in sys.modules if m.startswith(('salesplan_widgets.workbook', 'ruamel', 'duckdb'))]; "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""Re-running a step notebook never loses what was saved from its tool: opening reads, only Save writes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from salesplan_widgets import open_workbook
from salesplan_widgets.paths import templates_dir
from salesplan_widgets.workbook.scaffold import STEPS, instantiate_notebook

DEMO = Path(__file__).parents[1] / "workbooks" / "demo"


def _fingerprint(folder: Path) -> dict[str, str]:
    """Hash of the plan and every computed table: what a widget's Save writes."""
    files = [folder / "plan.yaml", *sorted((folder / "tables").glob("*"))]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.is_file()}


@pytest.mark.slow
def test_rerunning_every_step_notebook_keeps_the_saved_plan(tmp_path: Path) -> None:
    workbook = tmp_path / "demo"
    shutil.copytree(DEMO, workbook, ignore=shutil.ignore_patterns(".cache", "reports"))
    wb = open_workbook(workbook)
    wb.save(wb.plan.model_copy(update={"name": "Saved from a widget"}))
    before = _fingerprint(workbook)

    ran = []
    for template, notebook in STEPS:
        source = templates_dir() / f"{template}.ipynb"
        if not source.exists():
            continue
        target = workbook / f"{notebook}.ipynb"
        instantiate_notebook(source, target)
        for _ in range(2):  # run, then run again as an analyst re-running the notebook would
            nb = nbformat.read(target, as_version=4)
            NotebookClient(
                nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workbook)}}
            ).execute()
        ran.append(notebook)

    assert len(ran) >= 2, "expected the step notebooks to exist in templates/"
    assert _fingerprint(workbook) == before
    assert open_workbook(workbook).plan.name == "Saved from a widget"

"""The tracking notebook is the same for every workbook: it previews the market shocks the plan expects
(`tracking.market_shocks`), never a shock written into the template."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest
from test_sample_data import replace_with_real_sales

from salesplan_widgets.errors import InputError
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.market_shocks import planned_shocks
from salesplan_widgets.schema.tracking import TrackingSection
from salesplan_widgets.workbook.scaffold import init_workbook

pytestmark = pytest.mark.slow


def run_tracking_notebook(folder: Path, out: Path) -> str:
    """papermill runs the workbook's own 4_tracking.ipynb, as init wrote it; the text of its outputs."""
    papermill.execute_notebook(
        str(folder / "4_tracking.ipynb"),
        str(out),
        cwd=str(folder),
        progress_bar=False,
        kernel_name="python3",
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)


def test_tracking_notebook_of_a_new_workbook_previews_no_demo_shock(tmp_path: Path) -> None:
    folder = init_workbook(tmp_path / "wb", locale="en")
    replace_with_real_sales(folder, "en")
    text = run_tracking_notebook(folder, tmp_path / "tracking.ipynb")
    assert "Market shock" not in text and "segment C" not in text and "price war" not in text
    assert "Tracker(children=" in text and "projected_attainment" in text  # the tracker itself ran


def test_tracking_notebook_previews_the_shock_the_plan_expects(tmp_path: Path) -> None:
    folder = init_workbook(tmp_path / "wb", locale="en")
    replace_with_real_sales(folder, "en")
    with open(folder / "plan.yaml", "a", encoding="utf-8") as fh:
        fh.write(
            "tracking:\n  market_shocks:\n"
            "    - {factor: 0.8, start: 2026-06, team: East, reason: lost the county tender}\n"
        )
    text = run_tracking_notebook(folder, tmp_path / "tracking.ipynb")
    assert "Market shock from 2026-06: matching quotas × 0.8" in text
    assert "lost the county tender" in text


def test_a_shock_period_the_calendar_cannot_read_is_a_located_plan_problem() -> None:
    section = TrackingSection(market_shocks=[{"factor": 0.9, "start": "Nov 2026"}])
    with pytest.raises(InputError) as caught:
        planned_shocks(section, FiscalCalendar.of(None))
    problem = caught.value.first
    assert (problem.file, problem.column, problem.found) == (
        "plan.yaml",
        "tracking.market_shocks[0].start",
        "Nov 2026",
    )
    assert "2026-11" in problem.expected

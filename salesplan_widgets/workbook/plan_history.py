"""The plan of a year that is over, kept as it stood: `history/<first>_<last>/` beside the plan.

When the analyst sets the next year's goal, the plan's `goal` and `split` sections are replaced by the new
year's. Before that first save, the plan file and the targets table (with the re-plan versions' index) as
they stood are copied here once, so the year's goal, split and targets can still be read and diffed in git
after the new year is planned. A year already kept is never overwritten; this module only copies, it never
edits the plan.
"""

from __future__ import annotations

from pathlib import Path

from salesplan_widgets.i18n import _
from salesplan_widgets.workbook.atomic import atomic_write
from salesplan_widgets.workbook.plan import PLAN_FILE
from salesplan_widgets.workbook.workbook import Workbook

HISTORY_DIR = "history"
_KEPT = ("targets", "targets_versions.json")  # the targets table and, after a re-plan, its versions' index


def year_folder(workbook: Workbook, first: str, last: str) -> Path:
    """Where the plan for the months `first` – `last` (YYYY-MM) is kept."""
    return workbook.path / HISTORY_DIR / f"{first}_{last}"


def keep_year(workbook: Workbook, first: str, last: str, user: str | None = None) -> Path:
    """Copy the plan file and the targets as they stand into the year's history folder, unless that year
    is already kept (the first copy is the year as it ended); return the folder."""
    from salesplan_widgets.workbook.audit import record

    workbook.ensure_writable(_("Keeping the plan of a year that is over"))
    folder = year_folder(workbook, first, last)
    if (folder / PLAN_FILE).exists():
        return folder
    sources = [workbook.table_path(_KEPT[0]), workbook.table_path(_KEPT[0]).with_name(_KEPT[1])]
    for source in sources:
        if source.exists():
            atomic_write(folder / source.name, source.read_bytes())
    after = atomic_write(folder / PLAN_FILE, (workbook.path / PLAN_FILE).read_bytes())  # last: complete
    record(workbook, "plan.history", target=str(folder.relative_to(workbook.path)), after=after, user=user)
    return folder

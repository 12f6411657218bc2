"""The plan of a year that is over, kept as it stood: `history/<first>_<last>/` beside the plan.

When the analyst sets the next year's goal, the plan's `goal` and `split` sections are replaced by the new
year's. Before that first save, the plan file and the targets table (with the re-plan versions' index) as
they stood are copied here once, so the year's goal, split and targets can still be read and diffed in git
after the new year is planned, and a report re-run for one of its months shows its goal (`goal_in_force`). A
year already kept is never overwritten; this module only copies and reads, it never edits the plan.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _
from salesplan_widgets.workbook.atomic import atomic_write
from salesplan_widgets.workbook.plan import PLAN_FILE, PlanFile
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


def goal_in_force(workbook: Workbook, month: pd.Period):
    """The goal whose horizon holds `month` (a monthly period): the plan's own, or — for a month of a year
    kept in the history before the next year's goal replaced it — that year's goal, so a report re-run for
    December 2026 after the 2027 goal is saved shows 2026's goal. The plan's goal when none holds it."""
    goal = workbook.plan.goal
    if goal is None or goal.start is None or pd.Timestamp(goal.start).to_period("M") <= month:
        return goal
    for plan in sorted((workbook.path / HISTORY_DIR).glob(f"*/{PLAN_FILE}"), reverse=True):
        try:
            kept = PlanFile.read(plan).plan.goal
        except SalesplanError:
            continue  # a kept file edited by hand: the plan's goal rather than a traceback
        if kept is None or not (kept.start and kept.end):
            continue
        if pd.Timestamp(kept.start).to_period("M") <= month <= pd.Timestamp(kept.end).to_period("M"):
            return kept
    return goal

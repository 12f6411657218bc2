"""The checks behind `salesplan validate` beyond the data: everything `run` or the splitter would fail on.

Report templates and dashboards the plan names must exist; the plan's split must go through on the
workbook's own cube (impossible level orders, locks that cannot hold, a goal too large for its rounding
unit). The split is the real one, dry: it is computed and thrown away, so validate can never disagree
with the splitter. Reads the plan, the cube and the template folder; never writes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.paths import templates_dir
from salesplan_widgets.workbook.plan import PLAN_FILE
from salesplan_widgets.workbook.targets import split_from_plan

if TYPE_CHECKING:
    from salesplan_widgets.workbook.workbook import Workbook

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def template_problems(workbook: Workbook) -> list[Problem]:
    """A problem for each report template or dashboard the plan names that does not exist."""
    folder = templates_dir()
    problems = []
    for column, names, where in (
        ("reports.templates", workbook.plan.reports.templates, folder),
        ("reports.dashboards", workbook.plan.reports.dashboards, folder / "dashboards"),
    ):
        available = sorted(p.stem for p in where.glob("*.ipynb"))
        for row, name in enumerate(names, start=1):
            if not (_NAME.match(name) and (where / f"{name}.ipynb").is_file()):
                problems.append(
                    Problem(
                        PLAN_FILE,
                        _("one of {names}").format(names=", ".join(available) or "–"),
                        row=row,
                        column=column,
                        found=name,
                        fix=_("remove '{name}' from {column} or add the template").format(
                            name=name, column=column
                        ),
                    )
                )
    return problems


def split_problems(workbook: Workbook, cube: pd.DataFrame) -> list[Problem]:
    """What the splitter would refuse in the plan's split section, located in the plan file."""
    if cube.empty:
        return []  # no sales: the data checks say so, and there is nothing to split yet
    try:
        split_from_plan(workbook, cube)
    except InputError as exc:
        return [replace(p, file=f"{PLAN_FILE} {p.file}") for p in exc.problems]
    return []

"""The checks behind `salesplan validate` beyond the data: everything `run` or the splitter would fail on.

Report templates and dashboards the plan names must exist, and a report template must be a report page
(a notebook that takes a `period`), not one of the analyst's step notebooks; the plan must name at least
one; the kernel the pages run on must be installed. The plan's split must go through on the workbook's
own cube (impossible level orders, locks that cannot hold, a goal too large for its rounding unit). The
incentive rules must name what the data holds (`incentive_problems`: managers and teams of `hierarchy`,
reps of draws and manual adjustments, receipts for a collections plan, an account column for
`account_winner`). The split is the real one, dry: it is computed and thrown away, so validate can never disagree with the
splitter. `salesplan run` refuses with the same functions, so the two cannot disagree either. Reads the
plan, the cube and the template folder; never writes.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
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
KERNEL = "python3"  # the kernel `salesplan run` executes report pages on


@dataclass(frozen=True)
class TemplateFolder:
    """The notebooks of a template folder, told apart: report pages take a `period`, step notebooks do not."""

    folder: Path
    report_pages: tuple[str, ...]
    step_notebooks: tuple[str, ...]

    def refusal(self, name: str) -> str | None:
        """Why `name` cannot be a page of the period report (None when it can)."""
        if _NAME.match(name) and name in self.report_pages:
            return None
        pages = ", ".join(self.report_pages) or "–"
        if name in self.step_notebooks:
            return _(
                "{name!r} is a step notebook for JupyterLab, not a report page; report pages: {pages}"
            ).format(name=name, pages=pages)
        return _("there is no report page named {name!r} in {folder}; report pages: {pages}").format(
            name=name, folder=self.folder, pages=pages
        ) + (
            _(" (step notebooks, not report pages: {steps})").format(steps=", ".join(self.step_notebooks))
            if self.step_notebooks
            else ""
        )


def _parameters(notebook: Path) -> set[str]:
    """The names the notebook's `parameters` cell assigns (what papermill can inject).

    Read as plain JSON (nbformat 4), not with nbformat, whose import costs seconds at every `validate`.
    """
    # an unreadable notebook is no report page (papermill would fail on it too)
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return set()
    for cell in cells:
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            try:
                tree = ast.parse(source if isinstance(source, str) else "".join(source))
            except SyntaxError:
                return set()
            return {
                target.id
                for node in ast.walk(tree)
                if isinstance(node, ast.Assign | ast.AnnAssign)
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(target, ast.Name)
            }
    return set()


def template_folder(folder: Path | None = None) -> TemplateFolder:
    """The report pages and step notebooks in `folder` (default: the templates `salesplan run` uses)."""
    folder = Path(folder) if folder is not None else templates_dir()
    reports, steps = [], []
    for notebook in sorted(folder.glob("*.ipynb")):
        (reports if "period" in _parameters(notebook) else steps).append(notebook.stem)
    return TemplateFolder(folder, tuple(reports), tuple(steps))


def kernel_problem(kernel: str = KERNEL) -> Problem | None:
    """A problem when the Jupyter kernel the report pages run on is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        return Problem(
            PLAN_FILE,
            _("the Jupyter kernel {kernel!r}, which runs the report pages").format(kernel=kernel),
            column="reports.templates",
            found=_("no such kernel"),
            fix=_("install it with: python -m ipykernel install --user --name {kernel}").format(
                kernel=kernel
            ),
        )
    return None


def template_problems(workbook: Workbook) -> list[Problem]:
    """A problem for each report template or dashboard the plan names that `run` or `serve` would refuse:
    names that do not exist, step notebooks listed as report pages, no report page at all, no kernel."""
    pages = template_folder()
    problems = []
    if not workbook.plan.reports.templates:
        problems.append(
            Problem(
                PLAN_FILE,
                _("at least one report page, so that `salesplan run` has something to run"),
                column="reports.templates",
                found="[]",
                fix=_("list report pages under reports.templates, e.g. {pages}").format(
                    pages=", ".join(pages.report_pages) or "–"
                ),
            )
        )
    for row, name in enumerate(workbook.plan.reports.templates, start=1):
        if (reason := pages.refusal(name)) is not None:
            problems.append(
                Problem(
                    PLAN_FILE,
                    _("a report page: one of {names}").format(names=", ".join(pages.report_pages) or "–"),
                    row=row,
                    column="reports.templates",
                    found=name,
                    fix=_("remove '{name}' from reports.templates ({reason})").format(
                        name=name, reason=reason
                    ),
                )
            )
    where = pages.folder / "dashboards"
    available = sorted(p.stem for p in where.glob("*.ipynb"))
    for row, name in enumerate(workbook.plan.reports.dashboards, start=1):
        if not (_NAME.match(name) and (where / f"{name}.ipynb").is_file()):
            problems.append(
                Problem(
                    PLAN_FILE,
                    _("one of {names}").format(names=", ".join(available) or "–"),
                    row=row,
                    column="reports.dashboards",
                    found=name,
                    fix=_("remove '{name}' from {column} or add the template").format(
                        name=name, column="reports.dashboards"
                    ),
                )
            )
    if workbook.plan.reports.templates and (missing := kernel_problem()) is not None:
        problems.append(missing)
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


# -- the incentive plan against the data (issue 12) ----------------------------------------------------------
def known_reps(workbook: Workbook, cube: pd.DataFrame) -> set[str]:
    """Reps the workbook knows: in the sales or in the targets in force."""
    from salesplan_widgets.workbook.versions import targets_in_force

    reps = set(cube["rep"].astype(str))
    try:
        targets = targets_in_force(workbook)
    except InputError:  # an unreadable targets table is reported by its own check
        targets = None
    if targets is not None and "rep" in targets.columns:
        reps |= set(targets["rep"].astype(str))
    return reps


def misspelt_rep(name: str, reps: set[str]) -> bool:
    """Whether `name`, in neither the sales nor the targets, reads like a misspelling of someone who is
    (difflib's ratio of 0.8 or more: 'Bos' for 'Boss'). A sales manager paid only an override on her team
    sells nothing and has no quota: her name is like nobody's, and she is warned about, not refused."""
    return bool(difflib.get_close_matches(name, sorted(reps), n=1, cutoff=0.8))


def _unknown_rep(column: str, row: int, rep: str, file: str = PLAN_FILE) -> Problem:
    return Problem(
        file,
        _("a rep who is in the data; {rep} is in neither the sales nor the targets").format(rep=rep),
        row=row,
        column=column,
        found=rep,
        fix=_("check the spelling against the sales data, or give a target to {rep}").format(rep=rep),
    )


def _outsider_names(workbook: Workbook, section) -> list[Problem]:
    """The people the plan's splits or hierarchy name as a published extract names those it does not show
    (`model.credit.OUTSIDE_PREFIX`): they would be credited nothing. An extract's own plan names them so."""
    from salesplan_widgets.model.credit import OUTSIDE_PREFIX, outside_name_expected
    from salesplan_widgets.workbook.publish import extract_scope

    if extract_scope(workbook) is not None:
        return []
    named = [
        (f"incentives.crediting[{i}]", name)
        for i, split in enumerate(section.crediting)
        for name in (split.rep, *split.shares, *split.overlays)
        if name is not None
    ]
    named += [(f"incentives.hierarchy[{i}].manager", h.manager) for i, h in enumerate(section.hierarchy)]
    fix = _("rename this person in plan.yaml and in the sales data")
    return [
        Problem(PLAN_FILE, outside_name_expected(), column=column, found=name, fix=fix)
        for column, name in named
        if name.startswith(OUTSIDE_PREFIX)
    ]


def _hierarchy_problems(workbook: Workbook, cube: pd.DataFrame, reps: set[str]) -> list[Problem]:
    section = workbook.plan.incentives
    teams = set(cube["team"].astype(str)) if "team" in cube.columns else set()
    problems = []
    for row, entry in enumerate(section.hierarchy, start=1):
        if entry.manager not in reps and misspelt_rep(entry.manager, reps):
            problems.append(_unknown_rep("incentives.hierarchy.manager", row, entry.manager))
        if entry.team not in teams:
            shown = ", ".join(sorted(teams - {"all"})) or "–"
            problems.append(
                Problem(
                    PLAN_FILE,
                    _("a team in the sales: one of {teams}").format(teams=shown),
                    row=row,
                    column="incentives.hierarchy.team",
                    found=entry.team,
                    fix=_(
                        "write the team as the sales name it, or map the team column under sources.sales.columns"
                    ),
                )
            )
    return problems


def incentive_problems(workbook: Workbook, cube: pd.DataFrame) -> list[Problem]:
    """What the incentive plan names that the data does not hold: a manager or team of `hierarchy`, the rep
    of a draw or of a manual adjustment, receipts for a plan paying on cash collected, an account column
    for crediting new accounts to their winner; a role plan version changing the measurement inside a
    measurement period. `run` and `validate` refuse with this one function."""
    from salesplan_widgets.model.role_plans import measurement_problems
    from salesplan_widgets.workbook.adjustments import ADJUSTMENTS, read_adjustments

    section = workbook.plan.incentives
    if section is None:
        return []
    reps = known_reps(workbook, cube)
    problems = _hierarchy_problems(workbook, cube, reps)
    problems += [
        _unknown_rep("incentives.draws.rep", row, draw.rep)
        for row, draw in enumerate(section.draws, start=1)
        if draw.rep not in reps
    ]
    adjustments = read_adjustments(workbook)
    problems += [
        _unknown_rep("rep", row, rep, ADJUSTMENTS)
        for row, rep in enumerate(adjustments["rep"].astype(str), start=2)  # row 1 is the header
        if rep not in reps
    ]
    rules = section.rule_sets()
    if any(r.collections for r in rules) and workbook.plan.sources.receipts is None:
        problems.append(
            Problem(
                PLAN_FILE,
                _("a receipts source (invoice, date, amount) for commission on cash collected"),
                column="sources.receipts",
                found=_("no receipts source"),
                fix=_("add sources.receipts with the file of payments received, or remove 'collections'"),
            )
        )
    problems += _outsider_names(workbook, section)
    problems += measurement_problems(section, workbook.plan.calendar.fiscal_year_start)
    winner = section.account_winner
    if winner is not None and winner.months and "account" not in workbook.plan.sources.sales.columns:
        problems.append(
            Problem(
                PLAN_FILE,
                _("sales with an account column, to credit new accounts to the rep who won them"),
                column="incentives.account_winner",
                found=_("no account column"),
                fix=_("map the account column under sources.sales.columns, or remove 'account_winner'"),
            )
        )
    return problems

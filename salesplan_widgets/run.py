"""The period run: execute the plan's report templates with papermill and publish WORKBOOK/reports/<period>/.

`run_period` validates the period text, the plan and the data before any kernel starts, then executes
each template notebook (parameters: workbook, period, locale) into a staging folder beside the reports,
renders one offline HTML page per template (no input cells, no CDN scripts), collects the headline
metrics the notebooks published into metrics.json, writes index.html, and only then swaps the staging
folder into place. The same period run twice gives the same bytes: volatile execution metadata is
stripped and random cell ids are replaced.

A run of some templates only (`--template X`) re-runs or adds those pages and keeps the report's other
pages as they were, so the period's report never shrinks to one page. Kernels are started with CurveZMQ
transport encryption where the kernel supports it (no plain-text TCP, and no warning about it per page).

On any failure the previous good report is left untouched, the failed executed notebook is kept at
`WORKBOOK/reports/<period>.failed/<template>.ipynb`, and a RunError names the template and the cell
(its 1-based position in the template notebook, the parameters cell being cell 1). That folder holds
the failures of the latest run only: every run clears it first. This module never edits the plan or the data.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from salesplan_widgets.errors import InputError, RunError, SalesplanError
from salesplan_widgets.i18n import _
from salesplan_widgets.paths import templates_dir as default_templates_dir
from salesplan_widgets.report.metrics import collect_metrics, strip_metrics
from salesplan_widgets.report.statement_documents import STATEMENTS_DIR
from salesplan_widgets.workbook.payouts import PAYOUTS_DIR
from salesplan_widgets.workbook.plan_checks import KERNEL, template_folder

if TYPE_CHECKING:  # imported where used: nbformat takes seconds to import, a bad --period should not wait
    import nbformat

    from salesplan_widgets.workbook.runlog import RunChoice

KERNEL_START_TIMEOUT = 180  # seconds; a scheduler often shares a busy machine
KERNEL_START_TRIES = (
    3  # a kernel that died before answering, as when another took its port (`_starting_again`)
)
KERNEL_NEVER_STARTED = "Kernel died before replying to kernel_info"  # jupyter_client's words for it
INJECTED_TAG = "injected-parameters"
ERROR_BANNER_TAG = "papermill-error-cell-tag"
FAILED_SUFFIX = ".failed"
# Written into a period's folder by `salesplan payouts` and `close`, not by the run: a re-run keeps them.
KEPT_ON_RERUN = (PAYOUTS_DIR, STATEMENTS_DIR)
_TITLE = re.compile(r'<h1 class="salesplan-title">(.*?)</h1>', re.S)
_NBCONVERT_TEMPLATES = Path(__file__).parent / "report" / "nbconvert"


@dataclass(frozen=True)
class PageResult:
    """One executed template: its name, the title its page shows and the metrics it published."""

    template: str
    title: str
    metrics: dict


def run_period(
    workbook_path: Path,
    period: str,
    templates: Sequence[str] | None = None,
    templates_dir: Path | None = None,
    progress: bool | None = None,
    announce: Callable[[str], None] | None = None,
) -> Path:
    """Produce the period report of a workbook and return its folder (WORKBOOK/reports/<period>).

    `templates` defaults to the plan's reports.templates; `templates_dir` to the checkout's templates/
    (or the packaged copy; SALESPLAN_TEMPLATES overrides). `progress` shows a bar on stderr (default:
    when stderr is a terminal). Raises SalesplanError/InputError before anything runs when the period,
    plan or data are bad, and RunError when a template fails. Where the period text names another period
    than the one run (a month on a weekly, retail or quarterly plan, a date), `announce` receives the
    sentence saying which period ran and why, before any kernel starts; the run log keeps it too.
    """
    from salesplan_widgets.workbook.runlog import logged_run

    with logged_run(workbook_path, period, templates) as choice:
        return _run_period(workbook_path, period, templates, templates_dir, progress, choice, announce)


def _run_period(
    workbook_path: Path,
    period: str,
    templates: Sequence[str] | None,
    templates_dir: Path | None,
    progress: bool | None,
    choice: RunChoice,
    announce: Callable[[str], None] | None,
) -> Path:
    from salesplan_widgets.model.calendar import FiscalCalendar
    from salesplan_widgets.model.period_choice import period_choice_note
    from salesplan_widgets.report.period import parse_period
    from salesplan_widgets.workbook import open_workbook

    if not isinstance(period, str) or not period.strip():
        month = parse_period(period)  # the clear error, before anything opens
    workbook = open_workbook(workbook_path)
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    month = parse_period(period, calendar)
    note = period_choice_note(calendar, period, month)
    period = calendar.key(month)  # folder and parameter text: 2026-10, 2026-W44, 2027Q1
    choice.period, choice.note = period, note or ""
    if note and announce is not None:
        announce(note)
    problems = workbook.validate(templates=False)  # the templates are checked below, in their folder
    if problems:
        raise InputError(problems)
    _check_period_has_data(workbook.cube(), month)

    source_dir = Path(templates_dir) if templates_dir is not None else default_templates_dir()
    names = list(templates or workbook.plan.reports.templates)
    if not names:
        raise SalesplanError(_("The plan enables no report templates: list them under reports.templates."))
    folder = template_folder(source_dir)
    refusals = [reason for name in names if (reason := folder.refusal(name)) is not None]
    if refusals:
        raise SalesplanError("\n".join(refusals))
    notebooks = [source_dir / f"{name}.ipynb" for name in names]
    parameters = {"workbook": str(workbook.path), "period": period, "locale": workbook.locale}

    reports_root = workbook.path / "reports"
    reports_root.mkdir(parents=True, exist_ok=True)
    final = workbook.reports_dir(period)
    failed_dir = reports_root / f"{period}{FAILED_SUFFIX}"
    _remove_abandoned(reports_root, period)
    shutil.rmtree(failed_dir, ignore_errors=True)  # it holds the failures of the latest run only
    staging = reports_root / f".{period}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        pages = [
            _run_template(name, notebook, staging, parameters, workbook.path, failed_dir)
            for name, notebook in _progress(list(zip(names, notebooks, strict=True)), progress)
        ]
        if templates:  # some pages only: the report keeps its other pages
            pages = _keep_other_pages(final, staging, pages, workbook.plan.reports.templates)
        _write_summary(staging, workbook, period, pages, month)
        _swap_into_place(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(failed_dir, ignore_errors=True)
    from salesplan_widgets.workbook.publish import publish_if_published

    publish_if_published(workbook)  # signed-in users see the new period (only where extracts are published)
    return final


# -- checks before any kernel starts ----------------------------------------------------------------------
def _check_period_has_data(cube, month) -> None:
    if cube.empty:
        raise SalesplanError(_("The sales source holds no data, so there is no period to report."))
    first, last = cube["period"].min(), cube["period"].max()
    first_month, last_month = first.asfreq("M", how="start"), last.asfreq("M", how="end")
    if month.freqstr != "M":  # a week or a quarter: compare at its own grain
        first_month, last_month = first, last
    if month < first_month or month > last_month:
        raise SalesplanError(
            _("There are no sales for {period}: the data covers {first} to {last}.").format(
                period=month, first=first_month, last=last_month
            )
        )


def _remove_abandoned(reports_root: Path, period: str) -> None:
    """Tidy up after runs of this period that were killed (their process is gone).

    Their staging folders are deleted. A set-aside old report is the last good one if the run died between
    the two renames of the swap: it is put back when the period has no report, deleted otherwise.
    """
    final = reports_root / period
    for folder in sorted(reports_root.glob(f".{period}.*-*")):
        kind, _sep, pid = folder.name.rpartition("-")
        if not folder.is_dir() or not pid.isdigit() or _process_alive(int(pid)):
            continue
        if kind.endswith(".old") and not final.exists():
            folder.rename(final)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _progress(items: list, enabled: bool | None):
    from tqdm import tqdm

    return tqdm(
        items, desc=_("Period report"), unit=_("template"), disable=None if enabled is None else not enabled
    )


# -- one template ---------------------------------------------------------------------------------------
def _run_template(
    name: str, template: Path, staging: Path, parameters: dict, cwd: Path, failed_dir: Path
) -> PageResult:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed = staging / f"{name}.ipynb"

    def execute() -> None:
        papermill.execute_notebook(
            str(template),
            str(executed),
            parameters=parameters,
            kernel_name=KERNEL,
            start_timeout=KERNEL_START_TIMEOUT,
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            config=_kernel_config(),
        )

    try:
        _starting_again(execute)
    except PapermillExecutionError as exc:
        kept = _keep_failed(executed, failed_dir, name)
        cell, source = _failing_cell(kept)
        message = f"{exc.ename}: {exc.evalue}"
        if source:
            message += "\n" + _("The cell begins: {line}").format(line=source)
        raise RunError(name, message, cell=cell, notebook=str(kept) if kept else None) from exc
    except Exception as exc:  # kernel died, timed out, notebook unreadable ...
        kept = _keep_failed(executed, failed_dir, name)
        raise RunError(name, f"{type(exc).__name__}: {exc}", notebook=str(kept) if kept else None) from exc

    try:
        nb = nbformat.read(executed, as_version=4)
        clean_notebook(nb, name)
        nbformat.write(nb, executed)
        metrics = collect_metrics(nb)
        title = _page_title(nb) or name
        (staging / f"{name}.html").write_text(render_html(nb, title), encoding="utf-8")
    except Exception as exc:
        kept = _keep_failed(executed, failed_dir, name)
        message = _("could not render the page: {error}").format(error=exc)
        raise RunError(name, message, notebook=str(kept) if kept else None) from exc
    return PageResult(template=name, title=title, metrics=metrics)


def _starting_again(execute: Callable[[], None], tries: int = KERNEL_START_TRIES) -> None:
    """`execute()`, again when its kernel died before it answered (`KERNEL_NEVER_STARTED`): jupyter_client
    picks a kernel's ports by binding and releasing them, so a kernel started at the same moment by another
    process (a scheduler running two workbooks, two languages side by side) can take one first and this
    kernel dies with "Address already in use". No cell has run then; a failure in a cell is never retried."""
    for attempt in range(1, tries + 1):
        try:
            return execute()
        except RuntimeError as exc:
            if attempt == tries or KERNEL_NEVER_STARTED not in str(exc):
                raise


def _kernel_config():
    """Kernel manager settings: CurveZMQ encryption where pyzmq has it and the kernelspec declares it ("auto").

    ipykernel warns "Kernel is running over TCP without encryption" once per kernel otherwise; encrypting
    the local channels removes the cause of the warning instead of hiding the kernel's log.
    """
    import zmq
    from traitlets.config import Config

    return Config({"KernelManager": {"transport_encryption": "auto" if zmq.has("curve") else "disabled"}})


def _keep_failed(executed: Path, failed_dir: Path, name: str) -> Path | None:
    """Move the failed executed notebook out of staging to <period>.failed/<template>.ipynb."""
    import nbformat

    if not executed.exists():
        return None
    failed_dir.mkdir(parents=True, exist_ok=True)
    kept = failed_dir / f"{name}.ipynb"
    try:
        nb = nbformat.read(executed, as_version=4)
        clean_notebook(nb, name, keep_error_banner=True)
        nbformat.write(nb, kept)
    except Exception:  # an unreadable notebook is still evidence: keep it as it is
        shutil.copyfile(executed, kept)
    return kept


def _failing_cell(kept: Path | None) -> tuple[int | None, str]:
    """(1-based position in the template, first source line) of the cell that raised, from the kept notebook."""
    if kept is None:
        return None, ""
    import nbformat

    try:
        nb = nbformat.read(kept, as_version=4)
    except Exception:
        return None, ""
    position = 0
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if INJECTED_TAG in tags or ERROR_BANNER_TAG in tags:
            continue
        position += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            return position, first.strip()
    return None, ""


# -- determinism ----------------------------------------------------------------------------------------
_VOLATILE_NB = ("start_time", "end_time", "duration", "input_path", "output_path")
_VOLATILE_CELL = ("start_time", "end_time", "duration")


def clean_notebook(nb: nbformat.NotebookNode, name: str, keep_error_banner: bool = False) -> None:
    """Strip what differs between two runs of the same period: timings, staging paths, random cell ids."""
    meta = nb.metadata.get("papermill", {})
    for key in _VOLATILE_NB:
        meta.pop(key, None)
    meta["input_path"] = f"{name}.ipynb"
    kept_cells = []
    for index, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if ERROR_BANNER_TAG in tags and not keep_error_banner:
            continue
        cell.metadata.pop("execution", None)
        for key in _VOLATILE_CELL:
            cell.metadata.get("papermill", {}).pop(key, None)
        if INJECTED_TAG in tags:
            cell["id"] = INJECTED_TAG
        elif ERROR_BANNER_TAG in tags:
            cell["id"] = f"{ERROR_BANNER_TAG}-{index}"
        elif "id" not in cell:
            cell["id"] = f"cell-{index}"
        kept_cells.append(cell)
    nb.cells = kept_cells


def _page_title(nb: nbformat.NotebookNode) -> str | None:
    from html import unescape

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            match = _TITLE.search(output.get("data", {}).get("text/html", ""))
            if match:
                return unescape(match.group(1)).strip()
    return None


# -- the static page ------------------------------------------------------------------------------------
def render_html(nb: nbformat.NotebookNode, title: str) -> str:
    """The executed notebook as one offline HTML page: outputs only, no prompts, no warnings, no CDN scripts."""
    import nbformat
    from nbconvert import HTMLExporter

    from salesplan_widgets.report.index import html_lang

    page = nbformat.from_dict(json.loads(json.dumps(nb)))
    strip_metrics(page)
    for cell in page.cells:
        if "outputs" in cell:  # warnings on stderr are for the analyst's notebook, not the reader's page
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    page.metadata.pop("widgets", None)
    exporter = HTMLExporter(
        template_name="salesplan_report",
        extra_template_basedirs=[str(_NBCONVERT_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_markdown=True,
        exclude_raw=True,
        exclude_anchor_links=True,
        embed_images=True,
        language_code=html_lang().split("-")[0],  # nbconvert accepts ISO 639-1 only: zh
    )
    body, _resources = exporter.from_notebook_node(
        page, resources={"metadata": {"name": title}, "salesplan_index_link": _("All pages of this report")}
    )
    return body


# -- the summary and the swap -----------------------------------------------------------------------------
def _keep_other_pages(
    final: Path, staging: Path, pages: list[PageResult], plan_order: Sequence[str]
) -> list[PageResult]:
    """The report's pages after a run of some templates: the pages just run, and every other page of the
    current report copied over unchanged (HTML, notebook, metrics). Ordered as in the plan, others after."""
    import nbformat

    if not (final / "metrics.json").is_file():
        return pages
    old_metrics = json.loads((final / "metrics.json").read_text(encoding="utf-8"))
    run_now = {page.template for page in pages}
    kept = []
    for name, metrics in old_metrics.items():
        html, notebook = final / f"{name}.html", final / f"{name}.ipynb"
        if name in run_now or not (html.is_file() and notebook.is_file()):
            continue
        shutil.copy2(html, staging / html.name)
        shutil.copy2(notebook, staging / notebook.name)
        title = _page_title(nbformat.read(notebook, as_version=4)) or name
        kept.append(PageResult(template=name, title=title, metrics=metrics))
    order = {name: i for i, name in enumerate(plan_order)}
    everything = kept + pages
    return sorted(everything, key=lambda page: order.get(page.template, len(order)))


def _write_summary(staging: Path, workbook, period: str, pages: list[PageResult], month) -> None:
    from salesplan_widgets.report.index import PageLink, index_page
    from salesplan_widgets.report.payout_links import payouts_html

    metrics = {page.template: page.metrics for page in pages}
    (staging / "metrics.json").write_text(
        json.dumps(metrics, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    links = [PageLink(f"{p.template}.html", p.title, f"{p.template}.ipynb") for p in pages]
    payouts = payouts_html(workbook, month)  # the months', prepared by `salesplan payouts`
    html = index_page(
        workbook.plan.name, period, links, workbook.data_fingerprint(), workbook.version, payouts
    )
    (staging / "index.html").write_text(html, encoding="utf-8")


def _swap_into_place(staging: Path, final: Path) -> None:
    """Rename the old report aside, the new one in, then delete the old (restoring it if the rename fails).

    What `salesplan payouts` wrote into the period's folder (the payout files and each rep's statement
    documents) is not the run's to replace: it moves into the new report before the old one is deleted.
    """
    aside = None
    if final.exists():
        aside = final.parent / f".{final.name}.old-{os.getpid()}"
        shutil.rmtree(aside, ignore_errors=True)
        final.rename(aside)
    try:
        staging.rename(final)
    except OSError:
        if aside is not None:
            aside.rename(final)
        raise
    if aside is not None:
        for name in KEPT_ON_RERUN:
            if (aside / name).exists() and not (final / name).exists():
                (aside / name).rename(final / name)
        shutil.rmtree(aside, ignore_errors=True)

"""The start page of a workbook: the five steps, links to each step's notebook, and whether the data is sound.

Display only: it reads the workbook and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from IPython.display import Markdown

from salesplan_widgets.errors import InputError
from salesplan_widgets.i18n import _
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.sample_data import sample_data_notice
from salesplan_widgets.workbook.scaffold import STEPS


def _step_texts() -> dict[str, tuple[str, str]]:
    return {
        "goal_setting": (
            _("Set the goal"),
            _("A SMART goal from history, market trend and the team's commits."),
        ),
        "task_split": (
            _("Split it into tasks"),
            _("Targets by segment, channel, rep and month that add up."),
        ),
        "incentives": (_("Attach incentives"), _("Commission, bonuses, rewards and recognition, explained.")),
        "tracking": (_("Track and adjust"), _("Attainment, pace, at-risk reps, variance and re-planning.")),
    }


def validation_summary(workbook: Workbook) -> str:
    """One Markdown block: 'plan and data are valid' (and whether init's sample rows are still in the data),
    or every problem found."""
    try:
        problems = workbook.validate()
    except InputError as exc:
        problems = exc.problems
    sample = "" if problems else sample_data_notice(workbook)
    return _summary(problems) + (f"\n\n**{sample}**" if sample else "")


def _summary(problems: list) -> str:
    # Words, not emoji: without an emoji font the marks render as empty boxes.
    if not problems:
        return "**" + _("OK") + "** — " + _("Plan and data are valid.")
    lines = [f"- {p}" for p in problems]
    head = "**" + _("Problems") + "** — " + _("{n} problem(s) found.").format(n=len(problems))
    return head + "\n\n" + "\n".join(lines)


def check_workbook(workbook: str | Path | Workbook) -> Markdown:
    """The data check each step notebook opens with: the plan and every source, all problems at once.

    A plan that does not even load is reported the same way, so the notebook shows what to fix instead
    of a traceback.
    """
    try:
        opened = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
    except InputError as exc:
        return Markdown(_summary(exc.problems))
    return Markdown(validation_summary(opened))


def start_page(workbook: Workbook) -> Markdown:
    """The workbook's start page in its language."""
    texts = _step_texts()
    rows = []
    for number, (template, notebook) in enumerate(STEPS[1:], start=1):
        title, blurb = texts[template]
        path = workbook.path / f"{notebook}.ipynb"
        link = f"[{title}]({notebook}.ipynb)" if path.exists() else title
        rows.append(f"{number}. **{link}**: {blurb}")
    run = f"`salesplan run {workbook.path} --period YYYY-MM`"
    serve = f"`salesplan serve {workbook.path}`"
    body = [
        f"# {workbook.plan.name}",
        _(
            "Work through the steps in order (goal, split, incentives, then track and adjust); each notebook shows its tool with the current plan loaded, "
            "and saving from a tool never loses what was saved before."
        ),
        "\n".join(rows),
        "## " + _("Data check"),
        validation_summary(workbook),
        "## " + _("Every period"),
        _("Produce the period report with {run}; publish the dashboards read-only with {serve}.").format(
            run=run, serve=serve
        ),
    ]
    return Markdown("\n\n".join(body))

"""The API reference (docs/api/): built from the docstrings with warnings as errors, covering the public
face, and linked from every step of the guide in both languages."""

from __future__ import annotations

import html
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "api"
GUIDES = (ROOT / "docs" / "guide.md", ROOT / "docs" / "guide.zh_CN.md")

# What a newcomer looks up (DESIGN.md's public face, issue #14): page -> the objects it must document.
PUBLIC_FACE = {
    "workbook": [
        "salesplan_widgets.workbook.workbook.open_workbook",
        "salesplan_widgets.workbook.workbook.Workbook",
        "salesplan_widgets.workbook.workbook.Workbook.cube",
        "salesplan_widgets.workbook.workbook.Workbook.save",
    ],
    "goal": [
        "salesplan_widgets.widgets.goal_wizard.GoalWizard",
        *(
            f"salesplan_widgets.widgets.goal_wizard.GoalWizard.{name}"
            for name in ("result", "method", "growth", "stretch", "name", "rationale", "save", "reload")
        ),
        "salesplan_widgets.model.goal.growth_target",
        "salesplan_widgets.model.goal.forecast_probability",
        "salesplan_widgets.model.forecast.baseline_forecast",
        "salesplan_widgets.model.smart.smart_check",
    ],
    "split": [
        "salesplan_widgets.widgets.task_splitter.TaskSplitter",
        *(
            f"salesplan_widgets.widgets.task_splitter.TaskSplitter.{name}"
            for name in ("set_levels", "lock", "save", "export", "result", "goal")
        ),
        "salesplan_widgets.model.allocation.split_goal",
        "salesplan_widgets.workbook.task_sheets.import_task_sheets",
    ],
    "incentives": [
        "salesplan_widgets.widgets.incentive_calculator.IncentiveCalculator",
        "salesplan_widgets.widgets.incentive_calculator.IncentiveCalculator.set_bands",
        "salesplan_widgets.widgets.incentive_calculator.IncentiveCalculator.save",
        "salesplan_widgets.model.statements.payout_statements",
        "salesplan_widgets.workbook.ledger.close_period",
    ],
    "tracking": [
        "salesplan_widgets.widgets.tracker.Tracker",
        "salesplan_widgets.widgets.tracker.Tracker.summary",
        "salesplan_widgets.widgets.tracker.Tracker.save_replan",
        "salesplan_widgets.model.pacing.pace",
        "salesplan_widgets.model.replan.replan",
    ],
    "dashboards": [
        "salesplan_widgets.widgets.overview.SalesOverview",
        "salesplan_widgets.widgets.dashboard.Dashboard",
        "salesplan_widgets.serve.serve",
    ],
    "run": ["salesplan_widgets.run.run_period", "salesplan_widgets.report.tracking.TrackingReport"],
    "errors": ["salesplan_widgets.errors.InputError", "salesplan_widgets.errors.Problem"],
}

# The guide's sections that are a step of the journey, and the reference page each links to.
STEP_PAGES = {
    ("## Start a workbook", "## 新建工作簿"): "workbook",
    ("### 1. Set the goal", "### 1. 设定目标"): "goal",
    ("### 2. Split it into tasks", "### 2. 分解任务"): "split",
    ("### 3. Attach incentives", "### 3. 配套激励"): "incentives",
    ("### 4 and 5. Track and adjust", "### 4 和 5. 跟踪与调整"): "tracking",
    ("## The period report", "## 期间报告"): "run",
    ("## Dashboards for managers", "## 管理者看板"): "dashboards",
    ("## Running a comp cycle", "## 运行一个提成周期"): "incentives",
}


def sphinx_build(source: Path, out: Path) -> subprocess.CompletedProcess:
    """sphinx-build as CI runs it: a fresh environment, every warning an error, all of them reported."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html", source, out]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("api-html")
    done = sphinx_build(API, out)
    assert done.returncode == 0, f"sphinx-build -W failed:\n{done.stderr}"
    return out


def test_the_api_reference_builds_from_the_docstrings_with_warnings_as_errors(built: Path) -> None:
    index = (built / "index.html").read_text(encoding="utf-8")
    for page in PUBLIC_FACE:
        assert f'href="{page}.html"' in index, page
    goal = (built / "goal.html").read_text(encoding="utf-8")
    # the text comes from the code: the GoalWizard's docstring and a trait's help= text
    assert "Set a SMART, data-driven goal" in goal
    assert "Growth over last year (growth method)." in goal


def test_the_reference_documents_the_public_face_users_call(built: Path) -> None:
    missing = [
        f"{page}: {name}"
        for page, names in PUBLIC_FACE.items()
        for name in names
        if f'id="{name}"' not in (built / f"{page}.html").read_text(encoding="utf-8")
    ]
    assert not missing, "not in the API reference:\n" + "\n".join(missing)


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_a_widget_trait_is_documented_by_its_help_text_type_and_default(built: Path) -> None:
    goal = _text(built / "goal.html")
    growth = goal[goal.index("growth¶") :][:200]
    assert "Growth over last year (growth method)." in growth and "Trait Float = 0.1" in growth


def test_a_widget_class_shows_its_constructor_parameters_not_traitlets_generic_ones(built: Path) -> None:
    assert "TaskSplitter(workbook, potential=None)" in _text(built / "split.html")
    assert "GoalWizard(workbook)" in _text(built / "goal.html")
    assert "(*args, **kwargs)" not in _text(built / "goal.html") + _text(built / "split.html")


def test_a_broken_docstring_reference_fails_the_build(tmp_path: Path) -> None:
    source = tmp_path / "api"
    source.mkdir()
    shutil.copy(API / "conf.py", source / "conf.py")
    (source / "index.rst").write_text(
        "Broken\n======\n\n.. automodule:: salesplan_widgets.widgets.no_such_tool\n", encoding="utf-8"
    )
    done = sphinx_build(source, tmp_path / "out")
    assert done.returncode != 0 and "no_such_tool" in done.stderr


def _public_methods(cls: type) -> dict[str, object]:
    """Methods a class defines itself (not inherited from ipywidgets), without a leading _."""
    return {
        name: value
        for name, value in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(value)
    }


def test_every_public_method_of_the_tools_and_the_workbook_says_what_it_does() -> None:
    from salesplan_widgets.widgets.goal_wizard import GoalWizard
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator
    from salesplan_widgets.widgets.task_splitter import MyTargets, TaskSplitter
    from salesplan_widgets.widgets.tracker import Tracker
    from salesplan_widgets.workbook.workbook import Workbook

    undocumented = [
        f"{cls.__name__}.{name}"
        for cls in (GoalWizard, TaskSplitter, MyTargets, IncentiveCalculator, Tracker, Workbook)
        for name, member in _public_methods(cls).items()
        if not (member.__doc__ or "").strip()
    ]
    assert not undocumented, "public without a docstring: " + ", ".join(undocumented)
    for cls in (GoalWizard, TaskSplitter, IncentiveCalculator, Tracker):
        # the class docstring says how to drive the tool, not just what it is
        assert len(inspect.getdoc(cls).splitlines()) > 3, cls.__name__


def _sections(text: str) -> dict[str, str]:
    """Heading line -> the text up to the next heading of the same or a higher level."""
    heads = [m for m in re.finditer(r"^(#{2,3}) .*$", text, flags=re.M)]
    sections = {}
    for i, head in enumerate(heads):
        level = len(head.group(1))
        end = next((h.start() for h in heads[i + 1 :] if len(h.group(1)) <= level), len(text))
        sections[head.group(0)] = text[head.end() : end]
    return sections


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_each_step_of_the_guide_links_its_reference_page(guide: Path) -> None:
    sections = _sections(guide.read_text(encoding="utf-8"))
    for titles, page in STEP_PAGES.items():
        heading = next(h for h in sections if any(h.startswith(t) for t in titles))
        assert f"(api/{page}.rst)" in sections[heading], (
            f"{guide.name}: {heading} does not link api/{page}.rst"
        )


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_reference_link_in_the_guide_leads_to_a_page_of_the_reference(guide: Path) -> None:
    toctree = (API / "index.rst").read_text(encoding="utf-8")
    links = re.findall(r"\]\((api/[^)#]+)\)", guide.read_text(encoding="utf-8"))
    assert links
    for link in links:
        target = guide.parent / link
        assert target.is_file(), link
        assert re.search(rf"^   {re.escape(target.stem)}$", toctree, flags=re.M), (
            f"{link} is not in the toctree"
        )

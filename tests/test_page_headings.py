"""Every workbook page is headed the same way: the plan's name, a dash, the page's title, in the plan's
language, escaped once. The goal wizard, the task splitter and My targets, the tracker, the overview and the
calculator all build it with `widgets.charts.page_heading`, so a plan name with markup in it is text on each."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fixtures.minimal_workbook import home_sales, write_minimal_workbook

import salesplan_widgets.widgets as widgets_package
from salesplan_widgets.workbook import open_workbook

NAME = "Smith & <Sons> 华东"
TITLES = {
    "en": ["Goal wizard", "Task splitter", "My targets", "Tracker", "Sales overview", "Incentives"],
    "zh_CN": ["目标向导", "任务分解", "我的目标", "跟踪", "销售概览", "激励"],
}


@pytest.fixture(params=["en", "zh_CN"])
def named(request, tmp_path) -> tuple[str, Path]:
    folder = write_minimal_workbook(tmp_path / "wb", locale=request.param, sales=home_sales(cities=4))
    plan = folder / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("Texas home sales (minimal)", f'"{NAME}"'), encoding="utf-8"
    )
    return request.param, folder


def test_each_page_is_headed_by_the_plan_name_and_its_title_in_the_plans_language(named):
    from salesplan_widgets.widgets.goal_wizard import GoalWizard
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator
    from salesplan_widgets.widgets.overview import SalesOverview
    from salesplan_widgets.widgets.task_splitter import MyTargets, TaskSplitter
    from salesplan_widgets.widgets.tracker import Tracker

    locale, folder = named
    pages = [GoalWizard, TaskSplitter, MyTargets, Tracker, SalesOverview, IncentiveCalculator]
    headings = [page(open_workbook(folder)).children[0].value for page in pages]
    escaped = "Smith &amp; &lt;Sons&gt; 华东"
    assert headings == [f"<h2>{escaped} — {title}</h2>" for title in TITLES[locale]]


def test_no_widget_writes_a_page_heading_of_its_own():
    """The heading's markup lives in `charts.page_heading` alone: another <h2> built beside a plan name
    would be a second wording of the same heading."""
    package = Path(widgets_package.__file__).parent
    own = []
    for path in sorted(package.glob("*.py")):
        if path.name == "charts.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "<h2>" in node.value:
                own.append(f"{path.name}:{node.lineno}")
    assert own == []

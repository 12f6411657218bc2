"""Plan saves keep the analyst's comments where they were: a new workbook's `# goal:` … block stays a
top-level comment after `reports`, however often the plan is saved and whatever list it holds changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesplan_widgets.schema.split import SplitSection
from salesplan_widgets.workbook.plan import PlanFile
from salesplan_widgets.workbook.scaffold import init_workbook


def _line_after_sections_comment(text: str) -> str:
    """The first line that is not a comment after the `# goal:` line of the new-workbook comment block."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# goal:"))
    return next(line for line in lines[start:] if not line.lstrip().startswith("#"))


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_goal_comment_block_stays_outside_reports_after_saves(tmp_path: Path, locale: str):
    folder = init_workbook(tmp_path / "wb", locale=locale)
    plan_file = PlanFile.read(folder / "plan.yaml")
    plan_file.save(split=SplitSection(goal=12_000.0, start="2027-01"))
    plan_file.save(
        reports=plan_file.plan.reports.model_copy(update={"dashboards": ["overview", "my_targets"]})
    )
    text = (folder / "plan.yaml").read_text(encoding="utf-8")

    after = _line_after_sections_comment(text)
    assert not after.startswith(" "), f"the comment block sits inside a section, before {after!r}"
    assert "- overview" not in text  # the flow list keeps its style and its comment
    reread = PlanFile.read(folder / "plan.yaml").plan
    assert reread.reports.dashboards == ["overview", "my_targets"] and reread.split.goal == 12_000.0
    assert text.index("dashboards: [overview, my_targets]") < text.index("# goal:") < text.index("split:")

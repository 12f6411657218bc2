"""A split remembers what it was made for: its first month and the goal's target. Reopened after next year's
data or a new goal, it keeps its months and is flagged wherever it is used — the splitter, the split
report, the my-targets and tracker dashboards, `validate` — until it is split again or explicitly kept.
Default levels and strategies fit the data: no segment, channel or territory level on a workbook that has
none. Driven on the minimal (date, amount, rep) workbook in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.minimal_workbook import home_sales, write_minimal_workbook
from openpyxl import load_workbook

from salesplan_widgets.report.split import SplitReport
from salesplan_widgets.schema.goal import GoalSection
from salesplan_widgets.widgets.task_splitter import MyTargets, TaskSplitter
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.plan_warnings import plan_warnings
from salesplan_widgets.workbook.versions import targets_for_tracking


@pytest.fixture
def texas(tmp_path) -> Path:
    """Sales to December 2025 (the minimal workbook: date, amount and rep only)."""
    return write_minimal_workbook(tmp_path / "texas")


def set_goal(folder: Path, target: float, start: str = "2026-01-01", end: str = "2026-12-31") -> None:
    workbook = open_workbook(folder)
    workbook.save(goal=GoalSection(name="Grow 2026", target=target, start=start, end=end))


def test_default_levels_skip_dimensions_the_data_do_not_hold(texas):
    splitter = TaskSplitter(texas)
    assert [lv.dimension for lv in splitter.section.levels] == ["rep", "period"]
    assert splitter.section.strategies == {}
    assert set(splitter.result.targets["segment"]) == {"all"}
    paths = splitter.export()
    assert load_workbook(paths[0]).sheetnames == ["Targets", "Milestones"]  # no A/B/C strategies sheet
    assert splitter.save()
    text = (texas / "plan.yaml").read_text(encoding="utf-8")
    assert "dimension: segment" not in text and "Protect and expand key accounts" not in text


def test_the_demo_keeps_its_segment_channel_and_territory_levels(tmp_path):
    import shutil

    demo = Path(__file__).parents[1] / "workbooks" / "demo"
    shutil.copytree(demo, tmp_path / "demo", ignore=shutil.ignore_patterns(".cache", "tables", "reports"))
    splitter = TaskSplitter(tmp_path / "demo")
    assert [lv.dimension for lv in splitter.section.levels][:2] == ["segment", "channel"]
    assert splitter.notices == []  # the demo's split is the demo goal's


def test_a_saved_split_keeps_its_months_when_next_years_data_arrive(texas):
    splitter = TaskSplitter(texas)
    assert str(splitter.periods[0]) == "2026-01"
    assert splitter.save()
    assert open_workbook(texas).plan.split.start == "2026-01"

    home_sales(last="2026-12").to_csv(texas / "data" / "sales.csv", index=False)  # December being sold
    december = TaskSplitter(texas)
    assert str(december.periods[0]) == "2026-01" and str(december.periods[-1]) == "2026-12"
    assert december.months_label.value == "Plan months: Jan 2026 – Dec 2026"
    assert december.notices == []  # its last month is tracked against it: the year is not over yet

    home_sales(last="2027-01").to_csv(texas / "data" / "sales.csv", index=False)  # the next year begins
    reopened = TaskSplitter(texas)
    assert str(reopened.periods[0]) == "2026-01" and str(reopened.periods[-1]) == "2026-12"
    assert any("Jan 2027" in n and "Dec 2026" in n and "over" in n for n in reopened.notices)
    assert reopened.notice_panel.value  # shown, not silent


def test_a_split_for_an_older_goal_is_flagged_everywhere_until_split_again(texas):
    set_goal(texas, 1_000_000_000.0)
    splitter = TaskSplitter(texas)
    assert splitter.goal == 1_000_000_000.0 and splitter.notices == []
    assert splitter.save()
    assert open_workbook(texas).plan.split.made_for == 1_000_000_000.0

    set_goal(texas, 1_200_000_000.0)  # the goal wizard saved a new target
    reopened = TaskSplitter(texas)
    assert reopened.goal == 1_000_000_000.0  # still the split as saved ...
    assert len(reopened.notices) == 1 and "$1,000,000,000" in reopened.notices[0]  # ... but flagged
    assert "$1,200,000,000" in reopened.notices[0]
    assert reopened.keep_button.layout.display is None
    workbook = open_workbook(texas)
    my_targets = MyTargets(workbook)
    assert "earlier goal" in my_targets.children[1].value
    assert "earlier goal" in str(SplitReport.open(workbook, "2025-12").headline())
    _targets, notice = targets_for_tracking(workbook, workbook.cube())
    assert "earlier goal" in notice
    assert "earlier goal" in Tracker(workbook).notice_panel.value
    assert [w.column for w in plan_warnings(workbook)] == ["split"]

    reopened.goal_control.value = 1_200_000_000.0  # split the new goal and save
    assert reopened.notices == [] and reopened.save()
    workbook = open_workbook(texas)
    assert workbook.plan.split.made_for == 1_200_000_000.0 and plan_warnings(workbook) == []
    assert round(workbook.read_table("targets")["target"].sum(), 2) == 1_200_000_000.0


def test_keep_this_split_is_recorded_in_the_plan_until_the_goal_moves_again(texas):
    set_goal(texas, 1_000_000_000.0)
    assert TaskSplitter(texas).save()
    set_goal(texas, 1_100_000_000.0)
    splitter = TaskSplitter(texas)
    assert splitter.notices
    splitter.keep_button.click()
    assert splitter.notices == [] and splitter.keep_button.layout.display == "none"
    saved = open_workbook(texas).plan.split
    assert saved.kept_for == 1_100_000_000.0 and saved.goal == 1_000_000_000.0
    assert TaskSplitter(texas).notices == [] and plan_warnings(open_workbook(texas)) == []

    set_goal(texas, 1_300_000_000.0)
    assert TaskSplitter(texas).notices  # kept for 1.1 billion, not for any goal


def test_a_split_total_that_is_not_the_goal_says_why(texas):
    set_goal(texas, 1_000_000_000.0)
    splitter = TaskSplitter(texas)
    splitter.goal_control.value = 900_000_000.0
    assert len(splitter.notices) == 1
    assert "$900,000,000" in splitter.notices[0] and "$1,000,000,000" in splitter.notices[0]
    assert round(splitter.result.targets["target"].sum(), 2) == 900_000_000.0


def test_a_split_without_a_saved_start_plans_the_goals_months(texas):
    set_goal(texas, 1_000_000_000.0, start="2027-01-01", end="2027-12-31")
    splitter = TaskSplitter(texas)
    assert str(splitter.periods[0]) == "2027-01" and splitter.notices == []
    assert splitter.save() and open_workbook(texas).plan.split.start == "2027-01"


def test_a_refused_save_offers_a_reload_that_shows_the_plan_as_saved_and_reapplies_nothing(texas):
    splitter = TaskSplitter(texas)
    assert splitter.reload_button.layout.display == "none"
    other = open_workbook(texas)  # a colleague saves a six-month split meanwhile
    other.save(split=splitter.section.model_copy(update={"months": 6, "unit": 1000.0}))
    rep = str(splitter.result.targets["rep"].iloc[0])
    splitter.lock({"rep": rep}, 5_000_000.0)

    assert not splitter.save()
    assert "Reload the plan" in splitter.message and splitter.reload_button.layout.display is None
    splitter.reload_button.click()
    assert splitter.reload_button.layout.display == "none"
    assert len(splitter.periods) == 6 and splitter.unit_control.value == 1000.0  # the colleague's split
    assert splitter.section.locks == []  # the lock typed before the reload is not silently re-applied
    assert "not saved" in splitter.message
    assert splitter.save()  # and now the save goes through, on top of the colleague's version
    assert open_workbook(texas).plan.split.months == 6


def _upload(splitter: TaskSplitter, *paths: Path) -> None:
    """Files chosen in the upload box, as the browser sends them (through the widget's deserializer)."""
    files = [
        {"name": p.name, "type": "", "size": p.stat().st_size, "content": memoryview(p.read_bytes()),
         "last_modified": 1_767_225_600_000}
        for p in paths
    ]  # fmt: skip
    splitter.upload.set_state({"value": files})


def test_returned_task_sheets_are_imported_from_the_upload_box(texas):
    splitter = TaskSplitter(texas)
    assert splitter.save()
    sheets = {p.stem: p for p in splitter.export() if p.parent.name == "reps"}
    book = load_workbook(sheets["Austin"])
    book["Targets"].cell(6, 16).value = 4_500_000  # commit
    book["Targets"].cell(6, 17).value = "New subdivisions open in spring"  # feedback
    book.save(sheets["Austin"])

    _upload(splitter, sheets["Austin"], sheets["Dallas"])
    splitter.import_button.click()
    assert "Imported 1 commits and 1 feedback notes from 2 task sheets." in splitter.import_panel.value
    workbook = open_workbook(texas)
    assert workbook.read_table("commits")[["rep", "commit"]].values.tolist() == [["Austin", 4_500_000.0]]
    assert "New subdivisions open in spring" in workbook.read_table("feedback")["text"].iloc[0]
    assert splitter.upload.value == ()


def test_a_returned_sheet_with_an_edited_target_is_refused_with_its_cell(texas):
    splitter = TaskSplitter(texas)
    assert splitter.save()
    sheet = next(p for p in splitter.export() if p.stem == "Houston")
    book = load_workbook(sheet)
    book["Targets"].cell(6, 3).value = 1.0  # January's target, which the plan sets
    book.save(sheet)
    _upload(splitter, sheet)
    splitter.import_button.click()
    assert "salesplan-error" in splitter.import_panel.value
    assert "Houston.xlsx [Targets]" in splitter.message and "C" in splitter.message
    assert open_workbook(texas).read_table("commits") is None


def test_importing_with_nothing_chosen_says_what_to_do(texas):
    splitter = TaskSplitter(texas)
    splitter.import_button.click()
    assert "choose the files the reps sent back" in splitter.message


def test_validate_warns_about_a_split_made_for_an_older_goal_and_still_passes(texas):
    import subprocess
    import sys

    set_goal(texas, 1_000_000_000.0)
    assert TaskSplitter(texas).save()
    set_goal(texas, 1_200_000_000.0)
    done = subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", "validate", str(texas)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("- warning:")]
    assert len(warnings) == 1 and "earlier goal" in warnings[0] and "keep this split" in warnings[0]


def test_a_chinese_workbook_flags_the_older_goal_in_chinese(tmp_path):
    folder = write_minimal_workbook(tmp_path / "texas", locale="zh_CN")
    set_goal(folder, 1_000_000_000.0)
    assert TaskSplitter(folder).save()
    set_goal(folder, 1_200_000_000.0)
    splitter = TaskSplitter(folder)
    assert len(splitter.notices) == 1 and splitter.notices[0].startswith("此分解是为此前的目标")
    assert splitter.keep_button.description == "保留此分解"


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_split_warning_reads_as_one_sentence_with_its_reason_once(tmp_path, locale):
    folder = write_minimal_workbook(tmp_path / "texas", locale=locale)
    set_goal(folder, 1_000_000_000.0)
    assert TaskSplitter(folder).save()
    set_goal(folder, 1_200_000_000.0)
    notice = TaskSplitter(folder).notices[0]
    [warning] = [str(p) for p in plan_warnings(open_workbook(folder)) if p.column == "split"]
    assert warning.count(notice.rstrip(".。")) == 1  # the reason, said once
    assert "expected This" not in warning and "应为 此" not in warning  # not "expected <a whole sentence>"
    assert ".." not in warning and "。。" not in warning and "。." not in warning

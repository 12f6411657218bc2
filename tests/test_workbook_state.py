"""`workbook_state`: what tells a view built ahead of its request (a preheated kernel) that it is stale."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_overview_widget import write_sales_workbook

from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.state import workbook_state


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    folder = write_sales_workbook(tmp_path / "workbook")
    open_workbook(folder).cube()  # the cube cache, as `salesplan serve` warms it
    return folder


def test_the_state_is_the_same_while_nothing_changes_and_reading_changes_nothing(workbook: Path) -> None:
    before = workbook_state(workbook)
    open_workbook(workbook).cube()
    assert workbook_state(workbook) == before == workbook_state(workbook / "plan.yaml")


def test_a_plan_edit_of_the_same_size_and_time_changes_the_state(workbook: Path) -> None:
    plan = workbook / "plan.yaml"
    before, stat = workbook_state(workbook), plan.stat()
    plan.write_text(plan.read_text(encoding="utf-8").replace("Fixture Co", "Fixture Cx"), encoding="utf-8")
    os.utime(plan, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # only the content tells it apart
    assert plan.stat().st_size == stat.st_size
    assert workbook_state(workbook) != before


@pytest.mark.parametrize(
    "changed",
    [
        "data/sales.csv",
        "tables/targets.csv",
        "reports/2026-10/statements/Li/statement.html",
        "ledger/x.parquet",
    ],
)
def test_new_or_changed_data_tables_ledger_or_reports_change_the_state(workbook: Path, changed: str) -> None:
    before = workbook_state(workbook)
    path = workbook / changed
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write("2026-10-30,1.00,Li,East,A,online\n")
    assert workbook_state(workbook) != before


def test_the_cube_cache_notebooks_and_hidden_files_do_not_count(workbook: Path) -> None:
    before = workbook_state(workbook)
    for cache in (workbook / ".cache").glob("cube-*.parquet"):
        cache.unlink()
    (workbook / "1_goal_setting.ipynb").write_text("{}", encoding="utf-8")  # an analyst's autosave
    (workbook / ".ipynb_checkpoints").mkdir()
    (workbook / ".ipynb_checkpoints" / "plan-checkpoint.yaml").write_text("x", encoding="utf-8")
    (workbook / "tables" / ".targets.csv.lock").parent.mkdir(exist_ok=True)
    (workbook / "tables" / ".targets.csv.lock").write_text("", encoding="utf-8")
    assert workbook_state(workbook) == before


def test_a_link_swapped_to_another_copy_changes_the_state(tmp_path: Path) -> None:
    first = write_sales_workbook(tmp_path / "v1")
    second = write_sales_workbook(tmp_path / "v2")
    link = tmp_path / "current"
    link.symlink_to(first)
    before = workbook_state(link)
    swap = tmp_path / "current.new"
    swap.symlink_to(second)
    swap.replace(link)  # as a published extract is swapped in
    assert workbook_state(link) != before

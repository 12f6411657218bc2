"""Task sheets round trip: export per rep and team, a rep edits with openpyxl, import; each bad sheet is a
clear InputError naming file, sheet, row and column, and nothing is written."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from salesplan_widgets.errors import InputError
from salesplan_widgets.model.allocation import Level, split_goal
from salesplan_widgets.model.milestones import milestones
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.task_sheets import export_task_sheets, import_task_sheets

PLAN = """\
name: Sheet Co
currency: CNY
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
"""
REPS = {"Li Na": "East", "Wang Wei": "East", "Chen 晨": "North"}
STRATEGIES = {
    "A": {"strategy": "Visit monthly", "growth": 0.08},
    "B": {"strategy": "Cross-sell", "growth": 0.1},
}


def make_workbook(folder: Path, locale: str = "en"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.yaml").write_text(PLAN.format(locale=locale), encoding="utf-8")
    wb = open_workbook(folder)
    months = pd.period_range("2026-01", periods=12, freq="M")
    grid = pd.MultiIndex.from_product([months, list(REPS), ["A", "B"], ["online", "offline"]]).to_frame(
        index=False, name=["period", "rep", "segment", "channel"]
    )
    history = grid.assign(
        team=grid["rep"].map(REPS), territory="all", actual=np.arange(len(grid), dtype=float) % 7 + 1.0
    )
    levels = [Level("segment"), Level("channel"), Level("rep"), Level("period", "seasonality")]
    split = split_goal(1_234_567.89, levels, history, pd.period_range("2027-01", periods=12, freq="M"))
    targets = split.targets.assign(
        **{c: split.targets[c].astype(str) for c in ("rep", "team", "segment", "channel")}
    )
    wb.write_table("targets", targets)
    return wb, targets


@pytest.fixture
def exported(tmp_path):
    wb, targets = make_workbook(tmp_path / "wb")
    paths = export_task_sheets(
        targets, milestones(targets), tmp_path / "out", strategies=STRATEGIES, plan_name="Sheet Co"
    )
    return wb, targets, paths


def rep_file(paths, rep) -> Path:
    return next(p for p in paths if p.parent.name == "reps" and p.stem == rep)


def test_export_writes_one_formatted_sheet_per_rep_and_per_team(exported):
    wb, targets, paths = exported
    assert sorted(p.stem for p in paths if p.parent.name == "reps") == sorted(REPS)
    assert sorted(p.stem for p in paths if p.parent.name == "teams") == ["East", "North"]
    book = load_workbook(rep_file(paths, "Li Na"))
    assert book.sheetnames == ["Targets", "Milestones", "Strategies"]
    ws = book["Targets"]
    assert ws["B2"].value == "Li Na" and ws["B3"].value == "East"
    assert ws.freeze_panes == "C6"
    assert [ws.cell(5, c).value for c in (1, 2, 3, 15, 16, 17)] == [
        "Segment", "Channel", "Jan 2027", "Total", "Commit", "Feedback"
    ]  # fmt: skip
    assert ws.cell(6, 3).number_format == "#,##0.00"
    assert ws.column_dimensions["Q"].width > ws.column_dimensions["C"].width
    total = sum(ws.cell(r, 15).value for r in range(6, 10))
    assert total == pytest.approx(targets.loc[targets["rep"] == "Li Na", "target"].sum(), abs=0.005)
    strategies = book["Strategies"]
    assert strategies["B2"].value == "Visit monthly" and strategies["C2"].number_format == "0.0%"
    team = load_workbook(next(p for p in paths if p.stem == "East"))["Targets"]
    assert {team.cell(r, 1).value for r in range(6, 14)} == {"Li Na", "Wang Wei"}


def test_export_follows_the_plans_language_for_month_names(tmp_path):
    wb, targets = make_workbook(tmp_path / "wb", locale="zh_CN")
    paths = export_task_sheets(targets, milestones(targets), tmp_path / "out", locale="zh_CN")
    ws = load_workbook(paths[0]).worksheets[0]
    assert ws.cell(5, 3).value == "2027年1月"


def test_commits_and_feedback_typed_by_reps_land_in_the_tables(exported):
    wb, targets, paths = exported
    li = rep_file(paths, "Li Na")
    book = load_workbook(li)
    ws = book["Targets"]
    ws.cell(6, 16).value = 250000
    ws.cell(7, 16).value = "1,200"
    ws.cell(6, 17).value = "Two big accounts are moving to a competitor"
    book.save(li)
    commits, feedback = import_task_sheets(wb, [li, rep_file(paths, "Wang Wei")], today=dt.date(2027, 1, 5))
    stored = wb.read_table("commits")
    assert stored[["rep", "segment", "channel", "commit"]].values.tolist() == [
        ["Li Na", "A", "offline", 250000.0],
        ["Li Na", "A", "online", 1200.0],
    ]
    log = wb.read_table("feedback")
    assert log.loc[0, "text"] == "A / offline: Two big accounts are moving to a competitor"
    assert (log.loc[0, "rep"], log.loc[0, "source"], log.loc[0, "date"]) == (
        "Li Na",
        "task sheet",
        "2027-01-05",
    )
    assert str(log.loc[0, "period"]) == "2027-01"
    # a second import replaces the rep's commits instead of adding to them
    ws.cell(7, 16).value = None
    book.save(li)
    import_task_sheets(wb, [li])
    assert wb.read_table("commits")["commit"].tolist() == [250000.0]


def edit(path: Path, cells: dict[tuple[int, int], object], sheet: str = "Targets") -> None:
    book = load_workbook(path)
    for (row, col), value in cells.items():
        book[sheet].cell(row, col).value = value
    book.save(path)


def assert_refused(wb, paths, *, file, row, column, **kwargs) -> InputError:
    with pytest.raises(InputError) as err:
        import_task_sheets(wb, paths, **kwargs)
    problem = err.value.first
    assert file in problem.file
    assert (problem.row, problem.column) == (row, column)
    assert wb.read_table("commits") is None and wb.read_table("feedback") is None
    return err.value


def test_an_edited_target_cell_is_refused_with_its_row_and_column(exported):
    wb, _targets, paths = exported
    li = rep_file(paths, "Li Na")
    edit(li, {(7, 5): 1.0, (6, 16): 100})
    err = assert_refused(wb, [li], file="Li Na.xlsx [Targets]", row=7, column="E")
    assert "Commit or Feedback" in str(err)


def test_a_non_numeric_commit_is_refused(exported):
    wb, _targets, paths = exported
    li = rep_file(paths, "Li Na")
    edit(li, {(8, 16): "about 2 million"})
    err = assert_refused(wb, [li], file="Li Na.xlsx", row=8, column="P")
    assert "about 2 million" in str(err)


def test_a_sheet_for_a_rep_not_in_the_plan_is_refused(exported):
    wb, _targets, paths = exported
    li = rep_file(paths, "Li Na")
    edit(li, {(2, 2): "Somebody Else"})
    assert_refused(wb, [li], file="Li Na.xlsx", row=2, column="B")


def test_the_same_rep_twice_is_refused(exported, tmp_path):
    wb, _targets, paths = exported
    li = rep_file(paths, "Li Na")
    copy = tmp_path / "copy.xlsx"
    shutil.copy(li, copy)
    assert_refused(wb, [li, copy], file="copy.xlsx", row=2, column="B")


def test_a_renamed_targets_sheet_is_refused(exported):
    wb, _targets, paths = exported
    li = rep_file(paths, "Li Na")
    book = load_workbook(li)
    book["Targets"].title = "Sheet1"
    book.save(li)
    err = assert_refused(wb, [li], file="Li Na.xlsx", row=None, column=None)
    assert "Sheet1" in str(err)


def test_a_missing_reps_sheet_is_reported_when_all_reps_are_expected(exported):
    wb, _targets, paths = exported
    with pytest.raises(InputError, match="Chen 晨"):
        import_task_sheets(wb, [rep_file(paths, "Li Na"), rep_file(paths, "Wang Wei")], reps=list(REPS))


def test_a_file_that_is_not_excel_is_refused(exported, tmp_path):
    wb, _targets, _paths = exported
    bogus = tmp_path / "notes.xlsx"
    bogus.write_text("not a workbook")
    assert_refused(wb, [bogus], file="notes.xlsx", row=None, column=None)

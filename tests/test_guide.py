"""The workbook's start page: the steps with links, and the data check in words any font can show."""

from __future__ import annotations

from pathlib import Path

from test_overview_widget import write_sales_workbook

from salesplan_widgets.widgets.guide import start_page, validation_summary
from salesplan_widgets.workbook import open_workbook

EMOJI = ("✅", "⚠", "❌", "\ufe0f")


def test_a_sound_workbook_is_reported_ok_in_plain_words(tmp_path: Path) -> None:
    workbook = open_workbook(write_sales_workbook(tmp_path / "wb"))
    summary = validation_summary(workbook)
    assert summary.startswith("**OK** — ") and "Plan and data are valid." in summary
    page = start_page(workbook).data
    assert summary in page and not any(mark in page for mark in EMOJI)


def test_problems_are_listed_under_a_plain_heading(tmp_path: Path) -> None:
    folder = write_sales_workbook(tmp_path / "wb")
    (folder / "data" / "sales.csv").write_text("日期,金额,销售\nnot a date,x,y\n", encoding="utf-8")
    summary = validation_summary(open_workbook(folder))
    assert summary.startswith("**Problems** — ") and "problem(s) found." in summary
    assert summary.count("\n- ") >= 1 and not any(mark in summary for mark in EMOJI)


def test_every_step_notebook_opens_with_the_data_check() -> None:
    import nbformat

    from salesplan_widgets.paths import templates_dir
    from salesplan_widgets.workbook.scaffold import STEPS

    for template, _notebook in STEPS[1:]:
        cells = nbformat.read(templates_dir() / f"{template}.ipynb", as_version=4).cells
        first = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
        assert "check_workbook(workbook)" in cells[first + 1].source, template


def test_the_check_reports_a_plan_that_does_not_load_instead_of_raising(tmp_path: Path) -> None:
    from salesplan_widgets.widgets.guide import check_workbook

    folder = write_sales_workbook(tmp_path / "wb")
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + "bogus_section: 1\n", encoding="utf-8")
    shown = check_workbook(str(folder)).data
    assert shown.startswith("**Problems** — ") and "bogus_section" in shown
    assert check_workbook(str(write_sales_workbook(tmp_path / "ok"))).data.startswith("**OK** — ")

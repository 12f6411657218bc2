"""The plan file: strict schema with located errors, comment-preserving atomic saves, conflict refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.errors import ConflictError, PlanError
from salesplan_widgets.workbook.plan import PlanFile, json_schema

PLAN = """\
# Demo plan — comments must survive a save
name: Test Co
currency: CNY
locale: en
calendar:
  fiscal_year_start: 1
sources:
  sales:
    path: data/sales.csv   # the ERP export
    columns:
      date: 日期
      amount: 金额
      rep: 销售
"""


@pytest.fixture
def workbook_dir(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.csv").write_text("日期,金额,销售\n2026-01-05,100.5,Li\n", encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    return tmp_path


def test_unknown_key_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN.replace("calendar:", "calender:"), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        PlanFile.read(tmp_path / "plan.yaml")
    problem = info.value.first
    assert problem.column == "calender"
    assert problem.row == 5
    assert "calender" in str(info.value) and "row 5" in str(info.value)


def test_wrong_type_names_the_nested_key_and_line(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN.replace("fiscal_year_start: 1", "fiscal_year_start: thirteen"))
    with pytest.raises(PlanError) as info:
        PlanFile.read(tmp_path / "plan.yaml")
    assert info.value.first.column == "calendar.fiscal_year_start"
    assert info.value.first.row == 6
    assert "thirteen" in str(info.value)


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    text = PLAN.replace("currency: CNY", "currency: XYZ").replace("locale: en", "locale: fr")
    (tmp_path / "plan.yaml").write_text(text)
    with pytest.raises(PlanError) as info:
        PlanFile.read(tmp_path / "plan.yaml")
    assert {p.column for p in info.value.problems} == {"currency", "locale"}


def test_missing_required_column_mapping_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN.replace("      rep: 销售\n", ""))
    with pytest.raises(PlanError, match="rep"):
        PlanFile.read(tmp_path / "plan.yaml")


def test_source_path_may_not_leave_the_workbook(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN.replace("data/sales.csv", "../../etc/passwd"))
    with pytest.raises(PlanError, match="inside"):
        PlanFile.read(tmp_path / "plan.yaml")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN.replace("currency: CNY", "currency: [CNY"))
    with pytest.raises(PlanError) as info:
        PlanFile.read(tmp_path / "plan.yaml")
    assert info.value.first.row is not None
    assert "YAML" in str(info.value)


def test_save_keeps_comments_and_changes_only_what_changed(workbook_dir: Path) -> None:
    wb = open_workbook(workbook_dir)
    wb.save(wb.plan.model_copy(update={"name": "Renamed Co"}))
    text = (workbook_dir / "plan.yaml").read_text(encoding="utf-8")
    assert "# Demo plan — comments must survive a save" in text
    assert "# the ERP export" in text
    assert "name: Renamed Co" in text
    assert open_workbook(workbook_dir).plan.name == "Renamed Co"


def test_second_editor_is_refused_and_first_edit_survives(workbook_dir: Path) -> None:
    alice, bob = open_workbook(workbook_dir), open_workbook(workbook_dir)
    alice.save(alice.plan.model_copy(update={"name": "Alice's plan"}))
    with pytest.raises(ConflictError, match="changed by someone else"):
        bob.save(bob.plan.model_copy(update={"name": "Bob's plan"}))
    assert open_workbook(workbook_dir).plan.name == "Alice's plan"
    bob.reload()
    bob.save(bob.plan.model_copy(update={"name": "Bob's plan"}))
    assert open_workbook(workbook_dir).plan.name == "Bob's plan"


def test_a_save_that_would_not_load_again_writes_nothing(workbook_dir: Path) -> None:
    wb = open_workbook(workbook_dir)
    before = (workbook_dir / "plan.yaml").read_bytes()
    bad = wb.plan.model_construct(**{**wb.plan.__dict__, "currency": "NOPE"})
    with pytest.raises(PlanError, match="currency"):
        wb.save(bad)
    assert (workbook_dir / "plan.yaml").read_bytes() == before
    assert [p.name for p in workbook_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_published_json_schema_is_current() -> None:
    published = Path(__file__).parents[1] / "docs" / "plan.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == json_schema(), (
        "docs/plan.schema.json is stale: run `salesplan schema > docs/plan.schema.json`"
    )


def test_locale_of_the_plan_becomes_the_language_of_messages(workbook_dir: Path) -> None:
    (workbook_dir / "plan.yaml").write_text(PLAN.replace("locale: en", "locale: zh_CN"))
    wb = open_workbook(workbook_dir)
    assert wb.locale == "zh_CN"
    from salesplan_widgets.i18n import get_locale

    assert get_locale() == "zh_CN"

"""A workbook opened read-only writes nothing: saves are refused, a cold cube is computed in memory, and
source conversions happen outside the folder. Writes through a normal workbook land in the audit log."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from fixtures.tracking_data import targets_table
from test_overview_widget import write_sales_workbook

from salesplan_widgets.errors import ReadOnlyError
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.audit import read_audit, record
from salesplan_widgets.workbook.feedback import add_note
from salesplan_widgets.workbook.runlog import current_user
from salesplan_widgets.workbook.versions import save_version


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones included) with the hash of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(Path(folder).rglob("*"))
        if path.is_file()
    }


def test_a_read_only_workbook_refuses_every_write_and_leaves_the_folder_identical(tmp_path: Path) -> None:
    folder = write_sales_workbook(tmp_path / "wb")
    writable = open_workbook(folder)
    writable.write_table("targets", targets_table())
    before = tree_digest(folder)
    book = open_workbook(folder, read_only=True)
    with pytest.raises(ReadOnlyError):
        book.save(name="Renamed Co")
    with pytest.raises(ReadOnlyError):
        book.write_table("targets", targets_table())
    with pytest.raises(ReadOnlyError):
        add_note(book, "2026-10", "Ann", "a viewer's note")
    with pytest.raises(ReadOnlyError):
        save_version(book, targets_table(), "a viewer's re-plan", None, "2026-07")
    with pytest.raises(ReadOnlyError):
        record(book, "anything")
    assert tree_digest(folder) == before


def test_a_cold_cube_is_computed_in_memory_when_read_only(tmp_path: Path) -> None:
    folder = write_sales_workbook(tmp_path / "wb")
    before = tree_digest(folder)
    book = open_workbook(folder, read_only=True)
    cube = book.cube()
    assert not cube.empty and book.cube() is cube  # kept for the object, not re-read
    assert tree_digest(folder) == before and not (folder / ".cache").exists()
    warm = open_workbook(folder).cube()  # a writable open caches it, as `salesplan serve` does first
    assert (folder / ".cache").is_dir()
    pd.testing.assert_frame_equal(cube, warm)


def test_an_excel_source_is_converted_outside_the_workbook_when_read_only(tmp_path: Path) -> None:
    folder = write_sales_workbook(tmp_path / "wb")
    pd.read_csv(folder / "data" / "sales.csv").to_excel(folder / "data" / "sales.xlsx", index=False)
    (folder / "data" / "sales.csv").unlink()
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("sales.csv", "sales.xlsx"), encoding="utf-8")
    before = tree_digest(folder)
    cube = open_workbook(folder, read_only=True).cube()
    assert len(cube) > 0
    assert tree_digest(folder) == before
    open_workbook(folder).cube()  # the same read, writable, does convert into the workbook's cache
    assert any(p.name.startswith("xlsx-") for p in (folder / ".cache").iterdir())


def test_plan_saves_are_audited_with_the_versions_before_and_after(tmp_path: Path) -> None:
    folder = write_sales_workbook(tmp_path / "wb")
    book = open_workbook(folder)
    first = book.version
    second = book.save(name="Renamed Co")
    third = book.save(name="Renamed again", user="ana")
    audit = read_audit(book)
    assert list(audit["action"]) == ["plan.save", "plan.save"]
    assert list(audit["user"]) == [current_user(), "ana"]
    assert list(zip(audit["before"], audit["after"], strict=True)) == [(first, second), (second, third)]
    assert list(audit["target"]) == ["plan.yaml", "plan.yaml"]
    assert audit["at"].str.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00").all()


def test_the_audit_log_is_only_appended_to(tmp_path: Path) -> None:
    folder = write_sales_workbook(tmp_path / "wb")
    book = open_workbook(folder)
    record(book, "ledger.close", target="tables/ledger.csv", user="fin", period="2026-10")
    path = folder / "tables" / "audit.jsonl"
    first = path.read_bytes()
    record(book, "ledger.adjust", user="fin", amount=12.5)
    assert path.read_bytes().startswith(first)
    audit = read_audit(book)
    assert list(audit["action"]) == ["ledger.close", "ledger.adjust"]
    assert audit.iloc[0]["detail"] == {"period": "2026-10"}


def test_a_computed_table_written_by_a_tool_is_audited(tmp_path: Path) -> None:
    folder = write_sales_workbook(tmp_path / "wb")
    book = open_workbook(folder)
    book.write_table("targets", targets_table())
    book.write_table("targets", targets_table().assign(target=1.0), user="ana")
    audit = read_audit(book)
    assert list(audit["action"]) == ["table.write", "table.write"]
    assert list(audit["target"]) == ["tables/targets.csv", "tables/targets.csv"]
    assert list(audit["user"]) == [current_user(), "ana"]
    assert audit.loc[1, "before"] == audit.loc[0, "after"] != audit.loc[1, "after"]

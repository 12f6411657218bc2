"""Atomic writes: a reader never sees half a file; a failed write leaves the old file intact."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from salesplan_widgets.errors import ConflictError
from salesplan_widgets.workbook.atomic import atomic_path, atomic_write, file_version, save_checked


def test_failed_write_leaves_previous_content_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "targets.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a fi")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_write_returns_the_version_of_what_is_on_disk(tmp_path: Path) -> None:
    target = tmp_path / "plan.yaml"
    version = atomic_write(target, "name: x\n")
    assert version == file_version(target)
    assert atomic_write(target, "name: y\n") != version


def test_checked_save_refuses_a_stale_version(tmp_path: Path) -> None:
    target = tmp_path / "plan.yaml"
    first = save_checked(target, "a", None)
    save_checked(target, "b", first)
    with pytest.raises(ConflictError):
        save_checked(target, "c", first)
    assert target.read_text() == "b"


def test_checked_save_refuses_to_create_over_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.yaml"
    target.write_text("someone else's")
    with pytest.raises(ConflictError):
        save_checked(target, "mine", None)
    assert target.read_text() == "someone else's"


def test_written_files_get_ordinary_permissions_not_mkstemps_0600(tmp_path: Path) -> None:
    import os
    import stat

    target = tmp_path / "plan.yaml"
    atomic_write(target, "name: x\n")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_a_batch_replaces_every_file_at_its_end_with_the_usual_permissions(tmp_path):
    from salesplan_widgets.workbook.atomic import atomic_batch

    old = tmp_path / "a" / "statement.html"
    old.parent.mkdir()
    old.write_text("old")
    with atomic_batch() as write:
        write(old, b"new")
        write(tmp_path / "b" / "statement.xlsx", b"xlsx")
        assert old.read_text() == "old"  # nothing replaced before the batch is flushed
    assert old.read_text() == "new" and (tmp_path / "b" / "statement.xlsx").read_bytes() == b"xlsx"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(old.stat().st_mode) == 0o666 & ~mask
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "statement.html", "statement.xlsx"]


def test_a_batch_that_fails_replaces_nothing_and_leaves_no_temporary_file(tmp_path):
    from salesplan_widgets.workbook.atomic import atomic_batch

    old = tmp_path / "statement.html"
    old.write_text("old")
    with pytest.raises(RuntimeError), atomic_batch() as write:
        write(old, b"new")
        write(tmp_path / "other.html", b"other")
        raise RuntimeError("rendering failed")
    assert old.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["statement.html"]

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


def test_a_batch_flushes_its_own_filesystem_not_the_whole_machine_before_renaming(tmp_path, monkeypatch):
    from salesplan_widgets.workbook import atomic

    def whole_machine() -> None:
        raise AssertionError("os.sync flushes every filesystem of the machine")

    flushed = []
    real = atomic._syncfs

    def spy(fd: int) -> bool:
        on_disk = sorted(p.read_text() for p in tmp_path.rglob("statement.*"))
        flushed.append((os.fstat(fd).st_dev, on_disk, real(fd)))
        return flushed[-1][2]

    monkeypatch.setattr(os, "sync", whole_machine)
    monkeypatch.setattr(atomic, "_syncfs", spy)
    old = tmp_path / "a" / "statement.html"
    old.parent.mkdir()
    old.write_text("old")
    with atomic.atomic_batch() as write:
        for rep in ("a", "b", "c"):
            write(tmp_path / rep / "statement.html", f"new {rep}".encode())
    # one syncfs(2) for the three folders' one filesystem, made while the targets were still the old files
    assert flushed == [(tmp_path.stat().st_dev, ["old"], True)]
    assert [(tmp_path / rep / "statement.html").read_text() for rep in "abc"] == ["new a", "new b", "new c"]


def test_a_batch_whose_flush_fails_replaces_nothing_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    import errno

    from salesplan_widgets.workbook import atomic

    def failing(fd: int) -> bool:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(atomic, "_syncfs", failing)
    old = tmp_path / "statement.html"
    old.write_text("old")
    with pytest.raises(OSError, match="Input/output error"), atomic.atomic_batch() as write:
        write(old, b"new")
        write(tmp_path / "other.html", b"other")
    assert old.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["statement.html"]


def test_without_syncfs_a_batch_falls_back_to_flushing_everything(tmp_path, monkeypatch):
    from salesplan_widgets.workbook import atomic

    synced = []
    monkeypatch.setattr(atomic, "_libc_syncfs", lambda: None)  # a system without syncfs(2)
    monkeypatch.setattr(os, "sync", lambda: synced.append(sorted(p.name for p in tmp_path.iterdir())))
    with atomic.atomic_batch() as write:
        write(tmp_path / "statement.html", b"new")
    assert len(synced) == 1 and synced[0][0].startswith(".statement.html.")  # flushed before the rename
    assert (tmp_path / "statement.html").read_bytes() == b"new"

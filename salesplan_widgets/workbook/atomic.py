"""Atomic, version-checked writes: the only way salesplan puts bytes on disk.

A write goes to a temporary file in the target's folder and is renamed over the target, so a reader
never sees half a file and a crash leaves the old one intact. `save_checked` also refuses to write when
the file changed since the caller read it (identified by a content hash), under a lock so two savers
cannot both pass the check.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from salesplan_widgets.errors import ConflictError
from salesplan_widgets.i18n import _


def content_version(data: bytes) -> str:
    """The version of a file is the hash of its bytes: editors, git and clocks cannot fake it."""
    return hashlib.sha256(data).hexdigest()[:16]


def file_version(path: Path) -> str | None:
    try:
        return content_version(Path(path).read_bytes())
    except FileNotFoundError:
        return None


def files_stamp(*paths: Path) -> tuple:
    """A cheap stamp of files replaced only atomically (`atomic_write`): each one's (inode, size, mtime_ns),
    None when missing. A save made elsewhere changes it, so a view can tell when to read them again."""
    stamp = []
    for path in paths:
        try:
            st = path.stat()
        except FileNotFoundError:
            stamp.append(None)
            continue
        stamp.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(stamp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`, on error it vanishes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the permissions open() would
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def atomic_write(target: Path, data: bytes | str) -> str:
    """Write `data` to `target` atomically and return the new version."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(target) as tmp:
        tmp.write_bytes(raw)
    return content_version(raw)


@functools.cache
def _libc_syncfs() -> Callable[[int], int] | None:
    """The C library's syncfs(2) (Linux), or None where it has none (macOS and others)."""
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    syncfs.argtypes, syncfs.restype = [ctypes.c_int], ctypes.c_int
    return syncfs


def _syncfs(fd: int) -> bool:
    """Flush the filesystem holding `fd` (syncfs(2)); False where the system has no syncfs."""
    syncfs = _libc_syncfs()
    if syncfs is None:
        return False
    if syncfs(fd) != 0:  # an I/O error while flushing: the batch's files may not be on disk
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return True


def flush_filesystems(folders: Iterable[Path]) -> None:
    """Put the pending writes of the filesystems holding `folders` on disk, one syncfs(2) per filesystem:
    os.sync() would also wait for every other filesystem's and every other process's writes on the
    machine. Falls back to os.sync() where there is no syncfs."""
    devices: set[int] = set()
    for folder in set(folders):  # thousands of rep folders, one or two filesystems
        device = os.stat(folder).st_dev
        if device in devices:
            continue
        devices.add(device)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if not _syncfs(fd):
                os.sync()
                return
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_batch() -> Iterator[Callable[[Path, bytes], None]]:
    """Yield `write(target, data)` for many files, each replaced atomically, flushed to disk together: each
    goes to a temporary file beside its target; when the block ends, one flush of their filesystem
    (`flush_filesystems`) puts all of them on disk, then each is renamed over its target. Thousands of
    statement documents would otherwise cost one fsync (a journal commit) each. On error (in the block or
    in the flush) no target is replaced and the temporary files vanish."""
    pending: list[tuple[Path, Path]] = []
    mode = 0o666 & ~_umask()

    def write(target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        pending.append((Path(tmp), target))
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)  # mkstemp makes 0600; give the file the permissions open() would
            fh.write(data)

    try:
        yield write
        if pending:  # one flush for the batch instead of an fsync per file
            flush_filesystems(target.parent for _tmp, target in pending)
        for tmp, target in pending:
            os.replace(tmp, target)
    finally:
        for tmp, _target in pending:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(target: Path) -> Iterator[None]:
    lock = target.with_name(f".{target.name}.lock")
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def save_checked(target: Path, data: bytes | str, read_version: str | None) -> str:
    """Atomically replace `target` only if it is still the version the caller read; return the new version.

    `read_version=None` means the caller believes the file does not exist yet.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with locked(target):
        current = file_version(target)
        if current != read_version:
            raise ConflictError(
                _(
                    "{file} was changed by someone else since you opened it; your changes were not saved. "
                    "Reload the plan (open_workbook again), re-apply your change, and save."
                ).format(file=target)
            )
        return atomic_write(target, data)

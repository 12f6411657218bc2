"""What a view of a workbook was built from, so that a view built before anyone asked for it (in a
preheated dashboard kernel) is shown only while nothing it could have read has changed.

The state covers the folder the workbook path leads to now (a published extract is swapped in by
replacing a symbolic link), the plan file's content, and the size and modification time of every other
file of the workbook: data sources, computed tables, the ledger and the period reports. Hidden entries
(the cube cache, which follows the data, checkpoints, lock and temporary files) and notebooks are left
out: no view reads them. This module reads the plan's bytes and the folder's listing; it never writes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from salesplan_widgets.workbook.atomic import file_version
from salesplan_widgets.workbook.plan import PLAN_FILE


def workbook_state(workbook: str | Path) -> str:
    """A short fingerprint that changes whenever a file a view reads changes (the plan by content, the
    rest by size and modification time, as the cube cache tells its data apart)."""
    folder = Path(workbook).expanduser().resolve()
    if folder.is_file():
        folder = folder.parent
    digest = hashlib.sha256(f"{folder}|{file_version(folder / PLAN_FILE)}".encode())
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.endswith(".ipynb"):
                continue
            path = Path(root, name)
            try:
                stat = path.stat()
            except FileNotFoundError:  # replaced while listed: the next look sees the new one
                continue
            digest.update(f"|{path.relative_to(folder)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]

"""What a ledger step costs with its statement documents: `approve_payments` and `close_period` against
their ledger steps alone.

Since approving or closing from Python rewrites the period's statements as the CLI does, each call also
writes the payout files and every rep's HTML and Excel statement in both languages. On the demo company
(`create_demo`, end 2026-10), September is prepared once (not timed); then, on a fresh copy per repeat,
approve and close are timed with their documents (`approve_payments`, `close_period`) and without them
(the ledger steps `_approve`, `_close`), in the same process, alternating.

Run: python benchmarks/bench_ledger_documents.py [--repeats 3]  — prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

from common import DATA_DIR, markdown_table, median

from salesplan_widgets.demo import create_demo
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import _approve, _close, approve_payments, close_period
from salesplan_widgets.workbook.payouts import write_payouts

PERIOD = "2026-09"


def prepared() -> Path:
    """The demo workbook with September prepared; made once."""
    folder = DATA_DIR / "ledger-documents"
    if (folder / ".ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    create_demo(folder, end="2026-10")
    write_payouts(open_workbook(folder), PERIOD, by="analyst")
    (folder / ".ready").touch()
    return folder


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    source = prepared()
    steps = {"approve": (approve_payments, _approve), "close": (close_period, _close)}
    times: dict[tuple[str, bool], list[float]] = {}
    for i in range(args.repeats):
        for documents in (True, False):  # alternating, each on a fresh copy: a period closes once
            copy = DATA_DIR / f"ledger-documents-copy{i}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(source, copy)
            for name, (with_documents, ledger_step) in steps.items():
                step = with_documents if documents else ledger_step
                times.setdefault((name, documents), []).append(
                    timed(lambda step=step, copy=copy, by=name: step(open_workbook(copy), PERIOD, by=by))
                )
            shutil.rmtree(copy)
    reps = len({p.name for p in (source / "reports" / PERIOD / "statements").iterdir() if p.is_dir()})
    rows = [
        [name, f"{median(times[(name, False)]):.2f} s", f"{median(times[(name, True)]):.2f} s"]
        for name in steps
    ]
    print(f"demo company, {reps} reps' statements, median of {args.repeats}; load {os.getloadavg()[0]:.2f}")
    print(markdown_table(["step", "ledger step alone", "with its documents"], rows))


if __name__ == "__main__":
    main()

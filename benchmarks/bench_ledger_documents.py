"""What a ledger step costs with its statement documents: preparing again, approving and closing, each
against its ledger step alone.

Each step writes the payout files and every paid rep's HTML and Excel statement in both languages (four
documents a rep), replacing only those whose content changed. Two workbooks:

- the demo company (`create_demo`, end 2026-10, 40 reps), September prepared once;
- with `--reps N`, N reps in 50 teams on `bench_ledger.py`'s sales and monthly plan, January prepared once.

Then, on a fresh copy per repeat, in the same process, alternating: prepare again on the same figures
(`write_payouts`), `approve_payments`, `close_period`; and their ledger steps alone (`record_prepared`,
`_approve`, `_close`). The prepared workbook is kept per code (the package on PYTHONPATH, by its content), so two codes
can be compared by alternating processes:

  PYTHONPATH=/old/tree python benchmarks/bench_ledger_documents.py --reps 1000
  PYTHONPATH=/new/tree python benchmarks/bench_ledger_documents.py --reps 1000

At 10,000 reps a step of the old code took a quarter of an hour: `--steps approve close` times only those,
`--documents-only` skips the ledger steps alone. Each time is wall clock and CPU (this process and its worker
processes, the fork server's included: it is stopped after each step, so a step pays its start as a new
process would), since the machine is shared; the first preparation, made once per code, is timed too.

Run: python benchmarks/bench_ledger_documents.py [--reps N] [--repeats 3] [--steps ...] [--documents-only]
— prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import time
from pathlib import Path

from common import DATA_DIR, markdown_table, median

# Only the standard library at the top: the documents' workers (from a fork server) import this main
# module again, as they import the CLI's; pandas and salesplan here would cost each worker 1.5 s of CPU
# that no real program pays. The package measured is the one on PYTHONPATH, found without importing it.
PACKAGE = Path(importlib.util.find_spec("salesplan_widgets").origin).parent
CODE = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(PACKAGE.rglob("*.py")))).hexdigest()[:8]


def company(folder: Path, reps: int) -> str:
    """Write the workbook (the demo when `reps` is 0); return the period it prepares."""
    from bench_ledger import PLAN, sales

    from salesplan_widgets.demo import create_demo
    from salesplan_widgets.workbook import open_workbook

    if not reps:
        create_demo(folder, end="2026-10")
        return "2026-09"
    (folder / "data").mkdir(parents=True)
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    on_time = sales(reps, seed=1)
    on_time.to_parquet(folder / "data" / "sales.parquet", index=False)
    quota = on_time.assign(period=on_time["date"].dt.to_period("M")).groupby(["period", "rep", "team"])
    targets = quota["amount"].sum().mul(0.0).add(100_000.0).rename("target").reset_index()
    open_workbook(folder).write_table("targets", targets)
    return "2026-01"


def prepared(reps: int) -> tuple[Path, str]:
    """The workbook with its period prepared (with documents, by the code under test); made once, its
    first preparation (every document new) printed."""
    from salesplan_widgets.workbook import open_workbook
    from salesplan_widgets.workbook.payouts import write_payouts

    folder = DATA_DIR / f"ledger-documents-{reps or 'demo'}-{CODE}"
    if (folder / ".ready").exists():
        return folder, (folder / ".ready").read_text()
    shutil.rmtree(folder, ignore_errors=True)
    period = company(folder, reps)
    wall, cpu = timed(lambda: write_payouts(open_workbook(folder), period, by="analyst"))
    print(
        f"first preparation (every document new): {wall:.2f} s, CPU {cpu:.2f} s; load {os.getloadavg()[0]:.2f}"
    )
    (folder / ".ready").write_text(period)
    return folder, period


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the documents' worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _stop_fork_server() -> None:
    """The documents' workers are children of multiprocessing's fork server, not of this process: stop
    the server (the next step starts it again, as a new process would) so that it and its workers are
    waited for, and their CPU seconds count among this process's children."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # (private; Python 3.8+)
    if stop is not None:
        stop()


def timed(fn) -> tuple[float, float]:
    """Wall clock and CPU seconds of `fn()`, its workers' included."""
    start, cpu = time.perf_counter(), _cpu()
    fn()
    _stop_fork_server()
    return time.perf_counter() - start, _cpu() - cpu


def main() -> None:
    import pandas as pd

    from salesplan_widgets.workbook import open_workbook
    from salesplan_widgets.workbook.ledger import (
        _approve,
        _close,
        approve_payments,
        close_period,
        compute_payments,
        record_prepared,
    )
    from salesplan_widgets.workbook.payouts import write_payouts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=0, help="reps of a generated company (0: the demo)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--steps",
        nargs="+",
        choices=["prepare again", "approve", "close"],
        default=None,
        help="time only these steps (approve needs no other; close runs approve first, untimed)",
    )
    parser.add_argument("--documents-only", action="store_true", help="skip the ledger steps alone")
    args = parser.parse_args()
    source, period = prepared(args.reps)

    def prepare_alone(wb, month, by):
        return record_prepared(wb, compute_payments(wb, month), by)

    steps = {
        "prepare again": (write_payouts, prepare_alone),
        "approve": (approve_payments, _approve),
        "close": (close_period, _close),
    }
    wanted = args.steps or list(steps)
    times: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    for i in range(args.repeats):
        for documents in (True, False)[: 1 if args.documents_only else 2]:  # alternating, fresh copies
            copy = DATA_DIR / f"ledger-documents-{args.reps or 'demo'}-copy{i}-{CODE}-{os.getpid()}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(source, copy)
            for name, (with_documents, ledger_step) in steps.items():
                step = with_documents if documents else ledger_step
                if name == "prepare again" and name not in wanted:
                    continue
                run = timed(lambda step=step, copy=copy, by=name: step(open_workbook(copy), period, by=by))
                if name in wanted:  # close needs an approval: made, and timed only when asked
                    times.setdefault((name, documents), []).append(run)
            shutil.rmtree(copy)
    reps = len({p.name for p in (source / "reports" / period / "statements").iterdir() if p.is_dir()})

    def med(name: str, documents: bool, which: int) -> float:
        runs = times.get((name, documents))
        return median([run[which] for run in runs]) if runs else float("nan")

    rows = [
        [
            name,
            f"{med(name, False, 0):.2f} s",
            f"{med(name, True, 0):.2f} s",
            f"{med(name, True, 1):.2f} s",
            f"{(med(name, True, 0) - med(name, False, 0)) / reps * 1000:.1f} ms",
        ]
        for name in wanted
    ]
    print(
        f"{'demo company' if not args.reps else 'generated company'}, {reps} reps' statements, "
        f"median of {args.repeats}; code {PACKAGE.parent}; "
        f"load {os.getloadavg()[0]:.2f}; {pd.Timestamp.now(tz='UTC'):%H:%M} UTC"
    )
    print(
        markdown_table(
            ["step", "ledger step alone", "with its documents", "CPU with documents", "documents per rep"],
            rows,
        )
    )


if __name__ == "__main__":
    main()

"""Ledger benchmark: closing a period for 10,000 reps after 11 closed months, with 1% late transactions.

A real workbook in benchmarks/data/ledger/: 10,000 reps in 50 teams, three invoices per rep and month for
2026 (360,000 lines, Parquet), a monthly year-to-date plan with five bands, and quotas. January to November
are prepared, approved and closed (not timed); then 1% late transactions (3,600 deals and returns dated in
the closed months) arrive, and December is closed. Timed, best of `--repeats` on copies of that state:

- model: `open_period_payments` alone (statements, 11 months of prior-period adjustments, ledger true-up);
- compute: `compute_payments` on the workbook (cube from the cache, ledger read and verified, the above);
- approve + close: the ledger steps of `salesplan payouts --approve` and `--close` after the prepare step
  (each recomputes and checks the figures; close appends the ledger), without the statement documents that
  `approve_payments` and `close_period` then write for every rep (a per-rep file cost, not the ledger's;
  it would also make the 11 closed months of the set-up write 440,000 files). Target: close < 2 s.
  Each of these is timed as a new process does it: no statements run kept from an earlier step.
- one process: prepare → approve → close of December in a row, as a notebook does them (`write_payouts`,
  `approve_payments`, `close_period`), on a fresh copy; each step's time and how many statements-engine
  runs the ledger asked for (a run is kept per process and data, `model.ledger.statements_run`, so
  approve and close reuse the prepared one).

Run: python benchmarks/bench_ledger.py [--reps 10000] [--repeats 3]  — prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from salesplan_widgets.model import ledger as ledger_model
from salesplan_widgets.model.ledger import open_period_payments
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import (
    _approve,  # the ledger step of approve_payments, without rewriting the statement documents
    _close,  # the ledger step of close_period, likewise
    compute_payments,
    plan_version,
    read_ledger,
    record_prepared,
)
from salesplan_widgets.workbook.payouts import incentives_of, load_quotas

DATA = Path(__file__).resolve().parent / "data" / "ledger"
PLAN = """\
name: Ledger benchmark
currency: CNY
sources:
  sales:
    path: data/sales.parquet
    columns: {date: date, amount: amount, rep: rep, team: team}
incentives:
  measurement: monthly
  cumulative: true
  negative: carry_forward
  commission:
    threshold: 0.3
    tiers:
      bands:
        - {at_least: 0.0, below: 0.5, rate: 0.02}
        - {at_least: 0.5, below: 0.8, rate: 0.04}
        - {at_least: 0.8, below: 1.0, rate: 0.05}
        - {at_least: 1.0, below: 1.3, rate: 0.07}
        - {at_least: 1.3, rate: 0.09}
"""


def sales(reps: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-01-01", "2026-12-31", freq="D")
    n = reps * 12 * 3
    month = np.repeat(np.arange(12), 3)[None, :].repeat(reps, 0).ravel()
    first = np.array([(d.month - 1) for d in days])
    starts = np.searchsorted(first, np.arange(12))
    lengths = np.bincount(first, minlength=12)
    day = starts[month] + rng.integers(0, lengths[month])
    who = np.repeat(np.arange(reps), 36)
    return pd.DataFrame(
        {
            "date": days[day],
            "amount": np.round(rng.lognormal(np.log(33_000), 0.5, n), 2),
            "rep": np.array([f"rep{i:05d}" for i in range(reps)])[who],
            "team": np.array([f"team{i % 50:02d}" for i in range(reps)])[who],
        }
    )


def late(reps: int, share: float, seed: int) -> pd.DataFrame:
    """`share` of a year's invoices arriving late: dated January to November, a quarter of them returns."""
    rng = np.random.default_rng(seed)
    n = int(reps * 12 * 3 * share)
    who = rng.integers(0, reps, n)
    amount = np.round(rng.lognormal(np.log(20_000), 0.5, n), 2) * np.where(rng.random(n) < 0.25, -1, 1)
    return pd.DataFrame(
        {
            "date": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 334, n), unit="D"),
            "amount": amount,
            "rep": np.array([f"rep{i:05d}" for i in range(reps)])[who],
            "team": np.array([f"team{i % 50:02d}" for i in range(reps)])[who],
        }
    )


def build(reps: int) -> Path:
    """The workbook with January to November closed and the late transactions arrived (cached)."""
    folder = DATA / f"reps{reps}"
    ready = folder / ".ready"
    if ready.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "data").mkdir(parents=True)
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    on_time = sales(reps, seed=1)
    on_time.to_parquet(folder / "data" / "sales.parquet", index=False)
    wb = open_workbook(folder)
    quota = on_time.assign(period=on_time["date"].dt.to_period("M")).groupby(["period", "rep", "team"])
    targets = quota["amount"].sum().mul(0.0).add(100_000.0).rename("target").reset_index()
    wb.write_table("targets", targets)
    for month in pd.period_range("2026-01", "2026-11", freq="M"):
        start = time.perf_counter()
        wb = open_workbook(folder)
        record_prepared(wb, compute_payments(wb, month), by="bench")
        _approve(wb, month, by="finance")
        _close(wb, month, by="controller")
        print(f"  closed {month} ({time.perf_counter() - start:.1f} s)", flush=True)
    pd.concat([on_time, late(reps, 0.01, seed=2)], ignore_index=True).to_parquet(
        folder / "data" / "sales.parquet", index=False
    )
    wb = open_workbook(folder)
    wb.cube()  # the cube cache is a data-arrival cost, not a closing cost
    record_prepared(wb, compute_payments(wb, "2026-12"), by="bench")
    ready.touch()
    return folder


def forget_kept_runs() -> None:
    """As a new process: no statements run kept (the code before the kept runs has none to forget)."""
    getattr(ledger_model, "clear_kept_runs", lambda: None)()


def timed(fn) -> tuple[float, float]:
    """Wall and CPU seconds of one call (CPU time is steadier when other work shares the machine)."""
    forget_kept_runs()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def best(fn, repeat: int) -> tuple[float, float]:
    runs = [timed(fn) for _ in range(repeat)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    source = build(args.reps)

    wb = open_workbook(source)
    section, cube, quotas = incentives_of(wb), wb.cube(), load_quotas(wb).table
    ledger = read_ledger(wb).lines
    version = plan_version(wb)
    payments, _ = open_period_payments(
        section, cube, quotas, ledger, pd.Period("2026-12", "M"), version, "CNY"
    )
    adjustments = payments.lines[payments.lines["kind"] == "adjustment"]
    model = best(
        lambda: open_period_payments(
            section, cube, quotas, ledger, pd.Period("2026-12", "M"), version, "CNY"
        ),
        args.repeats,
    )
    compute = best(lambda: compute_payments(open_workbook(source), "2026-12"), args.repeats)

    approve_times, close_times = [], []
    for i in range(args.repeats):  # each on a fresh copy of the prepared state: closing is once only
        copy = DATA / f"copy{i}"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(source, copy)
        approve_times.append(timed(lambda copy=copy: _approve(open_workbook(copy), "2026-12", by="finance")))
        close_times.append(timed(lambda copy=copy: _close(open_workbook(copy), "2026-12", by="controller")))
        shutil.rmtree(copy)

    engine_runs = [0]
    engine = ledger_model.payout_statements

    def counted(*a, **k):
        engine_runs[0] += 1
        return engine(*a, **k)

    one_process: dict[str, list[tuple[float, float, int]]] = {"prepare": [], "approve": [], "close": []}
    ledger_model.payout_statements = counted
    try:
        for i in range(args.repeats):  # prepare, approve and close in a row, as one notebook does
            copy = DATA / f"flow{i}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(source, copy)
            forget_kept_runs()
            engine_runs[0] = 0
            steps = {
                "prepare": lambda copy=copy: record_prepared(
                    open_workbook(copy), compute_payments(open_workbook(copy), "2026-12"), by="bench"
                ),
                "approve": lambda copy=copy: _approve(open_workbook(copy), "2026-12", by="finance"),
                "close": lambda copy=copy: _close(open_workbook(copy), "2026-12", by="controller"),
            }
            for name, step in steps.items():
                wall, cpu = time.perf_counter(), time.process_time()
                step()
                one_process[name].append(
                    (time.perf_counter() - wall, time.process_time() - cpu, engine_runs[0])
                )
            shutil.rmtree(copy)
    finally:
        ledger_model.payout_statements = engine

    print(f"\nLedger: {args.reps:,} reps x 12 months, 11 closed, 1% late transactions "
          f"({len(ledger):,} ledger lines; December pays {len(payments.lines):,} lines, "
          f"{len(adjustments):,} prior-period adjustments); load {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"{'step':<46}{'best wall s':>12}{'best CPU s':>12}")
    for name, (wall, cpu) in [
        ("model: open_period_payments", model),
        ("compute_payments (workbook, ledger verified)", compute),
        (
            "approve (recompute + check + journal)",
            (min(w for w, _ in approve_times), min(c for _, c in approve_times)),
        ),
        (
            "close (recompute + check + append ledger)",
            (min(w for w, _ in close_times), min(c for _, c in close_times)),
        ),
    ]:
        print(f"{name:<46}{wall:>12.2f}{cpu:>12.2f}")
    print("target: close < 2 s")
    print("\nOne process, prepare -> approve -> close in a row (statements-engine runs so far)")
    for name, runs in one_process.items():
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        print(f"{name:<46}{wall:>12.2f}{cpu:>12.2f}   engine runs {runs[-1][2]}")


if __name__ == "__main__":
    main()

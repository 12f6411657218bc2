"""Benchmark: split a goal over 100,000 accounts × 12 months × 3 channels for 500 reps (target < 2 s, < 1 GB).

Prints the figures; it is not a timed test. Run: python benchmarks/bench_split.py
"""

from __future__ import annotations

import resource
import time
import tracemalloc

import numpy as np
import pandas as pd
import psutil

from salesplan_widgets.model.allocation import Level, Lock, split_goal

ACCOUNTS, REPS, CHANNELS, MONTHS = 100_000, 500, ("online", "offline", "partner"), 12


def synthetic_history(seed: int = 1) -> pd.DataFrame:
    """One row per account × channel × month of last year, accounts spread over reps, teams and segments."""
    rng = np.random.default_rng(seed)
    account_rep = rng.integers(0, REPS, ACCOUNTS)
    rep_team = np.arange(REPS) % 5
    account_segment = rng.choice(np.array(["A", "B", "C"]), ACCOUNTS, p=[0.1, 0.3, 0.6])
    n = ACCOUNTS * len(CHANNELS) * MONTHS
    account = np.repeat(np.arange(ACCOUNTS), len(CHANNELS) * MONTHS)
    channel = np.tile(np.repeat(np.arange(len(CHANNELS)), MONTHS), ACCOUNTS)
    month = np.tile(np.arange(MONTHS), ACCOUNTS * len(CHANNELS))
    cat = pd.Categorical.from_codes
    return pd.DataFrame(
        {
            "period": pd.period_range("2026-01", periods=MONTHS, freq="M").take(month),
            "rep": cat(account_rep[account], [f"rep{i:03d}" for i in range(REPS)]),
            "team": cat(rep_team[account_rep[account]], [f"team{i}" for i in range(5)]),
            "territory": cat(rep_team[account_rep[account]], [f"region{i}" for i in range(5)]),
            "segment": pd.Categorical(account_segment[account]),
            "channel": cat(channel, list(CHANNELS)),
            "account": cat(account, [f"C{i:06d}" for i in range(ACCOUNTS)]),
            "actual": rng.gamma(1.2, 800.0, n) * (1 + 0.3 * np.sin(month / 12 * 2 * np.pi)),
        }
    )


def main() -> None:
    history = synthetic_history()
    levels = [
        Level("segment"),
        Level("rep", "capacity"),
        Level("account"),
        Level("channel"),
        Level("period", "seasonality"),
    ]
    periods = pd.period_range("2027-01", periods=MONTHS, freq="M")
    locks = [Lock({"segment": "A"}, 5.0e8), Lock({"segment": "B", "rep": "rep007"}, 1.2e6)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    best, best_cpu = float("inf"), float("inf")
    split = None
    for _ in range(3):
        split = None  # the previous result is not kept alive during the next run
        start, start_cpu = time.perf_counter(), time.process_time()
        split = split_goal(1.5e9, levels, history, periods, unit=0.01, locks=locks)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    split = None
    tracemalloc.start()  # numpy reports its buffers: the split's own peak, whatever the input cost to build
    split = split_goal(1.5e9, levels, history, periods, unit=0.01, locks=locks)
    own_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    cells = len(split.targets)
    exact = int(np.rint(split.targets["target"].to_numpy() / 0.01).sum()) == int(np.rint(1.5e9 / 0.01))
    print(
        f"cells: {cells:,} (accounts {ACCOUNTS:,} × channels {len(CHANNELS)} × months {MONTHS}, reps {REPS})"
    )
    print(f"split time (best of 3): {best:.2f} s wall, {best_cpu:.2f} s CPU  (target < 2 s)")
    print(f"load average while measuring: {psutil.getloadavg()[0]:.1f} on {psutil.cpu_count()} cores")
    print(
        f"peak resident memory: {peak / 2**20:,.0f} MiB, before the split (building the input) {before / 2**20:,.0f} MiB "
        "(target < 1 GB)"
    )
    print(f"memory the split itself allocates at its peak: {own_peak / 2**20:,.0f} MiB")
    print(f"sums exactly to the goal: {exact}")


if __name__ == "__main__":
    main()

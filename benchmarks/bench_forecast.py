"""Baseline forecast at the worst case a user can ask for: 500 reps × 3 segments × 3 channels, 36 months.

A synthetic cube (cube contract: period × rep × team × territory × segment × channel) with seasonal,
growing, noisy sales; 10% of the reps joined within the last 20 months (short history) and 10% sell only
every other month (sparse). Cases, each timed in this process (median of --repeats, after one warm-up):

- "scope total by segment × channel": what the goal wizard asks for (9 ETS fits, plus the interval check:
  a rolling-origin backtest of the scope's total series, up to 12 mean-only ETS fits of one series);
- "scope total, model's own width": the same without the interval check (calibrate=False), for its cost;
- "by rep × segment × channel": 4,500 series, fitted on their 9 aggregates and split top-down;
- "by rep × segment × channel, one team": ~1,100 series, the same way;
- "fallback only (20 months)": 4,500 series too short for ETS, all by the vectorised fallback rule;
- "backtest, scope total": the last complete 12 months forecast from the 24 before them.

Target: every case under 10 s on this machine. Results go to benchmarks/results/forecast.json.

    python benchmarks/bench_forecast.py [--reps 500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, markdown_table, write_results  # noqa: E402 (the benchmarks folder is not a package)

from salesplan_widgets.model.forecast import backtest, baseline_forecast  # noqa: E402

TARGET_SECONDS = 10.0
END = pd.Period("2026-10", freq="M")


def synthetic_cube(reps: int, months: int = 36, seed: int = 11) -> pd.DataFrame:
    """Seasonal sales growing ~10% a year, lognormal rep sizes, short-history and sparse reps."""
    rng = np.random.default_rng(seed)
    periods = pd.period_range(end=END, periods=months, freq="M")
    grid = pd.MultiIndex.from_product(
        [periods, [f"rep{r:03d}" for r in range(reps)], ("A", "B", "C"), ("offline", "online", "partner")],
        names=["period", "rep", "segment", "channel"],
    ).to_frame(index=False)
    rep_index = grid["rep"].str[3:].astype(int).to_numpy()
    age = (grid["period"].dt.year.to_numpy() - periods[0].year) * 12 + grid["period"].dt.month.to_numpy()
    age -= periods[0].month
    size = rng.lognormal(0, 0.5, reps)[rep_index]
    season = 1 + 0.25 * np.cos(2 * np.pi * (grid["period"].dt.month.to_numpy() - 12) / 12)
    amount = 20_000 * size * season * 1.1 ** (age / 12) * rng.lognormal(0, 0.15, len(grid))
    joined_late = (rep_index % 10 == 3) & (age < months - 20)
    sparse = (rep_index % 10 == 7) & (age % 2 == 1)
    grid["actual"] = np.where(joined_late | sparse, 0.0, amount)
    grid["team"] = np.asarray(["East", "North", "South", "West"])[rep_index % 4]
    grid["territory"] = grid["team"] + " region"
    grid["quantity"] = np.round(grid["actual"] / 500)
    grid["lines"] = (grid["actual"] > 0).astype(int) * 3
    grid = grid[grid["actual"] != 0]
    return grid[["period", "rep", "team", "territory", "segment", "channel", "actual", "quantity", "lines"]]


def timed(work, repeats: int) -> tuple[float, object]:
    result = work()  # warm-up: imports and caches are not what a user waits for twice
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    cube = synthetic_cube(args.reps)
    short = cube[cube["period"] > END - 20]
    build = time.perf_counter() - started
    print(f"synthetic cube: {len(cube):,} rows, {args.reps} reps, built in {build:.2f} s", flush=True)

    by_rep = ("rep", "segment", "channel")
    cases = {
        "scope total by segment × channel": lambda: baseline_forecast(cube, "2027-01", "2027-12"),
        "scope total, model's own width": lambda: baseline_forecast(
            cube, "2027-01", "2027-12", calibrate=False
        ),
        "by rep × segment × channel": lambda: baseline_forecast(cube, "2027-01", "2027-12", by=by_rep),
        "by rep × segment × channel, one team": lambda: baseline_forecast(
            cube, "2027-01", "2027-12", by=by_rep, scope={"team": ["East"]}
        ),
        "fallback only (20 months)": lambda: baseline_forecast(
            short, "2027-01", "2027-12", by=by_rep, max_fitted_series=10_000
        ),
        "backtest, scope total": lambda: backtest(cube),
    }
    rows, results = [], {}
    for name, work in cases.items():
        seconds, outcome = timed(work, args.repeats)
        width = "-"
        if hasattr(outcome, "monthly") and hasattr(outcome, "methods") and hasattr(outcome, "method_summary"):
            series = len(outcome.methods)
            methods = outcome.method_summary()
            if outcome.open_total > 0:  # σ of the total as a share of the open forecast: model's → used
                width = (
                    f"{outcome.interval_method}: {outcome.model_total_sigma / outcome.open_total:.1%}"
                    f" → {outcome.total_sigma / outcome.open_total:.1%}"
                )
        else:
            series, methods = 1, outcome.methods
        verdict = "ok" if seconds < TARGET_SECONDS else "OVER"
        rows.append(
            (
                name,
                f"{series:,}",
                ", ".join(f"{k} {v}" for k, v in methods.items()),
                width,
                f"{seconds:.2f}",
                verdict,
            )
        )
        results[name] = {"seconds": seconds, "series": series, "methods": methods, "interval": width}
        print(f"{name}: {seconds:.2f} s ({series:,} series; {methods}; interval σ {width})", flush=True)

    print()
    print(
        markdown_table(
            ["case", "series", "methods", "interval σ of total", "median s", f"< {TARGET_SECONDS:.0f} s"],
            rows,
        )
    )
    path = write_results(
        "forecast",
        {
            "reps": args.reps,
            "rows": len(cube),
            "repeats": args.repeats,
            "cases": results,
            "machine": machine(),
        },
    )
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()

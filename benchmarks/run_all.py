"""Run every benchmark script (benchmarks/bench_*.py) in turn, each as its own process, and show its output.

Scripts run one after another (never in parallel, so they do not disturb each other's timings) with their
default settings; a failing script is reported and the others still run. Exits non-zero if any failed.

    python benchmarks/run_all.py [--only cube,run]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def scripts(only: set[str] | None = None) -> list[Path]:
    """The benchmark scripts present, by name; `only` keeps those named (bench_cube.py -> "cube")."""
    found = sorted(BENCH_DIR.glob("bench_*.py"))
    return [s for s in found if only is None or s.stem.removeprefix("bench_") in only]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated names to run, e.g. cube,dashboard")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    chosen = scripts(only)
    if not chosen:
        print(f"no benchmark scripts matched {args.only!r} in {BENCH_DIR}")
        return 2
    failed = []
    for script in chosen:
        print(f"\n=== {script.name} ===", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=BENCH_DIR.parent)
        print(
            f"=== {script.name}: {'ok' if code == 0 else f'FAILED (exit {code})'}, "
            f"{time.perf_counter() - start:.0f} s ===",
            flush=True,
        )
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

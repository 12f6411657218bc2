"""ETS fits in one process: the goal wizard going back to a horizon or scope it showed, and the goal report
with the tracking pack in one kernel, on the demo company.

Each case runs in its own process (the fits are kept per process), from a demo workbook generated once into
a temporary folder with its cube cached. Counts the ETS fits (statsmodels' `ETSModel.fit`, wrapped) and the
distinct series fitted, and times the case's CPU after the wizard or the first page is open. Run it with the
code to compare first on PYTHONPATH. Prints a table; asserts nothing.

    python benchmarks/bench_fits.py [--rounds 3] [--period 2026-10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CASE = r"""
import hashlib, json, sys, time
from collections import Counter
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

fits = Counter()
fit = ETSModel.fit


def counting_fit(self, *args, **kwargs):
    fits[hashlib.sha256(self.endog.tobytes()).hexdigest()] += 1
    return fit(self, *args, **kwargs)


ETSModel.fit = counting_fit
workbook, period, case = sys.argv[1:4]
if case == "wizard":
    from salesplan_widgets.widgets.goal_wizard import GoalWizard

    wizard = GoalWizard(workbook)
    start = time.process_time()
    end = wizard.end
    for _ in range(2):  # a manager looking at another horizon and scope, and back
        wizard.end = "2026-11"
        wizard.end = end
        wizard.segments = ("A",)
        wizard.segments = ()
else:
    from salesplan_widgets.report.goal import GoalReport
    from salesplan_widgets.report.tracking import TrackingReport

    GoalReport.open(workbook, period)
    start = time.process_time()
    TrackingReport.open(workbook, period)
print(json.dumps({"cpu": time.process_time() - start, "fits": sum(fits.values()), "series": len(fits)}))
"""

CASES = {
    "wizard": "goal wizard: horizon and scope changed and back, twice (after it opened)",
    "pages": "tracking pack after the goal report in one kernel",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--period", default="2026-10")
    args = parser.parse_args(argv)
    from salesplan_widgets.demo import create_demo
    from salesplan_widgets.workbook import open_workbook

    with tempfile.TemporaryDirectory(prefix="bench-fits-") as tmp:
        workbook = create_demo(Path(tmp) / "demo", end=args.period)
        open_workbook(workbook).cube()
        results: dict[str, list[dict]] = {case: [] for case in CASES}
        for _ in range(args.rounds):
            for case in CASES:
                out = subprocess.run(
                    [sys.executable, "-c", CASE, str(workbook), args.period, case],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                results[case].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"load {os.getloadavg()[0]:.2f}; median of {args.rounds} processes")
    print(f"{'case':<76}{'CPU s':>8}{'fits':>6}{'series':>8}")
    for case, runs in results.items():
        cpu = statistics.median(r["cpu"] for r in runs)
        print(f"{CASES[case]:<76}{cpu:>8.2f}{runs[-1]['fits']:>6}{runs[-1]['series']:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CPU a preheated dashboard kernel spends before and after its page asks for it, on `salesplan serve`.

`salesplan serve` on a copy of the demo company with one heated kernel for the overview (`--pool-size 1`).
For each round: wait until the pool's next kernel has heated (no CPU for 4 s), note its CPU time (heating:
start, imports, the view built unseen, then waiting), open the page in headless Chromium until its first
chart is drawn, and note the CPU the kernel spent on the view; then leave the page (its kernel is shut down)
and wait for the refill. Every wait is bounded.

    python benchmarks/bench_heated_view.py [--rounds 3] [--workbook workbooks/demo]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from bench_dashboard import CHART_DRAWN

from salesplan_widgets.serve import free_port
from salesplan_widgets.testing import launch_chromium

ROOT = Path(__file__).resolve().parents[1]


def kernels(server: psutil.Process) -> list[psutil.Process]:
    found = []
    for child in server.children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def heated(kernel: psutil.Process, quiet: float = 4.0, limit: float = 180.0) -> None:
    """Until `kernel` has used no CPU for `quiet` seconds (it waits for its request)."""
    deadline, since, last = time.monotonic() + limit, time.monotonic(), cpu(kernel)
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.5)
        now = cpu(kernel)
        if now - last > 0.02:
            since = time.monotonic()
        last = now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workbook", type=Path, default=ROOT / "workbooks" / "demo")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-heated-") as tmp:
        workbook = Path(tmp) / "workbook"
        shutil.copytree(args.workbook, workbook, ignore=shutil.ignore_patterns(".cache", "reports"))
        port = free_port()
        command = [sys.executable, "-m", "salesplan_widgets.cli", "serve", str(workbook), "--port", str(port)]
        serve = subprocess.Popen(
            [*command, "--max-kernels", "2", "--pool-size", "1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seen: set[int] = set()
        try:
            with sync_playwright() as p:
                browser = launch_chromium(p)
                try:
                    for _ in range(args.rounds):
                        deadline = time.monotonic() + 180
                        while not (
                            fresh := [k for k in kernels(psutil.Process(serve.pid)) if k.pid not in seen]
                        ):
                            if time.monotonic() > deadline:
                                raise RuntimeError("the pool did not refill within 180 s")
                            time.sleep(0.5)
                        kernel = fresh[0]
                        seen.add(kernel.pid)
                        heated(kernel)
                        before = cpu(kernel)
                        page = browser.new_page()
                        page.goto(f"http://127.0.0.1:{port}/voila/render/overview.ipynb", timeout=120_000)
                        page.wait_for_function(CHART_DRAWN, timeout=120_000, polling=250)
                        drawn = page.evaluate("performance.now()") / 1000
                        time.sleep(1)  # the widgets' messages after the first chart
                        rows.append((before, cpu(kernel) - before, drawn))
                        page.goto("about:blank")  # leaving shuts the kernel down
                        page.close()
                finally:
                    browser.close()
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=120)
    print("round  heating CPU s  view CPU s  first chart s")
    for i, (heat, view, drawn) in enumerate(rows):
        print(f"{i:>5}  {heat:>13.2f}  {view:>10.2f}  {drawn:>13.2f}")
    print(
        f"median {statistics.median(r[0] for r in rows):>12.2f}  {statistics.median(r[1] for r in rows):>10.2f}"
        f"  {statistics.median(r[2] for r in rows):>13.2f}"
    )
    print(f"load average: {', '.join(f'{x:.1f}' for x in psutil.getloadavg())}")


if __name__ == "__main__":
    main()

"""Concurrent viewers: 1, 5 and 20 pages at once on `salesplan serve` against a bare Voila page, on loopback.

For each number of viewers and each server, the pages are opened together in one headless Chromium (one
browser context each, so nothing is shared), every page is timed from navigation start until its first
bqplot chart is drawn; once every page is shown, all are left together, as a viewer leaves a page (its
beforeunload runs, which asks Voila to shut its kernel down). Memory is the sum of the resident memory of
the Voila process and all its kernels, sampled every 0.25 s: the floor before the pages open, the peak while
they are open, and how long after leaving it takes to come back within 10% of the floor; and how long until
Voila knows none of the pages' kernels any more (`/api/kernels/<id>` answers 404).

The dashboard server is the real `salesplan serve` command (its kernel cap included); the bare page is served
with the same Voila options. The third server is the harness's floor: a static page holding one drawn chart
(an SVG, no kernel, no script) served by Python's `http.server` on loopback and timed by the same browser
harness, so its 20/1 ratio is what 20 browser pages cost on this machine's cores whatever the server does. Every loop is bounded: a page that does not draw within `--page-timeout`
seconds counts as failed, and memory not back within `--settle` seconds is reported as such. Targets: p50 at
20 viewers <= 3x the single-viewer p50; memory back within 10% of the floor <= 90 s; no failed page.

    python benchmarks/bench_viewers.py [--viewers 1,5,20] [--workbook workbooks/demo] [--max-kernels N]

`--sales-tracker` serves the sales-only tracker instead (`tracker` dashboard of a workbook without targets
nor a year of history: 60 reps in 6 teams, January to October 2026, written by `sales_only_workbook`); a
page counts as drawn when its trend chart (a static SVG in the tracker's panel) is shown.

    python benchmarks/bench_viewers.py --sales-tracker --viewers 1,5,10 --no-bare --no-static
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
from bench_dashboard import CHART_DRAWN, bare_page

from salesplan_widgets.serve import ServeSettings, free_port, start_voila, stop_voila
from salesplan_widgets.testing import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
MIB = 1024 * 1024


def tree_rss(process: psutil.Process) -> tuple[float, int]:
    """MiB resident in `process` and its descendants, and how many of them are kernels."""
    total, kernels = 0, 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
            kernels += any("ipykernel" in part for part in p.cmdline())
        except psutil.NoSuchProcess:
            continue
    return total / MIB, kernels


class MemoryWatch:
    """Samples `tree_rss` in a thread; `peak` is the highest sum seen since the last reset."""

    def __init__(self, process: psutil.Process, every: float = 0.25):
        self.process, self.every = process, every
        self.peak, self.peak_kernels, self.now = 0.0, 0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            mib, kernels = tree_rss(self.process)
            self.now = mib
            self.peak, self.peak_kernels = max(self.peak, mib), max(self.peak_kernels, kernels)
            self._stop.wait(self.every)

    def reset(self) -> None:
        self.peak, self.peak_kernels = 0.0, 0

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


BUSY = "busy"


SALES_TRACKER_DRAWN = """() => {
    const chart = document.querySelector('.salesplan-tracker-sales svg');
    return !!chart && chart.getBoundingClientRect().height > 0;
}"""
SALES_ONLY_PLAN = """\
name: Flat-commission shop
currency: CNY
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, team: team}
incentives:
  commission: {base_rate: 0.05}
reports:
  dashboards: [tracker]
"""


def sales_only_workbook(folder: Path, reps: int = 60, seed: int = 7) -> Path:
    """A workbook without targets and with ten months of history (so no provisional target either): the
    served tracker is the sales-only one. One sale per rep per working day, January to October 2026."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2026-01-01", "2026-10-31")
    who = np.repeat(np.arange(reps), len(days))
    sales = pd.DataFrame(
        {
            "date": np.tile(days.strftime("%Y-%m-%d"), reps),
            "amount": np.round(rng.gamma(2.0, 800.0, len(who)), 2),
            "rep": [f"Rep {i:02d}" for i in who],
            "team": [f"Team {i % 6}" for i in who],
        }
    )
    (folder / "data").mkdir(parents=True)
    sales.to_csv(folder / "data" / "sales.csv", index=False)
    (folder / "plan.yaml").write_text(SALES_ONLY_PLAN, encoding="utf-8")
    return folder


FAILURES: list[str] = []  # the first line of each failed page's error, this round
KERNEL_ID = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


async def first_chart(
    browser, url: str, timeout_s: float, all_shown: Barrier, drawn: str = CHART_DRAWN
) -> tuple[float | str | None, str]:
    """Seconds from navigation start to the first drawn chart (BUSY when the server turned the view away:
    kernel cap, HTTP 503; None if the page failed or timed out), and the page's kernel id. The page stays
    open until every viewer's page is shown, then is left as a viewer leaves it."""
    context = await browser.new_context(viewport={"width": 1200, "height": 1000})
    kernel = ""
    try:
        page = await context.new_page()
        response = await page.goto(url, timeout=timeout_s * 1000)
        if response is not None and response.status == 503:
            return BUSY, kernel
        await page.wait_for_function(drawn, timeout=timeout_s * 1000, polling=250)
        seconds = await page.evaluate("performance.now()") / 1000
        with contextlib.suppress(Exception):
            kernel = await page.evaluate(KERNEL_ID)
        return seconds, kernel
    except Exception as error:  # noqa: BLE001 - any failure of a page is a failed page, counted below
        FAILURES.append(str(error).splitlines()[0][:200])  # why, for the results' "failed_why"
        return None, kernel
    finally:
        await all_shown.wait()
        with contextlib.suppress(Exception):  # leaving runs the page's beforeunload: its kernel is shut down
            await page.goto("about:blank")
        await context.close()


class Barrier:
    """Opens once `parties` viewers have arrived (asyncio has no barrier before Python 3.11's TaskGroup)."""

    def __init__(self, parties: int):
        self.parties, self.arrived, self.event = parties, 0, asyncio.Event()
        self.opened = 0.0  # time.monotonic() when the last viewer arrived: the pages are left then

    async def wait(self) -> None:
        self.arrived += 1
        if self.arrived >= self.parties:
            self.opened = time.monotonic()
            self.event.set()
        await self.event.wait()


async def open_together(
    url: str, viewers: int, timeout_s: float, drawn: str = CHART_DRAWN
) -> tuple[list[tuple[float | str | None, str]], float]:
    """Each viewer's `first_chart`, and when the pages were left (time.monotonic())."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            shown = Barrier(viewers)
            views = await asyncio.gather(
                *(first_chart(browser, url, timeout_s, shown, drawn) for _ in range(viewers))
            )
            return views, shown.opened
        finally:
            await browser.close()


def kernels_gone(base: str, kernels: list[str], since: float, limit: float) -> float | None:
    """Seconds from `since` (the pages left) until Voila no longer knows any of `kernels` (its
    /api/kernels/<id> answers 404); None if not within `limit` seconds."""
    left = [k for k in kernels if k]
    while left and time.monotonic() - since < limit:
        still = []
        for kernel in left:
            try:
                with urllib.request.urlopen(f"{base}/api/kernels/{kernel}", timeout=5):
                    still.append(kernel)
            except urllib.error.HTTPError as error:
                if error.code != 404:
                    still.append(kernel)
            except OSError:
                still.append(kernel)
        left = still
        if left:
            time.sleep(0.25)
    return None if left else time.monotonic() - since


def settle_to_floor(watch: MemoryWatch, floor: float, since: float, limit: float) -> float | None:
    """Seconds from `since` until memory is within 10% of `floor` (None if not within `limit` seconds)."""
    while time.monotonic() - since < limit:
        if watch.now <= floor * 1.10:
            return time.monotonic() - since
        time.sleep(0.25)
    return None


def settled_pool(process: psutil.Process, pool: int, limit: float, quiet: float = 5.0) -> None:
    """Until exactly `pool` kernels run and none of them has used CPU for `quiet` seconds (the closed
    pages' kernels gone, the pool refilled and heated), or `limit` seconds have passed."""
    deadline, since, last = time.monotonic() + limit, time.monotonic(), None
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.5)
        kernels = [p for p in process.children(recursive=True) if _is_kernel(p)]
        with contextlib.suppress(psutil.NoSuchProcess):
            now = (frozenset(k.pid for k in kernels), sum(sum(k.cpu_times()[:2]) for k in kernels))
            if len(kernels) != pool or last is None or now[0] != last[0] or now[1] - last[1] > 0.05:
                since = time.monotonic()
            last = now


def _is_kernel(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def steady_kernels(process: psutil.Process, limit: float, still: float = 5.0) -> int:
    """How many kernels a freshly started server keeps (its preheated pool, heated one after another), once
    neither their number nor their CPU time has changed for `still` seconds."""
    deadline, since, last = time.monotonic() + limit, time.monotonic(), None
    while time.monotonic() < deadline and time.monotonic() - since < still:
        time.sleep(0.5)
        kernels = [p for p in process.children(recursive=True) if _is_kernel(p)]
        with contextlib.suppress(psutil.NoSuchProcess):
            now = (frozenset(k.pid for k in kernels), sum(sum(k.cpu_times()[:2]) for k in kernels))
            if last is None or now[0] != last[0] or now[1] - last[1] > 0.05:
                since = time.monotonic()
            last = now
    return len(last[0]) if last else 0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure(
    name: str, url: str, voila: psutil.Process, counts: list[int], args, shown_when: str = CHART_DRAWN
) -> list[dict]:
    rows = []
    pool = steady_kernels(voila, args.pool_wait)
    watch = MemoryWatch(voila)
    try:
        # warm-up view, not reported: Voila's own process grows on its first render (templates, the
        # notebook, the widget manager), so the floor is the warm server with no kernel
        asyncio.run(open_together(url, 1, args.page_timeout, shown_when))
        for viewers in counts:
            # the closed pages have shut their kernels down and the pool refills from 20 s after use, one
            # kernel heating at a time: wait for the pages' kernels to go and the pool to be full and heated
            settled_pool(voila, pool, args.pool_wait)
            floor = tree_rss(voila)[0]
            watch.reset()
            FAILURES.clear()
            views, left = asyncio.run(open_together(url, viewers, args.page_timeout, shown_when))
            times = [seconds for seconds, _kernel in views]
            drawn = [t for t in times if isinstance(t, float)]
            busy = sum(t == BUSY for t in times)
            gone = kernels_gone(url.split("/voila/")[0], [kernel for _s, kernel in views], left, args.settle)
            back = settle_to_floor(watch, floor, left, args.settle)
            row = {
                "server": name,
                "viewers": viewers,
                "p50_s": statistics.median(drawn) if drawn else None,
                "p95_s": percentile(drawn, 0.95) if drawn else None,
                "busy": busy,
                "failed": len(times) - len(drawn) - busy,
                "floor_mib": round(floor),
                "peak_mib": round(watch.peak),
                "peak_kernels": watch.peak_kernels,
                "pool": pool,
                "back_to_floor_s": None if back is None else round(back, 1),
                "kernels_gone_s": None if gone is None else round(gone, 1),
                "failed_why": sorted(set(FAILURES)),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        watch.close()
    return rows


# The harness floor's page: what CHART_DRAWN waits for (a figure's svg with its bars), already drawn.
STATIC_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Static chart</title></head><body>
<div class="bqplot figure" style="width:640px;height:400px"><svg width="640" height="400">
{bars}
</svg></div></body></html>
"""


def static_page(folder: Path) -> Path:
    """A folder holding index.html: one chart drawn as plain SVG bars."""
    folder.mkdir(parents=True, exist_ok=True)
    bars = "\n".join(
        f'<rect class="bar" x="{60 + 140 * i}" y="{380 - h}" width="100" height="{h}" fill="steelblue"/>'
        for i, h in enumerate((180, 300, 120, 240))
    )
    (folder / "index.html").write_text(STATIC_PAGE.format(bars=bars), encoding="utf-8")
    return folder


def start_static(folder: Path, port: int) -> subprocess.Popen:
    """Python's threading static file server on loopback, once it answers."""
    command = [
        sys.executable,
        "-m",
        "http.server",
        str(port),
        "--bind",
        "127.0.0.1",
        "--directory",
        str(folder),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the static server did not start")


def start_serve(
    workbook: Path, port: int, max_kernels: int | None, pool_size: int | None = None
) -> subprocess.Popen:
    command = [sys.executable, "-m", "salesplan_widgets.cli", "serve", str(workbook), "--port", str(port)]
    if max_kernels:
        command += ["--max-kernels", str(max_kernels)]
    if pool_size is not None:
        command += ["--pool-size", str(pool_size)]
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "bench_viewers-serve.log").open("w") as log:  # Voila's log, to see why a page failed
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/tree", timeout=5):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("salesplan serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="1,5,20", help="numbers of concurrent viewers")
    parser.add_argument("--workbook", type=Path, default=ROOT / "workbooks" / "demo")
    parser.add_argument("--max-kernels", type=int, help="passed to salesplan serve (default: from memory)")
    parser.add_argument("--pool-size", type=int, help="passed to salesplan serve (default: the cap)")
    parser.add_argument(
        "--page-timeout", type=float, default=240.0, help="seconds before a page counts as failed"
    )
    parser.add_argument(
        "--sales-tracker",
        action="store_true",
        help="serve the sales-only tracker (a workbook without targets)",
    )
    parser.add_argument("--no-bare", action="store_true", help="leave out the bare Voila page")
    parser.add_argument("--no-static", action="store_true", help="leave out the static page (harness floor)")
    parser.add_argument("--settle", type=float, default=150.0, help="seconds to wait for memory to return")
    parser.add_argument(
        "--pool-wait", type=float, default=600.0, help="seconds to wait for the pool to heat at start-up"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.viewers.split(",")]

    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-viewers-") as tmp:
        workbook = Path(tmp) / "workbook"
        if args.sales_tracker:
            sales_only_workbook(workbook)
            page, name, drawn = "tracker", "salesplan serve (sales-only tracker)", SALES_TRACKER_DRAWN
        else:
            shutil.copytree(args.workbook, workbook, ignore=shutil.ignore_patterns(".cache", "reports"))
            page, name, drawn = "overview", "salesplan serve (overview)", CHART_DRAWN
        port = free_port()
        serve = start_serve(workbook, port, args.max_kernels, args.pool_size)
        try:
            voila = next(c for c in psutil.Process(serve.pid).children() if "voila" in " ".join(c.cmdline()))
            url = f"http://127.0.0.1:{port}/voila/render/{page}.ipynb"
            rows += measure(name, url, voila, counts, args, drawn)
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=120)
        if not args.no_bare:
            settings = ServeSettings(port=free_port())
            bare = start_voila(bare_page(Path(tmp) / "bare"), settings, timeout=120)
            try:
                url = f"http://127.0.0.1:{settings.port}/voila/render/bare.ipynb"
                rows += measure("bare Voila page", url, psutil.Process(bare.pid), counts, args)
            finally:
                stop_voila(bare)
        if not args.no_static:
            port = free_port()
            static = start_static(static_page(Path(tmp) / "static"), port)
            try:
                url = f"http://127.0.0.1:{port}/index.html"
                rows += measure("static page (harness)", url, psutil.Process(static.pid), counts, args)
            finally:
                static.terminate()
                static.wait(timeout=30)

    print()
    header = (
        "server                                viewers  p50 s  p95 s  busy  failed  floor MiB  peak MiB  kernels"
        "  pool  back to floor  page kernels gone"
    )
    print(header)
    for r in rows:
        p50 = "—" if r["p50_s"] is None else f"{r['p50_s']:.2f}"
        p95 = "—" if r["p95_s"] is None else f"{r['p95_s']:.2f}"
        back = "not within limit" if r["back_to_floor_s"] is None else f"{r['back_to_floor_s']:.0f} s"
        gone = "not within limit" if r["kernels_gone_s"] is None else f"{r['kernels_gone_s']:.1f} s"
        print(
            f"{r['server']:<37} {r['viewers']:>7} {p50:>6} {p95:>6} {r['busy']:>5} {r['failed']:>7}"
            f" {r['floor_mib']:>10}"
            f" {r['peak_mib']:>9} {r['peak_kernels']:>8} {r['pool']:>5}  {back:>13}  {gone}"
        )
    print(f"\np50 at {max(counts)} viewers / p50 at 1 viewer (target <= 3x for salesplan serve):")
    for server in dict.fromkeys(r["server"] for r in rows):
        p50 = {r["viewers"]: r["p50_s"] for r in rows if r["server"] == server}
        if p50.get(1) and p50.get(max(counts)):
            print(f"  {server:<28} {p50[max(counts)] / p50[1]:.2f}x")
    print(f"load average: {', '.join(f'{x:.1f}' for x in psutil.getloadavg())}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"bench_viewers{'-sales-tracker' * args.sales_tracker}.json").write_text(
        json.dumps(rows, indent=2), encoding="utf-8"
    )


if __name__ == "__main__":
    main()

"""Time to first render of the overview dashboard against a bare Voila page, in headless Chromium.

Both pages are served by `salesplan serve`'s own Voila command (same options), each from its own server.
A load is timed from navigation start until the page's first bqplot chart is visible with its bars drawn,
in a fresh browser context each time (no warm HTTP cache), alternating the two pages. The bare page holds
one bqplot bar chart and a dropdown. Prints every load, the medians and their ratio (target <= 1.3x).

    python benchmarks/bench_dashboard.py [--loads 7] [--workbook workbooks/demo] [--preheat]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from salesplan_widgets import open_workbook
from salesplan_widgets.serve import ServeSettings, free_port, stage_dashboards, start_voila, stop_voila
from salesplan_widgets.testing import launch_chromium

ROOT = Path(__file__).resolve().parents[1]
CHART_DRAWN = """() => {
    const figure = document.querySelector('.bqplot.figure svg');
    if (!figure || figure.getBoundingClientRect().height === 0) return false;
    return document.querySelectorAll('.bqplot.figure rect.bar').length > 0;
}"""
BARE_PAGE = """\
import bqplot as bq
import ipywidgets as widgets

x_scale, y_scale = bq.OrdinalScale(), bq.LinearScale()
bars = bq.Bars(x=["A", "B", "C", "D"], y=[3.0, 5.0, 2.0, 4.0], scales={"x": x_scale, "y": y_scale})
figure = bq.Figure(marks=[bars], axes=[bq.Axis(scale=x_scale), bq.Axis(scale=y_scale, orientation="vertical")])
widgets.VBox([widgets.Dropdown(options=["East", "North", "South", "West"]), figure])
"""


def bare_page(folder: Path) -> Path:
    """A staging folder holding only the bare one-chart page."""
    folder.mkdir(parents=True)
    notebook = new_notebook(cells=[new_code_cell(BARE_PAGE)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "bare.ipynb")
    return folder


def time_to_chart(browser, url: str) -> float:
    """Seconds from navigation start until the first chart is visible with its bars."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url, timeout=180_000)
        page.wait_for_function(CHART_DRAWN, timeout=180_000, polling="raf")
        return page.evaluate("performance.now()") / 1000
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=7, help="page loads per page (median reported)")
    parser.add_argument("--workbook", type=Path, default=ROOT / "workbooks" / "demo")
    parser.add_argument("--preheat", action="store_true", help="serve both pages with preheated kernels")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        workbook = Path(tmp) / "workbook"
        shutil.copytree(args.workbook, workbook, ignore=shutil.ignore_patterns(".cache", "reports"))
        open_workbook(workbook).cube()  # a served workbook has its cube cached after the first view
        pages = {
            "overview dashboard": (stage_dashboards(workbook), "overview.ipynb"),
            "bare bqplot page": (bare_page(Path(tmp) / "bare"), "bare.ipynb"),
        }
        servers, urls = [], {}
        try:
            for name, (staging, notebook) in pages.items():
                settings = ServeSettings(port=free_port(), preheat=args.preheat, pool_size=2)
                servers.append(start_voila(staging, settings, timeout=120))
                urls[name] = f"http://127.0.0.1:{settings.port}/voila/render/{notebook}"
            times: dict[str, list[float]] = {name: [] for name in urls}
            with sync_playwright() as p:
                browser = launch_chromium(p)
                try:
                    for url in urls.values():  # warm-up: first imports, compiled bytecode
                        time_to_chart(browser, url)
                    for load in range(args.loads):
                        for name, url in urls.items():
                            seconds = time_to_chart(browser, url)
                            times[name].append(seconds)
                            print(f"load {load + 1}: {name:<20} {seconds:6.2f} s", flush=True)
                finally:
                    browser.close()
        finally:
            for server in servers:
                stop_voila(server)

    medians = {name: statistics.median(values) for name, values in times.items()}
    print()
    print(
        f"time to first render, median of {args.loads} loads{' (preheated kernels)' if args.preheat else ''}:"
    )
    for name, median in medians.items():
        print(f"  {name:<20} {median:6.2f} s")
    ratio = medians["overview dashboard"] / medians["bare bqplot page"]
    print(f"  ratio                {ratio:6.2f}x  (target <= 1.30x)")


if __name__ == "__main__":
    main()

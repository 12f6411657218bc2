"""The analyst's path in a real JupyterLab: open a step notebook, run all cells, see the widget and its chart, drive it.

Starts `jupyter lab` on 127.0.0.1 (no token, no browser, no network: announcements and the extension
manager are off) on a copy of the demo workbook whose notebooks were instantiated from templates/ the way
`salesplan init` does, then drives headless Chromium through JupyterLab's own menus.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from salesplan_widgets.serve import free_port
from salesplan_widgets.testing import screenshots_dir
from salesplan_widgets.workbook.scaffold import STEPS, instantiate_notebook

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
DEMO = ROOT / "workbooks" / "demo"
SCREENSHOTS = screenshots_dir()
START_S = 120  # JupyterLab on a busy 2-core machine takes 20-40 s to answer
RUN_MS = 240_000  # building the demo cube on first use and running every cell
UI_MS = 90_000
QUEUE_MS = 15_000  # Run All queues every cell at once: seconds, even on a busy machine

# The notebooks with a bqplot widget, in the order the test prefers them: (template, notebook in the workbook).
CANDIDATES: tuple[tuple[str, str], ...] = (
    *((template, notebook) for template, notebook in STEPS if template != "start"),
    ("dashboards/overview", "overview"),
)
ERRORS = (
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]:has-text("Traceback"), '
    '.jp-RenderedText[data-mime-type*="error"]'
)
# Every drawn mark of every bqplot figure: bar heights, line/area paths, dot positions.
CHART_MARKS = """() => Array.from(document.querySelectorAll('.jp-Notebook .bqplot svg')).map(svg =>
    Array.from(svg.querySelectorAll('rect.bar, path.line, path.area, path.curve, path.dot, .dot, rect.rect'))
      .map(e => [e.tagName, e.getAttribute('d'), e.getAttribute('height'), e.getAttribute('y'),
                 e.getAttribute('transform')].join(':')).join('|'))"""


def chosen_notebook() -> tuple[str, str]:
    """The first step notebook with a chart whose template exists now (the goal wizard once it lands)."""
    for template, notebook in CANDIDATES:
        if (TEMPLATES / f"{template}.ipynb").is_file():
            return template, notebook
    pytest.fail(f"no notebook with a chart in {TEMPLATES}: expected one of {[t for t, _ in CANDIDATES]}")


def analyst_workbook(folder: Path) -> Path:
    """A copy of the demo company with every available notebook instantiated for it (workbook = '.')."""
    workbook = folder / "demo"
    shutil.copytree(DEMO, workbook, ignore=shutil.ignore_patterns(".cache", "reports", "*.ipynb"))
    for template, notebook in (*STEPS, *CANDIDATES):
        source = TEMPLATES / f"{template}.ipynb"
        if source.is_file():
            instantiate_notebook(source, workbook / f"{notebook}.ipynb", workbook=".")
    return workbook


def lab_environment(folder: Path) -> dict[str, str]:
    """Private config, settings, workspace and runtime folders: no news, no update check, every cell rendered."""
    config = folder / "config"
    settings = folder / "settings"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps(
            {
                "disabledExtensions": {
                    "@jupyterlab/apputils-extension:announcements": True,
                    "@jupyterlab/extensionmanager-extension": True,
                }
            }
        )
    )
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    }.items():
        package, name = plugin.rsplit("/", 1)
        (settings / package).mkdir(parents=True, exist_ok=True)
        (settings / package / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
    }


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"jupyter lab did not answer within {START_S} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """Stop the server and its kernels (they share its process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("jupyterlab")
    workbook = analyst_workbook(folder)
    port = free_port()
    log = folder / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--allow-root",  # the test machine runs as root; harmless otherwise
        f"--ServerApp.root_dir={workbook}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.terminals_enabled=False",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=workbook,
            env=lab_environment(folder),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log)
        yield url, workbook
    finally:
        stop(process)


# Every code cell has its number, or the run stopped at a cell that failed (nothing queued, a traceback shown).
RUN_FINISHED = """() => {
    const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'))
        .map(p => p.textContent);
    const numbered = prompts.filter(p => /\\[\\d+\\]/.test(p)).length;
    const queued = prompts.some(p => /\\[\\*\\]/.test(p));
    const failed = document.querySelector(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]') !== null;
    return prompts.length > 0 && !queued && (numbered === prompts.length || (numbered > 0 && failed));
}"""


# Run All puts every code cell in the queue at once ([*]), or a cell already ran ([n]); after a failed cell
# JupyterLab clears the prompts of the cells it will not run, and shows the error.
ALL_QUEUED = """() => {
    const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'))
        .map(p => p.textContent);
    const failed = document.querySelector(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]') !== null;
    return prompts.length > 0 && (failed || prompts.every(p => /\\[(\\*|\\d+)\\]/.test(p)));
}"""


def run_all_cells(page) -> None:
    """Run → Run All Cells from JupyterLab's menu bar, then wait until every code cell ran (or one failed).

    The menu is used only once the notebook's kernel is connected and idle (`open_notebook`): clicked
    earlier, JupyterLab starts the kernel once per cell, and a cell whose start lost the race is silently
    left unqueued (seen: `[1]`, `[ ]`, kernel idle). Should the click still be lost (a menu that closed
    under the pointer, a kernel dialog), not every cell is queued within a few seconds: the menu is
    used again — the same user action, not a retried behaviour.
    """
    for _click in range(3):
        dialog = page.locator(".jp-Dialog")
        if dialog.count() and "Select Kernel" in dialog.first.inner_text():
            dialog.first.locator(".jp-Dialog-button.jp-mod-accept").click()  # the notebook's own kernel
            wait_for_idle_kernel(page)
        elif dialog.count():
            pytest.fail(f"JupyterLab shows a dialog instead of running: {dialog.first.inner_text()!r}")
        try:  # a kernel dialog can still open now, over the menu: then look at it again
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click(timeout=10_000)
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click(timeout=10_000)
            page.wait_for_function(ALL_QUEUED, timeout=QUEUE_MS)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")  # close a menu left open
    else:
        prompts = page.eval_on_selector_all(
            ".jp-Notebook .jp-CodeCell .jp-InputPrompt", "els => els.map(e => e.textContent)"
        )
        pytest.fail(f"Run All Cells, three times, did not queue every cell: prompts {prompts}")
    try:
        page.wait_for_function(RUN_FINISHED, timeout=RUN_MS)
    except PlaywrightTimeout:
        prompts = page.eval_on_selector_all(
            ".jp-Notebook .jp-CodeCell .jp-InputPrompt", "els => els.map(e => e.textContent)"
        )
        status = page.eval_on_selector_all(".jp-StatusBar-TextItem", "els => els.map(e => e.textContent)")
        pytest.fail(
            f"Run All Cells did not finish in {RUN_MS / 1000:.0f} s: prompts {prompts}, status {status}"
        )


def open_notebook(browser, url: str, notebook: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    # ?reset: a fresh layout, so the notebook a previous test left open cannot take the Run menu's focus.
    page.goto(f"{url}/lab/tree/{notebook}.ipynb?reset", timeout=UI_MS)
    wait_for_idle_kernel(page)
    return page


def wait_for_idle_kernel(page) -> None:
    """The notebook is drawn and its kernel is connected and idle.

    The status bar's kernel item says `Python 3 (ipykernel) | Idle` only then (`No Kernel | Initializing`
    before). The toolbar's execution indicator is no sign: it says `idle` from the start, before any kernel.
    """
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", state="visible", timeout=UI_MS)
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))
                 .some(e => !/^No Kernel/.test(e.textContent.trim()) && /\\|\\s*Idle$/.test(e.textContent.trim()))""",
        timeout=UI_MS,
    )


def show_the_widget(page) -> None:
    """Scroll the widget's output to the top of the notebook, so a screenshot shows its controls and chart."""
    page.locator(".jp-OutputArea .jupyter-widgets").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)


def change_a_control(page) -> str:
    """Pick another option in the widget's first drop-down (else toggle, else slider); say what changed."""
    select = page.locator(".jp-OutputArea .jupyter-widgets select").first
    if select.count():
        options = select.locator("option")
        current = select.input_value()
        value = next(
            v for v in (options.nth(i).get_attribute("value") for i in range(options.count())) if v != current
        )
        select.select_option(value)
        return f"select → {value}"
    toggle = page.locator(".jp-OutputArea .widget-toggle-button:not(.mod-active)").first
    if toggle.count():
        toggle.click()
        return f"toggle → {toggle.inner_text()}"
    slider = page.locator(
        ".jp-OutputArea .widget-slider .noUi-handle, .jp-OutputArea .widget-slider .ui-slider-handle"
    ).first
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    return "slider → right"


def test_the_step_notebook_runs_in_jupyterlab_and_its_chart_follows_the_controls(
    lab: tuple[str, Path], browser
) -> None:
    url, workbook = lab
    template, notebook = chosen_notebook()
    page = open_notebook(browser, url, notebook)
    try:
        run_all_cells(page)
        page.wait_for_selector(".jp-OutputArea .jupyter-widgets .bqplot svg", state="visible", timeout=RUN_MS)
        page.wait_for_function(f"() => ({CHART_MARKS})().some(marks => marks.length > 0)", timeout=RUN_MS)

        assert page.locator(".jp-OutputArea .jupyter-widgets").first.is_visible()
        assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).first.inner_text()
        assert "Error displaying widget" not in page.inner_text(".jp-Notebook")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        show_the_widget(page)
        page.screenshot(path=str(SCREENSHOTS / f"jupyterlab_{notebook}.png"))

        before = page.evaluate(CHART_MARKS)
        what = change_a_control(page)
        page.wait_for_function(
            f"(before) => JSON.stringify(({CHART_MARKS})()) !== JSON.stringify(before)",
            arg=before,
            timeout=UI_MS,
        )
        assert page.evaluate(CHART_MARKS) != before, what
        assert page.locator(ERRORS).count() == 0
        show_the_widget(page)
        page.screenshot(path=str(SCREENSHOTS / f"jupyterlab_{notebook}_changed.png"))
    finally:
        page.close()


# The start page and every other step notebook that exists today: each runs in JupyterLab and shows its
# output without errors (these are the user guide's screenshots).
OTHER_NOTEBOOKS = [
    "0_start",
    *(
        notebook
        for template, notebook in CANDIDATES[:-1]
        if (TEMPLATES / f"{template}.ipynb").is_file() and (template, notebook) != chosen_notebook()
    ),
]


@pytest.mark.parametrize("notebook", OTHER_NOTEBOOKS)
def test_the_start_page_and_every_other_step_notebook_run_without_errors(
    lab: tuple[str, Path], browser, notebook: str
) -> None:
    url, workbook = lab
    assert (workbook / f"{notebook}.ipynb").is_file(), f"templates/ has no template for {notebook}"
    page = open_notebook(browser, url, notebook)
    try:
        run_all_cells(page)
        if notebook == "0_start":
            page.wait_for_selector(".jp-RenderedMarkdown.jp-OutputArea-output h1", timeout=UI_MS)
            # JupyterLab rewrites the links to /files/<name>?_xsrf=... and opens them as notebooks on click.
            links = page.locator(".jp-OutputArea-output a[href*='.ipynb']")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            linked = sorted(Path(urlparse(href).path).name for href in hrefs)
            present = sorted(f"{nb}.ipynb" for _, nb in STEPS[1:] if (workbook / f"{nb}.ipynb").is_file())
            assert linked == present
            assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).first.inner_text()
            page.screenshot(path=str(SCREENSHOTS / f"jupyterlab_{notebook}.png"))
            links.first.click()
            tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tabLabel", has_text=present[0])
            tab.wait_for(state="visible", timeout=UI_MS)
            return
        page.wait_for_selector(".jp-OutputArea .jupyter-widgets", state="visible", timeout=RUN_MS)
        assert "Error displaying widget" not in page.inner_text(".jp-Notebook")
        assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).first.inner_text()
        show_the_widget(page)
        page.screenshot(path=str(SCREENSHOTS / f"jupyterlab_{notebook}.png"))
    finally:
        page.close()


def test_the_guides_embed_the_same_screenshots_and_each_is_made_by_a_browser_test() -> None:
    import re

    produced_here = {"jupyterlab_0_start.png"} | {
        f"jupyterlab_{nb}{suffix}.png" for _, nb in CANDIDATES for suffix in ("", "_changed")
    }
    produced_by_dashboard_test = {"dashboard_overview.png"}
    embedded = {}
    for guide in ("guide.md", "guide.zh_CN.md"):
        text = (ROOT / "docs" / guide).read_text(encoding="utf-8")
        embedded[guide] = set(re.findall(r"!\[[^\]]*\]\(screenshots/([^)]+)\)", text))
    assert embedded["guide.md"] == embedded["guide.zh_CN.md"] != set()
    for image in embedded["guide.md"]:
        assert image in produced_here | produced_by_dashboard_test, f"no browser test draws {image}"
        assert (SCREENSHOTS / image).is_file(), f"run the browser tests to draw {image}"

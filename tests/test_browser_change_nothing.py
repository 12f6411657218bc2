"""Dashboards change nothing: headless Chromium acts on every control of every served dashboard (every tab,
dropdown option, toggle, button, text box, checkbox and slider it finds in the page), and every file of the
workbook is byte-identical afterwards — and after the server has stopped.

Controls are discovered generically from the widget views in the DOM. A widget kind the test does not know
how to act on fails the test, so a new control cannot slip past it unexercised.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from fixtures.kernel_traffic import KernelTraffic
from test_browser_capabilities import capability_workbook
from test_read_only import tree_digest
from test_serve import wait_for_page

from salesplan_widgets.serve import free_port
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.feedback import add_note
from salesplan_widgets.workbook.versions import save_version

pytestmark = pytest.mark.browser

EVERY_DASHBOARD = ["overview", "tracker", "incentives", "my_targets", "goal"]
LOAD_MS = 120_000
ERRORS = '.jp-OutputArea-output[data-mime-type*="error"], .jp-RenderedText[data-mime-type*="stderr"]'
# Widget views that only show things; everything else in the page must be a control acted on below.
PASSIVE = {
    "widget-html",
    "widget-htmlmath",
    "widget-label",
    "widget-box",
    "widget-container",
    "widget-hbox",
    "widget-vbox",
    "widget-gridbox",
    "widget-inline-hbox",
    "widget-inline-vbox",
    "widget-output",
    "widget-image",
    "widget-tab",  # its tab bar is acted on (TAB_SELECTOR)
    "widget-readout",
    "widget-valid",
    "widget-play",
}
# Each control kind, and the action of act_on_visible_controls that uses it.
CONTROLS = {
    "widget-dropdown": "dropdown",
    "widget-select": "dropdown",
    "widget-select-multiple": "dropdown",
    "widget-toggle-buttons": "button",
    "widget-toggle-button": "button",
    "widget-button": "button",
    "widget-text": "text",
    "widget-textarea": "text",
    "widget-checkbox": "checkbox",
    "widget-hslider": "slider",
    "widget-vslider": "slider",
    "widget-slider": "slider",
}
TAB_SELECTOR = ".lm-TabBar-tab, .p-TabBar-tab"
# the widget-* classes of every widget view in the page (bqplot figures carry no widget- class)
WIDGET_KINDS = """() => Array.from(document.querySelectorAll('.jupyter-widgets'))
    .flatMap(el => Array.from(el.classList).filter(c => c.startsWith('widget-')))"""
MAX_OPTIONS = 3  # options chosen per dropdown (first, middle, last), then the original again


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    """The demo company with a goal, targets, incentives, a plan version and a note, publishing every
    dashboard through the real `salesplan serve`; yields (workbook folder, base URL, the serve process)."""
    folder = tmp_path_factory.mktemp("change_nothing") / "demo"
    workbook = capability_workbook(folder)
    workbook.save(reports=workbook.plan.reports.model_copy(update={"dashboards": EVERY_DASHBOARD}))
    workbook = open_workbook(folder)
    targets = workbook.read_table("targets")
    save_version(workbook, targets.assign(target=targets["target"] * 1.05), "market up 5%", None, "2026-07")
    rep = str(targets["rep"].iloc[0])
    add_note(workbook, str(workbook.cube()["period"].max()), rep, "Two deals slipped")
    port = free_port()
    command = [sys.executable, "-m", "salesplan_widgets.cli", "serve", str(folder), "--port", str(port)]
    serve = subprocess.Popen(
        [*command, "--max-kernels", "8"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        status, _page = wait_for_page(f"http://127.0.0.1:{port}/voila/tree")
        assert status == 200
        yield folder, f"http://127.0.0.1:{port}/voila/render", serve
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=60)


def act_on_visible_controls(page, traffic: KernelTraffic, acted: dict[str, int]) -> None:
    """Every visible control, each in the way a viewer would use it (choose, type, tick, slide, then click);
    counts what was done by kind. After each action the kernel has answered it before the next one."""
    settle = traffic.settle
    selects = page.locator(".jupyter-widgets select")
    for i in range(selects.count()):
        select = selects.nth(i)
        if not select.is_visible() or select.is_disabled():
            continue
        values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
        original = select.input_value() if select.get_attribute("multiple") is None else None
        picks = sorted({0, len(values) // 2, len(values) - 1})[:MAX_OPTIONS] if values else []
        for index in picks:
            select.select_option(values[index])
            settle()
        if original is not None and original in values:
            select.select_option(original)
            settle()
        acted["dropdown"] = acted.get("dropdown", 0) + 1
    boxes = page.locator(
        ".jupyter-widgets input[type=text], .jupyter-widgets input[type=number], .jupyter-widgets textarea"
    )
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if box.is_visible() and box.is_editable():
            box.fill("42")
            box.press("Enter")
            settle()
            acted["text"] = acted.get("text", 0) + 1
    checks = page.locator(".jupyter-widgets input[type=checkbox]")
    for i in range(checks.count()):
        if checks.nth(i).is_visible():
            checks.nth(i).click()
            settle()
            acted["checkbox"] = acted.get("checkbox", 0) + 1
    handles = page.locator(".jupyter-widgets .noUi-handle, .jupyter-widgets input[type=range]")
    for i in range(handles.count()):
        if handles.nth(i).is_visible():
            handles.nth(i).focus()
            handles.nth(i).press("ArrowRight")
            settle()
            acted["slider"] = acted.get("slider", 0) + 1
    # buttons last, as a viewer would: after typing and choosing, so a button that saves has input; twice,
    # so a button enabled by another (save after preview) is pressed too
    buttons = page.locator(".jupyter-widgets button")
    for _round in range(2):
        for i in range(buttons.count()):
            button = buttons.nth(i)
            if button.is_visible() and button.is_enabled():
                button.click()
                settle()
                acted["button"] = acted.get("button", 0) + 1


def exercise(browser, url: str) -> tuple[dict[str, int], set[str]]:
    """Open the dashboard, act on every control of every tab; return what was done and the widget kinds."""
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.on("dialog", lambda dialog: dialog.dismiss())
    traffic = KernelTraffic(page)
    try:
        page.goto(url, timeout=LOAD_MS)
        page.wait_for_selector(".jupyter-widgets", state="attached", timeout=LOAD_MS)
        page.wait_for_function(
            "() => !document.querySelector('#loading') || "
            "getComputedStyle(document.querySelector('#loading')).display === 'none'",
            timeout=LOAD_MS,
        )
        traffic.settle()  # the widgets' own requests after the page is drawn
        kinds = set(page.evaluate(WIDGET_KINDS))
        acted: dict[str, int] = {}
        tabs = page.locator(TAB_SELECTOR)
        for i in range(max(1, tabs.count())):
            if tabs.count():
                tabs.nth(i).click()
                traffic.settle()
                acted["tab"] = acted.get("tab", 0) + 1
            act_on_visible_controls(page, traffic, acted)
        kinds |= set(page.evaluate(WIDGET_KINDS))
        traffic.settle()
        assert page.locator(ERRORS).count() == 0
        body = page.inner_text("body")
        assert "Traceback" not in page.content() and "There was an error" not in body
        assert "cannot be shown" not in body
        return acted, kinds
    finally:
        page.close()


def test_the_served_tracker_offers_no_writing(browser, served) -> None:
    _folder, base, _serve = served
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    try:
        page.goto(f"{base}/tracker.ipynb", timeout=LOAD_MS)
        page.wait_for_selector(".salesplan-tracker .bqplot.figure svg", state="visible", timeout=LOAD_MS)
        tabs = [t.strip() for t in page.locator(TAB_SELECTOR).all_inner_texts()]
        assert tabs == ["Pace", "Variance", "At risk", "Feedback"]  # the feedback log is still read
        for label in ("Add note", "Save as new version", "Preview re-plan", "Re-plan"):
            assert page.get_by_text(label, exact=True).count() == 0, label
        assert page.locator(".salesplan-tracker textarea, .salesplan-tracker input[type=text]").count() == 0
    finally:
        page.close()


def test_acting_on_every_control_of_every_dashboard_changes_no_file_of_the_workbook(browser, served) -> None:
    folder, base, serve = served
    before = tree_digest(folder)
    assert any(name.startswith("tables/feedback") for name in before)  # the writable files are there
    assert any(name.startswith(".cache/cube-") for name in before)  # warmed by `salesplan serve`
    done = {}
    for name in EVERY_DASHBOARD:
        acted, kinds = exercise(browser, f"{base}/{name}.ipynb")
        unknown = kinds - PASSIVE - set(CONTROLS)
        assert not unknown, f"{name}: controls this test does not know how to act on: {unknown}"
        for kind in kinds & set(CONTROLS):
            assert acted.get(CONTROLS[kind]), f"{name}: a {kind} is on the page but was not acted on"
        done[name] = acted
    assert tree_digest(folder) == before  # every action answered (KernelTraffic): nothing written
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=60) == 0
    assert tree_digest(folder) == before  # nor anything a kernel still had to flush when it was stopped
    assert done["tracker"].get("tab", 0) == 4  # pace, variance, at risk, feedback: no re-plan tab
    assert done["overview"].get("dropdown", 0) >= 2 and done["my_targets"].get("dropdown", 0) >= 2
    assert sum(sum(a.values()) for a in done.values()) >= 15

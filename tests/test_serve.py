"""`salesplan serve` against a real Voila server: dashboards only, read-only, and kernels of closed pages reclaimed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import psutil
import pytest
from test_overview_widget import write_sales_workbook

from salesplan_widgets.errors import PlanError
from salesplan_widgets.serve import (
    ServeSettings,
    free_port,
    stage_dashboards,
    start_voila,
    stop_voila,
    voila_command,
)
from salesplan_widgets.testing import launch_chromium

CULL_IDLE_SECONDS = 6
CULL_INTERVAL_SECONDS = 2


def fetch(url: str) -> tuple[int, str]:
    """Status and body of a GET, following redirects; HTTP errors are answers, not exceptions."""
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")


def kernel_processes(server: psutil.Process) -> list[psutil.Process]:
    """The IPython kernels the Voila server has started and not yet shut down."""
    kernels = []
    for child in server.children(recursive=True):
        try:
            if (
                any("ipykernel" in part for part in child.cmdline())
                and child.status() != psutil.STATUS_ZOMBIE
            ):
                kernels.append(child)
        except psutil.NoSuchProcess:
            continue
    return kernels


@pytest.fixture(scope="module")
def workbook_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sales_workbook(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def server(workbook_dir: Path) -> Iterator[tuple[str, psutil.Process]]:
    settings = ServeSettings(
        port=free_port(), cull_idle_timeout=CULL_IDLE_SECONDS, cull_interval=CULL_INTERVAL_SECONDS
    )
    process = start_voila(stage_dashboards(workbook_dir), settings, timeout=90)
    try:
        yield f"http://127.0.0.1:{settings.port}", psutil.Process(process.pid)
    finally:
        stop_voila(process)


def test_staging_holds_only_the_plans_dashboards_with_the_workbook_injected(workbook_dir: Path) -> None:
    staging = stage_dashboards(workbook_dir)
    assert sorted(p.name for p in staging.iterdir()) == ["overview.ipynb"]
    notebook = nbformat.read(staging / "overview.ipynb", as_version=4)
    injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and f'workbook = "{workbook_dir.resolve()}"' in injected[0].source
    assert staging == workbook_dir.resolve() / ".cache" / "serve"


def test_a_dashboard_name_that_is_a_path_is_refused(workbook_dir: Path, tmp_path: Path) -> None:
    plan = (workbook_dir / "plan.yaml").read_text(encoding="utf-8")
    write_sales_workbook(tmp_path)
    (tmp_path / "plan.yaml").write_text(plan + "reports:\n  dashboards: ['../../plan']\n", encoding="utf-8")
    with pytest.raises(PlanError, match="reports.dashboards"):
        stage_dashboards(tmp_path)
    assert not (tmp_path / ".cache" / "serve").exists()


def test_command_is_read_only_local_and_culls_idle_kernels(tmp_path: Path) -> None:
    command = voila_command(tmp_path, ServeSettings(port=9999))
    assert command[3] == str(tmp_path)
    for option in (
        "--Voila.ip=127.0.0.1",
        "--port=9999",
        "--Voila.open_browser=False",
        "--strip_sources=True",
        "--show_tracebacks=False",
    ):
        assert option in command
    assert any(o.startswith("--MappingKernelManager.cull_idle_timeout=") for o in command)
    assert not any("file_allowlist" in o for o in command)  # Voila's default: images only


def test_dashboard_renders_without_sources_or_errors(server, workbook_dir: Path) -> None:
    base, _ = server
    status, page = fetch(f"{base}/voila/render/overview.ipynb")
    assert status == 200
    assert "application/vnd.jupyter.widget-view+json" in page
    assert "SalesOverview.dashboard(" not in page and "from salesplan_widgets" not in page  # sources stripped
    assert str(workbook_dir.resolve()) not in page  # nor the injected parameter
    assert "Traceback" not in page and "There was an error" not in page


def test_server_listens_on_the_loopback_address_only(server) -> None:
    _, voila = server
    listening = [c.laddr for c in voila.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening and {address.ip for address in listening} == {"127.0.0.1"}


def test_tree_lists_the_dashboard_only(server) -> None:
    base, _ = server
    status, listing = fetch(f"{base}/voila/api/contents/")
    assert status == 200
    assert "overview.ipynb" in listing
    assert "plan.yaml" not in listing and "sales.csv" not in listing


@pytest.mark.parametrize(
    "path",
    [
        "/voila/files/plan.yaml",
        "/voila/files/../plan.yaml",
        "/voila/files/%2e%2e/plan.yaml",
        "/voila/files/%2e%2e/%2e%2e/plan.yaml",
        "/voila/files/%2e%2e/%2e%2e/data/sales.csv",
        "/voila/render/%2e%2e/%2e%2e/plan.yaml",
        "/voila/render/..%2F..%2Fdata%2Fsales.csv",
        "/voila/api/contents/%2e%2e/%2e%2e/plan.yaml",
        "/voila/files/overview.ipynb",
        "/plan.yaml",
        "/data/sales.csv",
        "/voila/static/%2e%2e/%2e%2e/plan.yaml",
    ],
)
def test_plan_data_and_parent_paths_are_unreachable(server, path: str) -> None:
    base, _ = server
    status, body = fetch(base + path)
    assert status in (403, 404)
    assert "Fixture Co" not in body and "金额" not in body


def test_bad_query_values_are_not_executed_echoed_or_traced(server) -> None:
    base, _ = server
    status, page = fetch(
        f"{base}/voila/render/overview.ipynb?period=..%2F..%2Fetc&team=%3Cscript%3Ealert(%22q7x%22)%3C%2Fscript%3E"
    )
    assert status == 200
    assert "q7x" not in page and "../../etc" not in page
    assert "Traceback" not in page and "There was an error" not in page


@pytest.mark.browser
def test_kernels_of_closed_pages_are_reclaimed(server) -> None:
    from playwright.sync_api import sync_playwright

    base, voila = server
    deadline = time.monotonic() + 60
    while kernel_processes(voila) and time.monotonic() < deadline:  # earlier tests' kernels
        time.sleep(1)
    floor = len(kernel_processes(voila))
    views = 3
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            pages = [browser.new_page() for _ in range(views)]
            for page in pages:
                page.goto(f"{base}/voila/render/overview.ipynb", timeout=120_000)
                page.wait_for_selector(".bqplot svg", state="visible", timeout=120_000)
            assert len(kernel_processes(voila)) == floor + views
            # An open page keeps its kernel past the idle timeout: culling only reclaims closed ones.
            time.sleep(CULL_IDLE_SECONDS + 2 * CULL_INTERVAL_SECONDS)
            assert len(kernel_processes(voila)) == floor + views
            for page in pages:
                page.close()
        finally:
            browser.close()
    deadline = time.monotonic() + CULL_IDLE_SECONDS + 10 * CULL_INTERVAL_SECONDS + 30
    while len(kernel_processes(voila)) > floor and time.monotonic() < deadline:
        time.sleep(1)
    assert len(kernel_processes(voila)) == floor


def test_a_failing_dashboard_shows_no_traceback_or_path(tmp_path: Path, monkeypatch) -> None:
    templates = tmp_path / "templates"
    (templates / "dashboards").mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell('workbook = "x"', metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell('raise ValueError("secret " + workbook)'),
        ]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, templates / "dashboards" / "overview.ipynb")
    monkeypatch.setenv("SALESPLAN_TEMPLATES", str(templates))
    workbook = write_sales_workbook(tmp_path / "workbook")
    settings = ServeSettings(port=free_port())
    process = start_voila(stage_dashboards(workbook), settings, timeout=90)
    try:
        status, page = fetch(f"http://127.0.0.1:{settings.port}/voila/render/overview.ipynb")
    finally:
        stop_voila(process)
    assert status == 200
    assert "There was an error when executing cell" in page  # Voila's plain notice, instead of:
    assert "secret" not in page and "ValueError" not in page and "Traceback" not in page
    assert str(workbook.resolve()) not in page


def test_salesplan_serve_runs_until_interrupted_and_leaves_no_kernels(tmp_path: Path) -> None:
    workbook = write_sales_workbook(tmp_path / "workbook")
    port = free_port()
    command = [sys.executable, "-m", "salesplan_widgets.cli", "serve", str(workbook), "--port", str(port)]
    serve = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status, page = fetch(f"http://127.0.0.1:{port}/voila/render/overview.ipynb")
            except OSError:
                time.sleep(0.5)
        assert status == 200 and "application/vnd.jupyter.widget-view+json" in page
        children = psutil.Process(serve.pid).children(recursive=True)
        assert any("ipykernel" in " ".join(c.cmdline()) for c in children)
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)
        gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    assert f"http://127.0.0.1:{port}/" in serve.stdout.read()

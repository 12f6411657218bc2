"""`salesplan serve` against a real Voila server: dashboards only, read-only, and kernels of closed pages reclaimed."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil
import pytest
from test_overview_widget import write_sales_workbook

from salesplan_widgets.errors import PlanError
from salesplan_widgets.serve import (
    KERNEL_MEMORY_MB,
    ServeSettings,
    default_max_heating,
    default_max_kernels,
    default_pool_size,
    free_port,
    remove_staging,
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


def test_staging_holds_only_the_plans_dashboards_with_the_workbook_injected_outside_the_workbook(
    workbook_dir: Path,
) -> None:
    staging = stage_dashboards(workbook_dir)
    try:
        assert sorted(p.name for p in staging.iterdir()) == ["overview.ipynb"]
        notebook = nbformat.read(staging / "overview.ipynb", as_version=4)
        injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and f'workbook = "{workbook_dir.resolve()}"' in injected[0].source
        assert not staging.resolve().is_relative_to(workbook_dir.resolve())
        assert not (workbook_dir / ".cache" / "serve").exists()
        assert any((workbook_dir / ".cache").glob("cube-*.parquet"))  # warmed for the read-only pages
    finally:
        remove_staging(staging)
    assert not staging.parent.exists()


def test_a_dashboard_name_that_is_a_path_is_refused(workbook_dir: Path, tmp_path: Path) -> None:
    plan = (workbook_dir / "plan.yaml").read_text(encoding="utf-8")
    write_sales_workbook(tmp_path)
    (tmp_path / "plan.yaml").write_text(plan + "reports:\n  dashboards: ['../../plan']\n", encoding="utf-8")
    with pytest.raises(PlanError, match="reports.dashboards"):
        stage_dashboards(tmp_path)


def test_command_is_read_only_local_capped_and_culls_idle_kernels_within_a_minute(tmp_path: Path) -> None:
    settings = ServeSettings(port=9999, max_kernels=7)
    assert settings.cull_idle_timeout + settings.cull_interval <= 50  # + shutdown: gone within 60 s
    command = voila_command(tmp_path, settings)
    assert "--CappedKernelManager.max_kernels=7" in command
    assert (
        "--VoilaConfiguration.multi_kernel_manager_class=salesplan_widgets.kernel_cap.CappedKernelManager"
        in command
    )
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
    assert not any("preheat" in o for o in command)  # no pool unless asked


def test_only_the_landing_dashboard_gets_a_preheated_pool(tmp_path: Path) -> None:
    for name in ("overview", "tracker", "my_targets", "targets"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    command = voila_command(tmp_path, ServeSettings(preheat=True, pool_size=3, preheat_only=("overview",)))
    assert "--preheat_kernel=True" in command and "--pool_size=3" in command
    denied = [o.split("=", 1)[1] for o in command if o.startswith("--VoilaKernelManager.preheat_denylist=")]
    assert sorted(denied) == ["/my_targets.ipynb", "/targets.ipynb", "/tracker.ipynb"]
    # Voila denies a notebook whose absolute path contains an entry: none matches the landing dashboard
    assert not [d for d in denied if d in str(tmp_path / "overview.ipynb")]
    assert [d for d in denied if d in str(tmp_path / "my_targets.ipynb")] == ["/my_targets.ipynb"]


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


CLOSED_PAGE_GONE_S = 15  # well under the 40 s idle cull: only the page's own shutdown request is this quick


def open_in_a_tab(browser, url: str):
    """A dashboard opened in a tab of its own from a blank page (so no other Voila page has set a cookie),
    as `window.open` does: a tab its script may close, as a viewer closes it."""
    opener = browser.new_page()
    opener.goto("about:blank")
    with opener.expect_popup() as popup:
        opener.evaluate("url => { window.open(url); }", url)
    page = popup.value
    page.wait_for_selector(".bqplot svg", state="visible", timeout=120_000)
    return page


def close_tab(page) -> None:
    """Close the tab the way a viewer does: the browser runs the page's beforeunload, then closes it."""
    page.evaluate("() => { setTimeout(() => window.close(), 0); }")
    page.wait_for_event("close", timeout=30_000)


@pytest.mark.browser
def test_closing_a_page_shuts_its_cold_kernel_down_within_seconds(server) -> None:
    from playwright.sync_api import sync_playwright

    base, voila = server
    before = {k.pid for k in kernel_processes(voila)}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = open_in_a_tab(browser, f"{base}/voila/render/overview.ipynb")
            (served,) = [k for k in kernel_processes(voila) if k.pid not in before]
            assert any(c["name"] == "_xsrf" for c in page.context.cookies())
            close_tab(page)
            _gone, alive = psutil.wait_procs([served], timeout=CLOSED_PAGE_GONE_S)
        finally:
            browser.close()
    assert not alive, "the closed page's kernel was left to the idle cull"


@pytest.mark.browser
def test_a_closed_pages_preheated_kernel_is_shut_down_at_once_and_its_place_under_the_cap_is_free(
    tmp_path: Path,
) -> None:
    from playwright.sync_api import sync_playwright

    workbook = write_sales_workbook(tmp_path / "workbook")
    port = free_port()
    url = f"http://127.0.0.1:{port}/voila/render/overview.ipynb"
    serve = start_serve(workbook, port, "--max-kernels", "1")  # and a preheated pool of 1
    try:
        wait_for_page(f"http://127.0.0.1:{port}/voila/tree")
        voila = next(c for c in serve_children(serve) if "voila" in " ".join(c.cmdline()[:3]))
        deadline = time.monotonic() + 120
        while not kernel_processes(voila) and time.monotonic() < deadline:
            time.sleep(0.5)
        (pooled,) = kernel_processes(voila)
        _heated(pooled)
        with sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                first = open_in_a_tab(browser, url)
                assert pooled.is_running()  # the page got the heated kernel (the pool refills 20 s later)
                close_tab(first)
                _gone, alive = psutil.wait_procs([pooled], timeout=CLOSED_PAGE_GONE_S)
                assert not alive, "the closed page's kernel was left to the idle cull"
                second = browser.new_page()
                response = second.goto(url, timeout=120_000)  # at once: the pool has not refilled yet
                assert response is not None and response.status == 200, "the freed place was not free"
                second.wait_for_selector(".bqplot svg", state="visible", timeout=120_000)
                assert "busy" not in second.inner_text("body")
            finally:
                browser.close()
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
    output = serve.stdout.read()
    assert "Using pre-heated kernel: " in output
    assert "_xsrf' argument missing" not in output


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


def start_serve(workbook: Path, port: int, *extra: str) -> subprocess.Popen:
    """The real `salesplan serve` command as a subprocess, its output captured."""
    command = [sys.executable, "-m", "salesplan_widgets.cli", "serve", str(workbook), "--port", str(port)]
    return subprocess.Popen([*command, *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_page(url: str, timeout: float = 90) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return fetch(url)
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def port_is_free(port: int) -> bool:
    """Nobody listens on it: a new server can bind and listen (as servers do, with SO_REUSEADDR, so the
    closed connections' TIME_WAIT does not count)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


def serve_children(serve: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(serve.pid).children(recursive=True)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_voila_and_every_kernel_frees_the_port_and_a_restart_serves_again(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    workbook = write_sales_workbook(tmp_path / "workbook")
    port = free_port()
    url = f"http://127.0.0.1:{port}/voila/render/overview.ipynb"
    for attempt in ("first", "restart"):
        serve = start_serve(workbook, port, "--max-kernels", "2")  # and a preheated pool of 2
        try:
            status, page = wait_for_page(url)
            assert status == 200 and "application/vnd.jupyter.widget-view+json" in page
            children = serve_children(serve)
            assert any("ipykernel" in " ".join(c.cmdline()) for c in children)
            staged = [c.cwd() for c in children if "voila" in " ".join(c.cmdline()[:3])]
            serve.send_signal(stop_signal)
            assert serve.wait(timeout=60) == 0
            _gone, alive = psutil.wait_procs(children, timeout=30)
            assert not alive, f"left running after {attempt} stop: {[p.cmdline() for p in alive]}"
            assert port_is_free(port)
            assert staged and not any(Path(folder).exists() for folder in staged)
        finally:
            if serve.poll() is None:
                serve.kill()
                serve.wait()
        assert f"http://127.0.0.1:{port}/" in serve.stdout.read()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.com"])
def test_serve_refuses_any_address_but_loopback_and_points_to_the_hub(tmp_path: Path, host: str) -> None:
    workbook = write_sales_workbook(tmp_path / "workbook")
    port = free_port()
    serve = start_serve(workbook, port, "--host", host)
    output, _ = serve.communicate(timeout=60)
    assert serve.returncode != 0
    assert "salesplan hub" in output and "--host" in output and "Traceback" not in output
    assert port_is_free(port)


def test_the_preheated_pool_matches_the_cap_but_holds_at_most_a_quarter_of_available_memory() -> None:
    gib, kernel = 1024**3, KERNEL_MEMORY_MB * 1024**2
    assert default_pool_size(4, 64 * gib) == 4  # plenty of memory: a heated kernel for every page allowed
    assert default_pool_size(4, 4 * gib) == int(gib // kernel)  # a quarter of 4 GiB holds 2 kernels
    assert default_pool_size(4, 4 * gib) * kernel <= gib
    assert default_pool_size(4, 3 * kernel) == 0  # too little to spare: pages start their own kernels
    assert 0 <= default_pool_size(default_max_kernels()) <= default_max_kernels()


def test_the_kernel_cap_follows_available_memory_and_cpu_cores() -> None:
    gib = 1024**3
    assert default_max_kernels(0, cores=64) == 1
    fit = int(4 * gib * 0.6 // (KERNEL_MEMORY_MB * 1024**2))
    assert default_max_kernels(4 * gib, cores=64) == fit // 2  # the other half: the preheated pool
    assert default_max_kernels(10_000 * gib, cores=64) == 64
    assert default_max_kernels(10_000 * gib, cores=2) == 4
    assert default_max_kernels() >= 1


@pytest.mark.parametrize(
    ("locale", "busy"),
    [("en", "The dashboards are busy right now"), ("zh_CN", "看板当前繁忙")],
)
def test_views_beyond_the_kernel_cap_get_a_busy_page_in_the_plans_language(
    tmp_path: Path, locale: str, busy: str
) -> None:
    workbook = write_sales_workbook(tmp_path / "workbook", locale=locale)
    port = free_port()
    url = f"http://127.0.0.1:{port}/voila/render/overview.ipynb"
    serve = start_serve(workbook, port, "--max-kernels", "1")
    try:
        status, page = wait_for_page(url)
        assert status == 200 and "application/vnd.jupyter.widget-view+json" in page
        # the pool's kernel (pool size = cap = 1) did not count against the cap: the first view got it
        status, page = fetch(url)  # the first view's kernel is still alive: no room for a second
        assert status == 503 and busy in page
        assert "Traceback" not in page and str(workbook.resolve()) not in page
        kernels = [c for c in serve_children(serve) if "ipykernel" in " ".join(c.cmdline())]
        assert len(kernels) <= 2  # the first view's and the pool's refill: none for the refused view
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)


@pytest.mark.browser
def test_with_the_default_culling_kernels_of_a_bare_get_and_a_closed_page_are_gone_within_a_minute(
    tmp_path: Path,
) -> None:
    from playwright.sync_api import sync_playwright

    workbook = write_sales_workbook(tmp_path / "workbook")
    port = free_port()
    url = f"http://127.0.0.1:{port}/voila/render/overview.ipynb"
    serve = start_serve(workbook, port, "--max-kernels", "2")  # default culling; a preheated pool of 2
    try:
        wait_for_page(f"http://127.0.0.1:{port}/voila/tree")
        voila = next(c for c in serve_children(serve) if "voila" in " ".join(c.cmdline()[:3]))
        deadline = time.monotonic() + 120
        while len(kernel_processes(voila)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        served = kernel_processes(voila)  # the pool: the two views below take these two
        for kernel in served:
            _heated(kernel)
        status, _page = fetch(url)  # a client that never runs the page's JavaScript
        assert status == 200
        with sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                page = browser.new_page()
                page.goto(url, timeout=120_000)
                page.wait_for_selector(".bqplot svg", state="visible", timeout=120_000)
                page.close()
                closed = time.monotonic()
            finally:
                browser.close()
        _gone, alive = psutil.wait_procs(served, timeout=max(1, 60 - (time.monotonic() - closed)))
        assert not alive, "a kernel of the bare GET or the closed page outlived a minute"
        deadline = time.monotonic() + 120  # the pool refills one heating kernel at a time
        while len(kernel_processes(voila)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(kernel_processes(voila)) == 2  # the pool, refilled: nothing else
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)


def _heated(kernel: psutil.Process, quiet: float = 3.0, limit: float = 180.0) -> None:
    """Wait until a pooled kernel has run its notebook up to the request (no CPU used for `quiet` s)."""
    deadline, since = time.monotonic() + limit, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        if kernel.cpu_percent(interval=0.5) > 1:
            since = time.monotonic()
    assert time.monotonic() < deadline, "the pooled kernel never finished heating"


@pytest.mark.browser
def test_a_preheated_page_shows_the_workbook_as_it_is_when_the_page_is_asked_for(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    workbook = write_sales_workbook(tmp_path / "workbook")
    settings = ServeSettings(port=free_port(), preheat=True, pool_size=1, preheat_only=("overview",))
    staging = stage_dashboards(workbook)
    process = start_voila(staging, settings, timeout=90)
    try:
        deadline = time.monotonic() + 120
        while not kernel_processes(psutil.Process(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.5)
        (pooled,) = kernel_processes(psutil.Process(process.pid))
        _heated(pooled)  # it has opened the workbook and built the view, unseen
        plan = workbook / "plan.yaml"
        text = plan.read_text(encoding="utf-8")
        old_name = next(line for line in text.splitlines() if line.startswith("name:"))
        plan.write_text(text.replace(old_name, "name: Renamed While Served"), encoding="utf-8")
        with sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{settings.port}/voila/render/overview.ipynb", timeout=120_000)
                page.wait_for_selector(".bqplot svg", state="visible", timeout=120_000)
                heading = page.inner_text(".salesplan-overview h2")
            finally:
                browser.close()
        assert heading.startswith("Renamed While Served")
        log = (staging.parent / "voila.log").read_text(encoding="utf-8")
        assert "Using pre-heated kernel: " in log  # the page did get the heated kernel
    finally:
        stop_voila(process)


def pool_kernels(server: psutil.Process, port: int) -> dict[str, bool]:
    """Every kernel the server runs, by kernel id (from its connection file's name): whether it has run its
    notebook up to the page's request, i.e. holds the socket `voila.utils.wait_for_request` opens to Voila
    (a kernel still starting or heating does not yet)."""
    kernels = {}
    for kernel in kernel_processes(server):
        with contextlib.suppress(psutil.Error, StopIteration):
            kernel_id = next(
                m.group(1) for a in kernel.cmdline() if (m := re.search(r"kernel-([0-9a-f-]+)\.json$", a))
            )
            kernels[kernel_id] = any(c.raddr and c.raddr.port == port for c in kernel.net_connections("tcp"))
    return kernels


def test_a_burst_that_empties_the_pool_refills_it_one_heating_kernel_at_a_time(tmp_path: Path) -> None:
    workbook = write_sales_workbook(tmp_path / "workbook")
    port, pool = free_port(), 3
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/voila/render/overview.ipynb"
    serve = start_serve(workbook, port, "--max-kernels", "6", "--pool-size", str(pool))
    try:
        wait_for_page(f"{base}/voila/tree")
        voila = next(c for c in serve_children(serve) if "voila" in " ".join(c.cmdline()[:3]))

        def watch_pool(claimed: set[str], limit: float = 300) -> int:
            """Poll until `pool` kernels besides `claimed` run, all heated; the most seen heating at once.
            No refill starts while more than one claimed page is still being served (never connected:
            until culled; a kernel being shut down is gone from Voila within its 5 s shutdown wait)."""
            most, deadline, checked = 0, time.monotonic() + limit, not claimed
            while time.monotonic() < deadline:
                fresh = {k: heated for k, heated in pool_kernels(voila, port).items() if k not in claimed}
                heating = sum(not heated for heated in fresh.values())
                most = max(most, heating)
                if fresh and not checked:  # the first refill has started
                    checked = True
                    time.sleep(6)
                    served = [k for k in claimed if fetch(f"{base}/api/kernels/{k}")[0] == 200]
                    assert len(served) <= 1, "the pool refilled while 2+ pages were served"
                if len(fresh) == pool and not heating:
                    return most
                time.sleep(0.1)
            raise AssertionError(f"the pool of {pool} was not full and heated within {limit} s")

        assert watch_pool(set()) == 1  # at start-up too, the pool heats one kernel at a time (2 cores)
        time.sleep(1)  # Voila counts a kernel heated within a poll (0.25 s) of its socket opening
        with ThreadPoolExecutor(pool) as viewers:  # three views at once take the whole pool
            pages = list(viewers.map(lambda _: fetch(url), range(pool)))
        assert all(status == 200 for status, _page in pages)
        claimed = {re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1) for _status, page in pages}
        assert len(claimed) == pool
        assert watch_pool(claimed) == 1  # refilled, never more than one kernel heating at a moment
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
    assert serve.stdout.read().count("Using pre-heated kernel: ") == pool


def test_one_pool_kernel_heats_at_a_time_per_two_cores() -> None:
    assert default_max_heating(1) == 1 and default_max_heating(2) == 1
    assert default_max_heating(8) == 4

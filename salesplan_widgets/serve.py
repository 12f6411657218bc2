"""`salesplan serve`: publish a workbook's dashboards read-only through Voila, and keep the server up.

The dashboards the plan names are copied from `templates/dashboards/` into a private staging folder
(WORKBOOK/.cache/serve/) with the workbook's absolute path injected as a parameter, and Voila serves that
folder only. So the plan, the data files and everything else in the workbook are unreachable over HTTP;
sources are stripped, tracebacks are never sent to viewers, and the server binds 127.0.0.1 unless told
otherwise. Voila 0.5 leaves the kernel of a closed page running (its shutdown request is refused), so
idle kernels without a connection are culled. This module must never serve the workbook folder itself.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat

from salesplan_widgets.errors import InputError, PlanError, Problem, RunError
from salesplan_widgets.i18n import _
from salesplan_widgets.paths import templates_dir
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.plan import PLAN_FILE

STAGING_DIR = Path(".cache") / "serve"
DASHBOARD_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class ServeSettings:
    """How Voila runs: address, look, and when the kernels of closed pages are reclaimed.

    A kernel with no open page is shut down after `cull_idle_timeout` seconds of idleness, checked every
    `cull_interval` seconds. Open pages keep their kernel unless `cull_connected` is set.
    Preheating is off by default: the plain dashboard already renders within 1.3x of a bare Voila page
    (benchmarks/bench_dashboard.py), while a preheated pool keeps `pool_size` idle kernels per dashboard,
    shows data read when the kernel was heated, and refills too slowly for back-to-back views here.
    """

    port: int = 8866
    host: str = "127.0.0.1"
    open_browser: bool = False
    theme: str = "light"
    cull_idle_timeout: int = 600
    cull_interval: int = 60
    cull_connected: bool = False
    preheat: bool = False
    pool_size: int = 1


def dashboard_template(name: str) -> Path:
    """The template notebook of a dashboard named in the plan (a plain name, never a path)."""
    if not DASHBOARD_NAME.fullmatch(name):
        raise PlanError(
            Problem(
                file=PLAN_FILE,
                column="reports.dashboards",
                expected=_("a dashboard name made of letters, digits, '-' and '_'"),
                fix=_("use the name of a notebook in templates/dashboards/, without '.ipynb'"),
                found=name,
            )
        )
    path = templates_dir() / "dashboards" / f"{name}.ipynb"
    if not path.is_file():
        raise PlanError(
            Problem(
                file=PLAN_FILE,
                column="reports.dashboards",
                expected=_("a dashboard template templates/dashboards/{name}.ipynb").format(name=name),
                fix=_("remove '{name}' from reports.dashboards or add the template").format(name=name),
                found=name,
            )
        )
    return path


def stage_dashboards(workbook: Path) -> Path:
    """Write the plan's dashboards, with the workbook path injected, into a fresh staging folder.

    The folder holds nothing but those notebooks: it is the whole of what Voila can see.
    """
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    book = open_workbook(workbook)
    templates = [dashboard_template(name) for name in book.plan.reports.dashboards]
    if not templates:
        raise PlanError(
            Problem(
                file=str(book.path / PLAN_FILE),
                column="reports.dashboards",
                expected=_("at least one dashboard to serve"),
                fix=_("list dashboards under reports.dashboards, e.g. [overview]"),
            )
        )
    staging = book.path / STAGING_DIR
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for template in templates:
        notebook = load_notebook_node(str(template))  # papermill's reader adds the tags it expects
        notebook = parameterize_notebook(notebook, {"workbook": str(book.path)})
        nbformat.write(notebook, staging / template.name)
    return staging


def voila_command(staging: Path, settings: ServeSettings | None = None) -> list[str]:
    """The Voila command line serving only `staging`, read-only, with idle kernels culled."""
    s = settings or ServeSettings()
    command = [
        sys.executable,
        "-m",
        "voila",
        str(staging),
        f"--Voila.ip={s.host}",
        f"--port={s.port}",
        "--Voila.port_retries=0",
        f"--Voila.open_browser={s.open_browser}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        f"--theme={s.theme}",
        "--VoilaConfiguration.allow_theme_override=NO",
        f"--MappingKernelManager.cull_idle_timeout={s.cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={s.cull_interval}",
        f"--MappingKernelManager.cull_connected={s.cull_connected}",
        "--MappingKernelManager.cull_busy=False",
    ]
    if s.preheat:
        command += ["--preheat_kernel=True", f"--pool_size={s.pool_size}"]
    return command


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (for tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start_voila(staging: Path, settings: ServeSettings, timeout: float = 60.0) -> subprocess.Popen:
    """Start Voila on `staging` in the background and return once it answers HTTP (or raise RunError).

    Its log goes to voila.log beside the staging folder (never inside it, where it would be served).
    """
    log_path = staging.parent / "voila.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            voila_command(staging, settings),
            cwd=staging,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://{settings.host}:{settings.port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RunError("voila", _("Voila stopped at start-up: {error}").format(error=tail))
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop_voila(process)
    raise RunError("voila", _("Voila did not answer within {seconds} seconds").format(seconds=int(timeout)))


def stop_voila(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop a Voila started by `start_voila`; Voila shuts its kernels down on the way out."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(workbook: Path, port: int = 8866, host: str = "127.0.0.1", open_browser: bool = False) -> int:
    """Stage the dashboards and run Voila on them until interrupted; returns Voila's exit code."""
    workbook = Path(workbook)
    if not workbook.exists():
        raise InputError(
            Problem(
                file=str(workbook),
                expected=_("a workbook folder holding plan.yaml"),
                fix=_("create one with `salesplan init` or `salesplan demo`"),
            )
        )
    staging = stage_dashboards(workbook)
    settings = ServeSettings(port=port, host=host, open_browser=open_browser)
    print(
        _("Serving the dashboards of {workbook} at http://{host}:{port}/ (Ctrl-C stops)").format(
            workbook=workbook.resolve(), host=host, port=port
        )
    )
    process = subprocess.Popen(voila_command(staging, settings), cwd=staging)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            return process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

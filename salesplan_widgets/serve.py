"""`salesplan serve`: publish a workbook's dashboards read-only through Voila, for one analyst, and keep the
server up.

The dashboards the plan names are copied from `templates/dashboards/` into a private staging folder outside
the workbook (a temporary folder removed on exit) with the workbook's absolute path injected as a
parameter, and Voila serves that folder only. So the plan, the data files and everything else in the
workbook are unreachable over HTTP, and serving leaves the workbook byte-identical: the cube cache is warmed
before Voila starts, and every dashboard opens the workbook read-only. Sources are stripped, tracebacks are
never sent to viewers, and the server binds a loopback address only: there is no sign-in, so anything
wider is refused with a pointer to `salesplan hub`.

A closed page shuts its kernel down at once: standalone Voila 0.5 never set the `_xsrf` cookie its page's
shutdown request carries, so that request was refused; `page_close` sets it (the XSRF check stays on).
Voila starts a kernel for every GET, and a client that never runs the page's script (curl, a crashed
browser) never asks for the shutdown, so idle kernels without a connection are still culled within a minute.
A cap on live kernels (derived from available memory and CPU cores) turns extra views into a "busy, try
again shortly" page. SIGTERM and SIGINT stop Voila and every kernel. This module must never serve the
workbook folder itself.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat

from salesplan_widgets.errors import InputError, PlanError, Problem, RunError
from salesplan_widgets.i18n import _
from salesplan_widgets.paths import templates_dir
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.plan import PLAN_FILE

STAGING_PREFIX = "salesplan-serve-"
DASHBOARD_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
# Resident memory of one dashboard kernel with pandas, DuckDB, bqplot and a workbook's cube loaded, with
# headroom (~340 MiB for a preheated overview kernel on the demo; benchmarks/bench_viewers.py).
KERNEL_MEMORY_MB = 350
# Share of the memory available at start-up that kernels may take; the rest stays for Voila and the machine.
KERNEL_MEMORY_SHARE = 0.6
# Pages rendering at once per CPU core: beyond this every page slows until all time out together
# (benchmarks/bench_viewers.py: 8 heated pages on 2 busy cores took longer to connect than the idle
# timeout), so extra viewers are better told "busy" at once.
KERNELS_PER_CORE = 2
MAX_KERNELS_CEILING = 64
# Share of the memory available at start-up that the preheated pool may hold while nobody is looking: the
# pool waits for viewers all day, so on a laptop it must leave room for everything else.
POOL_MEMORY_SHARE = 0.25


def default_max_kernels(available_bytes: int | None = None, cores: int | None = None) -> int:
    """How many pages this machine serves at once: half the kernels available memory fits (the other half
    holds as many preheated ones), at most 2 per CPU core (at least 1, at most 64)."""
    if available_bytes is None:
        import psutil

        available_bytes = psutil.virtual_memory().available
    cores = cores or os.cpu_count() or 1
    fit = int(available_bytes * KERNEL_MEMORY_SHARE // (KERNEL_MEMORY_MB * 1024 * 1024))
    return max(1, min(MAX_KERNELS_CEILING, fit // 2, KERNELS_PER_CORE * cores))


def default_max_heating(cores: int | None = None) -> int:
    """How many preheated kernels heat at once: one per two CPU cores (at least one), so that heating the
    pool leaves a core to the pages being drawn."""
    return max(1, (cores or os.cpu_count() or 1) // 2)


def default_pool_size(max_kernels: int, available_bytes: int | None = None) -> int:
    """How many landing-page kernels to keep heated: as many as pages may be open at once (a burst of
    viewers finds them ready), but no more than a quarter of available memory holds (0: none)."""
    if available_bytes is None:
        import psutil

        available_bytes = psutil.virtual_memory().available
    fit = int(available_bytes * POOL_MEMORY_SHARE // (KERNEL_MEMORY_MB * 1024 * 1024))
    return max(0, min(max_kernels, fit))


@dataclass(frozen=True)
class ServeSettings:
    """How Voila runs: address, look, and when the kernels of closed pages are reclaimed.

    A closed page asks Voila to shut its kernel down (`page_close`); a kernel with no open page that never
    asked (curl, a crashed browser) is shut down after `cull_idle_timeout` seconds of idleness, checked every
    `cull_interval` seconds (40 + 10: gone within a minute). Open pages keep their
    kernel unless `cull_connected` is set. `max_kernels` caps live kernels (0: no cap); extra views get
    `busy_message`.
    With `preheat`, Voila keeps `pool_size` kernels per dashboard (those in `preheat_only`, if given)
    started ahead (its pool): each has imported the libraries and built the view once, unseen, before anyone
    asks, and reads the workbook again when a page claims it, so a view costs a fraction of a cold kernel.
    Pooled kernels serve nobody, so they do not count against `max_kernels`; a dashboard without a pool
    starts a kernel per view. A used pooled kernel is replaced no sooner than `refill_delay` seconds later,
    `max_heating` kernels heating at a time, and only while at most `refill_while_drawing` pages are being
    drawn (`kernel_cap`), so that heating the replacements (seconds of CPU each) does not slow the burst of
    views that emptied the pool; meanwhile views start their own kernels.
    """

    port: int = 8866
    host: str = "127.0.0.1"
    open_browser: bool = False
    theme: str = "light"
    cull_idle_timeout: int = 40
    cull_interval: int = 10
    cull_connected: bool = False
    preheat: bool = False
    pool_size: int = 1
    preheat_only: tuple[str, ...] = ()
    refill_delay: float = 20.0
    max_heating: int = 1
    refill_while_drawing: int = 1
    max_kernels: int = 0
    busy_message: str = ""


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


def warm_cache(book: Workbook) -> None:
    """Compute and cache what the dashboards read (the cube, the product cube when the incentives need it,
    and the per-deal facts when they pay on them), so that served pages, which open the workbook read-only,
    find it ready instead of each counting the transactions again."""
    from salesplan_widgets.workbook.deals import cached_deal_facts
    from salesplan_widgets.workbook.payouts import incentives_of, needs_products

    book.cube()
    if book.plan.incentives is not None:
        section = incentives_of(book)
        if needs_products(section):
            book.cube(by_product=True)
        cached_deal_facts(book, section)


def stage_dashboards(workbook: Path, warm: bool = True) -> Path:
    """Write the plan's dashboards, with the workbook path injected, into a fresh private staging folder
    outside the workbook (remove it with `remove_staging`); warm the workbook's cube cache first.

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
    if warm:
        warm_cache(book)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX)) / "dashboards"
    staging.mkdir()
    for template in templates:
        notebook = load_notebook_node(str(template))  # papermill's reader adds the tags it expects
        notebook = parameterize_notebook(notebook, {"workbook": str(book.path)})
        nbformat.write(notebook, staging / template.name)
    return staging


def remove_staging(staging: Path) -> None:
    """Remove a folder made by `stage_dashboards` (and Voila's log beside it); anything else is left alone."""
    root = Path(staging).parent
    if root.name.startswith(STAGING_PREFIX) and Path(staging).name == "dashboards":
        shutil.rmtree(root, ignore_errors=True)


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
        "--VoilaConfiguration.multi_kernel_manager_class=salesplan_widgets.kernel_cap.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={s.max_kernels}",
        # sets the _xsrf cookie that a closing page needs to shut its kernel down (the XSRF check stays on)
        "--Voila.identity_provider_class=salesplan_widgets.page_close.PageCloseIdentityProvider",
    ]
    if s.busy_message:
        command.append(f"--CappedKernelManager.busy_message={s.busy_message}")
    if s.preheat and s.pool_size > 0:
        command += ["--preheat_kernel=True", f"--pool_size={s.pool_size}"]
        command += [
            f"--VoilaKernelManager.fill_delay={s.refill_delay}",
            f"--CappedKernelManager.max_heating={s.max_heating}",
            f"--CappedKernelManager.refill_while_drawing={s.refill_while_drawing}",
        ]
        if s.preheat_only:
            cold = sorted(p.name for p in Path(staging).glob("*.ipynb") if p.stem not in s.preheat_only)
            # Voila matches the denylist against each notebook's absolute path, as a substring
            command += [f"--VoilaKernelManager.preheat_denylist=/{name}" for name in cold]
    return command


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (for tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def check_loopback(host: str) -> None:
    """Refuse any address but a loopback one: `salesplan serve` has no sign-in, so it is for this machine."""
    with contextlib.suppress(ValueError):
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return
    raise InputError(
        Problem(
            file="salesplan serve",
            column="--host",
            expected=_("a loopback address such as 127.0.0.1 (serve has no sign-in)"),
            found=host,
            fix=_("to share the dashboards with others, run `salesplan hub WORKBOOK`, which signs users in"),
        )
    )


def _launch(staging: Path, settings: ServeSettings, **popen) -> subprocess.Popen:
    # its own session: a terminal's Ctrl-C reaches `salesplan serve`, which then stops Voila in order
    process = subprocess.Popen(voila_command(staging, settings), cwd=staging, start_new_session=True, **popen)
    process.salesplan_staging = staging  # removed by stop_voila
    return process


def start_voila(staging: Path, settings: ServeSettings, timeout: float = 60.0) -> subprocess.Popen:
    """Start Voila on `staging` in the background and return once it answers HTTP (or raise RunError).

    Its log goes to voila.log beside the staging folder (never inside it, where it would be served).
    """
    log_path = staging.parent / "voila.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = _launch(staging, settings, stdout=log, stderr=subprocess.STDOUT)
    try:
        stopped = await_answer(process, f"http://{settings.host}:{settings.port}/", log_path, timeout)
    except TimeoutError:
        stop_voila(process)
        raise RunError(
            "voila", _("Voila did not answer within {seconds} seconds").format(seconds=int(timeout))
        ) from None
    if stopped is not None:
        raise RunError("voila", _("Voila stopped at start-up: {error}").format(error=stopped))
    return process


def await_answer(process: subprocess.Popen, url: str, log_path: Path, timeout: float) -> str | None:
    """Wait until a server we started answers `url` with 200 (None), or exits (the tail of its log);
    TimeoutError after `timeout` seconds. How Voila and the hub are both waited for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return None
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def _descendants(pid: int) -> list:
    import psutil

    with contextlib.suppress(psutil.NoSuchProcess):
        return psutil.Process(pid).children(recursive=True)
    return []


def stop_voila(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop a Voila started here and every kernel it started; remove its staging folder.

    Voila shuts its kernels down on SIGTERM; a kernel that outlives it (Voila killed after `timeout`, a
    kernel stuck in a cell) is terminated, then killed, so nothing is left holding memory or the port.
    """
    import psutil

    kernels = _descendants(process.pid)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _gone, alive = psutil.wait_procs(kernels, timeout=5)
    for survivor in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            survivor.terminate()
    _gone, alive = psutil.wait_procs(alive, timeout=5)
    for survivor in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            survivor.kill()
    staging = getattr(process, "salesplan_staging", None)
    if staging is not None:
        remove_staging(staging)


class _Stop(Exception):
    """Raised in the main thread by SIGTERM/SIGINT so that `serve` stops Voila on its way out."""


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    def stop(signum, _frame):
        raise _Stop(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve(
    workbook: Path,
    port: int = 8866,
    host: str = "127.0.0.1",
    open_browser: bool = False,
    max_kernels: int | None = None,
    pool_size: int | None = None,
) -> int:
    """Stage the dashboards and run Voila on them until SIGTERM/SIGINT; returns 0 when stopped by a signal,
    else Voila's exit code. Either way Voila, its kernels and the staging folder are gone on return.

    The plan's first dashboard is the landing page every viewer opens: `pool_size` kernels for it are
    preheated (default: `default_pool_size`, as many as the cap within a quarter of available memory;
    0: none)."""
    check_loopback(host)
    workbook = Path(workbook)
    if not workbook.exists():
        raise InputError(
            Problem(
                file=str(workbook),
                expected=_("a workbook folder holding plan.yaml"),
                fix=_("create one with `salesplan init` or `salesplan demo`"),
            )
        )
    if max_kernels is not None and max_kernels < 1:
        raise InputError(
            Problem(
                file="salesplan serve",
                column="--max-kernels",
                expected=_("a whole number of kernels, 1 or more"),
                found=str(max_kernels),
                fix=_("leave it out to derive the cap from memory and CPU cores"),
            )
        )
    if pool_size is not None and pool_size < 0:
        raise InputError(
            Problem(
                file="salesplan serve",
                column="--pool-size",
                expected=_("a whole number of preheated kernels, 0 or more"),
                found=str(pool_size),
                fix=_(
                    "leave it out to preheat as many kernels as the cap allows pages, within a quarter of memory"
                ),
            )
        )
    staging = stage_dashboards(workbook)  # opens the workbook: messages below follow the plan's language
    cap = max_kernels or default_max_kernels()
    settings = ServeSettings(
        port=port,
        host=host,
        open_browser=open_browser,
        max_kernels=cap,
        busy_message=_("The dashboards are busy right now. Please try again shortly."),
        preheat=True,
        pool_size=default_pool_size(cap) if pool_size is None else pool_size,
        preheat_only=(open_workbook(workbook).plan.reports.dashboards[0],),
        max_heating=default_max_heating(),
    )
    print(
        _("Serving the dashboards of {workbook} at http://{host}:{port}/ (Ctrl-C stops)").format(
            workbook=workbook.resolve(), host=host, port=port
        )
    )
    print(
        _("At most {n} dashboard pages are open at once; more get a 'busy' page.").format(
            n=settings.max_kernels
        )
    )
    print(
        _(
            "{n} kernels of the first dashboard wait heated for viewers (about {mb} MB); --pool-size changes it."
        ).format(n=settings.pool_size, mb=settings.pool_size * KERNEL_MEMORY_MB)
    )
    sys.stdout.flush()
    with _stopped_by_signals():
        process = None
        try:
            process = _launch(staging, settings)
            return process.wait()
        except _Stop:
            return 0
        finally:
            if process is not None:
                stop_voila(process)
            else:
                remove_staging(staging)

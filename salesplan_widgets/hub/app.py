"""Prepare and run a JupyterHub for one workbook: sign-in, a role per user, and a scope per server.

`prepare_hub` checks the plan's `access` section against the data, creates an OS account per dashboard
user, publishes their extracts, stages their dashboards and writes jupyterhub_config.py into a private
state folder (the hub's database and cookie secret live there too). `run_hub` starts JupyterHub with the
real configurable-http-proxy and stops it, the proxy and every user's server on SIGTERM or Ctrl-C.
This module must never give a dashboard user's server a path to the workbook itself.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from salesplan_widgets.errors import InputError, PlanError, Problem, SalesplanError
from salesplan_widgets.hub.accounts import check_interpreter_reachable, ensure_account, runtime_dir
from salesplan_widgets.i18n import _
from salesplan_widgets.serve import await_answer
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.inbox import WRITE_ACTIONS, import_inbox, prepare_inbox
from salesplan_widgets.workbook.plan import PLAN_FILE
from salesplan_widgets.workbook.publish import (
    ROLE_DASHBOARDS,
    os_account,
    publish,
    role_dashboards,
    state_dir,
)
from salesplan_widgets.workbook.workbook import Workbook

PASSWORD_ENV = "SALESPLAN_HUB_PASSWORD"
CHP_ENV = "SALESPLAN_CHP"
HUB_DIR, HOMES_DIR, DASHBOARDS_DIR = "hub", "home", "dashboards"
CONFIG_FILE = "jupyterhub_config.py"
SERVER_CONFIG_FILE = "dashboard_server_config.py"


@dataclass(frozen=True)
class HubSettings:
    """Where the hub listens and how it signs people in.

    Without `extra_config`, users sign in with one shared password from $SALESPLAN_HUB_PASSWORD (for
    trials and tests). A production sign-in (OAuth, LDAP) goes in `extra_config`, a Python config file
    loaded after ours: see docs/serving.md.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    extra_config: Path | None = None
    cull_idle_timeout: int = 60
    cull_interval: int = 20
    environment: dict[str, str] = field(default_factory=dict)


def proxy_command() -> str:
    """The configurable-http-proxy executable: $SALESPLAN_CHP, the Makefile's local npm install, or PATH."""
    candidates = [
        os.environ.get(CHP_ENV),
        str(Path(__file__).resolve().parents[2] / ".cache" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"),
        shutil.which("configurable-http-proxy"),
    ]  # fmt: skip
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise SalesplanError(
        _(
            "configurable-http-proxy was not found. Install it with `make test-deps` or "
            "`npm install -g configurable-http-proxy`, or name it in ${variable}."
        ).format(variable=CHP_ENV),
    )


def _check_workbook_private(book: Workbook) -> None:
    """The hub's users must not be able to read the workbook: only their extracts."""
    mode = book.path.stat().st_mode
    if mode & 0o007:
        raise InputError(
            Problem(
                file=str(book.path),
                expected=_("a workbook folder that other OS users cannot open (no permissions for 'other')"),
                found=oct(mode & 0o777),
                fix=_("run `chmod o-rwx {path}`; signed-in users read only their published extracts").format(
                    path=book.path
                ),
            )
        )


def _stage_dashboards(
    user: str, role: str, dashboards: list[str], extract: Path, inbox: Path | None, folder: Path, gid: int
) -> str:
    """Write the user's dashboard notebooks (their extract's path fixed inside); return the first one."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    names = [name for name in ROLE_DASHBOARDS[role] if name in dashboards]
    for name in names:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [
            nbformat.v4.new_code_cell(
                f"extract = {str(extract)!r}\ninbox = {str(inbox) if inbox else None!r}",
                metadata={"tags": ["parameters"]},
            ),
            nbformat.v4.new_code_cell(
                "from salesplan_widgets.hub.scoped import scoped_dashboard\n\n"
                f"scoped_dashboard(extract, {name!r}, inbox=inbox)"
            ),
        ]
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(notebook, folder / f"{name}.ipynb")
    for path in [folder, *folder.iterdir()]:
        os.chown(path, 0, gid)
        path.chmod(0o750 if path.is_dir() else 0o640)
    if not names:
        raise PlanError(
            Problem(
                file=PLAN_FILE,
                column="reports.dashboards",
                expected=_("a dashboard for the role {role}: one of {names}").format(
                    role=role, names=", ".join(ROLE_DASHBOARDS[role])
                ),
                fix=_("add it to reports.dashboards"),
                found=user,
            )
        )
    return names[0]


def _server_config(settings: HubSettings) -> str:
    return f"""\
# A dashboard-only single-user server: Voila and the hub extension, no Lab, terminals or file APIs.
c.ServerApp.jpserver_extensions = {{
    "jupyterlab": False, "jupyter_server_terminals": False, "notebook_shim": False, "notebook": False,
    "nbclassic": False, "jupyter_lsp": False, "voila": True,
}}
c.ServerApp.terminals_enabled = False
c.ServerApp.authorizer_class = "salesplan_widgets.hub.dashonly.DashboardOnlyAuthorizer"
c.VoilaConfiguration.strip_sources = True
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.file_allowlist = []
c.MappingKernelManager.cull_idle_timeout = {settings.cull_idle_timeout}
c.MappingKernelManager.cull_interval = {settings.cull_interval}
c.MappingKernelManager.cull_connected = False
"""


def _hub_config(book: Workbook, state: Path, accounts: dict, settings: HubSettings) -> str:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}),
        **settings.environment,
    }
    users = sorted(accounts)
    extra = (
        f"load_subconfig({str(Path(settings.extra_config).resolve())!r})\n" if settings.extra_config else ""
    )
    return f"""\
# Generated by `salesplan hub` for {str(book.path)!r}; regenerated at every start: edit the plan instead.
import os

c.JupyterHub.ip = {settings.host!r}
c.JupyterHub.port = {settings.port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {settings.hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy_command()!r}]
c.JupyterHub.db_url = {"sqlite:///" + str(state / HUB_DIR / "jupyterhub.sqlite")!r}
c.JupyterHub.cookie_secret_file = {str(state / HUB_DIR / "jupyterhub_cookie_secret")!r}
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# sign-in: a shared password for trials; a real provider comes from the extra config below
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ.get({PASSWORD_ENV!r}, "")
c.Authenticator.allowed_users = set({users!r})

c.JupyterHub.spawner_class = "salesplan_widgets.hub.spawner.SalesplanSpawner"
c.SalesplanSpawner.accounts = {json.dumps(accounts, indent=4, ensure_ascii=False)}
c.SalesplanSpawner.dashboard_config = {str(state / DASHBOARDS_DIR / SERVER_CONFIG_FILE)!r}
c.Spawner.cmd = [{sys.executable!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--KernelManager.transport=ipc"]
c.Spawner.environment = {environment!r}
c.Spawner.http_timeout = 90
c.Spawner.start_timeout = 120
# the kernel may confirm who is signed in (and in which groups) with the hub
c.Spawner.server_token_scopes = ["users:activity!user", "read:users:name!user"]
{extra}"""


def prepare_hub(
    workbook: Workbook | str | Path, state: Path | None = None, settings: HubSettings | None = None
) -> Path:
    """Check, create accounts, publish, stage and configure; return the generated jupyterhub_config.py."""
    settings = settings or HubSettings()
    book = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
    if os.geteuid() != 0:
        raise SalesplanError(_("the hub starts each user's server as their own OS user, which needs root"))
    if not settings.extra_config and not os.environ.get(PASSWORD_ENV):
        message = _(
            "no sign-in configured: set ${variable} (a shared password, for trials) or pass --config with an "
            "authenticator (docs/serving.md)"
        )
        raise SalesplanError(message.format(variable=PASSWORD_ENV))
    _check_workbook_private(book)
    if book.plan.access is None or not book.plan.access.users:
        publish(book, state)  # raises the plan error that says how to write the section
    state = Path(state or state_dir(book))
    for sub, mode in (("", 0o711), (HUB_DIR, 0o700), (HOMES_DIR, 0o711), (DASHBOARDS_DIR, 0o711)):
        (state / sub).mkdir(parents=True, exist_ok=True)
        (state / sub).chmod(mode)
    owner = pwd.getpwuid(book.path.stat().st_uid).pw_name
    accounts: dict[str, dict] = {}
    os_users = {}
    for name, user in sorted(book.plan.access.users.items()):
        if user.role == "analyst":
            accounts[name] = {
                "role": "analyst",
                "os_user": owner,
                "root_dir": str(book.path),
                "default_url": "/lab",
            }
        else:
            os_users[name] = ensure_account(name, state / HOMES_DIR / name)
    if os_users:
        check_interpreter_reachable(next(iter(os_users.values())))
    imported = import_inbox(book, state)  # what users sent while the hub was down
    for problem in imported.refused:
        print(_("Refused: {problem}").format(problem=problem), file=sys.stderr)
    extracts = publish(book, state)
    for name, account in os_users.items():
        role = book.plan.access.users[name].role
        folder = state / DASHBOARDS_DIR / name
        inbox = prepare_inbox(state, name) if WRITE_ACTIONS[role] else None
        first = _stage_dashboards(
            name, role, role_dashboards(book.plan, role), extracts[name], inbox, folder, account.pw_gid
        )
        accounts[name] = {
            "role": role,
            "os_user": os_account(name),
            "root_dir": str(folder),
            "default_url": f"/voila/render/{first}.ipynb",
            "runtime_dir": str(runtime_dir(account)),
        }
    server_config = state / DASHBOARDS_DIR / SERVER_CONFIG_FILE
    server_config.write_text(_server_config(settings), encoding="utf-8")
    server_config.chmod(0o644)
    config = state / HUB_DIR / CONFIG_FILE
    config.write_text(_hub_config(book, state, accounts, settings), encoding="utf-8")
    config.chmod(0o600)
    return config


def start_hub(config: Path, settings: HubSettings, timeout: float = 90.0) -> subprocess.Popen:
    """Start JupyterHub on a prepared config; return once it answers through the proxy (or raise RunError)."""
    log_path = config.parent / "jupyterhub.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=config.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        stopped = await_answer(
            process, f"http://{settings.host}:{settings.port}/hub/health", log_path, timeout
        )
    except TimeoutError:
        stop_hub(process)
        raise SalesplanError(
            _("JupyterHub did not answer within {seconds} seconds").format(seconds=int(timeout))
        ) from None
    if stopped is not None:
        raise SalesplanError(_("JupyterHub stopped at start-up: {error}").format(error=stopped))
    return process


def stop_hub(process: subprocess.Popen, timeout: float = 60.0) -> int:
    """Stop the hub: it stops the proxy and every user's server (whose kernels follow) on its way out."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


def run_hub(workbook: Path, state: Path | None = None, settings: HubSettings | None = None) -> int:
    """Prepare and run the hub until SIGTERM or Ctrl-C; then stop it and everything it started."""
    settings = settings or HubSettings()
    config = prepare_hub(workbook, state, settings)
    process = start_hub(config, settings)
    print(
        _("JupyterHub for {workbook} at http://{host}:{port}/ (SIGTERM or Ctrl-C stops it; log: {log})").format(
            workbook=Path(workbook).resolve(), host=settings.host, port=settings.port,
            log=config.parent / "jupyterhub.log",
        ),
        flush=True,
    )  # fmt: skip
    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        while process.poll() is None and not stopping:
            time.sleep(0.2)
    finally:
        code = stop_hub(process)
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0 if stopping else code

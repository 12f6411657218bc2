"""OS accounts for the hub's dashboard users: one per user, so no user's kernel can read another's files.

Each manager, finance user and rep runs as `salesplan-<name>` (a system account without a login shell,
in the shared group `salesplan-hub`), with a private home in the hub's state folder. Creating accounts
needs root, as starting servers as other users does.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _
from salesplan_widgets.workbook.publish import os_account

HUB_GROUP = "salesplan-hub"


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SalesplanError(
            _("{command} failed: {error}").format(command=" ".join(command), error=result.stderr.strip()),
        )


def ensure_hub_group() -> int:
    """The group every hub account belongs to (created if missing); returns its id."""
    try:
        return grp.getgrnam(HUB_GROUP).gr_gid
    except KeyError:
        _run(["groupadd", "--system", HUB_GROUP])
        return grp.getgrnam(HUB_GROUP).gr_gid


def ensure_account(user: str, home: Path) -> pwd.struct_passwd:
    """The OS account of hub user `user`, created if missing, with `home` as its private home."""
    name = os_account(user)
    ensure_hub_group()
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        nologin = shutil.which("nologin") or "/usr/sbin/nologin"
        _run(["useradd", "--system", "--user-group", "--groups", HUB_GROUP, "--home-dir", str(home),
              "--no-create-home", "--shell", nologin, name])  # fmt: skip
        account = pwd.getpwnam(name)
    if account.pw_dir != str(home):
        _run(["usermod", "--home", str(home), name])
        account = pwd.getpwnam(name)
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, account.pw_uid, account.pw_gid)
    home.chmod(0o700)
    _private_folder(runtime_dir(account), account)
    return account


def runtime_dir(account: pwd.struct_passwd) -> Path:
    """A short private folder for the kernels' IPC sockets: a socket path may not exceed 107 bytes."""
    return Path(tempfile.gettempdir()) / f"salesplan-{account.pw_uid}"


def _private_folder(folder: Path, account: pwd.struct_passwd) -> None:
    """`folder` owned by the account, mode 0700; anything else found at that name is removed first."""
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.is_dir() and (folder.stat().st_uid != account.pw_uid or folder.stat().st_mode & 0o077):
        shutil.rmtree(folder)
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chown(folder, account.pw_uid, account.pw_gid)


def check_interpreter_reachable(account: pwd.struct_passwd) -> None:
    """Fail early, with the fix, when a hub user's server could not even start Python and salesplan."""

    from jupyterhub.spawner import set_user_setuid  # as the spawner will start the server

    try:
        result = subprocess.run(
            [sys.executable, "-c", "import salesplan_widgets, voila, jupyterhub"],
            preexec_fn=set_user_setuid(account.pw_name, chdir=False), capture_output=True, text=True, cwd="/", timeout=120,
            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.environ.get("PYTHONPATH", ""), "HOME": account.pw_dir},
        )  # fmt: skip
        failed = result.returncode != 0
        error = result.stderr.strip()[-300:]
    except PermissionError as exc:
        failed, error = True, str(exc)
    if failed:
        raise SalesplanError(
            _(
                "the hub's users cannot run {python} ({error}). Install salesplan into a Python every user "
                "can read (e.g. under /opt or /usr/local), or let the group {group} traverse the folders "
                "above it (e.g. setfacl -m g:{group}:x /root)."
            ).format(python=sys.executable, error=error, group=HUB_GROUP),
        )


def grant_traversal(path: Path) -> list[Path]:
    """Let the group `salesplan-hub` traverse the folders above `path` that others may not; return them.

    For development and test machines whose Python lives under a private folder such as /root (the
    traversal right lists nothing); undo with `revoke_traversal`. Production installs Python where
    every user can run it.
    """
    granted = []
    for folder in [p for p in Path(path).parents if p != Path("/")]:
        if not folder.stat().st_mode & 0o001:
            _run(["setfacl", "-m", f"g:{HUB_GROUP}:x", str(folder)])
            granted.append(folder)
    return granted


def revoke_traversal(folders: list[Path]) -> None:
    for folder in folders:
        subprocess.run(["setfacl", "-x", f"g:{HUB_GROUP}", str(folder)], capture_output=True)

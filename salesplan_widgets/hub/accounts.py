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
from dataclasses import dataclass
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


def remove_account(user: str) -> bool:
    """Delete hub user `user`'s OS account (and its own group and IPC folder); True if there was one.

    For tests and for taking a user out of the hub: the account's home lives in the hub's state folder,
    which is removed with it, so nothing else is touched.
    """
    name = os_account(user)
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        return False
    shutil.rmtree(runtime_dir(account), ignore_errors=True)
    _run(["userdel", name])
    return True


def remove_hub_group() -> bool:
    """Delete the group `salesplan-hub` once no account is in it any more; True if it was deleted."""
    try:
        group = grp.getgrnam(HUB_GROUP)
    except KeyError:
        return False
    if group.gr_mem or any(p.pw_gid == group.gr_gid for p in pwd.getpwall()):
        return False
    _run(["groupdel", HUB_GROUP])
    return True


@dataclass(frozen=True)
class Traversal:
    """A traverse right given to `salesplan-hub` on `folder`; `had_acl` says whether the folder already
    gave rights to named users or groups, so that undoing it leaves no ACL (not even its mask) where there
    was none."""

    folder: Path
    had_acl: bool


def _acl(folder: Path) -> list[str]:
    """The folder's ACL entries as getfacl lists them (user::rwx, group:salesplan-hub:--x, mask::--x …)."""
    listing = subprocess.run(["getfacl", "--omit-header", "--absolute-names", str(folder)],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
    return listing.split()


def _named_entries(folder: Path) -> list[str]:
    return [line for line in _acl(folder) if line.startswith(("user:", "group:")) and line.split(":")[1]]


def grant_traversal(path: Path) -> list[Traversal]:
    """Let the group `salesplan-hub` traverse the folders above `path` that others may not; return them.

    For development and test machines whose Python lives under a private folder such as /root (the
    traversal right lists nothing); undo with `revoke_traversal`. Production installs Python where
    every user can run it.
    """
    granted = []
    for folder in [p for p in Path(path).parents if p != Path("/")]:
        if not folder.stat().st_mode & 0o001:
            had_acl = bool(_named_entries(folder))
            _run(["setfacl", "-m", f"g:{HUB_GROUP}:x", str(folder)])
            granted.append(Traversal(folder, had_acl))
    return granted


def revoke_traversal(granted: list[Traversal]) -> None:
    """Take back what `grant_traversal` gave: the group's entry, and the whole ACL (mask included) where
    the folder had none before, unless someone else added entries meanwhile."""
    for traversal in granted:
        subprocess.run(["setfacl", "-x", f"g:{HUB_GROUP}", str(traversal.folder)], capture_output=True)
        if not traversal.had_acl and not _named_entries(traversal.folder):
            subprocess.run(["setfacl", "-b", str(traversal.folder)], capture_output=True)

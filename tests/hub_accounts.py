"""OS accounts and the /root traversal right for the hub's tests, taken back at teardown even on failure.

The hub runs each dashboard user's server as the OS account `salesplan-<user>`, and the test machine's
Python lives under /root, so a test grants the group `salesplan-hub` traverse rights there. Both outlive
the test unless undone: `hub_accounts` deletes the accounts of `users` that it created or found left over
by an earlier run (home gone), the group once empty, and restores the ACL of every folder it granted.

Accounts, group and ACLs are the machine's, not a test's: two hubs' tests at once (two pytest-xdist workers,
or two people's runs) would delete each other's group and revoke each other's rights. `hub_accounts` holds
`HUB_LOCK` while inside, so a second one waits; the suite also keeps the hub modules on one worker
(`xdist_group("hub")`), so that a worker never waits on the other.
"""

from __future__ import annotations

import contextlib
import fcntl
import pwd
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import psutil

from salesplan_widgets.hub.accounts import (
    ensure_hub_group,
    grant_traversal,
    remove_account,
    remove_hub_group,
    revoke_traversal,
)
from salesplan_widgets.workbook.publish import os_account

# Not /tmp/hub.lock, which people take around a whole pytest run (`flock /tmp/hub.lock pytest …`): taking
# that file again from inside the run would wait for the run itself.
HUB_LOCK = Path(tempfile.gettempdir()) / "salesplan-hub-tests.lock"
_held = 0  # how deep this process is inside hub_lock(): a nested hub_accounts must not wait on itself


@contextlib.contextmanager
def hub_lock(blocking: bool = True) -> Iterator[None]:
    """While inside, no other process is inside hub_lock(); re-entered freely by the process holding it.
    Not blocking: BlockingIOError at once if another process holds it."""
    global _held
    if _held:
        _held += 1
        try:
            yield
        finally:
            _held -= 1
        return
    with HUB_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
        _held = 1
        try:
            yield
        finally:
            _held = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


def existing_accounts() -> set[str]:
    return {p.pw_name for p in pwd.getpwall()}


def _left_over(account: str) -> bool:
    """An account an earlier run left behind: its home (in a removed state folder) is gone."""
    try:
        return not Path(pwd.getpwnam(account).pw_dir).exists()
    except KeyError:
        return False


def _end_processes_of(accounts: set[str]) -> None:
    """Terminate, then kill, what still runs as accounts this test created (a server a failed test left)."""
    running = [p for p in psutil.process_iter(["username"]) if p.info["username"] in accounts]
    for process in running:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
    _gone, alive = psutil.wait_procs(running, timeout=10)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=10)


@contextlib.contextmanager
def hub_accounts(users: Iterable[str], traverse: bool = True) -> Iterator[None]:
    """While inside: the hub group exists and (with `traverse`) may reach this Python. On exit, whatever
    happened inside: the accounts of `users` created meanwhile or left over are deleted, the group too
    once empty, and the traversal rights are revoked. One process at a time is inside (`hub_lock`)."""
    with hub_lock():
        users = list(users)
        before = existing_accounts()
        stale = {os_account(user) for user in users if _left_over(os_account(user))}
        granted = []
        try:
            ensure_hub_group()
            if traverse:
                granted = grant_traversal(Path(sys.executable).resolve())
            yield
        finally:
            revoke_traversal(granted)
            created = [user for user in users if os_account(user) not in before or os_account(user) in stale]
            _end_processes_of({os_account(user) for user in created})
            for user in created:
                remove_account(user)
            remove_hub_group()  # only once no account is in it

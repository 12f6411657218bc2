"""`salesplan hub` set-up without starting a hub: its refusals, the accounts, the staged dashboards, the config."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from hub_accounts import existing_accounts, hub_accounts
from hub_workbook import write_workbook

from salesplan_widgets.errors import InputError, SalesplanError
from salesplan_widgets.hub.accounts import ensure_account
from salesplan_widgets.hub.app import (
    CONFIG_FILE,
    DASHBOARDS_DIR,
    HUB_DIR,
    SERVER_CONFIG_FILE,
    HubSettings,
    prepare_hub,
    proxy_command,
)
from salesplan_widgets.hub.dashonly import DashboardOnlyAuthorizer
from salesplan_widgets.hub.scoped import narrow_query
from salesplan_widgets.workbook.publish import os_account

ACCESS = """\
access:
  users:
    ana: {role: analyst}
    boss: {role: manager, teams: [East]}
    li: {role: rep, rep: Li Na}
"""
HUB_USERS = ("boss", "li")  # the dashboard users of ACCESS: each gets an OS account

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the hub creates OS accounts: needs root")


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    folder = write_workbook(tmp_path / "wb", ACCESS)
    folder.chmod(0o750)
    return folder


@pytest.fixture
def state():
    folder = Path(tempfile.mkdtemp(prefix="salesplan-hub-setup-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def python_reachable():
    """Hub users may run this machine's Python for the test's duration (see accounts.grant_traversal); the
    accounts the test creates are deleted afterwards."""
    with hub_accounts(HUB_USERS):
        yield


@pytest.fixture
def accounts_removed():
    """The accounts a refused set-up created on its way are deleted afterwards; no traversal right."""
    with hub_accounts(HUB_USERS, traverse=False):
        yield


@root_only
def test_a_workbook_other_users_could_open_is_refused_with_the_chmod_that_fixes_it(
    workbook, state, monkeypatch
):
    monkeypatch.setenv("SALESPLAN_HUB_PASSWORD", "x" * 12)
    workbook.chmod(0o755)
    with pytest.raises(InputError) as info:
        prepare_hub(workbook, state)
    assert f"chmod o-rwx {workbook}" in str(info.value)
    assert not (state / HUB_DIR).exists()  # nothing prepared


@root_only
def test_without_a_password_or_an_authenticator_config_the_hub_does_not_start(workbook, state, monkeypatch):
    monkeypatch.delenv("SALESPLAN_HUB_PASSWORD", raising=False)
    with pytest.raises(SalesplanError, match="no sign-in configured"):
        prepare_hub(workbook, state)


@root_only
@pytest.mark.skipif(
    all(p.stat().st_mode & 0o001 for p in Path(sys.executable).resolve().parents),
    reason="this machine's Python is reachable by every user anyway",
)
def test_a_python_the_hub_users_cannot_run_is_refused_with_the_fix(
    workbook, state, monkeypatch, accounts_removed
) -> None:
    monkeypatch.setenv("SALESPLAN_HUB_PASSWORD", "x" * 12)
    with pytest.raises(SalesplanError) as info:
        prepare_hub(workbook, state)
    assert "cannot run" in str(info.value) and "setfacl -m g:salesplan-hub:x" in str(info.value)


def test_cli_hub_reports_a_missing_sign_in_as_one_clear_error(workbook, state) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SALESPLAN_HUB_PASSWORD"}
    result = subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", "hub", str(workbook), "--state", str(state)],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Error:" in result.stderr


def test_the_proxy_named_in_the_environment_is_used(tmp_path, monkeypatch) -> None:
    chp = tmp_path / "configurable-http-proxy"
    chp.write_text("#!/bin/sh\n")
    monkeypatch.setenv("SALESPLAN_CHP", str(chp))
    assert proxy_command() == str(chp)


@root_only
def test_prepare_creates_accounts_stages_scoped_dashboards_and_a_private_config(
    workbook, state, monkeypatch, python_reachable
):
    monkeypatch.setenv("SALESPLAN_HUB_PASSWORD", "x" * 12)
    config = prepare_hub(workbook, state, HubSettings(port=18999))
    text = config.read_text()
    assert config == state / HUB_DIR / CONFIG_FILE
    assert stat.S_IMODE((state / HUB_DIR).stat().st_mode) == 0o700  # database, cookie secret, config
    assert "c.Authenticator.allowed_users = set(['ana', 'boss', 'li'])" in text
    assert "x" * 12 not in text  # the password is read from the environment at start, never written
    li = pwd.getpwnam(os_account("li"))
    assert li.pw_dir == str(state / "home" / "li") and li.pw_shell.endswith("nologin")
    staged = state / DASHBOARDS_DIR / "li"
    assert sorted(p.name for p in staged.iterdir()) == ["incentives.ipynb", "my_targets.ipynb"]
    assert sorted(p.name for p in (state / DASHBOARDS_DIR / "boss").iterdir()) == [
        "incentives.ipynb", "my_targets.ipynb", "overview.ipynb",
    ]  # fmt: skip
    assert staged.stat().st_gid == li.pw_gid and stat.S_IMODE(staged.stat().st_mode) == 0o750
    source = "".join(c.source for c in nbformat.read(staged / "my_targets.ipynb", 4).cells)
    assert str(state / "extracts" / "li") in source and str(workbook) not in source
    server = (state / DASHBOARDS_DIR / SERVER_CONFIG_FILE).read_text()
    assert '"jupyterlab": False' in server and "terminals_enabled = False" in server
    assert f"'root_dir': '{workbook}'" in text.replace('"', "'")  # analysts: Lab on the workbook


def test_the_dashboard_only_authorizer_allows_the_kernels_api_alone() -> None:
    authorizer = DashboardOnlyAuthorizer()
    assert authorizer.is_authorized(None, None, "execute", "kernels")
    for resource in ("contents", "files", "terminals", "sessions", "kernelspecs", "nbconvert", "server"):
        assert not authorizer.is_authorized(None, None, "read", resource), resource


def test_the_address_narrows_within_the_scope_and_anything_outside_it_is_dropped() -> None:
    teams, reps = {"East"}, {"Li Na", "Wang Fang"}
    assert narrow_query("team=East&rep=Li+Na&period=2026-02", teams, reps) == (
        "team=East&rep=Li+Na&period=2026-02",
        False,
    )
    assert narrow_query("rep=Zhao+Lei&period=2026-02", teams, reps) == ("period=2026-02", True)
    assert narrow_query("team=North", teams, reps) == ("", True)  # a team that exists, but not theirs
    assert narrow_query("team=Nowhere&rep=", teams, reps) == ("rep=", True)  # unknown: the same notice


def _acls_above_python() -> dict[str, str]:
    folders = [p for p in Path(sys.executable).resolve().parents if p != Path("/")]
    return {
        str(f): subprocess.run(["getfacl", "--absolute-names", str(f)], capture_output=True, text=True).stdout
        for f in folders
    }


@root_only
def test_hub_tests_take_back_their_accounts_and_traversal_rights_even_when_they_fail(tmp_path) -> None:
    acls = _acls_above_python()
    with pytest.raises(RuntimeError, match="a failing test"), hub_accounts(["hygiene"]):
        ensure_account("hygiene", tmp_path / "home")
        assert "salesplan-hygiene" in existing_accounts()
        granted = [acl for acl in _acls_above_python().values() if "group:salesplan-hub:--x" in acl]
        assert granted or all(p.stat().st_mode & 0o001 for p in Path(sys.executable).resolve().parents)
        raise RuntimeError("a failing test")
    assert "salesplan-hygiene" not in existing_accounts()
    assert _acls_above_python() == acls

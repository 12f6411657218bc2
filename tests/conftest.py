"""Shared test set-up: each test starts in English, whatever locale an earlier test's workbook set; and
which tests share a pytest-xdist worker (`make test` runs the suite on two, `--dist loadgroup`)."""

from __future__ import annotations

import pytest

from salesplan_widgets.i18n import set_locale


@pytest.fixture(autouse=True)
def _english_by_default():
    set_locale("en")
    yield
    set_locale("en")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (Debian's binary; see salesplan_widgets.testing)."""
    from playwright.sync_api import sync_playwright

    from salesplan_widgets.testing import launch_chromium

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        try:
            yield chromium
        finally:
            chromium.close()


def _tracked_changes() -> str | None:
    """`git status` of the checkout's tracked files (None outside a git checkout)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session):
    if not _is_xdist_worker(session.config):  # the controller checks the whole run, before and after
        session.config._tracked_before = _tracked_changes()


def pytest_sessionfinish(session, exitstatus):
    """A test run leaves tracked files as it found them: the suite fails if it rewrote any."""
    if _is_xdist_worker(session.config):
        return
    before = getattr(session.config, "_tracked_before", None)
    after = _tracked_changes()
    if before is not None and after is not None and after != before:
        changed = sorted(set(after.splitlines()) - set(before.splitlines()))
        print(f"\nThe test run changed tracked files: {changed}")
        session.exitstatus = 1


def worker_group(item: pytest.Item) -> str:
    """The xdist group of a test: the tests of one group run one after another on one worker.

    - `hub`: every module that uses `hub_accounts` (the machine's OS accounts, group and ACLs; JupyterHub):
      two at once would undo each other's set-up;
    - `screenshots`: the modules that draw the guide's screenshots into one scratch folder, and
      test_jupyterlab.py, which checks there that every screenshot the guides embed was drawn: in file order;
    - `templates`: the template notebooks under nbval, which all open `workbooks/demo` in place and write
      its `.cache`;
    - otherwise the test's file: a module's fixtures (a served workbook, a browser, a papermill run) are set
      up once, and a notebook's cells share their kernel.
    """
    uses = getattr(getattr(item, "module", None), "hub_accounts", None)
    if getattr(uses, "__module__", None) == "hub_accounts":  # tests/hub_accounts.py's, imported by the module
        return "hub"
    draws = getattr(getattr(item, "module", None), "screenshots_dir", None)
    if getattr(draws, "__module__", None) == "salesplan_widgets.testing":
        return "screenshots"
    path = item.nodeid.split("::")[0]
    if path.startswith("templates/") and path.endswith(".ipynb"):
        return "templates"
    return path


def slowest_groups_first(items: list[pytest.Item], seconds: dict[str, float]) -> list[pytest.Item]:
    """`items` with whole groups moved: the groups of `seconds` slowest first, then the others by their
    number of tests (xdist's own order); a group's tests keep their order (the screenshots' file order).

    With `--no-loadscope-reorder` (pyproject.toml) xdist hands groups out in this order, so the longest
    start first and the two workers finish together, instead of a long one-test file starting last."""
    groups = [item.get_closest_marker("xdist_group").args[0] for item in items]
    count = {group: groups.count(group) for group in set(groups)}

    def rank(index: int) -> tuple[int, float]:
        group = groups[index]
        return (0, -seconds[group]) if group in seconds else (1, -count[group])

    return [items[i] for i in sorted(range(len(items)), key=rank)]  # sorted is stable: groups stay in order


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from group_seconds import read_table

    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(worker_group(item)))
    items[:] = slowest_groups_first(items, read_table())

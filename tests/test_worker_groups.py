"""The suite runs on two pytest-xdist workers (`make test`): what must never run at once is kept apart.

The hub's tests change the machine (OS accounts, the `salesplan-hub` group, ACLs above this Python), so they
share one worker, and `hub_accounts` lets one process in at a time besides; the template notebooks all write
`workbooks/demo/.cache`, so they share one worker; a notebook's cells share their kernel, so they stay
together; the modules that draw the guide's screenshots and the one that checks them for all share one
worker, in file order; everything else is grouped by file, so a module's fixtures are set up once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hub_accounts import hub_lock

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"

# The module itself holds the hub lock: it runs with the hub's tests, not beside them.
pytestmark = pytest.mark.xdist_group("hub")

RECORDER = """
import json, os

def pytest_collection_finish(session):
    groups = {
        item.nodeid: [mark.args[0] for mark in item.iter_markers("xdist_group")] for item in session.items
    }
    with open(os.environ["WORKER_GROUPS"], "w", encoding="utf-8") as out:
        json.dump(groups, out)  # in the order of session.items: the order xdist hands the groups out
    with open(os.environ["WORKER_GROUPS"] + ".reorder", "w", encoding="utf-8") as out:
        json.dump(session.config.getoption("loadscopereorder"), out)  # xdist's reordering by test count
"""


def collected_groups(tmp_path: Path, *paths: str) -> dict[str, list[str]]:
    """Each collected test's xdist groups, as the suite's conftest sets them (a real `pytest --collect-only`)."""
    (tmp_path / "worker_groups_recorder.py").write_text(RECORDER, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        "WORKER_GROUPS": str(tmp_path / "groups.json"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "worker_groups_recorder",
         "-p", "no:cacheprovider", "--nbval-lax", *paths],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((tmp_path / "groups.json").read_text(encoding="utf-8"))


def hub_modules() -> list[str]:
    """The test modules that set up the hub's accounts (whatever they are called)."""
    return sorted(
        f"tests/{path.name}"
        for path in TESTS.glob("test_*.py")
        if path.name != Path(__file__).name and "hub_accounts(" in path.read_text(encoding="utf-8")
    )


SCREENSHOTS = (
    "tests/test_browser_capabilities.py",
    "tests/test_browser_dashboard.py",
    "tests/test_jupyterlab.py",
)
OTHERS = (
    "tests/test_access.py",
    "tests/test_rounding.py",
    "templates/start.ipynb",
    "templates/tracking.ipynb",
)


@pytest.fixture(scope="module")
def groups(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The groups of the hub's modules and of a few others, from one collection."""
    return collected_groups(tmp_path_factory.mktemp("groups"), *hub_modules(), *OTHERS, *SCREENSHOTS)


def test_every_module_that_sets_up_hub_accounts_runs_on_the_hub_worker(groups: dict[str, list[str]]) -> None:
    modules = hub_modules()
    assert "tests/test_hub.py" in modules and "tests/test_publish.py" in modules
    on_hub = {nodeid: marks for nodeid, marks in groups.items() if nodeid.split("::")[0] in modules}
    assert {nodeid.split("::")[0] for nodeid in on_hub} == set(modules)  # every module collected something
    assert {nodeid: marks for nodeid, marks in on_hub.items() if marks != ["hub"]} == {}


def test_other_tests_are_grouped_by_file_and_template_notebooks_together(
    groups: dict[str, list[str]],
) -> None:
    by_file: dict[str, set[str]] = {}
    for nodeid, marks in groups.items():
        assert len(marks) == 1, nodeid  # xdist would join two groups' names into a third group
        if nodeid.split("::")[0] in (*OTHERS, *SCREENSHOTS):
            by_file.setdefault(nodeid.split("::")[0], set()).update(marks)
    assert by_file == {
        "tests/test_access.py": {"tests/test_access.py"},
        "tests/test_rounding.py": {"tests/test_rounding.py"},
        "templates/start.ipynb": {"templates"},
        "templates/tracking.ipynb": {"templates"},
        # test_jupyterlab.py checks that the other two drew every screenshot the guides embed
        **dict.fromkeys(SCREENSHOTS, {"screenshots"}),
    }
    assert (
        sum(nodeid.startswith("templates/tracking.ipynb::") for nodeid in groups) > 1
    )  # its cells, one group


@pytest.mark.skipif(os.geteuid() != 0, reason="hub_accounts creates the hub's OS group: needs root")
def test_a_process_inside_hub_accounts_keeps_every_other_process_out() -> None:
    inside = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from hub_accounts import hub_accounts\n"
         "with hub_accounts([], traverse=False):\n"
         "    print('inside', flush=True); sys.stdin.read()"],
        cwd=TESTS, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])},
    )  # fmt: skip
    try:
        assert inside.stdout.readline() == "inside\n"
        with pytest.raises(BlockingIOError), hub_lock(blocking=False):
            pass
    finally:
        inside.stdin.close()  # lets it leave hub_accounts
        assert inside.wait(timeout=120) == 0
    # free again (this waits if someone else's hub test took it meanwhile); its holder re-enters at once
    with hub_lock(), hub_lock(blocking=False):
        pass


def test_the_slowest_groups_are_handed_out_first_each_group_in_its_own_order(
    groups: dict[str, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`--dist loadgroup` gives the workers the groups in collection order (xdist's reordering by number of
    tests is off): the groups of tests/group_seconds.txt come first, slowest first, then the others by their
    number of tests, so a long file of few tests does not start last on one worker."""
    from group_seconds import read_table

    (reorder,) = {p.resolve() for p in tmp_path_factory.getbasetemp().glob("groups*/groups.json.reorder")}
    assert json.loads(reorder.read_text(encoding="utf-8")) is False
    order = [(nodeid, marks[0]) for nodeid, marks in groups.items()]
    named = list(dict.fromkeys(group for _nodeid, group in order))
    seconds = read_table()
    listed = [g for g in named if g in seconds]
    assert {"hub", "screenshots", "templates"} <= set(listed)
    assert listed == sorted(listed, key=lambda g: -seconds[g])  # slowest first
    assert named[: len(listed)] == listed  # before every group the table does not list
    rest = [g for g in named if g not in seconds]
    assert set(rest) == {"tests/test_access.py", "tests/test_rounding.py"}
    count = {g: sum(group == g for _nodeid, group in order) for g in rest}
    assert rest == sorted(rest, key=lambda g: -count[g])
    # a group's tests run one after another: together, in file order (the screenshots are checked last)
    shots = [nodeid.split("::")[0] for nodeid, group in order if group == "screenshots"]
    assert list(dict.fromkeys(shots)) == list(SCREENSHOTS)
    positions = [i for i, (_nodeid, group) in enumerate(order) if group == "screenshots"]
    assert positions == list(range(positions[0], positions[0] + len(positions)))

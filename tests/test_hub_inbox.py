"""Write actions by role: a signed-in user's note or commit goes to their own inbox; the analyst imports it,
authored by the inbox's owner, within the role and scope the plan gives, or refused with the reason."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hub_accounts import hub_accounts
from hub_workbook import write_workbook
from jupyterhub.spawner import set_user_setuid

from salesplan_widgets import open_workbook
from salesplan_widgets.errors import InputError
from salesplan_widgets.hub.accounts import ensure_account
from salesplan_widgets.hub.scoped import SendPanel, scoped_dashboard
from salesplan_widgets.workbook.audit import read_audit
from salesplan_widgets.workbook.feedback import read_feedback
from salesplan_widgets.workbook.inbox import REFUSED_DIR, import_inbox, prepare_inbox, send
from salesplan_widgets.workbook.publish import os_account, publish

ACCESS = """\
access:
  users:
    boss: {role: manager, teams: [East]}
    li: {role: rep, rep: Li Na}
    fin: {role: finance}
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="inboxes belong to OS accounts: needs root")


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "wb", ACCESS)


@pytest.fixture
def state():
    folder = Path(tempfile.mkdtemp(prefix="salesplan-inbox-test-"))
    folder.chmod(0o711)
    users = ("boss", "li", "fin")
    with hub_accounts(users):
        try:
            for user in users:
                ensure_account(user, folder / "home" / user)
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _as(user: str, code: str) -> subprocess.CompletedProcess:
    """Run Python as the hub user's OS account, as their dashboard kernel would."""
    account = pwd.getpwnam(os_account(user))
    return subprocess.run(
        [sys.executable, "-c", code], preexec_fn=set_user_setuid(account.pw_name, chdir=False), capture_output=True, text=True, cwd="/",
        env={"PYTHONPATH": os.environ.get("PYTHONPATH", ""), "HOME": account.pw_dir},
    )  # fmt: skip


def _send_as(user: str, inbox: Path, *args, **kwargs) -> subprocess.CompletedProcess:
    call = ", ".join([repr(str(inbox)), *map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    return _as(user, f"from salesplan_widgets.workbook.inbox import send; send({call})")


def test_a_reps_note_is_imported_with_the_signed_in_user_as_author(workbook: Path, state: Path) -> None:
    inbox = prepare_inbox(state, "li")
    sent = _send_as("li", inbox, "note", "2026-02", "Li Na", text="Big order slips to March")
    assert sent.returncode == 0, sent.stderr
    result = import_inbox(open_workbook(workbook), state)
    assert (result.notes, result.commits, result.refused) == (1, 0, [])
    notes = read_feedback(open_workbook(workbook))
    assert notes[["rep", "author", "source", "text"]].values.tolist() == [
        ["Li Na", "li", "hub rep", "Big order slips to March"]
    ]
    assert str(notes["period"].iloc[0]) == "2026-02"
    assert list(inbox.iterdir()) == []  # imported once, never twice
    audit = read_audit(open_workbook(workbook))
    assert audit.iloc[-1][["user", "target"]].tolist() == ["li", "tables/feedback.csv"]


def test_a_manager_commits_numbers_for_a_rep_of_their_team(workbook: Path, state: Path) -> None:
    inbox = prepare_inbox(state, "boss")
    assert _send_as("boss", inbox, "commit", "2026-02", "Wang Fang", commit=125000.0).returncode == 0
    result = import_inbox(open_workbook(workbook), state)
    assert result.commits == 1 and not result.refused
    commits = open_workbook(workbook).read_table("commits")
    assert commits[["rep", "commit"]].values.tolist() == [["Wang Fang", 125000.0]]
    audit = read_audit(open_workbook(workbook))
    assert audit.iloc[-1][["user", "action", "target"]].tolist() == [
        "boss",
        "commits.save",
        "tables/commits.csv",
    ]


def test_actions_beyond_the_role_or_the_scope_are_refused_and_set_aside(workbook: Path, state: Path) -> None:
    li, boss = prepare_inbox(state, "li"), prepare_inbox(state, "boss")
    assert _send_as("li", li, "commit", "2026-02", "Li Na", commit=9e6).returncode == 0  # reps do not commit
    assert _send_as("li", li, "note", "2026-02", "Zhao Lei", text="he is slacking").returncode == 0
    assert _send_as("boss", boss, "note", "2026-02", "Zhao Lei", text="not my team").returncode == 0
    result = import_inbox(open_workbook(workbook), state)
    assert (result.notes, result.commits) == (0, 0)
    assert sorted(p.expected for p in result.refused) == [
        "a rep within the user's scope",
        "a rep within the user's scope",
        "an action the user's role allows",
    ]
    assert open_workbook(workbook).read_table("feedback") is None
    assert len(list((state / REFUSED_DIR).rglob("*.json"))) == 3


def test_nobody_can_write_into_another_users_inbox_or_forge_the_author(workbook: Path, state: Path) -> None:
    li = prepare_inbox(state, "li")
    prepare_inbox(state, "boss")
    forged = _send_as("boss", li, "note", "2026-02", "Li Na", text="written by boss as li")
    assert forged.returncode != 0 and "Permission denied" in forged.stderr
    assert _as("fin", f"import os; os.listdir({str(state / 'inbox')!r})").returncode != 0
    # a file root placed there (not written by li) is not li's word either
    (li / "20260101T000000-deadbeef.json").write_text(
        json.dumps({"action": "note", "period": "2026-02", "rep": "Li Na", "text": "planted", "commit": None})
    )
    result = import_inbox(open_workbook(workbook), state)
    assert result.notes == 0 and [p.expected for p in result.refused] == [
        "a file written by the inbox's own user"
    ]


def test_malformed_actions_are_refused_when_sent(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        send(tmp_path, "note", "March", "Li Na", text=" ")
    assert {p.column for p in info.value.problems} == {"period", "text"}
    with pytest.raises(InputError):
        send(tmp_path, "commit", "2026-03", "Li Na", commit=-5)
    assert list(tmp_path.iterdir()) == []


def test_the_send_panel_offers_commits_to_managers_only_and_writes_the_inbox(tmp_path: Path) -> None:
    rep_panel = SendPanel(tmp_path, "rep", ["Li Na"], ["2026-01", "2026-02"])
    assert rep_panel.commit not in rep_panel.children
    manager = SendPanel(tmp_path, "manager", ["Li Na", "Wang Fang"], ["2026-01", "2026-02"])
    assert manager.commit in manager.children and manager.period.value == "2026-02"
    assert manager.submit() == 0 and "Nothing to send" in manager.status.value
    manager.rep.value, manager.commit.value, manager.note.value = "Wang Fang", 80000.0, "Ramp-up done"
    assert manager.submit() == 2 and "Sent." in manager.status.value
    sent = sorted(json.loads(p.read_text())["action"] for p in tmp_path.glob("*.json"))
    assert sent == ["commit", "note"] and manager.note.value == ""


@pytest.fixture
def statements(tmp_path: Path, monkeypatch):
    """test_statement_extracts' workbook (January closed, February prepared; Li and Wang in East, Zhao in
    North) with its hub users' OS accounts and a published state folder the period steps refresh."""
    from test_statement_extracts import make_workbook

    folder = make_workbook(tmp_path / "wb")
    state = Path(tempfile.mkdtemp(prefix="salesplan-disputes-test-"))
    state.chmod(0o711)
    monkeypatch.setenv("SALESPLAN_HUB_STATE", str(state))
    users = ("boss", "li", "zhao", "fin")
    with hub_accounts(users):
        try:
            for user in users:
                ensure_account(user, state / "home" / user)
            yield folder, state
        finally:
            shutil.rmtree(state, ignore_errors=True)


def _published_disputes(state: Path, user: str) -> list[dict]:
    return json.loads((state / "extracts" / user / "statements" / "disputes.json").read_text("utf-8"))


def test_a_reps_dispute_is_logged_by_publish_authored_by_them_then_answered_through_the_ledger(
    statements, capsys
) -> None:
    from salesplan_widgets.cli import main
    from salesplan_widgets.model.manual import MANUAL
    from salesplan_widgets.workbook.disputes import read_disputes
    from salesplan_widgets.workbook.ledger import read_ledger

    folder, state = statements
    inbox = prepare_inbox(state, "li")
    sent = _send_as("li", inbox, "dispute", "2026-01", "Li", text="The Wuhan order is missing", line=1)
    assert sent.returncode == 0, sent.stderr
    assert main(["publish", str(folder), "--state", str(state)]) == 0
    assert "1 dispute(s)" in capsys.readouterr().out
    (inquiry,) = read_disputes(open_workbook(folder)).to_dict("records")
    assert (inquiry["author"], inquiry["rep"], inquiry["period"], inquiry["line"]) == (
        "li",
        "Li",
        "2026-01",
        "1",
    )
    assert (inquiry["rule"], inquiry["amount"]) == ("Band 0% to 100% at 10%", "10000")  # the line as paid
    assert list(inbox.iterdir()) == []
    assert [d["status"] for d in _published_disputes(state, "li")] == ["open"]
    assert read_audit(open_workbook(folder)).iloc[-1][["user", "action"]].tolist() == [
        "li",
        "ledger.dispute.inquiry",
    ]

    # the analyst answers with the CLI; the adjustment is paid when February closes, and the rep reads both
    assert main(["dispute", str(folder), "--answer", inquiry["id"], "--text", "Credited late",
                 "--adjust", "50", "--approver", "Zhou Min"]) == 0  # fmt: skip
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(folder), "--period", "2026-02", *step]) == 0
    lines = read_ledger(open_workbook(folder)).lines
    (manual,) = lines[lines["kind"] == MANUAL].to_dict("records")
    assert (str(manual["period"]), manual["rep"], manual["amount_minor"]) == ("2026-02", "Li", 50_00)
    assert inquiry["id"] in manual["note"]
    (status,) = _published_disputes(state, "li")  # the close refreshed the extract
    assert (status["status"], status["answer"], status["adjustment"]) == ("answered", "Credited late", 50.0)
    entries = json.loads((state / "extracts" / "li" / "statements" / "index.json").read_text("utf-8"))
    february = next(e for e in entries if e["period"] == "2026-02")
    assert february["status"] == "closed" and any(inquiry["id"] in ln["rule"] for ln in february["lines"])


def test_a_dispute_on_another_reps_line_a_line_not_closed_or_from_a_manager_is_refused_with_the_reason(
    statements,
) -> None:
    from salesplan_widgets.workbook.disputes import read_disputes

    folder, state = statements
    li, boss = prepare_inbox(state, "li"), prepare_inbox(state, "boss")
    for rep, period, line in (("Zhao", "2026-01", 1), ("Li", "2026-02", 1), ("Li", "2026-01", 7)):
        sent = _send_as("li", li, "dispute", period, rep, text="forged or wrong", line=line)
        assert sent.returncode == 0, sent.stderr
    assert _send_as("boss", boss, "dispute", "2026-01", "Li", text="on Li's behalf", line=1).returncode == 0
    result = import_inbox(open_workbook(folder), state)
    assert result.disputes == 0 and read_disputes(open_workbook(folder)).empty
    assert sorted(str(p.expected) for p in result.refused) == [
        "a line of Li's closed statement for 2026-01 (1 to 1)",
        "a line of Li's closed statement for 2026-02 (1 to 0)",
        "a rep within the user's scope",
        "an action the user's role allows",
    ]
    assert len(list((state / REFUSED_DIR).rglob("*.json"))) == 4

    # li reads why on the statements page: a notice in li's own inbox, readable by li's account
    notices = sorted(li.glob("refused-*.json"))
    assert len(notices) == 3 and not list(li.glob("[0-9]*.json"))
    assert all(_as("li", f"open({str(n)!r}).read()").returncode == 0 for n in notices)
    view = scoped_dashboard(publish(open_workbook(folder), state)["li"], "statements", "", inbox=li)
    assert (
        "Not logged: expected a line of Li&#x27;s closed statement for 2026-02 (1 to 0)"
        in view.disputes.value
    )
    assert "Not logged: expected a rep within the user&#x27;s scope" in view.disputes.value
    assert _send_as("li", li, "dispute", "2026-02", "Li", text="again", line=1).returncode == 0
    planted = next(li.glob("[0-9]*.json"))  # li plants a link where the notice will go
    (li / f"refused-{planted.name}").symlink_to(state / "hub" / "victim")
    assert import_inbox(open_workbook(folder), state).refused  # refused again, and no write through the link
    assert not (state / "hub" / "victim").exists()


def test_the_period_runs_refresh_imports_a_reps_dispute_before_publishing(statements) -> None:
    from salesplan_widgets.workbook.disputes import read_disputes
    from salesplan_widgets.workbook.publish import publish, publish_if_published

    folder, state = statements
    publish(open_workbook(folder), state)  # published once: from now on each run refreshes the extracts
    inbox = prepare_inbox(state, "zhao")
    assert (
        _send_as("zhao", inbox, "dispute", "2026-01", "Zhao", text="Rate looks low", line=1).returncode == 0
    )
    assert set(publish_if_published(open_workbook(folder))) == {
        "boss",
        "li",
        "zhao",
        "fin",
    }  # as `run` calls it
    assert read_disputes(open_workbook(folder))[["author", "rep", "text"]].values.tolist() == [
        ["zhao", "Zhao", "Rate looks low"]
    ]
    assert [d["question"] for d in _published_disputes(state, "zhao")] == ["Rate looks low"]
    assert _published_disputes(state, "li") == []

"""Statements through the hub: each extract holds only the statements its user may read, and the
statements dashboard shows them from the extract, labelled with the ledger's state."""

from __future__ import annotations

import base64
import io
import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hub_accounts import hub_accounts
from jupyterhub.spawner import set_user_setuid
from openpyxl import load_workbook

from salesplan_widgets.cli import main
from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.hub.accounts import ensure_account
from salesplan_widgets.hub.scoped import scoped_dashboard
from salesplan_widgets.widgets.statements import StatementsView
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import approve_payments, close_and_publish, close_period, read_ledger
from salesplan_widgets.workbook.payouts import write_payouts
from salesplan_widgets.workbook.publish import publish
from salesplan_widgets.workbook.statement_extracts import STATEMENTS_INDEX

PLAN = """\
name: Statement Co
currency: CNY
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, team: team}}
reports:
  dashboards: [my_targets]
incentives:
  measurement: monthly
  cumulative: false
  commission:
    tiers:
      bands:
        - {{at_least: 0, below: 1.0, rate: 0.10}}
        - {{at_least: 1.0, rate: 0.20}}
access:
  users:
    fin: {{role: finance}}
    boss: {{role: manager, teams: [East]}}
    li: {{role: rep, rep: Li}}
    zhao: {{role: rep, rep: Zhao}}
"""
# Li and Wang in East, Zhao in North; January closed, February only prepared.
SALES = [("2026-01-15", 1000, "Li", "East"), ("2026-01-16", 800, "Wang", "East"),
         ("2026-01-17", 1200, "Zhao", "North"), ("2026-02-15", 2000, "Li", "East"),
         ("2026-02-16", 900, "Wang", "East"), ("2026-02-17", 700, "Zhao", "North")]  # fmt: skip


def make_workbook(folder: Path, locale: str = "en", close_january: bool = True) -> Path:
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(SALES, columns=["date", "amount", "rep", "team"]).to_csv(
        folder / "data" / "sales.csv", index=False
    )
    (folder / "plan.yaml").write_text(PLAN.format(locale=locale), encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame(
        [
            (m, rep, team, 1000.0)
            for m in months
            for rep, team in (("Li", "East"), ("Wang", "East"), ("Zhao", "North"))
        ],
        columns=["period", "rep", "team", "target"],
    )
    open_workbook(folder).write_table("targets", targets)
    if close_january:
        write_payouts(open_workbook(folder), "2026-01", by="analyst")
        approve_payments(open_workbook(folder), "2026-01", by="finance")
        close_and_publish(open_workbook(folder), "2026-01", by="controller")
    write_payouts(open_workbook(folder), "2026-02", by="analyst")
    return folder


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    return make_workbook(tmp_path_factory.mktemp("statements") / "wb")


@pytest.fixture
def shared_state():
    """A state folder other OS users can traverse (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="salesplan-statements-test-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _index(extract: Path) -> set[tuple[str, str, str]]:
    entries = json.loads((extract / STATEMENTS_INDEX).read_text(encoding="utf-8"))
    return {(e["period"], e["rep"], e["status"]) for e in entries}


def _statement_text(extract: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in (extract / "statements").rglob("*.html"))


def test_a_reps_extract_holds_only_their_own_statements_labelled_closed_or_prepared(workbook, tmp_path):
    extracts = publish(workbook, tmp_path / "state")
    assert _index(extracts["li"]) == {("2026-01", "Li", "closed"), ("2026-02", "Li", "prepared")}
    files = sorted(
        p.relative_to(extracts["li"]).as_posix() for p in (extracts["li"] / "statements").rglob("*.*")
    )
    assert "statements/2026-01/Li/statement-2026-01.zh_CN.xlsx" in files
    documents = [f for f in files if f not in {"statements/index.json", "statements/disputes.json"}]
    assert len(documents) == 8  # 2 months × 2 languages × html, xlsx
    assert all("/Li/" in f for f in documents)
    text = _statement_text(extracts["li"])
    assert "Rep: Li" in text and "Wang" not in text and "Zhao" not in text


def test_finance_gets_every_reps_statements_and_a_manager_their_teams_reps(workbook, tmp_path):
    extracts = publish(workbook, tmp_path / "state")
    assert {rep for _p, rep, _s in _index(extracts["fin"])} == {"Li", "Wang", "Zhao"}
    assert {rep for _p, rep, _s in _index(extracts["boss"])} == {"Li", "Wang"}
    assert "Zhao" not in _statement_text(extracts["boss"])
    assert _index(extracts["zhao"]) == {("2026-01", "Zhao", "closed"), ("2026-02", "Zhao", "prepared")}


def test_approving_and_closing_through_the_cli_refresh_the_reps_published_statement(tmp_path, monkeypatch):
    folder = make_workbook(tmp_path / "wb")
    monkeypatch.setenv("SALESPLAN_HUB_STATE", str(tmp_path / "state"))
    extract = publish(folder)["li"]  # published once: from now on every ledger step refreshes it
    assert ("2026-02", "Li", "prepared") in _index(extract)
    assert main(["payouts", str(folder), "--period", "2026-02", "--approve"]) == 0
    assert ("2026-02", "Li", "approved") in _index(extract)
    assert main(["close", str(folder), "--period", "2026-02"]) == 0
    assert ("2026-02", "Li", "closed") in _index(extract)
    page = (extract / "statements" / "2026-02" / "Li" / "statement-2026-02.en.html").read_text(
        encoding="utf-8"
    )
    assert "Closed" in page and "Wang" not in page


def test_approving_and_closing_from_python_refresh_the_statements_page_a_signed_in_rep_reads(
    tmp_path, monkeypatch
):
    folder = make_workbook(tmp_path / "wb")
    monkeypatch.setenv("SALESPLAN_HUB_STATE", str(tmp_path / "state"))
    extract = publish(folder)["li"]  # published once: the notebook's steps must refresh it as the CLI's do

    def february() -> str:  # what Li's statements page shows for February, built from the extract alone
        view = scoped_dashboard(extract, "statements", "period=2026-02")
        assert view.chooser.label.startswith("Feb 2026 · Li")
        return view.status.value

    assert "Prepared" in february()
    approve_payments(open_workbook(folder), "2026-02", by="Zhou Min")
    assert "Approved by finance" in february() and "Zhou Min" in february()
    close_period(open_workbook(folder), "2026-02", by="controller")
    assert "Closed: final" in february() and "controller" in february()
    assert ("2026-02", "Zhao", "closed") in _index(publish(folder)["zhao"])


def test_preparing_again_from_python_refreshes_the_statements_page_a_signed_in_rep_reads(
    tmp_path, monkeypatch
):
    folder = make_workbook(tmp_path / "wb")
    monkeypatch.setenv("SALESPLAN_HUB_STATE", str(tmp_path / "state"))
    approve_payments(open_workbook(folder), "2026-02", by="Zhou Min")
    extract = publish(folder)["li"]

    def february() -> str:  # what Li's statements page shows for February, built from the extract alone
        return scoped_dashboard(extract, "statements", "period=2026-02").status.value

    assert "Approved by finance" in february()
    paths = write_payouts(open_workbook(folder), "2026-02", by="analyst")  # prepared again in a notebook
    assert [p.suffix for p in paths] == [".csv", ".xlsx"]
    assert "Prepared: awaiting approval" in february() and "Zhou Min" not in february()
    assert ("2026-02", "Li", "prepared") in _index(extract)


def test_preparing_from_python_whose_extracts_cannot_be_refreshed_stays_recorded_and_asks_for_a_publish(
    tmp_path, monkeypatch
):
    folder = make_workbook(tmp_path / "wb")
    monkeypatch.setenv("SALESPLAN_HUB_STATE", str(tmp_path / "state"))
    approve_payments(open_workbook(folder), "2026-02", by="finance")
    extract = publish(folder)["li"]
    plan = folder / "plan.yaml"  # a user for a rep the data does not have: publishing now refuses
    plan.write_text(
        plan.read_text(encoding="utf-8") + "    ghost: {role: rep, rep: Ghost}\n", encoding="utf-8"
    )
    with pytest.raises(SalesplanError, match=r"extracts were not refreshed \(.*Ghost.*salesplan publish"):
        write_payouts(open_workbook(folder), "2026-02", by="analyst")
    journal = read_ledger(open_workbook(folder)).journal
    assert list(journal["event"].tail(2)) == ["approved", "prepared"]  # the preparation is recorded
    assert ("2026-02", "Li", "approved") in _index(extract)  # stale, as the message said


def test_a_step_whose_extracts_cannot_be_refreshed_stays_recorded_and_asks_for_a_publish(
    tmp_path, monkeypatch, capsys
):
    folder = make_workbook(tmp_path / "wb")
    monkeypatch.setenv("SALESPLAN_HUB_STATE", str(tmp_path / "state"))
    extract = publish(folder)["li"]
    plan = folder / "plan.yaml"  # a user for a rep the data does not have: publishing now refuses
    plan.write_text(
        plan.read_text(encoding="utf-8") + "    ghost: {role: rep, rep: Ghost}\n", encoding="utf-8"
    )
    with pytest.raises(SalesplanError, match=r"extracts were not refreshed \(.*Ghost.*salesplan publish"):
        approve_payments(open_workbook(folder), "2026-02", by="finance")
    assert read_ledger(open_workbook(folder)).last_event("approved", pd.Period("2026-02", "M")) is not None
    assert main(["close", str(folder), "--period", "2026-02"]) == 1
    out, err = capsys.readouterr()
    assert "Closed 2026-02" in out and "run salesplan publish" in err
    assert ("2026-02", "Li", "prepared") in _index(extract)  # stale, as the messages said


def _read_as(account: pwd.struct_passwd, path: Path) -> subprocess.CompletedProcess:
    preexec = set_user_setuid(account.pw_name, chdir=False)
    return subprocess.run(["cat", str(path)], preexec_fn=preexec, capture_output=True, text=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="creating OS accounts needs root")
def test_a_rep_account_reads_its_own_statement_and_cannot_read_another_reps(workbook, shared_state):
    with hub_accounts(["li", "zhao"], traverse=False):  # deleted again, even on failure
        li = ensure_account("li", shared_state / "home" / "li")
        zhao = ensure_account("zhao", shared_state / "home" / "zhao")
        extracts = publish(workbook, shared_state)
        own = extracts["li"] / "statements" / "2026-01" / "Li" / "statement-2026-01.en.html"
        other = extracts["zhao"] / "statements" / "2026-01" / "Zhao" / "statement-2026-01.en.html"
        assert _read_as(li, own).returncode == 0 and "Rep: Li" in _read_as(li, own).stdout
        assert _read_as(li, other).returncode != 0
        assert _read_as(zhao, own).returncode != 0
        fin_copy = extracts["fin"] / "statements" / "2026-01" / "Li" / "statement-2026-01.en.html"
        assert _read_as(li, fin_copy).returncode != 0


def test_the_statements_dashboard_shows_the_chosen_statement_sandboxed_from_the_extract(workbook, tmp_path):
    extract = publish(workbook, tmp_path / "state")["li"]
    view = scoped_dashboard(extract, "statements", "")
    assert [label.split(" · ")[:2] for label, _i in view.chooser.options] == [
        ["Feb 2026", "Li"],  # months as the reader says them, newest first
        ["Jan 2026", "Li"],
    ]
    assert "Prepared" in view.status.value and "may still change" in view.status.value
    assert 'sandbox=""' in view.document.value and "<script" not in view.document.value
    assert "&lt;h1&gt;Commission statement&lt;/h1&gt;" in view.document.value  # escaped into srcdoc
    view.chooser.value = 1
    assert "Closed: final" in view.status.value
    link = re.search(r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', view.download.value)
    assert link and link.group(1) == "statement-2026-01.en.xlsx"
    sheet = load_workbook(io.BytesIO(base64.b64decode(link.group(2)))).active
    assert [sheet["A1"].value, sheet["B1"].value, sheet["C1"].value] == [
        "Commission statement",
        "Li",
        "2026-01",
    ]
    asked = scoped_dashboard(extract, "statements", "period=2026-01")
    assert asked.chooser.value == 1
    refused = scoped_dashboard(extract, "statements", "rep=Zhao")
    assert "not permitted" in refused.children[0].value
    assert "Zhao" not in str([w.value for w in refused.children[1].children if hasattr(w, "value")])


def test_the_statements_dashboard_says_when_nothing_is_closed_and_speaks_the_plans_language(tmp_path):
    folder = make_workbook(tmp_path / "wb", locale="zh_CN", close_january=False)
    view = scoped_dashboard(publish(folder, tmp_path / "state")["li"], "statements", "")
    notices = " ".join(w.value for w in view.children if isinstance(getattr(w, "value", None), str))
    assert "尚无已结账的结算单" in notices, notices
    assert "提成结算单" in view.document.value and "Commission statement" not in view.document.value
    (tmp_path / "wb" / "reports").rename(tmp_path / "no-reports")
    nothing = scoped_dashboard(publish(folder, tmp_path / "state")["li"], "statements", "")
    assert "尚未向您发布任何结算单" in str([getattr(w, "value", "") for w in nothing.children])


def test_a_file_planted_in_a_reps_statement_folder_as_a_link_to_another_reps_is_not_copied(tmp_path):
    folder = make_workbook(tmp_path / "wb")
    li = folder / "reports" / "2026-01" / "statements" / "Li"
    (li / "statement-2026-01.fr.html").symlink_to(li.parent / "Zhao" / "statement-2026-01.en.html")
    (li.parent / "Li-extra").symlink_to(li.parent / "Zhao", target_is_directory=True)
    extracts = publish(folder, tmp_path / "state")
    assert "Zhao" not in _statement_text(extracts["li"])
    assert {e for e in _index(extracts["fin"]) if e[1] not in {"Li", "Wang", "Zhao"}} == set()


def test_a_managers_statements_dashboard_narrows_to_a_rep_of_their_team(workbook, tmp_path):
    extract = publish(workbook, tmp_path / "state")["boss"]
    view = scoped_dashboard(extract, "statements", "rep=Wang&period=2026-01")
    reps = {label.split(" · ")[1] for label, _i in view.chooser.options}
    assert reps == {"Li", "Wang"}
    assert view.chooser.label.startswith("Jan 2026 · Wang")
    assert "Rep: Wang" in view.document.value and "Rep: Li" not in view.document.value


def _disputes(extract: Path) -> list[dict]:
    return json.loads((extract / "statements" / "disputes.json").read_text(encoding="utf-8"))


def test_an_extract_carries_its_closed_lines_and_the_status_of_its_reps_disputes_only(tmp_path):
    from salesplan_widgets.workbook.disputes import answer_inquiry, log_inquiry

    folder = make_workbook(tmp_path / "wb")
    asked = log_inquiry(open_workbook(folder), "2026-01", "Li", 1, "Is the Wuhan order in?", user="li")
    log_inquiry(open_workbook(folder), "2026-01", "Zhao", 1, "Zhao's own question", user="zhao")
    extracts = publish(folder, tmp_path / "state")
    entries = {e["period"]: e for e in json.loads((extracts["li"] / STATEMENTS_INDEX).read_text("utf-8"))}
    assert entries["2026-01"]["lines"] == [
        {"line": 1, "rule": "Band 0% to 100% at 10%", "amount_minor": 10000}
    ]
    assert entries["2026-02"]["lines"] == []  # prepared only: nothing to dispute yet
    (mine,) = _disputes(extracts["li"])
    assert (mine["id"], mine["status"], mine["answer"], mine["adjustment"]) == (asked["id"], "open", "", None)
    assert {d["rep"] for d in _disputes(extracts["boss"])} == {"Li"}  # a manager reads their team's
    assert {d["rep"] for d in _disputes(extracts["fin"])} == {"Li", "Zhao"}
    assert "Zhao" not in (extracts["li"] / "statements" / "disputes.json").read_text("utf-8")

    answer_inquiry(open_workbook(folder), asked["id"], "Credited late: paid next month", 50, "Zhou Min")
    (mine,) = _disputes(publish(folder, tmp_path / "state")["li"])
    assert (mine["status"], mine["answer"]) == ("answered", "Credited late: paid next month")
    assert (mine["adjustment"], mine["adjustment_period"]) == (50.0, "2026-02")


def test_a_rep_picks_a_closed_statements_line_and_the_dispute_goes_only_into_their_inbox(workbook, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    extract = publish(workbook, tmp_path / "state")["li"]
    view = scoped_dashboard(extract, "statements", "period=2026-02", inbox=inbox)
    assert view.dispute.button.disabled and "Only a closed statement" in view.dispute.reason.value
    view.chooser.value = 1  # 2026-01, closed
    panel = view.dispute
    assert not panel.button.disabled and panel.reason.value == ""
    assert panel.line.options == (("1 · Band 0% to 100% at 10% · CN¥100.00", 1),)
    assert not panel.submit() and "Write your question first" in panel.result.value
    panel.question.value = "The order of 16 January is missing"
    before = {p: p.read_bytes() for p in extract.rglob("*") if p.is_file()}
    assert panel.submit() and "Sent." in panel.result.value and panel.question.value == ""
    assert not panel.submit() and "Sent." in panel.result.value  # a double click sends once, says "Sent."
    (sent,) = [json.loads(p.read_text("utf-8")) for p in inbox.iterdir()]
    assert sent == {"action": "dispute", "period": "2026-01", "rep": "Li", "line": 1,
                    "text": "The order of 16 January is missing", "commit": None}  # fmt: skip
    assert before == {p: p.read_bytes() for p in extract.rglob("*") if p.is_file()}  # the extract untouched
    assert "Sent: the analyst has not imported it yet" in view.disputes.value
    assert "The order of 16 January is missing" in view.disputes.value


def test_without_a_reps_inbox_the_dispute_controls_are_disabled_say_why_and_write_nothing(workbook, tmp_path):
    extracts = publish(workbook, tmp_path / "state")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # a manager's and finance's servers have an inbox for notes, never for disputes; a page outside the hub none
    for view in (
        scoped_dashboard(extracts["boss"], "statements", "period=2026-01", inbox=inbox),
        scoped_dashboard(extracts["fin"], "statements", "period=2026-01", inbox=inbox),
        StatementsView(extracts["li"], period="2026-01"),
    ):
        panel = view.dispute
        assert all(c.disabled for c in (panel.line, panel.question, panel.button))
        assert "raised by the rep whose statement it is, signed in through the hub" in panel.reason.value
        panel.question.value = "sneaky"
        panel.button.click()
        assert not panel.submit() and panel.result.value == ""
    assert list(inbox.iterdir()) == []


def test_the_dispute_panel_and_the_answer_speak_the_plans_language(tmp_path):
    from salesplan_widgets.i18n import set_locale
    from salesplan_widgets.workbook.disputes import answer_inquiry, log_inquiry

    folder = make_workbook(tmp_path / "wb", locale="zh_CN")
    asked = log_inquiry(open_workbook(folder), "2026-01", "Li", 1, "订单缺失", user="li")
    answer_inquiry(open_workbook(folder), asked["id"], "已补发", 50, "周敏")
    log_inquiry(open_workbook(folder), "2026-01", "Li", 1, "还有一个问题", user="li")
    extract = publish(folder, tmp_path / "state")["li"]
    try:  # opening the extract sets the plan's language, as on the served page
        closed = scoped_dashboard(extract, "statements", "period=2026-01", inbox=tmp_path)
        prepared = scoped_dashboard(extract, "statements", "period=2026-02", inbox=tmp_path)
        outside = StatementsView(extract, period="2026-01")
    finally:
        set_locale("en")
    assert closed.dispute.button.description == "提出申诉" and not closed.dispute.button.disabled
    assert "对此结算单的某一行提出申诉" in closed.dispute.children[0].value
    assert "我的申诉" in closed.disputes.value and "已答复" in closed.disputes.value
    assert "已补发" in closed.disputes.value and "¥50.00（2026年2月）" in closed.disputes.value
    assert "未结：等待答复" in closed.disputes.value and "还有一个问题" in closed.disputes.value
    assert "只能对已结账结算单的行提出申诉" in prepared.dispute.reason.value
    assert "申诉由结算单所属的销售代表通过 Hub 登录后提出" in outside.dispute.reason.value


def _reads_of_publish(book, state: Path, monkeypatch) -> tuple[dict[str, int], dict[str, Path]]:
    """How often publishing `book` reads the whole workbook's cube, its ledger and its disputes."""
    from salesplan_widgets.workbook import disputes, ledger
    from salesplan_widgets.workbook.workbook import Workbook

    reads = {"cube": 0, "ledger": 0, "disputes": 0}

    def counted(name, read):
        def wrapper(*args, **kwargs):
            if name != "cube" or args[0].path == book.path:  # the whole workbook's, not an extract's own
                reads[name] += 1
            return read(*args, **kwargs)

        return wrapper

    with monkeypatch.context() as patch:
        patch.setattr(Workbook, "cube", counted("cube", Workbook.cube))
        patch.setattr(ledger, "read_ledger", counted("ledger", ledger.read_ledger))
        patch.setattr(disputes, "read_disputes", counted("disputes", disputes.read_disputes))
        extracts = publish(book, state)
    return reads, extracts


def test_publish_reads_the_cube_ledger_and_disputes_once_and_cuts_each_scopes_statements_from_them(
    tmp_path, monkeypatch
):
    """Four extracts cost the reads of one: the whole workbook's cube, ledger and disputes are read once
    per publication, and each extract's closed lines and disputes are what reading them for that scope's
    reps alone gives."""
    from salesplan_widgets.workbook.disputes import (
        answer_inquiry,
        dispute_status,
        log_inquiry,
        statement_lines,
    )

    folder = make_workbook(tmp_path / "wb")
    asked = log_inquiry(open_workbook(folder), "2026-01", "Li", 1, "Is the Wuhan order in?", user="li")
    answer_inquiry(open_workbook(folder), asked["id"], "Credited late", 50, "Zhou Min")
    log_inquiry(open_workbook(folder), "2026-01", "Zhao", 1, "Zhao's own question", user="zhao")
    log_inquiry(open_workbook(folder), "2026-01", "Wang", 1, "Wang's question", user="boss")
    book = open_workbook(folder)
    reads, extracts = _reads_of_publish(book, tmp_path / "state", monkeypatch)
    assert len(extracts) == 4
    assert (reads["ledger"], reads["disputes"]) == (2, 1)  # the ledger's state and its lines; per scope: 8, 4
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    alone = tmp_path / "alone"
    shutil.copytree(folder, alone)
    (alone / "plan.yaml").write_text(plan.split("    fin:")[0] + "    li: {role: rep, rep: Li}\n", "utf-8")
    reads_alone, one = _reads_of_publish(open_workbook(alone), tmp_path / "state-alone", monkeypatch)
    assert list(one) == ["li"] and reads_alone == reads  # per scope, the cube was read once more each

    for user, reps in (("li", {"Li"}), ("zhao", {"Zhao"}), ("boss", {"Li", "Wang"}), ("fin", None)):
        own_lines = statement_lines(book, reps)
        for entry in json.loads((extracts[user] / STATEMENTS_INDEX).read_text("utf-8")):
            mine = own_lines[
                (own_lines["period"].astype(str) == entry["period"]) & (own_lines["rep"] == entry["rep"])
            ]
            assert entry["lines"] == mine.drop(columns=["period", "rep"]).to_dict("records"), user
        own_disputes = dispute_status(book, reps)
        assert _disputes(extracts[user]) == json.loads(own_disputes.to_json(orient="records")), user
    assert {d["rep"] for d in _disputes(extracts["boss"])} == {"Li", "Wang"}

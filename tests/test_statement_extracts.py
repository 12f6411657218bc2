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
from salesplan_widgets.hub.accounts import ensure_account
from salesplan_widgets.hub.scoped import scoped_dashboard
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import approve_payments, close_and_publish
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
        ["2026-02", "Li"],
        ["2026-01", "Li"],
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
    assert view.chooser.label.startswith("2026-01 · Wang")
    assert "Rep: Wang" in view.document.value and "Rep: Li" not in view.document.value

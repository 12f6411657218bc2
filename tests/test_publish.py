"""Publishing scoped extracts: each user's workbook holds only their scope, readable only by their account."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hub_accounts import hub_accounts
from hub_workbook import write_workbook
from jupyterhub.spawner import set_user_setuid

from salesplan_widgets import open_workbook
from salesplan_widgets.hub.accounts import ensure_account
from salesplan_widgets.workbook.ledger import approve_payments, close_period
from salesplan_widgets.workbook.payouts import incentives_of, pay_cube, write_payouts
from salesplan_widgets.workbook.publish import (
    SCOPE_FILE,
    os_account,
    publish,
    publish_if_published,
    state_dir,
)

ACCESS = """\
access:
  users:
    ana: {role: analyst}
    fin: {role: finance}
    boss: {role: manager, teams: [East]}
    li: {role: rep, rep: Li Na}
    zhao: {role: rep, rep: Zhao Lei}
"""


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "wb", ACCESS)


@pytest.fixture
def shared_state():
    """A state folder other OS users can traverse (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="salesplan-publish-test-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_reps_extract_holds_only_their_sales_and_targets_and_no_access_section(
    workbook: Path, tmp_path
) -> None:
    extracts = publish(workbook, tmp_path / "state")
    assert set(extracts) == {"fin", "boss", "li", "zhao"}  # analysts read the workbook itself
    li = open_workbook(extracts["li"])
    assert set(li.cube()["rep"]) == {"Li Na"}
    assert li.cube()["actual"].sum() == 500
    assert li.read_table("targets")["target"].tolist() == [1000, 1500]
    assert li.plan.access is None
    assert li.plan.reports.dashboards == ["my_targets", "incentives"]
    assert "Zhao Lei" not in "".join(p.read_text(errors="replace") for p in extracts["li"].rglob("*.csv"))
    assert b"Zhao Lei" not in (extracts["li"] / "data" / "sales.parquet").read_bytes()


def test_a_manager_gets_their_teams_and_finance_gets_everyone(workbook: Path, tmp_path) -> None:
    extracts = publish(workbook, tmp_path / "state")
    boss, fin = open_workbook(extracts["boss"]), open_workbook(extracts["fin"])
    assert set(boss.cube()["rep"]) == {"Li Na", "Wang Fang"}
    assert boss.read_table("targets")["target"].sum() == 4500
    assert boss.plan.reports.dashboards == ["my_targets", "overview", "incentives"]
    assert fin.cube()["actual"].sum() == 1000
    assert fin.read_table("targets")["target"].sum() == 7500
    assert fin.plan.reports.dashboards == ["incentives"]


def test_republishing_switches_to_the_new_extract_in_one_step_and_drops_removed_users(
    workbook: Path, tmp_path
) -> None:
    state = tmp_path / "state"
    first = publish(workbook, state)["li"].resolve()
    with (workbook / "data" / "sales.csv").open("a", encoding="utf-8") as fh:
        fh.write("2026-03-02,50,Li Na,East,A\n")
    second = publish(workbook, state)["li"]
    assert second.is_symlink() and second.resolve() != first
    assert open_workbook(second).cube()["actual"].sum() == 550
    publish(workbook, state)  # a third time: only the live extract and the one before it are kept
    assert len([p for p in (state / "extracts").glob(".li.*") if p.is_dir()]) == 2
    plan = (workbook / "plan.yaml").read_text(encoding="utf-8")
    (workbook / "plan.yaml").write_text(plan.replace("    zhao: {role: rep, rep: Zhao Lei}\n", ""))
    publish(workbook, state)
    assert not (state / "extracts" / "zhao").exists()
    assert not list((state / "extracts").glob(".zhao.*"))


def test_without_accounts_extracts_are_private_to_root(workbook: Path, tmp_path) -> None:
    plan = (workbook / "plan.yaml").read_text(encoding="utf-8")
    (workbook / "plan.yaml").write_text(plan.replace("    zhao:", "    no-account-yet:"), encoding="utf-8")
    extract = publish(workbook, tmp_path / "state")["no-account-yet"].resolve()
    for path in [extract, *extract.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, path


def _as(account: pwd.struct_passwd, *command: str) -> subprocess.CompletedProcess:
    preexec = set_user_setuid(account.pw_name, chdir=False)
    return subprocess.run(list(command), preexec_fn=preexec, capture_output=True, text=True)


def _read_as(account: pwd.struct_passwd, path: Path) -> subprocess.CompletedProcess:
    return _as(account, "cat", str(path))


@pytest.mark.skipif(os.geteuid() != 0, reason="creating OS accounts needs root")
def test_each_extract_is_readable_by_its_own_account_only(workbook: Path, shared_state: Path) -> None:
    with hub_accounts(["li", "zhao"], traverse=False):  # deleted again, even on failure
        li = ensure_account("li", shared_state / "home" / "li")
        zhao = ensure_account("zhao", shared_state / "home" / "zhao")
        extracts = publish(workbook, shared_state)
        own = _read_as(li, extracts["li"] / "tables" / "targets.csv")
        assert own.returncode == 0 and "Li Na" in own.stdout
        other = _read_as(li, extracts["zhao"] / "tables" / "targets.csv")
        assert other.returncode != 0 and "Permission denied" in other.stderr
        assert _read_as(zhao, extracts["li"] / "data" / "sales.parquet").returncode != 0
        assert _read_as(li, extracts["fin"] / SCOPE_FILE).returncode != 0  # nor finance's full extract
        listing = _as(li, "ls", str(shared_state / "extracts"))
        assert listing.returncode != 0  # nobody may list who else has an extract
        assert os_account("li") == li.pw_name


def test_period_run_hook_refreshes_only_a_workbook_that_is_published(
    workbook: Path, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("SALESPLAN_HUB_STATE", str(tmp_path / "state"))
    book = open_workbook(workbook)
    assert state_dir(book) == tmp_path / "state"
    assert publish_if_published(book) == {}  # never published: the run does not start publishing
    assert not (tmp_path / "state").exists()
    publish(book)
    with (workbook / "data" / "sales.csv").open("a", encoding="utf-8") as fh:
        fh.write("2026-03-02,70,Zhao Lei,North,A\n")
    refreshed = publish_if_published(open_workbook(workbook))
    assert open_workbook(refreshed["zhao"]).cube()["actual"].sum() == 370


def test_cli_publish_names_each_extract(workbook: Path, tmp_path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "salesplan_widgets.cli",
            "publish",
            str(workbook),
            "--state",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Extract for") == 4
    targets = pd.read_csv(tmp_path / "s" / "extracts" / "boss" / "tables" / "targets.csv")
    assert set(targets["rep"]) == {"Li Na", "Wang Fang"}


def test_extracts_carry_the_companys_recognition_only_as_far_as_the_plan_makes_it_public(tmp_path) -> None:
    import re

    from salesplan_widgets.demo import create_demo
    from salesplan_widgets.workbook.publish import RECOGNITION_FILE

    book = open_workbook(create_demo(tmp_path / "demo", end="2026-10", rows=20_000))
    extracts = publish(book, tmp_path / "state")
    html = (extracts["rex"] / RECOGNITION_FILE).read_text(encoding="utf-8")
    assert html == (extracts["mia"] / RECOGNITION_FILE).read_text(encoding="utf-8")  # the same for everyone
    boards = book.plan.incentives.recognition.leaderboards
    tables = dict(re.findall(r"<h3>(.*?)</h3>\s*<table.*?<tbody>(.*?)</tbody>", html, flags=re.S))
    for board in boards:
        assert 0 < tables[board.name].count("<tr>") <= board.top, board.name
    assert "CN¥" not in html and "Payout" not in html  # rankings and badges; no one's pay or quota
    assert set(open_workbook(extracts["rex"]).cube()["rep"]) == {book.plan.access.users["rex"].rep}


def closed_january(folder):
    """January's payments written, approved and closed, each step a new workbook as each command opens one;
    the workbook opened again."""
    write_payouts(open_workbook(folder), "2026-01", by="analyst")
    approve_payments(open_workbook(folder), "2026-01", by="finance")
    close_period(open_workbook(folder), "2026-01", by="controller")
    return open_workbook(folder)


def _two_rep_workbook(folder: Path, sales: str, incentives: str) -> Path:
    """A workbook of `sales` (a CSV with its header: Li Na in East and Zhao Lei in North), paid by the
    `incentives` YAML lines, with ACCESS's users and each rep's targets for 2026-01 and 2026-02."""
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "sales.csv").write_text(sales, encoding="utf-8")
    header = sales.splitlines()[0]
    columns = ", ".join(f"{c}: {c}" for c in header.split(","))
    (folder / "plan.yaml").write_text(
        f"name: Two Reps Co\ncurrency: CNY\nsources:\n  sales:\n    path: data/sales.csv\n    columns: {{{columns}}}\n"
        f"incentives:\n{incentives}reports:\n  dashboards: [my_targets, incentives]\n{ACCESS}",
        encoding="utf-8",
    )
    months = [f"2026-{m:02d}" for m in (1, 2)]
    open_workbook(folder).write_table(
        "targets",
        pd.DataFrame(
            [(m, r, t, 1000.0) for m in months for r, t in (("Li Na", "East"), ("Zhao Lei", "North"))],
            columns=["period", "rep", "team", "target"],
        ),  # fmt: skip
    )
    return folder


def test_a_reps_extract_pays_new_logos_and_kickers_as_the_whole_workbook_counts_them(tmp_path) -> None:
    """Zhao Lei opened ACME in January: Li Na's later ACME sale is no new logo of hers, though her extract
    holds only her own lines; Beta, which she opened, is. Deal D-9 (her 3,000 and Zhao's 3,000 the next day)
    is a large deal first booked by her, though her extract holds only her half of it."""
    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team,account,deal\n"
        "2026-01-05,500,Zhao Lei,North,ACME,D-1\n"
        "2026-02-03,700,Li Na,East,ACME,D-2\n"
        "2026-02-10,3000,Li Na,East,Beta,D-9\n"
        "2026-02-11,3000,Zhao Lei,North,Beta,D-9\n",
        "  commission: {base_rate: 0.05}\n  new_logo: {bonus: 100}\n  deal_kicker: {at_least: 5000, rate: 0.01}\n",
    )
    extracts = publish(folder, tmp_path / "state")
    li = open_workbook(extracts["li"], read_only=True)  # as Li Na's dashboard kernel opens it
    pay = pay_cube(li, incentives_of(li))
    logos = pay.groupby("period")["new_logos"].sum()
    assert logos[logos > 0].to_dict() == {pd.Period("2026-02", "M"): 1.0}  # Beta only (counted alone: 2)
    assert pay[["deals", "deal_sales"]].sum().tolist() == [1.0, 6_000.0]  # counted alone: none


def test_a_reps_extract_credits_cash_collected_and_won_accounts_as_the_whole_workbook_does(tmp_path) -> None:
    """Commission on cash collected (回款) with `account_winner`: the extract holds no receipts, and its
    lines alone would make Li Na the winner of ACME, which Zhao Lei opened in January. Her dashboard gets
    what the whole workbook credits her: Beta's 300 sold and collected; ACME's 700 go to Zhao Lei."""
    from salesplan_widgets.model.credit import credit_sales

    folder = tmp_path / "wb"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "sales.csv").write_text(
        "date,amount,rep,team,account,invoice\n"
        "2026-01-05,500,Zhao Lei,North,ACME,I-1\n"
        "2026-02-03,700,Li Na,East,ACME,I-2\n"
        "2026-02-05,300,Li Na,East,Beta,I-3\n",
        encoding="utf-8",
    )
    (folder / "data" / "receipts.csv").write_text(
        "received,paid,invoice\n2026-02-01,500,I-1\n2026-03-01,700,I-2\n2026-03-02,300,I-3\n",
        encoding="utf-8",
    )
    (folder / "plan.yaml").write_text(
        "name: Cash Co\ncurrency: CNY\nsources:\n  sales:\n    path: data/sales.csv\n"
        "    columns: {date: date, amount: amount, rep: rep, team: team, account: account, invoice: invoice}\n"
        "  receipts:\n    path: data/receipts.csv\n    columns: {date: received, amount: paid, invoice: invoice}\n"
        "incentives:\n  commission: {base_rate: 0.05}\n  collections: {rate: 0.02}\n"
        "  account_winner: {months: 6}\n"
        "reports:\n  dashboards: [my_targets, incentives]\n" + ACCESS,
        encoding="utf-8",
    )
    book = open_workbook(folder)

    def credited(workbook) -> dict:
        section = incentives_of(workbook)
        rows = credit_sales(pay_cube(workbook, section), section).assign(rep=lambda f: f["rep"].astype(str))
        return rows.groupby("rep")[["actual", "collected"]].sum().T.to_dict()

    extracts = publish(book, tmp_path / "state")
    li = open_workbook(extracts["li"], read_only=True)  # as Li Na's dashboard kernel opens it
    assert li.plan.sources.receipts is None
    assert credited(li)["Li Na"] == credited(book)["Li Na"] == {"actual": 300.0, "collected": 300.0}
    zhao = open_workbook(extracts["zhao"], read_only=True)
    assert (
        credited(zhao)["Zhao Lei"] == credited(book)["Zhao Lei"] == {"actual": 1_200.0, "collected": 1_200.0}
    )


@pytest.mark.parametrize("overlay", [False, True], ids=["instead", "overlay"])
def test_a_scoped_extract_names_and_pays_only_its_own_people(tmp_path, overlay: bool) -> None:
    """Zhao Lei won ACME in January; Li Na books 700 on it in February. The whole workbook credits those 700
    to Zhao (instead of Li, or beside her as an overlay) and pays Chen Jie, East's manager, an override on
    Li's sales. Li's extract keeps the line (her credit is the whole workbook's), but names neither Zhao nor
    Chen; Zhao's extract credits him the 700, but does not name Li."""
    from salesplan_widgets.model.credit import credit_sales
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator
    from salesplan_widgets.workbook.payouts import period_statements

    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team,account\n"
        "2026-01-05,500,Zhao Lei,North,ACME\n"
        "2026-02-03,700,Li Na,East,ACME\n"
        "2026-02-05,300,Li Na,East,Beta\n",
        "  commission: {base_rate: 0.05}\n"
        f"  account_winner: {{months: 6, overlay: {str(overlay).lower()}}}\n"
        "  hierarchy: [{manager: Chen Jie, team: East, override_rate: 0.01}]\n",
    )
    book = open_workbook(folder)

    def credited(workbook) -> dict[str, float]:
        section = incentives_of(workbook)
        rows = credit_sales(pay_cube(workbook, section), section)
        return rows.groupby(rows["rep"].astype(str))["actual"].sum().to_dict()

    def paid(workbook) -> dict[str, float]:
        reps = period_statements(workbook, "2026-02").reps
        return reps.groupby(reps["rep"].astype(str))["payout"].sum().to_dict()

    whole, whole_paid = credited(book), paid(book)
    assert whole["Zhao Lei"] == 1_200.0 and whole["Li Na"] == (1_000.0 if overlay else 300.0)
    assert whole_paid["Chen Jie"] > 0  # the manager's override on East's sales
    extracts = publish(book, tmp_path / "state")
    for user, rep in (("li", "Li Na"), ("zhao", "Zhao Lei")):
        extract = open_workbook(extracts[user], read_only=True)  # as the rep's dashboard kernel opens it
        assert credited(extract) == {rep: whole[rep]}, user
        assert paid(extract) == {rep: whole_paid[rep]}, user
        calculator = IncentiveCalculator(extract, period="2026-02")
        assert calculator.reps == (rep,), user
        assert set(calculator.statements.reps["rep"].astype(str)) == {rep}, user


@pytest.mark.parametrize("overlay", [False, True], ids=["instead", "overlay"])
def test_a_reps_extract_claws_back_returns_as_the_whole_workbook_does(tmp_path, overlay: bool) -> None:
    """Zhao Lei won ACME; Li Na's ACME deal D-2 is credited to him, and so is its return in February. Li won
    Beta: deal D-9 there (her 3,000, then Zhao's 3,000) is all credited to her, a large deal whose kicker
    paid her; Zhao's return of his half takes back her commission and kicker on it. Counted on an extract's
    own lines, Li's return on ACME would be won by nobody (hers to give back), Zhao's of D-9 not hers, and
    D-9 sold by Zhao at 3,000, his to give back. Chen Jie, East's manager, gives back his override on D-9,
    which Zhao (outside his extract's scope) returned. As overlays, each winner gives back beside the
    booker: the extracts still give back what the whole workbook does."""
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator
    from salesplan_widgets.workbook.ledger import (
        compute_payments,
        read_ledger,
    )
    from salesplan_widgets.workbook.returns import deal_returns

    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team,account,deal\n"
        "2026-01-05,500,Zhao Lei,North,ACME,D-1\n"
        "2026-01-12,700,Li Na,East,ACME,D-2\n"
        "2026-01-20,3000,Li Na,East,Beta,D-9\n"
        "2026-01-21,3000,Zhao Lei,North,Beta,D-9\n"
        "2026-02-03,-700,Li Na,East,ACME,D-2\n"
        "2026-02-04,-3000,Zhao Lei,North,Beta,D-9\n",
        "  commission: {base_rate: 0.05}\n"
        f"  account_winner: {{months: 6, overlay: {str(overlay).lower()}}}\n"
        "  deal_kicker: {at_least: 5000, rate: 0.01}\n  clawback: {window_days: 60}\n"
        "  hierarchy: [{manager: Chen Jie, team: East, override_rate: 0.01}]\n",
    )
    book = closed_january(folder)

    def clawbacks(workbook, rep: str) -> list[tuple[str, float]]:
        """The calculator's payment panel for a rep; what closing February would pay, for a manager."""
        if rep in IncentiveCalculator(workbook, period="2026-02").reps:
            table = IncentiveCalculator(workbook, period="2026-02", rep=rep).payment_table
            rows = table[table["kind"] == "clawback"]
            return sorted(zip(rows["rule"], rows["amount"], strict=True))
        lines = compute_payments(workbook, "2026-02").payments.lines
        rows = lines[(lines["kind"] == "clawback").to_numpy() & (lines["rep"] == rep).to_numpy()]
        return sorted(zip(rows["rule"], rows["amount_minor"] / 100, strict=True))

    whole = {rep: clawbacks(book, rep) for rep in ("Li Na", "Zhao Lei", "Chen Jie")}
    if not overlay:
        assert [amount for _rule, amount in whole["Li Na"]] == [
            -180.0
        ]  # D-9: 5% and the kicker's 1% of 3,000
        assert [amount for _rule, amount in whole["Zhao Lei"]] == [-35.0]  # D-2: 5% of 700
        assert [amount for _rule, amount in whole["Chen Jie"]] == [-30.0]  # D-9: his override, 1% of 3,000
    else:  # both booker and winner give back: Li her D-2 besides Zhao, Zhao his D-9 besides Li
        assert len(whole["Li Na"]) == len(whole["Zhao Lei"]) == 2 and whole["Chen Jie"]
    returned = deal_returns(book, incentives_of(book)).set_index("deal")
    paid = read_ledger(book).lines
    extracts = publish(book, tmp_path / "state")
    scopes = (
        ("li", {"Li Na"}, "Zhao Lei"),
        ("zhao", {"Zhao Lei"}, "Li Na"),
        ("boss", {"Li Na", "Chen Jie"}, "Zhao Lei"),
    )
    for user, people, other in scopes:
        extract = open_workbook(extracts[user], read_only=True)  # as the user's dashboard kernel opens it
        for rep in people:
            assert clawbacks(extract, rep) == whole[rep], (user, rep)
        rows = deal_returns(extract, incentives_of(extract)).set_index("deal")
        assert sorted(rows.index) == ["D-2", "D-9"], user
        assert (
            rows["sold_size"].to_dict() == returned["sold_size"].to_dict() == {"D-2": 700.0, "D-9": 6_000.0}
        )
        assert other not in set(rows.astype(str).to_numpy().ravel()), user
        ledger = read_ledger(extract)  # the scope's paid lines, in a journal that verifies
        assert set(ledger.lines["rep"]) == people, user
        mine = paid[paid["rep"].isin(people)]
        assert ledger.lines["amount_minor"].sum() == mine["amount_minor"].sum() > 0, user
        assert ledger.closings["total_minor"].astype(int).tolist() == [mine["amount_minor"].sum()], user
        private = [p for d in (".cache", "data", "ledger", "tables") for p in (extracts[user] / d).rglob("*")]
        assert other not in "".join(p.read_bytes().decode("latin-1") for p in private if p.is_file()), user


def test_a_reps_extract_credits_splits_of_others_sales_as_the_whole_workbook_does(tmp_path) -> None:
    """Li Na's sales are split half to Zhao Lei; Beta's half to Zhao, a quarter to Wang Fang and a quarter to
    Li, with Chen Jie, East's manager, as an overlay; Gamma's to Li, with Zhao as an overlay. Each extract
    holds only its scope's lines, yet credits its people what the whole workbook credits them from
    everyone's splits (an owner's share or an overlay, as such; Chen's override on East's sales, Zhao's
    share of Li's included) and names nobody else, not even in its plan's splits."""
    from salesplan_widgets.model.credit import credit_sales
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator
    from salesplan_widgets.workbook.payouts import period_statements

    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team,account\n"
        "2026-01-05,1000,Li Na,East,ACME\n"
        "2026-01-06,2000,Zhao Lei,North,Beta\n"
        "2026-01-07,600,Li Na,East,Gamma\n"
        "2026-02-03,800,Zhao Lei,North,ACME\n",
        "  commission: {base_rate: 0.05}\n  crediting:\n"
        "  - {account: Beta, shares: {Zhao Lei: 0.5, Wang Fang: 0.25, Li Na: 0.25}, overlays: {Chen Jie: 1.0}}\n"
        "  - {account: Gamma, shares: {Li Na: 1.0}, overlays: {Zhao Lei: 1.0}}\n"
        "  - {rep: Li Na, shares: {Li Na: 0.5, Zhao Lei: 0.5}}\n"
        "  hierarchy: [{manager: Chen Jie, team: East, override_rate: 0.01}]\n",
    )
    book = open_workbook(folder)

    def credited(workbook) -> dict[tuple[str, str], float]:
        section = incentives_of(workbook)
        rows = credit_sales(pay_cube(workbook, section), section)
        return rows.groupby([rows["rep"].astype(str), rows["credit"]])["actual"].sum().to_dict()

    def paid(workbook, month: str) -> dict[str, float]:
        reps = period_statements(workbook, month).reps
        return reps.groupby(reps["rep"].astype(str))["payout"].sum().to_dict()

    whole = credited(book)
    assert whole[("Zhao Lei", "split")] == 1_000.0 + 500.0  # Beta's half, Li's ACME half
    assert whole[("Zhao Lei", "overlay")] == 600.0  # Gamma
    assert whole[("Li Na", "split")] == 500.0 + 500.0 + 600.0  # Beta's quarter, her ACME half, Gamma
    extracts = publish(book, tmp_path / "state")
    assert whole[("Chen Jie", "overlay")] == 2_000.0 and whole[("Chen Jie", "team_override")] == 1_600.0
    for user, people in (("li", {"Li Na"}), ("zhao", {"Zhao Lei"}), ("boss", {"Li Na", "Chen Jie"})):
        extract = open_workbook(extracts[user], read_only=True)  # as the user's dashboard kernel opens it
        assert credited(extract) == {key: value for key, value in whole.items() if key[0] in people}, user
        for month in ("2026-01", "2026-02"):
            whole_paid = paid(book, month)
            assert paid(extract, month) == {r: whole_paid[r] for r in people if r in whole_paid}, (
                user,
                month,
            )
        assert set(IncentiveCalculator(extract, period="2026-01").reps) <= people, user
        stored = (extracts[user] / "plan.yaml").read_text(encoding="utf-8") + "".join(
            p.read_bytes().decode("latin-1")
            for d in (".cache", "data")
            for p in (extracts[user] / d).rglob("*")
        )
        for other in {"Li Na", "Zhao Lei", "Wang Fang", "Chen Jie"} - people:
            assert other not in stored, (user, other)


def test_a_reps_extract_claws_back_their_share_of_a_split_deal_another_rep_returned(tmp_path) -> None:
    """Li Na's deals on Beta are split half to Zhao Lei, with Wang Fang as an overlay. When Li's deal B-1
    comes back in February, Zhao gives back his half though his extract holds none of Li's lines, and
    his extract names neither Li nor Wang."""
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator

    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team,account,deal\n"
        "2026-01-05,500,Zhao Lei,North,ACME,A-1\n"
        "2026-01-12,2000,Li Na,East,Beta,B-1\n"
        "2026-02-03,-2000,Li Na,East,Beta,B-1\n",
        "  commission: {base_rate: 0.05}\n  clawback: {window_days: 60}\n"
        "  crediting: [{account: Beta, shares: {Li Na: 0.5, Zhao Lei: 0.5}, overlays: {Wang Fang: 1.0}}]\n",
    )
    book = closed_january(folder)

    def clawbacks(workbook, rep: str) -> list[float]:
        table = IncentiveCalculator(workbook, period="2026-02", rep=rep).payment_table
        return table.loc[table["kind"] == "clawback", "amount"].tolist()

    assert clawbacks(book, "Zhao Lei") == [-50.0]  # 5% of his half of 2,000
    extracts = publish(book, tmp_path / "state")
    zhao = open_workbook(extracts["zhao"], read_only=True)  # as Zhao's dashboard kernel opens it
    assert clawbacks(zhao, "Zhao Lei") == [-50.0]
    assert (
        clawbacks(open_workbook(extracts["li"], read_only=True), "Li Na")
        == clawbacks(book, "Li Na")
        == [-50.0]
    )
    private = [p for d in (".cache", "data", "ledger", "tables") for p in (extracts["zhao"] / d).rglob("*")]
    stored = "".join(p.read_bytes().decode("latin-1") for p in private if p.is_file())
    stored += (extracts["zhao"] / "plan.yaml").read_text(encoding="utf-8")
    assert "Li Na" not in stored and "Wang Fang" not in stored


def test_a_reps_extract_shows_their_manual_adjustments_of_the_open_month_and_no_one_elses(tmp_path) -> None:
    """Finance entered a bonus for Li Na and a recovery from Zhao Lei in open February. Li's payment panel in
    her extract shows her line as the whole workbook does; nothing of Zhao's adjustment is in her extract."""
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator
    from salesplan_widgets.workbook.adjustments import add_adjustment

    folder = _two_rep_workbook(
        tmp_path / "wb",
        "date,amount,rep,team\n2026-01-05,500,Zhao Lei,North\n2026-01-12,2000,Li Na,East\n"
        "2026-02-03,900,Li Na,East\n2026-02-04,300,Zhao Lei,North\n",
        "  commission: {base_rate: 0.05}\n",
    )
    book = closed_january(folder)
    add_adjustment(book, "2026-02", "Li Na", 120.0, "Trade-fair bonus", "Chen Jie", by="finance")
    add_adjustment(book, "2026-02", "Zhao Lei", -40.0, "Sample not returned", "Chen Jie", by="finance")

    def manual(workbook, rep: str) -> list[float]:
        table = IncentiveCalculator(workbook, period="2026-02", rep=rep).payment_table
        return table.loc[table["kind"] == "manual", "amount"].tolist()

    assert manual(book, "Li Na") == [120.0]
    extracts = publish(book, tmp_path / "state")
    assert manual(open_workbook(extracts["li"], read_only=True), "Li Na") == [120.0]
    assert manual(open_workbook(extracts["zhao"], read_only=True), "Zhao Lei") == [-40.0]
    private = [p for d in (".cache", "data", "ledger", "tables") for p in (extracts["li"] / d).rglob("*")]
    stored = "".join(p.read_bytes().decode("latin-1") for p in private if p.is_file())
    assert "Trade-fair bonus" in stored and "Sample not returned" not in stored and "Zhao Lei" not in stored

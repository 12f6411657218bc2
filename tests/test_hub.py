"""`salesplan hub` against a real JupyterHub, the real configurable-http-proxy and headless Chromium.

One hub serves the whole module (a start costs seconds, each user's server more): the demo company with
its `access` section, signed in through the real login page. The last test stops it with SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psutil
import pytest
from hub_accounts import hub_accounts

from salesplan_widgets import open_workbook
from salesplan_widgets.demo import create_demo
from salesplan_widgets.i18n import fmt_money
from salesplan_widgets.serve import free_port
from salesplan_widgets.workbook.feedback import read_feedback
from salesplan_widgets.workbook.inbox import import_inbox
from salesplan_widgets.workbook.ledger import approve_payments, close_and_publish
from salesplan_widgets.workbook.payouts import write_payouts
from salesplan_widgets.workbook.publish import RECOGNITION_FILE, os_account

PASSWORD = "correct-horse-battery"
NOT_PERMITTED = "You are not permitted to see that team's or rep's numbers"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub starts servers as other OS users: needs root"),
]


@dataclass
class Hub:
    url: str
    process: subprocess.Popen
    workbook: Path
    state: Path
    ports: tuple[int, int, int]
    reps: pd.DataFrame  # the demo roster: rep, team
    users: dict  # hub user -> HubUser

    def rep_of(self, user: str) -> str:
        return self.users[user].rep

    def team_of(self, rep: str) -> str:
        return self.reps.loc[self.reps["rep"] == rep, "team"].iloc[0]


def _wait_for(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory):
    workbook = create_demo(tmp_path_factory.mktemp("hub") / "wb", end="2026-10", rows=20_000)
    workbook.chmod(0o750)  # the hub refuses a workbook other OS users could open
    write_payouts(open_workbook(workbook), "2026-09", by="analyst")  # a closed quarter: every rep's statement
    approve_payments(open_workbook(workbook), "2026-09", by="finance")
    close_and_publish(open_workbook(workbook), "2026-09", by="controller")
    state = Path(tempfile.mkdtemp(prefix="salesplan-hub-test-"))
    state.chmod(0o711)
    users = dict(open_workbook(workbook).plan.access.users)
    ports = (free_port(), free_port(), free_port())
    with hub_accounts(users), (state / "cli.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "salesplan_widgets.cli", "hub", str(workbook), "--state", str(state),
             "--port", str(ports[0]), "--hub-port", str(ports[1]), "--proxy-api-port", str(ports[2])],
            env={**os.environ, "SALESPLAN_HUB_PASSWORD": PASSWORD},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{ports[0]}"
        try:
            try:
                _wait_for(url + "/hub/health", timeout=240, process=process)
            except TimeoutError:  # say why: the hub's own log (it is deleted with the state folder)
                tail = (state / "cli.log").read_text(errors="replace")[-4000:]
                raise AssertionError(f"the hub did not answer; its log ends:\n{tail}") from None
            reps = pd.read_csv(workbook / "data" / "reps.csv", dtype=str)[["rep", "team"]]
            yield Hub(url, process, workbook, state, ports, reps, users)
        finally:
            _stop(process)
            shutil.rmtree(state, ignore_errors=True)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the hub; then nothing of it may run on, or its users' accounts could not be deleted."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything of its session left behind
    process.wait()


@pytest.fixture(scope="module")
def signed_in(hub: Hub, browser):
    """user -> a browser page signed in as that user through the hub's login page (one context each)."""
    pages = {}

    def sign_in(user: str):
        if user not in pages:
            context = browser.new_context()
            page = context.new_page()
            page.goto(hub.url + "/hub/login")
            page.fill("#username_input", user)
            page.fill("#password_input", PASSWORD)
            page.click("#login_submit")
            page.wait_for_url(f"**/user/{user}/**", timeout=120_000)
            pages[user] = page
        return pages[user]

    yield sign_in
    for page in pages.values():
        page.context.close()


def _dashboard(page, url: str, selector: str = ".salesplan-my-targets") -> str:
    page.goto(url)
    try:
        page.wait_for_selector(selector, timeout=120_000)
    except Exception as exc:
        raise AssertionError(f"{page.url} did not show {selector}: {page.inner_text('body')[:2000]}") from exc
    return page.inner_text("body")


def _year_target(hub: Hub, rows: pd.Series) -> str:
    targets = pd.read_csv(hub.workbook / "tables" / "targets.csv", dtype={"rep": str, "team": str})
    return fmt_money(targets.loc[rows(targets), "target"].sum(), "CNY", "en", digits=False)


def test_anonymous_visitor_gets_the_login_page(hub: Hub, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(hub.url + "/user/rex/voila/render/my_targets.ipynb?rep=x")
    page.wait_for_selector("#username_input")
    assert "/hub/login" in page.url
    page.fill("#username_input", "rex")
    page.fill("#password_input", "wrong password")
    page.click("#login_submit")
    page.wait_for_selector("#username_input")
    assert "/user/rex/" not in page.url and "Invalid username or password" in page.inner_text("body")
    context.close()


def test_rep_signs_in_and_sees_only_their_own_targets_and_payout(hub: Hub, signed_in) -> None:
    page = signed_in("rex")
    rep = hub.rep_of("rex")
    assert page.url.split("?")[0].endswith("/user/rex/voila/render/my_targets.ipynb")  # their start page
    text = _dashboard(page, page.url)
    assert rep in text
    assert _year_target(hub, lambda t: t["rep"] == rep) in text
    others = set(hub.reps["rep"]) - {rep}
    assert not [name for name in others if name in text]
    payouts = _dashboard(page, hub.url + "/user/rex/voila/render/incentives.ipynb", "text=Payout summary")
    own_part, public_part = payouts.split("Recognition as published for", 1)
    assert not [name for name in others if name in own_part]
    published = (hub.state / "extracts" / "rex" / RECOGNITION_FILE).read_text(encoding="utf-8")
    assert [name for name in others if name in public_part] == [name for name in others if name in published]


def test_rep_reads_their_own_closed_statement_and_never_another_reps(hub: Hub, signed_in) -> None:
    page = signed_in("rex")
    own, other = hub.rep_of("rex"), hub.rep_of("rob")
    url = hub.url + "/user/rex/voila/render/statements.ipynb"
    text = _dashboard(page, url, ".salesplan-statements iframe").replace("\xa0", " ")
    assert f"Sep 2026 · {own} · Closed: final" in text
    assert "Closed by controller on " in text  # the status box names who closed it, from the extract's index
    document = page.frame_locator("iframe.salesplan-statement").locator("body").inner_text()
    assert f"Rep: {own}" in document and "Total for this period" in document
    assert page.get_attribute("a.salesplan-statement-xlsx", "download") == "statement-2026-09.en.xlsx"
    asked = _dashboard(page, url + "?rep=" + other.replace(" ", "+"), ".salesplan-statements iframe")
    assert NOT_PERMITTED in asked
    shown = page.frame_locator("iframe.salesplan-statement").locator("body").inner_text()
    assert other not in asked + text and other not in shown + document and f"Rep: {own}" in shown


def test_the_statements_page_is_titled_for_who_reads_it(hub: Hub, signed_in) -> None:
    for user, title in (("rex", "My commission statements"), ("mia", "My team's commission statements"),
                        ("fei", "Commission statements")):  # fmt: skip
        page = signed_in(
            user
        ).context.new_page()  # a tab of its own: the signed-in page stays where it landed
        try:
            _dashboard(
                page, hub.url + f"/user/{user}/voila/render/statements.ipynb", ".salesplan-statements iframe"
            )
            assert page.inner_text(".salesplan-statements h3") == title, user
        finally:
            page.close()


def test_rep_address_edited_to_another_rep_shows_not_permitted_and_never_their_numbers(
    hub: Hub, signed_in
) -> None:
    page = signed_in("rex")
    own, other = hub.rep_of("rex"), hub.rep_of("rob")
    for query in (f"rep={other}", f"team={hub.team_of(other)}", f"rep={other}&team={hub.team_of(own)}"):
        text = _dashboard(page, hub.url + f"/user/rex/voila/render/my_targets.ipynb?{query}")
        assert NOT_PERMITTED in text, query
        assert other not in text and own in text
        assert _year_target(hub, lambda t: t["rep"] == own) in text


def test_manager_of_east_sees_east_only(hub: Hub, signed_in) -> None:
    page = signed_in("mia")
    team = hub.users["mia"].teams[0]
    text = _dashboard(page, hub.url + "/user/mia/voila/render/my_targets.ipynb")
    assert _year_target(hub, lambda t: t["team"] == team) in text
    team_reps = set(hub.reps.loc[hub.reps["team"] == team, "rep"])
    options = page.locator("select").nth(0).locator("option").all_inner_texts()
    assert sorted(o.replace("\xa0", " ") for o in options) == ["All teams", team]
    assert not [name for name in set(hub.reps["rep"]) - team_reps if name in text]
    other_team = sorted(set(hub.reps["team"]) - {team})[0]
    text = _dashboard(page, hub.url + f"/user/mia/voila/render/my_targets.ipynb?team={other_team}")
    assert NOT_PERMITTED in text
    assert _year_target(hub, lambda t: t["team"] == team) in text


def test_finance_sees_every_teams_payouts(hub: Hub, signed_in) -> None:
    page = signed_in("fei")
    assert page.url.split("?")[0].endswith("/user/fei/voila/render/incentives.ipynb")
    text = _dashboard(page, page.url, "text=Payout summary")
    rows = {line.split("\t")[0]: line.split("\t")[1] for line in text.splitlines() if line.count("\t") == 3}
    assert {team: rows.get(team) for team in set(hub.reps["team"])} == dict.fromkeys(
        set(hub.reps["team"]), "10"
    )


def test_analyst_gets_jupyterlab_on_the_workbook(hub: Hub, signed_in) -> None:
    page = signed_in("ana")
    page.wait_for_selector(".jp-DirListing-item", timeout=120_000)
    assert page.url.split("?")[0].endswith("/user/ana/lab")
    assert "plan.yaml" in page.locator(".jp-DirListing-content").inner_text()
    listing = page.request.get(hub.url + "/user/ana/api/contents/tables").json()
    assert "targets.csv" in {item["name"] for item in listing["content"]}


def test_dashboard_users_get_no_lab_terminal_files_or_other_users_server(hub: Hub, signed_in) -> None:
    page = signed_in("rex")
    status = {path: page.request.get(hub.url + path, max_redirects=0).status for path in [
        "/user/rex/lab", "/user/rex/tree", "/user/rex/terminals/1", "/user/rex/api/terminals",
        "/user/rex/api/contents", "/user/rex/api/sessions", "/user/rex/files/my_targets.ipynb",
        "/user/rex/voila/files/my_targets.ipynb", "/user/ana/api/contents", "/user/fei/api/kernels",
    ]}  # fmt: skip
    assert all(code in (403, 404) for code in status.values()), status


def test_a_reps_note_from_the_page_reaches_the_workbook_authored_by_the_signed_in_rep(
    hub: Hub, signed_in
) -> None:
    page = signed_in("rex")
    _dashboard(page, hub.url + "/user/rex/voila/render/my_targets.ipynb", ".salesplan-send")
    page.fill(".salesplan-send textarea", "Customer visit moved to next month")
    page.click("text=Send to the analyst >> nth=-1")
    page.wait_for_selector(".salesplan-send .salesplan-ok", timeout=60_000)
    book = open_workbook(hub.workbook)
    assert import_inbox(book, hub.state).notes == 1
    notes = read_feedback(book)
    assert notes[["rep", "author", "text"]].values.tolist() == [
        [hub.rep_of("rex"), "rex", "Customer visit moved to next month"]
    ]


def test_a_rep_disputes_a_statement_line_from_the_page_and_reads_the_answer_after_the_next_publication(
    hub: Hub, signed_in
) -> None:
    from salesplan_widgets.cli import main
    from salesplan_widgets.workbook.adjustments import read_adjustments
    from salesplan_widgets.workbook.disputes import read_disputes

    page = signed_in("rex")
    url = hub.url + "/user/rex/voila/render/statements.ipynb?period=2026-09"
    _dashboard(page, url, ".salesplan-dispute select")
    lines = page.locator(".salesplan-dispute select option").all_inner_texts()
    assert lines and all(" · " in line.replace("\xa0", " ") for line in lines)
    page.select_option(".salesplan-dispute select", index=len(lines) - 1)  # the statement's last line
    page.fill(".salesplan-dispute textarea", "The Hangzhou order of 12 September is missing")
    page.click(".salesplan-raise-dispute")
    page.wait_for_selector(".salesplan-dispute .salesplan-ok", timeout=60_000)
    assert "Sent: the analyst has not imported it yet" in page.inner_text(".salesplan-disputes")

    assert main(["publish", str(hub.workbook), "--state", str(hub.state)]) == 0  # the analyst's publication
    (inquiry,) = read_disputes(open_workbook(hub.workbook)).to_dict("records")
    assert (inquiry["author"], inquiry["rep"], inquiry["period"], inquiry["line"]) == (
        "rex", hub.rep_of("rex"), "2026-09", str(len(lines)),
    )  # fmt: skip
    assert inquiry["text"] == "The Hangzhou order of 12 September is missing"
    text = _dashboard(page, url, ".salesplan-disputes")
    assert "Open: awaiting an answer" in text and "Sent: the analyst" not in text

    assert main(["dispute", str(hub.workbook), "--answer", inquiry["id"], "--text", "Added: paid with Q4",
                 "--adjust", "120", "--approver", "fei"]) == 0  # fmt: skip
    assert main(["publish", str(hub.workbook), "--state", str(hub.state)]) == 0
    (adjustment,) = read_adjustments(open_workbook(hub.workbook)).to_dict("records")
    assert adjustment["period"] == "2026-12"  # the demo pays by quarter: the first open one after Q3
    text = _dashboard(page, url, ".salesplan-disputes").replace("\xa0", " ")
    assert "Answered" in text and "Added: paid with Q4" in text and "CN¥120.00 in Dec 2026" in text
    assert hub.rep_of("rob") not in text


def _execute(hub: Hub, page, user: str, code: str) -> str:
    """Run `code` in a new kernel of `user`'s server over the kernel websocket, as a script would."""
    import websocket

    cookies = page.context.cookies(hub.url + f"/user/{user}/")
    xsrf = next(c["value"] for c in cookies if c["name"] == "_xsrf")
    response = page.request.post(
        hub.url + f"/user/{user}/api/kernels", headers={"X-XSRFToken": xsrf}, data="{}"
    )
    assert response.status == 201, response.text()
    kernel = response.json()["id"]
    ws = websocket.create_connection(
        hub.url.replace("http", "ws") + f"/user/{user}/api/kernels/{kernel}/channels",
        header=["Cookie: " + "; ".join(f"{c['name']}={c['value']}" for c in cookies)],
        timeout=60,
    )
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": user, "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))  # fmt: skip
    output, deadline = [], time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                output.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise AssertionError(msg["content"]["evalue"])
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        ws.close()
        page.request.delete(hub.url + f"/user/{user}/api/kernels/{kernel}", headers={"X-XSRFToken": xsrf})
    return "".join(output)


PROBE = """
import glob, json, os
def readable(path):
    try:
        with open(path, 'rb') as fh:
            return len(fh.read(64)) > 0
    except OSError:
        return False
def listable(path):
    try:
        os.listdir(path)
        return True
    except OSError:
        return False
found = {}
for environ in glob.glob('/proc/[0-9]*/environ'):
    try:
        data = open(environ, 'rb').read()
    except OSError:
        continue
    for item in data.split(b'\\0'):
        name = item.split(b'=')[0]
        if name in (b'JUPYTERHUB_API_TOKEN', b'CONFIGPROXY_AUTH_TOKEN', b'SALESPLAN_HUB_PASSWORD', b'JPY_API_TOKEN'):
            found[item.split(b'=', 1)[1].decode()] = environ
paths = json.loads(PATHS)
print(json.dumps({
    'read': {name: readable(path) for name, path in paths.items()},
    'list': {name: listable(path) for name, path in paths.items()},
    'secrets': sorted(found),
    'own_token': os.environ['JUPYTERHUB_API_TOKEN'],
}))
"""


def test_code_sent_to_a_reps_kernel_reads_neither_other_reps_numbers_nor_anyones_credentials(
    hub: Hub, signed_in
) -> None:
    signed_in("rob")  # rob's server runs now: his token is in a process rex's code could look at
    rob_servers = [p for p in psutil.process_iter(["username"]) if p.info["username"] == os_account("rob")]
    assert rob_servers, "rob's server should be running for this test to mean anything"
    extracts = hub.state / "extracts"
    paths = {
        "own_targets": str(extracts / "rex" / "tables" / "targets.csv"),
        "rob_targets": str(extracts / "rob" / "tables" / "targets.csv"),
        "rob_sales": str(extracts / "rob" / "data" / "sales.parquet"),
        "finance_sales": str(extracts / "fei" / "data" / "sales.parquet"),
        "workbook_plan": str(hub.workbook / "plan.yaml"),
        "workbook_targets": str(hub.workbook / "tables" / "targets.csv"),
        "hub_database": str(hub.state / "hub" / "jupyterhub.sqlite"),
        "hub_config": str(hub.state / "hub" / "jupyterhub_config.py"),
        "rob_home": str(hub.state / "home" / "rob"),
        "all_extracts": str(extracts),
    }
    code = f"PATHS = {json.dumps(json.dumps(paths))}\n" + PROBE
    result = json.loads(_execute(hub, signed_in("rex"), "rex", code).strip().splitlines()[-1])
    assert result["read"].pop("own_targets") is True  # the probe can read what rex may read
    assert not any(result["read"].values()), result["read"]
    assert not any(result["list"][name] for name in ("rob_home", "all_extracts", "workbook_targets")), result[
        "list"
    ]
    assert result["secrets"] == [result["own_token"]]  # only rex's own server token, nobody else's


def _port_free(port: int) -> bool:
    """Nobody listens on the port and a new server could bind it (as servers do, with SO_REUSEADDR)."""
    listening = {c.laddr.port for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN}
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return port not in listening


def test_sigterm_stops_the_hub_the_proxy_and_every_users_server(hub: Hub, signed_in) -> None:
    for user in ("rex", "mia", "fei", "ana"):
        signed_in(user)
    started = psutil.Process(hub.process.pid).children(recursive=True)
    servers = [p for p in started if "jupyterhub.singleuser" in " ".join(p.cmdline())]
    assert len(servers) >= 5 and any("configurable-http-proxy" in " ".join(p.cmdline()) for p in started)
    hub.process.send_signal(signal.SIGTERM)
    assert hub.process.wait(timeout=90) == 0
    gone, alive = psutil.wait_procs(started, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
    accounts = {os_account(u) for u in hub.users}
    assert not [p for p in psutil.process_iter(["username"]) if p.info["username"] in accounts]
    assert {port: _port_free(port) for port in hub.ports} == dict.fromkeys(hub.ports, True)

"""A statement document says the ledger state it was written in, and each ledger step rewrites it.

Through the real command line on a minimal workbook (date, amount, rep): prepare → approve → close. After
each step the HTML and Excel documents on disk, in both languages, say prepared, approved (not yet closed)
or closed (final), in the same words the statements dashboard shows for that state.
"""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_ledger import make_workbook

from salesplan_widgets.cli import main
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import APPROVED, CLOSED, PREPARED

HEADLINES = {
    "en": {
        PREPARED: "Prepared: awaiting approval by finance, may still change",
        APPROVED: "Approved by finance, not yet closed: may still change",
        CLOSED: "Closed: final",
    },
    "zh_CN": {PREPARED: "已编制：等待财务批准，仍可能变动", APPROVED: "财务已批准，尚未结账：仍可能变动",
              CLOSED: "已结账：最终版本"},
}  # fmt: skip
MONTHS = {
    "en": {"2026-01": "Jan 2026", "2026-02": "Feb 2026"},
    "zh_CN": {"2026-01": "2026年1月", "2026-02": "2026年2月"},
}


def _documents(folder: Path, rep: str, locale: str) -> tuple[str, str]:
    """A rep's January statement as written: the HTML page and the Excel sheet's status cell."""
    book = open_workbook(folder)
    page = statement_path(book, "2026-01", rep, locale).read_text(encoding="utf-8")
    sheet = load_workbook(statement_path(book, "2026-01", rep, locale, ".xlsx")).active
    return page, str(sheet["A2"].value or "")


def _says(folder: Path, state: str) -> None:
    """Every rep's documents in both languages say `state`, and no other state."""
    for rep in ("Li", "Wang"):
        for locale, headlines in HEADLINES.items():
            page, cell = _documents(folder, rep, locale)
            for text in (page, cell):
                assert headlines[state] in text, (rep, locale, state, text[:300])
                others = [h for s, h in headlines.items() if s != state]
                assert not any(h in text for h in others), (rep, locale, state)


def test_each_ledger_step_through_the_cli_rewrites_the_documents_in_the_state_it_reached(tmp_path, capsys):
    folder = make_workbook(tmp_path / "wb")
    assert main(["payouts", str(folder), "--period", "2026-01"]) == 0
    _says(folder, PREPARED)
    assert main(["payouts", str(folder), "--period", "2026-01", "--approve"]) == 0
    _says(folder, APPROVED)
    assert main(["close", str(folder), "--period", "2026-01"]) == 0
    _says(folder, CLOSED)


def test_an_approved_document_names_who_approved_it_and_a_closed_one_who_closed_it(tmp_path):
    from salesplan_widgets.workbook.ledger import approve_and_publish, close_and_publish
    from salesplan_widgets.workbook.payouts import write_payouts

    folder = make_workbook(tmp_path / "wb")
    write_payouts(open_workbook(folder), "2026-01", by="analyst")
    approve_and_publish(open_workbook(folder), "2026-01", by="Zhou Min")
    page, cell = _documents(folder, "Li", "en")
    assert "Approved by Zhou Min on " in page and "Approved by Zhou Min on " in cell
    page, cell = _documents(folder, "Li", "zh_CN")
    assert "由 Zhou Min 于 " in page and "批准" in cell and "Zhou Min" in cell
    close_and_publish(open_workbook(folder), "2026-01", by="Chen Jie")
    page, cell = _documents(folder, "Li", "en")
    assert "Closed by Chen Jie on " in page and "approved by Zhou Min on " in page
    assert "Closed by Chen Jie on " in cell
    page, _cell = _documents(folder, "Li", "zh_CN")
    assert "由 Chen Jie 于 " in page and "结账" in page and "T0" not in page  # a date, not an ISO stamp


PLAN = """\
name: Readers Co
currency: CNY
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, team: team}}
incentives:
  measurement: monthly
  cumulative: false
  commission:
    tiers:
      bands: [{{at_least: 0, rate: 0.10}}]
access:
  users:
    fin: {{role: finance}}
    boss: {{role: manager, teams: [East]}}
    vp: {{role: manager, teams: [East, North]}}
    li: {{role: rep, rep: Li}}
"""


@pytest.fixture(scope="module", params=["en", "zh_CN"])
def published(request, tmp_path_factory) -> tuple[str, Path, dict[str, Path]]:
    """January closed and February approved through the CLI, a dispute from Li and one from Zhao, then
    published to each hub user: (locale, workbook, extracts)."""
    import pandas as pd

    from salesplan_widgets.workbook.disputes import log_inquiry
    from salesplan_widgets.workbook.publish import publish

    locale = request.param
    folder = tmp_path_factory.mktemp("readers") / "wb"
    (folder / "data").mkdir(parents=True)
    sales = [("2026-01-15", 1000, "Li", "East"), ("2026-01-16", 800, "Wang", "East"),
             ("2026-01-17", 1200, "Zhao", "North"), ("2026-02-15", 2000, "Li", "East"),
             ("2026-02-16", 900, "Wang", "East"), ("2026-02-17", 700, "Zhao", "North")]  # fmt: skip
    pd.DataFrame(sales, columns=["date", "amount", "rep", "team"]).to_csv(
        folder / "data" / "sales.csv", index=False
    )
    (folder / "plan.yaml").write_text(PLAN.format(locale=locale), encoding="utf-8")
    people = {rep: team for _d, _a, rep, team in sales}
    targets = [(m, rep, team, 1000.0) for m in pd.period_range("2026-01", periods=12, freq="M")
               for rep, team in people.items()]  # fmt: skip
    open_workbook(folder).write_table(
        "targets", pd.DataFrame(targets, columns=["period", "rep", "team", "target"])
    )
    for step in (["payouts"], ["payouts", "--approve"], ["close"]):
        assert main([step[0], str(folder), "--period", "2026-01", *step[1:]]) == 0
    for step in (["payouts"], ["payouts", "--approve"]):
        assert main([step[0], str(folder), "--period", "2026-02", *step[1:]]) == 0
    log_inquiry(open_workbook(folder), "2026-01", "Li", 1, "Is the Wuhan order in?", user="li")
    log_inquiry(open_workbook(folder), "2026-01", "Zhao", 1, "Zhao's question", user="zhao")
    return locale, folder, publish(folder, tmp_path_factory.mktemp("state"))


def _page(extract: Path, query: str = ""):
    from salesplan_widgets.hub.scoped import scoped_dashboard

    # opening the extract sets the plan's language, as in the served page's kernel (conftest resets it)
    return scoped_dashboard(extract, "statements", query)


TITLES = {
    "en": {"li": ("My commission statements", "My disputes"),
           "boss": ("My team's commission statements", "My team's disputes"),
           "vp": ("My teams' commission statements", "My teams' disputes"),
           "fin": ("Commission statements", "Disputes")},
    "zh_CN": {"li": ("我的提成结算单", "我的申诉"), "boss": ("我团队的提成结算单", "我团队的申诉"),
              "vp": ("我各团队的提成结算单", "我各团队的申诉"), "fin": ("提成结算单", "申诉")},
}  # fmt: skip


def _title(html: str, tag: str) -> str:
    import re

    found = re.search(rf"<{tag}>(.*?)</{tag}>", html)
    assert found, html[:200]
    return unescape(found.group(1))


def test_the_statements_page_titles_its_tables_by_who_reads_them(published):
    locale, _folder, extracts = published
    for user, (statements, disputes) in TITLES[locale].items():
        view = _page(extracts[user])
        assert _title(view.children[0].value, "h3") == statements, user
        assert _title(view.disputes.value, "h4") == disputes, user
    # what each lists matches its title: Li's own, the East manager's team, finance everyone's
    listed = {user: unescape(_page(extracts[user]).disputes.value) for user in TITLES[locale]}
    assert "Is the Wuhan order in?" in listed["li"] and "Zhao's question" not in listed["li"]
    assert "Is the Wuhan order in?" in listed["boss"] and "Zhao's question" not in listed["boss"]
    assert "Zhao's question" in listed["vp"] and "Zhao's question" in listed["fin"]


def test_the_page_and_the_document_it_shows_say_the_same_ledger_state(published):
    locale, _folder, extracts = published
    view = _page(extracts["li"])
    seen = {}
    for label, index in view.chooser.options:
        view.chooser.value = index
        period = {v: k for k, v in MONTHS[locale].items()}[label.split(" · ")[0]]
        state = {"2026-01": CLOSED, "2026-02": APPROVED}[period]
        headline = HEADLINES[locale][state]
        assert headline in label and headline in view.status.value, (period, view.status.value)
        assert headline in view.document.value, period  # the document's own status line, in its frame
        seen[period] = state
    assert seen == {"2026-01": CLOSED, "2026-02": APPROVED}


INTERIM = {
    "en": "Interim: not paid on its own; paid with the statement that ends its measurement period",
    "zh_CN": "期中结算单：不单独支付，随考核期最后一个月的结算单一并支付",
}


def test_a_month_inside_a_quarter_is_interim_never_awaiting_an_approval_it_cannot_get(tmp_path, capsys):
    from test_statement_reading import make_workbook as quarterly_workbook

    from salesplan_widgets.hub.scoped import scoped_dashboard
    from salesplan_widgets.workbook.publish import publish

    sales = [("2026-01-10", 1_000, "李伟"), ("2026-02-10", 2_000, "李伟"), ("2026-03-10", 4_000, "李伟")]
    folder = quarterly_workbook(tmp_path / "wb", sales, grain="month", measurement="quarterly")
    assert main(["payouts", str(folder), "--period", "2026-01"]) == 0
    assert main(["payouts", str(folder), "--period", "2026-01", "--approve"]) == 1  # only March is approved
    assert "2026-01 不是 季度 考核期的最后一个月" in capsys.readouterr().err  # the plan's language throughout
    book = open_workbook(folder)
    for locale in ("en", "zh_CN"):
        page = statement_path(book, "2026-01", "李伟", locale).read_text(encoding="utf-8")
        cell = load_workbook(statement_path(book, "2026-01", "李伟", locale, ".xlsx")).active["A2"].value
        assert INTERIM[locale] in page and cell == INTERIM[locale]
        assert HEADLINES[locale][PREPARED] not in page
    for step in (["payouts"], ["payouts", "--approve"], ["close"]):
        assert main([step[0], str(folder), "--period", "2026-03", *step[1:]]) == 0
    (tmp_path / "inbox").mkdir()  # signed in as the rep, who could dispute a closed statement's line
    view = scoped_dashboard(
        publish(folder, tmp_path / "state")["li"], "statements", "", inbox=tmp_path / "inbox"
    )
    states = {label.split(" · ")[0]: label.split(" · ")[2] for label, _i in view.chooser.options}
    assert states == {"2026年1月": INTERIM["zh_CN"], "2026年3月": HEADLINES["zh_CN"][CLOSED]}
    view.chooser.value = [i for label, i in view.chooser.options if label.startswith("2026年1月")][0]
    assert INTERIM["zh_CN"] in view.status.value and INTERIM["zh_CN"] in view.document.value
    assert view.dispute.button.disabled  # nothing to dispute on a statement that pays nothing itself
    assert (
        "期中结算单本身不支付任何款项：请在考核期最后一个月的结算单上对该行提出申诉。"
        in view.dispute.reason.value
    )


def test_the_statements_page_names_each_month_as_its_reader_says_it_newest_first(published):
    locale, _folder, extracts = published
    months = MONTHS[locale]
    view = _page(extracts["li"])
    labels = [label for label, _i in view.chooser.options]
    assert [label.split(" · ")[0] for label in labels] == [months["2026-02"], months["2026-01"]]
    assert not any("2026-0" in label for label in labels)
    disputes = unescape(view.disputes.value)  # the disputes table's statement column
    assert f"<td>{months['2026-01']}</td>" in disputes and "2026-01" not in disputes
    # the address still names a month by its key
    chosen = _page(extracts["li"], "period=2026-01")
    assert chosen.chooser.label.startswith(months["2026-01"])


def _journal_event(folder: Path, period: str, event: str) -> dict:
    from salesplan_widgets.workbook.ledger import read_ledger

    journal = read_ledger(open_workbook(folder)).journal
    rows = journal[(journal["period"].astype(str) == period) & (journal["event"] == event)]
    return rows.iloc[-1].to_dict()


def test_the_status_box_says_who_approved_and_who_closed_the_statement_and_on_which_day(published):
    from salesplan_widgets.i18n import fmt_date

    locale, folder, extracts = published
    closed, approved = _journal_event(folder, "2026-01", CLOSED), _journal_event(folder, "2026-02", APPROVED)
    day = {e["at"]: fmt_date(pd_date(e["at"]), locale) for e in (closed, approved)}
    wording = {
        "en": {"2026-01": f"Closed by {closed['by']} on {day[closed['at']]}; approved by {closed['approved_by']}",
               "2026-02": f"Approved by {approved['by']} on {day[approved['at']]}"},
        "zh_CN": {"2026-01": f"由 {closed['by']} 于 {day[closed['at']]} 结账",
                  "2026-02": f"由 {approved['by']} 于 {day[approved['at']]} 批准"},
    }[locale]  # fmt: skip
    import json

    from salesplan_widgets.workbook.statement_extracts import STATEMENTS_INDEX

    index = {e["period"]: e for e in json.loads((extracts["li"] / STATEMENTS_INDEX).read_text("utf-8"))}
    assert (index["2026-01"]["closed_by"], index["2026-01"]["approved_by"]) == (
        closed["by"],
        closed["approved_by"],
    )
    assert (index["2026-01"]["closed_at"], index["2026-02"]["approved_at"]) == (closed["at"], approved["at"])
    assert "closed_by" not in index["2026-02"]  # approved, not closed: no one closed it yet
    for user in ("li", "boss", "fin"):
        view = _page(extracts[user])
        for label, index in view.chooser.options:
            view.chooser.value = index
            period = {v: k for k, v in MONTHS[locale].items()}[label.split(" · ")[0]]
            assert wording[period] in unescape(view.status.value), (user, period, view.status.value)


def pd_date(stamp: str):
    import datetime as dt

    return dt.datetime.fromisoformat(stamp).date()


def test_approving_and_closing_from_python_rewrite_the_documents_as_the_cli_does(tmp_path):
    from salesplan_widgets.workbook.ledger import approve_payments, close_period
    from salesplan_widgets.workbook.payouts import write_payouts

    folder = make_workbook(tmp_path / "wb")
    write_payouts(open_workbook(folder), "2026-01", by="analyst")
    _says(folder, PREPARED)
    approve_payments(open_workbook(folder), "2026-01", by="Zhou Min")  # an analyst's notebook
    _says(folder, APPROVED)
    assert "Approved by Zhou Min on " in _documents(folder, "Li", "en")[0]
    close_period(open_workbook(folder), "2026-01", by="Chen Jie")
    _says(folder, CLOSED)
    page, cell = _documents(folder, "Wang", "en")
    assert "Closed by Chen Jie on " in page and "Closed by Chen Jie on " in cell


def test_a_statement_prepared_again_after_its_approval_is_signed_by_no_one(tmp_path):
    from salesplan_widgets.workbook.ledger import approve_payments, read_ledger
    from salesplan_widgets.workbook.payouts import write_payouts
    from salesplan_widgets.workbook.statement_extracts import signatures

    folder = make_workbook(tmp_path / "wb")
    write_payouts(open_workbook(folder), "2026-01", by="analyst")
    approve_payments(open_workbook(folder), "2026-01", by="Zhou Min")
    signed = signatures(read_ledger(open_workbook(folder)).journal)
    assert signed["2026-01"]["approved_by"] == "Zhou Min" and "closed_by" not in signed["2026-01"]
    write_payouts(open_workbook(folder), "2026-01", by="analyst")  # prepared again: needs a new approval
    assert signatures(read_ledger(open_workbook(folder)).journal) == {}
    _says(folder, PREPARED)

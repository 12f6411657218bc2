"""Disputes: a rep's inquiry logged against a line of a closed statement, answered, and the resulting
adjustment paid through the ledger in the first open period; every entry authored by the acting user."""

from __future__ import annotations

import getpass

import pandas as pd
from test_ledger import make_workbook

from salesplan_widgets.cli import main
from salesplan_widgets.model.manual import MANUAL
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.audit import read_audit
from salesplan_widgets.workbook.disputes import answer_inquiry, log_inquiry, read_disputes
from salesplan_widgets.workbook.ledger import read_ledger


def close(wb, period: str) -> None:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(wb), "--period", period, *step]) == 0


def test_an_inquiry_on_a_statement_line_is_answered_and_its_adjustment_paid_in_the_next_period(
    tmp_path, capsys
):
    wb = make_workbook(tmp_path / "wb")  # Li earns 100.00 in January, 300.00 in February (see test_ledger)
    close(wb, "2026-01")
    assert main(["dispute", str(wb), "--period", "2026-01", "--rep", "Li", "--line", "1",
                 "--question", "The Wuhan order of 20 January is missing"]) == 0  # fmt: skip
    inquiry = read_disputes(open_workbook(wb)).iloc[0]
    assert (inquiry["event"], inquiry["rep"], inquiry["amount"]) == ("inquiry", "Li", "10000")
    assert "Band" in inquiry["rule"] and inquiry["author"] == getpass.getuser()  # the line as it was paid

    assert main(["dispute", str(wb), "--answer", inquiry["id"], "--text", "Agreed: credited late",
                 "--adjust", "50", "--approver", "Zhou Min"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert inquiry["id"] in out and "paid when its period closes" in out
    close(wb, "2026-02")  # the first open period pays the resulting adjustment
    lines = read_ledger(open_workbook(wb)).lines
    manual = lines[lines["kind"] == MANUAL].iloc[0]
    assert (str(manual["period"]), manual["rep"], manual["amount_minor"]) == ("2026-02", "Li", 50_00)
    assert inquiry["id"] in manual["note"] and manual["approver"] == "Zhou Min"
    answer = read_disputes(open_workbook(wb)).iloc[1]
    assert answer["event"] == "answer" and answer["adjustment"] != ""
    actions = set(read_audit(open_workbook(wb))["action"])
    assert {"ledger.dispute.inquiry", "ledger.dispute.answer", "ledger.adjust"} <= actions


def test_an_inquiry_must_name_a_line_of_a_closed_statement_and_an_answer_a_logged_inquiry(tmp_path):
    wb = make_workbook(tmp_path / "wb")
    workbook = open_workbook(wb)
    import pytest

    from salesplan_widgets.errors import InputError

    with pytest.raises(InputError, match="closed statement"):
        log_inquiry(workbook, "2026-01", "Li", 1, "why?")  # January is not closed yet
    close(wb, "2026-01")
    with pytest.raises(InputError, match=r"1 to 1"):
        log_inquiry(open_workbook(wb), "2026-01", "Li", 2, "why?")
    with pytest.raises(InputError, match="--list"):
        answer_inquiry(open_workbook(wb), "nope", "no")
    assert main(["dispute", str(wb), "--answer", "nope", "--text", "x"]) == 1
    assert read_disputes(open_workbook(wb)).empty
    assert pd.Period("2026-01", "M")  # nothing was logged for the refused inquiries


def test_the_list_shows_every_inquiry_and_answer(tmp_path, capsys):
    wb = make_workbook(tmp_path / "wb")
    close(wb, "2026-01")
    row = log_inquiry(open_workbook(wb), "2026-01", "Wang", 1, "Is my quota right?", user="wang")
    answer_inquiry(open_workbook(wb), row["id"], "Yes: 1,000 a month", user="finance")
    capsys.readouterr()
    assert main(["dispute", str(wb), "--list"]) == 0
    listed = capsys.readouterr().out
    assert "Is my quota right?" in listed and "Yes: 1,000 a month" in listed
    assert [r["author"] for _, r in read_disputes(open_workbook(wb)).iterrows()] == ["wang", "finance"]

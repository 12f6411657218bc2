"""The feedback log: managers' notes appended to the workbook's feedback table, read back per period and rep."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from test_versions import make_workbook

from salesplan_widgets.errors import ConflictError, InputError
from salesplan_widgets.workbook.feedback import add_note, read_feedback


def test_notes_are_appended_and_read_back_newest_first(tmp_path):
    workbook = make_workbook(tmp_path / "wb")
    assert read_feedback(workbook).empty
    add_note(workbook, "2026-09", "Bo", "Lost the Hangzhou tender", user="Li Na", date=dt.date(2026, 9, 30))
    add_note(
        workbook, "2026-10", "Bo", "Two deals slipped to November", user="Li Na", date=dt.date(2026, 10, 12)
    )
    add_note(
        workbook,
        "2026-10",
        "Ann",
        "客户反馈良好",
        user="Wang Fang",
        source="task sheet",
        date=dt.date(2026, 10, 9),
    )
    log = read_feedback(workbook)
    assert list(log["text"]) == ["Two deals slipped to November", "客户反馈良好", "Lost the Hangzhou tender"]
    assert list(read_feedback(workbook, period="2026-10", rep="Bo")["text"]) == [
        "Two deals slipped to November"
    ]
    assert (tmp_path / "wb" / "tables" / "feedback.csv").read_text(encoding="utf-8").count("\n") == 4


def test_a_blank_note_is_refused_and_nothing_is_written(tmp_path):
    workbook = make_workbook(tmp_path / "wb")
    with pytest.raises(InputError, match="text"):
        add_note(workbook, "2026-10", "Bo", "   ")
    with pytest.raises(InputError, match="period"):
        add_note(workbook, "October", "Bo", "note")
    assert not (tmp_path / "wb" / "tables" / "feedback.csv").exists()


def test_a_note_saved_meanwhile_by_someone_else_is_not_overwritten(tmp_path, monkeypatch):
    workbook = make_workbook(tmp_path / "wb")
    add_note(workbook, "2026-10", "Bo", "first")
    path = tmp_path / "wb" / "tables" / "feedback.csv"
    import salesplan_widgets.workbook.feedback as feedback_module

    real_read = workbook.read_table

    def read_while_someone_writes(name, periods=True):
        table = real_read(name, periods)
        path.write_text(
            path.read_text(encoding="utf-8") + "2026-10,Ann,Wang Fang,manager,2026-10-02,theirs\n",
            encoding="utf-8",
        )
        return table

    monkeypatch.setattr(workbook, "read_table", read_while_someone_writes)
    with pytest.raises(ConflictError):
        feedback_module.add_note(workbook, "2026-10", "Bo", "mine")
    assert "theirs" in path.read_text(encoding="utf-8")


def test_a_notes_author_is_the_acting_user_not_typed_text(tmp_path):
    from salesplan_widgets.workbook.audit import read_audit
    from salesplan_widgets.workbook.runlog import current_user

    workbook = make_workbook(tmp_path / "wb")
    add_note(workbook, "2026-10", "Bo", "from the CLI")
    add_note(workbook, "2026-10", "Bo", "from a signed-in manager", user="mgr.east")
    log = read_feedback(workbook)
    authors = dict(zip(log["text"], log["author"], strict=True))
    assert authors == {"from the CLI": current_user(), "from a signed-in manager": "mgr.east"}
    audit = read_audit(workbook)
    audit = audit[audit["action"] == "feedback.note"].reset_index(drop=True)
    assert len(audit) == 2
    assert list(audit["user"]) == [current_user(), "mgr.east"]
    assert pd.isna(audit.loc[0, "before"]) and audit.loc[1, "before"] == audit.loc[0, "after"]


def test_notes_added_at_once_from_many_processes_all_land(tmp_path):
    import multiprocessing

    workbook = make_workbook(tmp_path / "wb")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.starmap(_add_one_note, [(str(workbook.path), i) for i in range(12)])
    assert sorted(read_feedback(workbook)["text"]) == sorted(f"note {i}" for i in range(12))


def _add_one_note(folder: str, i: int) -> None:
    from salesplan_widgets.workbook import open_workbook

    add_note(open_workbook(folder), "2026-10", "Bo", f"note {i}", user=f"user{i}")

"""Feedback notes in quarterly workbooks: a quarter's tracker view and tracking pack show the notes filed
under ANY month of the quarter.

The log is by month, and a note written on a quarter is filed under its last month (`months_of`). Before,
the quarter's views read that month only, so a note filed under the quarter's first or second month — one
written while the workbook was still monthly, or a task sheet's dated by month — vanished from the
quarter's view and pack. Now a quarter shows its three months' notes (calendar and fiscal quarters), a
week still shows its month's (test_weekly_dashboards.py), and a retail 4-4-5 week its retail month's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from test_tracking_without_targets import write_shop

from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.feedback import read_feedback

# notes as a workbook kept them: two written while it was monthly, a task sheet's filed by its quarter
NOTES = (
    "period,rep,author,source,date,text\n"
    "2026-06,Li,mgr,manager,2026-06-30,June note\n"
    "2026-07,Li,mgr,manager,2026-07-20,July note\n"
    "2026-08,Wang,Wang,task sheet,2026-08-28,August sheet note\n"
    "2026-10,Li,mgr,manager,2026-10-12,October note\n"
    "2026Q4,Wang,Wang,task sheet,2026-12-01,Quarter sheet note\n"
)


def quarterly_shop(folder: Path, fiscal_year_start: int = 1, history: bool = True) -> Path:
    """Wang and Li sell 1,000 × the month number each month (2025–2026, or 2026 only without `history`,
    so no provisional target can be derived); planned by quarter; the feedback log above."""
    write_shop(folder)
    years = (2025, 2026) if history else (2026,)
    rows = [(f"{y}-{m:02d}-10", 1000 * m, rep) for y in years for m in range(1, 13) for rep in ("Wang", "Li")]
    pd.DataFrame(rows, columns=["date", "amount", "rep"]).to_csv(folder / "data" / "sales.csv", index=False)
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    calendar = f"calendar: {{grain: quarter, fiscal_year_start: {fiscal_year_start}}}\nsources:"
    (folder / "plan.yaml").write_text(plan.replace("sources:", calendar), encoding="utf-8")
    (folder / "tables").mkdir()
    (folder / "tables" / "feedback.csv").write_text(NOTES, encoding="utf-8")
    return folder


def words(markup: object) -> str:
    body = re.sub(r"<(style|svg)\b.*?</\1>", " ", str(markup), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def notes_in(text: str) -> set[str]:
    return set(re.findall(r"(\w+(?: sheet)? note)", text))


def test_a_quarters_tracker_and_pack_show_the_notes_of_all_its_months(tmp_path):
    folder = quarterly_shop(tmp_path / "shop")
    tracker = Tracker(folder)
    assert tracker.has_targets and tracker.period == "2026Q4"
    assert notes_in(words(tracker.feedback_panel.value)) == {"October note", "Quarter sheet note"}
    tracker.period = "2026Q3"  # July and August were written monthly; June is the second quarter's
    assert notes_in(words(tracker.feedback_panel.value)) == {"July note", "August sheet note"}
    tracker.rep = "Li"
    assert notes_in(words(tracker.feedback_panel.value)) == {"July note"}
    pack = TrackingReport.open(folder, "2026Q3")
    assert notes_in(words(pack.feedback())) == {"July note", "August sheet note"}
    assert len(read_feedback(open_workbook(folder), period=pack.period)) == 2


def test_a_note_written_on_a_quarter_is_filed_under_its_last_month_and_shown_with_the_rest(tmp_path):
    folder = quarterly_shop(tmp_path / "shop")
    tracker = Tracker(folder)
    tracker.period, tracker.rep = "2026Q3", "Wang"
    tracker.note_text.value = "Two renewals slipped into October"
    tracker.add_note()
    assert "error" not in tracker.note_message.value
    written = pd.read_csv(folder / "tables" / "feedback.csv", dtype=str)
    assert written.iloc[-1][["period", "rep"]].tolist() == ["2026-09", "Wang"]
    assert (folder / "tables" / "feedback.csv").read_text(encoding="utf-8").startswith(NOTES)  # kept
    assert notes_in(words(tracker.feedback_panel.value)) == {"August sheet note"}  # and the new one:
    assert "Two renewals slipped into October" in words(tracker.feedback_panel.value)
    pack = TrackingReport.open(folder, "2026Q3")
    assert "Two renewals slipped into October" in words(pack.feedback())
    assert "Two renewals slipped into October" not in words(TrackingReport.open(folder, "2026Q4").feedback())


def test_the_sales_only_tracker_of_a_quarter_shows_its_months_notes(tmp_path):
    folder = quarterly_shop(tmp_path / "shop", history=False)
    tracker = Tracker(folder)
    assert tracker.has_targets is False and tracker.period == "2026Q4"
    assert notes_in(words(tracker.feedback_panel.value)) == {"October note", "Quarter sheet note"}
    tracker.period = "2026Q3"
    assert notes_in(words(tracker.feedback_panel.value)) == {"July note", "August sheet note"}


def test_a_fiscal_quarter_shows_the_notes_of_its_own_three_months(tmp_path):
    """Fiscal year from April: its second quarter (2027Q2, named by the year it ends in) is July–September."""
    folder = quarterly_shop(tmp_path / "shop", fiscal_year_start=4)
    tracker = Tracker(folder)
    tracker.period = "2027Q2"
    assert notes_in(words(tracker.feedback_panel.value)) == {"July note", "August sheet note"}
    tracker.period = "2027Q1"  # April–June
    assert notes_in(words(tracker.feedback_panel.value)) == {"June note"}
    assert notes_in(words(TrackingReport.open(folder, "2027Q2").feedback())) == {
        "July note",
        "August sheet note",
    }


@pytest.mark.parametrize("grain", ["4-4-5", "week"])
def test_a_week_shows_the_notes_of_the_month_it_counts_in(tmp_path, grain):
    """Weeks keep last stop's rule: a week's view shows its month's notes only (ISO: by its Thursday;
    4-4-5: the retail month the week falls in). Mid-April and mid-July weeks are inside their months."""
    folder = write_shop(tmp_path / "shop")
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    (folder / "plan.yaml").write_text(plan.replace("sources:", f"calendar: {{grain: {grain}}}\nsources:"))
    (folder / "tables").mkdir()
    (folder / "tables" / "feedback.csv").write_text(
        "period,rep,author,source,date,text\n"
        "2026-03,Li,mgr,manager,2026-03-30,March note\n"
        "2026-04,Li,mgr,manager,2026-04-20,April note\n",
        encoding="utf-8",
    )
    tracker = Tracker(folder)
    assert tracker.has_targets is False
    april = next(p for p in tracker.periods if tracker._period_of[p].start_time.strftime("%m-%d") >= "04-10")
    tracker.period = april
    assert notes_in(words(tracker.feedback_panel.value)) == {"April note"}


def test_a_weeks_notes_read_from_the_log_are_those_of_the_month_holding_its_thursday(tmp_path):
    """`read_feedback(period=week)` (the tracking pack's "latest feedback" beside each at-risk rep) read
    the month holding the week's Sunday: W44 (26 Oct – 1 Nov) got November's notes. It counts in October."""
    folder = write_shop(tmp_path / "shop")
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    (folder / "plan.yaml").write_text(plan.replace("sources:", "calendar: {grain: week}\nsources:"))
    (folder / "tables").mkdir()
    (folder / "tables" / "feedback.csv").write_text(
        "period,rep,author,source,date,text\n"
        "2026-10,Li,mgr,manager,2026-10-20,October note\n"
        "2026-11,Li,mgr,manager,2026-11-20,November note\n",
        encoding="utf-8",
    )
    workbook = open_workbook(folder)
    week_44 = pd.Period("2026-10-26", freq="W-SUN")
    assert read_feedback(workbook, period=week_44)["text"].tolist() == ["October note"]
    assert read_feedback(workbook, period=week_44 + 1)["text"].tolist() == ["November note"]
    assert read_feedback(workbook, period="2026-10")["text"].tolist() == ["October note"]

"""The split learns its seasons and its shares from whole periods: a last period only partly sold (the
data stop before its last working day, `pacing.period_in_progress`) is left out of the seasonal shape and
of the trailing twelve months, as the goal pages count it as still being sold, and the splitter and the
split page say so in both languages.

UCI's Online Retail (tests/fixtures/online_retail) ends on 8 December 2011: its eight days counted as a
December, averaged with December 2010's whole month, so December 2012's share came out low; and the
countries' shares were their sales of January to 8 December 2011 instead of the twelve whole months
December 2010 to November 2011. A hand-made history checks the model; the demo (data ending on a month's
end) has nothing left out.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fixtures.demo_company import copy_demo
from test_public_retail import DATA, PLAN, PUBLISHED, VIEW, hand_lines

from salesplan_widgets.i18n import use_locale
from salesplan_widgets.model import pacing
from salesplan_widgets.model.allocation import split_goal
from salesplan_widgets.report.split import SplitReport
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.targets import history_in_progress

LEVELS = [{"dimension": "period", "method": "seasonality"}]
PLAN_2012 = pd.period_range("2012-01", periods=12, freq="M")


def history(december_2011: float) -> pd.DataFrame:
    """A whole December 2010 of 100, 10 in each month of 2011 to November, and a December 2011 begun."""
    months = pd.period_range("2010-12", "2011-12", freq="M")
    actual = [100.0] + [10.0] * 11 + [december_2011]
    return pd.DataFrame({"period": months, "rep": "Amy", "actual": actual})


def test_a_period_in_progress_is_left_out_of_the_seasonal_shape():
    split = split_goal(
        2100.0, LEVELS, history(20.0), PLAN_2012, unit=1.0, in_progress=pd.Period("2011-12", "M")
    )
    by_month = split.targets.groupby("period")["target"].sum()
    # by hand: December learns from December 2010 alone, 100 of the 210 the twelve whole months sold
    assert by_month[pd.Period("2012-12", "M")] == 1000.0
    assert by_month[pd.Period("2012-06", "M")] == 100.0
    assert by_month.sum() == 2100.0


def test_without_a_period_in_progress_the_whole_history_counts_as_before():
    split = split_goal(1700.0, LEVELS, history(20.0), PLAN_2012, unit=1.0)
    by_month = split.targets.groupby("period")["target"].sum()
    assert by_month[pd.Period("2012-12", "M")] == 600.0  # (100 + 20) / 2 of 60 + 11 × 10 a year
    assert by_month[pd.Period("2012-06", "M")] == 100.0


def test_the_trailing_months_end_on_the_period_before_the_one_in_progress():
    rows = history(50.0).assign(rep="Amy")
    bo = pd.DataFrame({"period": pd.period_range("2010-12", "2011-12", freq="M"), "rep": "Bo",
                       "actual": [0.0] + [10.0] * 11 + [500.0]})  # fmt: skip
    levels = [{"dimension": "rep", "method": "historical"}, *LEVELS]
    split = split_goal(
        3200.0, levels, pd.concat([rows, bo]), PLAN_2012, unit=1.0, in_progress=pd.Period("2011-12", "M")
    )
    by_rep = split.targets.groupby("rep")["target"].sum()
    # by hand: December 2010 to November 2011, Amy 210 and Bo 110; Bo's December begun weighs nothing
    assert by_rep["Amy"] / by_rep.sum() == pytest.approx(210 / 320, abs=1e-3)


@pytest.fixture(scope="module")
def retail(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("retail") / "wb"
    (folder / "data").mkdir(parents=True)
    shutil.copy(DATA, folder / "data" / PUBLISHED)
    with duckdb.connect(str(folder / "data" / "retail.duckdb")) as con:
        con.execute(f"CREATE TABLE lines AS SELECT * FROM read_csv('{folder / 'data' / PUBLISHED}')")
        con.execute(VIEW)
    (folder / "plan.yaml").write_text(
        PLAN + "goal:\n  target: 1000000\n  start: 2012-01-01\n  end: 2012-12-31\n", encoding="utf-8"
    )
    return folder


def test_online_retails_december_2012_learns_from_the_whole_december_2010_only(retail, monkeypatch):
    from salesplan_widgets.widgets.task_splitter import TaskSplitter

    monkeypatch.setattr(pacing, "today", lambda: dt.date(2026, 12, 1))
    assert history_in_progress(open_workbook(retail), open_workbook(retail).cube()) == pd.Period(
        "2011-12", "M"
    )
    splitter = TaskSplitter(open_workbook(retail))
    splitter.set_levels(
        [{"dimension": "territory", "method": "historical"}, {"dimension": "period", "method": "seasonality"}]
    )
    targets = splitter.result.targets
    assert targets["target"].sum() == pytest.approx(1_000_000, abs=0.01)
    lines = hand_lines()
    whole = lines[
        (lines["month"] >= pd.Period("2010-12", "M")) & (lines["month"] <= pd.Period("2011-11", "M"))
    ]
    by_month = whole.groupby("month")["amount"].sum()
    december = targets.loc[targets["period"] == pd.Period("2012-12", "M"), "target"].sum()
    assert december / 1_000_000 == pytest.approx(
        by_month[pd.Period("2010-12", "M")] / by_month.sum(), abs=1e-4
    )
    share = targets.groupby("territory")["target"].sum() / targets["target"].sum()
    expected = whole.groupby("Country")["amount"].sum() / whole["amount"].sum()
    assert share.to_dict() == pytest.approx(expected[expected > 0].to_dict(), abs=0.001)
    assert "Dec 2011 has sales up to Dec 8, 2011" in splitter.notice_panel.value
    assert "leaves it out of the seasonal shape" in splitter.notice_panel.value


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", "leaves it out of the seasonal shape and of the last 12 months"), ("zh_CN", "季节")],
)
def test_the_split_page_says_the_period_in_progress_is_left_out(retail, locale, words):
    with use_locale(locale):
        page = SplitReport.open(retail, "2011-12", locale=locale).headline().text
    assert words in page and "calendar.end" in page


def test_data_the_plan_says_are_complete_leave_nothing_out(retail, tmp_path):
    folder = tmp_path / "wb"
    shutil.copytree(retail, folder, ignore=shutil.ignore_patterns(".cache"))
    plan = folder / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("sources:", "calendar:\n  end: 2011-12-09\nsources:", 1),
        encoding="utf-8",
    )
    book = open_workbook(folder)
    assert history_in_progress(book, book.cube()) is None
    assert "seasonal shape" not in SplitReport.open(folder, "2011-12", locale="en").headline().text


def test_the_demo_ends_on_a_months_end_and_its_split_leaves_nothing_out(tmp_path):
    folder = copy_demo(tmp_path / "demo")
    book = open_workbook(folder)
    assert history_in_progress(book, book.cube()) is None  # calendar.end says where the data end
    plan = folder / "plan.yaml"  # and without it, October 2026's data run to its last day
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("\n  end: '2026-10-31'", "", 1), encoding="utf-8"
    )
    book = open_workbook(folder)
    assert book.plan.calendar.end is None
    assert history_in_progress(book, book.cube()) is None

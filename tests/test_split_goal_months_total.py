"""The split pages' "Year's target" is the split goal's own months, not the whole targets table.

A targets table may hold more than the goal's months: one made by hand for two years, or a year's split
kept beside the next. The split report (report/split.py) and the my-targets view (widgets/task_splitter.py)
summed every row; they now sum the months the split plans (a year, a half-year), in both languages, and
their breakdowns, milestones, fairness and metrics add up to the same figure.
"""

from __future__ import annotations

import datetime as dt
import shutil
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from fixtures.demo_company import copy_demo

from salesplan_widgets import open_workbook
from salesplan_widgets.i18n import fmt_money, set_locale
from salesplan_widgets.report import split as split_report
from salesplan_widgets.report.split import SplitReport
from salesplan_widgets.widgets.task_splitter import MyTargets


def _two_years(folder: Path) -> pd.DataFrame:
    """Write a hand-made targets table: the demo's 2026 split and, below it, a 2027 year 10% higher."""
    path = folder / "tables" / "targets.csv"
    year = pd.read_csv(path, dtype={"period": str})
    later = year.assign(
        period=(pd.PeriodIndex(year["period"], freq="M") + 12).astype(str), target=year["target"] * 1.1
    )
    pd.concat([year, later], ignore_index=True).to_csv(path, index=False)
    return year


@pytest.fixture
def chinese():
    yield
    set_locale("en")


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    folder = copy_demo(tmp_path_factory.mktemp("two_years") / "demo")
    return folder, _two_years(folder)


def _money(folder: Path, amount: float) -> str:
    workbook = open_workbook(folder)
    return fmt_money(amount, workbook.currency, workbook.locale, digits=False)


def test_the_split_reports_year_target_is_the_goals_year_of_a_two_year_table(two_years, monkeypatch):
    folder, year = two_years
    report = SplitReport.open(folder, "2026-03")
    headline = unescape(str(report.headline()))
    goal = float(year["target"].sum())
    assert goal == pytest.approx(open_workbook(folder).plan.split.goal)  # the demo's split sums to its goal
    assert "Year's target" in headline
    assert _money(folder, goal) in headline
    assert "Jan 2026 – Dec 2026" in headline  # the plan months are the goal's, not to Dec 2027
    published: dict = {}
    monkeypatch.setattr(split_report, "publish_metrics", published.update)
    report.publish_metrics()
    assert published["split_target_year"] == pytest.approx(goal)
    march = year.loc[year["period"] == "2026-03", "target"].sum()
    assert published["split_target_month"] == pytest.approx(march)


def test_the_split_reports_other_totals_agree_with_the_goals_year(two_years):
    folder, year = two_years
    report = SplitReport.open(folder, "2026-03")
    goal = float(year["target"].sum())
    assert report.checkpoints.groupby("rep")["cumulative_target"].max().sum() == pytest.approx(goal)
    assert report.fairness_table["quota"].sum() == pytest.approx(goal)
    segments = unescape(str(report.breakdown("segment")))
    by_segment = year.groupby("segment")["target"].sum()
    for amount in by_segment:
        assert _money(folder, amount) in segments
    milestones = unescape(str(report.milestones()))
    assert _money(folder, goal) in milestones  # the last checkpoint: the whole year, at 100%
    assert _money(folder, goal * 2.1) not in milestones


def test_a_report_month_in_the_tables_other_year_still_shows_its_target(two_years):
    folder, year = two_years
    headline = unescape(str(SplitReport.open(folder, "2027-03").headline()))
    march = year.loc[year["period"] == "2026-03", "target"].sum() * 1.1
    assert _money(folder, march) in headline
    assert _money(folder, float(year["target"].sum())) in headline  # the year stays the goal's


def test_my_targets_year_target_is_the_goals_year_of_a_two_year_table(two_years):
    folder, year = two_years
    view = MyTargets(folder)
    summary = unescape(view.summary_panel.value)
    assert _money(folder, float(year["target"].sum())) in summary
    assert view.targets["target"].sum() == pytest.approx(year["target"].sum())
    assert sorted(set(view.month_bars.x)) == sorted(
        set(pd.period_range("2026-01", "2026-12", freq="M").strftime("%b %Y"))
    )
    team = year["team"].iloc[0]
    assert MyTargets(folder, team=team).targets["target"].sum() == pytest.approx(
        year.loc[year["team"] == team, "target"].sum()
    )


def test_a_half_year_goal_sums_its_six_months_of_a_years_table_in_chinese(tmp_path: Path, chinese):
    folder = copy_demo(tmp_path / "demo")
    year = pd.read_csv(folder / "tables" / "targets.csv", dtype={"period": str})
    workbook = open_workbook(folder)
    goal = workbook.plan.goal.model_copy(update={"start": dt.date(2026, 1, 1), "end": dt.date(2026, 6, 30)})
    split = workbook.plan.split.model_copy(update={"months": 6})
    workbook.save(goal=goal, split=split)
    workbook = open_workbook(folder)
    workbook.save(plan=workbook.plan.model_copy(update={"locale": "zh_CN"}))
    half = float(year.loc[year["period"] <= "2026-06", "target"].sum())
    report = SplitReport.open(folder, "2026-03", locale="zh_CN")
    headline = unescape(str(report.headline()))
    assert "半年目标" in headline
    assert _money(folder, half) in headline
    assert _money(folder, float(year["target"].sum())) not in headline
    summary = unescape(MyTargets(folder).summary_panel.value)
    assert "半年目标" in summary and _money(folder, half) in summary


def test_the_split_reports_in_chinese_name_the_goals_year(two_years, tmp_path: Path, chinese):
    source, year = two_years
    folder = Path(shutil.copytree(source, tmp_path / "demo"))
    workbook = open_workbook(folder)
    workbook.save(plan=workbook.plan.model_copy(update={"locale": "zh_CN"}))
    headline = unescape(str(SplitReport.open(folder, "2026-03", locale="zh_CN").headline()))
    assert _money(folder, float(year["target"].sum())) in headline
    assert _money(folder, float(year["target"].sum()) * 2.1) not in headline

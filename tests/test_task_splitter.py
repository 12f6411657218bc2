"""The task splitter driven headlessly on a copy of the demo company: levels, locks, charts, save, export."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from salesplan_widgets.widgets.task_splitter import TaskSplitter
from salesplan_widgets.workbook import open_workbook

DEMO = Path(__file__).parents[1] / "workbooks" / "demo"


@pytest.fixture
def demo(tmp_path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns(".cache", "tables", "task_sheets", "reports"))
    return folder


@pytest.fixture
def splitter(demo) -> TaskSplitter:
    return TaskSplitter(demo)


def cents(values) -> int:
    return int(np.rint(np.asarray(values, float) * 100).sum())


def test_the_default_split_adds_up_to_the_goal_and_draws_its_charts(splitter):
    targets = splitter.result.targets
    assert cents(targets["target"]) == round(splitter.goal * 100)
    assert (targets["target"] >= 0).all()
    assert set(targets.columns) >= {"period", "rep", "team", "territory", "segment", "channel", "target"}
    by_segment = splitter.result.subtotals(["segment"])
    assert list(splitter.top_bars.x) == by_segment["segment"].tolist()
    assert np.allclose(splitter.top_bars.y, by_segment["target"])
    assert len(splitter.rep_bars.x) == targets["rep"].nunique()
    assert splitter.cumulative_line.y[-1] == pytest.approx(splitter.goal)
    assert len(splitter.milestone_marks.x) == 4  # quarterly checkpoints


def test_typing_a_new_goal_resplits_and_updates_the_same_marks(splitter):
    bars = splitter.top_bars
    unit = splitter.unit_control.value  # the demo rounds to 100 CNY: type a goal it can split exactly
    splitter.goal_control.value = 1_234_567 * unit
    assert splitter.top_bars is bars
    assert cents(splitter.result.targets["target"]) == round(1_234_567 * unit * 100)
    assert sum(bars.y) == pytest.approx(1_234_567 * unit)


def test_a_locked_segment_keeps_its_value_and_the_others_rebalance(splitter):
    before = splitter.result.subtotals(["segment"]).set_index("segment")["target"]
    splitter.lock({"segment": "C"}, 10_000_000.0)
    after = splitter.result.subtotals(["segment"]).set_index("segment")["target"]
    assert after["C"] == 10_000_000.0
    assert cents(after) == round(splitter.goal * 100)
    assert after["A"] / after["B"] == pytest.approx(before["A"] / before["B"], rel=1e-6)
    lock_boxes = [row.children[2] for row in splitter.override_box.children]
    assert sum(box.value for box in lock_boxes) == 1


def test_an_impossible_lock_is_explained_and_not_kept(splitter):
    splitter.lock({"segment": "A"}, splitter.goal * 2)
    assert "segment=A" in splitter.message
    assert "segment=A" in splitter.message_panel.value
    assert splitter.section.locks == []
    assert cents(splitter.result.targets["target"]) == round(splitter.goal * 100)


def test_changing_levels_and_methods_from_the_dropdowns(splitter):
    splitter.set_levels([{"dimension": "channel"}, {"dimension": "rep", "method": "capacity"},
                         {"dimension": "period", "method": "seasonality"}])  # fmt: skip
    assert splitter.result.dimensions == ("channel", "rep", "period")
    method = splitter.level_box.children[0].children[2]
    method.value = "equal"
    shares = splitter.result.subtotals(["channel"])["target"]
    assert shares.max() - shares.min() <= splitter.unit_control.value  # equal up to one rounding unit


def test_save_writes_the_split_section_and_the_targets_table(splitter, demo):
    splitter.lock({"segment": "C"}, 10_000_000.0)
    assert splitter.save()
    reopened = open_workbook(demo)
    assert reopened.plan.split.locks[0].target == 10_000_000.0
    assert [lv.dimension for lv in reopened.plan.split.levels][-1] == "period"
    table = reopened.read_table("targets")
    assert cents(table["target"]) == round(splitter.goal * 100)
    assert str(table["period"].dtype) == "period[M]"


def test_a_conflicting_save_is_a_message_not_a_traceback(splitter, demo):
    plan = demo / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + "\n# edited elsewhere\n", encoding="utf-8")
    assert not splitter.save()
    assert "changed by someone else" in splitter.message
    assert open_workbook(demo).read_table("targets") is None


def test_export_writes_task_sheets_for_every_rep_and_team(splitter, demo):
    paths = splitter.export()
    reps = {p.stem for p in paths if p.parent.name == "reps"}
    assert reps == set(splitter.result.targets["rep"].astype(str))
    assert {p.stem for p in paths if p.parent.name == "teams"} == set(
        splitter.result.targets["team"].astype(str)
    )
    sheet = load_workbook(paths[0])["Targets"]
    assert sheet["B2"].value in reps
    assert all(p.is_relative_to(demo / "task_sheets") for p in paths)


def test_the_period_report_shows_the_saved_split_and_its_milestones(splitter, demo, monkeypatch):
    from salesplan_widgets.report import split as split_report

    splitter.lock({"segment": "C"}, 10_000_000.0)
    splitter.save()
    published = {}
    monkeypatch.setattr(split_report, "publish_metrics", published.update)
    month = str(splitter.result.targets["period"].min() + 2)  # the third month of the split
    report = split_report.SplitReport.open(demo, month)
    assert report.saved
    month_target = splitter.result.subtotals(["period"]).set_index("period")["target"][report.period]
    headline = str(report.headline())
    assert "Not saved yet" not in headline
    assert f"{round(month_target):,}" in headline
    assert "CN¥10,000,000" in str(report.breakdown("segment"))
    assert "<svg" in str(report.milestones())
    report.publish_metrics()
    assert published["split_target_year"] == pytest.approx(splitter.goal)
    assert published["split_target_month"] == pytest.approx(month_target)
    assert published["split_saved"] is True


def test_account_potential_drives_the_potential_method_and_the_fairness_ratio(demo):
    import pandas as pd

    accounts = pd.read_csv(demo / "data" / "accounts.csv", dtype=str).astype({"potential": float})
    splitter = TaskSplitter(demo, potential=accounts)
    splitter.set_levels(
        [
            {"dimension": "segment", "method": "potential"},
            {"dimension": "rep", "method": "capacity"},
            {"dimension": "period", "method": "equal"},
        ]
    )
    by_segment = splitter.result.subtotals(["segment"]).set_index("segment")["target"]
    expected = accounts.groupby("segment")["potential"].sum()
    expected = expected * splitter.goal / expected.sum()
    assert np.allclose(by_segment.to_numpy(), expected.reindex(by_segment.index).to_numpy(), atol=0.01)
    fair = splitter.fairness_table.set_index("rep")
    rep = accounts[accounts["rep"].isin(fair.index)].groupby("rep")["potential"].sum().idxmax()
    assert fair.loc[rep, "quota_per_potential"] == pytest.approx(
        fair.loc[rep, "quota"] / accounts.loc[accounts["rep"] == rep, "potential"].sum()
    )


def test_the_report_classifies_accounts_abc_by_the_plans_thresholds(demo):
    from salesplan_widgets.report.split import SplitReport

    report = SplitReport.open(demo, "2026-10")
    accounts = report.account_segments()
    share = accounts.groupby("abc")["value"].sum() / accounts["value"].sum()
    # A stops at the first account that takes the cumulative share past 80%, B past 95%
    assert 0.80 <= share["A"] < 0.80 + accounts["value_share"].max()
    assert share["A"] + share["B"] >= 0.95
    html = str(report.segments())
    assert "ABC class" in html and "Protect and expand key accounts" in html
    assert not report.saved and "Not saved yet" in str(report.headline())


def test_typing_a_target_into_the_table_locks_that_cell(splitter):
    row = next(r for r in splitter.override_box.children if r.children[0].value.strip() == "B")
    row.children[1].value = 50_000_000.0
    assert [(lk.cell, lk.target) for lk in splitter.section.locks] == [({"segment": "B"}, 50_000_000.0)]
    assert splitter.result.subtotals(["segment"]).set_index("segment")["target"]["B"] == 50_000_000.0
    ticked = next(r for r in splitter.override_box.children if r.children[0].value.strip() == "B").children[2]
    assert ticked.value
    ticked.value = False
    assert splitter.section.locks == []


def test_my_targets_shows_a_managers_team_from_the_address_and_ignores_unknown_values(splitter, demo):
    from salesplan_widgets.widgets.task_splitter import MyTargets

    splitter.save()
    saved = open_workbook(demo).read_table("targets")
    team = sorted(saved["team"].unique())[0]
    view = MyTargets.from_query(demo, f"team={team}&rep=<script>")
    assert view.team == team and view.rep == ""
    assert set(view.targets["team"]) == {team}
    assert sum(view.month_bars.y) == pytest.approx(saved.loc[saved["team"] == team, "target"].sum())
    assert "<script>" not in "".join(
        c.value for c in view.children if hasattr(c, "value") and isinstance(c.value, str)
    )
    assert any(
        "rep in the address" in c.value for c in view.children if isinstance(getattr(c, "value", None), str)
    )
    rep = view.rep_control.options[1][1]
    view.rep_control.value = rep
    assert set(view.targets["rep"]) == {rep}
    assert list(view.rep_bars.x) == [rep]


def test_my_targets_previews_the_plan_when_nothing_is_saved(demo):
    from salesplan_widgets.widgets.task_splitter import MyTargets

    view = MyTargets.from_query(demo, "")
    assert "preview" in view.children[1].value
    assert len(view.month_bars.x) == 12


def test_my_targets_tables_have_headers_and_right_aligned_figures_and_its_own_class(splitter, demo):
    import re

    from salesplan_widgets.widgets.task_splitter import MyTargets

    splitter.save()
    view = MyTargets.from_query(demo, "rep=<b>x</b>")
    assert "salesplan-my-targets" in view._dom_classes
    notice = view.children[1].value
    assert 'class="salesplan-notice"' in notice and "rep in the address" in notice
    summary, checkpoints = view.summary_panel.value, view.milestone_panel.value
    assert re.findall(r"<th[^>]*>([^<]*)</th>", summary) == ["Segment", "Channel", "Target"]
    assert re.findall(r"<th[^>]*>([^<]*)</th>", checkpoints) == [
        "Due",
        "Cumulative target",
        "Share of the year",
    ]
    for table, figures_from in ((summary, 2), (checkpoints, 1)):
        first_row = re.search(r"<tbody><tr>(.*?)</tr>", table).group(1)
        aligns = re.findall(r"text-align:(\w+)", first_row)
        assert aligns == ["left"] * figures_from + ["right"] * (len(aligns) - figures_from)
    mix = view.targets.groupby(["segment", "channel"])["target"].sum()
    assert summary.count("<tr>") == len(mix) + 1  # header row and one row per segment × channel


def test_the_splitter_and_my_targets_build_without_deprecation_warnings(demo):
    import warnings

    from salesplan_widgets.widgets.task_splitter import MyTargets

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        splitter = TaskSplitter(demo)
        view = MyTargets.from_query(demo, "")
    assert splitter.month_chart.axes[1].side == "left" and view.month_chart.axes[1].side == "left"

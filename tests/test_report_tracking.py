"""The tracking meeting pack: KPIs, champions, at-risk reps with their gap, drivers, feedback, decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from fixtures.tracking_data import write_tracking_workbook

from salesplan_widgets.model.pacing import PaceWindow, pace
from salesplan_widgets.model.projection import ProjectionHorizon, year_end_projection
from salesplan_widgets.model.tracking import plan_vs_actual
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.workbook.feedback import add_note
from salesplan_widgets.workbook.versions import save_version

ATTAINMENT = {"Ann": 1.2, "Bo": 0.5, "Cy": 0.95}
TEMPLATE = Path(__file__).parents[1] / "templates" / "report_tracking.ipynb"


@pytest.fixture
def workbook(tmp_path):
    return write_tracking_workbook(tmp_path / "wb", ATTAINMENT)


def test_headline_shows_the_models_year_to_date_and_the_one_year_end_projection(workbook):
    report = TrackingReport.open(workbook, "2026-09")
    frame = plan_vs_actual(workbook.read_table("targets"), workbook.cube())
    model = pace(
        frame,
        PaceWindow(pd.Period("2026-01", "M"), pd.Period("2026-12", "M"), pd.Timestamp("2026-09-30").date()),
    ).iloc[0]
    text = str(report.headline())
    assert report._money(model["actual"]) in text
    # the year end is actual to date + the baseline forecast of Oct–Dec (model/projection.py), not pace
    year = ProjectionHorizon(pd.Period("2026-01", "M"), pd.Period("2026-12", "M"))
    projection = year_end_projection(workbook.cube(), year, last_actual="2026-09")
    low, high = projection.interval
    assert projection.actual_to_date == pytest.approx(model["actual"])
    for figure in (projection.total, low, high):
        assert report._money(figure) in text
    # projected attainment: 240,000 × 2.65 = 636,000 of 936,000 = 67.9%, the projection's, not pace's
    assert projection.total == pytest.approx(636_000)
    assert "Projected attainment" in text and "67.9%" in text


def test_at_risk_lists_reps_whose_part_of_the_year_end_projection_is_under_the_threshold(workbook):
    add_note(workbook, "2026-09", "Bo", "Lost the Hangzhou tender", user="Li Na")
    report = TrackingReport.open(workbook, "2026-09")
    text = str(report.at_risk())
    # each rep's target: 4 cells × 1,000·m summed over m = 1..12 = 312,000; sold Jan–Sep 4 × 1,000 × 45 × a;
    # Oct–Dec forecast 159,000 (2.65 × 60,000) split by share a / 2.65: 60,000·a; year end 240,000·a,
    # i.e. 76.9% × a of target: Ann 92.3% (not at risk), Cy 73.1% and Bo 38.5% under 90%
    outlook = report.rep_outlook().set_index("rep")
    assert outlook["projection"].to_dict() == pytest.approx({"Ann": 288_000, "Bo": 120_000, "Cy": 228_000})
    assert outlook["target"].to_dict() == pytest.approx({"Ann": 312_000, "Bo": 312_000, "Cy": 312_000})
    assert outlook["at_risk"].to_dict() == {"Ann": False, "Bo": True, "Cy": True}
    assert "Bo" in text and "Cy" in text and "Ann" not in text
    assert text.index("Bo") < text.index("Cy")  # the largest shortfall first
    assert "Lost the Hangzhou tender" in text
    assert "Projected shortfall" in text and "year-end projection" in text
    assert report._money(312_000 - 120_000) in text and report._money(-192_000) not in text
    assert "Lost the Hangzhou tender" in str(report.feedback())
    assert "Ann" in str(report.champions()).split("Bo")[0]  # Ann ranks above Bo


def test_decisions_follow_from_the_figures(workbook):
    report = TrackingReport.open(workbook, "2026-09")
    decisions = report.decision_list()
    assert any("2 reps at risk (largest gap: Bo)" in d for d in decisions)
    assert any("shortfall" in d for d in decisions)
    # the shortfall is the year-end projection's: 9 months of history forecast Oct–Dec at the average month
    # seen (no seasonality without a year of history), so only reps well ahead of the rising targets are
    # projected to reach the year: 540,000·a + 3 × 60,000·a ≥ 936,000 for a ≥ 1.3
    on_plan = TrackingReport.open(
        write_tracking_workbook(workbook.path.parent / "good", {"Ann": 1.4, "Bo": 1.4, "Cy": 1.4}), "2026-09"
    )
    assert on_plan.projection.total == pytest.approx(720_000 * 1.4)
    assert on_plan.decision_list() == ["On plan: confirm targets and recognise the champions."]


def test_charts_are_inline_svg_and_identical_on_a_second_run(workbook):
    first = TrackingReport.open(workbook, "2026-09")
    second = TrackingReport.open(workbook, "2026-09")
    assert "<svg" in str(first.pace_chart()) and "<svg" in str(first.drivers())
    assert str(first.pace_chart()) == str(second.pace_chart())
    assert str(first.drivers()) == str(second.drivers())
    assert "<script" not in str(first.drivers()) and 'src="http' not in str(first.drivers())


def test_the_pack_reads_in_chinese(workbook):
    report = TrackingReport.open(workbook, "2026-09", locale="zh_CN")
    assert "¥" in str(report.headline())
    # the dimension behind plan is named in the reader's language, as the drivers table names it
    assert any("（客户分层）落后计划" in d for d in report.decision_list()), report.decision_list()
    english = TrackingReport.open(workbook, "2026-09", locale="en").decision_list()
    assert any("(segment), " in d for d in english), english


@pytest.mark.slow
def test_two_consecutive_periods_with_a_replan_between_them(workbook, tmp_path):
    import papermill as pm

    def run(period: str) -> str:
        out = tmp_path / f"report_{period}.ipynb"
        pm.execute_notebook(
            str(TEMPLATE),
            str(out),
            parameters={"workbook": str(workbook.path), "period": period},
            progress_bar=False,
            kernel_name="python3",
        )
        return out.read_text(encoding="utf-8")

    august = run("2026-08")
    assert "the original plan" in august
    revised = workbook.read_table("targets")
    revised.loc[revised["period"] >= "2026-09", "target"] *= 0.5
    save_version(workbook, revised, "market shock", "Li Na", "2026-09")
    september = run("2026-09")
    assert "plan version 2" in september
    metrics = [
        json.loads(json.dumps(o["data"]["application/vnd.salesplan.metrics+json"]))
        for c in json.loads(september)["cells"]
        for o in c.get("outputs", [])
        if "application/vnd.salesplan.metrics+json" in o.get("data", {})
    ]
    frame = plan_vs_actual(
        revised.where(revised["period"] >= "2026-09", workbook.read_table("targets_v1")), workbook.cube()
    )
    expected = pace(
        frame,
        PaceWindow(pd.Period("2026-01", "M"), pd.Period("2026-12", "M"), pd.Timestamp("2026-09-30").date()),
    ).iloc[0]
    assert metrics[0]["tracking_target_year"] == pytest.approx(expected["target"])


def test_review_says_what_worked_and_what_fell_short(workbook):
    text = str(TrackingReport.open(workbook, "2026-09").review())
    ann, bo = text.index("Ann"), text.index("Bo")
    assert "exceeded" in text[ann:] and "fell short" in text[bo:]
    assert "Segment" in text and "Channel" in text


def test_the_years_last_pack_takes_the_year_into_the_next_instead_of_re_planning_it(tmp_path, monkeypatch):
    """December's pack once December is over: no months are left to re-plan and nobody is at risk any
    more. Each rep's year target is 312,000; Ann sold 120%, Bo 50%, Cy 95%: 826,800 of 936,000."""
    from salesplan_widgets.model import pacing

    folder = write_tracking_workbook(tmp_path / "year", ATTAINMENT, through="2026-12").path
    monkeypatch.setattr(pacing, "today", lambda: pd.Timestamp("2027-01-04").date())
    report = TrackingReport.open(folder, "2026-12")
    assert report.horizon_over()
    decisions = report.decision_list()
    assert decisions[0].startswith("The year closed at 88.3% of its target, ")
    assert report._money(936_000 - 826_800) in decisions[0]
    assert "Review the year with the 1 reps who ended under 90.0% of target (largest gap: Bo)." in decisions
    assert any("ended" in d and "weigh it in next year's split" in d for d in decisions)
    assert not any("re-plan the remaining months" in d or "recovery plan" in d for d in decisions)
    ended = str(report.at_risk())
    assert "Ended the year under 90.0% of target" in ended and "Bo" in ended and "Cy" not in ended
    assert "50.0%" in ended and report._money(156_000) in ended  # Bo: 156,000 of 312,000 short
    assert "Needed per working day" not in ended and "At risk" not in ended

    chinese = TrackingReport.open(folder, "2026-12", locale="zh_CN")
    assert chinese.decision_list()[0].startswith("全年以目标的 88.3% 收官")
    assert "全年低于目标 90.0%" in str(chinese.at_risk())

    monkeypatch.setattr(pacing, "today", lambda: pd.Timestamp("2026-12-10").date())
    running = TrackingReport.open(folder, "2026-12", locale="en")  # December still being sold
    assert not running.horizon_over()
    assert "At risk" in str(running.at_risk())
    assert not any(d.startswith("The year closed") for d in running.decision_list())

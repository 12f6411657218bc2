"""One view stack per kind of view: the tracker (bqplot) and the tracking report (static SVG) draw the same
numbers from the same model functions, and every value axis speaks the workbook's language (万/亿 in Chinese)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from fixtures.tracking_data import write_tracking_workbook

from salesplan_widgets.model import pacing, variance
from salesplan_widgets.report import tracking as report_tracking
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets import tracker as tracker_module
from salesplan_widgets.widgets.charts import value_ticks
from salesplan_widgets.widgets.tracker import Tracker

ATTAINMENT = {"Ann": 1.2, "Bo": 0.5, "Cy": 0.95}


def spy(monkeypatch, module, name: str) -> list:
    """Wrap `module.name` so each call's result is recorded; the real function still does the work."""
    real, results = getattr(module, name), []

    def recording(*args, **kwargs):
        results.append(real(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(module, name, recording)
    return results


def labels_of(axis) -> list[str]:
    return [str(label) for label in axis.tick_labels.values()]


def test_a_chinese_trackers_value_axes_count_in_wan_or_yi_never_in_si_units(tmp_path):
    view = Tracker(write_tracking_workbook(tmp_path / "wb", ATTAINMENT, locale="zh_CN"))
    for axis in (view.pace_chart.axes[1], view.waterfall_chart.axes[1]):
        shown = labels_of(axis)
        assert axis.tick_format is None  # no d3 format: it would write 300M whatever the language
        assert any("万" in label or "亿" in label for label in shown), shown
        assert not any(unit in label for label in shown for unit in ("M", "K", "k", "G")), shown


def test_an_english_trackers_value_axes_count_in_thousands_or_millions(tmp_path):
    view = Tracker(write_tracking_workbook(tmp_path / "wb", ATTAINMENT, locale="en"))
    shown = labels_of(view.pace_chart.axes[1])
    assert any(label.endswith(("K", "M")) for label in shown), shown
    assert not any("万" in label for label in shown)


def test_the_value_axis_covers_every_point_of_the_cumulative_chart(tmp_path):
    view = Tracker(write_tracking_workbook(tmp_path / "wb", ATTAINMENT, locale="zh_CN"))
    axis = view.pace_chart.axes[1]
    highest = max(*view.plan_line.y, *view.actual_line.y, *view.expected_line.y)
    assert axis.scale.min == 0.0 and axis.scale.max >= highest
    assert max(axis.tick_values) == axis.scale.max


def test_a_waterfall_axis_starts_at_its_floor_with_round_ticks_above_it():
    ticks = value_ticks([3.1e8], "zh_CN", low=2.05e8)
    assert min(ticks) >= 2.05e8 and max(ticks) >= 3.1e8
    assert ticks[300_000_000] == "3.00亿" and ticks[225_000_000] == "2.25亿"  # each named as it is, evenly
    assert value_ticks([3.1e8], "en")[300_000_000] == "300M"


def test_waterfall_bars_rise_totals_from_the_floor_and_span_each_step():
    frame = pd.DataFrame({"segment": ["A", "B"], "target": [100.0, 100.0], "actual": [130.0, 90.0]})
    steps = variance.waterfall(frame, "segment")
    bars = variance.waterfall_bars(steps)
    assert bars.floor == variance.waterfall_floor(steps)
    assert list(bars.direction) == ["total", "up", "down", "total"]
    np.testing.assert_allclose(bars.low, [bars.floor, 200.0, 220.0, bars.floor])
    np.testing.assert_allclose(bars.height, [200.0 - bars.floor, 30.0, 10.0, 220.0 - bars.floor])


def test_tracker_and_report_draw_the_waterfall_from_one_model_function(tmp_path, monkeypatch):
    workbook = write_tracking_workbook(tmp_path / "wb", ATTAINMENT)
    from_tracker = spy(monkeypatch, tracker_module, "waterfall_bars")
    from_report = spy(monkeypatch, report_tracking, "waterfall_bars")
    view = Tracker(workbook, period="2026-09")
    view.variance_by = "segment"
    TrackingReport.open(workbook, "2026-09").drivers()  # the report explains by segment first

    shown, drawn = from_tracker[-1], from_report[-1]
    assert shown.floor == drawn.floor
    np.testing.assert_allclose(shown.low, drawn.low)
    np.testing.assert_allclose(shown.height, drawn.height)
    # the tracker's stacked bars are exactly that geometry: an invisible base, then one visible layer
    marks = np.asarray(view.waterfall_bars.y, dtype=float)
    np.testing.assert_allclose(marks[0], shown.low)
    np.testing.assert_allclose(marks[1:].sum(axis=0), shown.height)
    assert view.waterfall_chart.axes[1].scale.min == shown.floor


def test_tracker_and_report_pace_the_same_window_from_one_model_function(tmp_path, monkeypatch):
    workbook = write_tracking_workbook(tmp_path / "wb", ATTAINMENT)
    from_tracker = spy(monkeypatch, tracker_module, "pace_window")
    from_report = spy(monkeypatch, report_tracking, "pace_window")
    view = Tracker(workbook, period="2026-09")
    report = TrackingReport.open(workbook, "2026-09")
    assert from_tracker and from_report
    assert (
        view._window()
        == report.window
        == pacing.pace_window(
            pd.Period("2026-09", "M"), workbook.plan.tracking or report.settings, workbook.plan.calendar
        )
    )
    assert (report.window.first, report.window.last) == (pd.Period("2026-01", "M"), pd.Period("2026-12", "M"))


def test_a_chinese_incentive_calculators_payout_axis_uses_the_same_number_format(tmp_path):
    from test_payouts_export import write_workbook

    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator

    calc = IncentiveCalculator(write_workbook(tmp_path / "wb", locale="zh_CN"), period="2026-10", rep="Li")
    axis = calc.curve_figure.axes[1]
    payouts = [*calc.curve_table["design"], *calc.curve_table["saved"]]
    assert axis.tick_format is None
    assert axis.tick_labels == value_ticks(payouts, "zh_CN")
    assert axis.scale.max >= max(payouts)

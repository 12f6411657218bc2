"""Optional dimensions stay optional in the library: on sales with only date, amount and rep the tracker,
the tracking report and the split report explain by what the data have and say what they lack."""

from __future__ import annotations

import pytest
from fixtures.minimal_workbook import home_sales, write_minimal_workbook

from salesplan_widgets.i18n import set_locale
from salesplan_widgets.report.split import SplitReport
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook import open_workbook

PERIOD = "2025-06"


@pytest.fixture
def minimal(tmp_path):
    return write_minimal_workbook(tmp_path / "texas", sales=home_sales(cities=8))


def test_the_tracker_explains_the_gap_by_rep_when_the_data_have_no_segment(minimal):
    tracker = Tracker(open_workbook(minimal))
    assert tracker.variance_by == "rep"
    assert [value for _label, value in tracker.variance_control.options] == ["rep"]
    shown = {c for c in tracker.children[2].children}
    assert tracker.controls["rep"] in shown and tracker.controls["segment"] not in shown
    assert set(tracker.variance["label"]) - {"target", "actual", "other"} <= set(home_sales(cities=8)["city"])


def test_the_tracker_refuses_to_explain_by_a_dimension_the_data_lack(minimal):
    from traitlets import TraitError

    tracker = Tracker(open_workbook(minimal))
    with pytest.raises(TraitError, match="not a dimension of this workbook's sales"):
        tracker.variance_by = "segment"


def test_the_tracking_report_explains_by_rep_and_decides_without_segments(minimal):
    report = TrackingReport.open(minimal, PERIOD)
    drivers = str(report.drivers())
    assert "From target to actual by rep, year to date" in drivers
    assert all("segment" not in item for item in report.decision_list())


@pytest.mark.parametrize(
    ("locale", "note"),
    [
        ("en", "The sales data have no channel column, so targets are not split by channel."),
        ("zh_CN", "销售数据中没有渠道列，因此目标未按渠道拆分。"),
    ],
)
def test_the_split_report_says_politely_which_dimension_is_absent(minimal, locale, note):
    set_locale(locale)
    report = SplitReport.open(minimal, PERIOD, locale=locale)
    assert note in str(report.breakdown("channel"))
    assert "Abilene" in str(report.breakdown("rep"))

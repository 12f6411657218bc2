"""`Tracker(workbook)` without a targets table decides which tracker it is by reading the cube and deriving
the provisional target (last year's sales + 10%); the full Tracker then reuses what the decision read.
Before, it read the cube again and derived the provisional target a second time (the same figures, twice
the work: see benchmarks/README.md, bench_tracker.py --provisional)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_quarterly_feedback import quarterly_shop
from test_shocks_without_targets import shop_with_shocks
from test_tracking_without_targets import write_shop

import salesplan_widgets.model.tracking as tracking_model
from salesplan_widgets.widgets.tracker import Tracker
from salesplan_widgets.workbook import open_read_only
from salesplan_widgets.workbook.versions import targets_in_force
from salesplan_widgets.workbook.workbook import Workbook


@pytest.fixture
def counted(monkeypatch):
    """How often the provisional target is derived and the cube read, while the test runs."""
    calls = {"provisional_targets": 0, "cube": 0}
    derive, read = tracking_model.provisional_targets, Workbook.cube

    def counting_derive(*args, **kwargs):
        calls["provisional_targets"] += 1
        return derive(*args, **kwargs)

    def counting_read(self, *args, **kwargs):
        calls["cube"] += 1
        return read(self, *args, **kwargs)

    monkeypatch.setattr(tracking_model, "provisional_targets", counting_derive)
    monkeypatch.setattr(Workbook, "cube", counting_read)
    return calls


@pytest.mark.parametrize("served", [False, True])
def test_a_tracker_on_a_provisional_target_derives_it_once(tmp_path, counted, served):
    folder = quarterly_shop(tmp_path / "shop")
    expected = Tracker(open_read_only(folder) if served else folder)  # what it shows: the same figures
    counted.update(provisional_targets=0, cube=0)
    tracker = Tracker(open_read_only(folder) if served else folder)
    assert type(tracker) is Tracker and "provisional" in " ".join(tracker.notices)
    assert counted == {"provisional_targets": 1, "cube": 1}
    pd.testing.assert_frame_equal(tracker.targets, expected.targets)
    pd.testing.assert_series_equal(pd.Series(tracker.summary), pd.Series(expected.summary))
    assert tracker.notices == expected.notices


def test_a_saved_replan_reads_the_targets_again(tmp_path, counted):
    """What the decision read is used once: after a save, the tracker tracks the version it saved."""
    tracker = Tracker(shop_with_shocks(tmp_path / "shop", history=True))
    provisional = float(tracker.targets["target"].sum())
    tracker.event_kind.value, tracker.event_from.value, tracker.event_amount.value = "shock", "2026-06", 0.5
    tracker.preview_event()
    tracker.reason_input.value, tracker.author_input.value = "half the market", "ops"
    tracker.save_replan()
    assert "salesplan-ok" in tracker.replan_panel.value
    saved = targets_in_force(open_read_only(tmp_path / "shop"))
    assert tracker.targets["target"].sum() == pytest.approx(saved["target"].sum())
    assert tracker.targets["target"].sum() < provisional  # the halved months, not the provisional target


def test_a_shop_without_a_year_of_history_is_decided_on_one_read(tmp_path, counted):
    tracker = Tracker(write_shop(tmp_path / "shop"))
    assert tracker.has_targets is False
    assert counted["provisional_targets"] == 1

"""Each distinct series is fitted with ETS once per process, whatever asks for it (the goal report, the
tracking pack, the goal wizard changing its horizon or scope), and a kept fit gives exactly the figures a new
one gives. Fits are counted for real: statsmodels' `ETSModel.fit` is wrapped with a counter keyed by the
series' values."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from salesplan_widgets.demo import create_demo
from salesplan_widgets.model import forecast as forecast_module
from salesplan_widgets.model.projection import ProjectionHorizon, year_end_projection
from salesplan_widgets.report.goal import GoalReport
from salesplan_widgets.report.tracking import TrackingReport
from salesplan_widgets.widgets.goal_wizard import GoalWizard
from salesplan_widgets.workbook import open_workbook

PERIOD = "2026-10"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = create_demo(tmp_path_factory.mktemp("fits") / "demo", end=PERIOD)
    open_workbook(folder).cube()  # the cube cached once, as a period run's pages find it
    return folder


def forget_fits() -> None:
    """An empty cache of fits, as in a new process (tests before this one may have fitted the same data)."""
    kept = getattr(forecast_module, "_fitted_ets", None)
    if kept is not None:
        kept.cache_clear()


@pytest.fixture
def fits(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """ETS fits counted per series (by the bytes of the values fitted), from an empty cache."""
    forget_fits()
    counted: Counter = Counter()
    fit = ETSModel.fit

    def counting_fit(self, *args, **kwargs):
        counted[hashlib.sha256(self.endog.tobytes()).hexdigest()] += 1
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(ETSModel, "fit", counting_fit)
    yield counted
    forget_fits()


def test_the_goal_report_and_the_tracking_pack_fit_each_series_once_in_one_process(
    demo: Path, fits: Counter
) -> None:
    GoalReport.open(demo, PERIOD)
    after_goal = sum(fits.values())
    assert after_goal > 0  # the demo's segment × channel series and the backtest of their total are ETS
    TrackingReport.open(demo, PERIOD)
    assert sum(fits.values()) == after_goal  # the same series, the same options: nothing fitted again
    assert max(fits.values()) == 1


def test_the_goal_wizard_refits_nothing_when_its_horizon_or_scope_comes_back(
    demo: Path, fits: Counter
) -> None:
    wizard = GoalWizard(demo)
    wizard.backtest()
    end = wizard.end
    wizard.end = "2026-11"  # the same history over another horizon: the fits are the same
    wizard.end = end
    wizard.segments = ("A",)  # a new scope: new series, each fitted once
    wizard.segments = ()  # back to every segment: already fitted
    assert sum(fits.values()) == len(fits)
    assert max(fits.values()) == 1


def test_a_kept_fit_gives_the_figures_of_a_new_fit(demo: Path, fits: Counter) -> None:
    cube = open_workbook(demo).cube()
    horizon = ProjectionHorizon(pd.Period("2026-01", "M"), pd.Period("2026-12", "M"))
    fresh = year_end_projection(cube, horizon, last_actual=PERIOD)
    fitted = sum(fits.values())
    kept = year_end_projection(cube, horizon, last_actual=PERIOD)
    assert sum(fits.values()) == fitted  # the second projection fitted nothing
    assert (kept.total, kept.lower, kept.upper) == (fresh.total, fresh.lower, fresh.upper)
    pd.testing.assert_frame_equal(kept.forecast.monthly, fresh.forecast.monthly, check_exact=True)
    pd.testing.assert_frame_equal(kept.forecast.fitted, fresh.forecast.fitted, check_exact=True)
    pd.testing.assert_frame_equal(
        kept.forecast.calibration.errors, fresh.forecast.calibration.errors, check_exact=True
    )
    assert kept.forecast.interval_reason == fresh.forecast.interval_reason


def test_the_goal_page_shows_the_same_figures_from_kept_fits(demo: Path, fits: Counter) -> None:
    first = GoalReport.open(demo, PERIOD)
    fitted = sum(fits.values())
    again = GoalReport.open(demo, PERIOD)
    assert sum(fits.values()) == fitted
    # every figure of the page: the projection, its range and the saved goal's standing, to the last bit
    assert again.projection.as_dict() == first.projection.as_dict()
    assert again.standing() == first.standing()
    assert first.standing() is not None  # the demo saves a goal, so the standing is compared, not None

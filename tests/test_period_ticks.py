"""A year of weeks on a time axis: the names must not collide. A 53-week trend named every week printed
53 labels 9 points apart, each 9-point label overlapping its neighbours; now only every k-th week is named,
counted back from the week reported, in the reports' static charts (matplotlib SVG) and in the dashboards'
bqplot charts alike. Measured, not assumed: the SVG's label positions and font size give the gap between
neighbouring rotated labels, which must exceed a line of text.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.i18n import set_locale
from salesplan_widgets.model.calendar import period_labels
from salesplan_widgets.report.charts import labelled_positions, trend_chart

TICK = re.compile(
    r'<g id="xtick_\d+">.*?<text style="font-size: ([\d.]+)px[^"]*" '
    r'transform="translate\(([-\d.]+) ([-\d.]+)\) rotate\(([-\d.]+)\)">([^<]*)</text>',
    re.S,
)


def weekly_trend(weeks: int) -> pd.DataFrame:
    periods = pd.period_range("2026-01-05", periods=weeks, freq="W-SUN")
    sales = np.linspace(1_000.0, 9_000.0, weeks)
    return pd.DataFrame({"period": periods, "actual": sales, "actual_last_year": sales * 0.9})


def x_tick_labels(svg: str) -> list[tuple[float, float, float, str]]:
    """(font size, x, rotation in degrees, text) of each named tick of the x axis, left to right."""
    return [(float(s), float(x), float(r), t) for s, x, _y, r, t in TICK.findall(svg)]


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
@pytest.mark.parametrize("weeks", [53, 60])
def test_the_weekly_trend_chart_names_weeks_whose_rotated_labels_never_collide(locale, weeks):
    set_locale(locale)
    trend = weekly_trend(weeks)
    svg = trend_chart(trend, "Trend", "This year", "Last year", locale)
    ticks = x_tick_labels(svg)
    names = [t for *_rest, t in ticks]
    every = period_labels(list(trend["period"]), locale)
    assert 2 <= len(names) <= 24
    assert len(set(names)) == len(names)  # distinct
    assert [every.index(n) for n in names] == sorted(every.index(n) for n in names)  # in period order
    assert names[-1] == every[-1]  # the week reported is always named
    for (size, x0, rotation, _a), (_s, x1, _r, _b) in zip(ticks, ticks[1:], strict=False):
        # parallel labels rotated by θ, d apart along the axis, stand d·sin θ apart across their lines
        across = (x1 - x0) * abs(math.sin(math.radians(rotation)))
        assert across >= 1.2 * size, (across, size)


def test_a_short_run_of_months_keeps_every_name():
    trend = weekly_trend(12).assign(period=pd.period_range("2026-01", periods=12, freq="M"))
    names = [t for *_rest, t in x_tick_labels(trend_chart(trend, "T", "a", "b", "en"))]
    assert names == period_labels(list(trend["period"]), "en")


def test_labelled_positions_count_back_from_the_last_and_stay_under_the_limit():
    assert labelled_positions(12, 24) == list(range(12))
    assert labelled_positions(53, 24) == list(range(1, 53, 3))  # step 3, ending on 52
    for count in range(1, 200):
        shown = labelled_positions(count, 24)
        assert shown[-1] == count - 1 and len(shown) <= 24
        assert len(set(np.diff(shown))) <= 1  # evenly spaced


WEEKLY_PLAN = """\
name: Weekly shop
currency: USD
locale: {locale}
calendar: {{grain: week}}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
"""


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_sales_overview_names_a_thinned_set_of_weeks_on_its_trend_axis(tmp_path, locale):
    from salesplan_widgets.widgets.overview import SalesOverview

    (tmp_path / "data").mkdir()
    days = pd.date_range("2025-01-06", periods=70, freq="7D")
    sales = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "amount": 100.0 + np.arange(70), "rep": "Ann"})
    sales.to_csv(tmp_path / "data" / "sales.csv", index=False)
    (tmp_path / "plan.yaml").write_text(WEEKLY_PLAN.format(locale=locale), encoding="utf-8")
    overview = SalesOverview(tmp_path)
    axis = overview.trend_chart.axes[0]
    weeks = list(overview.trend_bars.x)
    assert len(weeks) >= 52  # a year of weeks on the axis
    named = [w for w in weeks if axis.tick_labels.get(w, w) != ""]  # as bqplot draws them
    assert 2 <= len(named) <= 24
    assert named[-1] == weeks[-1]
    positions = [weeks.index(n) for n in named]
    assert positions == sorted(positions) and len(set(np.diff(positions))) == 1

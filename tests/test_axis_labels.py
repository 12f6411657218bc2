"""Value axes tell their ticks apart: a narrow axis (a waterfall from 2.28亿 to 2.33亿, the year's target
against its actual) gets as many fraction digits as its ticks need, in the static report's charts
(matplotlib) and the dashboards' (bqplot) alike, in both languages."""

from __future__ import annotations

import re

import pytest

from salesplan_widgets.i18n import fmt_compact_ticks
from salesplan_widgets.report import charts
from salesplan_widgets.widgets.charts import value_ticks

UNITS = {"zh_CN": "亿", "en": "M"}


@pytest.mark.parametrize(("locale", "low", "top"), [("zh_CN", 2.28e8, 2.33e8), ("en", 1.2e6, 1.23e6)])
def test_a_narrow_dashboard_axis_labels_each_tick_apart(locale, low, top) -> None:
    labels = list(value_ticks([top], locale, low=low).values())
    assert len(labels) >= 4 and len(set(labels)) == len(labels), labels


def test_wide_axes_keep_their_short_labels() -> None:
    assert fmt_compact_ticks([0.0, 2e6, 4e6], "zh_CN") == ["0", "200万", "400万"]
    assert fmt_compact_ticks([0.0, 2.5e6, 5e6], "en") == ["0", "2.5M", "5.0M"]


def test_a_tick_is_named_as_it_is_not_rounded_to_a_neighbour() -> None:
    """A quarter step (2.25亿) was named 2.2亿 when one digit told the ticks apart; 1/3 needs no six digits."""
    assert fmt_compact_ticks([2.25e8, 2.5e8, 2.75e8], "zh_CN") == ["2.25亿", "2.50亿", "2.75亿"]
    assert fmt_compact_ticks([1e6 / 3, 2e6 / 3], "en") == ["333.3K", "666.7K"]


@pytest.mark.parametrize(
    ("locale", "ticks", "labels"),
    [
        ("zh_CN", [2.28e8, 2.29e8, 2.3e8, 2.31e8], ["2.28亿", "2.29亿", "2.30亿", "2.31亿"]),
        ("en", [1.2e6, 1.25e6, 1.3e6], ["1.20M", "1.25M", "1.30M"]),
    ],
)
def test_ticks_show_the_same_fraction_digits(locale, ticks, labels) -> None:
    """Babel's compact form drops trailing zeros (2.3亿 between 2.29亿 and 2.31亿); an axis reads evenly."""
    assert fmt_compact_ticks(ticks, locale) == labels


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_a_report_waterfall_from_target_to_actual_labels_each_tick_apart(locale) -> None:
    fig = charts.new_figure()
    ax = fig.axes[0]
    ax.bar([0, 1, 2], [2.33e8 - 2.28e8, 0.02e8, 0.015e8], bottom=[2.28e8, 2.31e8, 2.295e8])
    charts.money_axis(ax, locale)
    ax.set_ylim(bottom=2.28e8)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", charts.to_svg(fig))
    shown = [t for t in texts if t.endswith(UNITS[locale])]
    assert len(shown) >= 4 and len(set(shown)) == len(shown), shown

"""Static charts for period reports: matplotlib figures rendered to inline SVG text.

Reports must open offline with every chart visible, and the same period run twice must give the same
bytes, so every chart here is drawn without pyplot (no global state, no inline-backend auto-display),
saved as SVG with a fixed hash salt and no date, and returned as an `<svg>` string to embed in HTML.
Text stays text (`svg.fonttype = none`): the browser draws it with its own fonts, which keeps Chinese
labels readable and the page small. No business arithmetic here: callers pass the model's tables.
"""

from __future__ import annotations

import io
import math
import warnings
from functools import cache

import pandas as pd
from babel.dates import get_month_names
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter

from salesplan_widgets.i18n import fmt_compact, fmt_compact_ticks, fmt_percent, get_locale
from salesplan_widgets.model.calendar import period_labels

ACTUAL_COLOUR = "#2f6fae"
LAST_YEAR_COLOUR = "#e08a2c"
MIX_COLOUR = "#4c9a6a"
GRID_COLOUR = "#dddddd"
SIZE = (7.5, 3.2)  # inches; the SVG scales to the page width
# the most period names a time axis carries: 24 months fit side by side; a year of weeks (52 or 53) does not
MOST_PERIOD_LABELS = 24
_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei")


@cache
def _font_families() -> tuple[str, ...]:
    """DejaVu Sans, then any installed Chinese font (listing an absent one only makes matplotlib warn)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return ("DejaVu Sans", *(f for f in _CJK_FAMILIES if f in installed))


def _style() -> dict:
    return {
        "svg.hashsalt": "salesplan",
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.sans-serif": list(_font_families()),
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#888888",
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "legend.frameon": False,
    }


def new_figure(size: tuple[float, float] = SIZE) -> Figure:
    """A figure outside pyplot, styled for reports."""
    with rc_context(_style()):
        fig = Figure(figsize=size, layout="constrained")
        fig.add_subplot()
    return fig


def to_svg(fig: Figure) -> str:
    """The figure as an inline `<svg>` element: deterministic bytes, no XML prolog, no creation date."""
    buffer = io.StringIO()
    with rc_context(_style()), warnings.catch_warnings():
        # glyphs the local fonts lack (e.g. Chinese without a CJK font) only affect layout measurement
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    svg = text[text.index("<svg") :]
    return svg.replace("<svg ", '<svg class="salesplan-chart" role="img" ', 1).strip() + "\n"


class CompactTicks(Formatter):
    """Compact money ticks (1.2M in English, 120万 in Chinese), told apart on a narrow axis
    (`i18n.fmt_compact_ticks`)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def __call__(self, x, pos=None) -> str:
        return fmt_compact(x, self.locale)

    def format_ticks(self, values) -> list[str]:
        return fmt_compact_ticks([float(v) for v in values], self.locale)


def money_axis(ax, locale: str | None = None) -> None:
    """Compact money ticks: 1.2M in English, 120万 in Chinese."""
    ax.yaxis.set_major_formatter(CompactTicks(locale or get_locale()))


def labelled_positions(count: int, most: int = MOST_PERIOD_LABELS) -> list[int]:
    """The positions of a period axis that carry a name: all of them when `count` fits in `most`, else
    every k-th counted back from the last (the period reported is always named), with k the smallest step
    that leaves at most `most` names, so a year of weeks reads W03, W06 … instead of a smudge."""
    if count <= 0:
        return []
    step = math.ceil(count / max(1, most))
    return list(range(count - 1, -1, -step))[::-1]


def trend_chart(
    trend: pd.DataFrame, title: str, actual_label: str, last_year_label: str, locale: str | None = None
) -> str:
    """Actual by period against the same period a year earlier (columns period, actual, actual_last_year);
    a long run of weeks names only some of them (`labelled_positions`), so the names never collide."""
    fig = new_figure()
    ax = fig.axes[0]
    x = range(len(trend))
    names = period_labels(list(trend["period"]), locale)
    shown = labelled_positions(len(names))
    with rc_context(_style()):
        ax.plot(x, trend["actual"], color=ACTUAL_COLOUR, marker="o", markersize=3, label=actual_label)
        ax.plot(x, trend["actual_last_year"], color=LAST_YEAR_COLOUR, linestyle="--", label=last_year_label)
        ax.set_xticks(shown, [names[i] for i in shown], rotation=45, ha="right")
        ax.set_ylim(bottom=min(0.0, float(trend["actual"].min())))
        money_axis(ax, locale)
        ax.grid(axis="y", color=GRID_COLOUR)
        ax.legend(loc="upper left", ncols=2)
        ax.set_title(title)
    return to_svg(fig)


def seasonality_chart(seasonal: pd.DataFrame, title: str, locale: str | None = None) -> str:
    """Seasonal index per calendar month as bars around the average month (1.0)."""
    locale = locale or get_locale()
    names = get_month_names("abbreviated", locale=locale)
    fig = new_figure()
    ax = fig.axes[0]
    with rc_context(_style()):
        ax.bar(seasonal["month"], seasonal["index"].fillna(0.0), color=ACTUAL_COLOUR)
        ax.axhline(1.0, color="#555555", linewidth=0.8, linestyle=":")
        ax.set_xticks(list(seasonal["month"]), [names[int(m)] for m in seasonal["month"]])
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:.1f}"))
        ax.grid(axis="y", color=GRID_COLOUR)
        ax.set_title(title)
    return to_svg(fig)


def share_chart(mix: pd.DataFrame, by: str, title: str, locale: str | None = None) -> str:
    """Share of sales per member of one dimension as horizontal bars, largest on top."""
    locale = locale or get_locale()
    rows = mix.iloc[::-1]
    fig = new_figure((4.8, 0.4 * len(rows) + 1.1))
    ax = fig.axes[0]
    with rc_context(_style()):
        bars = ax.barh(rows[by].astype(str), rows["share"], color=MIX_COLOUR)
        ax.bar_label(bars, labels=[fmt_percent(s, locale) for s in rows["share"]], padding=3)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: fmt_percent(value, locale)))
        ax.set_xlim(0, max(1e-9, float(rows["share"].max())) * 1.15)
        ax.set_title(title)
    return to_svg(fig)

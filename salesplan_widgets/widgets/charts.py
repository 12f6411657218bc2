"""bqplot chart factories shared by the dashboards: figures built once, with locale-aware axes.

Each factory returns the figure and the marks a view keeps; views update `mark.x`/`mark.y` inside
`with mark.hold_sync():` and never rebuild a figure. Marks hold the model's numbers unchanged (formatting
belongs to the axis: `set_value_ticks` labels it with Babel), so a chart can be checked against the model. No business arithmetic.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import numpy as np
from bqplot import Axis, Bars, Figure, LinearScale, Lines, OrdinalScale, Tooltip

from salesplan_widgets.i18n import fmt_compact_ticks

ACTUAL_COLOUR = "#2f6fae"
LAST_YEAR_COLOUR = "#e08a2c"
MIX_COLOUR = "#4c9a6a"
_FIGURE_LAYOUT = {"width": "100%", "height": "320px"}
_MARGIN = {"top": 50, "bottom": 55, "left": 75, "right": 20}


def value_ticks(
    values: Iterable[float], locale: str | None = None, count: int = 5, low: float = 0.0
) -> dict[float | int, str]:
    """Round tick values from `low` (0 unless the axis starts higher, as a waterfall's does) to just above
    the largest value, labelled by `i18n.fmt_compact_ticks`, the one number format of every chart.

    Babel's compact format reads naturally in each language (300M / 3亿, 20M / 2000万), which d3's tick
    formats cannot: they write SI prefixes whatever the language.
    """
    top = float(np.nanmax(np.asarray(list(values), dtype=float), initial=low))
    if top <= low:
        top = low + 1.0
    raw_step = (top - low) / count
    magnitude = 10 ** np.floor(np.log10(raw_step))
    step = magnitude * min((m for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step), default=10)
    first = np.ceil(low / step - 1e-9) * step
    ticks = np.round(np.arange(first, top + step * 0.999, step), 9) + 0.0  # + 0.0: ceil(−1e-9) is −0.0
    # bqplot looks labels up by the tick's JavaScript text, which writes 2e7 as "20000000", not "20000000.0".
    keys = [int(t) if float(t).is_integer() else float(t) for t in ticks]
    return dict(zip(keys, fmt_compact_ticks([float(t) for t in ticks], locale), strict=True))


def set_value_ticks(axis: Axis, values: Iterable[float], locale: str | None = None, low: float = 0.0) -> None:
    """Put round, locale-labelled ticks on a value axis; its scale runs from `low` to the top tick."""
    ticks = value_ticks(values, locale, low=low)
    with axis.hold_sync():
        axis.tick_values = np.array(list(ticks))
        axis.tick_labels = ticks
    with axis.scale.hold_sync():
        axis.scale.min = float(low)
        axis.scale.max = float(max(ticks))


def thin_month_ticks(axis: Axis, labels: list[str], every: int = 3, anchor: str | None = None) -> None:
    """Name every `every`-th month of an ordinal axis (counting from `anchor`, which is always named), so two
    or three years of month names do not overlap; the other months keep their tick mark without a name.

    bqplot draws an ordinal axis's ticks at its whole domain (it ignores `tick_values` there), so the
    months left out get an empty tick label instead.
    """
    start = labels.index(anchor) % every if anchor in labels else 0
    shown = set(labels[start::every])
    axis.tick_labels = {label: "" for label in labels if label not in shown}


def thin_period_ticks(axis: Axis, labels: list[str]) -> None:
    """Name only some periods of an ordinal time axis when there are too many to read (a year of weeks):
    every k-th counted back from the last, as the reports' static charts do (`report.charts.
    labelled_positions`); the others keep their tick mark without a name. Fewer fit: all are named."""
    from salesplan_widgets.report.charts import labelled_positions

    shown = {labels[i] for i in labelled_positions(len(labels))}
    axis.tick_labels = {label: "" for label in labels if label not in shown}


def named_ticks(axis: Axis) -> list[str]:
    """The ordinal axis's months that carry a name (see `thin_month_ticks`), in axis order."""
    return [label for label in axis.scale.domain if axis.tick_labels.get(label, label) != ""]


def page_heading(plan_name: str, title: str) -> str:
    """A page's heading: the plan's name, a dash, the page's title (already in the reader's language), each
    escaped; one wording for every workbook page."""
    return f"<h2>{html.escape(plan_name)} — {html.escape(title)}</h2>"


def static_sections(*parts: object) -> str:
    """Report parts (salesplan_widgets.report blocks) as one dashboard fragment with their CSS once.

    Each block carries the shared <style> so it stands alone in a report page; shown together in one
    view, the copies would repeat it once per section.
    """
    from salesplan_widgets.report.blocks import STYLE

    return STYLE + "\n" + "\n".join(str(part).replace(STYLE, "").strip() for part in parts)


def html_table(header: list[str], rows: list[list[str]], numeric: Iterable[int] = ()) -> str:
    """A panel's table: the report's one table builder (report/blocks.py, escaped, figure columns
    `numeric` right-aligned) with the house CSS, so a dashboard and its report page look alike."""
    from salesplan_widgets.report.blocks import table

    wanted = set(numeric)
    return static_sections(table(header, rows, [i in wanted for i in range(len(header))]))


def value_axis(scale: LinearScale, label: str = "", tick_format: str | None = None) -> Axis:
    """A left-hand value axis (bqplot 0.13 places it with `side`; `orientation=` is deprecated)."""
    return Axis(
        scale=scale,
        side="left",
        label=label,
        label_offset="60px",
        grid_lines="dashed",
        tick_format=tick_format,
    )


def trend_figure(
    title: str, actual_label: str, last_year_label: str, value_label: str
) -> tuple[Figure, Bars, Lines]:
    """Monthly bars of the actual with a line for the same month last year, on one ordinal month axis.

    No legend box: inside the plot it hides the first bars, so the title names bars and line.
    """
    x_scale, y_scale = OrdinalScale(), LinearScale(min=0.0)
    bars = Bars(
        x=[],
        y=[],
        scales={"x": x_scale, "y": y_scale},
        colors=[ACTUAL_COLOUR],
        padding=0.25,
        labels=[actual_label],
        tooltip=Tooltip(fields=["x", "y"], formats=["", ",.0f"]),
    )
    line = Lines(
        x=[],
        y=[],
        scales={"x": x_scale, "y": y_scale},
        colors=[LAST_YEAR_COLOUR],
        stroke_width=2.5,
        marker="circle",
        marker_size=24,
        labels=[last_year_label],
    )
    figure = Figure(
        marks=[bars, line],
        axes=[Axis(scale=x_scale, tick_rotate=-30), value_axis(y_scale, value_label)],
        title=title,
        fig_margin=dict(_MARGIN),
        layout=dict(_FIGURE_LAYOUT),
        animation_duration=0,
    )
    return figure, bars, line


def bar_figure(title: str, value_label: str, colour: str = MIX_COLOUR) -> tuple[Figure, Bars]:
    """One series of vertical bars over named categories (segments, channels, reps)."""
    x_scale, y_scale = OrdinalScale(), LinearScale(min=0.0)
    bars = Bars(
        x=[],
        y=[],
        scales={"x": x_scale, "y": y_scale},
        colors=[colour],
        padding=0.3,
        tooltip=Tooltip(fields=["x", "y"], formats=["", ",.0f"]),
    )
    figure = Figure(
        marks=[bars],
        axes=[Axis(scale=x_scale, tick_rotate=-30), value_axis(y_scale, value_label)],
        title=title,
        fig_margin=dict(_MARGIN),
        layout=dict(_FIGURE_LAYOUT),
        animation_duration=0,
    )
    return figure, bars


def message_box(messages: list[str] | tuple[str, ...], kind: str = "notice") -> str:
    """Escaped messages in a quiet box (class salesplan-<kind>): 'notice' amber, 'error' red, 'ok' green.

    Everything shown to a viewer goes through html.escape, so text from a URL or a file can never inject
    markup.
    """
    colour, background = {"error": ("#a33", "#fdeeee"), "ok": ("#2d6a3e", "#eaf6ee")}.get(
        kind, ("#7a5b00", "#fff8e1")
    )
    items = "".join(f"<div>{html.escape(m)}</div>" for m in messages)
    return (
        f'<div class="salesplan-{kind}" style="padding:6px 10px;border-left:4px solid {colour};'
        f'background:{background};color:{colour};margin:4px 0">{items}</div>'
    )

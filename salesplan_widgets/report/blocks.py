"""HTML building blocks for report sections: title, KPI cards, tables and figures, all escaped.

Every report section (the sales overview here, the capabilities' sections beside it) returns `Html`, which
a notebook cell displays as a rich output and nbconvert copies into the static page unchanged. Values
arrive already formatted by the caller (i18n.fmt_*); this module only arranges and escapes them. The CSS
is inline so a page needs nothing from the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

TITLE_CLASS = "salesplan-title"
NOTICE_CLASS = "salesplan-sample-notice"

# the table class is doubled so its alignment outranks JupyterLab's `:not(.jp-RenderedMarkdown)
# .jp-RenderedHTMLCommon td`, which right-aligns every cell of a rendered output (names too)
STYLE = """<style>
.salesplan-section{margin:1.2em 0 0.6em 0;font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",
"PingFang SC","Microsoft YaHei",sans-serif}
.salesplan-section h1{font-size:1.6em;margin:0.2em 0}
.salesplan-section h2{font-size:1.25em;margin:0.3em 0 0.5em 0;border-bottom:1px solid #ddd;padding-bottom:0.2em}
.salesplan-subtitle{color:#555}
.salesplan-sample-notice{padding:6px 10px;border-left:4px solid #7a5b00;background:#fff8e1;color:#7a5b00;font-weight:600}
.salesplan-cards{display:flex;flex-wrap:wrap;gap:0.8em}
.salesplan-card{border:1px solid #ddd;border-radius:6px;padding:0.6em 0.9em;min-width:10em}
.salesplan-card .label{color:#555;font-size:0.85em}
.salesplan-card .value{font-size:1.35em;font-weight:600}
.salesplan-card .note{color:#555;font-size:0.8em}
.salesplan-table{border-collapse:collapse;margin:0.4em 0}
table.salesplan-table.salesplan-table th,table.salesplan-table.salesplan-table td{padding:0.25em 0.8em;border-bottom:1px solid #eee;text-align:left}
.salesplan-table th{border-bottom:1px solid #bbb}
table.salesplan-table.salesplan-table .num{text-align:right;font-variant-numeric:tabular-nums}
.salesplan-chart{max-width:100%;height:auto}
.salesplan-row{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
.salesplan-row>div{flex:1 1 22em}
</style>"""


@dataclass(frozen=True)
class Html:
    """A fragment of report HTML that Jupyter and nbconvert display as-is."""

    text: str

    def _repr_html_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def section(heading: str, *parts: Html | str) -> Html:
    """A report section: an h2 heading (plain text, escaped) and its parts (already HTML)."""
    body = "\n".join(str(p) for p in parts)
    return Html(
        f'{STYLE}\n<section class="salesplan-section">\n<h2>{escape(heading)}</h2>\n{body}\n</section>'
    )


def title(text: str, subtitle: str = "", notice: str = "") -> Html:
    """The page's h1; the period run reads it back (by its class) to name the page in the index.

    `notice` is a warning every reader must see before any figure (e.g. that the data are init's samples).
    """
    sub = f'\n<p class="salesplan-subtitle">{escape(subtitle)}</p>' if subtitle else ""
    warn = f'\n<p class="{NOTICE_CLASS}" role="alert">{escape(notice)}</p>' if notice else ""
    return Html(
        f'{STYLE}\n<header class="salesplan-section">\n<h1 class="{TITLE_CLASS}">{escape(text)}</h1>{sub}{warn}\n'
        "</header>"
    )


def note(text: str) -> Html:
    """A sentence under a section's figures that says how to read them (plain text, escaped)."""
    return Html(f'<p class="salesplan-subtitle">{escape(text)}</p>')


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    note: str = ""


def cards(items: Iterable[Card]) -> Html:
    """Headline figures as a row of cards."""
    html = []
    for card in items:
        note = f'<div class="note">{escape(card.note)}</div>' if card.note else ""
        html.append(
            f'<div class="salesplan-card"><div class="label">{escape(card.label)}</div>'
            f'<div class="value">{escape(card.value)}</div>{note}</div>'
        )
    return Html('<div class="salesplan-cards">' + "".join(html) + "</div>")


def table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool] = ()) -> Html:
    """A small table of already formatted text; `numeric` right-aligns those columns."""
    numeric = list(numeric) + [False] * (len(header) - len(numeric))
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if n else f"<th>{escape(h)}</th>"
        for h, n in zip(header, numeric, strict=False)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(v)}</td>' if n else f"<td>{escape(v)}</td>"
            for v, n in zip(row, numeric, strict=False)
        )
        + "</tr>"
        for row in rows
    )
    return Html(f'<table class="salesplan-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def figure(svg: str, caption: str = "") -> Html:
    """An inline SVG chart with an optional caption."""
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return Html(f"<figure>{svg}{cap}</figure>")


def row(*parts: Html | str) -> Html:
    """Parts side by side on a wide page, stacked on a narrow one."""
    return Html('<div class="salesplan-row">' + "".join(f"<div>{p}</div>" for p in parts) + "</div>")

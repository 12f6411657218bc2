"""The period report's index page: what the report is, which data it came from, and links to its pages.

Plain, self-contained HTML (inline CSS, no scripts), in the plan's language. No timestamp: the same
period run twice must give the same bytes, so the page names the data fingerprint and plan version
instead of a time. This module only renders text; the run writes it, and report/payout_index.py rewrites
its payouts block (`with_payouts`) when a month's payouts change after the run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from salesplan_widgets.i18n import _, get_locale
from salesplan_widgets.report.blocks import STYLE


@dataclass(frozen=True)
class PageLink:
    """One page of the report: its file name (relative to the index) and its title."""

    href: str
    title: str
    notebook: str


@dataclass(frozen=True)
class PayoutLink:
    """One payout file or rep statement the report links: its path relative to the index, and its name."""

    href: str
    name: str


def payouts_block(month: str, files: Sequence[PayoutLink], statements: Sequence[PayoutLink]) -> str:
    """The index's list of the month's payout files and, folded, each rep's statement ('' when none)."""
    if not files and not statements:
        return ""
    heading = escape(_("Payouts for {month}").format(month=month))
    return f"<h2>{heading}</h2>\n{_month_items(files, statements)}"


def _month_items(files: Sequence[PayoutLink], statements: Sequence[PayoutLink]) -> str:
    items = "\n".join(f'<li><a href="{escape(f.href)}">{escape(f.name)}</a></li>' for f in files)
    folded = ""
    if statements:
        reps = "\n".join(f'<li><a href="{escape(s.href)}">{escape(s.name)}</a></li>' for s in statements)
        summary = escape(_("Statements ({n} reps)").format(n=len(statements)))
        folded = f"<li><details><summary>{summary}</summary><ul>\n{reps}\n</ul></details></li>"
    return f'<ul class="salesplan-payouts">\n{items}\n{folded}\n</ul>\n'


def payouts_blocks(
    months: Sequence[tuple[str, Sequence[PayoutLink], Sequence[PayoutLink]]],
) -> str:
    """The payouts of every month a report links, each (month's name, files, statements): one month as
    `payouts_block`; several (a quarter's) under one heading, each month folded with its files and
    statements; months with nothing prepared are left out ('' when none has anything)."""
    prepared = [(name, files, statements) for name, files, statements in months if files or statements]
    if len(prepared) <= 1:
        return payouts_block(*prepared[0]) if prepared else ""
    month_heading = _("Payouts for {month}")  # outside the f-strings, where the catalogue finds them
    folds = "\n".join(
        f'<details class="salesplan-payout-month"><summary>{escape(month_heading.format(month=name))}'
        f"</summary>\n{_month_items(files, statements)}</details>"
        for name, files, statements in prepared
    )
    heading = escape(_("Payouts"))
    return f"<h2>{heading}</h2>\n{folds}\n"


# the payouts block of a page `index_page` wrote: between the list of pages and the provenance line
_PAYOUTS_REGION = re.compile(
    r'(<ul class="salesplan-pages">.*?</ul>\n)(.*?)(<p class="salesplan-subtitle">)', re.S
)


def with_payouts(page: str, payouts: str) -> str | None:
    """The index page `page` with its payouts block replaced by `payouts` (everything else byte for byte
    as it was); None when `page` is not one `index_page` wrote."""
    match = _PAYOUTS_REGION.search(page)
    if match is None:
        return None
    return page[: match.start(2)] + payouts + page[match.end(2) :]


def html_lang(locale: str | None = None) -> str:
    """The BCP 47 tag for <html lang>: en, zh-CN."""
    return (locale or get_locale()).replace("_", "-")


def index_page(
    plan_name: str,
    period: str,
    pages: Sequence[PageLink],
    data_fingerprint: str,
    plan_version: str | None,
    payouts: str = "",
) -> str:
    """The index.html text of one period's report; `payouts` is `payouts_block`'s HTML (or '')."""
    heading = _("{plan}: report for {period}").format(plan=plan_name, period=period)
    notebook = escape(_("notebook"))
    items = "\n".join(
        f'<li><a href="{escape(page.href)}">{escape(page.title)}</a> '
        f'<small>(<a href="{escape(page.notebook)}">{notebook}</a>)</small></li>'
        for page in pages
    )
    provenance = _("Generated from data {fingerprint}, plan version {version}.").format(
        fingerprint=data_fingerprint, version=plan_version or "–"
    )
    return f"""<!DOCTYPE html>
<html lang="{html_lang()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{escape(heading)}</title>
{STYLE}
</head>
<body class="salesplan-section" style="margin:1.5em">
<h1 class="salesplan-title">{escape(heading)}</h1>
<ul class="salesplan-pages">
{items}
</ul>
{payouts}<p class="salesplan-subtitle">{escape(provenance)}
<a href="metrics.json">metrics.json</a></p>
</body>
</html>
"""

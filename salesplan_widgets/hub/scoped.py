"""A dashboard inside the hub: the page's selection narrowed to the scope its extract was published for.

The staged notebook calls `scoped_dashboard(extract, name)` in the signed-in user's kernel. The scope is
the extract itself (its data holds only what the user may read); the page address can only narrow within
it. A team or rep outside it gets a polite "not permitted" notice and the user's own view, whether or not
that name exists elsewhere, so the notice reveals nothing either. No traceback ever reaches the page.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import ipywidgets as widgets

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _
from salesplan_widgets.widgets.charts import message_box
from salesplan_widgets.widgets.query import PERIOD_PATTERN, request_query_string
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.workbook import Workbook

SCOPED_PARAMETERS = ("team", "rep")


def narrow_query(query_string: str, teams: set[str], reps: set[str]) -> tuple[str, bool]:
    """The query string without any team or rep outside the scope; and whether one was dropped."""
    try:
        pairs = parse_qsl(query_string or "", keep_blank_values=True, max_num_fields=50)
    except ValueError:
        return "", False
    allowed = {"team": teams, "rep": reps}
    kept, refused = [], False
    for name, value in pairs:
        if name in allowed and value.strip() and value.strip() not in allowed[name]:
            refused = True
            continue
        kept.append((name, value))
    return urlencode(kept), refused


def _render(name: str, book: Workbook, query: str) -> widgets.Widget:
    if name == "my_targets":
        from salesplan_widgets.widgets.task_splitter import MyTargets

        return MyTargets.from_query(book, query)
    if name == "overview":
        from salesplan_widgets.widgets.overview import SalesOverview

        return SalesOverview.from_query(book, query)
    if name == "incentives":
        from salesplan_widgets.widgets.incentive_calculator import incentives_dashboard

        periods = {str(p) for p in book.cube()["period"].unique()}
        period = dict(parse_qsl(query)).get("period")
        valid = period in periods and PERIOD_PATTERN.fullmatch(period or "")
        return incentives_dashboard(book, period if valid else None)
    raise SalesplanError(_("This dashboard is not published for signed-in users."))


def scoped_dashboard(extract: str | Path, name: str, query_string: str | None = None) -> widgets.Widget:
    """Dashboard `name` on a published extract, for the page address's selection within the scope."""
    try:
        book = open_workbook(extract)
        cube = book.cube()
        teams = set(cube["team"].astype(str)) - {"all"}
        reps = set(cube["rep"].astype(str)) - {"all"}
        query, refused = narrow_query(
            request_query_string() if query_string is None else query_string, teams, reps
        )
        view = _render(name, book, query)
    except SalesplanError as exc:
        return widgets.HTML(message_box([_("The dashboard cannot be shown."), str(exc)], kind="error"))
    if not refused:
        return view
    notice = _("You are not permitted to see that team's or rep's numbers; your own are shown instead.")
    return widgets.VBox([widgets.HTML(message_box([notice])), view])

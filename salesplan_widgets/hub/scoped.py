"""A dashboard inside the hub: the page's selection narrowed to the scope its extract was published for.

The staged notebook calls `scoped_dashboard(extract, name)` in the signed-in user's kernel. The scope is
the extract itself (its data holds only what the user may read); the page address can only narrow within
it. A team or rep outside it gets a polite "not permitted" notice and the user's own view, whether or not
that name exists elsewhere, so the notice reveals nothing either. No traceback ever reaches the page.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import ipywidgets as widgets

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _, period_name
from salesplan_widgets.widgets.charts import message_box
from salesplan_widgets.widgets.query import PERIOD_PATTERN, request_query_string
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.publish import RECOGNITION_FILE, SCOPE_FILE
from salesplan_widgets.workbook.workbook import Workbook


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


def _render(name: str, book: Workbook, query: str, inbox: str | Path | None = None) -> widgets.Widget:
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
        period = period if period in periods and PERIOD_PATTERN.fullmatch(period or "") else None
        public = book.path / RECOGNITION_FILE
        if public.is_file():
            return _incentives_with_public_recognition(
                book, period or max(periods), public.read_text("utf-8")
            )
        return incentives_dashboard(book, period)
    if name == "statements":
        from salesplan_widgets.widgets.statements import StatementsView
        from salesplan_widgets.workbook.inbox import DISPUTE, WRITE_ACTIONS

        role = json.loads((book.path / SCOPE_FILE).read_text(encoding="utf-8"))["role"]
        disputes = inbox if inbox and DISPUTE in WRITE_ACTIONS.get(role, ()) else None
        return StatementsView.from_query(book, query, inbox=disputes)
    raise SalesplanError(_("This dashboard is not published for signed-in users."))


class SendPanel(widgets.VBox):
    """What a signed-in user's role lets them send to the analyst: a note on a rep of their scope, and for
    a manager a rep's year commit. It writes only into the user's own inbox; the analyst imports it."""

    def __init__(
        self, inbox: str | Path, role: str, reps: list[str], periods: list[str], grain: str = "month"
    ):
        from salesplan_widgets.workbook.inbox import WRITE_ACTIONS

        self.inbox = Path(inbox)
        self.actions = WRITE_ACTIONS[role]
        self.rep = widgets.Dropdown(description=_("Rep"), options=reps, value=reps[0] if reps else None)
        self.period = widgets.Dropdown(
            description=period_name(grain), options=periods, value=periods[-1] if periods else None
        )
        self.note = widgets.Textarea(
            placeholder=_("A note for the analyst"), layout=widgets.Layout(width="420px")
        )
        self.commit = widgets.FloatText(description=_("Year commit"), value=0.0)
        self.button = widgets.Button(description=_("Send to the analyst"), button_style="primary")
        self.status = widgets.HTML()
        self.button.on_click(lambda _button: self.submit())
        controls = [self.rep, self.period, self.note] + ([self.commit] if "commit" in self.actions else [])
        title = widgets.HTML("<h4>" + html.escape(_("Send to the analyst")) + "</h4>")
        super().__init__([title, *controls, self.button, self.status])
        self.add_class("salesplan-send")

    def submit(self) -> int:
        """Send the filled-in actions; return how many were sent."""
        from salesplan_widgets.workbook.inbox import send

        sent = 0
        try:
            if "commit" in self.actions and self.commit.value > 0:
                send(self.inbox, "commit", self.period.value, self.rep.value, commit=float(self.commit.value))
                sent += 1
            if self.note.value.strip():
                send(self.inbox, "note", self.period.value, self.rep.value, text=self.note.value)
                sent += 1
        except (SalesplanError, OSError) as exc:
            self.status.value = message_box([_("Not sent."), str(exc)], kind="error")
            return sent
        if sent:
            self.note.value, self.commit.value = "", 0.0
            self.status.value = message_box(
                [_("Sent. The analyst imports it with the next publication.")], kind="ok"
            )
        else:
            self.status.value = message_box([_("Nothing to send: write a note first.")])
        return sent


def _incentives_with_public_recognition(book: Workbook, period: str, recognition: str) -> widgets.Widget:
    """The user's own payout summary, and the company's recognition only as the plan publishes it.

    The extract's own leaderboard would rank the scope alone (a rep first of one); the published one is
    the plan's top N, champions and badges, computed on the whole workbook at publication.
    """
    from salesplan_widgets.report.incentives import IncentivesReport
    from salesplan_widgets.widgets.charts import static_sections
    from salesplan_widgets.widgets.incentive_calculator import incentives_dashboard

    report = IncentivesReport.open(book, period)
    quotas = report.quotas.table
    if not quotas.loc[quotas["period"] == report.period, "target"].gt(0).any():
        return incentives_dashboard(book, period)  # its notice for a month without quota
    month = recognition.removeprefix("<!-- ").split(" -->")[0]
    note = _(
        "Recognition as published for {period}, company-wide, as the plan's leaderboards and badges show it."
    )
    subtitle = f'<p class="salesplan-subtitle">{html.escape(note.format(period=month))}</p>'
    return widgets.VBox(
        [widgets.HTML(static_sections(report.title(), report.summary(), subtitle, recognition))],
        layout=widgets.Layout(max_width="1100px"),
    )


def scoped_dashboard(
    extract: str | Path, name: str, query_string: str | None = None, inbox: str | Path | None = None
) -> widgets.Widget:
    """Dashboard `name` on a published extract, for the page address's selection within the scope;
    with `inbox`, the my_targets page also offers what the user's role may send to the analyst, and the
    statements page a rep's disputes."""
    try:
        book = open_workbook(extract)
        cube = book.cube()
        teams = set(cube["team"].astype(str)) - {"all"}
        reps = set(cube["rep"].astype(str)) - {"all"}
        query, refused = narrow_query(
            request_query_string() if query_string is None else query_string, teams, reps
        )
        view = _render(name, book, query, inbox)
        parts = [view]
        if inbox and name == "my_targets":
            role = json.loads((book.path / SCOPE_FILE).read_text(encoding="utf-8"))["role"]
            periods = sorted({str(p) for p in book.cube()["period"].unique()})
            parts.append(SendPanel(inbox, role, sorted(reps), periods, book.plan.calendar.grain))
    except SalesplanError as exc:
        return widgets.HTML(message_box([_("The dashboard cannot be shown."), str(exc)], kind="error"))
    if refused:
        notice = _("You are not permitted to see that team's or rep's numbers; your own are shown instead.")
        parts.insert(0, widgets.HTML(message_box([notice])))
    return parts[0] if len(parts) == 1 else widgets.VBox(parts)

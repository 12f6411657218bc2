"""The statements dashboard: a signed-in person reads the commission statements published to them.

It reads only the extract's statements index and the documents copied beside it (never the ledger), so what
a rep can open is exactly what publishing gave their account. The chosen statement is shown inline in a
sandboxed frame: the document keeps its own print styles, cannot restyle the page, and runs no script.

Below it, a rep signed in through the hub raises a dispute on a line of a closed statement: the panel writes
one file into the rep's own inbox and nothing else (the analyst's publication imports it). Without an inbox
(any other role, or a page outside the hub) the panel is shown disabled, saying why. The status of the
disputes published with the extract (open or answered, the answer, any adjustment) is listed beneath,
with those sent but not yet imported.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _, fmt_money, get_locale, minor_unit
from salesplan_widgets.model.calendar import period_labels
from salesplan_widgets.report.statement_documents import INTERIM, statement_status
from salesplan_widgets.widgets.charts import html_table, message_box
from salesplan_widgets.widgets.dashboard import Dashboard
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.ledger import CLOSED
from salesplan_widgets.workbook.payouts import PERIOD_PATTERN
from salesplan_widgets.workbook.publish import extract_scope
from salesplan_widgets.workbook.statement_extracts import DISPUTES_INDEX, STATEMENTS_INDEX, signing_event


def reader_titles(workbook: Workbook) -> tuple[str, str]:
    """The page's two titles (statements, disputes) for who reads them: a rep their own, a manager their
    team's, finance and the analyst everyone's. The extract's scope says who; the whole workbook is the
    analyst's."""
    scope = extract_scope(workbook)
    if scope is not None and scope.role == "rep":
        return _("My commission statements"), _("My disputes")
    if scope is not None and scope.role == "manager":
        if len(scope.teams or ()) > 1:
            return _("My teams' commission statements"), _("My teams' disputes")
        return _("My team's commission statements"), _("My team's disputes")
    return _("Commission statements"), _("Disputes")


def read_index(workbook: Workbook) -> list[dict]:
    """The statements published into this (extract) workbook, newest period first; [] when none."""
    path = workbook.path / STATEMENTS_INDEX
    if not path.is_file():
        return []
    entries = json.loads(path.read_text(encoding="utf-8"))
    return sorted(entries, key=lambda e: (e["period"], e["rep"]), reverse=True)


def month_label(period: str, locale: str | None = None) -> str:
    """A statement's month as its reader says it ('Jan 2026' / '2026年1月'); the index keeps the sortable
    key ('2026-01'), which the address and the inbox use. Statements are paid per month only
    (`salesplan payouts --period` takes a month), so any other text is shown as it is."""
    if not PERIOD_PATTERN.match(str(period)):
        return str(period)
    return period_labels([pd.Period(str(period), "M")], locale)[0]


def read_disputes_index(workbook: Workbook) -> list[dict]:
    """The status of the disputes published into this (extract) workbook, newest first; [] when none."""
    path = workbook.path / DISPUTES_INDEX
    if not path.is_file():
        return []
    return sorted(json.loads(path.read_text(encoding="utf-8")), key=lambda d: d["asked_at"], reverse=True)


def inbox_disputes(inbox: Path | None) -> list[dict]:
    """Disputes this user sent that the analyst has not imported yet, and those the import refused (each
    with its `reason`): both still in their own inbox, which only they and the analyst can read."""
    from salesplan_widgets.workbook.inbox import DISPUTE, REFUSED_NOTICE

    found = []
    folder = Path(inbox) if inbox else None
    paths = [*folder.glob("[0-9]*.json"), *folder.glob(f"{REFUSED_NOTICE}*.json")] if folder else []
    for path in sorted(paths, key=lambda p: p.name.removeprefix(REFUSED_NOTICE), reverse=True):
        try:
            message = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(message, dict) and message.get("action") == DISPUTE:
            found.append(message)
    return found


def dispute_status_label(status: str) -> str:
    """How a dispute's state reads to the rep: answered (with the answer beside it) or still open."""
    from salesplan_widgets.workbook.disputes import ANSWERED

    return _("Answered") if status == ANSWERED else _("Open: awaiting an answer")


def inline_document(document: str) -> str:
    """A statement's HTML in a sandboxed frame: escaped into srcdoc, no scripts, no access to the page."""
    return (
        f'<iframe class="salesplan-statement" sandbox="" srcdoc="{html.escape(document, quote=True)}" '
        'style="width:100%;min-height:720px;border:1px solid #ddd;background:#fff"></iframe>'
    )


def excel_link(path: Path) -> str:
    """A download link carrying the statement's Excel file itself: the dashboard server exposes no files."""
    if not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return (
        f'<a class="salesplan-statement-xlsx" download="{html.escape(path.name, quote=True)}" '
        f'href="data:{mime};base64,{data}">' + html.escape(_("Download as Excel")) + "</a>"
    )


class StatementsView(Dashboard, widgets.VBox):
    """A chooser of the statements published to the viewer (period · rep · state) and the chosen one."""

    address = ("period", "rep")

    def __init__(
        self,
        workbook: Workbook | str | Path,
        period: str | None = None,
        rep: str | None = None,
        notices: tuple[str, ...] = (),
        inbox: str | Path | None = None,
        disabled_reason: str | None = None,
    ):
        self.workbook = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        self.entries = read_index(self.workbook)
        self.titles = reader_titles(self.workbook)
        self.locale = get_locale()
        self.inbox = Path(inbox) if inbox else None
        self.dispute = DisputePanel(self.inbox, self._money, disabled_reason)
        self.dispute.on_sent = self.show_disputes
        self.disputes = widgets.HTML()
        self.notices = widgets.HTML(message_box(list(notices)) if notices else "")
        self.chooser = widgets.Dropdown(
            description=_("Statement"),
            options=[(self._option(e), i) for i, e in enumerate(self.entries)],
            layout=widgets.Layout(width="520px"),
            style={"description_width": "initial"},
        )
        self.status = widgets.HTML()
        self.download = widgets.HTML()
        self.document = widgets.HTML()
        title = widgets.HTML(f"<h3>{html.escape(self.titles[0])}</h3>")
        children = [title, self.notices]
        if not self.entries:
            children.append(widgets.HTML(message_box([_("No statement has been published to you yet.")])))
        else:
            if not any(e["status"] == CLOSED for e in self.entries):
                closed = _(
                    "No statement is closed yet: those shown may still change until finance closes them."
                )
                children.append(widgets.HTML(message_box([closed])))
            children += [self.chooser, self.status, self.download, self.document, self.dispute]
            self.chooser.value = self._first(period, rep)
            self.chooser.observe(lambda _change: self.show(), names="value")
            self.show()
        children.append(self.disputes)
        self.show_disputes()
        super().__init__(children, layout=widgets.Layout(max_width="1100px"))
        self.add_class("salesplan-statements")

    def _option(self, entry: dict) -> str:
        month = month_label(entry["period"], self.locale)
        return f"{month} · {entry['rep']} · {statement_status(entry['status'])}"

    def _first(self, period: str | None, rep: str | None) -> int:
        """The newest statement matching the address's period and rep, else the newest of all."""
        for i, entry in enumerate(self.entries):
            if (period is None or entry["period"] == period) and (rep is None or entry["rep"] == rep):
                return i
        return 0

    def show(self) -> None:
        """Show the chosen statement in the plan's language (English when it has none in that language)."""
        entry = self.entries[self.chooser.value]
        self.dispute.choose(entry)
        documents = entry["documents"]
        files = documents.get(self.locale) or documents.get("en") or next(iter(documents.values()))
        kind = "ok" if entry["status"] == CLOSED else "notice"
        self.status.value = message_box([statement_status(entry["status"], signing_event(entry))], kind=kind)
        self.download.value = excel_link(self.workbook.path / files["xlsx"]) if "xlsx" in files else ""
        path = self.workbook.path / files["html"] if "html" in files else None
        if path is None or not path.is_file():
            self.document.value = message_box([_("This statement has no printable page.")])
            return
        self.document.value = inline_document(path.read_text(encoding="utf-8"))

    def _money(self, amount_minor: int) -> str:
        currency = self.workbook.plan.currency
        return fmt_money(amount_minor / 10 ** minor_unit(currency), currency, self.locale)

    def show_disputes(self) -> None:
        """The disputes published with the extract (open or answered, the answer, the adjustment), and those
        sent but not imported yet."""
        currency = self.workbook.plan.currency
        sent = _("Sent: the analyst has not imported it yet")
        rows = [
            [
                _("Not logged: expected {reason}").format(reason=m["reason"]) if m.get("reason") else sent,
                month_label(m.get("period", ""), self.locale), str(m.get("rep", "")), str(m.get("line", "")),
                str(m.get("text", "")), "", "",
            ]
            for m in inbox_disputes(self.inbox)
        ]  # fmt: skip
        for d in read_disputes_index(self.workbook):
            adjustment = (
                _("{amount} in {period}").format(
                    amount=fmt_money(d["adjustment"], currency, self.locale),
                    period=month_label(d["adjustment_period"], self.locale),
                )
                if d.get("adjustment") is not None
                else ""
            )
            line = f"{d['line']} · {d['rule']} · {self._money(d['amount_minor'])}"
            rows.append([dispute_status_label(d["status"]), month_label(d["period"], self.locale), d["rep"], line,
                         d["question"], d["answer"], adjustment])  # fmt: skip
        if not rows:
            self.disputes.value = ""
            return
        header = [
            _("Status"),
            _("Statement"),
            _("Rep"),
            _("Line"),
            _("Question"),
            _("Answer"),
            _("Adjustment"),
        ]
        title = "<h4>" + html.escape(self.titles[1]) + "</h4>"
        self.disputes.value = f'<div class="salesplan-disputes">{title}{html_table(header, rows)}</div>'


class DisputePanel(widgets.VBox):
    """Raise a dispute on a line of the chosen closed statement. It writes only into the signed-in rep's own
    inbox; without one (another role, or outside the hub) every control is disabled and the panel says why."""

    def __init__(self, inbox: Path | None, money, disabled_reason: str | None = None):
        self.inbox = inbox
        self.money = money
        self.entry: dict | None = None
        self.on_sent = lambda: None
        self.line = widgets.Dropdown(
            description=_("Line"), options=[], layout=widgets.Layout(width="520px"),
            style={"description_width": "initial"},
        )  # fmt: skip
        self.question = widgets.Textarea(
            placeholder=_("What is wrong with this line? e.g. the order of 20 January is missing"),
            layout=widgets.Layout(width="520px"),
        )
        self.button = widgets.Button(description=_("Raise a dispute"), button_style="warning")
        self.button.add_class("salesplan-raise-dispute")
        self.reason = widgets.HTML()
        self.result = widgets.HTML()
        self.button.on_click(lambda _button: self.submit())
        self.sent = False  # the last click sent the question: a second click of a double click says nothing
        self.question.observe(lambda change: self._typed(change["new"]), names="value")
        self.disabled_reason = None
        if inbox is None:
            self.disabled_reason = disabled_reason or _(
                "Disputes are raised by the rep whose statement it is, signed in through the hub."
            )
        title = widgets.HTML("<h4>" + html.escape(_("Dispute a line of this statement")) + "</h4>")
        super().__init__([title, self.reason, self.line, self.question, self.button, self.result])
        self.add_class("salesplan-dispute")

    def choose(self, entry: dict) -> None:
        """Offer the lines of `entry`'s statement; only a closed statement's lines can be disputed."""
        self.entry = entry
        lines = entry.get("lines") or []
        self.line.options = [
            (f"{ln['line']} · {ln['rule']} · {self.money(ln['amount_minor'])}", ln["line"]) for ln in lines
        ]
        self.line.value = lines[0]["line"] if lines else None
        reason = self.disabled_reason
        if reason is None and entry["status"] == INTERIM:  # its lines are paid on another statement
            reason = _(
                "An interim statement pays nothing itself: dispute the line on the statement that ends its "
                "measurement period."
            )
        if reason is None and (entry["status"] != CLOSED or not lines):
            reason = _("Only a closed statement's lines can be disputed; this one may still change.")
        self.reason.value = message_box([reason]) if reason else ""
        for control in (self.line, self.question, self.button):
            control.disabled = reason is not None
        self.result.value = ""

    def _typed(self, question: str) -> None:
        if question.strip():
            self.sent = False

    def submit(self) -> bool:
        """Send the dispute on the chosen line to the rep's inbox; say what happens next."""
        from salesplan_widgets.workbook.inbox import DISPUTE, send

        if self.button.disabled or self.inbox is None or self.entry is None:
            return False
        if not self.question.value.strip():
            if not self.sent:
                self.result.value = message_box([_("Write your question first.")])
            return False
        try:
            send(self.inbox, DISPUTE, self.entry["period"], self.entry["rep"], text=self.question.value,
                 line=int(self.line.value))  # fmt: skip
        except (SalesplanError, OSError, TypeError) as exc:
            self.result.value = message_box([_("Not sent."), str(exc)], kind="error")
            return False
        self.question.value = ""
        self.sent = True
        self.result.value = message_box(
            [_("Sent. The analyst imports it with the next publication; the answer will show here.")],
            kind="ok",
        )
        self.on_sent()
        return True

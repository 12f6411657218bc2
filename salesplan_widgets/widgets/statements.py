"""The statements dashboard: a signed-in person reads the commission statements published to them.

It reads only the extract's statements index and the documents copied beside it (never the ledger), so what
a rep can open is exactly what publishing gave their account. The chosen statement is shown inline in a
sandboxed frame: the document keeps its own print styles, cannot restyle the page, and runs no script.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import ipywidgets as widgets

from salesplan_widgets.i18n import _, get_locale
from salesplan_widgets.widgets.charts import message_box
from salesplan_widgets.widgets.dashboard import Dashboard
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.statement_extracts import STATEMENTS_INDEX


def status_label(status: str) -> str:
    """How a statement's ledger state reads to the person paid: only a closed statement is final."""
    return {
        "closed": _("Closed: final"),
        "approved": _("Approved by finance, not yet closed: may still change"),
    }.get(status, _("Prepared: awaiting approval by finance, may still change"))


def read_index(workbook: Workbook) -> list[dict]:
    """The statements published into this (extract) workbook, newest period first; [] when none."""
    path = workbook.path / STATEMENTS_INDEX
    if not path.is_file():
        return []
    entries = json.loads(path.read_text(encoding="utf-8"))
    return sorted(entries, key=lambda e: (e["period"], e["rep"]), reverse=True)


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
        f'href="data:{mime};base64,{data}">{html.escape(_("Download as Excel"))}</a>'
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
    ):
        self.workbook = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        self.entries = read_index(self.workbook)
        self.locale = get_locale()
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
        title = widgets.HTML(f"<h3>{html.escape(_('My commission statements'))}</h3>")
        children = [title, self.notices]
        if not self.entries:
            children.append(widgets.HTML(message_box([_("No statement has been published to you yet.")])))
        else:
            if not any(e["status"] == "closed" for e in self.entries):
                closed = _(
                    "No statement is closed yet: those shown may still change until finance closes them."
                )
                children.append(widgets.HTML(message_box([closed])))
            children += [self.chooser, self.status, self.download, self.document]
            self.chooser.value = self._first(period, rep)
            self.chooser.observe(lambda _change: self.show(), names="value")
            self.show()
        super().__init__(children, layout=widgets.Layout(max_width="1100px"))
        self.add_class("salesplan-statements")

    @staticmethod
    def _option(entry: dict) -> str:
        return f"{entry['period']} · {entry['rep']} · {status_label(entry['status'])}"

    def _first(self, period: str | None, rep: str | None) -> int:
        """The newest statement matching the address's period and rep, else the newest of all."""
        for i, entry in enumerate(self.entries):
            if (period is None or entry["period"] == period) and (rep is None or entry["rep"] == rep):
                return i
        return 0

    def show(self) -> None:
        """Show the chosen statement in the plan's language (English when it has none in that language)."""
        entry = self.entries[self.chooser.value]
        documents = entry["documents"]
        files = documents.get(self.locale) or documents.get("en") or next(iter(documents.values()))
        kind = "ok" if entry["status"] == "closed" else "notice"
        self.status.value = message_box([status_label(entry["status"])], kind=kind)
        self.download.value = excel_link(self.workbook.path / files["xlsx"]) if "xlsx" in files else ""
        path = self.workbook.path / files["html"] if "html" in files else None
        if path is None or not path.is_file():
            self.document.value = message_box([_("This statement has no printable page.")])
            return
        self.document.value = inline_document(path.read_text(encoding="utf-8"))

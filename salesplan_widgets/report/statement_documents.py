"""Each rep's commission statement as documents people accept: print-ready HTML and Excel, in both languages.

One folder per rep under reports/<period>/statements/ (see `statement_path`, the path the hub serves a
signed-in rep), holding `statement-<period>.<locale>.html` and `.xlsx` for English and Simplified Chinese.
The HTML is static: inline CSS with print rules, no scripts, nothing from the network. Figures come from
the period's payments (own lines and prior-period adjustments, in minor units) so a document adds up to
the cent of what the ledger pays. Each document says the ledger state it was written in (`statement_status`,
the words the statements dashboard shows too); every ledger step renders them again, so the words on disk
follow the ledger, and replaces only those that changed: a page whose bytes are the same, an Excel file
written from the same inputs (`_excel_inputs`, kept in the file), stays as it is. Rendering only: no
arithmetic beyond sums of lines, no ledger writes.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd

from salesplan_widgets.i18n import LOCALES, _, fmt_date, fmt_money, fmt_month, fmt_percent, set_locale
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.clawbacks import CLAWBACK, clawback_rule
from salesplan_widgets.model.draws import DRAW, draw_rules
from salesplan_widgets.model.holdbacks import HOLDBACK, holdback_rules
from salesplan_widgets.model.ledger import ADJUSTMENT, PeriodPayments, describe_cause
from salesplan_widgets.model.manual import MANUAL, manual_rule
from salesplan_widgets.model.measurement import ends_a_measurement_period, measured_days, measured_months
from salesplan_widgets.model.negative_balances import ACCOUNT as NEGATIVE
from salesplan_widgets.model.negative_balances import negative_rules
from salesplan_widgets.model.role_plans import EVERYONE, plan_shares, rules_by_rep
from salesplan_widgets.model.statements import Statements
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.atomic import atomic_batch
from salesplan_widgets.workbook.currencies import conversion_note
from salesplan_widgets.workbook.ledger import APPROVED, CLOSED, PREPARED
from salesplan_widgets.workbook.sources import ALL
from salesplan_widgets.workbook.workbook import Workbook

STATEMENTS_DIR = "statements"
INTERIM = "interim"  # a month inside a quarterly or yearly window: shown, never approved on its own
T = TypeVar("T")
INPUTS_PROPERTY = "salesplan_inputs"  # the Excel file's custom property holding `_excel_inputs`


@functools.cache
def _renderer() -> str:
    """A digest of the code and the words the documents are rendered with: an Excel file written by other
    code or words is written again. Read once, on the first document, not when the module is imported."""
    sources = (Path(__file__), *sorted((Path(__file__).parents[1] / "locale").glob("*/LC_MESSAGES/*.po")))
    return hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]


PRINT_CSS = """<style>
@page{size:A4;margin:16mm}
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
color:#111;max-width:190mm;margin:1em auto;font-size:11pt}
h1{font-size:1.5em;margin:0 0 0.2em 0}
h2{font-size:1.1em;margin:1.2em 0 0.4em 0;border-bottom:1px solid #bbb}
.meta{color:#444;margin:0.2em 0}
.status{display:inline-block;border:1px solid #888;padding:0.15em 0.6em;margin:0.5em 0}
table{border-collapse:collapse;width:100%}
th,td{padding:0.25em 0.5em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{border-bottom:1px solid #888}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:700;border-top:2px solid #111}
.note{color:#444;font-size:0.9em}
@media print{body{margin:0}tr{page-break-inside:avoid}}
</style>"""


def in_locale(locale: str, render: Callable[[], T]) -> T:
    """Run `render` with `locale` active, leaving the caller's language untouched."""

    def run() -> T:
        set_locale(locale)
        return render()

    return contextvars.copy_context().run(run)


def _day(stamp: str) -> str:
    """A journal time stamp as the reader's date (the ledger keeps the exact time)."""
    try:
        return fmt_date(dt.datetime.fromisoformat(str(stamp)).date())
    except ValueError:
        return str(stamp)


def statement_state(
    period: pd.Period, event: str | None, measurement: str, fiscal_year_start: int = 1
) -> str:
    """The state a month's statements are in: the ledger journal's last `event` for it (prepared,
    approved, closed), except that a month inside a quarterly or yearly window is interim: it is never
    approved on its own, the month that ends its window pays it."""
    if event in (APPROVED, CLOSED):
        return event
    return PREPARED if ends_a_measurement_period(period, measurement, fiscal_year_start) else INTERIM


def rep_statement_state(
    section: IncentivesSection,
    reps: Iterable[str],
    period: pd.Period | str,
    event: str | None,
    fiscal_year_start: int = 1,
) -> dict[str, str]:
    """Each rep's statement state of month `period` (`statement_state`) by the rep's own measurement (their
    role plan's version on the month's last day, `rules_by_rep`): in a quarterly workbook, January is
    prepared for a rep on a monthly role plan and interim for the rest. The documents and the extracts'
    index both ask here."""
    month = pd.Period(period, "M")
    rules = rules_by_rep(section, reps, month)
    by_measurement = {
        m: statement_state(month, event, m, fiscal_year_start)
        for m in {r.measurement for r in rules.values()}
    }  # the few measurements in use
    return {rep: by_measurement[r.measurement] for rep, r in rules.items()}


def plan_days(
    section: IncentivesSection, reps: list[str], period: pd.Period
) -> dict[str, list[tuple[str, int]]]:
    """The plans (id, days) of each rep on more than one plan in month `period`, in plan order: pay is
    prorated by these days (`plan_shares`), so the statement says them."""
    shares = plan_shares(section, reps, pd.PeriodIndex([period], freq="M"))
    several = shares[shares.duplicated("rep", keep=False)]
    days = (several["share"] * pd.Period(period, "M").days_in_month).round().astype(int)
    found: dict[str, list[tuple[str, int]]] = {}
    for rep, plan, n in sorted(zip(several["rep"], several["plan"], days, strict=True)):  # the few such reps
        found.setdefault(str(rep), []).append((str(plan), int(n)))
    return found


def plans_sentence(section: IncentivesSection, days: list[tuple[str, int]]) -> str:
    """'Plans this month: General plan, 15 days; KAM, 16 days' in the active language ('' for one plan)."""
    if not days:
        return ""
    names = {p.id: p.name for p in section.plans} | {EVERYONE: _("General plan")}
    parts = [_("{plan}, {days} days").format(plan=names.get(plan, plan), days=n) for plan, n in days]
    return _("Plans this month: {plans}").format(plans=_("; ").join(parts))


def statement_status(state: str, event: Mapping[str, str] | None = None) -> str:
    """How a statement's state (`statement_state`) reads to the person paid, on its documents and on the
    statements dashboard alike: only a closed statement is final. With the journal `event` that put the
    period in that state, also who did it and on which day."""
    headline = {
        CLOSED: _("Closed: final"),
        APPROVED: _("Approved by finance, not yet closed: may still change"),
        INTERIM: _("Interim: not paid on its own; paid with the statement that ends its measurement period"),
    }.get(state, _("Prepared: awaiting approval by finance, may still change"))
    if event is None or state not in (APPROVED, CLOSED):
        return headline
    if state == APPROVED:
        detail = _("Approved by {by} on {date}").format(by=event["by"], date=_day(event["at"]))
    else:
        detail = _("Closed by {by} on {date}; approved by {approved_by} on {approved_date}").format(
            by=event["by"], date=_day(event["at"]), approved_by=event["approved_by"],
            approved_date=_day(event["approved_at"]),
        )  # fmt: skip
    return f"{headline} · {detail}"


def rep_folder(rep: str) -> str:
    """A rep's folder name: the name itself when it is a safe file name, else a safe form plus a hash."""
    import hashlib

    safe = re.sub(r"[^\w\-. ]", "_", str(rep)).strip(" .") or "_"
    if safe == str(rep):
        return safe
    return f"{safe}-{hashlib.sha256(str(rep).encode()).hexdigest()[:8]}"


def statement_path(workbook: Workbook, period: str, rep: str, locale: str, suffix: str = ".html") -> Path:
    """Where a rep's statement for a period lives (what the hub serves to that rep, and only to them)."""
    name = f"statement-{period}.{locale}{suffix}"
    return workbook.reports_dir(period) / STATEMENTS_DIR / rep_folder(rep) / name


def _rule_translation(section, currency: str, locale: str) -> dict[str, str]:
    """Rule labels of the active language → the same labels in `locale` (labels depend on the plan only)."""
    from salesplan_widgets.model.commission import compile_plan
    from salesplan_widgets.model.statements import _labels

    plans = [compile_plan(section.without_role_plans() if section.plans or section.assignments else section)]
    for plan in section.plans:  # each role plan's versions label their own rules
        plans += [compile_plan(section.rules_in_force(plan.id, v.effective)) for v in plan.versions]

    def flat() -> list[str]:
        return [label for p in plans for labels in _labels(p, currency).values() for label in labels]

    return dict(zip(flat(), in_locale(locale, flat), strict=True))


def _money(minor: int | float, currency: str, digits: int) -> str:
    return fmt_money(minor / 10**digits, currency)


def _labels() -> dict[str, str]:
    """The statement page's headings and notes in the active language."""
    return {
        "rule": _("Rule"),
        "base": _("Base"),
        "rate": _("Rate"),
        "amount": _("Amount"),
        "performance": _("Performance"),
        "period": _("Period"),
        "cause": _("Cause"),
        "paid_before": _("Paid before"),
        "owed_now": _("Owed now"),
        "adjustments": _("Prior-period adjustments"),
        "adjust_note": _(
            "Closed periods are not recomputed: what changed since they were paid is paid or recovered here."
        ),
        "total": _("Total for this period"),
        "this_period": _("This period"),
        "nothing_earned": _("Nothing earned this period"),
        "rounding_note": _(
            "Amounts are rounded to the currency unit; the lines add up exactly to the total."
        ),
        "balances": _("Balances carried in the ledger"),
        "before": _("Before this period"),
        "after": _("After this period"),
    }


def account_labels() -> dict[str, str]:
    """What each balance the ledger carries for a rep is called, in the active language."""
    return {DRAW: _("Draw balance to recover"), HOLDBACK: _("Commission held back, to be released"),
            NEGATIVE: _("Negative balance to recover from later commission")}  # fmt: skip


class Line(NamedTuple):
    """One line of a rep's statement as its documents show it (rule text in the document's language)."""

    for_period: str
    rule: str
    base: float  # NaN: none shown
    rate: float
    reference: float
    amount_minor: int
    kind: str
    cause: str


class Balance(NamedTuple):
    account: str
    before_minor: int
    after_minor: int


@dataclass(frozen=True)
class RepDocuments:
    """What one rep's two documents in one language are written from: plain values, so a worker process
    can write them (`_write_rep_documents`) without pandas or the workbook."""

    rep: str
    team: str
    status: str
    lines: list[Line]
    balances: list[Balance]
    summary: dict | None  # sales, quota, attainment
    measured: tuple[dt.date, dt.date]
    plans: str
    html: Path
    xlsx: Path


@dataclass(frozen=True)
class Letterhead:
    """What every statement of one period and language shares."""

    plan_name: str
    period: pd.Period
    currency: str
    digits: int
    locale: str
    conversion: str = ""  # how amounts in other currencies were converted (`currencies.conversion_note`)


def _blank(value) -> bool:
    return value is None or value != value  # NaN


def _balance_rows(balances: list[Balance], currency: str, digits: int) -> list[tuple[str, str, str]]:
    names = account_labels()
    return [
        (names.get(b.account, b.account), _money(b.before_minor, currency, digits),
         _money(b.after_minor, currency, digits))
        for b in balances
    ]  # fmt: skip


def _counted(measured: tuple[dt.date, dt.date], quota: bool = True) -> str:
    """Which days of sales (and quota) a statement's performance figures count, in the active language."""
    start, end = (fmt_date(day) for day in measured)
    if not quota:
        return _("Sales from {start} to {end}").format(start=start, end=end)
    return _("Sales and quota from {start} to {end}").format(start=start, end=end)


def _performance(summary: Mapping) -> list[tuple[str, float | str, str]]:
    """A statement's performance rows (label, value, money/percent/text): sales, quota and attainment, or
    for a rep without a quota (a plan paying on sales alone) the sales and "no quota", not a 0% that would
    read as a failure."""
    sales, quota = float(summary["sales"]), float(summary["quota"])
    if quota <= 0:
        return [(_("Sales"), sales, "money"), (_("Quota"), _("none set"), "text")]
    return [
        (_("Sales"), sales, "money"),
        (_("Quota"), quota, "money"),
        (_("Attainment"), float(summary["attainment"]), "percent"),
    ]


def _render_html(
    plan_name: str, rep: str, team: str, period: pd.Period, summary: Mapping | None, lines: list[Line],
    currency: str, digits: int, status: str, locale: str, balances: list[Balance] | None = None,
    measured: tuple[dt.date, dt.date] | None = None, plans: str = "", conversion: str = "",
) -> str:  # fmt: skip
    """One rep's statement page in the active language (lines' rule texts already in that language).

    `measured` is the first and last day of the sales its performance figures count; a team the plan does
    not map (`all`) is not shown."""
    month = fmt_month(period.year, period.month)
    label = {key: escape(text) for key, text in _labels().items()}
    own = [line for line in lines if line.kind != ADJUSTMENT]
    adjustments = [line for line in lines if line.kind == ADJUSTMENT]
    total = sum(line.amount_minor for line in lines)

    def rows(frame: list[Line]) -> str:
        out = []
        for line in frame:  # a statement has a handful of lines
            base = "" if _blank(line.base) else fmt_money(float(line.base), currency)
            rate = "" if _blank(line.rate) else fmt_percent(float(line.rate), decimals=2)
            out.append(
                f"<tr><td>{escape(str(line.rule))}</td><td class='num'>{escape(base)}</td>"
                f"<td class='num'>{escape(rate)}</td>"
                f"<td class='num'>{escape(_money(line.amount_minor, currency, digits))}</td></tr>"
            )
        return "".join(out)

    head = (
        f"<tr><th>{label['rule']}</th><th class='num'>{label['base']}</th>"
        f"<th class='num'>{label['rate']}</th><th class='num'>{label['amount']}</th></tr>"
    )
    facts = ""
    if summary is not None:
        shown = {"money": lambda v: fmt_money(v, currency), "percent": lambda v: fmt_percent(v, decimals=1)}
        items = [(k, shown.get(kind, str)(v)) for k, v, kind in _performance(summary)]
        facts = "".join(f"<tr><td>{escape(k)}</td><td class='num'>{escape(v)}</td></tr>" for k, v in items)
        quota = float(summary["quota"]) > 0
        window = f"<p class='note'>{escape(_counted(measured, quota))}</p>" if measured is not None else ""
        facts = f"<h2>{label['performance']}</h2>{window}<table>{facts}</table>"
    adjust = ""
    if adjustments:
        adjust_head = (
            f"<tr><th>{label['period']}</th><th>{label['cause']}</th>"
            f"<th class='num'>{label['paid_before']}</th><th class='num'>{label['owed_now']}</th>"
            f"<th class='num'>{label['amount']}</th></tr>"
        )
        body = "".join(
            f"<tr><td>{escape(str(a.for_period))}</td><td>{escape(describe_cause(a.cause))}</td>"
            f"<td class='num'>{escape(fmt_money(float(a.base), currency))}</td>"
            f"<td class='num'>{escape(fmt_money(float(a.reference), currency))}</td>"
            f"<td class='num'>{escape(_money(a.amount_minor, currency, digits))}</td></tr>"
            for a in adjustments
        )
        adjust = (
            f"<h2>{label['adjustments']}</h2>"
            f"<p class='note'>{label['adjust_note']}</p>"
            f"<table>{adjust_head}{body}</table>"
        )  # fmt: skip
    carried = ""
    if balances:
        body = "".join(
            f"<tr><td>{escape(name)}</td><td class='num'>{escape(before)}</td>"
            f"<td class='num'>{escape(after)}</td></tr>"
            for name, before, after in _balance_rows(balances, currency, digits)
        )
        carried = (
            f"<h2>{label['balances']}</h2><table><tr><th></th><th class='num'>{label['before']}</th>"
            f"<th class='num'>{label['after']}</th></tr>{body}</table>"
        )
    title = _("Commission statement")
    who = [(_("Rep"), rep)] + [(_("Team"), team)] * (team != ALL)  # an unmapped team says nothing
    meta = [plan_name, *(_("{label}: {value}").format(label=k, value=v) for k, v in who), month, currency]
    plans_note = f"<p class='note'>{escape(plans)}</p>" if plans else ""  # a rep on two plans this month
    converted = f"<p class='note'>{escape(conversion)}</p>" if conversion else ""  # sales in other currencies
    nothing = (
        f"<tr><td>{label['nothing_earned']}</td><td></td><td></td>"
        f"<td class='num'>{escape(_money(0, currency, digits))}</td></tr>"
    )  # a rep with a quota who earned nothing: said, not an empty table
    total_row = (
        f"<tr class='total'><td>{label['total']}</td><td></td><td></td>"
        f"<td class='num'>{escape(_money(total, currency, digits))}</td></tr>"
    )
    return (
        f"<!DOCTYPE html>\n<html lang='{locale.replace('_', '-')}'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} · {escape(rep)} · {escape(month)}</title>{PRINT_CSS}</head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p class='meta'>{' · '.join(escape(part) for part in meta)}</p>"
        f"<p class='status'>{escape(status)}</p>"
        f"{plans_note}"
        f"{facts}<h2>{label['this_period']}</h2><table>{head}{rows(own) or nothing}</table>{adjust}"
        f"<table>{total_row}</table>{carried}"
        f"<p class='note'>{label['rounding_note']}</p>"
        f"{converted}"
        "</body></html>\n"
    )  # fmt: skip


def _excel_bytes(
    rep: str, period: pd.Period, lines: list[Line], currency: str, digits: int, status: str,
    balances: list[Balance] | None = None, summary: Mapping | None = None,
    measured: tuple[dt.date, dt.date] | None = None, inputs: str | None = None, plans: str = "",
    conversion: str = "",
) -> bytes:  # fmt: skip
    """A rep's Excel statement, written with XlsxWriter (a fifth of openpyxl's time a file: thousands of
    reps are rewritten at each ledger step). Texts are written as texts, never read as formulas. How sales
    in other currencies were converted (`conversion`) stands in the heading row, beside the currency code it
    explains: a row of its own would move the table readers find under the third row."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    money_format = "#,##0" + ("." + "0" * digits if digits else "")
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": money_format})
    bold_money = book.add_format({"bold": True, "num_format": money_format})
    sheet = book.add_worksheet(str(period))
    formats = {2: money, 3: book.add_format({"num_format": "0.00%"}), 4: money}  # columns C, D, E from row 4

    def put(row: int, values: list, fonts: Mapping[int, object] | None = None) -> None:
        for column, value in enumerate(values):
            style = (fonts or {}).get(column) or (formats.get(column) if row >= 3 else None)
            if value is None:
                if style is not None:
                    sheet.write_blank(row, column, None, style)
            elif isinstance(value, str):
                sheet.write_string(row, column, value, style)
            else:
                sheet.write_number(row, column, value, style)

    put(0, [_("Commission statement"), rep, str(period), currency, conversion or None],
        {0: book.add_format({"bold": True, "font_size": 13})})  # fmt: skip
    put(1, [status])  # the ledger state the file was written in, as on the HTML page
    put(2, [_("Period"), _("Rule"), _("Base"), _("Rate"), _("Amount")], dict.fromkeys(range(5), bold))
    row = 3
    if all(line.kind == ADJUSTMENT for line in lines):  # nothing earned this period: said, as on the page
        put(row, [str(period), _("Nothing earned this period"), None, None, 0.0])
        row += 1
    for line in lines:
        put(row, [
            str(line.for_period), str(line.rule),
            None if _blank(line.base) else float(line.base),
            None if _blank(line.rate) else float(line.rate),
            round(int(line.amount_minor) / 10**digits, digits),
        ])  # fmt: skip
        row += 1
    total = round(sum(int(line.amount_minor) for line in lines) / 10**digits, digits)
    put(row, [_("Total for this period"), None, None, None, total], {0: bold, 4: bold_money})
    row += 1
    if balances:
        row += 1  # an empty row
        put(row, [_("Balances carried in the ledger"), None, _("Before this period"), None,
                  _("After this period")], {0: bold})  # fmt: skip
        row += 1
        for b in balances:  # a rep's one or two balances
            put(row, [account_labels().get(b.account, b.account), None,
                      round(int(b.before_minor) / 10**digits, digits), None,
                      round(int(b.after_minor) / 10**digits, digits)])  # fmt: skip
            row += 1
    for column, width in enumerate((12, 60, 16, 10, 16)):
        sheet.set_column(column, column, width)
    if summary is not None:  # the HTML page's performance, on a sheet of its own: the first stays the lines
        facts = book.add_worksheet(_("Performance"))
        shown = {"money": money, "percent": book.add_format({"num_format": "0.0%"})}
        text = book.add_format({"num_format": "@"})
        row = 0
        for label, value, kind in _performance(summary):
            facts.write_string(row, 0, label)
            if isinstance(value, str):
                facts.write_string(row, 1, value, shown.get(kind, text))
            else:
                facts.write_number(row, 1, value, shown.get(kind, text))
            row += 1
        if measured is not None:
            facts.write_string(row + 1, 0, _counted(measured, float(summary["quota"]) > 0))
            row += 2
        if plans:  # a rep on two plans this month: which, for how many days
            facts.write_string(row, 0, plans)
        facts.set_column(0, 0, 16)
        facts.set_column(1, 1, 18)
    if inputs is not None:  # what it was written from: the next step skips it while they are the same
        book.set_custom_property(INPUTS_PROPERTY, inputs)
    book.close()
    return out.getvalue()


def _excel_inputs(
    rep: str, currency: str, lines: list[Line], status: str, locale: str, balances: list[Balance],
    summary: Mapping | None, measured: tuple[dt.date, dt.date], plans: str = "", conversion: str = "",
) -> str:  # fmt: skip
    """A digest of everything a rep's Excel statement is written from (its lines, state, language,
    balances, performance, the days counted, the currency conversion, the rendering code): the same
    digest, the same file."""
    shown = [(line.for_period, line.rule, line.base, line.rate, line.amount_minor) for line in lines]
    facts = None if summary is None else dict(summary)
    written_by = (_renderer(), rep, currency, status, locale, measured, plans, conversion)
    read = (*written_by, shown, list(balances), facts)
    return hashlib.sha256(repr(read).encode()).hexdigest()  # repr: floats to the last bit


def _written_from(path: Path, inputs: str) -> bool:
    """Whether the Excel file at `path` says it was written from `inputs` (False when absent or unreadable)."""
    try:
        with zipfile.ZipFile(path) as book:
            return f">{inputs}<".encode() in book.read("docProps/custom.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def _changed(path: Path, data: bytes) -> bool:
    """Whether `path` does not already hold exactly `data`."""
    try:
        return path.read_bytes() != data
    except FileNotFoundError:
        return True


def _write_rep_documents(head: Letterhead, reps: list[RepDocuments]) -> list[Path]:
    """Write `reps`' HTML and Excel statements in `head`'s language, each only if it changed, all flushed
    to disk together (`atomic_batch`): the work one worker process does (`_write_all`)."""

    def write() -> list[Path]:
        written = []
        with atomic_batch() as replace:
            for r in reps:
                html = _render_html(head.plan_name, r.rep, r.team, head.period, r.summary, r.lines,
                                    head.currency, head.digits, r.status, head.locale, r.balances, r.measured,
                                    r.plans, head.conversion).encode("utf-8")  # fmt: skip
                if _changed(r.html, html):  # the same bytes: the page on disk is this one
                    replace(r.html, html)
                inputs = _excel_inputs(r.rep, head.currency, r.lines, r.status, head.locale, r.balances,
                                       r.summary, r.measured, r.plans, head.conversion)  # fmt: skip
                if not _written_from(r.xlsx, inputs):  # the same inputs: the file on disk is this one
                    replace(r.xlsx, _excel_bytes(r.rep, head.period, r.lines, head.currency, head.digits,
                                                 r.status, r.balances, r.summary, r.measured, inputs, r.plans,
                                                 head.conversion))  # fmt: skip
                written += [r.html, r.xlsx]
        return written

    return in_locale(head.locale, write)


NUMBERS = ("base", "rate", "reference")  # a line's numbers, NaN where none is shown
PARALLEL_FROM = 400  # statements (rep × language) from which worker processes write them
WORKERS = 2  # at most; never more than the cores this process may use


def _workers_context():
    """Where workers come from: a fork server, which loads this module once and forks each worker from
    itself. Forking this process instead is unsafe once it has threads (a Jupyter kernel's, DuckDB's,
    BLAS's), which Python 3.12+ warns about and 3.14 stopped doing by default; the server costs about a
    second once per process (benchmarks/README.md). As with any start method but fork, each worker
    imports the program's main module again (the CLI's: 30 ms; a kernel's: nothing), and a script that
    runs a ledger step at import time needs `if __name__ == "__main__":`."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # (the server, once started, keeps what it preloaded)
    return context


def _write_all(jobs: list[tuple[Letterhead, list[RepDocuments]]]) -> list[Path]:
    """Write every (letterhead, reps) job; with many statements, in worker processes (one per core, up
    to `WORKERS`): rendering and writing thousands of files is CPU work that one core does alone.
    Workers come from a fork server (`_workers_context`), not forked from this process; paths come back
    in job order."""
    count = sum(len(reps) for _head, reps in jobs)
    workers = min(WORKERS, len(os.sched_getaffinity(0)))
    if count < PARALLEL_FROM or workers < 2:
        return [path for head, reps in jobs for path in _write_rep_documents(head, reps)]
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, -(-count // (workers * 8)))  # a few chunks a worker, so a slow one does not hold the end
    chunks = [(head, reps[i : i + size]) for head, reps in jobs for i in range(0, len(reps), size)]
    with ProcessPoolExecutor(workers, mp_context=_workers_context()) as pool:
        done = [pool.submit(_write_rep_documents, head, reps) for head, reps in chunks]
        return [path for future in done for path in future.result()]


def _period_texts(values: pd.Series) -> list[str]:
    """'2026-01' texts of periods, formatting each distinct one once."""
    codes, uniques = pd.factorize(values)
    return list(np.array([str(u) for u in uniques], dtype=object)[codes]) if len(values) else []


def write_statement_documents(
    workbook: Workbook,
    payments: PeriodPayments,
    statements: Statements,
    event: Mapping[str, str] | None = None,
) -> list[Path]:
    """Every rep's statement (`stated_reps`: paid, with a quota in force, or carrying a balance), HTML and
    Excel, in each language; returns their paths. A document that would come out the same is left as it
    is (`_changed`, `_written_from`); those of reps the period no longer states are removed
    (`_remove_unpaid`).

    `event` is the ledger journal's row that put the period in its state (approved or closed), which the
    documents then state; None while the figures are only prepared (or interim, `statement_state`).
    The tables are read into plain per-rep values once (`RepDocuments`), then written (`_write_all`).
    """
    from salesplan_widgets.i18n import minor_unit
    from salesplan_widgets.workbook.payouts import incentives_of

    period = payments.period
    currency = payments.currency
    digits = minor_unit(currency)
    section = incentives_of(workbook)
    reps = statements.reps[statements.reps["period"] == period].assign(rep=lambda r: r["rep"].astype(str))
    # the measurement window's sales and quota; a rep on two role plans this period has a row for each
    summary = reps.groupby("rep")[["sales", "quota"]].sum()
    summary["attainment"] = (summary["sales"] / summary["quota"].where(summary["quota"] > 0)).fillna(0.0)
    facts_of = summary.to_dict("index")
    balances = payments.balances
    carried: dict[str, list[Balance]] = {}
    for rep, account, before, after in zip(
        balances["rep"].astype(str),
        balances["account"],
        balances["before_minor"],
        balances["after_minor"],
        strict=True,
    ):  # a few balances a rep
        carried.setdefault(rep, []).append(Balance(str(account), int(before), int(after)))
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    start = calendar.fiscal_year_start
    stated = stated_reps(payments, statements)
    team_of = dict(zip(reps["rep"], reps["team"].astype(str), strict=True))
    # each rep's own measurement: their role plan's version on the period's last day, else the section's
    rules = rules_by_rep(section, stated, period)
    windows = {
        key: measured_days(calendar, *measured_months(period, *key, start))
        for key in {(r.measurement, r.cumulative) for r in rules.values()}
    }  # the few measurements in use
    measured = {rep: windows[(r.measurement, r.cumulative)] for rep, r in rules.items()}
    states = rep_statement_state(section, list(rules), period, event and event["event"], start)
    days_on = plan_days(section, list(rules), period)
    jobs: list[tuple[Letterhead, list[RepDocuments]]] = []
    for locale in LOCALES:  # two languages
        translate = _rule_translation(section, currency, locale)

        def read(locale: str = locale, translate: dict[str, str] = translate) -> list[RepDocuments]:
            lines = payments.lines.copy()
            own = lines["kind"] != ADJUSTMENT
            lines.loc[own, "rule"] = lines.loc[own, "rule"].map(lambda r: translate.get(r, r))
            by_kind = draw_rules() | holdback_rules() | negative_rules()  # stored by kind: in this language
            settling = lines["kind"].isin(list(by_kind))
            lines.loc[settling, "rule"] = lines.loc[settling, "kind"].map(by_kind)
            manual = lines["kind"] == MANUAL
            lines.loc[manual, "rule"] = [
                manual_rule(m.note, m.approver) for m in lines[manual].itertuples(index=False)
            ]  # the few manual lines, their reason as entered
            clawed = lines["kind"] == CLAWBACK
            if clawed.any() and section.clawback is not None:  # a few returned deals
                lines.loc[clawed, "rule"] = [
                    clawback_rule(c.deal, str(c.for_period), section.clawback.window_days, c.rate)
                    for c in lines[clawed].itertuples(index=False)
                ]
            lines.loc[~own, "rule"] = [
                _("Prior-period adjustment for {period}: {cause}").format(period=p, cause=describe_cause(c))
                for p, c in zip(lines.loc[~own, "for_period"], lines.loc[~own, "cause"], strict=True)
            ]
            number = {c: pd.to_numeric(lines[c], errors="coerce").astype(float).tolist() for c in NUMBERS}
            shown = list(map(Line, _period_texts(lines["for_period"]), lines["rule"].astype(str).tolist(),
                             number["base"], number["rate"], number["reference"],
                             lines["amount_minor"].astype("int64").tolist(), lines["kind"].astype(str).tolist(),
                             lines["cause"].astype(str).tolist()))  # fmt: skip
            teams = lines["team"].astype(str).tolist()
            status = {state: statement_status(state, event) for state in set(states.values())}  # a few
            documents = []
            indices = lines.groupby(lines["rep"].astype(str)).indices
            for rep in stated:  # a rep with a quota and nothing paid has no lines: a statement of zeros
                at = indices.get(rep, [])
                documents.append(
                    RepDocuments(
                        rep=rep,
                        team=teams[at[0]] if len(at) else team_of.get(rep, ALL),
                        status=status[states[rep]],
                        lines=[shown[i] for i in at],
                        balances=carried.get(rep, []),
                        summary=facts_of.get(rep),
                        measured=measured[rep],
                        plans=plans_sentence(section, days_on.get(rep, [])),
                        html=statement_path(workbook, str(period), rep, locale),
                        xlsx=statement_path(workbook, str(period), rep, locale, ".xlsx"),
                    )
                )
            return documents

        jobs.append(
            (
                Letterhead(
                    workbook.plan.name,
                    period,
                    currency,
                    digits,
                    locale,
                    in_locale(locale, lambda: conversion_note(workbook.plan)),
                ),  # fmt: skip
                in_locale(locale, read),
            )
        )
    paths = _write_all(jobs)
    _remove_unpaid(workbook, str(period), {p.parent.name for p in paths})
    return paths


def stated_reps(payments: PeriodPayments, statements: Statements) -> list[str]:
    """The reps who get a statement of the period, in name order: those it pays (any ledger line), those
    with a quota in force for it (a rep who sold nothing is told so: 0 sold, 0% attainment, nothing
    earned), and those carrying a balance in the ledger (a draw to recover, commission held back)."""
    reps = statements.reps[statements.reps["period"] == payments.period]
    quota = reps.loc[reps["quota"].to_numpy(dtype=float) > 0, "rep"].astype(str)
    balances = payments.balances
    carrying = balances.loc[
        (balances["before_minor"].to_numpy() != 0) | (balances["after_minor"].to_numpy() != 0), "rep"
    ].astype(str)
    paid = payments.lines["rep"].astype(str)
    return sorted({*paid, *quota, *carrying})


def _remove_unpaid(workbook: Workbook, period: str, paid: set[str]) -> None:
    """Remove the statements of `period` left by an earlier step for reps it no longer states (their sales
    and quota moved to others, say): a statement on disk is one the hub publishes. Only this module's own files go;
    anything else in a folder, and links, stay."""
    folder = workbook.reports_dir(period) / STATEMENTS_DIR
    if not folder.is_dir():
        return
    for rep in folder.iterdir():
        if rep.name in paid or rep.is_symlink() or not rep.is_dir():
            continue
        for document in rep.glob(f"statement-{period}.*"):
            if document.suffix in (".html", ".xlsx") and document.is_file() and not document.is_symlink():
                document.unlink()
        if not any(rep.iterdir()):
            rep.rmdir()

"""The payment ledger on disk, and the prepare → approve → close flow that appends to it.

`ledger/journal.csv` is an append-only journal of events (prepared, approved, closed) in which every row
carries the hash of the row before it, so an edited or deleted row is detected on the next read. Each
closing adds one immutable file `ledger/payments/<seq>-<period>.parquet` holding every line it paid, named
with its SHA-256 in the journal. Nothing here ever rewrites an existing line: the journal grows by atomic
replacement (old bytes + new row, checked unchanged under the journal's lock), payment files are only
created. The arithmetic of what to pay is `model.ledger`'s; this module stores, checks and refuses.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from salesplan_widgets.errors import ConflictError, SalesplanError
from salesplan_widgets.i18n import _, fmt_money, minor_unit
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.ledger import (
    COLUMNS,
    TEXT_COLUMNS,
    PeriodPayments,
    open_period_payments,
)
from salesplan_widgets.model.measurement import (
    ends_a_pay_period,
    measurement_name,
    measurements_in_force,
    next_pay_period,
)
from salesplan_widgets.model.statements import Statements
from salesplan_widgets.workbook.atomic import atomic_path, atomic_write, content_version, files_stamp, locked
from salesplan_widgets.workbook.workbook import Workbook

LEDGER_DIR = "ledger"
JOURNAL = "journal.csv"
PAYMENTS_DIR = "payments"
JOURNAL_COLUMNS = [
    "seq", "event", "period", "figures", "lines", "total_minor", "currency", "file", "file_sha256", "by", "at",
    "approved_by", "approved_at", "prev", "hash",
]  # fmt: skip
PREPARED, APPROVED, CLOSED = "prepared", "approved", "closed"
PERIODS = ["period", "for_period"]
# what closing needs of the paid lines: totals per rep and period, the facts they were paid on, and what
# settles balances (a forfeited holdback is a line of 0 whose base is the amount forfeited)
FACTS = [
    "for_period",
    "rep",
    "team",
    "kind",
    "amount_minor",
    "base",
    "sales",
    "quota",
    "plan_version",
    "deal",
    "plan",  # the role plan a line was paid under ('' the section's own rules: `_same_measurement`)
]


def plan_version(workbook: Workbook) -> str:
    """The id of the incentive plan in force: a hash of its incentives section (rules, crediting, relief)."""
    from salesplan_widgets.workbook.payouts import incentives_of

    return content_version(incentives_of(workbook).model_dump_json().encode())[:12]


def _deal_returns(workbook: Workbook, section) -> pd.DataFrame | None:
    """The returned deals the plan's clawback rule recovers (None without a rule or a deal column)."""
    from salesplan_widgets.workbook.payouts import needs_products
    from salesplan_widgets.workbook.returns import deal_returns

    return deal_returns(workbook, section, needs_products(section))


def _manual_adjustments(workbook: Workbook) -> pd.DataFrame:
    from salesplan_widgets.workbook.adjustments import read_adjustments

    return read_adjustments(workbook)


def _row_hash(prev: str, row: dict) -> str:
    text = prev + "|" + "|".join(str(row[c]) for c in JOURNAL_COLUMNS[:-2])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def chain(rows: list[dict], prev: str = "") -> list[dict]:
    """Journal `rows`, in order, each chained to the one before it (the first to `prev`, the head they
    follow): `prev` and `hash` set. A workbook's journal grows one event at a time (`_append`); an
    extract's is written anew from the lines its scope may read (workbook/statement_extracts.py)."""
    chained = []
    for row in rows:
        row = dict(row, prev=prev)
        row["hash"] = prev = _row_hash(prev, row)
        chained.append(row)
    return chained


@dataclass(frozen=True)
class LedgerState:
    """The journal and every paid line, as read (and verified) from disk."""

    journal: pd.DataFrame
    lines: pd.DataFrame
    raw: bytes  # the journal's bytes, to append to

    @property
    def head(self) -> str:
        return str(self.journal["hash"].iloc[-1]) if len(self.journal) else ""

    @property
    def closed_head(self) -> str:
        """The hash of the last closing: what a period's figures build on (prepare/approve rows don't count)."""
        closings = self.closings
        return str(closings["hash"].iloc[-1]) if len(closings) else ""

    @property
    def closings(self) -> pd.DataFrame:
        return self.journal[self.journal["event"] == CLOSED]

    @property
    def last_closed(self) -> pd.Period | None:
        closings = self.closings
        return pd.Period(closings["period"].iloc[-1], "M") if len(closings) else None

    def closing_of(self, period: pd.Period) -> pd.Series | None:
        rows = self.closings[self.closings["period"] == str(period)]
        return rows.iloc[-1] if len(rows) else None

    def last_event(self, event: str, period: pd.Period) -> pd.Series | None:
        rows = self.journal[(self.journal["event"] == event) & (self.journal["period"] == str(period))]
        return rows.iloc[-1] if len(rows) else None


def _ledger_dir(workbook: Workbook) -> Path:
    return workbook.path / LEDGER_DIR


def ledger_stamp(workbook: Workbook) -> tuple:
    """A cheap stamp of what the ledger has recorded: the journal's and the manual adjustments' (inode,
    size, mtime_ns). Both only grow by atomic replacement, so any close or entry made elsewhere (the CLI,
    another analyst) changes it; a view re-reads the ledger when it does, and only then."""
    from salesplan_widgets.workbook.adjustments import ADJUSTMENTS

    return files_stamp(*(_ledger_dir(workbook) / JOURNAL, workbook.path / ADJUSTMENTS))


def _tampered(path: Path, what: str) -> SalesplanError:
    return SalesplanError(
        _(
            "The payment ledger {file} was changed outside salesplan ({what}); closed periods are facts. "
            "Restore it from version control or backup."
        ).format(file=path, what=what)
    )


def read_ledger(workbook: Workbook, columns: list[str] | None = None) -> LedgerState:
    """The ledger as recorded: the journal's hash chain and every payment file's checksum verified.

    `columns` limits the paid lines read to those named (closing needs only totals and facts).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = _ledger_dir(workbook)
    journal_path = folder / JOURNAL
    if not journal_path.exists():
        return LedgerState(
            pd.DataFrame(columns=JOURNAL_COLUMNS), pd.DataFrame(columns=columns or COLUMNS), b""
        )
    raw = journal_path.read_bytes()
    journal = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    if list(journal.columns) != JOURNAL_COLUMNS:
        raise _tampered(journal_path, _("unexpected columns"))
    prev = ""
    for row in journal.to_dict("records"):  # a journal holds a few rows per period
        if row["prev"] != prev or _row_hash(prev, row) != row["hash"]:
            raise _tampered(journal_path, _("row {seq} does not match its hash").format(seq=row["seq"]))
        prev = row["hash"]
    tables = []
    for row in journal[journal["event"] == CLOSED].to_dict("records"):
        path = folder / row["file"]
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != row["file_sha256"]:
            raise _tampered(path, _("missing or altered payment file"))
        # months repeat a lot: read as dictionaries, so each distinct month is parsed once
        # a file closed before a column existed (`deal`, `note` …) is read without it; it is then blank
        present = pq.read_schema(path).names
        wanted = None if columns is None else [c for c in columns if c in present]
        tables.append(
            pq.read_table(
                path, columns=wanted, read_dictionary=[c for c in PERIODS if c in (wanted or PERIODS)]
            )
        )
    tables = [t for t in tables if t.num_rows]  # a month closed without a paid line (no cash came in)
    if not tables:
        return LedgerState(journal, pd.DataFrame(columns=columns or COLUMNS), raw)
    # a month paying only settlement lines writes its text columns as `string`, others as `large_string`
    lines = pa.concat_tables(tables, promote_options="permissive").to_pandas()
    for column in set(columns or COLUMNS) - set(lines.columns):
        lines[column] = ""
    for column in lines.columns.intersection(list(TEXT_COLUMNS)):
        lines[column] = lines[column].fillna("")
    for column in lines.columns.intersection(["period", "for_period"]):
        codes = lines[column].cat.codes.to_numpy()
        lines[column] = pd.PeriodIndex(list(lines[column].cat.categories), freq="M")[codes]
    if "amount_minor" in lines.columns:
        lines["amount_minor"] = lines["amount_minor"].astype("int64")
    return LedgerState(journal=journal, lines=lines, raw=raw)


def _append(workbook: Workbook, state: LedgerState, row: dict) -> pd.Series:
    """Append one event to the journal, chained to the head it was computed from (caller holds the lock)."""
    journal_path = _ledger_dir(workbook) / JOURNAL
    current = journal_path.read_bytes() if journal_path.exists() else b""
    if current != state.raw:
        raise ConflictError(
            _("The payment ledger changed while this step ran; nothing was recorded. Run it again.")
        )
    row = {c: row.get(c, "") for c in JOURNAL_COLUMNS}
    row["seq"] = str(len(state.journal) + 1)
    row["at"] = row["at"] or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    [row] = chain([row], state.head)
    text = pd.DataFrame([row], columns=JOURNAL_COLUMNS).to_csv(index=False, header=not current)
    atomic_write(journal_path, current + text.encode("utf-8"))
    return pd.Series(row)


@dataclass(frozen=True)
class Prepared:
    """A period's payments as computed now, with the hash finance approves."""

    payments: PeriodPayments
    statements: Statements
    figures: str
    state: LedgerState


def _period(text: str | pd.Period) -> pd.Period:
    from salesplan_widgets.workbook.payouts import PERIOD_PATTERN

    if isinstance(text, pd.Period):
        return pd.Period(text, "M")
    if not isinstance(text, str) or not PERIOD_PATTERN.match(text.strip()):
        raise SalesplanError(
            _("The period must be a month written YYYY-MM, e.g. 2026-10, not {text!r}.").format(text=text)
        )
    return pd.Period(text.strip(), "M")


def _check_open(workbook: Workbook, state: LedgerState, period: pd.Period, closing: bool) -> None:
    """Refuse a closed period, or one after a period still open; `closing` also needs the end of a window.

    Statements can be prepared for any month of the first open measurement period (a quarter so far);
    only its last month is approved and closed.
    """
    from salesplan_widgets.workbook.payouts import incentives_of

    section = incentives_of(workbook)
    closing_row = state.closing_of(period)
    if closing_row is not None:
        raise SalesplanError(
            _(
                "{period} was closed on {at} by {by}; closed periods are facts. Changes to it are paid as "
                "adjustments in the first open period."
            ).format(period=period, at=closing_row["at"], by=closing_row["by"])
        )
    last = state.last_closed
    if last is not None:
        first_open = next_pay_period(section, last, workbook.plan.calendar.fiscal_year_start)
        if period < last:
            raise SalesplanError(
                _(
                    "{period} is before the last closed period {last}; changes to it are paid in {open}."
                ).format(period=period, last=last, open=first_open)
            )
        if period > first_open or (closing and period != first_open):
            raise SalesplanError(
                _("{open} is still open: close it before {period}.").format(open=first_open, period=period)
            )
    fiscal_year_start = workbook.plan.calendar.fiscal_year_start
    if closing and not ends_a_pay_period(section, period, fiscal_year_start):
        shortest = measurements_in_force(section, period)[0]  # the window that ends soonest
        raise SalesplanError(
            _("{period} does not end a {measurement} measurement period; pay at the end of one.").format(
                period=period, measurement=measurement_name(shortest)
            )
        )


def compute_payments(
    workbook: Workbook, period: str | pd.Period, state: LedgerState | None = None, closing: bool = False
) -> Prepared:
    """What closing `period` would pay now: statement lines and prior-period adjustments, with their hash.

    `closing` (approve and close) refuses a month that does not end a measurement period.
    """
    from salesplan_widgets.workbook.payouts import (
        incentives_of,
        load_quotas,
        pay_cube,
        require_quotas_through,
    )

    period = _period(period)
    state = state or read_ledger(workbook, FACTS)
    _check_open(workbook, state, period, closing)
    section = incentives_of(workbook)
    quotas = load_quotas(workbook)
    require_quotas_through(workbook, quotas, period)  # 1 January: the new year is split before it is paid
    payments, statements = open_period_payments(
        section,
        pay_cube(workbook, section),  # issue 12: splits per account or deal
        quotas.table,
        state.lines,
        period,
        plan_version(workbook),
        workbook.currency,
        FiscalCalendar.of(workbook.plan.calendar),  # the plan's grain: its weeks count in their months
        returns=_deal_returns(workbook, section),
        manual=_manual_adjustments(workbook),
    )
    return Prepared(payments, statements, payments.figures(state.closed_head), state)


def _who(by: str | None) -> str:
    return by or getpass.getuser()


def record_prepared(workbook: Workbook, prepared: Prepared, by: str | None = None) -> pd.Series:
    """Note in the journal that these figures were prepared (what `--approve` must then match)."""
    with locked(_journal_path(workbook)):
        return _append(workbook, read_ledger(workbook, FACTS), _event(PREPARED, prepared, by))


def _journal_path(workbook: Workbook) -> Path:
    path = _ledger_dir(workbook) / JOURNAL
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _event(event: str, prepared: Prepared, by: str | None) -> dict:
    return {
        "event": event,
        "period": str(prepared.payments.period),
        "figures": prepared.figures,
        "lines": str(len(prepared.payments.lines)),
        "total_minor": str(prepared.payments.total_minor),
        "currency": prepared.payments.currency,
        "by": _who(by),
    }


def _changed_since(step: str, period: pd.Period) -> ConflictError:
    return ConflictError(
        _(
            "The payouts for {period} changed since they were {step} (data, quotas, plan or ledger changed); "
            "nothing was recorded. Prepare them again (salesplan payouts --period {period}) and review."
        ).format(period=period, step=step)
    )


def approve_payments(workbook: Workbook, period: str | pd.Period, by: str | None = None) -> pd.Series:
    """Finance approves exactly the figures last prepared for `period` (refused if they changed since), and
    its statements and the hub's published extracts are rewritten to say so (`approve_and_publish`): from
    a notebook as from the CLI. The approval stays recorded even if the extracts could not be refreshed;
    that is then an error asking for `salesplan publish`."""
    return approve_and_publish(workbook, period, by).check_extracts().row


def _approve(workbook: Workbook, period: str | pd.Period, by: str | None) -> tuple[pd.Series, Prepared]:
    period = _period(period)
    with locked(_journal_path(workbook)):
        state = read_ledger(workbook, FACTS)
        prepared_event = state.last_event(PREPARED, period)
        if prepared_event is None:
            raise SalesplanError(
                _(
                    "The payouts for {period} were not prepared; run salesplan payouts --period {period} first."
                ).format(period=period)
            )
        now = compute_payments(workbook, period, state, closing=True)
        if now.figures != prepared_event["figures"]:
            raise _changed_since(_("prepared"), period)
        return _append(workbook, state, _event(APPROVED, now, by)), now


def _period_text(periods: pd.Series) -> np.ndarray:
    """'2026-01' texts of periods, formatting each distinct period once."""
    codes, months = pd.factorize(periods)
    return np.array([str(m) for m in months], dtype=object)[codes]


def close_period(workbook: Workbook, period: str | pd.Period, by: str | None = None) -> pd.Series:
    """Append every paid line of `period` to the ledger (refused unless exactly these figures were approved)
    and write its final statements and the hub's published extracts (`close_and_publish`): no path closes
    a period and leaves them prepared. The closing stays recorded even if the extracts could not be
    refreshed; that is then an error asking for `salesplan publish`."""
    return close_and_publish(workbook, period, by).check_extracts().row


def _close(workbook: Workbook, period: str | pd.Period, by: str | None) -> tuple[pd.Series, Prepared]:
    period = _period(period)
    with locked(_journal_path(workbook)):
        state = read_ledger(workbook, FACTS)
        now = compute_payments(workbook, period, state, closing=True)
        approval = state.last_event(APPROVED, period)
        if approval is None:
            raise SalesplanError(
                _("The payouts for {period} are not approved; finance approves them with --approve.").format(
                    period=period
                )
            )
        if now.figures != approval["figures"]:
            raise _changed_since(_("approved"), period)
        seq = len(state.journal) + 1
        relative = f"{PAYMENTS_DIR}/{seq:05d}-{period}.parquet"
        target = _ledger_dir(workbook) / relative
        if target.exists():
            raise _tampered(target, _("a payment file the journal does not list"))
        closed_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        lines = now.payments.lines.assign(
            period=_period_text(now.payments.lines["period"]),
            for_period=_period_text(now.payments.lines["for_period"]),
            approved_by=approval["by"],
            approved_at=approval["at"],
            closed_by=_who(by),
            closed_at=closed_at,
        )
        with atomic_path(target) as tmp:
            lines.to_parquet(tmp, index=False)
        row = _event(CLOSED, now, by) | {
            "file": relative,
            "file_sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
            "at": closed_at,
            "approved_by": approval["by"],
            "approved_at": approval["at"],
        }
        try:
            return _append(workbook, state, row), now
        except BaseException:
            target.unlink(missing_ok=True)  # the journal never named it: not part of the ledger
            raise


def closing_summary(row: pd.Series) -> str:
    """One line for the CLI: what a journal event recorded."""
    total = int(row["total_minor"]) / 10 ** minor_unit(row["currency"])
    return _("{event} {period}: {lines} lines, {total}, by {by} at {at}").format(
        event={PREPARED: _("Prepared"), APPROVED: _("Approved"), CLOSED: _("Closed")}[row["event"]],
        period=row["period"],
        lines=row["lines"],
        total=fmt_money(total, row["currency"]),
        by=row["by"],
        at=row["at"],
    )


@dataclass(frozen=True)
class LedgerStep:
    """What one preparation, approval or closing did, however it was asked for (CLI or notebook): the
    journal `row`, the period's statement `files` (each rewritten or already saying this), the hub users
    whose extracts were refreshed (`extracts`, {} when the workbook is not published), why they were
    not (`stale_extracts`, None when they were), and the report index pages rewritten to link the
    month's payouts as they now are (`indexes`)."""

    row: pd.Series
    files: list[Path]
    extracts: dict[str, Path]
    stale_extracts: str | None = None
    indexes: tuple[Path, ...] = ()

    def check_extracts(self) -> LedgerStep:
        """Refuse to pass over extracts left stale: the step is recorded, but signed-in reps would read
        the statement's old state until `salesplan publish` runs."""
        if self.stale_extracts is not None:
            raise SalesplanError(stale_extracts_message(self.stale_extracts))
        return self


def stale_extracts_message(error: str) -> str:
    return _("The hub's extracts were not refreshed ({error}); run salesplan publish.").format(error=error)


def refresh_extracts(workbook: Workbook) -> tuple[dict[str, Path], str | None]:
    """Republish the hub's extracts if this workbook is published, so each signed-in rep reads their
    statement's new state: the users refreshed, and why not (None when they were). A ledger step is
    recorded either way, so a failure here only asks for a publish."""
    from salesplan_widgets.workbook.publish import publish_if_published

    try:
        return publish_if_published(workbook), None
    except (SalesplanError, OSError) as exc:
        return {}, str(exc)


def _step_done(workbook: Workbook, period: str | pd.Period, row: pd.Series, files: list[Path]) -> LedgerStep:
    """Where every ledger step ends: the reports that link the month's payouts list them as they now are
    (report/payout_index.py rewrites index pages only), then the hub's extracts are refreshed."""
    from salesplan_widgets.report.payout_index import refresh_payout_links

    indexes = tuple(refresh_payout_links(workbook, period))
    return LedgerStep(row, files, *refresh_extracts(workbook), indexes=indexes)


def prepare_and_publish(workbook: Workbook, period: str | pd.Period, by: str | None = None) -> LedgerStep:
    """Prepare the period: write its payout files and each rep's documents, note the figures in the journal
    (what finance then approves), and refresh the hub's extracts if the workbook is published, so a
    signed-in rep reads the statement as prepared (`write_payouts` is the same, returning the payout files
    and refusing extracts left stale)."""
    from salesplan_widgets.workbook.payouts import write_payment_files

    prepared = compute_payments(workbook, period)
    files = write_payment_files(workbook, prepared.payments, prepared.statements)
    row = record_prepared(workbook, prepared, by)
    return _step_done(workbook, period, row, files)


def approve_and_publish(workbook: Workbook, period: str | pd.Period, by: str | None = None) -> LedgerStep:
    """Approve the period, then rewrite its statements (payout files and each rep's documents) so that
    they say approved, not yet closed: the prepared ones on disk would still say awaiting approval; then
    refresh the hub's extracts if the workbook is published (`approve_payments` is the same, returning
    the row and refusing extracts left stale)."""
    from salesplan_widgets.workbook.payouts import write_payment_files

    row, approved = _approve(workbook, period, by)
    files = write_payment_files(workbook, approved.payments, approved.statements, row.to_dict())
    return _step_done(workbook, period, row, files)


def close_and_publish(workbook: Workbook, period: str | pd.Period, by: str | None = None) -> LedgerStep:
    """Close the period, then write its final statements (payout files and each rep's documents) and
    refresh the hub's extracts if the workbook is published (`close_period` is the same, returning the
    row and refusing extracts left stale)."""
    from salesplan_widgets.workbook.payouts import write_payment_files

    row, prepared = _close(workbook, period, by)
    files = write_payment_files(workbook, prepared.payments, prepared.statements, row.to_dict())
    return _step_done(workbook, period, row, files)

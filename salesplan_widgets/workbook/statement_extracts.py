"""Which statement documents go into a hub user's extract: a rep's own, a manager's teams' reps', finance all.

A statement is the most personal file salesplan writes, so the selection starts from the reps a scope may read
and looks up only their folders (`rep_folder`); only finance's extract lists every folder. Each period is
labelled with the ledger's last event for it (prepared, approved or closed), so a dashboard can say plainly
whether a statement is final, and who approved and closed it on which day (`signatures`, as the ledger's
journal recorded them). What every scope's copy is cut from (the cube's reps and teams, the ledger, the
disputes) is read once per publication (`whole_statements`), not once per scope. A closed statement's entry
also lists its numbered lines (rule and amount, as the ledger paid them), and `statements/disputes.json` holds
the status of the scope's reps' disputes (workbook/disputes.py), so a rep can pick a line to dispute and read
the answer from the extract alone. The scope's paid lines go with them, in a ledger of the extract's own
(`copy_ledger`), so what its dashboards pay an open month (a clawback of a closed one, a draw recovered, a
holdback released) builds on what the whole ledger paid its people. Copying only: documents are rendered by
report/statement_documents.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from salesplan_widgets.report.statement_documents import STATEMENTS_DIR, rep_folder, rep_statement_state
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.disputes import dispute_status, statement_lines
from salesplan_widgets.workbook.workbook import REPORTS_DIR, Workbook

STATEMENTS_INDEX = Path(STATEMENTS_DIR) / "index.json"
DISPUTES_INDEX = Path(STATEMENTS_DIR) / "disputes.json"
_DOCUMENT_SUFFIXES = (".html", ".xlsx")


def quota_holders(targets: pd.DataFrame | None) -> pd.DataFrame:
    """Each (rep, team) of the targets with a quota above zero, as text: a rep with a quota and no sales
    gets a statement of zeros (`stated_reps`), so his team's manager and he himself must be able to read it.
    A targets table without a team names the rep only ('all', as the cube words a missing dimension)."""
    if targets is None or not len(targets):
        return pd.DataFrame({"rep": pd.Series(dtype=str), "team": pd.Series(dtype=str)})
    held = targets[pd.to_numeric(targets["target"], errors="coerce").to_numpy() > 0]
    team = held["team"].astype(str) if "team" in held.columns else "all"
    return pd.DataFrame({"rep": held["rep"].astype(str), "team": team}).drop_duplicates()


def readable_reps(scope, cube: pd.DataFrame) -> set[str] | None:
    """The reps whose statements `scope` may read; None means every rep (finance). `cube`: each rep and team
    of the sales, and of the quotas (`WholeStatements.sellers`)."""
    if scope.teams is None and scope.reps is None:
        return None
    return set(cube.loc[scope.mask(cube), "rep"].astype(str)) - {"all"} | set(scope.reps or ())


def _documents(folder: Path, period: str) -> dict[str, dict[str, str]]:
    """locale -> {'html': file name, 'xlsx': file name} of the regular files in a rep's statement folder."""
    found: dict[str, dict[str, str]] = {}
    prefix = f"statement-{period}."
    for path in sorted(folder.iterdir()):
        if path.is_symlink() or not path.is_file() or not path.name.startswith(prefix):
            continue
        if path.suffix not in _DOCUMENT_SUFFIXES:
            continue
        locale = path.name.removeprefix(prefix).removesuffix(path.suffix)
        found.setdefault(locale, {})[path.suffix.lstrip(".")] = path.name
    return found


@dataclass(frozen=True)
class WholeStatements:
    """The whole workbook's statement inputs, read once and cut for each scope by `copy_statements`."""

    sellers: pd.DataFrame  # each (rep, team) of the cube and the quotas: whose statements a scope may read
    last: dict[str, str]  # period -> the ledger journal's last event for it
    section: IncentivesSection  # the plan's rules: whose statement of a month is interim (`state`)
    fiscal_year_start: int
    signed: dict[str, dict[str, str]]  # period -> who approved / closed it and when (`signatures`)
    lines: dict[tuple[str, str], list[dict]]  # (period, rep) -> the closed statement's numbered lines
    disputes: pd.DataFrame  # every inquiry's status (`dispute_status`)
    journal: pd.DataFrame  # the ledger's journal, as recorded (its hash chain verified)
    payments: dict[str, pd.DataFrame]  # each closing's payment file (as the journal names it) -> its lines
    adjustments: pd.DataFrame  # the manual adjustments entered, waiting for their period's close

    def state(self, period: str, rep: str) -> str:
        """The state of `rep`'s statement of `period` (`statement_state`) by the rep's own measurement: in a
        quarterly workbook, January is prepared for a rep on a monthly role plan and interim for the rest."""
        return rep_statement_state(
            self.section, [rep], period, self.last.get(period), self.fiscal_year_start
        )[rep]


def whole_statements(
    book: Workbook, cube: pd.DataFrame, targets: pd.DataFrame | None = None
) -> WholeStatements:
    """Read the cube's reps, the ledger and the disputes once, for every scope's statements. `targets`: the
    targets in force (`plan_targets`), whose reps with a quota are readable even without a sale."""
    from salesplan_widgets.workbook.adjustments import read_adjustments
    from salesplan_widgets.workbook.ledger import CLOSED, LEDGER_DIR, read_ledger
    from salesplan_widgets.workbook.payouts import incentives_of
    from salesplan_widgets.workbook.targets import plan_targets

    targets = plan_targets(book, cube)[0] if targets is None else targets
    journal = read_ledger(book, ["rep"]).journal  # verifies the chain and every payment file's checksum
    files = journal.loc[journal["event"] == CLOSED, "file"]
    last = dict(zip(journal["period"].astype(str), journal["event"].astype(str), strict=True))
    return WholeStatements(
        sellers=pd.concat([cube[["rep", "team"]].astype(str), quota_holders(targets)])
        .drop_duplicates()
        .reset_index(drop=True),
        last=last,
        section=incentives_of(book),
        fiscal_year_start=book.plan.calendar.fiscal_year_start,
        signed=signatures(journal),
        lines=_lines_by_statement(book, None),
        disputes=dispute_status(book),
        journal=journal,
        payments={f: pd.read_parquet(book.path / LEDGER_DIR / f) for f in files},
        adjustments=read_adjustments(book),
    )


def signatures(journal: pd.DataFrame) -> dict[str, dict[str, str]]:
    """period -> who approved it and when (`approved_by`, `approved_at`) and, once closed, who closed it and
    when (`closed_by`, `closed_at`), from the period's last journal event: the names the ledger's paid lines
    carry. A period prepared again after its approval is signed by no one."""
    from salesplan_widgets.workbook.ledger import APPROVED, CLOSED

    signed = {}
    for row in journal.drop_duplicates("period", keep="last").to_dict("records"):
        if row["event"] == APPROVED:
            signed[str(row["period"])] = {"approved_by": row["by"], "approved_at": row["at"]}
        elif row["event"] == CLOSED:
            signed[str(row["period"])] = {"approved_by": row["approved_by"], "approved_at": row["approved_at"],
                                          "closed_by": row["by"], "closed_at": row["at"]}  # fmt: skip
    return signed


def signing_event(entry: Mapping[str, str]) -> dict[str, str] | None:
    """An index entry's signatures as the journal event `statement_status` words (by and at of the event
    that put the statement in its state, and the approval's); None when no one signed it."""
    if entry.get("closed_by"):
        return {"by": entry["closed_by"], "at": entry["closed_at"], "approved_by": entry["approved_by"],
                "approved_at": entry["approved_at"]}  # fmt: skip
    if entry.get("approved_by"):
        return {"by": entry["approved_by"], "at": entry["approved_at"]}
    return None


def copy_ledger(scope, people: set[str], whole: WholeStatements, target: Path) -> None:
    """Write the ledger as `scope` may read it into `target`/ledger: each closing's paid lines of its people
    (`scope.mask`, and `people` by name: a manager's own lines name no team), in a journal of its own whose
    closings count and total only those lines, chained anew (a journal's every row is hashed with its
    totals), so the extract is a ledger `read_ledger` verifies; and its people's manual adjustments waiting
    for an open period's close, so their payment panel shows them. Approvals and preparations keep their
    event, not the company's totals."""
    from salesplan_widgets.workbook.adjustments import ADJUSTMENTS
    from salesplan_widgets.workbook.ledger import CLOSED, JOURNAL, LEDGER_DIR, PAYMENTS_DIR, chain

    waiting = whole.adjustments[whole.adjustments["rep"].astype(str).isin(people).to_numpy()]
    if len(waiting):
        (target / ADJUSTMENTS).parent.mkdir(parents=True, exist_ok=True)
        waiting.to_csv(target / ADJUSTMENTS, index=False)
    if whole.journal.empty:
        return
    folder = target / LEDGER_DIR
    (folder / PAYMENTS_DIR).mkdir(parents=True, exist_ok=True)
    rows = []
    for row in whole.journal.to_dict("records"):  # a journal holds a few rows per period
        row = dict(row, lines="", total_minor="")
        if row["event"] == CLOSED:
            paid = whole.payments[row["file"]]
            mine = paid[scope.mask(paid).to_numpy() | paid["rep"].astype(str).isin(people).to_numpy()]
            mine.to_parquet(folder / row["file"], index=False)
            row["lines"], row["total_minor"] = str(len(mine)), str(int(mine["amount_minor"].sum()))
            row["file_sha256"] = hashlib.sha256((folder / row["file"]).read_bytes()).hexdigest()
        rows.append(row)
    pd.DataFrame(chain(rows), columns=whole.journal.columns).to_csv(folder / JOURNAL, index=False)


def copy_statements(book: Workbook, scope, whole: WholeStatements, target: Path) -> list[dict]:
    """Copy the statement documents `scope` may read into `target`/statements and write its index."""
    reps = readable_reps(scope, whole.sellers)
    names = {rep_folder(r): r for r in sorted(set(whole.sellers["rep"]) - {"all"} | (reps or set()))}
    lines = whole.lines
    entries = []
    reports = book.path / REPORTS_DIR
    periods = sorted(p for p in reports.iterdir() if p.is_dir()) if reports.is_dir() else []
    for period_dir in periods:
        statements = period_dir / STATEMENTS_DIR
        if not statements.is_dir():
            continue
        if reps is None:
            folders = sorted(p for p in statements.iterdir() if p.is_dir() and not p.is_symlink())
        else:
            folders = [statements / rep_folder(r) for r in sorted(reps)]
        for folder in folders:
            if not folder.is_dir() or folder.is_symlink():
                continue
            documents = _documents(folder, period_dir.name)
            if not documents:
                continue
            copied = target / STATEMENTS_DIR / period_dir.name / folder.name
            copied.mkdir(parents=True)
            for files in documents.values():
                for name in files.values():
                    shutil.copyfile(folder / name, copied / name)
            relative = copied.relative_to(target).as_posix()
            entries.append({
                "period": period_dir.name,
                "rep": names.get(folder.name, folder.name),
                "status": whole.state(period_dir.name, names.get(folder.name, folder.name)),
                **whole.signed.get(period_dir.name, {}),
                "documents": {
                    locale: {kind: f"{relative}/{name}" for kind, name in files.items()}
                    for locale, files in documents.items()
                },
                "lines": lines.get((period_dir.name, names.get(folder.name, folder.name)), []),
            })  # fmt: skip
    index = target / STATEMENTS_INDEX
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
    disputes = whole.disputes
    if reps is not None:
        disputes = disputes[disputes["rep"].isin(reps)].reset_index(drop=True)
    (target / DISPUTES_INDEX).write_text(  # NaN (no adjustment) is written as null
        disputes.to_json(orient="records", force_ascii=False, indent=1), encoding="utf-8"
    )
    return entries


def _lines_by_statement(book: Workbook, reps: set[str] | None) -> dict[tuple[str, str], list[dict]]:
    """(period, rep) -> the closed statement's numbered lines, as an inquiry names them."""
    paid = statement_lines(book, reps)
    return {
        (str(period), str(rep)): [
            {"line": int(r.line), "rule": str(r.rule), "amount_minor": int(r.amount_minor)}
            for r in group.itertuples()
        ]
        for (period, rep), group in paid.groupby(["period", "rep"], observed=True)
    }

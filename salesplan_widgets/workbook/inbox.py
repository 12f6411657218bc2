"""Write actions of signed-in users: a note, commit numbers or a dispute, sent to an inbox, imported by the
analyst.

A dashboard user's kernel runs as their own OS account and cannot write the workbook. What their role
allows them to send (`WRITE_ACTIONS`) goes as one small JSON file into their inbox, a folder that only
their account can write. The analyst's `salesplan publish` (or the next period run) imports it. The
author is whoever owns the inbox, never a field in the file. The import checks the role and the scope
again against the plan, then writes through the workbook's own version-checked tables. Files that fail
the check are set aside, with the reason, in the hub's private folder. This module never trusts the
content of an inbox for who wrote it.

Disputes are the rep's own: a rep may dispute a line of their own closed statement, a manager may not
raise one for a rep. The payee is the one who knows which deal is missing or which rate is wrong, the
answer and any adjustment are theirs, and comp tools route a payee's inquiry to their manager rather than
letting the manager file it (a manager reads their team's disputes on the statements dashboard).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.workbook.atomic import file_version, save_checked
from salesplan_widgets.workbook.publish import os_account, scopes
from salesplan_widgets.workbook.workbook import Workbook

INBOX_DIR = "inbox"
REFUSED_DIR = Path("hub") / "refused"
WRITE_ACTIONS: dict[str, frozenset[str]] = {
    "rep": frozenset({"note", "dispute"}),
    "manager": frozenset({"note", "commit"}),
    "finance": frozenset(),
}
DISPUTE = "dispute"
REFUSED_NOTICE = "refused-"  # a refused dispute's notice, left in its author's inbox
_MAX_NOTE = 2000
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def inbox_of(state: Path, user: str) -> Path:
    return Path(state) / INBOX_DIR / user


def prepare_inbox(state: Path, user: str) -> Path:
    """The user's inbox: owned by their OS account, mode 0700, in a folder nobody may list."""
    root = Path(state) / INBOX_DIR
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o711)
    account = pwd.getpwnam(os_account(user))
    inbox = inbox_of(state, user)
    if inbox.is_symlink():
        inbox.unlink()
    inbox.mkdir(exist_ok=True)
    os.chown(inbox, account.pw_uid, account.pw_gid)
    inbox.chmod(0o700)
    return inbox


def send(
    inbox: Path,
    action: str,
    period: str,
    rep: str,
    text: str = "",
    commit: float | None = None,
    line: int | None = None,
) -> Path:
    """Drop one write action into `inbox` (as the signed-in user's kernel); raise InputError if malformed.

    A dispute names `line` of `rep`'s closed statement for `period`, and the question in `text`."""
    message = {"action": action, "period": period, "rep": rep, "text": text, "commit": commit}
    if action == DISPUTE:
        message["line"] = line
    problems = _malformed(message)
    if problems:
        raise InputError(problems)
    inbox = Path(inbox)
    name = f"{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.json"
    tmp = inbox / f".{name}.tmp"
    tmp.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, inbox / name)
    return inbox / name


def _malformed(message: dict) -> list[Problem]:
    where = "inbox"
    problems = []
    if message.get("action") not in {"note", "commit", DISPUTE}:
        problems.append(Problem(file=where, column="action", expected=_("a note, a commit or a dispute")))
    if not _MONTH.fullmatch(str(message.get("period") or "")):
        problems.append(Problem(file=where, column="period", expected=_("a month such as 2026-10")))
    if not str(message.get("rep") or "").strip():
        problems.append(Problem(file=where, column="rep", expected=_("the rep the note or commit is about")))
    if (
        message.get("action") in {"note", DISPUTE}
        and not 0 < len(str(message.get("text") or "").strip()) <= _MAX_NOTE
    ):
        problems.append(
            Problem(
                file=where, column="text", expected=_("a note of 1 to {n} characters").format(n=_MAX_NOTE)
            )
        )
    if message.get("action") == "commit":
        value = message.get("commit")
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < 1e13:
            problems.append(Problem(file=where, column="commit", expected=_("a commit of zero or more")))
    if message.get("action") == DISPUTE:
        line = message.get("line")
        if not isinstance(line, int) or isinstance(line, bool) or not 0 < line < 100_000:
            problems.append(Problem(file=where, column="line", expected=_("the number of a statement line")))
    return problems


@dataclass
class InboxImport:
    """What an import wrote, and what it refused (with the reason, per file)."""

    notes: int = 0
    commits: int = 0
    disputes: int = 0
    refused: list[Problem] = field(default_factory=list)


def _refuse(result: InboxImport, state: Path, path: Path, user: str, reason: str) -> None:
    target = Path(state) / REFUSED_DIR / user
    target.mkdir(parents=True, exist_ok=True)
    Path(state, "hub").chmod(0o700)
    shutil.move(str(path), target / path.name)
    result.refused.append(Problem(file=f"{user}/{path.name}", expected=reason))


def _tell_author(inbox: Path, name: str, message: dict, reason: str) -> None:
    """Leave the rep a notice in their own inbox that their dispute was not logged, and why (their page
    shows it). Created, never followed or overwritten: the inbox is the user's, so a name planted there as a
    link gets no notice rather than root writing through it."""
    notice = json.dumps({**message, "reason": reason}, ensure_ascii=False).encode("utf-8")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        fd = os.open(inbox / f"{REFUSED_NOTICE}{name}", flags, 0o644)
    except OSError:
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(notice)


def import_inbox(workbook: Workbook, state: Path) -> InboxImport:
    """Import every user's inbox into the workbook's feedback and commits tables (as root, the analyst)."""
    from salesplan_widgets.workbook.disputes import log_inquiry
    from salesplan_widgets.workbook.feedback import add_note

    result = InboxImport()
    cube = workbook.cube()
    rep_team = dict(zip(cube["rep"].astype(str), cube["team"].astype(str), strict=False))
    for scope in scopes(workbook.plan):
        inbox = inbox_of(state, scope.user)
        if not inbox.is_dir() or inbox.is_symlink():
            continue
        owner = pwd.getpwnam(os_account(scope.user)).pw_uid
        for path in sorted(inbox.glob("[0-9]*.json")):
            if path.is_symlink() or path.lstat().st_uid != owner:
                _refuse(result, state, path, scope.user, _("a file written by the inbox's own user"))
                continue
            try:
                message = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                message = {}
            problems = _malformed(message) if isinstance(message, dict) else [Problem("inbox", "JSON")]
            rep = str(message.get("rep", "")) if isinstance(message, dict) else ""
            reason = None
            if problems:
                reason = problems[0].expected
            elif message["action"] not in WRITE_ACTIONS[scope.role]:
                reason = _("an action the user's role allows")
            elif (
                rep not in rep_team
                or not scope.mask(pd.DataFrame({"rep": [rep], "team": [rep_team[rep]]})).all()
            ):
                reason = _("a rep within the user's scope")
            elif message["action"] == DISPUTE:
                try:  # the line must be one of the rep's closed statement: the same check as the CLI's
                    log_inquiry(
                        workbook, message["period"], rep, message["line"], message["text"], user=scope.user
                    )
                except InputError as exc:
                    reason = exc.first.expected
            if reason is not None:
                _refuse(result, state, path, scope.user, reason)
                if isinstance(message, dict) and message.get("action") == DISPUTE:
                    _tell_author(inbox, path.name, message, reason)
            elif message["action"] == DISPUTE:
                path.unlink()
                result.disputes += 1
            elif message["action"] == "note":
                add_note(
                    workbook,
                    message["period"],
                    rep,
                    message["text"],
                    user=scope.user,
                    source=f"hub {scope.role}",
                )
                path.unlink()
                result.notes += 1
            else:
                _store_commit(workbook, rep, float(message["commit"]), scope.user)
                path.unlink()
                result.commits += 1
    return result


def _store_commit(workbook: Workbook, rep: str, commit: float, user: str) -> None:
    """A manager's year commit for a rep replaces that rep's earlier commits (as a returned sheet does);
    version-checked, and recorded in the audit log as the signed-in manager's."""
    from salesplan_widgets.workbook.audit import record

    path = workbook.table_path("commits")
    read_version = file_version(path)
    old = workbook.read_table("commits")
    row = pd.DataFrame({"rep": [rep], "segment": ["all"], "channel": ["all"], "commit": [commit]})
    table = row if old is None else pd.concat([old[old["rep"].astype(str) != rep], row], ignore_index=True)
    after = save_checked(path, table.to_csv(index=False), read_version)
    record(
        workbook,
        "commits.save",
        target="tables/commits.csv",
        before=read_version,
        after=after,
        user=user,
        rep=rep,
    )

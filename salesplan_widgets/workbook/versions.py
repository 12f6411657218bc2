"""Plan versions of the targets: every re-plan is kept, with its reason, author, time and first month in force.

Version N lives in `tables/targets_v<N>.csv`; `tables/targets_versions.json` indexes them and is replaced
atomically with a version check, so two analysts saving at once cannot lose a version. The first re-plan
registers the splitter's `targets` table as version 1 (the original plan). A save is refused when the index
changed since the saver read it, a repeated identical save returns the version it already made, and every
save is recorded in the audit log. `targets_in_force` gives, for
each month, the targets of the newest version effective by then — what tracking and payouts must use.
This module only stores and looks up; the arithmetic of a re-plan is `model.replan`'s.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from salesplan_widgets.errors import ConflictError, InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.replan import quota_effect
from salesplan_widgets.workbook.atomic import (
    atomic_path,
    atomic_write,
    content_version,
    file_version,
    files_stamp,
    locked,
)
from salesplan_widgets.workbook.workbook import TABLES_DIR, Workbook

INDEX = "targets_versions.json"
TARGETS = "targets"


class NoTargetsError(InputError):
    """Neither a targets table nor a year of history to derive one: pages that can show sales without a
    target (the tracking pack, the tracker dashboard) catch this one and say attainment needs a target."""


@dataclass(frozen=True)
class PlanVersion:
    """One saved version of the targets."""

    version: int
    effective_from: str
    reason: str
    author: str
    saved_at: str
    table: str
    total: float
    changes: tuple[str, ...] = ()


def _index_path(workbook: Workbook):
    return workbook.table_path(TARGETS).with_name(INDEX)


def targets_stamp(workbook: Workbook) -> tuple:
    """A cheap stamp of the targets in force: the targets table's and the version index's (inode, size,
    mtime_ns). Each is replaced atomically by every split or re-plan saved, so one saved elsewhere (another
    kernel, another analyst) changes it; a view re-reads its quotas when it does, and only then."""
    return files_stamp(*(workbook.table_path(TARGETS), _index_path(workbook)))


def _read_index(workbook: Workbook) -> tuple[list[PlanVersion], str | None]:
    path = _index_path(workbook)
    read_version = file_version(path)
    if read_version is None:
        return [], None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        versions = [
            PlanVersion(**{**item, "changes": tuple(item.get("changes", ()))}) for item in raw["versions"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            Problem(
                file=str(path),
                expected=_("the plan-version index written by salesplan"),
                fix=_("restore the file from git; do not edit it by hand"),
            )
        ) from exc
    return versions, read_version


def list_versions(workbook: Workbook) -> pd.DataFrame:
    """The saved versions, oldest first (empty when the targets were never re-planned)."""
    versions, _read = _read_index(workbook)
    columns = [f.name for f in PlanVersion.__dataclass_fields__.values()]
    return pd.DataFrame([asdict(v) for v in versions], columns=columns)


def read_version(workbook: Workbook, version: int) -> pd.DataFrame:
    """The targets table of one version."""
    versions, _read = _read_index(workbook)
    match = [v for v in versions if v.version == int(version)]
    table = workbook.read_table(match[0].table) if match else None
    if table is None:
        raise InputError(
            Problem(
                file=str(_index_path(workbook)),
                expected=_("a saved plan version {version}").format(version=version),
                found=str(version),
                fix=_("pick one of the versions listed by list_versions()"),
            )
        )
    return table


def _require(value: str, what: str, expected: str) -> str:
    if not str(value or "").strip():
        raise InputError(
            Problem(
                file=str(INDEX),
                column=what,
                expected=expected,
                fix=_("say who changes the plan and why, so the change can be explained later"),
            )
        )
    return str(value).strip()


def targets_version(workbook: Workbook) -> str | None:
    """The version of the plan-version index as it is now (None before the first re-plan).

    A tool reads it when it loads the targets and hands it back to `save_version`, which refuses to save
    over versions someone else saved in between.
    """
    return file_version(_index_path(workbook))


_READ_NOW = object()


def save_version(
    workbook: Workbook,
    targets: pd.DataFrame,
    reason: str,
    author: str | None,
    effective_from: pd.Period | str,
    changes: Sequence[str] = (),
    now: dt.datetime | None = None,
    *,
    based_on: str | None | object = _READ_NOW,
    user: str | None = None,
) -> PlanVersion:
    """Save `targets` as the next version, in force from `effective_from`, and record it in the audit log.

    `based_on` is the index version the caller read (`targets_version`) when it loaded the targets it
    changed; if someone saved a version since, ConflictError (nothing is lost: reload and save again).
    Saving the same targets from the same month again (a double click) returns the version already saved
    instead of a duplicate. `author` is a display name; the audit holds `user` (signed-in) or the OS login.
    """
    from salesplan_widgets.workbook.audit import acting_user, record

    workbook.ensure_writable(_("Saving a plan version"))
    reason = _require(reason, "reason", _("a reason for the new plan version"))
    author = _require(author or acting_user(user), "author", _("an author for the new plan version"))
    effective = FiscalCalendar.of(workbook.plan.calendar).period(effective_from)  # a month, week or quarter
    index = _index_path(workbook)
    content = targets.to_csv(index=False)
    index.parent.mkdir(parents=True, exist_ok=True)
    with locked(index):
        versions, read_version_id = _read_index(workbook)
        if versions:
            newest = versions[-1]
            same_table = file_version(workbook.table_path(newest.table)) == content_version(content.encode())
            if same_table and newest.effective_from == str(effective):
                return newest  # the same save again: nothing new to keep
        if based_on is not _READ_NOW and based_on != read_version_id:
            raise ConflictError(
                _(
                    "Someone saved a plan version since you loaded the targets; your re-plan was not saved. "
                    "Reload (open the tracker again), check their version, and re-plan from it."
                )
            )
        stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        if not versions:
            original = workbook.read_table(TARGETS)
            if original is not None and len(original):
                workbook.write_table(f"{TARGETS}_v1", original)
                versions.append(
                    PlanVersion(
                        version=1,
                        effective_from=str(original["period"].min()),
                        reason=_("original plan"),
                        author=_("task splitter"),
                        saved_at=stamp,
                        table=f"{TARGETS}_v1",
                        total=round(float(original["target"].sum()), 2),
                    )
                )
        number = max((v.version for v in versions), default=0) + 1
        entry = PlanVersion(
            version=number,
            effective_from=str(effective),
            reason=reason,
            author=author,
            saved_at=stamp,
            table=f"{TARGETS}_v{number}",
            total=round(float(targets["target"].sum()), 2),
            changes=tuple(changes),
        )
        if file_version(index) != read_version_id:  # a writer that ignored the lock (an editor, a sync tool)
            raise ConflictError(
                _("{file} was changed by someone else while saving; nothing was saved. Save again.").format(
                    file=index
                )
            )
        with atomic_path(workbook.table_path(entry.table)) as tmp:
            tmp.write_text(content, encoding="utf-8")
        payload = {"versions": [asdict(v) | {"changes": list(v.changes)} for v in [*versions, entry]]}
        after = atomic_write(index, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    record(
        workbook,
        "targets.version",
        target=f"{TABLES_DIR}/{INDEX}",
        before=read_version_id,
        after=after,
        user=user,
        version=entry.version,
        effective_from=entry.effective_from,
        author=author,
    )
    return entry


def targets_in_force(workbook: Workbook) -> pd.DataFrame | None:
    """For each month, the targets of the newest version effective by then (column `version` says which).

    Without any saved version this is the `targets` table as written by the splitter (version 1).
    """
    versions, _read = _read_index(workbook)
    if not versions:
        table = workbook.read_table(TARGETS)
        return None if table is None else table.assign(version=1)
    frames = [workbook.read_table(v.table).assign(version=v.version) for v in versions]
    every = pd.concat(frames, ignore_index=True)
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    periods = pd.PeriodIndex(every["period"]).unique().sort_values()
    starts = pd.DataFrame(
        {
            "version": [v.version for v in versions],
            "effective_from": calendar.periods([v.effective_from for v in versions]),
        }
    ).sort_values(["effective_from", "version"])
    # the first version also covers the months before its start (nothing older exists to cover them)
    starts.iloc[0, starts.columns.get_loc("effective_from")] = min(
        periods.min(), starts["effective_from"].min()
    )
    # the newest version (by effective month, then number) whose start is on or before each month
    grid = pd.DataFrame({"period": periods}).merge(starts, how="cross")
    grid = grid[grid["effective_from"] <= grid["period"]]
    in_force = grid.sort_values(["period", "effective_from", "version"]).groupby("period").tail(1)
    chosen = every.merge(in_force[["period", "version"]], on=["period", "version"], how="inner")
    return chosen.sort_values(["period", "rep"], kind="stable").reset_index(drop=True)


def compare_versions(
    workbook: Workbook, before: int, after: int, by: Sequence[str] = ("rep", "segment")
) -> pd.DataFrame:
    """Two versions side by side: by + before, after, change, change_pct (largest change first)."""
    return quota_effect(read_version(workbook, before), read_version(workbook, after), list(by))


def targets_for_tracking(
    workbook: Workbook, cube: pd.DataFrame, growth: float = 0.1
) -> tuple[pd.DataFrame, str]:
    """The targets in force, or — before any exist — last year's sales + growth, with a notice saying so.

    Returns (targets without the `version` column, notice or ''). Raises NoTargetsError (an InputError) when there is
    neither a targets table nor a year of history to derive one from.
    """
    from salesplan_widgets.model.tracking import provisional_targets, window_bounds
    from salesplan_widgets.workbook.targets import split_fit_notices

    targets = targets_in_force(workbook)
    if targets is not None and len(targets):  # a split made for an older goal is flagged
        return targets.drop(columns="version"), " ".join(split_fit_notices(workbook, cube))
    first, last = window_bounds(cube["period"].max(), "year", workbook.plan.calendar.fiscal_year_start)
    provisional = provisional_targets(cube, first, last, growth)
    if provisional.empty:
        raise NoTargetsError(
            Problem(
                file=str(workbook.table_path(TARGETS)),
                expected=_("a targets table, or a year of sales history to derive a provisional one"),
                fix=_("split the goal into targets with the task splitter, then open the tracker"),
            )
        )
    return provisional, _(
        "No targets saved yet: showing last year's sales + {growth} as a provisional target."
    ).format(growth=f"{growth:.0%}")


def save_split_targets(
    workbook: Workbook, targets: pd.DataFrame, user: str | None = None
) -> PlanVersion | None:
    """Write the task splitter's targets without losing the years already planned; the version it made.

    The targets table holds the split as the splitter wrote it, as before. A split of a later year than the
    saved table's (1 January: 2027 split, the table holds 2026) is also saved as a plan version in force
    from its first period, the saved table becoming version 1: 2026's quotas stay in force for 2026's
    statements, tracking and adjustments, 2027's for 2027. Once versions exist, `targets_in_force` reads
    only them, so every later split is saved as a version from its first period too (a re-plan in force
    from a later period keeps its periods). Returns None when only the table was written.
    """
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    first = calendar.periods(targets["period"].astype(str)).min()
    saved = workbook.read_table(TARGETS)
    versions, _read = _read_index(workbook)
    later_year = saved is not None and len(saved) and first > pd.PeriodIndex(saved["period"]).max()
    version = None
    if versions or later_year:  # before the table is replaced: its rows become version 1 if none exists
        version = save_version(
            workbook,
            targets,
            reason=_("the goal split from {first}").format(first=first),
            author=None,
            effective_from=first,
            user=user,
        )
    workbook.write_table(TARGETS, targets, user=user)
    return version

"""A workbook: one folder holding a plan, its data sources, computed tables and period reports.

This is the object every widget, template and command holds. It owns all storage access: reading the
plan, validating and aggregating sources (through `sources`/`cube`), caching the cube beside the plan,
and saving plan sections atomically with a version check, each save recorded in the audit log.

Opened read-only (what every served dashboard does), a workbook never writes: saves raise ReadOnlyError, a
cold cube cache is computed in memory, and source conversions go to a private temporary folder.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from salesplan_widgets.errors import InputError, Problem, ReadOnlyError
from salesplan_widgets.i18n import _, set_locale
from salesplan_widgets.schema import Plan, Source
from salesplan_widgets.workbook.atomic import atomic_path
from salesplan_widgets.workbook.plan import PLAN_FILE, PlanFile

CACHE_DIR = ".cache"
REPORTS_DIR = "reports"
TABLES_DIR = "tables"


class Workbook:
    """A plan plus its data, opened from a folder (or a plan.yaml inside one)."""

    def __init__(self, path: str | Path, read_only: bool = False):
        path = Path(path).expanduser().resolve()
        self.path = path.parent if path.is_file() else path
        self.read_only = read_only
        self._scratch: Path | None = None
        self._memory_cubes: dict[str, pd.DataFrame] = {}
        self.plan_file = PlanFile.read(self.path / PLAN_FILE)
        set_locale(self.plan.locale)

    def __repr__(self) -> str:
        mode = ", read_only=True" if self.read_only else ""
        return f"Workbook({str(self.path)!r}, plan={self.plan.name!r}, version={self.version}{mode})"

    def ensure_writable(self, action: str) -> None:
        """Refuse `action` (a short description) when the workbook was opened read-only."""
        if self.read_only:
            raise ReadOnlyError(
                _("{action}: this workbook is open read-only (a dashboard changes nothing).").format(
                    action=action
                )
            )

    @contextlib.contextmanager
    def _conversions(self) -> Iterator[None]:
        """Read-only: Excel/GB18030 conversions go to a private temporary folder, never the workbook's cache."""
        if not self.read_only:
            yield
            return
        from salesplan_widgets.workbook.sources import conversions_in

        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="salesplan-readonly-"))
            atexit.register(shutil.rmtree, self._scratch, True)
        with conversions_in(self._scratch):
            yield

    # -- the plan -------------------------------------------------------------------------------
    @property
    def plan(self) -> Plan:
        """The plan as last read or saved (validated `schema.Plan`)."""
        return self.plan_file.plan

    @property
    def version(self) -> str | None:
        """The plan file's version as read: a save is refused when the file no longer has it."""
        return self.plan_file.version

    @property
    def locale(self) -> str:
        """The plan's language: ``en`` or ``zh_CN``."""
        return self.plan.locale

    @property
    def currency(self) -> str:
        """The plan's currency code (ISO 4217, e.g. ``CNY``)."""
        return self.plan.currency

    def reload(self) -> Workbook:
        """Read plan.yaml again (after someone else saved it); returns the workbook itself."""
        self.plan_file = PlanFile.read(self.path / PLAN_FILE)
        set_locale(self.plan.locale)
        return self

    def save(self, plan: Plan | None = None, user: str | None = None, **sections) -> str:
        """Save the plan or some of its sections; refuses (ConflictError) if the file changed since read.

        The save is recorded in the audit log as `user` (the signed-in user) or else the OS user.
        """
        from salesplan_widgets.workbook.audit import record

        self.ensure_writable(_("Saving the plan"))
        before = self.version
        after = self.plan_file.save(plan, **sections)
        changed = sorted(sections) if sections else ["plan"]
        record(self, "plan.save", target=PLAN_FILE, before=before, after=after, user=user, sections=changed)
        return after

    # -- data -----------------------------------------------------------------------------------
    def source(self, name: str = "sales") -> Source:
        """The plan's data source `name`; an InputError naming the missing plan entry when there is none."""
        source = getattr(self.plan.sources, name)
        if source is None:
            raise InputError(
                Problem(
                    file=str(self.path / PLAN_FILE),
                    column=f"sources.{name}",
                    expected=_("a '{name}' source in the plan").format(name=name),
                    fix=_("add sources.{name} with its path and columns").format(name=name),
                )
            )
        return source

    def source_path(self, name: str = "sales") -> Path:
        """Where source `name`'s file lies (its plan path, relative to the workbook)."""
        return self.path / self.source(name).path

    def validate(self, templates: bool = True) -> list[Problem]:
        """Every problem with every data source and (unless `templates` is off, as for a run that checks
        its own template folder) every report template `run` would refuse, all at once; when the data are
        clean, also what the splitter would refuse in the plan: impossible levels and locks."""
        from salesplan_widgets.workbook.plan_checks import (
            incentive_problems,
            split_problems,
            template_problems,
        )

        problems = self.validate_sources() + (template_problems(self) if templates else [])
        if problems:
            return problems
        return split_problems(self, self.cube()) + incentive_problems(self, self.cube())

    def validate_sources(self) -> list[Problem]:
        """Every problem with every data source, all at once (empty when clean)."""
        from salesplan_widgets.workbook.sources import validate_source

        problems: list[Problem] = []
        with self._conversions():
            for name in type(self.plan.sources).model_fields:
                if getattr(self.plan.sources, name) is not None:
                    problems += validate_source(self.source(name), self.path, self.plan.calendar, kind=name)
        return problems

    def data_fingerprint(self) -> str:
        """Identifies the data a result was computed from: file sizes, times and the column mapping."""
        h = hashlib.sha256()
        for name in type(self.plan.sources).model_fields:
            source = getattr(self.plan.sources, name)
            if source is None:
                continue
            path = self.path / source.path
            stat = path.stat() if path.exists() else None  # a missing file is validate()'s to report
            h.update(
                f"{name}|{source.model_dump_json()}|{stat and stat.st_size}|{stat and stat.st_mtime_ns}".encode()
            )
        h.update(self.plan.calendar.model_dump_json().encode())
        # what the amounts are converted at (a rates file counts among the sources above)
        h.update(f"{self.plan.currency}|{sorted(self.plan.exchange_rates.items())}".encode())
        return h.hexdigest()[:16]

    def cube(self, by_product: bool = False) -> pd.DataFrame:
        """The sales cube (period × rep × team × territory × segment × channel [× product]), cached on disk.

        Checks every source (the sales file inside the cube's own scan), so a bad file raises InputError and
        nothing is cached. A plan that converts currencies also gets, from that scan, the sales by day and
        currency sold that the overview's table reads (`currencies.sales_by_currency`), cached beside it.
        """
        from salesplan_widgets.workbook.cube import build_checked_cube
        from salesplan_widgets.workbook.currencies import keep_daily_by_currency
        from salesplan_widgets.workbook.sources import validate_source

        def build() -> pd.DataFrame:
            # the sales source is checked inside the cube's own scan (one pass over the file, not two);
            # the other sources are small and checked on their own
            with self._conversions():
                problems = [
                    problem
                    for name in type(self.plan.sources).model_fields
                    if name != "sales" and getattr(self.plan.sources, name) is not None
                    for problem in validate_source(
                        self.source(name), self.path, self.plan.calendar, kind=name
                    )
                ]
            try:
                with self._conversions():
                    cube, by_currency = build_checked_cube(
                        self.source("sales"), self.path, self.plan.calendar, by_product=by_product
                    )
            except InputError as exc:  # a bad rates file is told once, not by each source it converts
                raise InputError([*exc.problems, *(p for p in problems if p not in exc.problems)]) from None
            if problems:
                raise InputError(problems)
            if by_currency is not None:  # counted in the same scan: the overview's table needs no other
                keep_daily_by_currency(self, by_currency)
            return cube

        return self.cached(f"cube{'-product' if by_product else ''}", build)

    def cached(self, name: str, compute: Callable[[], pd.DataFrame], asked: object = None) -> pd.DataFrame:
        """A table computed from the data (a cube: period × dimensions × measures), kept on disk as
        `.cache/<name>-<key>-<data fingerprint>.parquet` so that each later process reads it instead of scanning the
        sources again; one file per `name`, replaced when the data changes. `asked` (JSON-able: the rules it
        was computed for) is hashed into the name with the package's version, so that a table an older
        salesplan computed (other columns, other rules) is never read back after an upgrade; the data's
        fingerprint itself holds no version (a report still names the same data). Read-only, it is kept
        in memory for this workbook object only."""
        from salesplan_widgets import __version__
        from salesplan_widgets.workbook.cube import read_cube, write_cube

        digest = hashlib.sha256(json.dumps([asked, __version__], default=str).encode()).hexdigest()
        base, name = name, f"{name}-{digest[:8]}"

        fingerprint = self.data_fingerprint()
        cache = self.path / CACHE_DIR / f"{name}-{fingerprint}.parquet"
        if cache.exists():
            return read_cube(cache)
        if self.read_only and cache.name in self._memory_cubes:
            return self._memory_cubes[cache.name]
        frame = compute()
        if self.read_only:  # computed in memory, kept for this workbook object only
            self._memory_cubes[cache.name] = frame
            return frame
        stale = [f"{glob.escape(name)}-{'?' * len(fingerprint)}.parquet"]
        if asked is None:  # one table whatever was asked (the cube): other versions' copies are stale too
            stale += [f"{glob.escape(base)}-{'?' * len(digest[:8])}-{'?' * len(fingerprint)}.parquet",
                      f"{glob.escape(base)}-{'?' * len(fingerprint)}.parquet"]  # fmt: skip
        for pattern in stale:
            for path in cache.parent.glob(pattern):
                path.unlink(missing_ok=True)
        with atomic_path(cache) as tmp:
            write_cube(frame, tmp)
        return frame

    # -- computed tables (targets, commits, feedback ...): CSV beside the plan, so they diff in git ---------
    def table_path(self, name: str) -> Path:
        """Where computed table `name` lives: ``tables/<name>.csv`` beside the plan."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"table names are letters, digits and underscores, not {name!r}")
        return self.path / TABLES_DIR / f"{name}.csv"

    def read_table(self, name: str, periods: bool = True) -> pd.DataFrame | None:
        """A computed table saved with `write_table`, or None if it was never written. `periods`: its period
        column read as the plan calendar's periods; else kept as written (a log kept by month, such as the
        feedback, in a weekly workbook)."""
        path = self.table_path(name)
        if not path.exists():
            return None
        table = pd.read_csv(
            path,
            dtype={
                "rep": str,
                "team": str,
                "territory": str,
                "segment": str,
                "channel": str,
                "product": str,
                "account": str,
            },
        )
        if periods and "period" in table.columns:
            from salesplan_widgets.model.calendar import FiscalCalendar

            calendar = FiscalCalendar.of(self.plan.calendar)
            table["period"] = calendar.periods_from_text(table["period"])
        return table

    def write_table(self, name: str, table: pd.DataFrame, user: str | None = None) -> Path:
        """Write a computed table atomically (CSV, UTF-8, periods as text); recorded in the audit log."""
        from salesplan_widgets.workbook.atomic import file_version
        from salesplan_widgets.workbook.audit import record

        self.ensure_writable(_("Writing the table {name}").format(name=name))
        path = self.table_path(name)
        before = file_version(path)
        with atomic_path(path) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8")
        target = f"{TABLES_DIR}/{path.name}"
        record(self, "table.write", target=target, before=before, after=file_version(path), user=user)
        return path

    def accounts(self) -> pd.DataFrame | None:
        """The account master (account, rep, team, territory, segment, potential), or None without one."""
        from salesplan_widgets.workbook.cube import account_master

        if self.plan.sources.accounts is None:
            return None
        problems = self.validate_sources()
        if problems:
            raise InputError(problems)
        with self._conversions():
            return account_master(self.source("accounts"), self.path)

    def new_accounts(self) -> pd.DataFrame | None:
        """Accounts won per period and rep (period, rep, new_accounts), or None when sales name no account."""
        from salesplan_widgets.workbook.cube import new_accounts

        sales = self.source("sales")
        if "account" not in sales.columns:
            return None
        with self._conversions():
            return new_accounts(sales, self.path, self.plan.calendar)

    def reports_dir(self, period: str | pd.Period) -> Path:
        """The folder of a period's report: ``reports/<period>``."""
        return self.path / REPORTS_DIR / str(period)


def open_workbook(path: str | Path = ".", read_only: bool = False) -> Workbook:
    """Open the workbook in `path` (a folder holding plan.yaml, or the plan file itself).

    `read_only=True` is how dashboards open it: nothing in the folder is written, whatever is called.
    """
    return Workbook(path, read_only=read_only)


def open_read_only(workbook: Workbook | str | Path) -> Workbook:
    """`workbook` opened read-only: a served dashboard's way in, whether it was given a path or a workbook."""
    if isinstance(workbook, Workbook):
        return workbook if workbook.read_only else Workbook(workbook.path, read_only=True)
    return Workbook(workbook, read_only=True)

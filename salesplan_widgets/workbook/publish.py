"""Publishing scoped extracts: for each hub user, a small workbook holding only what that user may read.

Under the hub a signed-in user can run code in their own dashboard kernel, so scope is what that kernel
can *read*. Each manager, finance user and rep therefore gets a workbook of their own: a copy of the plan
without its `access` section, the sales lines, accounts and targets of their scope (finance: all of them),
each rep's statement documents the scope may read (workbook/statement_extracts.py), and a pre-built
cube, owned by root and readable only by the OS group of that user (`salesplan-<name>`).
An extract replaces the previous one in one step (a symbolic link swapped atomically), so a dashboard
never reads half an extract. This module must never give any user's group a file outside their scope.
"""

from __future__ import annotations

import difflib
import grp
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from ruamel.yaml import YAML

from salesplan_widgets.errors import PlanError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.schema import Plan, Reports, Sources
from salesplan_widgets.schema.incentives import CreditSplit, IncentivesSection
from salesplan_widgets.workbook.currencies import daily_by_currency_of_people, keep_daily_by_currency
from salesplan_widgets.workbook.plan import PLAN_FILE
from salesplan_widgets.workbook.statement_extracts import (
    WholeStatements,
    copy_ledger,
    copy_statements,
    whole_statements,
)
from salesplan_widgets.workbook.workbook import TABLES_DIR, Workbook, open_workbook

STATE_ENV = "SALESPLAN_HUB_STATE"
STATE_ROOT = Path("/var/lib/salesplan")
EXTRACTS_DIR = "extracts"
SCOPE_FILE = "scope.json"
RECOGNITION_FILE = Path("published") / "recognition.html"
OS_PREFIX = "salesplan-"
# The dashboards each role is served; only those the plan lists are staged.
ROLE_DASHBOARDS: dict[str, tuple[str, ...]] = {
    "rep": ("my_targets", "incentives", "statements"),
    "manager": ("my_targets", "overview", "incentives", "statements"),
    "finance": ("incentives", "statements"),
}
STATEMENTS_DASHBOARD = "statements"  # staged whenever the plan pays incentives, listed or not
# the people a counted row names beside its booking rep (`rep`, `team`): an account's winner on the row, on a
# returned deal's sale, and the rep on that deal's first sale line
PEOPLE = (("won_by", "won_team"), ("sale_won_by", "sale_won_team"), ("sold_rep", "sold_team"))
NOT_WON_TEXT = "all"  # a text dimension the rows do not have (as the cube says it)
RATES_FILE = "data/exchange_rates.csv"  # an extract's monthly rates, as the whole workbook's file holds them
_KEEP_VERSIONS = 2  # the live extract and the one before it, which an open page may still be reading


def os_account(user: str) -> str:
    """The OS account (and its private group) a hub user's server runs as."""
    return f"{OS_PREFIX}{user}"


def role_dashboards(plan: Plan, role: str) -> list[str]:
    """The dashboards a role is served: those of ROLE_DASHBOARDS the plan lists, and the statements
    dashboard whenever the plan has incentives (every paid rep has statements to read)."""
    return [
        name
        for name in ROLE_DASHBOARDS[role]
        if name in plan.reports.dashboards or (name == STATEMENTS_DASHBOARD and plan.incentives is not None)
    ]


def state_dir(workbook: Workbook) -> Path:
    """Where the hub keeps its database, users' homes, staged dashboards and the extracts of a workbook.

    Outside the workbook on purpose: the hub's users must reach this folder but never the workbook.
    $SALESPLAN_HUB_STATE overrides the default /var/lib/salesplan/<plan folder>-<hash of its path>.
    """
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV]).resolve()
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", workbook.path.name).strip("-") or "workbook"
    return STATE_ROOT / f"{slug}-{hashlib.sha256(str(workbook.path).encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Scope:
    """What one hub user may read: every rep (`reps` and `teams` None), some teams, or one rep."""

    user: str
    role: str
    teams: tuple[str, ...] | None = None
    reps: tuple[str, ...] | None = None

    def mask(self, table: pd.DataFrame) -> pd.Series:
        keep = pd.Series(True, index=table.index)
        if self.teams is not None:
            keep &= table["team"].astype(str).isin(self.teams)
        if self.reps is not None:
            keep &= table["rep"].astype(str).isin(self.reps)
        return keep

    def credits(self, table: pd.DataFrame) -> pd.Series:
        """The rows that credit someone of the scope: theirs (`mask`), sales on an account they won
        (`won_by`, `won_team`), which are credited to the winner, and a return of a deal they sold (its
        first sale line, `sold_rep`, which its kicker paid) or whose sale was on an account they won."""
        keep = self.mask(table)
        for rep, team in PEOPLE:
            if rep in table.columns:
                keep |= self.named(table, rep, team)
        return keep

    def named(self, table: pd.DataFrame, rep: str, team: str) -> np.ndarray:
        """Whether the person in columns `rep` and `team` of each row is of the scope."""
        return self.mask(pd.DataFrame({"rep": table[rep], "team": table[team]})).to_numpy(copy=True)

    def sql_filter(self) -> str:
        from salesplan_widgets.workbook.sources import literal

        parts = ["TRUE"]
        if self.teams is not None:
            parts.append(f"team IN ({', '.join(literal(t) for t in self.teams) or 'NULL'})")
        if self.reps is not None:
            parts.append(f"rep IN ({', '.join(literal(r) for r in self.reps) or 'NULL'})")
        return " AND ".join(parts)

    def as_json(self) -> dict:
        return {"user": self.user, "role": self.role, "teams": self.teams, "reps": self.reps}


def scopes(plan: Plan) -> list[Scope]:
    """The scope of every user the plan's `access` section names, analysts excepted (they read it all)."""
    if plan.access is None:
        return []
    found = []
    for name, user in sorted(plan.access.users.items()):
        if user.role == "manager":
            found.append(Scope(name, "manager", teams=tuple(user.teams)))
        elif user.role == "rep":
            found.append(Scope(name, "rep", reps=(user.rep,)))
        elif user.role == "finance":
            found.append(Scope(name, "finance"))
    return found


def access_problems(plan: Plan, cube: pd.DataFrame, file: str = PLAN_FILE) -> list[Problem]:
    """Every team or rep the `access` section names that the sales data does not, with the nearest name."""
    if plan.access is None:
        return []
    known = {
        "teams": sorted(set(cube["team"].astype(str)) - {"all"}),
        "rep": sorted(set(cube["rep"].astype(str)) - {"all"}),
    }
    problems = []
    for name, user in sorted(plan.access.users.items()):
        for key, values in (("teams", user.teams), ("rep", [user.rep] if user.rep else [])):
            for value in values:
                if value in known[key]:
                    continue
                near = difflib.get_close_matches(value, known[key], n=1)
                if key == "teams":
                    expected = _("a team that appears in the sales data")
                else:
                    expected = _("a rep that appears in the sales data")
                fix = (
                    _("did you mean '{name}'?").format(name=near[0])
                    if near
                    else _("use one of: {names}").format(names=", ".join(known[key][:10]))
                )
                problems.append(
                    Problem(
                        file=file,
                        column=f"access.users.{name}.{key}",
                        expected=expected,
                        found=value,
                        fix=fix,
                    )
                )
    return problems


def extract_scope(workbook: Workbook) -> Scope | None:
    """The scope a published extract was written for; None for a workbook that is no extract."""
    path = workbook.path / SCOPE_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    listed = lambda key: None if data.get(key) is None else tuple(data[key])  # noqa: E731
    return Scope(data["user"], data["role"], teams=listed("teams"), reps=listed("reps"))


def within_extract(workbook: Workbook, section: IncentivesSection, cube: pd.DataFrame) -> pd.DataFrame:
    """An extract's pay cube naming only the people of its scope, each credited as the whole workbook credits
    them (the pay cube of a workbook that is no extract is returned as it is).

    A new account's sales booked by another rep than its winner (`won_by`) concern two reps, and an
    extract keeps them when either is in its scope (`Scope.credits`). When the other one is outside it:
    - the winner (named as an outsider, `named_within`): `credit_sales` credits the sales as the whole
      workbook does, to the winner instead of the booker or beside them, then by the plan's splits (the
      winner's own included, which may give the booker a share back), and what it credits outsiders to
      nobody;
    - the booker: the row is named after the winner, whom `credit_sales` then credits once.
    A split of sales booked outside the scope that credits someone in it comes as rows of its own
    (`others_split_credit`).
    """
    scope = extract_scope(workbook)
    if scope is None:
        return cube
    return _with_others_splits(workbook, section, _won_within(scope, section, cube))


def _won_within(scope: Scope, section: IncentivesSection, cube: pd.DataFrame) -> pd.DataFrame:
    """The rows booked outside the scope on an account it won, named after their winner."""
    from salesplan_widgets.model.credit import NOT_WON

    if "won_by" not in cube.columns or section.account_winner is None:
        return cube
    won = ~cube["won_by"].astype(str).isin([NOT_WON, ""]).to_numpy()
    booker = scope.mask(cube).to_numpy()
    winner = scope.mask(pd.DataFrame({"rep": cube["won_by"], "team": cube["won_team"]})).to_numpy()
    others_booked = won & ~booker & winner
    if not others_booked.any():
        return cube
    cube = cube.copy()
    for column, source in (("rep", "won_by"), ("team", "won_team")):
        if column not in cube.columns:
            continue
        values = cube[column].astype(str).to_numpy(copy=True)
        values[others_booked] = cube[source].astype(str).to_numpy()[others_booked]
        cube[column] = values
    return cube


def others_split_credit(
    scope: Scope, people: set[str], section: IncentivesSection, pay: pd.DataFrame
) -> pd.DataFrame:
    """What splits of sales booked outside the scope (`pay`: the whole workbook's pay cube) credit its
    `people`, as the whole workbook credits it: each row named after the person, marked as the owner's share
    or the overlay it is (`OTHERS_SHARE`), which `credit_sales` then credits as such, with its own segment,
    channel and team, so rates by slice and managers' team credit apply to it as in the whole workbook.
    An extract holds only its scope's lines; without these rows a share of another rep's sale would be
    missing from it. A sale booked by the scope is not here: the
    extract's own lines bring it, its winner outside the scope under an outsider's name (`named_within`);
    nor one booked outside on an account the scope won, which the won sales bring (`counted_facts`) named
    after the winner, unless the winner is credited beside the booker (`overlay`): then what the booker's
    splits credit the scope of the sale the booker keeps is here (the extract credits the winner alone)."""
    from salesplan_widgets.model.credit import NOT_WON, OTHERS_SHARE, credit_sales

    rows = pay[~scope.mask(pay).to_numpy()]
    beside = section.account_winner is not None and section.account_winner.overlay
    if "won_by" in rows.columns and not beside:
        rows = rows[~rows["won_by"].astype(str).isin(people).to_numpy()]
    credited = credit_sales(rows, section)
    mine = credited[
        credited["credit"].isin(["split", "overlay"]).to_numpy()
        & credited["rep"].astype(str).isin(people).to_numpy()
    ]
    out = mine.drop(columns=["credit_rule"]).rename(columns={"credit": OTHERS_SHARE})
    out = out.assign(rep=out["rep"].astype(str))
    if "won_by" in pay.columns:
        out = out.assign(won_by=NOT_WON, won_team=NOT_WON)
    return out.reset_index(drop=True)


def _cached_split_credit(workbook: Workbook, counted: pd.DataFrame | None = None) -> pd.DataFrame:
    """`others_split_credit`'s rows kept in an extract's cache (written when it is published)."""
    from salesplan_widgets.model.credit import OTHERS_SHARE

    return workbook.cached("split-credit", lambda: counted, [OTHERS_SHARE])


def _with_others_splits(workbook: Workbook, section: IncentivesSection, cube: pd.DataFrame) -> pd.DataFrame:
    """An extract's pay cube with its `others_split_credit` rows, when its splits credit any."""
    from salesplan_widgets.model.credit import OTHERS_SHARE
    from salesplan_widgets.workbook.deals import FACTS

    if not section.crediting:
        return cube
    rows = _cached_split_credit(workbook)
    if rows is None or rows.empty:
        return cube
    cube = cube.assign(**{OTHERS_SHARE: NOT_WON_TEXT})
    fill = {
        c: FACTS.get(c, 0) if pd.api.types.is_numeric_dtype(cube[c]) else NOT_WON_TEXT
        for c in cube.columns.difference(rows.columns)
    }
    rows = rows.assign(**fill)[list(cube.columns)]
    return pd.concat([cube, rows], ignore_index=True)


def _private_group(user: str) -> int | None:
    try:
        return grp.getgrnam(os_account(user)).gr_gid
    except KeyError:
        return None


def _restrict(root: Path, gid: int | None) -> None:
    """Root owns everything; the user's group may read (dirs 0750, files 0640), nobody else anything."""
    paths = [root, *root.rglob("*")]
    for path in paths:
        if path.is_symlink():
            continue
        if gid is not None:
            os.chown(path, 0, gid)
        is_dir = path.is_dir()
        if gid is None:
            path.chmod(0o700 if is_dir else 0o600)
        else:
            path.chmod(0o750 if is_dir else 0o640)


def _write_yaml(path: Path, data: dict) -> None:
    from salesplan_widgets.workbook.atomic import atomic_path

    yaml = YAML()
    yaml.default_flow_style = False
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        fh.write(
            "# A published extract: generated by `salesplan publish`; edit the workbook's plan instead.\n"
        )
        yaml.dump(data, fh)


def _scoped_sales(book: Workbook, scope: Scope, target: Path) -> list[str]:
    """Copy the sales lines of the scope into `target` (Parquet, canonical column names) inside DuckDB."""
    from salesplan_widgets.workbook.sources import literal, normalised_sql, run_on_source

    source = book.source("sales")
    columns = tuple(c for c in source.columns if c != "currency")  # the amounts are copied converted

    def copy(con, scan):
        relation = normalised_sql(scan, source, tuple(dict.fromkeys((*columns, "rep", "team"))))
        selected = ", ".join(f'"{c}"' for c in columns)
        con.execute(
            f"COPY (SELECT {selected} FROM ({relation}) AS sales WHERE {scope.sql_filter()}) "
            f"TO {literal(str(target))} (FORMAT parquet)"
        )

    run_on_source(source, book.path, copy)
    return list(columns)


def outsiders(splits: list[CreditSplit], people: set[str]) -> dict[str, str]:
    """The names an extract of `people` gives those outside it whose own sales a split shares (`rep:`):
    one each, numbered in the order of the plan's splits (which the extract's plan keeps), so each one's
    split still applies only to their lines. Everyone else outside is `OUTSIDE`."""
    from salesplan_widgets.model.credit import OUTSIDE_PREFIX

    owners = dict.fromkeys(s.rep for s in splits if s.rep is not None and s.rep not in people)
    return {rep: f"{OUTSIDE_PREFIX} {i})" for i, rep in enumerate(owners, 1)}


def splits_within(splits: list[CreditSplit], people: set[str]) -> list[CreditSplit]:
    """The plan's credit splits as an extract of `people` states them: the owner of a `rep:` split outside
    them under their name in the extract (`outsiders`); everyone else outside named `OUTSIDE` (their shares
    summed) or, as overlays, left out, so a split still matches the sales it matches in the whole workbook
    and credits each of the people what it credits them there, the rest to nobody the extract pays
    (`model.credit`)."""
    from salesplan_widgets.model.credit import OUTSIDE

    owners = outsiders(splits, people)

    def named(name: str | None) -> str | None:
        return name if name is None or name in people else OUTSIDE

    def owner(name: str | None) -> str | None:
        return owners.get(name, name) if name is not None else None

    def summed(credit: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, share in credit.items():
            out[named(name)] = out.get(named(name), 0.0) + share
        return out

    def overlays(split: CreditSplit) -> dict[str, float]:  # credit beside the owners: others' is nobody's
        kept = {name: share for name, share in split.overlays.items() if name in people}
        return kept if kept or split.shares or not split.overlays else {OUTSIDE: 1.0}  # still a rule

    return [
        s.model_copy(update={"rep": owner(s.rep), "shares": summed(s.shares), "overlays": overlays(s)})
        for s in splits
    ]


def scope_people(scope: Scope, sellers: pd.DataFrame, plan: Plan) -> set[str]:
    """The people of a scope: its reps, or those of its teams that sell (`sellers`: each rep and team), and
    the managers the plan credits with its teams (`hierarchy`)."""
    managers = [(h.manager, h.team) for h in plan.incentives.hierarchy] if plan.incentives else []
    named = pd.concat([sellers, pd.DataFrame(managers, columns=["rep", "team"])], ignore_index=True)
    return set(named.loc[scope.mask(named).to_numpy(), "rep"].astype(str)) - {"all"} | set(scope.reps or ())


def _extract_plan(
    book: Workbook,
    scope: Scope,
    sales_columns: list[str],
    has_accounts: bool,
    people: set[str],
) -> dict:
    plan = book.plan
    wanted = role_dashboards(plan, scope.role)
    incentives = plan.incentives
    if incentives is not None and incentives.hierarchy:  # a manager outside the scope is not named in it
        managers = pd.DataFrame([(h.manager, h.team) for h in incentives.hierarchy], columns=["rep", "team"])
        shown = scope.mask(managers).to_numpy()
        kept = [h for h, keep in zip(incentives.hierarchy, shown, strict=True) if keep]
        incentives = incentives.model_copy(update={"hierarchy": kept})
    if incentives is not None and incentives.crediting:
        crediting = splits_within(incentives.crediting, people)
        incentives = incentives.model_copy(update={"crediting": crediting})
    sources = {
        "sales": {"path": "data/sales.parquet", "format": "parquet", "columns": {c: c for c in sales_columns}}
    }
    if has_accounts:
        # the potential is copied converted: no currency column
        accounts_columns = [c for c in plan.sources.accounts.columns if c != "currency"]
        sources["accounts"] = {"path": "data/accounts.csv", "columns": {c: c for c in accounts_columns}}
    if plan.sources.exchange_rates is not None:  # the sales are converted already: the rates say how
        sources["exchange_rates"] = {
            "path": RATES_FILE,
            "columns": {c: c for c in ("month", "currency", "rate")},
        }
    scoped = plan.model_copy(
        update={
            "access": None,
            "incentives": incentives,
            "sources": Sources.model_validate(sources),
            "reports": Reports(templates=[], dashboards=wanted),
        }
    )
    return scoped.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"access"})


def public_recognition(book: Workbook, cube: pd.DataFrame) -> str | None:
    """The company-wide recognition of the latest month: exactly what the plan's recognition rules make
    public (each leaderboard's top N, champions, badges), as report HTML; None without incentives."""
    if book.plan.incentives is None:
        return None
    from salesplan_widgets.errors import SalesplanError
    from salesplan_widgets.report.incentives import IncentivesReport

    month = str(cube["period"].max())
    try:
        section = str(IncentivesReport.open(book, month).leaderboard())
    except SalesplanError:
        return None
    return f"<!-- {month} -->\n{section}"


@dataclass(frozen=True)
class Whole:
    """What every scope's extract is cut from, read once per publication rather than once per scope."""

    targets: pd.DataFrame  # the targets in force, rep and team as text
    accounts: pd.DataFrame | None  # the account master, None without one
    statements: WholeStatements  # the cube's reps, the ledger's state and lines, the disputes
    counted: list  # `counted_facts`
    recognition: str | None  # `public_recognition`
    pay: pd.DataFrame | None  # the pay cube, when the plan splits credit (`others_split_credit`)
    rates: pd.DataFrame | None = None  # the monthly rates the sales were converted at (`monthly_rates`)
    # the sales by day, rep, team and the currency sold in, when the plan converts (each extract's table)
    by_currency: pd.DataFrame | None = None


def read_whole(book: Workbook, cube: pd.DataFrame | None = None) -> Whole:
    """Read the whole workbook's parts that extracts are cut from (`cube`: the workbook's, if read)."""
    from salesplan_widgets.workbook.targets import plan_targets

    cube = book.cube() if cube is None else cube
    targets, _saved = plan_targets(book, cube)
    as_text = {name: targets[name].astype(str) for name in ("rep", "team") if name in targets.columns}
    return Whole(
        targets=targets.assign(**as_text),  # a saved table may have no team: only rep is required
        accounts=book.accounts(),
        statements=whole_statements(book, cube, targets),
        counted=counted_facts(book),
        recognition=public_recognition(book, cube),
        pay=_split_pay_cube(book),
        rates=_monthly_rates(book),
        by_currency=daily_by_currency_of_people(book),
    )


def _monthly_rates(book: Workbook) -> pd.DataFrame | None:
    """The plan's monthly rates (month, currency, rate), when it converts at a rates file: every extract
    copies them, not the file, which may be a database holding every rep's sales too."""
    source = book.plan.sources.exchange_rates
    if source is None:
        return None
    from salesplan_widgets.workbook.currencies import rates_rows

    return pd.DataFrame(
        rates_rows(source, book.path, book.plan.currency), columns=["month", "currency", "rate"]
    )


def _split_pay_cube(book: Workbook) -> pd.DataFrame | None:
    """The whole workbook's pay cube, when its splits may credit a scope with others' sales."""
    if book.plan.incentives is None or not book.plan.incentives.crediting:
        return None
    from salesplan_widgets.workbook.payouts import incentives_of, pay_cube

    return pay_cube(book, incentives_of(book))


def write_extract(book: Workbook, scope: Scope, extracts: Path, whole: Whole | None = None) -> Path:
    """Write one scope's extract beside the others and switch `extracts/<user>` to it; return that link.
    `whole`: the workbook's parts read once (`read_whole`), when the caller writes several extracts."""
    from salesplan_widgets.workbook.payouts import incentives_of

    whole = read_whole(book) if whole is None else whole
    extracts.mkdir(parents=True, exist_ok=True)
    version = Path(tempfile.mkdtemp(prefix=f".{scope.user}.", dir=extracts))
    try:
        (version / "data").mkdir()
        sales_columns = _scoped_sales(book, scope, version / "data" / "sales.parquet")
        accounts = whole.accounts
        if accounts is not None:
            mapped = [c for c in book.plan.sources.accounts.columns if c != "currency"]
            accounts[scope.mask(accounts)][mapped].to_csv(version / "data" / "accounts.csv", index=False)
        if whole.rates is not None:  # company-wide, like the plan's fixed rates
            whole.rates.to_csv(version / RATES_FILE, index=False)
        targets = whole.targets
        scoped_targets = targets[scope.mask(targets)].assign(period=lambda t: t["period"].astype(str))
        (version / TABLES_DIR).mkdir()
        scoped_targets.to_csv(version / TABLES_DIR / "targets.csv", index=False, encoding="utf-8")
        copy_statements(book, scope, whole.statements, version)  # only the statements the scope may read
        people = scope_people(scope, whole.statements.sellers, book.plan)
        copy_ledger(scope, people, whole.statements, version)  # and only its people's paid lines
        plan = _extract_plan(book, scope, sales_columns, accounts is not None, people)
        _write_yaml(version / PLAN_FILE, plan)
        (version / SCOPE_FILE).write_text(json.dumps(scope.as_json(), ensure_ascii=False), encoding="utf-8")
        if whole.recognition is not None:
            (version / RECOGNITION_FILE).parent.mkdir()
            (version / RECOGNITION_FILE).write_text(whole.recognition, encoding="utf-8")
        extract = open_workbook(version)  # validates the copy and caches its cubes while root can write
        extract.cube()
        extract.cube(by_product=True)
        section = incentives_of(book)
        _keep_counted_facts(extract, scope, whole.counted, people, section)
        if whole.pay is not None:  # what others' splits credit its people (`within_extract`)
            _cached_split_credit(extract, others_split_credit(scope, people, section, whole.pay))
        if whole.by_currency is not None:  # its lines are copied converted: what they were sold in
            _keep_scope_by_currency(extract, scope, whole.by_currency)
        _restrict(version, _private_group(scope.user))
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    link = extracts / scope.user
    swap = extracts / f".{scope.user}.link"
    swap.unlink(missing_ok=True)
    swap.symlink_to(version.name)
    os.replace(swap, link)  # atomic: readers see the old extract or the new one
    _drop_old_versions(extracts, scope.user, keep=version)
    return link


def _keep_scope_by_currency(extract: Workbook, scope: Scope, by_currency: pd.DataFrame) -> None:
    """Keep in the extract's cache the scope's own sales by day and currency sold (the lines it was cut
    from, as `sales_by_currency` reads them), so its overview shows the table the analyst sees for them."""
    own = by_currency[scope.mask(by_currency)]
    daily = own.groupby(["period", "currency"], as_index=False, sort=True)[
        ["sold", "converted", "lines"]
    ].sum()
    keep_daily_by_currency(extract, daily.astype({"sold": float, "converted": float, "lines": "int64"}))


def counted_facts(book: Workbook) -> list[tuple[Callable, Callable, pd.DataFrame]]:
    """What the pay cube counts on the transactions (large deals and new accounts, cash collected, sales on
    won accounts) and the deals returned that the clawback recovers, counted once on the whole workbook for
    every extract: each as (its cached function, the function's arguments after the section given the
    section, the rows). Counted on an extract's own lines it would be wrong or impossible: an account
    another rep opened would look new and won by this one, a deal shared with another rep smaller than it
    is, and an extract holds no receipts."""
    if book.plan.incentives is None:
        return []
    from salesplan_widgets.model.credit import needs_accounts
    from salesplan_widgets.workbook.deals import cached_deal_facts
    from salesplan_widgets.workbook.payouts import incentives_of, needs_products
    from salesplan_widgets.workbook.receipts import cached_collections
    from salesplan_widgets.workbook.returns import deal_returns
    from salesplan_widgets.workbook.won_accounts import cached_won_sales

    def won(section) -> tuple:
        return (needs_products(section), *needs_accounts(section))

    section = incentives_of(book)
    facts = (
        (cached_deal_facts, lambda s: ()),
        (cached_collections, lambda s: ()),
        (cached_won_sales, won),
        (deal_returns, lambda s: (needs_products(s),)),
    )
    counted = []
    for cached, args in facts:
        rows = cached(book, section, *args(section))
        if rows is not None:
            counted.append((cached, args, rows))
    return counted


def _keep_counted_facts(
    extract: Workbook, scope: Scope, counted: list, people: set[str], whole: IncentivesSection
) -> None:
    """The `counted_facts` rows that credit the scope (returns too when the `whole` plan's splits credit its
    `people` with them), kept in the extract's cache for its pay cube and its clawbacks, naming only the
    scope's people (`named_within`)."""
    from salesplan_widgets.workbook.payouts import incentives_of

    section = incentives_of(extract)
    owners = outsiders(whole.crediting, people)
    for cached, args, rows in counted:  # asked as the extract asks
        keep = scope.credits(rows).to_numpy() | _split_returns(rows, whole, people)
        cached(extract, section, *args(section), counted=named_within(scope, rows[keep], owners))


def _split_returns(rows: pd.DataFrame, section: IncentivesSection, people: set[str]) -> np.ndarray:
    """Whether a split credits one of `people` with each returned deal (`deal_returns` rows, credited as
    the clawback credits them: as their sale was); all False for other rows."""
    from salesplan_widgets.model.credit import WON, credit_sales

    if "sold_rep" not in rows.columns or not section.crediting or rows.empty:
        return np.zeros(len(rows), dtype=bool)
    frame = rows.reset_index(drop=True)
    if "sale_won_by" in frame.columns:
        frame = frame.drop(columns=list(WON)).rename(columns=lambda c: c.removeprefix("sale_"))
    frame = frame.assign(actual=-frame["amount"].to_numpy(dtype=float), returned_row=np.arange(len(frame)))
    credited = credit_sales(frame, section)
    shared = (
        credited["credit"].isin(["split", "overlay"]).to_numpy()
        & credited["rep"].astype(str).isin(people).to_numpy()
    )
    return np.isin(np.arange(len(frame)), credited.loc[shared, "returned_row"].to_numpy())


def named_within(scope: Scope, rows: pd.DataFrame, owners: dict[str, str] | None = None) -> pd.DataFrame:
    """Counted rows with everyone outside the scope named `OUTSIDE`, or as `owners` (`outsiders`) names
    them: a booker, an account's winner (on a sale, on cash collected, on a returned deal's sale) and the
    rep a returned deal's kicker paid.

    Each is still credited as the whole workbook credits them, and nobody of the scope differently: a row
    booked outside on an account the scope won is the winner's (`within_extract` names it after the winner,
    `credit_sales` credits it once); a winner outside takes the booker's sale (`account_winner`), then the
    winner's own split may give some back, or is credited beside them (`overlay`); whoever is outside
    earned nothing in the extract, so nothing comes back from them, but a manager of the scope still gives
    back the override on the team's returns."""
    from salesplan_widgets.model.credit import NOT_WON, OUTSIDE

    rows = rows.reset_index(drop=True)
    for rep, team in (("rep", "team"), *PEOPLE):
        if rep not in rows.columns:
            continue
        outside = ~scope.named(rows, rep, team)
        if rep != "rep":  # a mark of nobody stays as it is
            outside &= ~rows[rep].astype(str).isin([NOT_WON, ""]).to_numpy()
        if outside.any():
            names = rows[rep].astype(str).to_numpy(copy=True)
            names[outside] = pd.Series(names[outside]).map(owners or {}).fillna(OUTSIDE).to_numpy()
            rows[rep] = names
    return rows


def _drop_old_versions(extracts: Path, user: str, keep: Path | None, count: int = _KEEP_VERSIONS - 1) -> None:
    versions = sorted(
        (p for p in extracts.glob(f".{user}.*") if p.is_dir() and not p.is_symlink()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in [v for v in versions if v != keep][count:]:
        shutil.rmtree(old, ignore_errors=True)


def publish(workbook: Workbook | str | Path, state: Path | None = None) -> dict[str, Path]:
    """Write every scope's extract (per the plan's `access` section); return user -> extract folder.

    Raises PlanError when the plan has no `access` section or names teams or reps the data does not.
    """
    book = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
    if book.plan.access is None:
        raise PlanError(
            Problem(
                file=str(book.path / PLAN_FILE),
                column="access",
                expected=_("an access section naming the hub's users and their roles"),
                fix=_(
                    "add access.users with each hub user's role (analyst, finance, manager or rep); see docs/serving.md"
                ),
            )
        )
    cube = book.cube()
    problems = access_problems(book.plan, cube, str(book.path / PLAN_FILE))
    if problems:
        raise PlanError(problems)
    extracts = (state or state_dir(book)) / EXTRACTS_DIR
    extracts.mkdir(parents=True, exist_ok=True)
    extracts.chmod(0o711)  # users reach their own extract by name; nobody may list the others
    whole = read_whole(book, cube)
    written = {scope.user: write_extract(book, scope, extracts, whole) for scope in scopes(book.plan)}
    for stale in _unlisted(extracts, written):  # users no longer in the plan: their access ends here
        stale.unlink()
        _drop_old_versions(extracts, stale.name, keep=None, count=0)
    return written


def _unlisted(extracts: Path, users: Iterable[str]) -> list[Path]:
    return [
        p for p in extracts.iterdir() if p.is_symlink() and not p.name.startswith(".") and p.name not in users
    ]


def publish_if_published(workbook: Workbook) -> dict[str, Path]:
    """Refresh the extracts after a period run, if the analyst publishes this workbook at all."""
    if workbook.plan.access is None or not (state_dir(workbook) / EXTRACTS_DIR).is_dir():
        return {}
    from salesplan_widgets.workbook.inbox import import_inbox

    import_inbox(workbook, state_dir(workbook))  # what signed-in users sent since the last publication
    return publish(workbook)

"""Who is credited with a sale: splits between owners, overlays beside them, and managers over their teams.

`credit_sales` turns the cube of booked sales into the cube of credited sales. Each row keeps its booking
figures and gains `credit` (how the row's rep came by it) and `credit_rule` (which hierarchy entry, or −1):

- `booked`: the rep's own sales, no rule touched them;
- `split`: an owner's share of a split sale (the owners' shares sum to 100%);
- `overlay`: a specialist credited beside the owners (extra: total credit may exceed 100% by design);
- `team`: a manager credited with a team member's sales, paid on the manager's own plan;
- `team_override`: the same, paid at the manager's override rate as a line of its own (these rows are not
  sales of the manager: they do not count towards the manager's quota);
- `won`: a new account's sales booked by another rep, credited to the rep who won the account instead
  (`account_winner`, for its first months);
- `won_overlay`: the same credited beside the booking rep, who keeps the sale (`account_winner.overlay`).

The winner's credit is given first, so the splits and the managers' team credit then treat it as the
winner's own sale (the pay cube marks those rows with `won_by`, see `with_won_accounts`). A scoped extract's
pay cube also brings rows already credited as a split or an overlay of a sale booked outside its scope
(`OTHERS_SHARE`): no split applies to them again.

Splits match on rep, account, deal, segment and channel (the first matching split wins); account and deal
need those columns in the cube (`workbook.cube.credit_slices`). A manager's team credit is taken from the
owners' sales (booked and split), never from overlays, and never from the manager's own sales. Pure pandas:
no files, no loops over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.schema.incentives import IncentivesSection

KINDS: tuple[str, ...] = ("booked", "split", "overlay", "team", "team_override", "won", "won_overlay")
# credit a statement shows beside the pay
CREDIT_LINES: tuple[str, ...] = ("split", "overlay", "team", "won", "won_overlay")
MEASURES: tuple[str, ...] = ("actual", "quantity", "lines")
OWNERS = ("booked", "split", "won")
EXTRA = ("overlay", "team", "won_overlay")  # credit beyond 100% of booked sales
WON = ("won_by", "won_team")  # the pay cube's mark on a new account's sales booked by another rep
NOT_WON = "all"  # the mark of every other row (as any column the rows' source does not have)
# Whoever a scoped extract does not name (workbook/publish.py) is called by a name of this prefix there, and
# credited nothing; the sales data may not name a rep so (workbook/sources.py refuses it), so no real rep is.
OUTSIDE_PREFIX = "(others"
OUTSIDE = "(others)"  # an extract's outsider whose own sales no split shares (all such are one)
# an extract's pay cube: the credit ('split', 'overlay') a row brings of a sale booked outside its scope,
# already credited as the whole workbook credits it (workbook/publish.py `others_split_credit`); 'all' else
OTHERS_SHARE = "others_share"
# what a credited row carries in proportion to its share: sales, and the cash and deal facts beside them
SHARED = ("actual", "quantity", "cost", "collected", "deal_sales", "deals", "new_logos")
OWN_FACTS = ("collected", "deal_sales", "deals", "new_logos")  # a rep's own: never a manager's team credit


def outside_name_expected() -> str:
    """What a rep's name must be, where the data or the plan names one with `OUTSIDE_PREFIX`."""
    return _(
        "a rep's name that does not start with '{prefix}' (a published extract's name for people it does not show)"
    ).format(prefix=OUTSIDE_PREFIX)


def needs_accounts(section: IncentivesSection) -> tuple[list[str], list[str]]:
    """The accounts and deals the plan's splits name (the cube must keep those apart)."""
    accounts = sorted({s.account for s in section.crediting if s.account is not None})
    deals = sorted({s.deal for s in section.crediting if s.deal is not None})
    return accounts, deals


def _missing(column: str, i: int) -> InputError:
    return InputError(
        Problem(
            file="plan.yaml",
            column=f"incentives.crediting[{i}].{column}",
            expected=_("sales with a {column} column for a split by {column}").format(column=column),
            fix=_(
                "map the {column} column under sources.sales.columns, or remove '{column}' from the split"
            ).format(column=column),
        )
    )


def _split_rule(cube: pd.DataFrame, section: IncentivesSection) -> np.ndarray:
    """Index of the first split matching each row (−1 where none does)."""
    rule = np.full(len(cube), -1)
    for i, split in reversed(list(enumerate(section.crediting))):  # few rules; earlier ones win
        match = (cube["credit"] != "won_overlay").to_numpy().copy()  # an overlay's credit is never split
        for column in ("rep", "account", "deal", "segment", "channel"):
            value = getattr(split, column)
            if value is None:
                continue
            if column not in cube.columns:
                raise _missing(column, i)
            match &= (cube[column] == value).to_numpy()
        rule[match] = i
    return rule


def _scaled(frame: pd.DataFrame, share: pd.Series | np.ndarray) -> pd.DataFrame:
    out = frame.copy()
    for column in SHARED:
        if column in out:
            out[column] = out[column].to_numpy(dtype=float) * np.asarray(share, dtype=float)
    return out


def credit_sales(cube: pd.DataFrame, section: IncentivesSection) -> pd.DataFrame:
    """The cube with every rep's credit: owners' splits, overlays beside them, managers over their teams.

    A cube that is already credited (it has a `credit` column) is returned as it is, so crediting happens
    once even when role plans pay it plan by plan.
    """
    if "credit" in cube.columns:
        return cube
    cube, shared = _shared_apart(cube.assign(credit="booked", credit_rule=-1))
    cube = _winner_credit(cube, section)
    if cube.empty or not (section.crediting or section.hierarchy):
        return _named(pd.concat([cube, *shared], ignore_index=True))
    rule = _split_rule(cube, section) if section.crediting else np.full(len(cube), -1)
    kept = cube[rule < 0]
    matched = cube[rule >= 0].assign(_rule=rule[rule >= 0])
    owners = pd.DataFrame(
        [(i, rep, share) for i, s in enumerate(section.crediting) for rep, share in s.shares.items()],
        columns=["_rule", "_to", "_share"],
    )
    overlays = pd.DataFrame(
        [(i, rep, share) for i, s in enumerate(section.crediting) for rep, share in s.overlays.items()],
        columns=["_rule", "_to", "_share"],
    )
    unsplit = np.array([not s.shares for s in section.crediting], dtype=bool)
    parts = [kept, *shared]
    if len(matched):
        stays = matched[unsplit[matched["_rule"].to_numpy()]]  # overlays only: the booking rep keeps 100%
        parts.append(stays.drop(columns="_rule"))
        for table, kind in ((owners, "split"), (overlays, "overlay")):
            rows = matched.merge(table, on="_rule")
            if len(rows):
                rows = _scaled(rows, rows["_share"]).assign(rep=rows["_to"], credit=kind)
                parts.append(rows.drop(columns=["_rule", "_to", "_share"]))
    credited = pd.concat(parts, ignore_index=True)
    return _named(pd.concat([credited, *_team_credit(credited, section)], ignore_index=True))


def _shared_apart(cube: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The rows an extract brings already credited (`OTHERS_SHARE`), apart, each as the credit it is; the
    rest to credit. No split applies to those again; managers' team credit does, as to any owner's."""
    if OTHERS_SHARE not in cube.columns:
        return cube, []
    kind = cube.pop(OTHERS_SHARE).astype(str).to_numpy()
    brought = kind != NOT_WON
    if not brought.any():
        return cube, []
    shared = cube[brought].drop(columns=[c for c in WON if c in cube.columns])  # as `_winner_credit` does
    return cube[~brought], [shared.assign(credit=kind[brought])]


def _named(credited: pd.DataFrame) -> pd.DataFrame:
    """The credit of everyone named: an extract's `OUTSIDE` share of a split (or of a sale, booked or won
    outside its scope: any name of `OUTSIDE_PREFIX`) is another person's, whom it does not pay, after its
    managers' team credit."""
    outside = credited["rep"].astype(str).str.startswith(OUTSIDE_PREFIX).to_numpy()
    return credited[~outside].reset_index(drop=True) if outside.any() else credited


def _winner_credit(cube: pd.DataFrame, section: IncentivesSection) -> pd.DataFrame:
    """The rows marked `won_by` credited to the account's winner (and the winner's team): instead of the
    booking rep, or, as an overlay, beside the booking rep who keeps the sale."""
    if "won_by" not in cube.columns:
        return cube
    won = ~cube["won_by"].fillna(NOT_WON).astype(str).isin([NOT_WON, ""]).to_numpy()
    rule = section.account_winner
    if not won.any() or rule is None or rule.months == 0:
        return cube.drop(columns=list(WON))
    taken = cube[won]
    moved = taken.assign(rep=taken["won_by"], credit="won_overlay" if rule.overlay else "won")
    if "team" in moved.columns:
        moved = moved.assign(team=moved["won_team"])
    # the winner is credited with the account's sales and the cash collected on them (both marked with the
    # winner in the pay cube), not the booker's large deals or new accounts
    moved = moved.assign(**{c: 0.0 for c in OWN_FACTS if c in moved.columns and c != "collected"})
    # a row booked by its own winner is a scoped extract's whose booker is outside it (workbook/publish.py
    # `within_extract`; a workbook's never are): its winner is credited once
    kept = taken[(taken["rep"].astype(str) != taken["won_by"].astype(str)).to_numpy()]
    parts = [cube[~won], kept, moved] if rule.overlay else [cube[~won], moved]
    return pd.concat(parts, ignore_index=True).drop(columns=list(WON))


def _team_credit(credited: pd.DataFrame, section: IncentivesSection) -> list[pd.DataFrame]:
    """Rows crediting each manager with the owners' sales of their team (not their own, not overlays)."""
    if not section.hierarchy:
        return []
    if "team" not in credited.columns:
        raise InputError(
            Problem(
                file="plan.yaml",
                column="incentives.hierarchy",
                expected=_("sales with a team column for team credit"),
                fix=_("map the team column under sources.sales.columns, or remove 'hierarchy'"),
            )
        )
    owners = credited[credited["credit"].isin(OWNERS)]
    parts = []
    for i, entry in enumerate(section.hierarchy):  # over the plan's few managers
        rows = owners[(owners["team"] == entry.team).to_numpy() & (owners["rep"] != entry.manager).to_numpy()]
        kind = "team" if entry.override_rate is None else "team_override"
        rows = rows.assign(rep=entry.manager, credit=kind, credit_rule=i)
        # a manager is credited with the team's sales, not its cash, its large deals or its new accounts
        rows = rows.assign(**{c: 0.0 for c in OWN_FACTS if c in rows.columns})
        parts.append(rows)
    return parts


def credit_summary(credited: pd.DataFrame) -> pd.DataFrame:
    """Per period: booked sales, credited sales (what the reps' plans pay on) and their ratio.

    Overlay and team credit make credited sales exceed booked sales; a team override is paid on booked
    sales too, but it is not credit towards anyone's quota, so it is left out of both.
    """
    frame = credited[credited["credit"] != "team_override"]
    booked = frame[frame["credit"].isin(OWNERS)].groupby("period", observed=True)["actual"].sum()
    total = frame.groupby("period", observed=True)["actual"].sum()
    out = pd.DataFrame({"booked": booked, "credited": total}).fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["credit_ratio"] = np.where(out["booked"] != 0, out["credited"] / out["booked"], np.nan)
    return out.reset_index()


def with_won_accounts(cube: pd.DataFrame, won: pd.DataFrame) -> pd.DataFrame:
    """The cube with new accounts' sales booked by other reps than their winners (`won`: the cube's rows
    plus `won_by` and `won_team`) kept apart: their totals leave the cube's rows and come back marked with
    the winner, for `credit_sales` to credit. The result adds up to the cube."""
    keys = [c for c in cube.columns if c not in (*MEASURES, "cost")]
    measures = [m for m in (*MEASURES, "cost") if m in cube.columns and m in won.columns]
    won = won.assign(
        **{c: NOT_WON for c in ("account", "deal") if c in cube.columns and c not in won.columns}
    )
    rest = cube.merge(won.groupby(keys, observed=True, as_index=False)[measures].sum(), on=keys, how="left",
                      suffixes=("", "_taken"))  # fmt: skip
    for m in measures:
        rest[m] = (rest[m] - rest.pop(f"{m}_taken").fillna(0)).astype(cube[m].dtype)
    rest = rest[(rest[measures[0]] != 0) | (rest.get("lines", 0) != 0)].assign(
        won_by=NOT_WON, won_team=NOT_WON
    )
    return pd.concat([rest, won[[*keys, *WON, *measures]]], ignore_index=True)


def with_slices(cube: pd.DataFrame, slices: pd.DataFrame) -> pd.DataFrame:
    """The cube with the sales of named accounts and deals (`slices`, the cube's rows plus `account` and
    `deal`) kept apart: their totals leave the cube's rows and come back as rows of their own.

    The result adds up to the cube: nothing is counted twice and nothing lost.
    """
    keys = [c for c in cube.columns if c not in (*MEASURES, "cost")]
    measures = [m for m in (*MEASURES, "cost") if m in cube.columns and m in slices.columns]
    if slices.empty:
        return cube.assign(account="all", deal="all")
    taken = slices.groupby(keys, observed=True, as_index=False)[measures].sum()
    rest = cube.merge(taken, on=keys, how="left", suffixes=("", "_taken"))
    for m in measures:
        rest[m] = (rest[m] - rest.pop(f"{m}_taken").fillna(0)).astype(cube[m].dtype)
    rest = rest.assign(account="all", deal="all")
    rest = rest[(rest[measures[0]] != 0) | (rest.get("lines", 0) != 0)]
    return pd.concat([rest, slices[[*keys, "account", "deal", *measures]]], ignore_index=True)

"""Re-planning: spread what is still needed over the months and reps left, and turn events into quota changes.

`replan` keeps every closed month as it was (reps were paid on it) and distributes the rest of the goal —
goal minus the actual already closed — over the remaining months by seasonality and over reps by capacity
or potential, honouring locked cells, rounded so the parts sum exactly to the whole (largest remainder in
the currency's minor unit). Events (a rep leaves or joins, an account or territory moves, a market shock)
each give a new targets table and a documented effect on every quota. `period_review` is the end-of-period
look back by segment, channel and rep. Pure functions on DataFrames: no files, no widgets, no loops over reps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.model.calendar import FiscalCalendar, period_like
from salesplan_widgets.model.tracking import DIMENSIONS

CELL: tuple[str, ...] = ("period", "rep", "team", "territory", "segment", "channel")


def _cell(frame: pd.DataFrame) -> list[str]:
    return ["period"] + [d for d in DIMENSIONS if d in frame.columns]


def allocate_exact(
    weights: pd.Series | np.ndarray,
    groups: pd.Series | np.ndarray,
    totals: pd.Series | np.ndarray,
    digits: int = 2,
) -> np.ndarray:
    """Split each group's total over its rows in proportion to `weights`, rounded so each group sums exactly.

    `totals` is per row (the total of the row's group, repeated). Rows of a group whose weights are all 0
    share equally. Largest remainder in units of 10^-digits.
    """
    weights = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    totals = np.asarray(totals, dtype=float)
    frame = pd.DataFrame({"g": np.asarray(groups), "w": weights, "one": 1.0})
    sum_w = frame.groupby("g", sort=False)["w"].transform("sum").to_numpy()
    count = frame.groupby("g", sort=False)["one"].transform("sum").to_numpy()
    share = np.where(sum_w > 0, weights / np.where(sum_w > 0, sum_w, 1.0), 1.0 / count)
    scale = 10.0**digits
    raw = totals * scale * share
    floors = np.floor(raw + 1e-7)
    frame["floor"] = floors
    frame["rem"] = raw - floors
    group_total = np.round(totals * scale)
    short = group_total - frame.groupby("g", sort=False)["floor"].transform("sum").to_numpy()
    rank = frame.groupby("g", sort=False)["rem"].rank(method="first", ascending=False).to_numpy()
    extra = (rank <= short).astype(float)
    return (floors + extra) / scale


def quota_effect(before: pd.DataFrame, after: pd.DataFrame, by: Sequence[str] = ("rep",)) -> pd.DataFrame:
    """Every quota before and after a change: by + before, after, change, change_pct (largest change first)."""
    by = list(by)
    b = before.groupby(by, observed=True)["target"].sum().rename("before")
    a = after.groupby(by, observed=True)["target"].sum().rename("after")
    effect = pd.concat([b, a], axis=1).fillna(0.0)
    effect["change"] = (effect["after"] - effect["before"]).round(6)
    effect["change_pct"] = effect["change"] / effect["before"].where(effect["before"] != 0)
    effect = effect.reset_index()
    order = np.argsort(-effect["change"].abs().to_numpy(), kind="stable")
    return effect.iloc[order].reset_index(drop=True)


# -- re-plan ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Replan:
    """A proposed revision: the full targets table and how it was reached."""

    targets: pd.DataFrame
    goal: float
    closed_actual: float
    remaining_goal: float
    locked: float
    effect: pd.DataFrame = field(repr=False)


def _locked_mask(frame: pd.DataFrame, locks: pd.DataFrame | None) -> np.ndarray:
    """Rows matching any lock row (a lock names some of the cell's columns, e.g. rep, or rep + period)."""
    if locks is None or locks.empty:
        return np.zeros(len(frame), dtype=bool)
    keys = [c for c in locks.columns if c in frame.columns]
    marked = locks[keys].drop_duplicates().assign(_locked=True)
    return frame[keys].merge(marked, on=keys, how="left")["_locked"].fillna(False).to_numpy(dtype=bool)


def replan(
    targets: pd.DataFrame,
    actuals: pd.DataFrame,
    last_closed: pd.Period,
    goal: float | None = None,
    seasonality: pd.Series | None = None,
    rep_weights: pd.Series | None = None,
    locks: pd.DataFrame | None = None,
    digits: int = 2,
    scope: Mapping[str, str] | None = None,
    periods: Sequence[pd.Period] | pd.PeriodIndex | None = None,
) -> Replan:
    """Redistribute what is still needed over the months after `last_closed`::

      remaining goal = goal − actual of the closed months (goal defaults to the targets' total)
      cell weight    = month share × rep share × the cell's share of its rep-month in the current targets

    where the month share comes from `seasonality` (period → weight) or the current targets, and the rep
    share from `rep_weights` (rep → capacity or potential) or the current targets. Locked cells keep
    their target; the rest share remaining goal − locked, rounded exactly (never below zero).

    `scope` (e.g. {"team": "North"}) re-plans only the cells it names: the goal, the closed actual and the
    spread are that team's, and every other cell keeps its target to the cent.

    `periods` (the goal in force's own periods) re-plans that goal only: a targets table may also hold
    another year (the one before a rollover, or one made by hand). Its goal defaults to those periods'
    targets, only their closed actual counts, and every period outside keeps its targets to the cent.
    """
    if periods is not None:
        return _replan_periods(
            targets, actuals, last_closed, goal, seasonality, rep_weights, locks, digits, scope, periods
        )
    if scope:
        return _replan_scope(
            targets, actuals, last_closed, goal, seasonality, rep_weights, locks, digits, scope
        )
    last_closed = period_like(last_closed, targets["period"])
    cell = _cell(targets)
    targets = targets.groupby(cell, observed=True, as_index=False)["target"].sum()
    goal = float(targets["target"].sum()) if goal is None else float(goal)
    closed = targets["period"] <= last_closed
    horizon = targets["period"].unique()
    closed_periods = [p for p in horizon if p <= last_closed]
    closed_actual = float(actuals.loc[actuals["period"].isin(closed_periods), "actual"].sum())
    remaining = targets.loc[~closed].reset_index(drop=True)
    if remaining.empty:
        raise InputError(
            Problem(
                file="tables/targets.csv",
                column="period",
                expected=_("months after {period} to re-plan").format(period=last_closed),
                fix=_("pick an earlier last closed month, or extend the targets"),
            )
        )
    locked = _locked_mask(remaining, locks)
    remaining_goal = max(goal - closed_actual, 0.0)
    locked_total = float(remaining.loc[locked, "target"].sum())
    to_spread = max(remaining_goal - locked_total, 0.0)

    open_cells = remaining.loc[~locked]
    base = open_cells["target"].clip(lower=0)
    month_base = base.groupby(open_cells["period"]).sum()
    if seasonality is not None:
        month_base = pd.Series(seasonality, dtype=float).reindex(month_base.index).fillna(0.0)
    rep_base = base.groupby(open_cells["rep"]).sum()
    if rep_weights is not None:
        rep_base = pd.Series(rep_weights, dtype=float).reindex(rep_base.index).fillna(0.0)
    month_share = (
        (month_base / month_base.sum()) if month_base.sum() > 0 else month_base * 0 + 1 / len(month_base)
    )
    rep_share = (rep_base / rep_base.sum()) if rep_base.sum() > 0 else rep_base * 0 + 1 / len(rep_base)
    rep_month = base.groupby([open_cells["period"], open_cells["rep"]]).transform("sum")
    rep_month_cells = base.groupby([open_cells["period"], open_cells["rep"]]).transform("size")
    within = np.where(rep_month > 0, base / rep_month.where(rep_month > 0, 1.0), 1.0 / rep_month_cells)
    weight = (
        open_cells["period"].map(month_share).to_numpy(dtype=float)
        * open_cells["rep"].map(rep_share).to_numpy(dtype=float)
        * within
    )
    new = allocate_exact(weight, np.zeros(len(open_cells)), np.full(len(open_cells), to_spread), digits)
    remaining.loc[~locked, "target"] = new
    revised = pd.concat([targets.loc[closed], remaining], ignore_index=True)
    revised = revised.sort_values(cell, kind="stable").reset_index(drop=True)
    return Replan(
        targets=revised,
        goal=goal,
        closed_actual=closed_actual,
        remaining_goal=remaining_goal,
        locked=locked_total,
        effect=quota_effect(targets, revised, ["rep"]),
    )


def _in_scope(frame: pd.DataFrame, scope: Mapping[str, str]) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in scope.items():
        mask &= frame[column].astype(str).to_numpy() == str(value)
    return mask


def _replan_scope(
    targets, actuals, last_closed, goal, seasonality, rep_weights, locks, digits, scope
) -> Replan:
    """`replan` of the cells in `scope` only; the cells outside are returned unchanged."""
    unknown = [
        (column, value)
        for column, value in scope.items()
        if column not in targets.columns or str(value) not in set(targets[column].astype(str))
    ]
    if unknown:
        raise InputError(
            [
                Problem(
                    file="tables/targets.csv",
                    column=column,
                    expected=_("a {column} that has targets").format(column=column),
                    found=str(value),
                    fix=_("pick a {column} from the targets table, or re-plan everyone").format(
                        column=column
                    ),
                )
                for column, value in unknown
            ]
        )
    inside = _in_scope(targets, scope)
    actual_columns = [c for c in scope if c in actuals.columns]
    own_actuals = actuals[_in_scope(actuals, {c: scope[c] for c in actual_columns})]
    part = replan(targets[inside], own_actuals, last_closed, goal, seasonality, rep_weights, locks, digits)
    return _beside_the_rest(targets, inside, part)


def _beside_the_rest(targets: pd.DataFrame, inside: np.ndarray, part: Replan) -> Replan:
    """`part` (the re-plan of `targets[inside]`) with every other cell's targets kept to the cent."""
    cell = _cell(targets)
    outside = targets[~inside].groupby(cell, observed=True, as_index=False)["target"].sum()
    revised = pd.concat([outside, part.targets], ignore_index=True)
    return replace(part, targets=revised.sort_values(cell, kind="stable").reset_index(drop=True))


def _replan_periods(
    targets, actuals, last_closed, goal, seasonality, rep_weights, locks, digits, scope, periods
) -> Replan:
    """`replan` of the goal's own periods only; the periods outside are returned unchanged."""
    own = pd.PeriodIndex(targets["period"]).isin(pd.PeriodIndex(periods))
    if not own.any():
        raise InputError(
            Problem(
                file="tables/targets.csv",
                column="period",
                expected=_("targets for the goal's periods ({first} – {last})").format(
                    first=min(periods), last=max(periods)
                ),
                fix=_("split the goal into targets with the task splitter, then re-plan"),
            )
        )
    part = replan(targets[own], actuals, last_closed, goal, seasonality, rep_weights, locks, digits, scope)
    return _beside_the_rest(targets, own, part)


def last_closed(period: pd.Period, as_of: dt.date) -> pd.Period:
    """The last period whose results are final on `as_of`: `period` once it has ended, else the one before.

    A re-plan keeps what closed periods sold and spreads the rest over the open ones.
    """
    return period if as_of >= period.end_time.date() else period - 1


def recent_sales_weights(actuals: pd.DataFrame, last_closed: pd.Period, months: int = 12) -> pd.Series:
    """Each rep's sales over the `months` up to `last_closed` (never below zero; at a weekly grain the
    weeks spanning those months): a capacity proxy for `replan(rep_weights=...)` when no potential is known."""
    last_closed = period_like(last_closed, actuals["period"])
    span = FiscalCalendar.of(None, last_closed).periods_for_months(months)
    recent = actuals[actuals["period"].between(last_closed - (span - 1), last_closed)]
    return recent.groupby("rep", observed=True)["actual"].sum().clip(lower=0.0).rename("weight")


# -- events -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RepLeaves:
    """A rep leaves from a month on: their quota goes to a successor, or is spread over their team mates."""

    rep: str
    effective_from: pd.Period
    successor: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class RepJoins:
    """A rep joins a team: an average team mate's quota × ramp, taken from the team (team total unchanged)
    or added on top (`from_team=False`)."""

    rep: str
    team: str
    effective_from: pd.Period
    territory: str | None = None
    ramp: float = 1.0
    from_team: bool = True
    reason: str = ""


@dataclass(frozen=True)
class QuotaMove:
    """An account or territory moves: `share` of a rep's quota (optionally one segment/channel) to another."""

    from_rep: str
    to_rep: str
    effective_from: pd.Period
    share: float = 1.0
    segment: str | None = None
    channel: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class MarketShock:
    """The market moves: matching quotas × factor from a month on (e.g. 0.8 for a 20% drop)."""

    factor: float
    effective_from: pd.Period
    through: pd.Period | None = None
    segment: str | None = None
    channel: str | None = None
    team: str | None = None
    territory: str | None = None
    reason: str = ""


Event = RepLeaves | RepJoins | QuotaMove | MarketShock


@dataclass(frozen=True)
class QuotaChange:
    """An event applied: the new targets, a sentence saying what changed, and its effect on every quota."""

    event: Event
    targets: pd.DataFrame
    description: str
    effect: pd.DataFrame = field(repr=False)


def _unknown_rep(rep: str, what: str) -> InputError:
    return InputError(
        Problem(
            file="tables/targets.csv",
            column="rep",
            expected=_("a rep who has targets ({what})").format(what=what),
            found=rep,
            fix=_("check the spelling against the targets table"),
        )
    )


def _from(frame: pd.DataFrame, period: pd.Period) -> pd.Series:
    return frame["period"] >= period_like(period, frame["period"])


def _combine(frame: pd.DataFrame) -> pd.DataFrame:
    cell = _cell(frame)
    out = frame.groupby(cell, observed=True, as_index=False)["target"].sum()
    return out.sort_values(cell, kind="stable").reset_index(drop=True)


def _move(targets: pd.DataFrame, mask: pd.Series, to_rep: str, share: float, digits: int) -> pd.DataFrame:
    moved = np.round(targets.loc[mask, "target"].to_numpy() * share, digits)
    left = targets.copy()
    left.loc[mask, "target"] = np.round(left.loc[mask, "target"].to_numpy() - moved, digits)
    incoming = targets.loc[mask].copy()
    incoming["target"] = moved
    incoming["rep"] = to_rep
    home = targets[targets["rep"] == to_rep].iloc[0]
    for d in ("team", "territory"):
        if d in incoming.columns:
            incoming[d] = home[d]
    return _combine(pd.concat([left, incoming], ignore_index=True))


def _spread_over_team(
    targets: pd.DataFrame, mask: pd.Series, team: str, sign: float, digits: int
) -> pd.DataFrame:
    """Give (sign=+1) or take (sign=−1) the masked rows' amounts to/from the team mates' matching cells."""
    keys = ["period"] + [d for d in ("segment", "channel") if d in targets.columns]
    source = targets.loc[mask].groupby(keys, observed=True)["target"].sum().rename("amount")
    mates = (targets["team"] == team) & ~mask if "team" in targets.columns else ~mask
    mates = mates & targets.set_index(keys).index.isin(source.index)
    share_rows = targets.loc[mates]
    group = share_rows.groupby(keys, observed=True, sort=False).ngroup()
    totals = share_rows.set_index(keys).index.map(source).to_numpy(dtype=float)
    parts = allocate_exact(share_rows["target"].to_numpy(), group.to_numpy(), totals, digits)
    out = targets.copy()
    out.loc[mates, "target"] = np.round(out.loc[mates, "target"].to_numpy() + sign * parts, digits)
    return out


def apply_event(targets: pd.DataFrame, event: Event, digits: int = 2) -> QuotaChange:
    """Apply one event to a targets table; the result says what changed for every rep."""
    targets = _combine(targets)
    reps = set(targets["rep"])
    if isinstance(event, QuotaMove):
        for rep in (event.from_rep, event.to_rep):
            if rep not in reps:
                raise _unknown_rep(rep, _("quota move"))
        mask = (targets["rep"] == event.from_rep) & _from(targets, event.effective_from)
        for d in ("segment", "channel"):
            if getattr(event, d) is not None:
                mask &= targets[d] == getattr(event, d)
        after = _move(targets, mask, event.to_rep, event.share, digits)
        text = _("{share} of {source}'s quota from {period} moves to {target}").format(
            share=f"{event.share:.0%}",
            source=event.from_rep,
            period=event.effective_from,
            target=event.to_rep,
        )
    elif isinstance(event, RepLeaves):
        if event.rep not in reps:
            raise _unknown_rep(event.rep, _("leaving rep"))
        mask = (targets["rep"] == event.rep) & _from(targets, event.effective_from)
        if event.successor:
            if event.successor not in reps:
                raise _unknown_rep(event.successor, _("successor"))
            after = _move(targets, mask, event.successor, 1.0, digits)
            text = _("{rep} leaves from {period}; the quota goes to {successor}").format(
                rep=event.rep, period=event.effective_from, successor=event.successor
            )
        else:
            team = targets.loc[targets["rep"] == event.rep, "team"].iloc[0]
            after = _spread_over_team(targets, mask, team, +1.0, digits)
            text = _("{rep} leaves from {period}; the quota is spread over the {team} team").format(
                rep=event.rep, period=event.effective_from, team=team
            )
        after = _combine(after[~((after["rep"] == event.rep) & _from(after, event.effective_from))])
    elif isinstance(event, RepJoins):
        if not event.rep.strip() or event.rep in reps:
            raise InputError(
                Problem(
                    file="tables/targets.csv",
                    column="rep",
                    expected=_("the name of a rep who has no targets yet"),
                    found=event.rep,
                    fix=_("type the new rep's name as it will appear in the sales data"),
                )
            )
        team_rows = targets[(targets["team"] == event.team) & _from(targets, event.effective_from)]
        if team_rows.empty:
            raise InputError(
                Problem(
                    file="tables/targets.csv",
                    column="team",
                    expected=_("a team with targets from {period}").format(period=event.effective_from),
                    found=event.team,
                    fix=_("check the team name against the targets table"),
                )
            )
        keys = ["period"] + [d for d in ("segment", "channel") if d in targets.columns]
        per_rep = team_rows.groupby(keys, observed=True)["target"].sum() / team_rows["rep"].nunique()
        new_rows = per_rep.mul(event.ramp).round(digits).rename("target").reset_index()
        new_rows["rep"] = event.rep
        new_rows["team"] = event.team
        if "territory" in targets.columns:
            new_rows["territory"] = event.territory or team_rows["territory"].iloc[0]
        if event.from_team:
            joined = pd.concat([targets, new_rows[targets.columns]], ignore_index=True)
            newcomer = np.r_[np.zeros(len(targets), dtype=bool), np.ones(len(new_rows), dtype=bool)]
            after = _spread_over_team(
                joined, pd.Series(newcomer, index=joined.index), event.team, -1.0, digits
            )
        else:
            after = pd.concat([targets, new_rows[targets.columns]], ignore_index=True)
        after = _combine(after)
        text = _("{rep} joins {team} from {period} at {ramp} of an average quota").format(
            rep=event.rep, team=event.team, period=event.effective_from, ramp=f"{event.ramp:.0%}"
        )
    elif isinstance(event, MarketShock):
        mask = _from(targets, event.effective_from)
        if event.through is not None:
            mask &= targets["period"] <= period_like(event.through, targets["period"])
        for d in ("segment", "channel", "team", "territory"):
            if getattr(event, d) is not None and d in targets.columns:
                mask &= targets[d] == getattr(event, d)
        after = targets.copy()
        after.loc[mask, "target"] = np.round(after.loc[mask, "target"].to_numpy() * event.factor, digits)
        text = _("Market shock from {period}: matching quotas × {factor}").format(
            period=event.effective_from, factor=f"{event.factor:g}"
        )
    else:
        raise TypeError(f"unknown event {event!r}")
    if getattr(event, "reason", ""):
        text += " — " + event.reason
    return QuotaChange(event=event, targets=after, description=text, effect=quota_effect(targets, after))


# -- review -----------------------------------------------------------------------------------------------
def period_review(
    frame: pd.DataFrame,
    first: pd.Period,
    last: pd.Period,
    dimensions: Sequence[str] = ("segment", "channel", "rep"),
    met_at: float = 1.0,
) -> pd.DataFrame:
    """What worked and what fell short over [first, last]: per dimension and member, target, actual,
    attainment, gap, verdict ('exceeded' ≥ met_at + 10 pts, 'met' ≥ met_at, 'short', or 'no target'),
    best first.

    A `strategy` column in `frame` (e.g. a campaign tag) is reviewed like any other dimension.
    """
    inside = frame[
        frame["period"].between(period_like(first, frame["period"]), period_like(last, frame["period"]))
    ]
    dims = [d for d in dimensions if d in inside.columns]
    if "strategy" in inside.columns and "strategy" not in dims:
        dims.append("strategy")
    parts = []
    for dimension in dims:  # a handful of dimensions, never reps
        g = inside.groupby(dimension, observed=True, as_index=False)[["target", "actual"]].sum()
        parts.append(g.rename(columns={dimension: "member"}).assign(dimension=dimension))
    review = pd.concat(parts, ignore_index=True)
    review["gap"] = review["actual"] - review["target"]
    review["attainment"] = review["actual"] / review["target"].where(review["target"] > 0)
    review["verdict"] = np.select(
        [review["target"] <= 0, review["attainment"] >= met_at + 0.1, review["attainment"] >= met_at],
        ["no target", "exceeded", "met"],
        "short",
    )
    review = review.sort_values(["dimension", "attainment"], ascending=[True, False], kind="stable")
    return review[["dimension", "member", "target", "actual", "gap", "attainment", "verdict"]].reset_index(
        drop=True
    )

"""Holdbacks: part of each period's commission held back and released at the fiscal quarter's or year's end.

Each period a positive commission (with its clawbacks) has `share` of it held back (a negative line); in the
last month of the fiscal quarter or year everything held is released (a positive line) and nothing is held
that month. A rep who has left (a relief `left` date by the period's end) is held nothing more, and what is
held is paid out or forfeited, as the plan says; a forfeit is a line of 0 whose base is the amount forfeited,
so the ledger shows it without paying it. The held balance is the ledger's sum of these lines. Pure: frames
in, frames out; minor units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesplan_widgets.i18n import _, minor_unit
from salesplan_widgets.model.ledger_lines import ledger_lines, no_lines
from salesplan_widgets.schema.incentives import Holdback

HOLDBACK, RELEASE, FORFEIT = "holdback", "holdback_release", "holdback_forfeit"
KINDS = (HOLDBACK, RELEASE, FORFEIT)


def holdback_rules() -> dict[str, str]:
    """Each holdback line's statement text in the active language."""
    return {
        HOLDBACK: _("Holdback: part of this period's commission held back until the quarter or year end"),
        RELEASE: _("Holdback release: commission held back earlier, paid now"),
        FORFEIT: _("Holdback forfeited on leaving, as the plan says"),
    }


def held_balance(settled: pd.DataFrame, currency: str) -> pd.Series:
    """Per rep, the commission held back and not yet released or forfeited (minor units)."""
    if settled.empty or "kind" not in settled.columns:
        return pd.Series(dtype=np.int64, name="held")
    lines = settled[settled["kind"].isin(KINDS)]
    forfeited = np.round(lines["base"].astype(float).fillna(0.0) * 10 ** minor_unit(currency)).astype(
        np.int64
    )
    moved = np.where(lines["kind"] == FORFEIT, forfeited, lines["amount_minor"].astype(np.int64))
    return (-pd.Series(moved, index=lines["rep"].to_numpy())).groupby(level=0).sum().astype(np.int64)


def releases_in(period: pd.Period, rule: Holdback, fiscal_year_start: int = 1) -> bool:
    """Whether `period` is the last month of a fiscal quarter (or year, as the rule says)."""
    length = 3 if rule.release == "quarter" else 12
    return ((period.month - fiscal_year_start) % 12 + 1) % length == 0


def holdback_lines(
    rule: Holdback,
    period: pd.Period,
    commission: pd.Series,
    balance: pd.Series,
    leavers: set[str],
    teams: pd.Series,
    currency: str,
    fiscal_year_start: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The period's holdback, release and forfeit lines, and each rep's held balance before and after.

    Held = round(share × max(commission, 0)) unless the period releases or the rep has left; released = the
    balance plus nothing new at a release, or on leaving when the plan pays; forfeited = the balance on
    leaving when it does not.
    """
    reps = pd.Index(commission.index).union(balance[balance > 0].index).unique()
    if reps.empty:
        return no_lines(), pd.DataFrame(columns=["rep", "account", "before_minor", "after_minor"])
    earned = commission.reindex(reps).fillna(0).astype(np.int64)
    before = balance.reindex(reps).fillna(0).astype(np.int64)
    left = reps.isin(list(leavers))
    release_now = releases_in(period, rule, fiscal_year_start)
    held = np.where(left | release_now, 0, np.round(rule.share * earned.clip(lower=0))).astype(np.int64)
    paid_out = np.where((release_now & ~left) | (left & (rule.on_leaving == "pay")), before, 0)
    forfeited = np.where(left & (rule.on_leaving == "forfeit"), before, 0)
    after = before.to_numpy() + held - paid_out - forfeited
    rules = holdback_rules()
    scale = 10 ** minor_unit(currency)
    frames = []
    for kind, amount, base, keep in (
        (HOLDBACK, -held, earned.to_numpy(), held > 0),
        (RELEASE, paid_out, before.to_numpy(), paid_out > 0),
        (FORFEIT, np.zeros(len(reps), dtype=np.int64), forfeited, forfeited > 0),
    ):  # three kinds of line, each a vectorised selection over reps
        names = reps[keep].astype(str)
        frames.append(
            ledger_lines(
                kind,
                period=period,
                rep=names,
                team=teams.reindex(names).fillna("all").astype(str).to_numpy(),
                rule=rules[kind],
                base=base[keep] / scale,  # commission held from; balance released or forfeited
                rate=rule.share if kind == HOLDBACK else np.nan,
                reference=after[keep] / scale,  # the held balance after the line
                amount_minor=amount[keep],
            )
        )
    lines = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    balances = pd.DataFrame(
        {
            "rep": reps.astype(str),
            "account": HOLDBACK,
            "before_minor": before.to_numpy(),
            "after_minor": after,
        }
    )
    keep = (balances["before_minor"] != 0) | (balances["after_minor"] != 0)
    return lines, balances[keep.to_numpy()].reset_index(drop=True)


def leavers_by(relief: list, period: pd.Period) -> set[str]:
    """Reps whose latest relief entry by the period's end says they left (a later `joined` means back)."""
    end = period.end_time.date()
    latest: dict[str, tuple] = {}
    for entry in relief:  # a handful of relief entries
        for day, leaving in ((entry.joined, False), (entry.left, True)):
            if day is not None and day <= end and (entry.rep not in latest or day >= latest[entry.rep][0]):
                latest[entry.rep] = (day, leaving)
    return {rep for rep, (_day, leaving) in latest.items() if leaving}

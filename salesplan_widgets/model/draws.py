"""Draws against commission and guarantees: what a rep is topped up to, and what is recovered later.

In each measurement period of a draw's window the rep is paid at least the draw: when the period's
commission (its own lines and prior-period adjustments) falls short, the difference is paid as a top-up. A
recoverable draw's top-up is an advance that adds to the rep's draw balance; a non-recoverable draw (a
guarantee) is never recovered. A balance is recovered from commission above the draw (above nothing once the
window is over), at most the plan's `recovery_cap` a period, so in the window the rep still takes home the
draw. A role plan's draws apply to every rep on the plan in the months they are on it (`draws_of`), a
rep's own draw winning in the months it covers. Balances live in the ledger (the sum of draw and recovery lines), never in a separate store. Pure:
frames in, frames out, money in integer minor units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesplan_widgets.i18n import _, minor_unit
from salesplan_widgets.model.ledger_lines import ledger_lines
from salesplan_widgets.schema.incentives import Draw, IncentivesSection

DRAW, GUARANTEE, DRAW_RECOVERY = "draw", "guarantee", "draw_recovery"
KINDS = (DRAW, GUARANTEE, DRAW_RECOVERY)
BALANCE_COLUMNS = ["rep", "account", "before_minor", "after_minor"]


def draw_rules() -> dict[str, str]:
    """Each draw line's statement text in the active language (kinds are stored, so any language renders)."""
    return {
        DRAW: _("Recoverable draw: advance up to the draw, recovered from later commission"),
        GUARANTEE: _("Guarantee (non-recoverable draw): top-up to the guaranteed amount, not recovered"),
        DRAW_RECOVERY: _("Draw recovery: an earlier advance repaid from this period's commission"),
    }


def draw_balance(settled: pd.DataFrame) -> pd.Series:
    """Per rep, the draw advances not yet recovered (minor units): the sum of their draw and recovery lines."""
    if settled.empty or "kind" not in settled.columns:
        return pd.Series(dtype=np.int64, name="balance")
    lines = settled[settled["kind"].isin([DRAW, DRAW_RECOVERY])]
    return lines.groupby("rep")["amount_minor"].sum().astype(np.int64).rename("balance")


def draws_of(section: IncentivesSection) -> list[Draw]:
    """Every rep's draws: their own (`incentives.draws`), and their role plan's in the other months they are
    assigned to it (any day of the month on the plan counts; a later assignment wins a shared month).

    A role draw is cut into one draw per run of months a rep holds it, so each keeps its own terms.
    """
    own = list(section.draws)
    months: dict[tuple[str, str], Draw] = {}  # (rep, YYYY-MM) -> the role draw in force
    plans = {p.id: p for p in section.plans if p.draws}
    for a in sorted(section.assignments, key=lambda a: a.start or pd.Timestamp.min.date()):  # a few reps
        for draw in plans[a.plan].draws if a.plan in plans else []:
            first = max(draw.start, a.start.strftime("%Y-%m")) if a.start else draw.start
            last = min(draw.end, a.end.strftime("%Y-%m")) if a.end else draw.end
            for month in pd.period_range(first, last, freq="M") if first <= last else []:
                months[(a.rep, str(month))] = draw
    covered = {(d.rep, str(m)) for d in own for m in pd.period_range(d.start, d.end, freq="M")}
    runs: list[Draw] = []
    for (rep, month), draw in sorted(months.items()):
        if (rep, month) in covered:
            continue
        last = runs[-1] if runs else None
        if last is not None and last.rep == rep and _same_terms(last, draw) and _next(last.end) == month:
            runs[-1] = last.model_copy(update={"end": month})
        else:
            runs.append(Draw.model_validate(draw.model_dump() | {"rep": rep, "start": month, "end": month}))
    return own + runs


def _next(month: str) -> str:
    return str(pd.Period(month, "M") + 1)


def _same_terms(draw: Draw, role_draw: Draw) -> bool:
    keys = ("kind", "amount", "recovery_cap", "reason")
    return all(getattr(draw, k) == getattr(role_draw, k) for k in keys)


def draws_in_force(draws: list[Draw], period: pd.Period, currency: str) -> pd.DataFrame:
    """The draws whose window holds `period`: rep, whether recoverable, and the draw in minor units."""
    scale = 10 ** minor_unit(currency)
    month = str(pd.Period(period, "M"))
    rows = [
        (d.rep, d.kind == "recoverable", round(d.amount * scale)) for d in draws if d.start <= month <= d.end
    ]
    return pd.DataFrame(rows, columns=["rep", "recoverable", "draw_minor"])


def recovery_caps(draws: list[Draw], period: pd.Period, currency: str) -> pd.Series:
    """Per rep, the most recovered in one period (minor units): the cap of their latest draw begun by now."""
    scale = 10 ** minor_unit(currency)
    month = str(pd.Period(period, "M"))
    begun = sorted(
        (d for d in draws if d.start <= month and d.recovery_cap is not None), key=lambda d: d.start
    )
    return pd.Series({d.rep: round(d.recovery_cap * scale) for d in begun}, dtype=np.int64)


def draw_lines(
    draws: list[Draw],
    period: pd.Period,
    commission: pd.Series,
    balance: pd.Series,
    teams: pd.Series,
    currency: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The period's draw, guarantee and recovery lines, and each rep's draw balance before and after.

    `commission` is each rep's commission paid this period (minor units, adjustments included), `balance`
    their draw balance from the ledger. Top-up = max(draw − commission, 0); recovery = min(balance,
    max(commission − draw, 0), cap), with draw 0 outside the window.
    """
    active = draws_in_force(draws, period, currency)
    caps = recovery_caps(draws, period, currency)
    reps = pd.Index(active["rep"]).union(balance[balance > 0].index).unique()
    if reps.empty:
        return pd.DataFrame(), pd.DataFrame(columns=BALANCE_COLUMNS)
    table = pd.DataFrame(index=reps.rename("rep"))
    active = active.set_index("rep")
    table["draw"] = active["draw_minor"].reindex(reps).fillna(0).astype(np.int64)
    table["recoverable"] = active["recoverable"].reindex(reps).fillna(True).astype(bool)
    table["earned"] = commission.reindex(reps).fillna(0).astype(np.int64)
    table["before"] = balance.reindex(reps).fillna(0).astype(np.int64)
    cap = caps.reindex(reps).fillna(-1).astype(np.int64)
    top_up = (table["draw"] - table["earned"]).clip(lower=0).where(reps.isin(active.index), 0)
    room = (table["earned"] - table["draw"]).clip(lower=0)
    recovery = np.minimum(table["before"].clip(lower=0), room)
    recovery = recovery.where(cap < 0, np.minimum(recovery, cap))
    table["top_up"], table["recovery"] = top_up, recovery
    table["after"] = table["before"] + top_up.where(table["recoverable"], 0) - recovery
    table = table.reset_index()

    rules = draw_rules()
    digits = minor_unit(currency)
    frames = []
    for kind, amount, keep in (
        (DRAW, table["top_up"], (table["top_up"] > 0) & table["recoverable"]),
        (GUARANTEE, table["top_up"], (table["top_up"] > 0) & ~table["recoverable"]),
        (DRAW_RECOVERY, -table["recovery"], table["recovery"] > 0),
    ):  # three kinds of line, each a vectorised selection over reps
        chosen = table[keep]
        frames.append(
            ledger_lines(
                kind,
                period=period,
                rep=chosen["rep"].astype(str).to_numpy(),
                team=teams.reindex(chosen["rep"]).fillna("all").astype(str).to_numpy(),
                rule=rules[kind],
                base=chosen["earned"].to_numpy() / 10**digits,  # the commission it is measured on
                reference=chosen["after"].to_numpy() / 10**digits,  # the draw balance after it
                amount_minor=amount[keep].to_numpy(dtype=np.int64),
            )
        )
    lines = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    balances = pd.DataFrame(
        {
            "rep": table["rep"].astype(str),
            "account": DRAW,
            "before_minor": table["before"],
            "after_minor": table["after"],
        }
    )
    return lines, balances

"""Negative totals under `negative: carry_forward`: never paid back at once, carried and recovered later.

A period's lines for a rep (its own commission, prior-period adjustments, clawbacks, holdback, draw and manual
lines) can add up to less than zero: a return after its month was paid, a clawed-back deal, a manual
recovery larger than the period earned. On a carry-forward plan the rep is then paid 0, not asked for money:
a `negative_carried` line brings the total to 0 and the shortfall becomes the rep's negative balance; later
periods recover it from their positive totals (a `negative_recovery` line, at most what the period pays),
until it is cleared. On a clawback plan a negative total is paid back at once, as before. The balance is the
ledger's sum of these lines (like a draw's), never a separate store. It does not lapse at a fiscal year's
end, unless the plan says `forgive_negative: year_end`: then the close of the year's last period forgives
what is still owed after its recovery (a `negative_forgiven` line of 0 whose base is the amount, as a
forfeited holdback's; the balance is the lines after it). Which rule holds is the rep's plan in force at the
period's last day (a role plan's version, or the section's own). Pure: frames in, frames out; money in
integer minor units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesplan_widgets.i18n import _, minor_unit
from salesplan_widgets.model.ledger_lines import ledger_lines, no_lines
from salesplan_widgets.model.role_plans import rules_by_rep
from salesplan_widgets.schema.incentives import IncentivesSection

NEGATIVE_CARRIED, NEGATIVE_RECOVERY = "negative_carried", "negative_recovery"
NEGATIVE_FORGIVEN = "negative_forgiven"  # 0 paid: the balance before it no longer counts
KINDS = (NEGATIVE_CARRIED, NEGATIVE_RECOVERY)
ACCOUNT = "negative"  # the balances' account name
BALANCE_COLUMNS = ["rep", "account", "before_minor", "after_minor"]


def negative_rules() -> dict[str, str]:
    """Each line's statement text in the active language (kinds are stored, so any language renders)."""
    return {
        NEGATIVE_CARRIED: _(
            "Negative total carried forward: not paid back now, recovered from later commission"
        ),
        NEGATIVE_RECOVERY: _(
            "Negative balance recovered: carried from an earlier period, taken from this pay"
        ),
        NEGATIVE_FORGIVEN: _(
            "Negative balance forgiven at the fiscal year's end: no longer recovered from later commission"
        ),
    }


def negative_balance(settled: pd.DataFrame) -> pd.Series:
    """Per rep, the negative total still to recover (minor units, positive): the sum of these lines, those
    after the period of the rep's last forgiveness (`forgive_negative: year_end`) only."""
    if settled.empty or "kind" not in settled.columns:
        return pd.Series(dtype=np.int64, name="balance")
    lines = settled[settled["kind"].isin(KINDS)]
    forgiven = settled[(settled["kind"] == NEGATIVE_FORGIVEN).to_numpy()]
    if len(forgiven):  # a few reps, once a year at most
        # (these lines are for the period they are paid in; a ledger read for its facts has no `period`)
        last = forgiven.groupby(forgiven["rep"].astype(str))["for_period"].max()
        since = lines["rep"].astype(str).map(last)
        keep = since.isna().to_numpy().copy()
        after = ~keep  # the lines of a rep forgiven once count after that period only
        keep[after] = lines["for_period"].to_numpy()[after] > since.to_numpy()[after]
        lines = lines[keep]
    return lines.groupby(lines["rep"].astype(str))["amount_minor"].sum().astype(np.int64).rename("balance")


def carried_and_recovered(
    total: np.ndarray, balance: np.ndarray, carry: np.ndarray | bool
) -> tuple[np.ndarray, np.ndarray]:
    """The negative total carried (max(−total, 0) where `carry`) and the balance recovered (min(balance,
    max(total, 0)), whatever the plan now says): the one rule a close (`negative_lines`, per rep in minor
    units) and the simulation (`model/simulation.py`, per draw × rep in money) apply. Arrays broadcast."""
    total, balance = np.asarray(total), np.asarray(balance)
    zero = np.zeros((), dtype=total.dtype)
    carried = np.where(carry, np.maximum(-total, zero), zero)
    recovered = np.minimum(np.maximum(balance, zero), np.maximum(total, zero))
    return carried, recovered


def result_carried(ledger: pd.DataFrame, period: pd.Period, fiscal_year_start: int = 1) -> pd.Series:
    """Per rep, the negative commission result carried into `period` (minor units, positive): on a
    carry-forward plan the statements pay a month whose commission is below 0 nothing and carry it
    (`carry_forward` lines), taking it from the year's later commission (`true_up` lines), until the fiscal
    year ends. Their sum over the ledger's commission lines of `period`'s fiscal year before it is that carry
    (month by month plans: on a year-to-date plan `true_up` is the whole year's)."""
    from salesplan_widgets.model.statements import fiscal_year_first

    if ledger.empty or "component" not in ledger.columns:
        return pd.Series(dtype=np.int64, name="carried")
    month = pd.Period(period, "M")
    for_period = pd.PeriodIndex(ledger["for_period"], freq="M")
    chosen = (
        ledger["kind"].isin(("payment", "adjustment")).to_numpy()
        & ledger["component"].isin(("carry_forward", "true_up")).to_numpy()
        & np.asarray(for_period >= fiscal_year_first(month, fiscal_year_start))
        & np.asarray(for_period < month)
    )
    lines = ledger[chosen]
    return lines.groupby(lines["rep"].astype(str))["amount_minor"].sum().astype(np.int64).rename("carried")


def carries_negative(section: IncentivesSection, reps: pd.Index, period: pd.Period) -> pd.Series:
    """Per rep, whether their plan on the period's last day carries a negative total forward."""
    return _rule_on_last_day(section, reps, period, lambda rules: rules.negative == "carry_forward")


def forgives_negative(section: IncentivesSection, reps: pd.Index, period: pd.Period) -> pd.Series:
    """Per rep, whether their plan on the period's last day forgives a negative balance at the year's end."""
    return _rule_on_last_day(section, reps, period, lambda rules: rules.forgive_negative == "year_end")


def _rule_on_last_day(section: IncentivesSection, reps: pd.Index, period: pd.Period, says) -> pd.Series:
    """Per rep, what `says` of the rules of their plan in force on the period's last day (`rules_by_rep`)."""
    rules = rules_by_rep(section, reps.astype(str), period)
    return pd.Series([says(rules[str(rep)]) for rep in reps], index=reps, dtype=bool)


def negative_lines(
    section: IncentivesSection,
    period: pd.Period,
    total: pd.Series,
    balance: pd.Series,
    teams: pd.Series,
    currency: str,
    fiscal_year_start: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The period's carried, recovered and forgiven lines, and each rep's negative balance before and after.

    `total` is each rep's pay this period before these lines (minor units), `balance` their negative balance
    from the ledger. Carried = max(−total, 0) where the plan carries forward; recovered = min(balance,
    max(total, 0)), whatever the plan now says (a balance carried earlier is still owed). In the fiscal
    year's last month (`fiscal_year_start`), where the plan forgives at the year's end, what is still owed
    after these is forgiven: a line of 0 whose base is the amount, and the balance after is 0.
    """
    reps = pd.Index(total.index.astype(str)).union(balance[balance != 0].index.astype(str)).unique()
    if reps.empty:
        return no_lines(), pd.DataFrame(columns=BALANCE_COLUMNS)
    paid = pd.Series(total.to_numpy(), index=total.index.astype(str)).reindex(reps, fill_value=0)
    before = pd.Series(balance.to_numpy(), index=balance.index.astype(str)).reindex(reps, fill_value=0)
    paid, before = paid.astype(np.int64), before.astype(np.int64)
    carry = carries_negative(section, reps, period)
    carried, recovered = carried_and_recovered(paid.to_numpy(), before.to_numpy(), carry.to_numpy())
    carried, recovered = pd.Series(carried, index=reps), pd.Series(recovered, index=reps)
    owed = before + carried - recovered
    year_end = pd.Period(period, "M").month % 12 + 1 == fiscal_year_start
    forgiven = owed.where(forgives_negative(section, reps, period) & (owed > 0), 0) if year_end else owed * 0
    after = owed - forgiven
    rules = negative_rules()
    scale = 10 ** minor_unit(currency)
    frames = []
    for kind, amount, base, reference in (  # base: what it is measured on; reference: the balance after it
        (NEGATIVE_CARRIED, carried, paid, owed),
        (NEGATIVE_RECOVERY, -recovered, paid, owed),
        (NEGATIVE_FORGIVEN, forgiven * 0, forgiven, after),  # 0 paid, the balance forgiven as its base
    ):
        chosen = reps[((base if kind == NEGATIVE_FORGIVEN else amount) != 0).to_numpy()]
        frames.append(
            ledger_lines(
                kind,
                period=period,
                rep=chosen.to_numpy(),
                team=teams.reindex(chosen).fillna("all").astype(str).to_numpy(),
                rule=rules[kind],
                base=base[chosen].to_numpy() / scale,
                reference=reference[chosen].to_numpy() / scale,
                amount_minor=amount[chosen].to_numpy(dtype=np.int64),
            )
        )
    lines = pd.concat([f for f in frames if len(f)] or [no_lines()], ignore_index=True)
    shown = (before != 0) | (after != 0)  # on every statement until cleared
    balances = pd.DataFrame(
        {
            "rep": reps[shown.to_numpy()],
            "account": ACCOUNT,
            "before_minor": before[shown].to_numpy(dtype=np.int64),
            "after_minor": after[shown].to_numpy(dtype=np.int64),
        }
    )
    return lines, balances

"""What-if for incentives: a rep's earnings if they close more, the plan's cost of sales and full cost.

The estimate reruns the statement with the extra sales added on top of what is already closed, so a deal
that crosses a band edge is paid at both rates and a true-up is respected; the difference is reported line
by line. `estimate_payments` goes on to what is *paid* when: it reruns the open period's payments (the
ledger's clawbacks, the holdback, the draw or guarantee, manual lines) with and without the extra sales, so
the part held back shows with its release period, a draw balance is recovered first (up to the plan's cap)
and a guarantee's top-up shrinks as commission grows. Pure: no files, no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _, minor_unit
from salesplan_widgets.model.holdbacks import HOLDBACK, releases_in
from salesplan_widgets.model.ledger import COMMISSION_KINDS, open_period_payments
from salesplan_widgets.model.statements import Statements, payout_statements
from salesplan_widgets.schema.incentives import Holdback, IncentivesSection


@dataclass(frozen=True)
class Estimate:
    """What a rep earns now, with `extra` more sales, and the difference per statement line."""

    rep: str
    extra: float
    payout_now: float
    payout_then: float
    lines: pd.DataFrame  # component, rule, now, then, increment

    @property
    def increment(self) -> float:
        return self.payout_then - self.payout_now


def estimate_earnings(
    section: IncentivesSection,
    cube: pd.DataFrame,
    quotas: pd.DataFrame,
    period: pd.Period | str,
    rep: str,
    extra: float,
    segment: str = "all",
    channel: str = "all",
    currency: str = "CNY",
    fiscal_year_start: int = 1,
) -> Estimate:
    """Earnings of `rep` for the period if `extra` more is closed in it (in `segment`/`channel`)."""
    period = pd.Period(period, "M")
    more = _with_extra_sale(cube, period, rep, extra, segment, channel)
    now = payout_statements(section, cube, quotas, period, currency, fiscal_year_start)
    then = payout_statements(section, more, quotas, period, currency, fiscal_year_start)
    keys = ["line", "component", "rule"] + (["plan"] if "plan" in now.lines.columns else [])  # role plans
    a = now.statement(rep)[[*keys, "amount"]].rename(columns={"amount": "now"})
    b = then.statement(rep)[[*keys, "amount"]].rename(columns={"amount": "then"})
    for frame in (a, b):
        for key in keys[1:]:
            frame[key] = frame[key].astype(str)
    lines = (
        a.merge(b, on=keys, how="outer").fillna({"now": 0.0, "then": 0.0}).sort_values(keys[3:] + ["line"])
    )
    lines["increment"] = lines["then"] - lines["now"]
    return Estimate(
        rep=rep,
        extra=float(extra),
        payout_now=_rep_payout(now, rep),
        payout_then=_rep_payout(then, rep),
        lines=lines.drop(columns="line").reset_index(drop=True),
    )


def _with_extra_sale(
    cube: pd.DataFrame, period: pd.Period, rep: str, extra: float, segment: str = "all", channel: str = "all"
) -> pd.DataFrame:
    """The cube with one more sale of `extra` for `rep` in `period`."""
    team = cube.loc[cube["rep"] == rep, "team"]
    # a dimension the new deal does not name is 'all'; a fact beside the sales (cash, cost, deals) is 0
    row = {
        c: 0 if pd.api.types.is_numeric_dtype(cube[c]) else "all"
        for c in cube.columns
        if c not in ("period", "actual", "quantity", "lines")
    }
    row.update(
        period=period, rep=rep, team=team.iloc[-1] if len(team) else "all", segment=segment, channel=channel
    )
    row.update(actual=float(extra))
    return pd.concat([cube, pd.DataFrame([row]).astype({"period": cube["period"].dtype})], ignore_index=True)


def _rep_payout(statements: Statements, rep: str) -> float:
    return float(statements.reps.loc[statements.reps["rep"] == rep, "payout"].sum())


@dataclass(frozen=True)
class PaymentEstimate:
    """What a rep is paid in the open period now and with `extra` more closed, and when the rest comes.

    `lines` has one row per kind of payment line (commission, clawback, holdback or its release, draw,
    guarantee or recovery, manual) with `kind`, `component`, `rule`, `now`, `then`, `increment` (money);
    `held_*` is what the holdback defers to `release_period`; `draw_balance_*` the draw still to recover.
    """

    rep: str
    extra: float
    earned_now: float
    earned_then: float
    paid_now: float
    paid_then: float
    held_now: float
    held_then: float
    release_period: pd.Period | None
    draw_balance_now: float
    draw_balance_then: float
    lines: pd.DataFrame

    @property
    def earned_increment(self) -> float:
        return self.earned_then - self.earned_now

    @property
    def paid_increment(self) -> float:
        """What the extra sales add to this period's pay (after holdback, draw recovery, guarantee)."""
        return self.paid_then - self.paid_now

    @property
    def held_increment(self) -> float:
        """What the extra sales add to the amount paid at `release_period` instead of now."""
        return self.held_then - self.held_now


def release_period(rule: Holdback | None, period: pd.Period, fiscal_year_start: int = 1) -> pd.Period | None:
    """The month a holdback taken in `period` is paid: the next end of a fiscal quarter or year."""
    if rule is None:
        return None
    period = pd.Period(period, "M")
    return next(period + k for k in range(1, 13) if releases_in(period + k, rule, fiscal_year_start))


def estimate_payments(
    section: IncentivesSection,
    cube: pd.DataFrame,
    quotas: pd.DataFrame,
    ledger: pd.DataFrame,
    period: pd.Period | str,
    rep: str,
    extra: float,
    currency: str = "CNY",
    fiscal_year_start: int = 1,
    returns: pd.DataFrame | None = None,
    manual: pd.DataFrame | None = None,
    plan_version: str = "",
) -> PaymentEstimate:
    """What `rep` is paid for the open `period` if `extra` more is closed in it, line by line.

    Both runs are `ledger.open_period_payments` on the same ledger, returns and manual lines, so the extra
    commission passes through the same rules as a close would: clawbacks, then the holdback (share × the
    period's commission deferred to the quarter's or year's end), then the draw (a balance recovered first,
    at most the cap; a guarantee's top-up reduced), then manual lines.
    """
    period = pd.Period(period, "M")
    if len(ledger) and period in set(ledger["for_period"]):
        raise SalesplanError(
            _("{period} is closed: what it paid is in the ledger; estimate an open period.").format(
                period=period
            )
        )
    scale = 10 ** minor_unit(currency)
    runs = []
    for frame in (cube, _with_extra_sale(cube, period, rep, extra)):
        payments, _statements = open_period_payments(
            section, frame, quotas, ledger, period, plan_version, currency, fiscal_year_start, returns, manual
        )
        runs.append(payments)
    keys = ["kind", "component", "rule"]
    tables = []
    for payments, name in zip(runs, ("now", "then"), strict=True):
        mine = payments.lines[payments.lines["rep"].astype(str) == str(rep)].astype({k: str for k in keys})
        tables.append(mine.groupby(keys, sort=False)["amount_minor"].sum().div(scale).rename(name))
    lines = pd.concat(tables, axis=1).fillna(0.0).reset_index()
    lines["increment"] = lines["then"] - lines["now"]

    def total(column: str, kinds=None, sign: float = 1.0) -> float:
        chosen = lines if kinds is None else lines[lines["kind"].isin(kinds)]
        return round(sign * float(chosen[column].sum()), minor_unit(currency))

    def balance(payments, account: str) -> float:
        b = payments.balances
        mine = b[(b["rep"].astype(str) == str(rep)) & (b["account"] == account)] if len(b) else b
        return float(mine["after_minor"].sum()) / scale if len(mine) else 0.0

    return PaymentEstimate(
        rep=rep,
        extra=float(extra),
        earned_now=total("now", COMMISSION_KINDS),
        earned_then=total("then", COMMISSION_KINDS),
        paid_now=total("now"),
        paid_then=total("then"),
        held_now=total("now", [HOLDBACK], -1.0),
        held_then=total("then", [HOLDBACK], -1.0),
        release_period=release_period(section.holdback, period, fiscal_year_start),
        draw_balance_now=balance(runs[0], "draw"),
        draw_balance_then=balance(runs[1], "draw"),
        lines=lines,
    )


@dataclass(frozen=True)
class PlanCost:
    """What the plan costs for the period: cash payouts, non-cash rewards, and payouts ÷ revenue."""

    revenue: float
    payout: float
    non_cash: float
    credited: float | None = None  # sales the reps are credited with (overlay and team credit included)

    @property
    def credit_ratio(self) -> float | None:
        """Credited ÷ booked sales: above 1 where overlays or managers are credited beside the owners."""
        credited = self.revenue if self.credited is None else self.credited
        return credited / self.revenue if self.revenue > 0 else None

    @property
    def total_cost(self) -> float:
        return self.payout + self.non_cash

    @property
    def cost_of_sales(self) -> float | None:
        """Payouts ÷ revenue (None without revenue)."""
        return self.payout / self.revenue if self.revenue > 0 else None

    @property
    def total_cost_of_sales(self) -> float | None:
        return self.total_cost / self.revenue if self.revenue > 0 else None

    def as_dict(self) -> dict[str, float | None]:
        return {
            "revenue": self.revenue,
            "payout": self.payout,
            "non_cash": self.non_cash,
            "total_cost": self.total_cost,
            "cost_of_sales": self.cost_of_sales,
            "total_cost_of_sales": self.total_cost_of_sales,
            "credited": self.revenue if self.credited is None else self.credited,
            "credit_ratio": self.credit_ratio,
        }


def plan_cost(statements: Statements) -> PlanCost:
    """The plan's cost for the statements' latest period (cash payouts plus non-cash rewards)."""
    latest = statements.reps["period"].max() if len(statements.reps) else None
    reps = statements.reps[statements.reps["period"] == latest]
    rewards = statements.rewards[statements.rewards["period"] == latest] if latest is not None else None
    credited = float(reps["period_sales"].sum())
    extra = float(reps["extra_credit"].fillna(0.0).sum()) if "extra_credit" in reps.columns else 0.0
    return PlanCost(
        revenue=credited - extra,  # booked sales: overlay and team credit is not more revenue
        credited=credited,
        payout=float(reps["payout"].sum()),
        non_cash=float(rewards["cost"].sum()) if rewards is not None and len(rewards) else 0.0,
    )

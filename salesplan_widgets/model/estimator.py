"""What-if for incentives: a rep's earnings if they close more, the plan's cost of sales and full cost.

The estimate reruns the statement with the extra sales added on top of what is already closed, so a deal
that crosses a band edge is paid at both rates and a true-up is respected; the difference is reported line
by line. Pure: no files, no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from salesplan_widgets.model.statements import Statements, payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection


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
    more = pd.concat([cube, pd.DataFrame([row]).astype({"period": cube["period"].dtype})], ignore_index=True)
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


def _rep_payout(statements: Statements, rep: str) -> float:
    return float(statements.reps.loc[statements.reps["rep"] == rep, "payout"].sum())


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

"""Manager overrides (`incentives.hierarchy` with `override_rate`): a team lead or manager earns a rate on
the sales of their team, as a line of its own beside their own commission.

The team's sales are the owners' credited sales of the team (`model/credit.py`), never the manager's own
and never overlays; they do not count towards the manager's quota. The threshold does not stop an override
(it runs after the threshold); the payout cap does.
"""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.base import Block, Component, Context, rates_text


class TeamOverride(Component):
    name = "team_override"
    schema = "incentives.hierarchy"

    def compile(self, section):
        rates = [0.0 if h.override_rate is None else h.override_rate for h in section.hierarchy]
        return {"team_override_rate": np.array(rates, dtype=float)}

    def earn(self, ctx: Context) -> None:
        sales = ctx.inputs.get("team_sales")
        if sales is None:
            sales = np.zeros((*ctx.sales.shape, len(ctx.plan.team_override_rate)))
        amount = sales * ctx.plan.team_override_rate
        ctx.out["team_override_base"], ctx.out["team_override_amount"] = sales, amount
        ctx.add(amount.sum(-1))

    def labels(self, plan, currency):
        return [
            _("Override on team {team}'s sales at {rate}").format(
                team=h.team, rate=rates_text(h.override_rate or 0)
            )
            for h in plan.section.hierarchy
        ]

    def export(self, e, s):
        return Block(e.team_override_base, s.plan.team_override_rate, e.team_override_amount)

    def explain(self, line, fmt) -> str:
        return _("team sales {base} × override {rate} = {amount}").format(
            base=fmt.money(line["base"]), rate=fmt.percent(line["rate"]), amount=fmt.money(line["amount"])
        )

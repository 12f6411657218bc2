"""Payout cap (`incentives.commission.caps.payout`): at most this much per measurement period (times the
periods a year-to-date calculation spans, prorated for part of a period on a plan)."""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _, fmt_number
from salesplan_widgets.model.components.base import INF, Block, Component, Context, adjustment


class PayoutCap(Component):
    name = "cap_payout"
    schema = "incentives.commission.caps.payout"

    def compile(self, section):
        cap = section.commission.caps.payout
        return {"cap_payout": INF if cap is None else cap}

    def earn(self, ctx: Context) -> None:
        cap = ctx.plan.cap_payout
        limit = cap * ctx.periods if np.isfinite(cap) else INF  # inf × 0 periods is no cap
        amount = np.minimum(0.0, limit - ctx.total)
        ctx.out["cap_payout"] = amount
        ctx.add(amount)

    def labels(self, plan, currency):
        return [
            _("Cap: at most {cap} {currency} per period").format(
                cap=fmt_number(plan.cap_payout) if np.isfinite(plan.cap_payout) else "∞", currency=currency
            )
        ]

    def export(self, e, s):
        return Block((e.total - e.cap_payout)[..., None], np.nan, e.cap_payout[..., None])

    explain = staticmethod(adjustment)

"""Rate cap (`incentives.commission.caps.rate`): commission at most this share of sales (target incentive
and bonuses not included)."""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.base import INF, Block, Component, Context, adjustment, rates_text


class RateCap(Component):
    name = "cap_rate"
    schema = "incentives.commission.caps.rate"

    def compile(self, section):
        cap = section.commission.caps.rate
        return {"cap_rate": INF if cap is None else cap}

    def earn(self, ctx: Context) -> None:
        plan, sales = ctx.plan, ctx.sales
        commission = ctx.total  # bands, overrides, accelerators and the attainment cap so far
        cap = np.where(np.isfinite(plan.cap_rate), plan.cap_rate, 0.0)
        amount = np.where(
            (sales > 0) & np.isfinite(plan.cap_rate), np.minimum(0.0, cap * sales - commission), 0.0
        )
        ctx.out["cap_rate"] = amount
        ctx.add(amount)

    def labels(self, plan, currency):
        return [_("Cap: effective commission rate at most {cap}").format(cap=rates_text(plan.cap_rate))]

    def export(self, e, s):
        rate = s.plan.cap_rate if np.isfinite(s.plan.cap_rate) else np.nan
        return Block(s.sales[..., None], rate, e.cap_rate[..., None])

    explain = staticmethod(adjustment)

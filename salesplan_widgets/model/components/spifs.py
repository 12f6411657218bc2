"""SPIFs (`incentives.spifs`): an extra rate on a product, segment or channel inside a window of months."""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.base import Block, Component, Context


class Spifs(Component):
    name = "spif"
    schema = "incentives.spifs"

    def compile(self, section):
        return {"spif_rate": np.array([s.rate for s in section.spifs], dtype=float)}

    def earn(self, ctx: Context) -> None:
        sales = ctx.inputs.get("spif_sales")
        if sales is None:
            sales = np.zeros((*ctx.sales.shape, len(ctx.plan.spif_rate)))
        amount = sales * ctx.plan.spif_rate
        ctx.out["spif_base"], ctx.out["spif_amount"] = sales, amount
        ctx.add(amount.sum(-1))

    def labels(self, plan, currency):
        return [
            _("SPIF {name} ({start} to {end})").format(name=p.name, start=p.start, end=p.end)
            for p in plan.section.spifs
        ]

    def export(self, e, s):
        return Block(e.spif_base, s.plan.spif_rate, e.spif_amount)

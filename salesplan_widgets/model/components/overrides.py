"""Rate overrides (`incentives.commission.overrides`): a slice's sales earn its rate instead of the bands'.

The slice's share of a rep's sales is taken out of every band; the sales still count towards attainment.
"""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.base import Block, Component, Context, rates_text


def override_share(sales: np.ndarray, override_sales: np.ndarray) -> np.ndarray:
    """Each override slice's share of a rep's sales (0 when net sales are not positive: then returns and
    sales all go through the bands, so nothing is paid twice)."""
    positive = (sales > 0)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = override_sales / np.where(positive, sales[..., None], 1.0)
    return np.where(positive, np.clip(share, 0.0, 1.0), 0.0)


def override_pay(plan, sales: np.ndarray, share: np.ndarray):
    base = share * sales[..., None]
    return base, base * plan.override_rate


class Overrides(Component):
    name = "override"
    schema = "incentives.commission.overrides"

    def compile(self, section):
        return {"override_rate": np.array([o.rate for o in section.commission.overrides], dtype=float)}

    def prepare(self, ctx: Context) -> None:
        """Shares are known before any band is paid: the bands leave them out."""
        sales = ctx.inputs.get("override_sales")
        if sales is None:
            sales = np.zeros((*ctx.sales.shape, len(ctx.plan.override_rate)))
        ctx.inputs["override_share"] = override_share(ctx.sales, np.asarray(sales, dtype=float))

    def earn(self, ctx: Context) -> None:
        base, amount = override_pay(ctx.plan, ctx.sales, ctx.inputs["override_share"])
        ctx.out["override_base"], ctx.out["override_amount"] = base, amount
        ctx.add(amount.sum(-1))

    def labels(self, plan, currency):
        c = plan.section.commission
        # the override replaces the band (or base) rate for its slice; the label says so, and earn() pays so
        replaces = (
            _("{rate} on these sales instead of the band rates (they are left out of the bands)")
            if c.tiers.bands
            else _("{rate} instead of the base rate {base}")
        )
        return [
            _("Rate for {slice}: {rule}").format(
                slice=", ".join(v for v in (o.segment, o.channel, o.product) if v is not None),
                rule=replaces.format(rate=rates_text(o.rate), base=rates_text(c.base_rate)),
            )
            for o in c.overrides
        ]

    def export(self, e, s):
        return Block(e.override_base, s.plan.override_rate, e.override_amount)

"""Accelerators and decelerators (`incentives.commission.accelerators`): a multiplier on the commission
earned on sales between two attainments, whether it came from a band or from an override slice."""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.bands import band_bases, cumulative_commission, money_edges, rest_of
from salesplan_widgets.model.components.base import INF, Block, Component, Context, edge_text


def accelerator_pay(plan, sales: np.ndarray, quota: np.ndarray, share: np.ndarray):
    """Commission earned inside each accelerator's range (its base) and the extra it pays."""
    if not len(plan.accel_mult):
        z = np.zeros((*sales.shape, 0))
        return z, z
    lo = money_edges(plan.band_lo, quota, plan.basis)
    hi = money_edges(plan.band_hi, quota, plan.basis)
    rest = rest_of(share)[..., None]
    a_lo = money_edges(plan.accel_lo, quota, "attainment")
    a_hi = money_edges(plan.accel_hi, quota, "attainment")
    s = np.maximum(sales, 0.0)[..., None]
    top, bottom = np.minimum(s, a_hi), np.minimum(s, a_lo)
    span = np.maximum(top - bottom, 0.0)
    if plan.mode == "retroactive":
        full = band_bases(sales, lo, hi, plan.mode) * plan.band_rate
        rate = (full.sum(-1) / np.where(sales != 0, sales, 1.0))[..., None]
        base = rate * span * rest
    else:  # commission earned between the two edges = C(top) - C(bottom), C the cumulative commission
        base = (cumulative_commission(plan, top, lo, hi) - cumulative_commission(plan, bottom, lo, hi)) * rest
    base = base + (share * plan.override_rate).sum(-1)[..., None] * span
    base = np.where(np.isfinite(base), base, 0.0)
    return base, base * (plan.accel_mult - 1.0)


class Accelerators(Component):
    name = "accelerator"
    schema = "incentives.commission.accelerators"

    def compile(self, section):
        accelerators = section.commission.accelerators
        return {
            "accel_lo": np.array([a.at_least for a in accelerators], dtype=float),
            "accel_hi": np.array([INF if a.below is None else a.below for a in accelerators], dtype=float),
            "accel_mult": np.array([a.multiplier for a in accelerators], dtype=float),
        }

    def earn(self, ctx: Context) -> None:
        base, amount = accelerator_pay(ctx.plan, ctx.sales, ctx.quota, ctx.inputs["override_share"])
        ctx.out["accel_base"], ctx.out["accel_amount"] = base, amount
        ctx.add(amount.sum(-1))

    def labels(self, plan, currency):
        return [
            (_("Accelerator ×{m:g} from {lo} to {hi} attainment") if a.multiplier >= 1 else
             _("Decelerator ×{m:g} from {lo} to {hi} attainment")).format(
                m=a.multiplier, lo=edge_text(a.at_least, "attainment"),
                hi=edge_text(INF if a.below is None else a.below, "attainment"))
            for a in plan.section.commission.accelerators
        ]  # fmt: skip

    def line_names(self, plan, n):
        return ["decelerator" if plan.accel_mult[i] < 1 else self.name for i in range(n)]

    def export(self, e, s):
        return Block(e.accel_base, s.plan.accel_mult - 1.0, e.accel_amount)

"""Target incentive (`incentives.target_incentive`): a share of a target amount read off a payout curve over
attainment — the step at the first point, then each segment's slope."""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.base import Block, Component, Context, edge_text


def curve_pay(plan, att: np.ndarray, amount: np.ndarray):
    """Payout-curve lines: the step at the first point, then each segment's share of the target incentive."""
    a_lo, a_hi, slope = plan.curve_segments
    if len(a_lo) == 0:
        z = np.zeros((*att.shape, 0))
        return z, z, z
    a = att[..., None]
    reached = att >= a_lo[0]
    span = np.where(a >= a_lo, np.minimum(a, a_hi) - a_lo, 0.0)
    rate = np.concatenate([np.where(reached, plan.curve_pay[0], 0.0)[..., None], span * slope], axis=-1)
    base = np.broadcast_to(np.asarray(amount, dtype=float)[..., None], rate.shape)
    return base, rate, base * rate


class TargetIncentive(Component):
    name = "target_incentive"
    schema = "incentives.target_incentive"

    def compile(self, section):
        ti = section.target_incentive
        return {
            "ti_amount": 0.0 if ti is None else ti.amount,
            "curve_att": np.array([p.attainment for p in ti.curve] if ti else [], dtype=float),
            "curve_pay": np.array([p.payout for p in ti.curve] if ti else [], dtype=float),
        }

    def earn(self, ctx: Context) -> None:
        base, rate, amount = curve_pay(ctx.plan, ctx.attainment, ctx.plan.ti_amount * ctx.periods)
        ctx.out["ti_base"], ctx.out["ti_rate"], ctx.out["ti_amount"] = base, rate, amount
        ctx.add(amount.sum(-1))

    def labels(self, plan, currency):
        ti = plan.section.target_incentive
        if not (ti and ti.curve):
            return []
        lo, hi, _slope = plan.curve_segments
        labels = [
            _("Target incentive: {share} at {lo} attainment").format(
                share=f"{plan.curve_pay[0] * 100:g}%", lo=edge_text(lo[0], "attainment")
            )
        ]
        return labels + [_("Target incentive: {lo} to {hi} attainment").format(
            lo=edge_text(a, "attainment"), hi=edge_text(b, "attainment")) for a, b in zip(lo, hi, strict=True)]  # fmt: skip

    def export(self, e, s):
        return Block(e.ti_base, e.ti_rate, e.ti_amount)

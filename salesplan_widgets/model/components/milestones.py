"""Milestones (`incentives.milestones`): a bonus (fixed, or a rate on cumulative sales) when cumulative
fiscal-year sales reach a checkpoint by a month. A milestone due but missed is shown as an unpaid line."""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.base import INF, Block, Component, Context


class Milestones(Component):
    name = "milestone"
    schema = "incentives.milestones"

    def compile(self, section):
        return {
            "milestone_bonus": np.array([m.bonus for m in section.milestones], dtype=float),
            "milestone_rate": np.array([m.rate for m in section.milestones], dtype=float),
        }

    def earn(self, ctx: Context) -> None:
        plan, n = ctx.plan, len(ctx.plan.milestone_bonus)
        sales, target, due = (
            ctx.inputs.get(k) for k in ("milestone_sales", "milestone_target", "milestone_due")
        )
        if sales is None:
            sales = np.zeros((*ctx.sales.shape, n))
            target = np.full((*ctx.sales.shape, n), INF)
            due = np.zeros((*ctx.sales.shape, n), dtype=bool)
        met = due & (sales >= target)
        amount = np.where(met, plan.milestone_bonus + plan.milestone_rate * sales, 0.0)
        ctx.out["milestone_base"], ctx.out["milestone_met"], ctx.out["milestone_amount"] = sales, met, amount
        ctx.add(amount.sum(-1))

    def labels(self, plan, currency):
        return [
            (
                _("Milestone {name}: {share} of the year's quota by {by}").format(
                    name=m.name, share=f"{m.share * 100:g}%", by=m.by
                )
                if m.share is not None
                else _("Milestone {name}: the cumulative target by {by}").format(name=m.name, by=m.by)
            )
            for m in plan.section.milestones
        ]

    def export(self, e, s):
        return Block(e.milestone_base, s.plan.milestone_rate, e.milestone_amount, keep=s.milestone_due,
                     reference=s.milestone_target)  # fmt: skip

    def explain(self, line, fmt):
        met = line["amount"] > 0
        return (_("met: {sales} sold, {needed} needed") if met else _("missed: {sales} sold, {needed} needed")).format(
            sales=fmt.money(line["base"]), needed=fmt.money(line["reference"])
        )  # fmt: skip

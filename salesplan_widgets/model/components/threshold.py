"""Threshold (`incentives.commission.threshold`): below this attainment nothing earned on performance is
paid (commission and target incentive; SPIFs and milestones have their own rules)."""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.base import Block, Component, Context, edge_text


class Threshold(Component):
    name = "threshold"
    schema = "incentives.commission.threshold"

    def compile(self, section):
        return {"threshold": section.commission.threshold}

    def earn(self, ctx: Context) -> None:
        t = ctx.plan.threshold
        below = (ctx.attainment < t) if t > 0 else np.zeros(ctx.sales.shape, dtype=bool)
        amount = np.where(below, -ctx.total, 0.0)
        ctx.out["threshold"] = amount
        ctx.add(amount)

    def labels(self, plan, currency):
        return [
            _("Threshold: below {t} attainment no commission is paid").format(
                t=edge_text(plan.section.commission.threshold, "attainment")
            )
        ]

    def export(self, e, s):
        return Block(
            s.sales[..., None],
            np.nan,
            e.threshold[..., None],
            reference=(s.plan.threshold * s.quota)[..., None],
        )

    def explain(self, line, fmt):
        return _("sales {sales} are below the threshold of {needed}").format(
            sales=fmt.money(line["base"]), needed=fmt.money(line["reference"])
        )

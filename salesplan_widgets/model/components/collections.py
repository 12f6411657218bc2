"""Commission on cash collected (`incentives.collections`, 回款): a rate on the cash received in the period,
reduced for cash that arrives late after its invoice (ageing steps; not retroactive, since each receipt
earns the rate of its own age and earlier receipts on the invoice keep theirs).

The cash comes aged from the receipts source (`workbook/receipts.py`) on the pay cube; one statement line
per age band.
"""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.base import Block, Component, Context, rates_text


class Collections(Component):
    name = "collections"
    schema = "incentives.collections"

    def compile(self, section):
        if section.collections is None:
            return {"collection_edges": np.zeros(0, dtype=int), "collection_rate": np.zeros(0)}
        edges, rates = section.collections.bands()
        return {
            "collection_edges": np.array(edges, dtype=int),
            "collection_rate": np.array(rates, dtype=float),
        }

    def earn(self, ctx: Context) -> None:
        cash = ctx.inputs.get("collected")
        if cash is None:
            cash = np.zeros((*ctx.sales.shape, len(ctx.plan.collection_rate)))
        amount = cash * ctx.plan.collection_rate
        ctx.out["collected_base"], ctx.out["collected_amount"] = cash, amount
        ctx.add(amount.sum(-1))

    def labels(self, plan, currency):
        edges, rates = list(plan.collection_edges), plan.collection_rate
        if not len(rates):
            return []
        if not edges:
            return [_("Cash collected at {rate}").format(rate=rates_text(rates[0]))]
        lows, highs = [0, *edges], [*edges, None]
        out = []
        for lo, hi, rate in zip(lows, highs, rates, strict=True):
            if lo == 0:
                text = _("Cash collected within {days} days of the invoice at {rate}").format(
                    days=hi, rate=rates_text(rate)
                )
            elif hi is None:
                text = _("Cash collected over {days} days after the invoice at {rate}").format(
                    days=lo, rate=rates_text(rate)
                )
            else:
                text = _("Cash collected {lo} to {hi} days after the invoice at {rate}").format(
                    lo=lo, hi=hi, rate=rates_text(rate)
                )
            out.append(text)
        return out

    def export(self, e, s):
        return Block(e.collected_base, s.plan.collection_rate, e.collected_amount, keep=e.collected_base != 0)

    def explain(self, line, fmt) -> str:
        return _("cash collected {base} × {rate} = {amount}").format(
            base=fmt.money(line["base"]), rate=fmt.percent(line["rate"]), amount=fmt.money(line["amount"])
        )

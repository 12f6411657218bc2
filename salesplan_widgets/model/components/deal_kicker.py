"""Deal-size kicker (`incentives.deal_kicker`): an extra rate, or a fixed bonus, on every deal of at least a
size, computed per deal on the transactions (`workbook/deals.deal_facts`), not on monthly totals, and paid
in the month the deal was first booked. A deal is the lines of one deal id (else one invoice, else a line).
"""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _, fmt_number
from salesplan_widgets.model.components.base import Block, Component, Context, rates_text


class DealKicker(Component):
    name = "deal_kicker"
    schema = "incentives.deal_kicker"

    def compile(self, section):
        k = section.deal_kicker
        if k is None:
            return {"kicker_rate": np.zeros(0), "kicker_bonus": np.zeros(0), "kicker_at_least": np.zeros(0)}
        return {"kicker_rate": np.array([k.rate]), "kicker_bonus": np.array([k.bonus]),
                "kicker_at_least": np.array([k.at_least])}  # fmt: skip

    def earn(self, ctx: Context) -> None:
        n = len(ctx.plan.kicker_rate)
        value = ctx.inputs.get("kicker_sales")
        count = ctx.inputs.get("kicker_deals")
        value = np.zeros((*ctx.sales.shape, n)) if value is None else value
        count = np.zeros((*ctx.sales.shape, n)) if count is None else count
        amount = value * ctx.plan.kicker_rate + count * ctx.plan.kicker_bonus
        ctx.out["kicker_base"], ctx.out["kicker_deals"], ctx.out["kicker_amount"] = value, count, amount
        ctx.add(amount.sum(-1))

    def labels(self, plan, currency):
        k = plan.section.deal_kicker
        if k is None:
            return []
        if k.bonus and not k.rate:
            return [_("Deal-size kicker: {bonus} per deal of {size} or more").format(
                bonus=fmt_number(k.bonus), size=fmt_number(k.at_least))]  # fmt: skip
        return [_("Deal-size kicker: {rate} on deals of {size} or more").format(
            rate=rates_text(k.rate), size=fmt_number(k.at_least))]  # fmt: skip

    def export(self, e, s):
        return Block(e.kicker_base, s.plan.kicker_rate, e.kicker_amount, keep=e.kicker_amount != 0,
                     reference=e.kicker_deals)  # fmt: skip

    def explain(self, line, fmt) -> str:
        return _("{deals} large deals worth {base}: kicker {amount}").format(
            deals=f"{line['reference']:g}", base=fmt.money(line["base"]), amount=fmt.money(line["amount"])
        )

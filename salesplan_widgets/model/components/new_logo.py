"""New-logo bonus (`incentives.new_logo`): a bonus for every new account won, paid to the rep on the
account's first sale (its first line above 0: a return wins nothing), in that line's month; counted on the transactions in DuckDB
(`workbook/deals.deal_facts`), with an optional smallest first order."""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _, fmt_number
from salesplan_widgets.model.components.base import Block, Component, Context


class NewLogo(Component):
    name = "new_logo"
    schema = "incentives.new_logo"

    def compile(self, section):
        logo = section.new_logo
        return {"new_logo_bonus": np.zeros(0) if logo is None else np.array([logo.bonus])}

    def earn(self, ctx: Context) -> None:
        won = ctx.inputs.get("new_logos")
        won = np.zeros((*ctx.sales.shape, len(ctx.plan.new_logo_bonus))) if won is None else won
        amount = won * ctx.plan.new_logo_bonus
        ctx.out["new_logo_base"], ctx.out["new_logo_amount"] = won, amount
        ctx.add(amount.sum(-1))

    def labels(self, plan, currency):
        logo = plan.section.new_logo
        if logo is None:
            return []
        if logo.min_first_order:
            return [_("New-logo bonus: {bonus} per new account with a first order of {size} or more").format(
                bonus=fmt_number(logo.bonus), size=fmt_number(logo.min_first_order))]  # fmt: skip
        return [_("New-logo bonus: {bonus} per new account").format(bonus=fmt_number(logo.bonus))]

    def export(self, e, s):
        return Block(e.new_logo_base, np.nan, e.new_logo_amount, keep=e.new_logo_amount != 0)

    def explain(self, line, fmt) -> str:
        return _("{count} new accounts won: bonus {amount}").format(
            count=f"{line['base']:g}", amount=fmt.money(line["amount"])
        )

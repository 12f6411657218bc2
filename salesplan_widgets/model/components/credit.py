"""Credit lines (`incentives.crediting`, `incentives.hierarchy`, `incentives.account_winner`): the sales a rep is credited with beyond
their own bookings, shown on the statement so a split, an overlay or a manager's team credit is visible.

The lines earn nothing themselves: the credited sales are already in the sales the other lines pay on.
"""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.base import Block, Component, Context
from salesplan_widgets.model.credit import CREDIT_LINES


class Credit(Component):
    name = "credit"
    schema = "incentives.crediting"

    def earn(self, ctx: Context) -> None:
        credit = ctx.inputs.get("credit_sales")
        if credit is None:
            credit = np.zeros((*ctx.sales.shape, len(CREDIT_LINES)))
        ctx.out["credit_base"] = credit

    def labels(self, plan, currency):
        return [
            _("Split credit: your share of sales split with other reps"),
            _("Overlay credit: sales credited beside the owner (total credit above 100%)"),
            _("Team credit: your team's sales, counted on your own plan"),
            _("Won-account credit: sales of an account you won, booked by another rep"),
            _("Won-account overlay: sales of an account you won, credited beside the rep who booked them"),
        ]

    def export(self, e, s):
        base = e.credit_base
        return Block(base, np.nan, np.zeros(base.shape), keep=base != 0)

    def explain(self, line, fmt) -> str:
        return _("{base} of sales credited to you; the lines above pay on it").format(
            base=fmt.money(line["base"])
        )

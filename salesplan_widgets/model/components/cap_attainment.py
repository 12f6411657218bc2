"""Attainment cap (`incentives.commission.caps.attainment`): sales above the cap earn nothing.

One adjustment line: what the bands, overrides, accelerators and the target incentive would pay on capped
sales, minus what they pay uncapped.
"""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.accelerators import accelerator_pay
from salesplan_widgets.model.components.bands import band_pay
from salesplan_widgets.model.components.base import INF, Block, Component, Context, adjustment, edge_text
from salesplan_widgets.model.components.overrides import override_pay
from salesplan_widgets.model.components.target_incentive import curve_pay


class AttainmentCap(Component):
    name = "cap_attainment"
    schema = "incentives.commission.caps.attainment"

    def compile(self, section):
        cap = section.commission.caps.attainment
        return {"cap_attainment": INF if cap is None else cap}

    def earn(self, ctx: Context) -> None:
        plan, sales, quota = ctx.plan, ctx.sales, ctx.quota
        if not np.isfinite(plan.cap_attainment):
            ctx.out["cap_attainment_base"] = np.zeros(sales.shape)
            ctx.out["cap_attainment"] = np.zeros(sales.shape)
            return
        share = ctx.inputs["override_share"]
        capped = np.minimum(sales, np.where(quota > 0, plan.cap_attainment * quota, INF))
        _b, c_band = band_pay(plan, capped, quota, share)
        _a, c_accel = accelerator_pay(plan, capped, quota, share)
        _o, c_over = override_pay(plan, capped, share)
        _t, _r, c_ti = curve_pay(
            plan, np.minimum(ctx.attainment, plan.cap_attainment), plan.ti_amount * ctx.periods
        )
        _t, _r, ti = curve_pay(plan, ctx.attainment, plan.ti_amount * ctx.periods)
        out = ctx.out
        adjustment_ = (
            c_band.sum(-1) + c_accel.sum(-1) + c_over.sum(-1) + c_ti.sum(-1)
            - out["band_amount"].sum(-1) - out["accel_amount"].sum(-1) - out["override_amount"].sum(-1)
            - ti.sum(-1)
        )  # fmt: skip
        out["cap_attainment_base"] = np.maximum(sales - capped, 0.0)
        out["cap_attainment"] = adjustment_
        ctx.add(adjustment_)

    def labels(self, plan, currency):
        return [
            _("Cap: sales above {cap} attainment earn nothing").format(
                cap=edge_text(plan.cap_attainment, "attainment")
            )
        ]

    def export(self, e, s):
        return Block(e.cap_attainment_base[..., None], np.nan, e.cap_attainment[..., None])

    explain = staticmethod(adjustment)

"""Tier bands (`incentives.commission.tiers`, or the base rate without bands): marginal or retroactive.

Also the band arithmetic the accelerators and the attainment cap reuse: edges in money, sales per band,
and the cumulative commission up to a point.
"""

from __future__ import annotations

import numpy as np

from salesplan_widgets.i18n import _
from salesplan_widgets.model.components.base import INF, Block, Component, Context, edge_text, rates_text


def money_edges(edges: np.ndarray, quota: np.ndarray, basis: str) -> np.ndarray:
    """Edges in money, shape quota.shape + edges.shape. Without a quota only edges at 0 are reachable."""
    if basis == "amount":
        return np.broadcast_to(edges, (*quota.shape, len(edges)))
    q = quota[..., None]
    if np.all(q > 0):  # the usual case, without the masks
        return edges * q
    return np.where(q > 0, edges * np.where(q > 0, q, 1.0), np.where(edges > 0, INF, 0.0))


def band_bases(sales: np.ndarray, lo: np.ndarray, hi: np.ndarray, mode: str) -> np.ndarray:
    """Sales counted in each band: marginal splits sales at the edges; retroactive puts all in the band reached.

    The first band also takes negative net sales (returns), so a bad month can be clawed back.
    """
    s = sales[..., None]
    if mode == "retroactive":
        reached = np.maximum((lo <= s).sum(axis=-1) - 1, 0)
        return np.where(np.arange(lo.shape[-1]) == reached[..., None], s, 0.0)
    width = np.where(np.isinf(lo), 0.0, hi - np.where(np.isinf(lo), 0.0, lo))
    base = np.clip(s - lo, 0.0, width)
    base[..., 0] = np.minimum(sales, hi[..., 0])
    return base


def cumulative_commission(plan, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Marginal band commission earned on the first `x` of sales, for each edge on the last axis of `x`."""
    xs = np.moveaxis(x, -1, 0)  # (K, ...)
    out = np.empty_like(xs)
    for i in range(x.shape[-1]):  # over the plan's few accelerators, not over reps
        out[i] = (band_bases(xs[i], lo, hi, "marginal") * plan.band_rate).sum(-1)
    return np.moveaxis(out, 0, -1)


def rest_of(share: np.ndarray) -> np.ndarray:
    """The share of sales the bands pay: what no override slice took."""
    return np.clip(1.0 - share.sum(-1), 0.0, 1.0)


def band_pay(plan, sales: np.ndarray, quota: np.ndarray, share: np.ndarray):
    """Band bases and amounts; override slices (`share`) are left out of the bands."""
    lo = money_edges(plan.band_lo, quota, plan.basis)
    hi = money_edges(plan.band_hi, quota, plan.basis)
    base = band_bases(sales, lo, hi, plan.mode) * rest_of(share)[..., None]
    return base, base * plan.band_rate


class Bands(Component):
    name = "band"
    schema = "incentives.commission.tiers"

    def compile(self, section):
        c = section.commission
        bands = c.tiers.bands
        if bands:
            lo = np.array([b.at_least for b in bands], dtype=float)
            hi = np.array([INF if b.below is None else b.below for b in bands], dtype=float)
            rate = np.array([b.rate for b in bands], dtype=float)
        else:  # without bands, one band from 0 upward at the base rate
            lo, hi, rate = np.zeros(1), np.full(1, INF), np.full(1, c.base_rate)
        return {"basis": c.tiers.basis, "mode": c.tiers.mode, "band_lo": lo, "band_hi": hi, "band_rate": rate,
                "base_rate": c.base_rate}  # fmt: skip

    def earn(self, ctx: Context) -> None:
        base, amount = band_pay(ctx.plan, ctx.sales, ctx.quota, ctx.inputs["override_share"])
        ctx.out["band_base"], ctx.out["band_amount"] = base, amount
        ctx.add(amount.sum(-1))

    def labels(self, plan, currency):
        c = plan.section.commission
        if not c.tiers.bands:
            return [_("Commission at the base rate {rate}").format(rate=rates_text(c.base_rate))]
        band = [
            _("Band {lo} to {hi} at {rate}").format(
                lo=edge_text(lo, plan.basis), hi=edge_text(hi, plan.basis), rate=rates_text(rate)
            )
            for lo, hi, rate in zip(plan.band_lo, plan.band_hi, plan.band_rate, strict=True)
        ]
        if c.tiers.mode == "retroactive":
            band = [b + " " + _("(retroactive: on all sales)") for b in band]
        return band

    def export(self, e, s):
        return Block(e.band_base, s.plan.band_rate, e.band_amount, keep=e.band_base != 0)

"""The commission engine: every rule of an incentive plan as array arithmetic over all reps at once.

`compile_plan` turns the plan section into edge and rate arrays; `earn` takes sales and quota arrays of any
shape (reps, periods × reps, draws × reps …) and returns each component of the earnings as an array, so
statements, the estimator and the simulation share one calculation. Order of the rules: tier bands →
rate overrides (a slice's sales leave the bands and earn the override rate instead) → accelerators → attainment cap → rate cap → target incentive → threshold → SPIFs and
milestones → payout cap. Pure numpy: no loops over reps, no files, no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesplan_widgets.workbook.schema.incentives import IncentivesSection

INF = np.inf


@dataclass(frozen=True)
class CompiledPlan:
    """A plan's rules as arrays: band edges/rates, accelerator ranges, caps, curve, bonuses."""

    section: IncentivesSection
    basis: str
    mode: str
    band_lo: np.ndarray
    band_hi: np.ndarray
    band_rate: np.ndarray
    base_rate: float
    override_rate: np.ndarray
    accel_lo: np.ndarray
    accel_hi: np.ndarray
    accel_mult: np.ndarray
    threshold: float
    cap_attainment: float
    cap_rate: float
    cap_payout: float
    ti_amount: float
    curve_att: np.ndarray
    curve_pay: np.ndarray
    spif_rate: np.ndarray
    milestone_bonus: np.ndarray
    milestone_rate: np.ndarray

    @property
    def n_bands(self) -> int:
        return len(self.band_rate)

    @property
    def curve_segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Target-incentive curve as segments (lo, hi, slope); the last slope continues without end."""
        a, p = self.curve_att, self.curve_pay
        if len(a) == 0:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        slopes = np.diff(p) / np.diff(a)
        last = slopes[-1:] if len(slopes) else np.zeros(1)
        return a, np.append(a[1:], INF), np.append(slopes, last)


def compile_plan(section: IncentivesSection) -> CompiledPlan:
    """The plan as arrays; without bands, one band from 0 upward at the base rate."""
    c = section.commission
    bands = c.tiers.bands
    if bands:
        lo = np.array([b.at_least for b in bands], dtype=float)
        hi = np.array([INF if b.below is None else b.below for b in bands], dtype=float)
        rate = np.array([b.rate for b in bands], dtype=float)
    else:
        lo, hi, rate = np.zeros(1), np.full(1, INF), np.full(1, c.base_rate)
    ti = section.target_incentive
    return CompiledPlan(
        section=section,
        basis=c.tiers.basis,
        mode=c.tiers.mode,
        band_lo=lo,
        band_hi=hi,
        band_rate=rate,
        base_rate=c.base_rate,
        override_rate=np.array([o.rate for o in c.overrides], dtype=float),
        accel_lo=np.array([a.at_least for a in c.accelerators], dtype=float),
        accel_hi=np.array([INF if a.below is None else a.below for a in c.accelerators], dtype=float),
        accel_mult=np.array([a.multiplier for a in c.accelerators], dtype=float),
        threshold=c.threshold,
        cap_attainment=INF if c.caps.attainment is None else c.caps.attainment,
        cap_rate=INF if c.caps.rate is None else c.caps.rate,
        cap_payout=INF if c.caps.payout is None else c.caps.payout,
        ti_amount=0.0 if ti is None else ti.amount,
        curve_att=np.array([p.attainment for p in ti.curve] if ti else [], dtype=float),
        curve_pay=np.array([p.payout for p in ti.curve] if ti else [], dtype=float),
        spif_rate=np.array([s.rate for s in section.spifs], dtype=float),
        milestone_bonus=np.array([m.bonus for m in section.milestones], dtype=float),
        milestone_rate=np.array([m.rate for m in section.milestones], dtype=float),
    )


@dataclass(frozen=True)
class Earnings:
    """Each component of what reps earned, as arrays shaped like the sales (plus a trailing rule axis)."""

    attainment: np.ndarray
    band_base: np.ndarray
    band_amount: np.ndarray
    override_base: np.ndarray
    override_amount: np.ndarray
    accel_base: np.ndarray
    accel_amount: np.ndarray
    cap_attainment_base: np.ndarray
    cap_attainment: np.ndarray
    cap_rate: np.ndarray
    ti_base: np.ndarray
    ti_rate: np.ndarray
    ti_amount: np.ndarray
    threshold: np.ndarray
    spif_base: np.ndarray
    spif_amount: np.ndarray
    milestone_base: np.ndarray
    milestone_met: np.ndarray
    milestone_amount: np.ndarray
    cap_payout: np.ndarray
    total: np.ndarray = field(repr=False)


def attainment(sales: np.ndarray, quota: np.ndarray) -> np.ndarray:
    """actual ÷ quota; 0 where a rep has no quota (then only the first band and no threshold pass apply)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(quota > 0, sales / np.where(quota > 0, quota, 1.0), 0.0)


def _money_edges(edges: np.ndarray, quota: np.ndarray, basis: str) -> np.ndarray:
    """Edges in money, shape quota.shape + edges.shape. Without a quota only edges at 0 are reachable."""
    if basis == "amount":
        return np.broadcast_to(edges, (*quota.shape, len(edges)))
    q = quota[..., None]
    if np.all(q > 0):  # the usual case, without the masks
        return edges * q
    return np.where(q > 0, edges * np.where(q > 0, q, 1.0), np.where(edges > 0, INF, 0.0))


def _band_bases(sales: np.ndarray, lo: np.ndarray, hi: np.ndarray, mode: str) -> np.ndarray:
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


def _tiered(plan: CompiledPlan, sales: np.ndarray, quota: np.ndarray, share: np.ndarray | None = None):
    """Band bases and amounts, and accelerator bases/amounts, for sales at position `sales`.

    `share` (trailing override axis) is each override slice's share of the sales: that share is taken out
    of every band (it is paid at the override rate instead), and accelerators multiply the commission
    earned in their range whether it came from a band or from an override.
    """
    if share is None:
        share = np.zeros((*sales.shape, len(plan.override_rate)))
    rest = np.clip(1.0 - share.sum(-1), 0.0, 1.0)
    slice_rate = (share * plan.override_rate).sum(-1)  # override commission per unit of sales
    lo = _money_edges(plan.band_lo, quota, plan.basis)
    hi = _money_edges(plan.band_hi, quota, plan.basis)
    band_base = _band_bases(sales, lo, hi, plan.mode) * rest[..., None]
    band_amount = band_base * plan.band_rate
    if len(plan.accel_mult):
        a_lo = _money_edges(plan.accel_lo, quota, "attainment")
        a_hi = _money_edges(plan.accel_hi, quota, "attainment")
        s = np.maximum(sales, 0.0)[..., None]
        top, bottom = np.minimum(s, a_hi), np.minimum(s, a_lo)
        span = np.maximum(top - bottom, 0.0)
        if plan.mode == "retroactive":
            full = _band_bases(sales, lo, hi, plan.mode) * plan.band_rate
            rate = (full.sum(-1) / np.where(sales != 0, sales, 1.0))[..., None]
            accel_base = rate * span * rest[..., None]
        else:  # commission earned between the two edges = C(top) - C(bottom), C the cumulative commission
            accel_base = (
                _cumulative_commission(plan, top, quota, lo, hi)
                - _cumulative_commission(plan, bottom, quota, lo, hi)
            ) * rest[..., None]
        accel_base = accel_base + slice_rate[..., None] * span
        accel_base = np.where(np.isfinite(accel_base), accel_base, 0.0)
    else:
        accel_base = np.zeros((*sales.shape, 0))
    accel_amount = accel_base * (plan.accel_mult - 1.0)
    return band_base, band_amount, accel_base, accel_amount


def override_share(sales: np.ndarray, override_sales: np.ndarray) -> np.ndarray:
    """Each override slice's share of a rep's sales (0 when net sales are not positive: then returns and
    sales all go through the bands, so nothing is paid twice)."""
    positive = (sales > 0)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = override_sales / np.where(positive, sales[..., None], 1.0)
    return np.where(positive, np.clip(share, 0.0, 1.0), 0.0)


def _cumulative_commission(plan, x, quota, lo, hi):
    """Marginal commission earned on the first `x` of sales, for each accelerator edge on the last axis."""
    k = x.shape[-1]
    xs = np.moveaxis(x, -1, 0)  # (K, ...)
    out = np.empty_like(xs)
    for i in range(k):  # over the plan's few accelerators, not over reps
        out[i] = (_band_bases(xs[i], lo, hi, "marginal") * plan.band_rate).sum(-1)
    return np.moveaxis(out, 0, -1)


def _target_incentive(plan: CompiledPlan, att: np.ndarray, amount: np.ndarray):
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


def earn(
    plan: CompiledPlan,
    sales: np.ndarray,
    quota: np.ndarray,
    override_sales: np.ndarray | None = None,
    spif_sales: np.ndarray | None = None,
    milestone_sales: np.ndarray | None = None,
    milestone_target: np.ndarray | None = None,
    milestone_due: np.ndarray | None = None,
    periods: np.ndarray | float = 1.0,
) -> Earnings:
    """Every component of the earnings for sales and quota arrays of the same shape.

    Optional per-rule inputs carry a trailing axis: sales in each override slice and SPIF slice, and for
    each milestone the cumulative sales, the checkpoint and whether it falls due. `periods` multiplies the
    payout cap and the target incentive (year-to-date calculations span several periods).
    """
    sales = np.asarray(sales, dtype=float)
    quota = np.asarray(quota, dtype=float)  # may be smaller than sales (one quota per rep for all draws)
    periods = np.broadcast_to(np.asarray(periods, dtype=float), sales.shape)
    att = attainment(sales, quota)

    n_over = len(plan.override_rate)
    if override_sales is None:
        override_sales = np.zeros((*sales.shape, n_over))
    share = override_share(sales, np.asarray(override_sales, dtype=float))
    band_base, band_amount, accel_base, accel_amount = _tiered(plan, sales, quota, share)
    # An override replaces the band rate for its slice: those sales are paid at the override rate only.
    override_base = share * sales[..., None]
    override_amount = override_base * plan.override_rate

    ti_base, ti_rate, ti_amount = _target_incentive(plan, att, plan.ti_amount * periods)
    # Attainment cap: the difference between paying on capped and uncapped sales, as one adjustment line.
    if np.isfinite(plan.cap_attainment):
        capped = np.minimum(sales, np.where(quota > 0, plan.cap_attainment * quota, INF))
        _, c_band, _, c_accel = _tiered(plan, capped, quota, share)
        c_over = share * capped[..., None] * plan.override_rate
        _, _, c_ti = _target_incentive(plan, np.minimum(att, plan.cap_attainment), plan.ti_amount * periods)
        cap_attainment = (
            c_band.sum(-1) + c_accel.sum(-1) + c_over.sum(-1) + c_ti.sum(-1)
            - band_amount.sum(-1) - accel_amount.sum(-1) - override_amount.sum(-1) - ti_amount.sum(-1)
        )  # fmt: skip
    else:
        capped, cap_attainment = sales, np.zeros(sales.shape)
    commission = band_amount.sum(-1) + override_amount.sum(-1) + accel_amount.sum(-1) + cap_attainment
    cap_rate = np.where(
        (sales > 0) & np.isfinite(plan.cap_rate),
        np.minimum(0.0, np.where(np.isfinite(plan.cap_rate), plan.cap_rate, 0.0) * sales - commission),
        0.0,
    )
    paid_on_performance = commission + cap_rate + ti_amount.sum(-1)
    below = (att < plan.threshold) if plan.threshold > 0 else np.zeros(sales.shape, dtype=bool)
    threshold = np.where(below, -paid_on_performance, 0.0)

    if spif_sales is None:
        spif_sales = np.zeros((*sales.shape, len(plan.spif_rate)))
    spif_amount = spif_sales * plan.spif_rate
    n_ms = len(plan.milestone_bonus)
    if milestone_sales is None:
        milestone_sales = np.zeros((*sales.shape, n_ms))
        milestone_target = np.full((*sales.shape, n_ms), INF)
        milestone_due = np.zeros((*sales.shape, n_ms), dtype=bool)
    met = milestone_due & (milestone_sales >= milestone_target)
    milestone_amount = np.where(met, plan.milestone_bonus + plan.milestone_rate * milestone_sales, 0.0)

    before_cap = paid_on_performance + threshold + spif_amount.sum(-1) + milestone_amount.sum(-1)
    limit = plan.cap_payout * periods if np.isfinite(plan.cap_payout) else INF  # inf × 0 periods is no cap
    cap_payout = np.minimum(0.0, limit - before_cap)
    return Earnings(
        attainment=att,
        band_base=band_base,
        band_amount=band_amount,
        override_base=override_base,
        override_amount=override_amount,
        accel_base=accel_base,
        accel_amount=accel_amount,
        cap_attainment_base=np.maximum(sales - capped, 0.0),
        cap_attainment=cap_attainment,
        cap_rate=cap_rate,
        ti_base=ti_base,
        ti_rate=ti_rate,
        ti_amount=ti_amount,
        threshold=threshold,
        spif_base=spif_sales,
        spif_amount=spif_amount,
        milestone_base=milestone_sales,
        milestone_met=met,
        milestone_amount=milestone_amount,
        cap_payout=cap_payout,
        total=before_cap + cap_payout,
    )


def payout(plan: CompiledPlan | IncentivesSection, sales, quota) -> np.ndarray:
    """Total earned for sales and quota arrays (no slices, SPIFs or milestones): the payout curve."""
    compiled = plan if isinstance(plan, CompiledPlan) else compile_plan(plan)
    return earn(compiled, np.asarray(sales, dtype=float), np.asarray(quota, dtype=float)).total


def credit_sales(cube: pd.DataFrame, section: IncentivesSection) -> pd.DataFrame:
    """The cube with split deals credited to each rep in their stated share (the first matching split wins).

    Rows no split names keep their rep; split rows become one row per receiving rep, actual × share.
    """
    if not section.crediting or cube.empty:
        return cube
    rule = np.full(len(cube), -1)
    for i, split in reversed(list(enumerate(section.crediting))):  # few rules; earlier ones win
        match = (cube["rep"] == split.rep).to_numpy()
        if split.segment is not None:
            match = match & (cube["segment"] == split.segment).to_numpy()
        if split.channel is not None:
            match = match & (cube["channel"] == split.channel).to_numpy()
        rule[match] = i
    shares = pd.DataFrame(
        [(i, rep, share) for i, s in enumerate(section.crediting) for rep, share in s.shares.items()],
        columns=["_rule", "_to", "_share"],
    )
    kept = cube[rule < 0]
    split = cube[rule >= 0].assign(_rule=rule[rule >= 0]).merge(shares, on="_rule")
    for column in ("actual", "quantity"):
        if column in split:
            split[column] = split[column] * split["_share"]
    split = split.assign(rep=split["_to"]).drop(columns=["_rule", "_to", "_share"])
    return pd.concat([kept, split], ignore_index=True)

"""The commission engine: every rule of an incentive plan as array arithmetic over all reps at once.

`compile_plan` turns the plan section into edge and rate arrays; `earn` takes sales and quota arrays of any
shape (reps, periods × reps, draws × reps …) and returns each component of the earnings as an array, so
statements, the estimator and the simulation share one calculation. Each rule lives in its own module under
model/components/ (its schema, compile step, earn step, label, explanation and export); this module runs
them in the registry's order: tier bands → rate overrides (a slice's sales leave the bands and earn the
override rate instead) → accelerators → attainment cap → rate cap → target incentive → threshold → SPIFs
and milestones → payout cap. Pure numpy: no loops over reps, no files, no widgets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from salesplan_widgets.model.credit import credit_sales  # noqa: F401 (where callers have found it)
from salesplan_widgets.schema.incentives import IncentivesSection

INF = np.inf


class RegistryExtras:
    """Fields of components added to the registry, read as attributes (`plan.kicker_rate`) from the
    dataclass's `extra` dict: a new component's compile step or earn step needs no field declared here.
    Read through `__dict__` so that an object not yet filled in (a copy, an unpickling) has no extras
    rather than recursing."""

    def __getattr__(self, name: str):
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        raise AttributeError(name)


@dataclass(frozen=True)
class CompiledPlan(RegistryExtras):
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
    extra: dict = field(default_factory=dict, repr=False)  # fields of components added to the registry

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
    """The plan as arrays: each component compiles the fields it owns."""
    from salesplan_widgets.model.components import COMPONENTS

    fields: dict = {}
    for component in COMPONENTS.values():
        fields |= component.compile(section)
    known = {f.name for f in dataclasses.fields(CompiledPlan)}
    extra = {k: v for k, v in fields.items() if k not in known}
    return CompiledPlan(section=section, extra=extra, **{k: v for k, v in fields.items() if k in known})


@dataclass(frozen=True)
class Earnings(RegistryExtras):
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
    extra: dict = field(default_factory=dict, repr=False)  # arrays of components added to the registry


def attainment(sales: np.ndarray, quota: np.ndarray) -> np.ndarray:
    """actual ÷ quota; 0 where a rep has no quota (then only the first band and no threshold pass apply)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(quota > 0, sales / np.where(quota > 0, quota, 1.0), 0.0)


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
    **inputs: np.ndarray | None,
) -> Earnings:
    """Every component of the earnings for sales and quota arrays of the same shape.

    Optional per-rule inputs carry a trailing axis: sales in each override slice and SPIF slice, and for
    each milestone the cumulative sales, the checkpoint and whether it falls due. `periods` multiplies the
    payout cap and the target incentive (year-to-date calculations span several periods). Further
    `inputs` (e.g. `team_sales`, `credit_sales`) are passed to the components that read them.
    """
    from salesplan_widgets.model.components import COMPONENTS, Context

    sales = np.asarray(sales, dtype=float)
    quota = np.asarray(quota, dtype=float)  # may be smaller than sales (one quota per rep for all draws)
    ctx = Context(
        plan=plan,
        sales=sales,
        quota=quota,
        attainment=attainment(sales, quota),
        periods=np.broadcast_to(np.asarray(periods, dtype=float), sales.shape),
        inputs={
            "override_sales": override_sales,
            "spif_sales": spif_sales,
            "milestone_sales": milestone_sales,
            "milestone_target": milestone_target,
            "milestone_due": milestone_due,
            **inputs,
        },
        total=np.zeros(sales.shape),
    )
    for component in COMPONENTS.values():
        component.prepare(ctx)
    for component in COMPONENTS.values():  # in the registry's order: each reads the total of those before
        component.earn(ctx)
    known = {f.name for f in dataclasses.fields(Earnings)}
    extra = {k: v for k, v in ctx.out.items() if k not in known}
    return Earnings(
        attainment=ctx.attainment,
        total=ctx.total,
        extra=extra,
        **{k: v for k, v in ctx.out.items() if k in known},
    )


def payout(plan: CompiledPlan | IncentivesSection, sales, quota) -> np.ndarray:
    """Total earned for sales and quota arrays (no slices, SPIFs or milestones): the payout curve."""
    compiled = plan if isinstance(plan, CompiledPlan) else compile_plan(plan)
    return earn(compiled, np.asarray(sales, dtype=float), np.asarray(quota, dtype=float)).total

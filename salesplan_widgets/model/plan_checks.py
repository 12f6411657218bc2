"""Checks of a commission plan's shape that no single key can fail: where payout falls as attainment rises.

A retroactive plan whose higher band pays a lower rate, or a payout curve that turns down, pays a rep less
for selling more: reps then hold deals back. `payout_cliffs` runs the plan's own payout curve (the engine
in model/commission.py) over attainment, just below and at every edge, and reports each fall. Pure: no
files, no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from salesplan_widgets.model.commission import compile_plan, payout
from salesplan_widgets.schema.incentives import IncentivesSection

TYPICAL_QUOTA = 100_000.0
EDGE_GAP = 1e-6  # attainment just below an edge
GRID = 2_001


@dataclass(frozen=True)
class Cliff:
    """Payout falls from `before` to `after` as attainment rises to `attainment` (on a quota of `quota`)."""

    attainment: float
    before: float
    after: float
    quota: float


def _edges(section: IncentivesSection, quota: float) -> np.ndarray:
    """Every attainment where the plan's payout may change its course."""
    plan = compile_plan(section)
    bands = np.concatenate([plan.band_lo, plan.band_hi])
    if plan.basis == "amount":
        bands = bands / quota
    edges = np.concatenate(
        [bands, plan.accel_lo, plan.accel_hi, plan.curve_att, [plan.threshold, plan.cap_attainment, 1.0]]
    )
    return edges[np.isfinite(edges)]


def payout_cliffs(section: IncentivesSection, quota: float = TYPICAL_QUOTA) -> list[Cliff]:
    """Each place where the payout curve falls as attainment rises (empty for a sound plan)."""
    edges = _edges(section, quota)
    top = 1.5 * max(float(edges.max(initial=0.0)), 2.0)
    grid = np.unique(np.clip(np.concatenate([np.linspace(0.0, top, GRID), edges, edges - EDGE_GAP]), 0, None))
    paid = payout(section, grid * quota, np.full_like(grid, quota))
    tolerance = 1e-9 * max(1.0, float(np.abs(paid).max()))
    falling = np.diff(paid) < -tolerance
    cliffs = []
    starts = np.flatnonzero(falling & ~np.concatenate([[False], falling[:-1]]))
    for start in starts:  # over the few places a plan falls, not over reps
        end = start
        while end + 1 < len(falling) and falling[end + 1]:
            end += 1
        cliffs.append(
            Cliff(
                attainment=float(grid[start + 1]),
                before=float(paid[start]),
                after=float(paid[end + 1]),
                quota=quota,
            )
        )
    return cliffs

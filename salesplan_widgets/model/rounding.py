"""Whole units that add up: the one largest-remainder rounding behind every split, statement and report.

`apportion` rounds exact quotas to whole units so that every group sums exactly to its integer total;
`largest_remainder` first turns weights into quotas (a share of the total); `round_rows` does one group per
row of a matrix. Everything is vectorised over groups (no loops over reps or cells).

The rules, so a result can be checked by hand:

- each item gets the floor of its quota; a group's missing units go one each to the items with the largest
  fractional parts (fractions equal to 9 decimals are a tie);
- a tie that straddles the cut (more tied items than units left) is not settled by position: its units are
  spread evenly over the tied items in their order (Bresenham steps: item q of n gets a unit when
  ⌊(q+1)·m/n + φ⌋ > ⌊q·m/n + φ⌋ for m units), starting at phase φ = 0.5 in the first group, each next
  group going on where the previous one stopped (φ += m/n), so 12 equal months with 4 units left give one
  unit per quarter, and many small groups do not pile their units on the same months;
- weights are scaled by their group's largest weight before they are summed, so any positive scale (1e-300
  or 1e300) gives the same result and nothing overflows; a non-finite or negative weight is an error;
- a group whose weights are all zero is shared equally; items not eligible get nothing;
- totals are whole units up to 2**53 (what float64 holds exactly): beyond that a unit could be lost, so it
  is an InputError that asks for a larger rounding unit.

Pure numpy: never reads files or draws.
"""

from __future__ import annotations

import numpy as np

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _

MAX_UNITS = 2**53  # float64 holds every whole number up to here, so a sum of units is exact
TIE_DECIMALS = 9  # fractional parts equal to this many decimals are a tie


def _as_totals(totals: int | float | np.ndarray) -> np.ndarray:
    values = np.atleast_1d(np.asarray(totals))
    as_float = values.astype(np.float64)
    if not np.isfinite(as_float).all() or (np.abs(as_float) > MAX_UNITS).any():
        worst = values[~np.isfinite(as_float) | (np.abs(as_float) > MAX_UNITS)][0]
        raise InputError(
            Problem(
                _("rounding"),
                _("a total of at most {max:,} rounding units").format(max=MAX_UNITS),
                found=str(worst),
                fix=_("use a larger rounding unit (e.g. 1 or 1000 instead of 0.01)"),
            )
        )
    if (np.rint(as_float) != as_float).any():
        raise InputError(Problem(_("rounding"), _("whole units as totals"), found=str(values[0])))
    return values.astype(np.int64)


def _groups(groups: np.ndarray | None, n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)


def apportion(
    quotas: np.ndarray,
    totals: int | np.ndarray,
    groups: np.ndarray | None = None,
    eligible: np.ndarray | None = None,
    *,
    overwrite: bool = False,
) -> np.ndarray:
    """Whole units near each exact quota (within one unit when the quotas add up), each group summing
    exactly to its total; the rules are in the module docstring. Quotas may be negative (clawbacks).
    `overwrite` lets it use `quotas` as scratch space (a split's leaf level has millions of them).
    """
    quotas = np.array(quotas, dtype=np.float64, copy=not overwrite)
    totals = _as_totals(totals)
    group = _groups(groups, len(quotas))
    n_groups = len(totals)
    ok = None if eligible is None else np.asarray(eligible, dtype=bool)
    if ok is not None:
        quotas[~ok] = 0.0
    if not np.isfinite(quotas).all():
        raise InputError(
            Problem(_("rounding"), _("finite amounts"), found=str(quotas[~np.isfinite(quotas)][0]))
        )
    base = np.rint(quotas)  # float noise (2.9999999999) is not a fraction of a unit
    noise = np.abs(quotas - base) <= 1e-9
    quotas[noise] = base[noise]
    del noise
    np.floor(quotas, out=base)
    quotas -= base  # now the fractional part, in [0, 1)
    key = np.round(quotas, TIE_DECIMALS, out=quotas)
    if ok is not None:
        key[~ok] = -1.0
    units = base.astype(np.int64)
    del base
    n_ok = (
        np.bincount(group, minlength=n_groups)
        if ok is None
        else np.bincount(group, weights=ok, minlength=n_groups).astype(np.int64)
    )
    left = totals - np.bincount(group, weights=units, minlength=n_groups).astype(np.int64)
    if ((left != 0) & (n_ok == 0)).any():
        raise InputError(
            Problem(_("rounding"), _("an item that can take the total"), found=str(left[n_ok == 0][0]))
        )
    if not left.any():
        return units
    # whole rounds first (only when the quotas do not add up to the total), then the remainder
    rounds = np.where(n_ok > 0, left // np.maximum(n_ok, 1), 0)
    if rounds.any():
        units += rounds[group] if ok is None else np.where(ok, rounds[group], 0)
    rest = left - rounds * n_ok  # 0 <= rest < n_ok
    _add_bumps(units, group, key, rest, n_groups)
    return units


def _add_bumps(
    units: np.ndarray, group: np.ndarray, key: np.ndarray, rest: np.ndarray, n_groups: int
) -> None:
    """One unit more to each of the `rest` largest fractions per group, a straddling tie spread evenly.

    Ineligible items carry key -1 and rank last, so they are never reached (rest < eligible items).
    """
    rank = rank_within_groups(group, key, n_groups)
    r = rest[group]
    last = np.flatnonzero((rank == r - 1) & (r > 0))  # the last item a unit reaches by rank: the cut
    del r
    cut = np.full(n_groups, np.inf)
    cut[group[last]] = key[last]
    at_cut = cut[group]
    above = key > at_cut
    units += above
    tied = np.flatnonzero(key == at_cut)  # usually one item per group: only they need the even spread
    del at_cut
    n_above = np.bincount(group, weights=above, minlength=n_groups).astype(np.int64)
    del above
    tie_group = group[tied]
    n_tied = np.bincount(tie_group, minlength=n_groups)
    m_of_group = rest - n_above  # units each group's tie gets
    # each group's tie goes on where the previous group's left off, as one long Bresenham line
    step_of_group = np.where(n_tied > 0, m_of_group / np.maximum(n_tied, 1), 0.0)
    phase = ((0.5 + np.cumsum(step_of_group) - step_of_group) % 1.0)[tie_group]
    m, n_t = m_of_group[tie_group], n_tied[tie_group]
    q = rank[tied] - n_above[tie_group]  # position in the tie, in item order (the rank is stable)
    # units given up to each tied item; the last one closes on exactly m whatever the float rounding did
    given = np.minimum(np.floor(q * m / n_t + phase), m)
    upto = np.where(q + 1 >= n_t, m, np.minimum(np.floor((q + 1) * m / n_t + phase), m))
    units[tied] += (upto - given).astype(np.int64)


def rank_within_groups(group: np.ndarray, key: np.ndarray, n_groups: int) -> np.ndarray:
    """Each item's rank in its group by key, largest first (0), equal keys in item order.

    Groups laid out one after another (as the split's levels are) are ranked row by row in a small padded
    matrix, far cheaper than sorting millions of keys; otherwise one stable lexicographic sort.
    """
    n = len(group)
    if n and np.all(group[1:] >= group[:-1]):
        counts = np.bincount(group, minlength=n_groups)
        width = int(counts.max())
        if n_groups * width <= 4 * n + 1024:
            starts = np.cumsum(counts) - counts
            pos = np.arange(n) - starts[group]
            padded = np.full((n_groups, width), np.inf)
            padded[group, pos] = -key
            order = np.argsort(padded, axis=1, kind="stable").astype(np.int32)
            del padded
            ranks = np.empty_like(order)
            np.put_along_axis(ranks, order, np.arange(width, dtype=np.int32)[None, :], axis=1)
            del order
            return ranks[group, pos]
    order = np.lexsort((-key, group))  # stable: equal keys keep item order
    rank = np.empty(n, dtype=np.int64)
    sorted_group = group[order]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_group)) + 1] if n else np.zeros(0, np.int64)
    rank[order] = np.arange(n) - np.repeat(first, np.diff(np.r_[first, n]))
    return rank


def largest_remainder(
    totals: int | np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray | None = None,
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """Share each group's whole-unit total among its eligible items in proportion to weight.

    quota = total × w / Σw (w scaled by the group's largest weight first), then `apportion`.
    `largest_remainder(1000, [1e308, 1e308, 0])` is [500, 500, 0].
    """
    w = np.array(weights, dtype=np.float64)
    totals = _as_totals(totals)
    group = _groups(groups, len(w))
    n_groups = len(totals)
    ok = np.ones(len(w), dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    bad = ok & ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        raise InputError(
            Problem(
                _("split weights"),
                _("finite weights of zero or more"),
                row=int(np.flatnonzero(bad)[0]) + 1,
                found=str(w[bad][0]),
                fix=_("check the history or the manual weights behind this level"),
            )
        )
    w[~ok] = 0.0
    top = np.zeros(n_groups)
    np.maximum.at(top, group, w)
    if (top == 0).any():  # no weight anywhere in the group: equal shares
        w[ok & (top[group] == 0)] = 1.0
        top[top == 0] = 1.0
    w /= top[group]  # in (0, 1]: the sum cannot overflow, the shares do not depend on the scale
    wsum = np.bincount(group, weights=w, minlength=n_groups)
    w *= (totals / np.where(wsum > 0, wsum, 1.0))[group]  # the quotas, in place: the leaf level is big
    return apportion(w, totals, group, None if eligible is None else ok, overwrite=True)


def round_rows(exact: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Whole units per cell of each row of `exact`, each row summing to its total (one group per row)."""
    exact = np.asarray(exact, dtype=np.float64)
    n_rows, n_cols = exact.shape
    group = np.repeat(np.arange(n_rows, dtype=np.int64), n_cols)
    return apportion(exact.ravel(), np.asarray(totals), group).reshape(n_rows, n_cols)

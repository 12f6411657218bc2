"""Fairness diagnostics: each rep's quota per unit of potential and per unit of last year's sales.

A rep whose ratio sits far from the team's (robust z-score over 3.5, from the median and the median absolute
deviation) is flagged, so the analyst sees who got an unfair share before publishing. Pure: never files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTLIER_Z = 3.5
MIN_GAP = 0.15  # and at least 15% away from the median ratio: a tight team makes tiny gaps look extreme


def robust_z(values: np.ndarray) -> np.ndarray:
    """Modified z-score 0.6745 (x − median) / MAD; NaN stays NaN, and a zero MAD gives 0 or ±inf."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return np.full(len(values), np.nan)
    median = np.median(finite)
    mad = np.median(np.abs(finite - median))
    if mad == 0:  # chosen case by case: sign(0) × inf or NaN × inf would be an invalid multiply
        diff = values - median
        return np.select(
            [~np.isfinite(values), np.abs(diff) < 1e-9, diff > 0], [np.nan, 0.0, np.inf], -np.inf
        )
    return 0.6745 * (values - median) / mad


def fairness(
    targets: pd.DataFrame,
    last_year: pd.DataFrame,
    potential: pd.DataFrame | None = None,
    threshold: float = OUTLIER_Z,
    min_gap: float = MIN_GAP,
) -> pd.DataFrame:
    """Per rep: quota, last year's sales, potential, quota ÷ last year, quota ÷ potential, and flags.

    `last_year` has rep and actual (any rows; summed), `potential` rep and potential. A ratio is NaN where
    its base is zero (a new hire); `flag` is "high", "low" or "" on whichever ratio is furthest out. A
    ratio within `min_gap` (relative) of the median is never flagged, however tight the team.
    """
    quota = targets.groupby("rep", observed=True)["target"].sum()
    sales = last_year.groupby("rep", observed=True)["actual"].sum().reindex(quota.index).fillna(0.0)
    out = pd.DataFrame(
        {"rep": quota.index.astype(str), "quota": quota.to_numpy(), "last_year": sales.to_numpy()}
    )
    if potential is not None and len(potential):
        pot = potential.groupby("rep", observed=True)["potential"].sum().reindex(quota.index).fillna(0.0)
        out["potential"] = pot.to_numpy()
    else:
        out["potential"] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out["quota_per_last_year"] = np.where(out["last_year"] > 0, out["quota"] / out["last_year"], np.nan)
        out["quota_per_potential"] = np.where(out["potential"] > 0, out["quota"] / out["potential"], np.nan)
    z_sales = _material(robust_z(out["quota_per_last_year"].to_numpy()), out["quota_per_last_year"], min_gap)
    z_pot = _material(robust_z(out["quota_per_potential"].to_numpy()), out["quota_per_potential"], min_gap)
    out["z_last_year"], out["z_potential"] = z_sales, z_pot
    worst = np.where(
        np.nan_to_num(np.abs(z_pot), nan=-1) > np.nan_to_num(np.abs(z_sales), nan=-1), z_pot, z_sales
    )
    out["flag"] = np.where(worst > threshold, "high", np.where(worst < -threshold, "low", ""))
    return out


def _material(z: np.ndarray, ratio: pd.Series, min_gap: float) -> np.ndarray:
    """The z-scores, zeroed where the ratio is within `min_gap` of the median ratio."""
    values = ratio.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return z
    median = np.median(finite)
    near = np.abs(values - median) <= min_gap * abs(median)
    return np.where(near, 0.0, z)

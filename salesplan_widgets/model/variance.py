"""Variance explained: why actual differs from target, as contributions that add up to the whole gap.

The gap (actual − target) is additive, so each segment's, channel's or rep's own gap is its contribution;
rounded to the currency's minor unit with the largest-remainder method so the shown parts sum exactly to
the shown total. Where quantity exists, a change in sales between two frames (e.g. this year against the
same months last year) splits into a volume effect and a price effect per group. Largest first.
Pure functions on DataFrames: no files, no widgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesplan_widgets.model.rounding import apportion

DRIVER_DIMENSIONS: tuple[str, ...] = ("segment", "channel", "rep")


def round_exact(values: np.ndarray | pd.Series, digits: int = 2) -> np.ndarray:
    """Round to `digits` so the parts add up exactly to their rounded total (largest remainder,
    model.rounding)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return values
    scale = 10.0**digits
    scaled = values * scale
    return apportion(scaled, round(float(scaled.sum()))) / scale


def contributions(frame: pd.DataFrame, by: str | Sequence[str], digits: int = 2) -> pd.DataFrame:
    """Each group's contribution to the gap: by + target, actual, contribution (= its gap), share of the gap.

    Contributions are rounded exactly (they sum to the rounded total gap); sorted largest absolute contribution
    first.
    """
    by = [by] if isinstance(by, str) else list(by)
    grouped = frame.groupby(by, observed=True, as_index=False)[["target", "actual"]].sum()
    gap = grouped["actual"] - grouped["target"]
    grouped["contribution"] = round_exact(gap.to_numpy(), digits)
    total = grouped["contribution"].sum()
    grouped["share"] = grouped["contribution"] / total if total else np.nan
    order = np.argsort(-grouped["contribution"].abs().to_numpy(), kind="stable")
    return grouped.iloc[order].reset_index(drop=True)


def variance_drivers(
    frame: pd.DataFrame,
    dimensions: Sequence[str] = DRIVER_DIMENSIONS,
    digits: int = 2,
    top: int | None = None,
) -> pd.DataFrame:
    """Contributions by each dimension in turn, stacked: dimension, member, target, actual, contribution, share.

    Within a dimension the contributions sum exactly to the total gap; `top` keeps the largest per dimension.
    """
    parts = []
    for dimension in dimensions:  # a handful of dimensions, never reps
        part = contributions(frame, dimension, digits).rename(columns={dimension: "member"})
        if top is not None:
            part = part.head(top)
        parts.append(part.assign(dimension=dimension))
    columns = ["dimension", "member", "target", "actual", "contribution", "share"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def waterfall(frame: pd.DataFrame, by: str, digits: int = 2, top: int = 8) -> pd.DataFrame:
    """Steps from total target to total actual: the start, the `top` largest contributions, 'other', the end.

    Columns: label, kind ('total' | 'step'), value, base (where the bar starts), end (where it stops).
    """
    parts = contributions(frame, by, digits)
    head = parts.head(top)
    rest = parts.iloc[top:]
    target = float(round(frame["target"].sum(), digits))
    labels = [*head[by].astype(str).tolist()]
    values = [*head["contribution"].tolist()]
    if len(rest):
        labels.append("other")
        values.append(float(round(rest["contribution"].sum(), digits)))
    steps = np.asarray(values, dtype=float)
    ends = target + np.cumsum(steps)
    bases = ends - steps
    actual = target + float(steps.sum())
    return pd.DataFrame(
        {
            "label": ["target", *labels, "actual"],
            "kind": ["total", *(["step"] * len(labels)), "total"],
            "value": [target, *steps.tolist(), actual],
            "base": [0.0, *bases.tolist(), 0.0],
            "end": [target, *ends.tolist(), actual],
        }
    )


def price_volume(current: pd.DataFrame, baseline: pd.DataFrame, by: str | Sequence[str]) -> pd.DataFrame:
    """Sales change from `baseline` to `current` per group, split into volume and price effects::

      price_g  = sales ÷ quantity;  volume effect = (Q₁ − Q₀) × P₀;  price effect = (P₁ − P₀) × Q₁

    so volume + price = S₁ − S₀ exactly per group. A group with no baseline quantity (or none now) has no
    price to compare: its whole change counts as volume. Both frames hold `actual` and `quantity`.
    """
    by = [by] if isinstance(by, str) else list(by)
    now = current.groupby(by, observed=True)[["actual", "quantity"]].sum()
    before = baseline.groupby(by, observed=True)[["actual", "quantity"]].sum()
    both = now.join(before, how="outer", lsuffix="_now", rsuffix="_before").fillna(0.0)
    q1, q0 = both["quantity_now"], both["quantity_before"]
    s1, s0 = both["actual_now"], both["actual_before"]
    priced = (q1 > 0) & (q0 > 0)
    p0 = (s0 / q0.where(q0 > 0)).fillna(0.0)
    p1 = (s1 / q1.where(q1 > 0)).fillna(0.0)
    price = ((p1 - p0) * q1).where(priced, 0.0)
    change = s1 - s0
    result = pd.DataFrame(
        {
            "sales_before": s0,
            "sales_now": s1,
            "quantity_before": q0,
            "quantity_now": q1,
            "change": change,
            "volume_effect": change - price,
            "price_effect": price,
        }
    ).reset_index()
    order = np.argsort(-result["change"].abs().to_numpy(), kind="stable")
    return result.iloc[order].reset_index(drop=True)


def waterfall_labels(steps: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """The steps' labels for display: the start, end and 'other' steps renamed by `names` (translated
    by the caller), members as they are."""
    return [
        names.get(label, label) if kind == "total" or label == "other" else str(label)
        for label, kind in zip(steps["label"], steps["kind"], strict=True)
    ]


def waterfall_floor(steps: pd.DataFrame) -> float:
    """Where a waterfall's value axis should start so its steps are visible: below the lowest level by
    half the levels' range, never below zero."""
    is_total = (steps["kind"] == "total").to_numpy()
    levels = np.r_[steps["base"].to_numpy()[~is_total], steps["end"].to_numpy()]
    if not len(levels):
        return 0.0
    return max(0.0, float(levels.min()) - 0.5 * float(np.ptp(levels)))


@dataclass(frozen=True)
class WaterfallBars:
    """Where each waterfall bar is drawn, for any chart library: the value axis starts at `floor`; bar i
    spans `low[i]` to `low[i] + height[i]`, coloured by `direction[i]` ('total', 'up' or 'down')."""

    floor: float
    low: np.ndarray
    height: np.ndarray
    direction: np.ndarray


def waterfall_bars(steps: pd.DataFrame) -> WaterfallBars:
    """The geometry of `waterfall` steps, computed once for the interactive and the static chart: the
    totals rise from the floor (so the steps stay visible), each step spans its base to its end."""
    floor = waterfall_floor(steps)
    is_total = (steps["kind"] == "total").to_numpy()
    value = steps["value"].to_numpy(dtype=float)
    low = np.where(is_total, floor, np.minimum(steps["base"], steps["end"]))
    height = np.where(is_total, value - floor, np.abs(value))
    direction = np.where(is_total, "total", np.where(value >= 0, "up", "down"))
    return WaterfallBars(floor, low.astype(float), height.astype(float), direction)

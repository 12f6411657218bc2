"""Milestones: cumulative checkpoints per rep (e.g. 27% of the year's target by the end of Q1), with dates.

Derived from each rep's monthly targets, so a seasonal or ramped rep gets checkpoints that match their own
shape, not a flat 25% a quarter. Pure: DataFrames in and out, never files or widgets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EVERY = {"month": 1, "quarter": 3, "half": 6}


def milestones(targets: pd.DataFrame, every: str = "quarter", by: tuple[str, ...] = ("rep",)) -> pd.DataFrame:
    """One row per rep (or `by` group) and checkpoint: period, due date (last day of the period),
    cumulative target and its share of the year. Checkpoints fall every `every` (month / quarter / half)
    counted from the first plan month, and always at the last month.
    """
    step = EVERY[every]
    periods = pd.PeriodIndex(sorted(targets["period"].unique()))
    checkpoint = [p for i, p in enumerate(periods) if (i + 1) % step == 0 or i == len(periods) - 1]
    monthly = targets.groupby([*by, "period"], observed=True)["target"].sum().unstack("period")
    monthly = monthly.reindex(columns=periods, fill_value=0.0).fillna(0.0)
    cumulative = monthly.cumsum(axis=1)
    total = cumulative[periods[-1]].to_numpy()
    rows = cumulative[checkpoint].stack().rename("cumulative_target").reset_index()
    rows = rows.rename(columns={rows.columns[len(by)]: "period"})
    year = pd.Series(total, index=cumulative.index)
    totals = year.reindex(pd.MultiIndex.from_frame(rows[list(by)]) if len(by) > 1 else rows[by[0]]).to_numpy()
    rows["share"] = np.where(totals > 0, rows["cumulative_target"] / np.where(totals > 0, totals, 1), 0.0)
    rows["due"] = pd.PeriodIndex(rows["period"]).end_time.normalize().date
    rows["number"] = rows["period"].map({p: k + 1 for k, p in enumerate(checkpoint)}).astype(int)
    return rows[[*by, "number", "period", "due", "cumulative_target", "share"]]

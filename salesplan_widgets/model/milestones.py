"""Milestones: cumulative checkpoints per rep (e.g. 27% of the year's target by the end of Q1), with dates.

Derived from each rep's targets per period (months, weeks or quarters), so a seasonal or ramped rep gets
checkpoints that match their own shape, not a flat 25% a quarter. Pure: DataFrames in and out, never files
or widgets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesplan_widgets.model.calendar import FiscalCalendar

EVERY = {"month": 1, "quarter": 3, "half": 6}


def checkpoints(
    periods: pd.PeriodIndex, every: str, calendar: FiscalCalendar | None = None
) -> list[pd.Period]:
    """The plan periods a checkpoint falls on: every `every` months counted from the first plan period,
    and always the last. Monthly plans count months; weekly plans close a checkpoint on the last week of
    each fiscal month the calendar gives them (4-4-5 periods too), quarterly plans on every quarter.
    """
    step = EVERY[every]
    calendar = calendar or FiscalCalendar.of(None, periods)
    if calendar.grain == "month":
        blocks = np.arange(len(periods)) // step
    else:
        years = calendar.fiscal_years(periods)
        months = calendar.fiscal_months(periods)
        # fiscal months since the plan's first one, so "every 3 months" counts from the plan's start
        elapsed = (years - years[0]) * 12 + months - months[0]
        blocks = elapsed // step
    last_of_block = np.append(blocks[1:] != blocks[:-1], True)
    return [p for p, last in zip(periods, last_of_block, strict=True) if last]


def milestones(
    targets: pd.DataFrame,
    every: str = "quarter",
    by: tuple[str, ...] = ("rep",),
    calendar: FiscalCalendar | None = None,
) -> pd.DataFrame:
    """One row per rep (or `by` group) and checkpoint: period, due date (last day of the period),
    cumulative target and its share of the year. Checkpoints fall every `every` (month / quarter / half)
    counted from the first plan period, and always at the last (see `checkpoints`).
    """
    periods = pd.PeriodIndex(sorted(targets["period"].unique()))
    checkpoint = checkpoints(periods, every, calendar)
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

"""Collection targets (回款目标) and attainment, tracked like sales: cash collected in the period and in the
fiscal year to date against the rep's collection target (a target responsibility letter typically sets an
annual collection target split by month). Pure pandas: no files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesplan_widgets.model.statements import fiscal_year_first


def against_target(
    actual: pd.DataFrame,
    value: str,
    targets: pd.DataFrame,
    period: pd.Period | str,
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Per rep: `actual[value]` and `targets["target"]` summed over the month `period` and over the fiscal
    year to date, with variance (actual − target) and attainment (actual ÷ target; NaN without a target).

    Columns: period, rep, `value`, target, variance, attainment and the same with `ytd_` in front.
    """
    period = pd.Period(period, "M")
    first = fiscal_year_first(period, fiscal_year_start)

    def totals(frame: pd.DataFrame, column: str, start: pd.Period) -> pd.Series:
        inside = frame[(frame["period"] >= start) & (frame["period"] <= period)]
        return inside.groupby(inside["rep"].astype(str))[column].sum()

    table = pd.DataFrame(
        {
            value: totals(actual, value, period),
            "target": totals(targets, "target", period),
            f"ytd_{value}": totals(actual, value, first),
            "ytd_target": totals(targets, "target", first),
        }
    ).fillna(0.0)
    for prefix in ("", "ytd_"):
        target = table[f"{prefix}target"]
        table[f"{prefix}variance"] = table[f"{prefix}{value}"] - target
        with np.errstate(divide="ignore", invalid="ignore"):
            table[f"{prefix}attainment"] = np.where(target > 0, table[f"{prefix}{value}"] / target, np.nan)
    table.index.name = "rep"
    return table.reset_index().assign(period=period)


def collection_attainment(
    collected: pd.DataFrame, targets: pd.DataFrame, period: pd.Period | str, fiscal_year_start: int = 1
) -> pd.DataFrame:
    """Per rep: cash collected and the collection target in `period` and year to date, with attainment.

    `collected` holds (period, rep, collected), `targets` (period, rep, target); monthly periods.
    """
    table = against_target(collected, "collected", targets, period, fiscal_year_start)
    return table[["period", "rep", "collected", "target", "attainment", "ytd_collected", "ytd_target",
                  "ytd_attainment"]]  # fmt: skip

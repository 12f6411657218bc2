"""Quantity targets: attainment in units, after crediting, as ERPNext's "Sales Person Target Variance"
report reads it (a sales person's target quantity against the quantity of the orders credited to them,
each order counted at their share of it). Pure pandas: no files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesplan_widgets.model.credit import credit_sales
from salesplan_widgets.model.statements import fiscal_year_first
from salesplan_widgets.schema.incentives import IncentivesSection


def target_variance(
    cube: pd.DataFrame,
    targets: pd.DataFrame,
    section: IncentivesSection,
    period: pd.Period | str,
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Per rep, for `period` and the fiscal year to date: target units, achieved units, variance
    (achieved − target) and attainment (achieved ÷ target).

    `cube` holds the sales with their `quantity` (monthly periods), `targets` holds (period, rep, target) in
    units. Achieved units are credited like sales: an owner's share of a split order counts at that share,
    an overlay's on top; a manager's team credit counts for the manager.
    """
    period = pd.Period(period, "M")
    first = fiscal_year_first(period, fiscal_year_start)
    credited = credit_sales(cube, section)
    credited = credited[credited["credit"] != "team_override"]

    def totals(frame: pd.DataFrame, value: str, start: pd.Period) -> pd.Series:
        inside = frame[(frame["period"] >= start) & (frame["period"] <= period)]
        return inside.groupby(inside["rep"].astype(str))[value].sum()

    table = pd.DataFrame(
        {
            "target": totals(targets, "target", period),
            "achieved": totals(credited, "quantity", period),
            "ytd_target": totals(targets, "target", first),
            "ytd_achieved": totals(credited, "quantity", first),
        }
    ).fillna(0.0)
    for prefix in ("", "ytd_"):
        target = table[f"{prefix}target"]
        table[f"{prefix}variance"] = table[f"{prefix}achieved"] - target
        with np.errstate(divide="ignore", invalid="ignore"):
            table[f"{prefix}attainment"] = np.where(target > 0, table[f"{prefix}achieved"] / target, np.nan)
    table.index.name = "rep"
    columns = ["target", "achieved", "variance", "attainment", "ytd_target", "ytd_achieved", "ytd_variance",
               "ytd_attainment"]  # fmt: skip
    return table.reset_index().assign(period=period)[["period", "rep", *columns]]

"""Quantity targets: attainment in units, after crediting, as ERPNext's "Sales Person Target Variance"
report reads it (a sales person's target quantity against the quantity of the orders credited to them,
each order counted at their share of it). Pure pandas: no files."""

from __future__ import annotations

import pandas as pd

from salesplan_widgets.model.collections import against_target
from salesplan_widgets.model.credit import credit_sales
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
    credited = credit_sales(cube, section)
    credited = credited[credited["credit"] != "team_override"].rename(columns={"quantity": "achieved"})
    table = against_target(credited, "achieved", targets, period, fiscal_year_start)
    columns = ["target", "achieved", "variance", "attainment", "ytd_target", "ytd_achieved", "ytd_variance",
               "ytd_attainment"]  # fmt: skip
    return table[["period", "rep", *columns]]

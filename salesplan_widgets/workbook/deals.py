"""Per-deal facts on the pay cube: large deals and new accounts, counted on the transactions in DuckDB
(`cube.deal_facts`) for the plan's deal-size kicker and new-logo bonus. Storage only: the rates live in
model/components/deal_kicker.py and new_logo.py."""

from __future__ import annotations

import pandas as pd

from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.cube import deal_facts
from salesplan_widgets.workbook.sources import ALL

FACTS = {"deal_from": -1.0, "deals": 0.0, "deal_sales": 0.0, "logo_from": -1.0, "new_logos": 0.0}


def _rules(section: IncentivesSection) -> list:
    return [section, *(v for p in section.plans for v in p.versions)]


def with_deal_facts(cube: pd.DataFrame, workbook, section: IncentivesSection) -> pd.DataFrame:
    """The pay cube with large deals and new accounts beside the sales, when a plan version pays on them."""
    rules = _rules(section)
    kickers = [r.deal_kicker.at_least for r in rules if r.deal_kicker]
    logos = [r.new_logo.min_first_order for r in rules if r.new_logo]
    if not kickers and not logos:
        return cube
    with workbook._conversions():
        rows = deal_facts(
            workbook.source("sales"), workbook.path, workbook.plan.calendar, kickers, logos if logos else None
        )
    sales = cube.assign(**FACTS)
    for column in sales.columns.difference(rows.columns):  # product, account, deal, cost …: not of these rows
        rows[column] = 0.0 if pd.api.types.is_numeric_dtype(sales[column]) else ALL
    return pd.concat([sales, rows[list(sales.columns)]], ignore_index=True)

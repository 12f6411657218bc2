"""Returned deals, found in DuckDB: the negative lines of the sales source whose deal id also has a sale.

What the clawback rule (`model/clawbacks.py`) needs and monthly totals cannot say: which deal came back, when
it was sold and when it was returned. One grouped query over the source; only the returns (a small table,
one row per deal, rep, dimensions and return date) come to pandas. Without a clawback rule, or without a
`deal` column mapped, there is nothing to find (None) and returns net as sales, as before. Reads only.
"""

from __future__ import annotations

import pandas as pd

from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.cube import CUBE_DIMENSIONS
from salesplan_widgets.workbook.sources import ident, normalised_sql, run_on_source
from salesplan_widgets.workbook.workbook import Workbook


def deal_returns(
    workbook: Workbook, section: IncentivesSection, by_product: bool = False
) -> pd.DataFrame | None:
    """deal, rep, the cube's dimensions, sold_on (the deal's first sale), returned_on and amount (negative)."""
    source = workbook.source("sales")
    if section.clawback is None or "deal" not in source.columns:
        return None
    dimensions = [*CUBE_DIMENSIONS, *(["product"] if by_product else [])]
    columns = ("date", "amount", "deal", *dimensions)
    deal, date, amount = ident("deal"), ident("date"), ident("amount")

    def query(con, scan) -> pd.DataFrame:
        lines = normalised_sql(scan, source, columns)
        sql = (
            f"WITH lines AS ({lines}), "
            f"sold AS (SELECT {deal}, MIN({date}) AS sold_on FROM lines WHERE {amount} > 0 GROUP BY {deal}) "
            f"SELECT lines.{deal} AS deal, {', '.join(f'lines.{ident(d)} AS {ident(d)}' for d in dimensions)}, "
            f"sold.sold_on, lines.{date} AS returned_on, SUM(lines.{amount}) AS amount "
            f"FROM lines JOIN sold ON lines.{deal} = sold.{deal} "
            f"WHERE lines.{amount} < 0 AND lines.{date} IS NOT NULL "
            f"GROUP BY lines.{deal}, {', '.join(f'lines.{ident(d)}' for d in dimensions)}, sold.sold_on, "
            f"lines.{date} ORDER BY deal, returned_on"
        )
        return con.sql(sql).df()

    with workbook._conversions():
        frame = run_on_source(source, workbook.path, query)
    for column in ("sold_on", "returned_on"):
        frame[column] = pd.to_datetime(frame[column])
    return frame.astype({"deal": str, **{d: str for d in dimensions}})

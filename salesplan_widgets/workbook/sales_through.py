"""The day the sales data run to: what the tracker and the tracking pack pace the latest period at.

A period still being sold (the data's last line is on 15 October) is paced at that day, not at its end:
half of October's target is expected, not all of it. Data kept as period totals (a row per rep and month,
dated the 1st, as many exports and public data are) say nothing about days: when every line of the last
month (or week) is dated on its first day, the data run to that month's (week's) last day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from salesplan_widgets.workbook.cube import period_start_sql
from salesplan_widgets.workbook.sources import ident, normalised_sql, run_on_source


def sales_through(workbook) -> dt.date | None:
    """The last day the workbook's sales cover (see the module), None without a dated line. Counted once
    per data and kept in the workbook's cache beside the cube."""
    grain = workbook.plan.calendar.grain  # the buckets whose totals are told apart by it
    frame = workbook.cached("sales_through", lambda: _count(workbook, grain), grain)
    return frame["through"].iloc[0].date() if len(frame) else None


def _count(workbook, grain: str) -> pd.DataFrame:
    """One row: the month of the last day (the cache keys tables by period) and the day."""
    with workbook._conversions():
        source = workbook.source("sales")

        def query(con, scan):
            lines = normalised_sql(scan, source, ("date",), clean_dimensions=False)
            day, bucket = ident("date"), f"CAST({period_start_sql(grain, ident('date'))} AS DATE)"
            return con.sql(
                f"WITH d AS (SELECT {day} AS day, {bucket} AS bucket FROM ({lines}) AS l WHERE {day} IS NOT NULL), "
                "last AS (SELECT max(day) AS day, max(bucket) AS bucket FROM d) "
                "SELECT last.day, last.bucket, bool_and(d.day = d.bucket) AS totals "
                "FROM d JOIN last ON d.bucket = last.bucket GROUP BY ALL"
            ).fetchall()

        found = run_on_source(source, Path(workbook.path), query)
    if not found:
        return pd.DataFrame(
            {"period": pd.PeriodIndex([], freq="M"), "through": pd.Series([], dtype="datetime64[s]")}
        )
    [(day, bucket, totals)] = found
    if totals:  # period totals dated on the bucket's first day: they cover the whole bucket
        start = pd.Timestamp(bucket)
        week = grain not in ("month", "quarter")
        day = (start + pd.Timedelta(days=6) if week else start + pd.offsets.MonthEnd(0)).date()
    through = pd.Timestamp(day)
    return pd.DataFrame({"period": pd.PeriodIndex([through], freq="M"), "through": [through]})


def share_gone(workbook, period: pd.Period) -> float:
    """The share of `period`'s working days gone, as the tracker paces it (1 once it is over): what the
    goal pages give the year-end projection, so they count a period still being sold as tracking does."""
    from salesplan_widgets.model.pacing import pace_window
    from salesplan_widgets.schema.tracking import TrackingSection

    settings = workbook.plan.tracking or TrackingSection()
    window = pace_window(period, settings, workbook.plan.calendar, sales_through=sales_through(workbook))
    return window.elapsed(period)

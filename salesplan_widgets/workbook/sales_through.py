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

from salesplan_widgets.model import pacing
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.workbook.cube import period_start_sql
from salesplan_widgets.workbook.sources import ident, normalised_sql, run_on_source


def sales_through(workbook) -> dt.date | None:
    """The last day the workbook's sales cover (see the module), None without a dated line. Counted once
    per data and kept in the workbook's cache beside the cube. Data that sell every few days and stop
    closer to their period's end than their rhythm (`pacing.period_in_progress`) cover the period once it
    is over: a sale every fifth day, the last on 27 October, is October sold to its end."""
    grain = workbook.plan.calendar.grain  # the buckets whose totals are told apart by it
    country = pacing_country(workbook)
    frame = workbook.cached("sales_through", lambda: _count(workbook, grain, country), (grain, country))
    if not len(frame):
        return None
    day, rhythm = frame["through"].iloc[0].date(), int(frame["rhythm"].iloc[0])
    # a sale every few days whose next one would fall after its period's end, once that is over: complete
    bucket = FiscalCalendar.of(workbook.plan.calendar).period(pd.Timestamp(day))
    end = bucket.end_time.date()
    if rhythm > 1 and pacing.today() > end and not pacing.period_in_progress(bucket, day, country, rhythm):
        return end
    return day


def pacing_country(workbook) -> str:
    """The country whose working days pace the sales: the tracking section's, else the calendar's."""
    plan = workbook.plan
    return (plan.tracking.country if plan.tracking else None) or plan.calendar.country


def _count(workbook, grain: str, country: str) -> pd.DataFrame:
    """One row: the month of the last day (the cache keys tables by period), the day, and the working days
    the data usually go between sales (`pacing.sale_rhythm`, over the last 92 days' sale days)."""
    with workbook._conversions():
        source = workbook.source("sales")

        def query(con, scan):
            lines = normalised_sql(scan, source, ("date",), clean_dimensions=False)
            day, bucket = ident("date"), f"CAST({period_start_sql(grain, ident('date'))} AS DATE)"
            return con.sql(
                f"WITH d AS (SELECT {day} AS day, {bucket} AS bucket FROM ({lines}) AS l WHERE {day} IS NOT NULL), "
                "last AS (SELECT max(day) AS day, max(bucket) AS bucket FROM d) "
                "SELECT last.day, last.bucket, bool_and(d.day = d.bucket) FILTER (d.bucket = last.bucket), "
                "list(DISTINCT CAST(d.day AS DATE)) FILTER (CAST(d.day AS DATE) > CAST(last.day AS DATE) - 92) "
                "FROM d, last GROUP BY ALL"
            ).fetchall()

        found = run_on_source(source, Path(workbook.path), query)
    if not found:
        return pd.DataFrame(
            {"period": pd.PeriodIndex([], freq="M"), "through": pd.Series([], dtype="datetime64[s]")}
        )
    [(day, bucket, totals, recent)] = found
    if totals:  # period totals dated on the bucket's first day: they cover the whole bucket
        start = pd.Timestamp(bucket)
        week = grain not in ("month", "quarter")
        day = (start + pd.Timedelta(days=6) if week else start + pd.offsets.MonthEnd(0)).date()
    through = pd.Timestamp(day)
    rhythm = 1 if totals else pacing.sale_rhythm(recent, country)
    return pd.DataFrame(
        {"period": pd.PeriodIndex([through], freq="M"), "through": [through], "rhythm": [rhythm]}
    )


def share_gone(workbook, period: pd.Period) -> float:
    """The share of `period`'s working days gone, as the tracker paces it (1 once it is over): what the
    goal pages give the year-end projection, so they count a period still being sold as tracking does."""
    from salesplan_widgets.model.pacing import pace_window
    from salesplan_widgets.schema.tracking import TrackingSection

    settings = workbook.plan.tracking or TrackingSection()
    window = pace_window(period, settings, workbook.plan.calendar, sales_through=sales_through(workbook))
    return window.elapsed(period)

"""The payout files a period's report links: each linked month's payout exports and each rep's statement.

`salesplan payouts` writes them into the month's report folder (reports/<month>/payouts and statements).
The monthly report sits in that folder; a weekly report sits in its week's folder, so the last week that
counts in a month links across to the month's (model/period_choice.payout_month); a quarterly report links
each month of its quarter (`payout_months`). Only lists files that exist; reads folder listings, writes
nothing (report/payout_index.py rewrites the index pages when a month's payouts change).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from salesplan_widgets.i18n import fmt_month
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.period_choice import payout_month
from salesplan_widgets.report.index import PayoutLink, payouts_blocks
from salesplan_widgets.report.statement_documents import STATEMENTS_DIR
from salesplan_widgets.workbook import Workbook
from salesplan_widgets.workbook.payouts import PAYOUTS_DIR

MonthLinks = tuple[str, list[PayoutLink], list[PayoutLink]]


def payout_months(calendar: FiscalCalendar, period: pd.Period) -> list[pd.Period]:
    """The months whose payouts the report of `period` links: a month itself; a quarter each of its
    months (closing a quarter, one checks all three); a week its month when it is the month's last week
    (`payout_month`: only then is the month's pay complete), else none."""
    if calendar.grain == "quarter":
        return list(pd.period_range(period.asfreq("M", how="start"), period.asfreq("M", how="end"), freq="M"))
    month = payout_month(calendar, period)
    return [] if month is None else [month]


def month_links(workbook: Workbook, month: pd.Period, report: Path) -> MonthLinks:
    """(the month's name, payout files, statements) of `month`, hrefs relative to the `report` folder;
    empty lists when the month's payouts were not prepared."""
    folder = workbook.reports_dir(str(month))
    files = sorted(p for p in (folder / PAYOUTS_DIR).glob(f"*-{month}.*") if p.is_file())
    statements = []
    for rep in sorted(p for p in (folder / STATEMENTS_DIR).glob("*") if p.is_dir()):
        pages = sorted(rep.glob(f"statement-{month}.*.html"))
        mine = [p for p in pages if p.name == f"statement-{month}.{workbook.locale}.html"]
        if pages:
            statements.append(PayoutLink(_relative(report, (mine or pages)[0]), rep.name))
    named = fmt_month(month.year, month.month)
    return named, [PayoutLink(_relative(report, p), p.name) for p in files], statements


def payout_links(workbook: Workbook, period: pd.Period) -> list[MonthLinks]:
    """Each linked month's (name, payout files, statements) for the report of `period`, in month order."""
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    report = workbook.reports_dir(calendar.key(period))
    return [month_links(workbook, month, report) for month in payout_months(calendar, period)]


def payouts_html(workbook: Workbook, period: pd.Period) -> str:
    """The index's payouts block for the report of `period` ('' when no linked month was prepared)."""
    return payouts_blocks(payout_links(workbook, period))


def _relative(report: Path, target: Path) -> str:
    return Path(os.path.relpath(target, report)).as_posix()

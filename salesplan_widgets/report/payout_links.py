"""The payout files a period's report links: the month's payout exports and each rep's statement.

`salesplan payouts` writes them into the month's report folder (reports/<month>/payouts and statements).
The monthly report sits in that folder; a weekly report sits in its week's folder, so the last week that
counts in a month links across to the month's (model/period_choice.payout_month). Only lists files that
exist; reads folder listings, writes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from salesplan_widgets.i18n import fmt_month
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.period_choice import payout_month
from salesplan_widgets.report.index import PayoutLink
from salesplan_widgets.report.statement_documents import STATEMENTS_DIR
from salesplan_widgets.workbook import Workbook
from salesplan_widgets.workbook.payouts import PAYOUTS_DIR


def payout_links(workbook: Workbook, period: pd.Period) -> tuple[str, list[PayoutLink], list[PayoutLink]]:
    """(the month's name, payout files, statements) for the report of `period`, hrefs relative to its folder; empty
    lists when the month's payouts were not prepared (or `period` is not the month's last week)."""
    month = payout_month(FiscalCalendar.of(workbook.plan.calendar), period)
    if month is None:
        return "", [], []
    report = workbook.reports_dir(FiscalCalendar.of(workbook.plan.calendar).key(period))
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


def _relative(report: Path, target: Path) -> str:
    return Path(os.path.relpath(target, report)).as_posix()

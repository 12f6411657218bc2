"""Keep the report indexes in step with payouts prepared, approved or closed after the period run.

`salesplan run` writes a report's index.html with the payout links of the months it shows
(report/payout_links.py); payouts prepared, approved or closed later (`salesplan payouts`, `write_payouts`
from the notebook) call `refresh_payout_links` where the ledger step ends (workbook/ledger.py), so every
report that links that month lists the files as they are now. It rewrites only index pages, atomically
(workbook/atomic.py), and only their payouts block: never a report body, never an index of a report that
was not run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from salesplan_widgets.i18n import use_locale
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.report.index import with_payouts
from salesplan_widgets.report.payout_links import payout_months, payouts_html
from salesplan_widgets.workbook import Workbook
from salesplan_widgets.workbook.atomic import atomic_write
from salesplan_widgets.workbook.workbook import REPORTS_DIR

INDEX = "index.html"


def reports_linking(workbook: Workbook, month: pd.Period) -> list[tuple[pd.Period, Path]]:
    """(period, index page) of every report run whose index links `month`'s payouts: the month's own, the
    month's last week's, its quarter's. A folder counts only when its name is a period key of the plan's
    calendar and it holds an index (a payout month's folder of a weekly plan is not a report)."""
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    root = workbook.path / REPORTS_DIR
    found = []
    for folder in sorted(root.iterdir()) if root.is_dir() else ():
        index = folder / INDEX
        if folder.name.startswith(".") or not index.is_file():
            continue
        try:
            period = calendar.parse(folder.name)
        except (ValueError, TypeError):
            continue
        if calendar.key(period) == folder.name and month in payout_months(calendar, period):
            found.append((period, index))
    return found


def refresh_payout_links(workbook: Workbook, month: str | pd.Period) -> list[Path]:
    """Rewrite the payouts block of every index page that links `month`'s payouts, as the files are now;
    the index pages changed. A page not written by `index_page` is left alone."""
    month = pd.Period(str(month), freq="M")
    changed = []
    with use_locale(workbook.locale):  # the report's language, whatever the caller's
        for period, index in reports_linking(workbook, month):
            page = index.read_text(encoding="utf-8")
            refreshed = with_payouts(page, payouts_html(workbook, period))
            if refreshed is not None and refreshed != page:
                atomic_write(index, refreshed)
                changed.append(index)
    return changed

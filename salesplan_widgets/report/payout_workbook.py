"""The period's payout workbook for finance: one Excel file of every payment line, a summary sheet and one
sheet per team (and the credit lines, where credit is split), each team's lines adding up to its total.

Written with XlsxWriter in memory (about 1 MB for 10,000 reps; openpyxl built a cell object
per value and took seconds on one core while the statements' workers waited). Texts are written as texts,
never read as formulas: a rep called "=1+2" is shown, not computed. Rendering only: the sums here are
totals of the lines given, no business arithmetic.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from salesplan_widgets.i18n import _, minor_unit
from salesplan_widgets.model.estimator import plan_cost
from salesplan_widgets.model.statements import Statements

SHOWN = ["rep", "component", "rule", "base", "rate", "amount"]  # a team sheet's columns
SUMMARY_WIDTHS = (24, 8, 16, 16, 14)
LINE_WIDTHS = (18, 16, 56, 16, 10, 14)
CREDIT_WIDTHS = (18, 18, 64, 16)


def sheet_name(name: str, taken: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or "_"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _put(sheet, row: int, values: list, styles: dict[int, object] | None = None) -> None:
    """One row: texts as texts, numbers as numbers; a blank (or NaN) cell only where it carries a style."""
    styles = styles or {}
    for column, value in enumerate(values):
        style = styles.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            if style is not None:
                sheet.write_blank(row, column, None, style)
        elif isinstance(value, str):
            sheet.write_string(row, column, value, style)
        else:
            sheet.write_number(row, column, float(value) if not isinstance(value, int) else value, style)


def write_payout_workbook(
    path: Path,
    statements: Statements,
    table: pd.DataFrame,
    credit: pd.DataFrame,
    plan_name: str,
    period: str,
    columns: dict[str, str],
) -> None:
    """Write the payout workbook to `path`: `table` the period's payment lines (`payment_table`), `credit`
    its credit lines (`credit_table`), `columns` the column titles in the active language."""
    import xlsxwriter

    digits = minor_unit(statements.currency)
    money_format = "#,##0" + ("." + "0" * digits if digits else "")
    book = xlsxwriter.Workbook(str(path), {"in_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": money_format})
    bold_money = book.add_format({"bold": True, "num_format": money_format})
    share = book.add_format({"num_format": "0.0%"})
    bold_share = book.add_format({"bold": True, "num_format": "0.0%"})
    rate = book.add_format({"num_format": "0.00%"})
    taken: set[str] = set()

    summary = book.add_worksheet(sheet_name(_("Summary"), taken))
    cost = plan_cost(statements)
    latest = statements.reps[statements.reps["period"] == statements.reps["period"].max()]
    teams = (
        latest.assign(team=latest["team"].astype(str))
        .groupby("team")
        .agg(reps=("rep", "nunique"), sales=("period_sales", "sum"))
        .join(table.groupby("team")["amount"].sum().rename("payout"), how="outer")  # adjustments included
        .fillna(0)
        .reset_index()
    )
    paid = round(float(teams["payout"].sum()), digits)
    revenue = cost.revenue  # booked sales: overlay and team credit is credit, not more revenue
    _put(summary, 0, [plan_name], {0: book.add_format({"bold": True, "font_size": 14})})
    _put(summary, 1, [
        _("Payout statements, {period} ({currency})").format(period=period, currency=statements.currency)
    ])  # fmt: skip
    _put(
        summary,
        3,
        [_("Team"), _("Reps"), _("Sales"), _("Payout"), _("Cost of sales")],
        dict.fromkeys(range(5), bold),
    )
    figures = {2: money, 3: money, 4: share}  # columns C, D, E from the first team on
    rows = [
        [row.team, int(row.reps), float(row.sales), float(row.payout),
         float(row.payout / row.sales) if row.sales > 0 else None]
        for row in teams.itertuples(index=False)
    ]  # fmt: skip
    for at, values in enumerate(rows, start=4):
        _put(summary, at, values, figures)
    at = 4 + len(rows)
    _put(summary, at, [_("Total"), int(teams["reps"].sum()), revenue, paid,
                       paid / revenue if revenue > 0 else None],
         {0: bold, 1: bold, 2: bold_money, 3: bold_money, 4: bold_share})  # fmt: skip
    _put(summary, at + 1, [_("Non-cash rewards"), None, None, cost.non_cash, None], figures)
    total_cost = paid + cost.non_cash
    _put(summary, at + 2, [_("Total cost"), None, None, total_cost, total_cost / revenue if revenue > 0 else None],
         figures)  # fmt: skip
    if cost.credited is not None and cost.credited != cost.revenue:  # overlays or managers credited
        _put(summary, at + 3, [_("Credited sales (total credit ÷ booked sales)"), None, cost.credited, None,
                               cost.credit_ratio], figures)  # fmt: skip
    for column, width in enumerate(SUMMARY_WIDTHS):
        summary.set_column(column, column, width)

    line_formats = {3: money, 4: rate, 5: money}
    for team, lines in table.groupby("team", sort=True):
        sheet = book.add_worksheet(sheet_name(team, taken))
        _put(sheet, 0, [columns[c] for c in SHOWN], dict.fromkeys(range(len(SHOWN)), bold))
        values = lines[SHOWN].to_numpy(dtype=object).tolist()  # one conversion, not a cell object per value
        for at, row in enumerate(values, start=1):
            _put(sheet, at, row, line_formats)
        end = len(values) + 1
        _put(sheet, end, [_("Total"), None, None, None, None, round(float(lines["amount"].sum()), digits)],
             {0: bold, 5: bold_money})  # fmt: skip
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(end - 1, 0), len(SHOWN) - 1)
        for column, width in enumerate(LINE_WIDTHS):
            sheet.set_column(column, column, width)
    if len(credit):  # split, overlay and team credit: paid through the lines above, shown here
        sheet = book.add_worksheet(sheet_name(_("Credit"), taken))
        _put(sheet, 0, [columns["team"], columns["rep"], columns["rule"], _("Credited sales")],
             dict.fromkeys(range(4), bold))  # fmt: skip
        values = credit[["team", "rep", "rule", "base"]].to_numpy(dtype=object).tolist()
        for at, row in enumerate(values, start=1):
            _put(sheet, at, row, {3: money})
        for column, width in enumerate(CREDIT_WIDTHS):
            sheet.set_column(column, column, width)
    book.close()

"""An invoice's territory, segment and channel for its cash collected (回款) come from one line, chosen by a
rule a comp admin can state: among the lines of the invoice's first (date, rep, team), the one with the
largest amount, then the names in order. Real CSV files in tmp_path, read in both row orders: on the stop
before, `arg_min(…, line_order)` took whichever of the tied lines DuckDB met first (the file's first row here).
"""

from __future__ import annotations

import pandas as pd

from salesplan_widgets.schema import Calendar, SalesSource, Source
from salesplan_widgets.workbook.receipts import collected_rows

COLUMNS = ("date", "amount", "rep", "team", "territory", "segment", "channel", "invoice")


def cash_by_line(folder, rows: list[tuple], received: float = 1_000.0) -> pd.DataFrame:
    """Cash collected on INV-1 (one receipt of `received` on 1 April) for sales `rows` written in that order."""
    pd.DataFrame({"date": ["2026-04-01"], "amount": [received], "invoice": ["INV-1"]}).to_csv(
        folder / "receipts.csv", index=False
    )
    pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(folder / "sales.csv", index=False)
    source = SalesSource(path="sales.csv", columns={c: c for c in COLUMNS})
    receipts = Source(path="receipts.csv", columns={c: c for c in ("date", "amount", "invoice")})
    cash = collected_rows(source, receipts, folder, Calendar(), [])
    return cash[["rep", "team", "territory", "segment", "channel", "collected"]]


def test_an_invoices_dimensions_come_from_the_largest_line_of_its_first_day_whatever_the_rows_order(tmp_path):
    # INV-1 is booked by Li/East on 2 March in two lines: a 200 accessory (North, SMB, Online) and the
    # 800 machine (South, Enterprise, Direct). Its cash is the machine's: the bulk of what was invoiced.
    # Wang's later line on the same invoice is not on its first day, so it never decides.
    rows = [("2026-03-02", 200.0, "Li", "East", "North", "SMB", "Online", "INV-1"),
            ("2026-03-02", 800.0, "Li", "East", "South", "Enterprise", "Direct", "INV-1"),
            ("2026-03-09", 5_000.0, "Wang", "West", "West", "Public", "Partner", "INV-1")]  # fmt: skip
    for order in (rows, rows[::-1], [rows[1], rows[0], rows[2]]):
        cash = cash_by_line(tmp_path, order)
        assert cash.values.tolist() == [["Li", "East", "South", "Enterprise", "Direct", 1_000.0]]


def test_equal_lines_on_an_invoices_first_day_are_told_apart_by_their_names_in_order(tmp_path):
    # Two lines of 500 on the first day: the territory that sorts first (Central before North) decides,
    # and the segment and channel come from that same line, never one from each.
    rows = [("2026-03-02", 500.0, "Li", "East", "North", "SMB", "Online", "INV-1"),
            ("2026-03-02", 500.0, "Li", "East", "Central", "Retail", "Direct", "INV-1")]  # fmt: skip
    for order in (rows, rows[::-1]):
        cash = cash_by_line(tmp_path, order)
        assert cash.values.tolist() == [["Li", "East", "Central", "Retail", "Direct", 1_000.0]]


def test_a_return_on_an_invoices_first_day_does_not_decide_its_dimensions(tmp_path):
    # A credit of −300 (North) and the sale of 900 (South) on the same first day: the sale is the larger.
    rows = [("2026-03-02", -300.0, "Li", "East", "North", "SMB", "Online", "INV-1"),
            ("2026-03-02", 900.0, "Li", "East", "South", "Enterprise", "Direct", "INV-1")]  # fmt: skip
    for order in (rows, rows[::-1]):
        assert cash_by_line(tmp_path, order)["territory"].tolist() == ["South"]

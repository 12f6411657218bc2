"""Cash collected on a won account follows `account_winner`: the receipts of an account's invoices dated
inside the winner's months are credited to the winner (or to both, with `overlay: true`), as the sales of
those invoices already are; later invoices' cash stays with the rep who booked them.

Real sales and receipts files (CSV and Excel) in a temporary workbook; the figures are worked out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import period_statements

PLAN = """\
name: Hunters collect too
currency: USD
locale: en
sources:
  sales:
    path: data/sales.{ext}
    columns: {{date: Date, amount: Amount, rep: Rep, team: Team, account: Customer, invoice: Invoice}}
  receipts:
    path: data/receipts.{ext}
    columns: {{date: Received, amount: Paid, invoice: Invoice}}
incentives:
  commission: {{base_rate: 0.0}}
  collections: {{rate: 0.10}}
  account_winner: {{months: 6{overlay}}}
"""

# Hunter wins Orbit on 15 January (INV-1); the farmer Fay books Orbit's repeat orders: INV-2 inside the
# six months, INV-3 after them (the hand-off is 15 July). Fay's own account Vega (INV-4) stays Fay's.
SALES = pd.DataFrame(
    {
        "Date": ["2026-01-15", "2026-02-10", "2026-08-03", "2025-11-05"],
        "Amount": [10_000.0, 2_000.0, 5_000.0, 900.0],
        "Rep": ["Hunter", "Fay", "Fay", "Fay"],
        "Team": ["New", "Farm", "Farm", "Farm"],
        "Customer": ["Orbit", "Orbit", "Orbit", "Vega"],
        "Invoice": ["INV-1", "INV-2", "INV-3", "INV-4"],
    }
)
RECEIPTS = pd.DataFrame(
    {
        "Received": ["2026-03-01", "2026-03-05", "2026-03-10", "2026-08-20"],
        "Paid": [10_000.0, 2_000.0, 900.0, 5_000.0],
        "Invoice": ["INV-1", "INV-2", "INV-4", "INV-3"],
    }
)


def write_workbook(folder: Path, ext: str, overlay: bool) -> Path:
    (folder / "data").mkdir(parents=True)
    for frame, name in ((SALES, "sales"), (RECEIPTS, "receipts")):
        if ext == "csv":
            frame.to_csv(folder / "data" / f"{name}.csv", index=False)
        else:
            frame.to_excel(folder / "data" / f"{name}.xlsx", index=False)
    text = PLAN.format(ext=ext, overlay=", overlay: true" if overlay else "")
    (folder / "plan.yaml").write_text(text, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame(
        [(m, r, t, 20_000.0) for m in months for r, t in (("Hunter", "New"), ("Fay", "Farm"))],
        columns=["period", "rep", "team", "target"],
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


def collections_paid(folder: Path, period: str) -> dict[str, float]:
    lines = period_statements(open_workbook(folder), period).lines
    cash = lines[lines["component"] == "collections"]
    return cash.groupby(cash["rep"].astype(str))["amount"].sum().round(2).to_dict()


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("overlay", "march"),
    [
        # INV-2's 2,000 collected in March is Hunter's with his own INV-1: (10,000 + 2,000) × 10% = 1,200;
        # Fay keeps her own Vega's 900 × 10% = 90
        (False, {"Hunter": 1_200.0, "Fay": 90.0}),
        # as an overlay Fay keeps INV-2's cash too: (2,000 + 900) × 10% = 290, Hunter 1,200 beside her
        (True, {"Hunter": 1_200.0, "Fay": 290.0}),
    ],
)
def test_cash_collected_on_a_won_accounts_invoices_is_credited_to_the_winner_inside_the_months(
    tmp_path, ext, overlay, march
):
    folder = write_workbook(tmp_path / "wb", ext, overlay)
    assert collections_paid(folder, "2026-03") == march
    # INV-3 was invoiced after the hand-off: its 5,000 collected in August is Fay's alone, 500
    assert collections_paid(folder, "2026-08") == {"Fay": 500.0}

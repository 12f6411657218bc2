"""Issue 12's one two-year scenario: a single real workbook closed month by month through `salesplan payouts`
for two fiscal years, with an overlay specialist, a team lead's override, a draw recovered over three months,
a return inside and one outside the clawback window, a holdback released at each year end, and commission on
cash collected with a late payment. Every ledger line is checked against the hand computation written beside
it (never against the program's own figures), and the payout CSV and each rep's statement agree with the
ledger.

The plan: 5% of sales; Chen (security specialist) credited 100% beside Li on Security; Boss 1% of team East's
sales; 2% of cash collected, half that after 90 days; Wang a recoverable draw of 1,000 in January 2026,
recovered at most 400 a month; returns within 30 days clawed back; 20% of every month's commission held back
until the fiscal year's end (December). Order within a month: commission and clawbacks, then the holdback (or
its release), then the draw against what is paid so far.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.report.statement_documents import account_labels, in_locale, statement_path
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

PLAN = """\
name: Two-year scenario
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, team: team, segment: segment, invoice: invoice,
              deal: order_no}
  receipts:
    path: data/receipts.xlsx
    columns: {date: received, amount: paid, invoice: invoice}
incentives:
  measurement: monthly
  commission: {base_rate: 0.05}
  crediting: [{rep: Li, segment: Security, overlays: {Chen: 1.0}}]
  hierarchy: [{manager: Boss, team: East, override_rate: 0.01}]
  collections: {rate: 0.02, ageing: [{after_days: 90, factor: 0.5}]}
  draws: [{rep: Wang, amount: 1000, start: 2026-01, end: 2026-01, recovery_cap: 400, reason: new hire}]
  clawback: {window_days: 30}
  holdback: {share: 0.2, release: year}
"""
SALES = [  # date, amount, rep, team, segment, invoice, deal
    ("2026-01-15", 10_000, "Li", "East", "Security", "I-1", "L-1"),
    ("2026-02-10", 20_000, "Wang", "East", "Core", "I-2", "W-1"),
    ("2026-03-10", 10_000, "Wang", "East", "Core", "I-3", "W-2"),
    ("2026-03-10", 8_000, "Zhao", "West", "Core", "I-4", "Z-1"),
    ("2026-04-05", -2_000, "Zhao", "West", "Core", "I-4", "Z-1"),  # 26 days after the sale: inside
    ("2026-04-10", 6_000, "Wang", "East", "Core", "I-5", "W-3"),
    ("2026-05-05", 4_000, "Zhao", "West", "Core", "I-6", "Z-2"),
    ("2026-06-10", 6_000, "Li", "East", "Core", "I-7", "L-2"),
    ("2026-07-01", -4_000, "Zhao", "West", "Core", "I-6", "Z-2"),  # 57 days after the sale: outside
    ("2027-02-10", 8_000, "Li", "East", "Security", "I-8", "L-3"),
]
RECEIPTS = [  # received, paid, invoice
    ("2026-02-14", 10_000, "I-1"),  # 30 days after the invoice: full rate
    ("2026-10-08", 6_000, "I-7"),  # 120 days after the invoice: the late payment, half rate
    ("2027-03-12", 8_000, "I-8"),  # 30 days: full rate
]
REPS = {"Li": "East", "Wang": "East", "Boss": "East", "Chen": "Specialists", "Zhao": "West"}

# (rep, kind, component, for_period, deal, amount in fen) per month closed; months not listed pay nothing.
# `for_period` is the month itself unless a line names another.
EXPECTED: dict[str, list[tuple[str, str, str, str, str, int]]] = {
    "2026-01": [
        # Li's L-1, 10,000 of Security: 5% = 500, 20% of it held = 100
        ("Li", "payment", "band", "2026-01", "", 500_00),
        ("Li", "holdback", "holdback", "2026-01", "", -100_00),
        # Chen, the specialist, credited 100% beside Li: 500, 100 held
        ("Chen", "payment", "band", "2026-01", "", 500_00),
        ("Chen", "holdback", "holdback", "2026-01", "", -100_00),
        # Boss: 1% of East's 10,000 = 100, 20 held
        ("Boss", "payment", "team_override", "2026-01", "", 100_00),
        ("Boss", "holdback", "holdback", "2026-01", "", -20_00),
        # Wang sold nothing: topped up to the 1,000 draw, an advance (balance 1,000)
        ("Wang", "draw", "draw", "2026-01", "", 1000_00),
    ],
    "2026-02": [
        # Wang's W-1, 20,000: 1,000, 200 held, 800 paid so far; the draw is over, so 800 is above it, but
        # at most 400 is recovered (balance 1,000 − 400 = 600)
        ("Wang", "payment", "band", "2026-02", "", 1000_00),
        ("Wang", "holdback", "holdback", "2026-02", "", -200_00),
        ("Wang", "draw_recovery", "draw_recovery", "2026-02", "", -400_00),
        # Boss: 1% of 20,000 = 200, 40 held
        ("Boss", "payment", "team_override", "2026-02", "", 200_00),
        ("Boss", "holdback", "holdback", "2026-02", "", -40_00),
        # I-1's 10,000 arrives 30 days after the invoice: 2% = 200 to Li and to his overlay Chen, 40 held each
        ("Li", "payment", "collections", "2026-02", "", 200_00),
        ("Li", "holdback", "holdback", "2026-02", "", -40_00),
        ("Chen", "payment", "collections", "2026-02", "", 200_00),
        ("Chen", "holdback", "holdback", "2026-02", "", -40_00),
    ],
    "2026-03": [
        # Wang's W-2, 10,000: 500, 100 held, 400 paid so far: 400 recovered (balance 200)
        ("Wang", "payment", "band", "2026-03", "", 500_00),
        ("Wang", "holdback", "holdback", "2026-03", "", -100_00),
        ("Wang", "draw_recovery", "draw_recovery", "2026-03", "", -400_00),
        ("Boss", "payment", "team_override", "2026-03", "", 100_00),  # 1% of 10,000
        ("Boss", "holdback", "holdback", "2026-03", "", -20_00),
        # Zhao (West, no team lead's override) sells Z-1, 8,000: 400, 80 held
        ("Zhao", "payment", "band", "2026-03", "", 400_00),
        ("Zhao", "holdback", "holdback", "2026-03", "", -80_00),
    ],
    "2026-04": [
        # Wang's W-3, 6,000: 300, 60 held, 240 paid so far: the last 200 of the draw recovered (balance 0)
        ("Wang", "payment", "band", "2026-04", "", 300_00),
        ("Wang", "holdback", "holdback", "2026-04", "", -60_00),
        ("Wang", "draw_recovery", "draw_recovery", "2026-04", "", -200_00),
        ("Boss", "payment", "team_override", "2026-04", "", 60_00),  # 1% of 6,000
        ("Boss", "holdback", "holdback", "2026-04", "", -12_00),
        # 2,000 of Z-1 came back 26 days after the sale, inside 30: at March's rate (400 ÷ 8,000 = 5%) 100 is
        # clawed back, naming March and the deal; a negative month holds nothing back, and on this carry-forward
        # plan it is not paid back now: the −100 is carried (Zhao's negative balance 100)
        ("Zhao", "clawback", "clawback", "2026-03", "Z-1", -100_00),
        ("Zhao", "negative_carried", "negative_carried", "2026-04", "", 100_00),
    ],
    "2026-05": [
        # Zhao's Z-2, 4,000: 200, 40 held; of the 160 paid the carried 100 is recovered (balance 0)
        ("Zhao", "payment", "band", "2026-05", "", 200_00),
        ("Zhao", "holdback", "holdback", "2026-05", "", -40_00),
        ("Zhao", "negative_recovery", "negative_recovery", "2026-05", "", -100_00),
    ],
    "2026-06": [
        # Li's L-2, 6,000 of Core (no overlay): 300, 60 held; Boss 1% = 60, 12 held
        ("Li", "payment", "band", "2026-06", "", 300_00),
        ("Li", "holdback", "holdback", "2026-06", "", -60_00),
        ("Boss", "payment", "team_override", "2026-06", "", 60_00),
        ("Boss", "holdback", "holdback", "2026-06", "", -12_00),
    ],
    # July: Z-2 came back 57 days after the sale, outside 30: nothing recovered, and July is not cut for it
    "2026-10": [
        # I-7's 6,000 arrives 120 days after the invoice, after 90: half the rate, 6,000 × 1% = 60, 12 held
        ("Li", "payment", "collections", "2026-10", "", 60_00),
        ("Li", "holdback", "holdback", "2026-10", "", -12_00),
    ],
    "2026-12": [
        # the fiscal year ends: nothing new held, everything held released
        ("Li", "holdback_release", "holdback_release", "2026-12", "", 212_00),  # 100 + 40 + 60 + 12
        ("Chen", "holdback_release", "holdback_release", "2026-12", "", 140_00),  # 100 + 40
        ("Boss", "holdback_release", "holdback_release", "2026-12", "", 104_00),  # 20 + 40 + 20 + 12 + 12
        ("Wang", "holdback_release", "holdback_release", "2026-12", "", 360_00),  # 200 + 100 + 60
        ("Zhao", "holdback_release", "holdback_release", "2026-12", "", 120_00),  # 80 + 40
    ],
    "2027-02": [
        # the second fiscal year: Li's L-3, 8,000 of Security: 400 each to Li and Chen, Boss 80; 20% held
        ("Li", "payment", "band", "2027-02", "", 400_00),
        ("Li", "holdback", "holdback", "2027-02", "", -80_00),
        ("Chen", "payment", "band", "2027-02", "", 400_00),
        ("Chen", "holdback", "holdback", "2027-02", "", -80_00),
        ("Boss", "payment", "team_override", "2027-02", "", 80_00),
        ("Boss", "holdback", "holdback", "2027-02", "", -16_00),
    ],
    "2027-03": [
        # I-8's 8,000 arrives 30 days after the invoice: 160 each to Li and Chen, 32 held each
        ("Li", "payment", "collections", "2027-03", "", 160_00),
        ("Li", "holdback", "holdback", "2027-03", "", -32_00),
        ("Chen", "payment", "collections", "2027-03", "", 160_00),
        ("Chen", "holdback", "holdback", "2027-03", "", -32_00),
    ],
    "2027-12": [
        ("Li", "holdback_release", "holdback_release", "2027-12", "", 112_00),  # 80 + 32
        ("Chen", "holdback_release", "holdback_release", "2027-12", "", 112_00),  # 80 + 32
        ("Boss", "holdback_release", "holdback_release", "2027-12", "", 16_00),
    ],
}
# Each rep over the two years: commission earned − clawed back (held amounts all released; the draw repaid).
# Li 500 + 200 + 300 + 60 + 400 + 160; Chen 500 + 200 + 400 + 160; Boss 100 + 200 + 100 + 60 + 60 + 80;
# Wang 1,000 + 500 + 300 (+ 1,000 advanced − 400 − 400 − 200 recovered); Zhao 400 + 200 − 100.
TWO_YEARS = {"Li": 1620_00, "Chen": 1260_00, "Boss": 600_00, "Wang": 1800_00, "Zhao": 500_00}
# Wang's draw balance at each month's end while it is carried (fen)
DRAW_BALANCE = {"2026-01": 1000_00, "2026-02": 600_00, "2026-03": 200_00, "2026-04": 0}


def write_workbook(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    columns = ["date", "amount", "rep", "team", "segment", "invoice", "order_no"]
    pd.DataFrame(SALES, columns=columns).to_csv(folder / "data" / "sales.csv", index=False)
    pd.DataFrame(RECEIPTS, columns=["received", "paid", "invoice"]).to_excel(
        folder / "data" / "receipts.xlsx", index=False
    )
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    months = pd.period_range("2026-01", "2027-12", freq="M")
    targets = pd.DataFrame(
        [(m, rep, team, 50_000.0) for m in months for rep, team in REPS.items()],
        columns=["period", "rep", "team", "target"],
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


def close_month(folder: Path, month: str) -> None:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(folder), "--period", month, *step]) == 0


def as_tuples(lines: pd.DataFrame) -> Counter:
    return Counter(
        (r.rep, r.kind, r.component, str(r.for_period), r.deal, int(r.amount_minor))
        for r in lines.itertuples()
    )


@pytest.fixture(scope="module")
def closed_two_years(tmp_path_factory) -> Path:
    folder = write_workbook(tmp_path_factory.mktemp("scenario") / "wb")
    for month in pd.period_range("2026-01", "2027-12", freq="M").astype(str):
        close_month(folder, month)
    return folder


def test_every_ledger_line_of_two_years_matches_the_hand_computation(closed_two_years):
    lines = read_ledger(open_workbook(closed_two_years)).lines
    for month in pd.period_range("2026-01", "2027-12", freq="M"):
        paid = as_tuples(lines[lines["period"] == month])
        assert paid == Counter(EXPECTED.get(str(month), [])), month
    assert lines.groupby("rep")["amount_minor"].sum().to_dict() == TWO_YEARS
    assert not (lines["kind"] == "adjustment").any()  # nothing paid was ever recomputed


def statement_sheet(path: Path) -> tuple[list[int], int, dict[str, int]]:
    """A rep's statement workbook read back: its line amounts, its total, and its balances after (fen)."""
    rows = list(openpyxl.load_workbook(path).active.iter_rows(min_row=4, values_only=True))
    end = next(i for i, r in enumerate(rows) if r[1] is None)  # the total row follows the lines
    balances = {r[0]: round(r[4] * 100) for r in rows[end + 3 :] if r[0] is not None}
    return [round(r[4] * 100) for r in rows[:end]], round(rows[end][4] * 100), balances


def test_the_payout_exports_and_every_statement_agree_with_the_ledger(closed_two_years):
    workbook = open_workbook(closed_two_years)
    lines = read_ledger(workbook).lines
    for month, expected in EXPECTED.items():
        export = pd.read_csv(
            workbook.reports_dir(month) / "payouts" / f"payouts-{month}.csv",
            dtype={"deal": str, "for_period": str},
            keep_default_na=False,
        )
        assert Counter(
            (r.rep, r.component, r.for_period, r.deal, round(r.amount * 100)) for r in export.itertuples()
        ) == Counter((rep, component, period, deal, fen) for rep, _, component, period, deal, fen in expected)
        paid = lines[lines["period"] == pd.Period(month, "M")]
        for rep, rep_lines in paid.groupby("rep"):
            for locale in ("en", "zh_CN"):
                shown, total, balances = statement_sheet(
                    statement_path(workbook, month, rep, locale, ".xlsx")
                )
                assert sorted(shown) == sorted(rep_lines["amount_minor"]), (month, rep, locale)
                assert total == rep_lines["amount_minor"].sum(), (month, rep, locale)
                if rep == "Wang" and month in DRAW_BALANCE:  # the draw balance carried, on every statement
                    label = in_locale(locale, account_labels)["draw"]
                    assert balances[label] == DRAW_BALANCE[month], (month, locale)
                if rep == "Zhao" and month in ("2026-04", "2026-05"):  # Zhao's negative balance, then cleared
                    label = in_locale(locale, account_labels)["negative"]
                    assert balances[label] == {"2026-04": 100_00, "2026-05": 0}[month], (month, locale)

"""A ledger's first close mid-year carries nothing in from the months before it: they were never closed, so
this ledger paid nothing for them and there is no balance to recover or to make up. Each month before the
first close counts as paid exactly what it earned (paid outside the ledger, or not at all); from the first
close on, the ledger's own lines are the record. Real workbooks closed through the CLI; figures by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_public_retail import DATA, PLAN, PUBLISHED, VIEW, hand_lines, hand_pay

from salesplan_widgets.cli import main
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

LEDGER_PLAN = """\
name: First close
currency: CNY
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
incentives:
  measurement: monthly
  cumulative: {cumulative}
  negative: carry_forward
  commission: {{base_rate: 0.10}}
"""

# Li sells 1,000 in April, takes back 500 in May (a return: May earns −50), sells 1,000 in June and in
# July; Wang sells 1,000 every month from April. The ledger's first close is June.
SALES = [("2026-04-15", 1_000, "Li"), ("2026-05-15", -500, "Li"), ("2026-06-15", 1_000, "Li"),
         ("2026-07-15", 1_000, "Li")] + [(f"2026-{m:02d}-15", 1_000, "Wang") for m in range(4, 8)]  # fmt: skip


def make_workbook(folder: Path, cumulative: bool = False, locale: str = "en") -> Path:
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(SALES, columns=["date", "amount", "rep"]).to_csv(folder / "data" / "sales.csv", index=False)
    plan = LEDGER_PLAN.format(locale=locale, cumulative=str(cumulative).lower())
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame(
        [(m, r, 1_000.0) for m in months for r in ("Li", "Wang")], columns=["period", "rep", "target"]
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


def close(folder: Path, period: str) -> None:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(folder), "--period", period, *step]) == 0


def paid(folder: Path, period: str) -> dict[str, float]:
    lines = read_ledger(open_workbook(folder)).lines
    month = lines[lines["period"] == pd.Period(period, "M")]
    return (month.groupby("rep")["amount_minor"].sum() / 100).to_dict()


def components(folder: Path, period: str, rep: str) -> set[str]:
    lines = read_ledger(open_workbook(folder)).lines
    mine = lines[(lines["period"] == pd.Period(period, "M")) & (lines["rep"] == rep)]
    return set(mine["component"].astype(str))


@pytest.mark.parametrize("cumulative", [False, True])
def test_a_first_close_in_june_carries_nothing_from_mays_negative_month(tmp_path, cumulative):
    folder = make_workbook(tmp_path / "wb", cumulative=cumulative)
    close(folder, "2026-06")
    # June: Li earned 1,000 × 10% = 100 in the month (100 above May's year to date on a cumulative plan);
    # May's −50 was never closed, never paid: nothing carried in. Wang 100.
    assert paid(folder, "2026-06") == {"Li": 100.0, "Wang": 100.0}
    close(folder, "2026-07")  # and the month after: still nothing of May's
    assert paid(folder, "2026-07") == {"Li": 100.0, "Wang": 100.0}
    if not cumulative:  # no "Balance carried in from earlier periods" line on either statement
        assert "true_up" not in components(folder, "2026-06", "Li") | components(folder, "2026-07", "Li")


def test_a_negative_month_after_the_first_close_is_still_carried(tmp_path):
    """Guard: the ledger's own months carry as before. Closed from April, May's −50 is carried into June."""
    folder = make_workbook(tmp_path / "wb")
    for month in ("2026-04", "2026-05", "2026-06"):
        close(folder, month)
    assert paid(folder, "2026-04")["Li"] == 100.0 and paid(folder, "2026-05").get("Li", 0.0) == 0.0
    assert paid(folder, "2026-06")["Li"] == 50.0 and "true_up" in components(folder, "2026-06", "Li")


def test_online_retail_first_closed_in_july_pays_july_as_computed_by_hand(tmp_path):
    """The analyst's Online Retail workbook (tests/test_public_retail.py) closed first in July 2011: June's
    override on the export desk was negative (its returns outweighed its sales) but June was never closed."""
    folder = tmp_path / "wb"
    (folder / "data").mkdir(parents=True)
    shutil.copy(DATA, folder / "data" / PUBLISHED)
    with duckdb.connect(str(folder / "data" / "retail.duckdb")) as con:
        con.execute(f"CREATE TABLE lines AS SELECT * FROM read_csv('{folder / 'data' / PUBLISHED}')")
        con.execute(VIEW)
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    lines = hand_lines()
    june = lines[(lines["month"] == pd.Period("2011-06", "M")) & (lines["team"] == "Export")]
    assert june["amount"].sum() < 0  # the negative month the first close must not carry
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(folder), "--period", "2011-07", *step]) == 0
    got = paid(folder, "2011-07")
    assert got == pytest.approx(hand_pay(lines, "2011-07"), abs=0.011)
    ledger = read_ledger(open_workbook(folder)).lines
    assert "true_up" not in set(ledger["component"].astype(str))


def test_the_estimator_on_a_ledger_never_closed_pays_june_as_its_first_close_would(tmp_path):
    """The rep's earnings estimator runs the close's own arithmetic: before any close, June's estimate for
    Li carries nothing of May either, and 500 more sold in June adds 50."""
    from salesplan_widgets.model.calendar import FiscalCalendar
    from salesplan_widgets.model.estimator import estimate_payments
    from salesplan_widgets.workbook.payouts import incentives_of, load_quotas, pay_cube

    workbook = open_workbook(make_workbook(tmp_path / "wb"))
    section = incentives_of(workbook)
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    ledger = read_ledger(workbook).lines
    assert ledger.empty
    estimate = estimate_payments(section, calendar.in_months(pay_cube(workbook, section)),
                                 calendar.in_months(load_quotas(workbook).table), ledger, "2026-06", "Li",
                                 500.0, currency="CNY")  # fmt: skip
    assert (estimate.paid_now, estimate.paid_then) == (pytest.approx(100.0), pytest.approx(150.0))

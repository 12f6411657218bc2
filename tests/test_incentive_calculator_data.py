"""The open incentive calculator follows its data: sales written into the workbook after the widget was
built (a new file from the analyst or a scheduler, CSV or Parquet) show in the statement, the payment lines,
the estimator and the month picker at the next redraw, without a new widget or a kernel restart; what did
not change is not read again, and a file that cannot be read is a message that keeps the last figures.

The workbook is tests/test_estimator_rules.py's: 10% commission, Chen's 1,000 recoverable draw (recovery
capped at 300), a 30-day clawback window, 20% held to the quarter end, January closed."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from test_estimator_rules import SALES, make_workbook
from test_incentive_calculator import _close_elsewhere, _with_new_accounts_boards

from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator


@pytest.fixture
def folder(tmp_path) -> Path:
    return make_workbook(tmp_path)


def write_sales(folder: Path, rows: list[tuple], name: str = "sales.csv") -> None:
    """The sales file written anew, as an analyst or a scheduler drops the latest export in."""
    frame = pd.DataFrame(rows, columns=["date", "amount", "rep", "order_no"])
    path = folder / "data" / name
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def payout_of(calc: IncentiveCalculator, rep: str) -> float:
    reps = calc.statements.reps
    return float(reps.loc[reps["rep"] == rep, "payout"].sum())


def test_sales_written_after_the_widget_opened_show_in_the_statement_at_the_next_redraw(folder):
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    assert payout_of(calc, "Chen") == 500.0  # 5,000 × 10%
    write_sales(folder, [*SALES, ("2026-02-20", 3000, "Chen", "C3")])
    calc.refresh()  # the same widget redrawn
    # 8,000 × 10% = 800 earned; 160 held (20%), 640 paid so far: 360 advanced up to the 1,000 draw
    assert payout_of(calc, "Chen") == 800.0
    assert "sales CN¥8,000.00" in calc.statement_panel.value
    lines = calc.payment_table.set_index("kind")["amount"]
    assert (lines["payment"], lines["holdback"], lines["draw"]) == (800.0, -160.0, 360.0)


def test_the_estimator_answers_on_sales_written_since_the_last_redraw(folder):
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    write_sales(folder, [*SALES, ("2026-02-20", 3000, "Chen", "C3")])
    calc.extra = 2_000
    e = calc.run_estimate()  # no redraw in between: the estimator reads the new sales itself
    # now 8,000 × 10% = 800; then 10,000 × 10% = 1,000
    assert (e.payout_now, e.payout_then) == (800.0, 1_000.0)
    assert payout_of(calc, "Chen") == 800.0  # and the statement beside it was redrawn too
    p = calc.payment_estimate
    # then: 1,000 earned, 200 held, 800 paid so far, 200 advanced: 1,000 paid now, as before
    assert (p.held_now, p.held_then, p.paid_then) == (160.0, 200.0, 1_000.0)


def test_a_new_month_in_a_parquet_file_joins_the_month_picker_and_its_returns_are_clawed_back(folder):
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text().replace("data/sales.csv", "data/sales.parquet"), encoding="utf-8")
    write_sales(folder, SALES, "sales.parquet")
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    assert calc.period_control.options == ("2026-02", "2026-01")
    assert "clawback" not in set(calc.payment_table["kind"])
    # C1 was sold on 12 January (closed, 10% paid on it): returned 27 days later, inside the 30-day window
    later = [("2026-02-08", -500, "Chen", "C1"), ("2026-03-10", 4000, "Li", "L3")]
    write_sales(folder, [*SALES, *later], "sales.parquet")
    calc.refresh()
    assert calc.period_control.options == ("2026-03", "2026-02", "2026-01")
    assert calc.period == "2026-02" and calc.rep == "Chen"  # the analyst's month and rep stay picked
    clawback = calc.payment_table.set_index("kind").loc["clawback"]
    assert clawback["amount"] == -50.0  # 500 × the 10% paid on it
    assert clawback["explanation"] == "returned CN¥500.00 × rate paid 10.00% = -CN¥50.00"
    calc.period_control.value = "2026-03"
    assert payout_of(calc, "Li") == 400.0  # 4,000 × 10%


def test_only_what_depends_on_the_changed_files_is_read_again(folder):
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    cube, lines = calc.cube, calc._ledger()[0]
    calc.refresh()
    assert calc.cube is cube and calc._ledger()[0] is lines  # nothing changed: nothing read
    _close_elsewhere(folder, "2026-02")
    calc.refresh()
    assert calc.cube is cube and calc._ledger()[0] is not lines  # the ledger changed, the sales did not
    assert "Paid for 2026-02 (recorded in the ledger)" in calc.payment_panel.value
    lines = calc._ledger()[0]
    write_sales(folder, [*SALES, ("2026-03-10", 4000, "Li", "L3")])
    calc.refresh()
    assert calc.cube is not cube and calc._ledger()[0] is lines  # the sales changed, the ledger did not
    assert "2026-03" in calc.period_control.options


def test_a_sales_file_that_cannot_be_read_is_a_message_and_the_last_figures_stay(folder):
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    bad = [*SALES, ("2026-02-20", "lots", "Chen", "C3")]
    write_sales(folder, bad)
    calc.refresh()
    assert calc.message.startswith("The data changed but cannot be read; the figures shown are from before")
    assert "data/sales.csv, row 7, column 'amount'" in calc.message and "found 'lots'" in calc.message
    assert "salesplan-error" in calc.message_panel.value
    assert payout_of(calc, "Chen") == 500.0 and calc.period_control.options == ("2026-02", "2026-01")
    write_sales(folder, [*SALES, ("2026-02-20", 3000, "Chen", "C3")])  # the export fixed
    calc.refresh()
    assert payout_of(calc, "Chen") == 800.0
    assert calc.message == "" and calc.message_panel.value == ""  # the error went with its cause


def test_saving_a_rule_that_needs_deal_facts_reads_nothing_and_pays_the_same(folder):
    """A deal-size kicker typed in the widget is paid on the deals it names at once (Chen's C2 of 5,000:
    100); saving it reads no data again and pays the same (the design's cube becomes the saved plan's)."""
    from salesplan_widgets.schema.incentives import DealKicker

    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    calc.section = calc.saved.model_copy(update={"deal_kicker": DealKicker(at_least=5_000, bonus=100)})
    cube = calc.cube
    assert calc.save()
    assert calc.cube is cube
    kicker = calc.statement_table[calc.statement_table["component"] == "deal_kicker"]
    assert kicker["amount"].tolist() == [100.0]
    assert payout_of(calc, "Chen") == 600.0  # 5,000 × 10% + one deal of at least 5,000


def board(calc: IncentiveCalculator, name: str) -> dict[str, str]:
    """A leaderboard as shown in the panel: rep -> value."""
    part = calc.leaderboard_panel.value.split(f"<h4>{name}</h4>")[1].split("<h4>")[0]
    return dict(re.findall(r'<td>([^<]+)</td><td>[^<]*</td><td class="num">([^<]+)</td>', part))


def test_a_new_accounts_board_counts_the_accounts_in_sales_written_since(folder):
    plan = folder / "plan.yaml"  # each order its own account, and boards on accounts won
    plan.write_text(plan.read_text().replace("deal: order_no}", "deal: order_no, account: order_no}"))
    _with_new_accounts_boards(folder)
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    # C2 and L2 first sold in February, C1 and L1 in January
    assert board(calc, "New accounts") == {"Chen": "1", "Li": "1"}
    assert board(calc, "New accounts this year") == {"Chen": "2", "Li": "2"}
    write_sales(folder, [*SALES, ("2026-02-20", 3000, "Chen", "C3")])
    calc.refresh()
    assert board(calc, "New accounts") == {"Chen": "2", "Li": "1"}
    assert board(calc, "New accounts this year") == {"Chen": "3", "Li": "2"}


def test_a_split_saved_elsewhere_changes_the_quotas_at_the_next_redraw(folder):
    """Targets of 1,000 a month per rep, then 2,500 saved by another analyst's task splitter: Chen's 5,000
    in February is 500% of quota, then 200%; the sales are not read again."""
    from salesplan_widgets.workbook import open_workbook

    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    assert "quota CN¥1,000.00, attainment 500.0%" in calc.statement_panel.value
    cube = calc.cube
    months = pd.period_range("2026-01", periods=12, freq="M")
    elsewhere = open_workbook(folder)
    elsewhere.write_table(
        "targets", pd.DataFrame([(m, r, 2_500.0) for m in months for r in ("Chen", "Li")],
                                columns=["period", "rep", "target"])
    )  # fmt: skip
    calc.refresh()
    assert "quota CN¥2,500.00, attainment 200.0%" in calc.statement_panel.value
    assert calc.cube is cube

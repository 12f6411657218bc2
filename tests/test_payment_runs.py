"""A period's payments are computed once per process and data: preparing, approving and closing it in one
notebook run the statements engine once, not three times, and still pay exactly what a new run pays; a
change of data, quota or ledger in between runs it again (and the approval is refused as before).

Runs are counted for real: the statements engine as the ledger calls it is wrapped with a counter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_ledger import SALES, make_workbook, write_sales

from salesplan_widgets.errors import ConflictError
from salesplan_widgets.model import ledger as ledger_model
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import approve_payments, close_period, compute_payments, read_ledger
from salesplan_widgets.workbook.payouts import write_payouts


def forget_runs() -> None:
    """No kept runs, as in a new process (earlier tests may have paid the same data)."""
    clear = getattr(ledger_model, "clear_kept_runs", None)
    if clear is not None:  # main has no kept runs
        clear()


@pytest.fixture
def engine_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The period of every statements run the ledger asks the engine for, from no kept runs."""
    forget_runs()
    runs: list[str] = []
    engine = ledger_model.payout_statements

    def counting(section, cube, quotas, period, *args, **kwargs):
        runs.append(str(period))
        return engine(section, cube, quotas, period, *args, **kwargs)

    monkeypatch.setattr(ledger_model, "payout_statements", counting)
    yield runs
    forget_runs()


def test_preparing_approving_and_closing_in_one_process_runs_the_statements_once(
    tmp_path: Path, engine_runs: list[str]
) -> None:
    wb = make_workbook(tmp_path / "wb")
    write_payouts(open_workbook(wb), "2026-01", by="analyst")
    prepared = len(engine_runs)
    assert prepared >= 1
    approve_payments(open_workbook(wb), "2026-01", by="finance")
    close_period(open_workbook(wb), "2026-01", by="controller")
    assert len(engine_runs) == prepared  # approval and closing recomputed nothing
    assert not read_ledger(open_workbook(wb)).lines.empty  # and the month was paid

    # a late January deal after January was closed: February pays it as an adjustment, on the ledger's facts
    write_sales(wb, [*SALES, ("2026-01-20", 400, "Wang")])
    before = len(engine_runs)
    write_payouts(open_workbook(wb), "2026-02", by="analyst")
    prepared = len(engine_runs)
    assert prepared > before  # new data, new period: the engine runs
    approve_payments(open_workbook(wb), "2026-02", by="finance")
    close_period(open_workbook(wb), "2026-02", by="controller")
    assert len(engine_runs) == prepared
    lines = read_ledger(open_workbook(wb)).lines
    late = lines[(lines["period"] == pd.Period("2026-02", "M")) & (lines["kind"] == "adjustment")]
    assert set(late["cause"]) == {"late_transaction"}  # the ledger's semantics: a dated adjustment


def test_a_kept_run_pays_exactly_what_a_new_run_pays(tmp_path: Path, engine_runs: list[str]) -> None:
    wb = make_workbook(tmp_path / "wb")
    new = compute_payments(open_workbook(wb), "2026-03")
    ran = len(engine_runs)  # a first close mid-year also runs the year from that close (ledger_year_run)
    assert ran >= 1
    kept = compute_payments(open_workbook(wb), "2026-03")
    assert len(engine_runs) == ran
    forget_runs()
    again = compute_payments(open_workbook(wb), "2026-03")
    assert len(engine_runs) == 2 * ran
    for other in (kept, again):
        assert other.figures == new.figures
        pd.testing.assert_frame_equal(other.payments.lines, new.payments.lines, check_exact=True)
        pd.testing.assert_frame_equal(other.statements.lines, new.statements.lines, check_exact=True)
        pd.testing.assert_frame_equal(other.statements.reps, new.statements.reps, check_exact=True)


def test_a_caller_changing_its_statements_does_not_change_the_kept_run(
    tmp_path: Path, engine_runs: list[str]
) -> None:
    wb = make_workbook(tmp_path / "wb")
    first = compute_payments(open_workbook(wb), "2026-01")
    figures = first.figures
    first.statements.reps["payout"] = 0.0  # a caller's own copy
    first.statements.lines["amount"] = 0.0
    assert compute_payments(open_workbook(wb), "2026-01").figures == figures
    assert len(engine_runs) == 1


def test_a_quota_changed_after_preparing_is_computed_again_and_the_approval_refused(
    tmp_path: Path, engine_runs: list[str]
) -> None:
    wb = make_workbook(tmp_path / "wb")
    write_payouts(open_workbook(wb), "2026-01", by="analyst")
    prepared = len(engine_runs)
    book = open_workbook(wb)
    targets = book.read_table("targets")
    book.write_table("targets", targets.assign(target=targets["target"] / 2))  # a re-plan halves the quotas
    with pytest.raises(ConflictError, match="changed since they were prepared"):
        approve_payments(open_workbook(wb), "2026-01", by="finance")
    assert len(engine_runs) == prepared + 1


def test_inputs_pandas_cannot_hash_are_paid_without_keeping_the_run(
    tmp_path: Path, engine_runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wb = make_workbook(tmp_path / "wb")
    kept = compute_payments(open_workbook(wb), "2026-01")

    def unhashable(frame):
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(ledger_model, "_content_key", unhashable)
    first = compute_payments(open_workbook(wb), "2026-01")
    second = compute_payments(open_workbook(wb), "2026-01")
    assert len(engine_runs) == 3  # each computed, none kept
    assert first.figures == second.figures == kept.figures

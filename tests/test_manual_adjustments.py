"""Manual adjustment lines: entered with amount, reason and approver through the command line, paid in their
open period, recorded in the ledger and the audit log, shown on the statement in both languages."""

from __future__ import annotations

import pandas as pd
from test_ledger import make_workbook

from salesplan_widgets.cli import main
from salesplan_widgets.model.manual import MANUAL
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.audit import read_audit
from salesplan_widgets.workbook.ledger import read_ledger


def close(wb, period: str) -> None:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(wb), "--period", period, *step]) == 0


def test_a_manual_adjustment_is_paid_in_its_period_with_reason_and_approver_and_audited(tmp_path, capsys):
    wb = make_workbook(tmp_path / "wb")  # Li and Wang each earn 100.00 in January (see test_ledger)
    adjust = ["payouts", str(wb), "--period", "2026-01", "--adjust"]
    assert main([*adjust, "Li", "250.50", "--reason", "Missed SPIF for the Wuhan order",
                 "--approver", "Zhou Min"]) == 0  # fmt: skip
    assert main([*adjust, "Wang", "-40", "--reason", "Expense advance repaid", "--approver", "Zhou Min"]) == 0
    assert "prepare the period again" in capsys.readouterr().out
    close(wb, "2026-01")

    lines = read_ledger(open_workbook(wb)).lines
    manual = lines[lines["kind"] == MANUAL].set_index("rep")
    assert manual["amount_minor"].to_dict() == {"Li": 250_50, "Wang": -40_00}
    assert (
        manual.loc["Li", "note"] == "Missed SPIF for the Wuhan order"
        and manual.loc["Li", "approver"] == "Zhou Min"
    )
    assert lines.groupby("rep")["amount_minor"].sum().to_dict() == {"Li": 350_50, "Wang": 60_00}
    audit = read_audit(open_workbook(wb))
    assert (audit["action"] == "ledger.adjust").sum() == 2

    zh = statement_path(open_workbook(wb), "2026-01", "Li", "zh_CN").read_text(encoding="utf-8")
    assert "手工调整：Missed SPIF for the Wuhan order（批准人 Zhou Min）" in zh
    export = pd.read_csv(wb / "reports" / "2026-01" / "payouts" / "payouts-2026-01.csv", encoding="utf-8-sig")
    row = export[export["component"] == MANUAL].set_index("rep").loc["Wang"]
    assert (row["amount"], row["approver"]) == (-40.0, "Zhou Min") and "Expense advance repaid" in row["rule"]

    # February pays no January adjustment again: manual lines are paid once, in the period they were entered for
    close(wb, "2026-02")
    february = read_ledger(open_workbook(wb)).lines
    assert not ((february["period"] == pd.Period("2026-02", "M")) & (february["kind"] == MANUAL)).any()


def test_a_manual_adjustment_needs_a_reason_an_approver_and_an_open_period(tmp_path, capsys):
    wb = make_workbook(tmp_path / "wb")
    adjust = ["payouts", str(wb), "--period", "2026-01", "--adjust", "Li", "100"]
    assert main([*adjust, "--approver", "Zhou Min"]) == 1
    assert "--reason" in capsys.readouterr().err
    assert main([*adjust, "--reason", "bonus"]) == 1
    assert "--approver" in capsys.readouterr().err
    assert main(["payouts", str(wb), "--period", "2026-01", "--adjust", "Li", "lots", "--reason", "x",
                 "--approver", "y"]) == 1  # fmt: skip
    assert "plain number" in capsys.readouterr().err
    close(wb, "2026-01")
    assert main([*adjust, "--reason", "late", "--approver", "Zhou Min"]) == 1
    assert "closed periods are facts" in capsys.readouterr().err
    assert not (wb / "ledger" / "adjustments.csv").exists()

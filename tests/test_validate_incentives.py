"""`salesplan validate` refuses incentive rules that name what the data does not hold, each with the file, row
or column, what was expected and the fix: a manager or team of `hierarchy`, the rep of a draw or a manual
adjustment, a collections plan without receipts, `account_winner` without an account column. The same check
runs before `salesplan run` (one function, `workbook.plan_checks.incentive_problems`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.errors import InputError
from salesplan_widgets.run import run_period
from salesplan_widgets.workbook import open_workbook

PLAN = """\
name: Checked Co
currency: USD
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, team: team, {account}invoice: invoice}}
{receipts}incentives:
  commission: {{base_rate: 0.05}}
  collections: {{rate: 0.03}}
  hierarchy: [{{manager: {manager}, team: {team}, override_rate: 0.01}}]
  draws: [{{rep: {draw_rep}, amount: 1000, start: 2026-01, end: 2026-03}}]
  account_winner: {{months: 12}}
"""
RECEIPTS = """\
  receipts:
    path: data/receipts.csv
    columns: {date: date, amount: amount, invoice: invoice}
"""


def write_workbook(
    folder: Path,
    manager="Boss",
    team="East",
    draw_rep="Li",
    receipts=True,
    account=True,
    locale="en",
) -> Path:
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(
        {
            "date": ["2026-01-05", "2026-01-20", "2026-02-03"],
            "amount": [1000.0, 2000.0, 1500.0],
            "rep": ["Li", "Wang", "Li"],
            "team": ["East", "East", "East"],
            "account": ["ACME", "ACME", "Beta"],
            "invoice": ["I-1", "I-2", "I-3"],
        }
    ).to_csv(folder / "data" / "sales.csv", index=False)
    pd.DataFrame({"date": ["2026-02-01"], "amount": [1000.0], "invoice": ["I-1"]}).to_csv(
        folder / "data" / "receipts.csv", index=False
    )
    plan = PLAN.format(
        locale=locale,
        account="account: account, " if account else "",
        receipts=RECEIPTS if receipts else "",
        manager=manager,
        team=team,
        draw_rep=draw_rep,
    )
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = [(m, r, "East", 5000.0) for m in months for r in ("Li", "Wang", "Boss")]
    open_workbook(folder).write_table(
        "targets", pd.DataFrame(targets, columns=["period", "rep", "team", "target"])
    )
    return folder


def validate(folder: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(folder)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_rules_that_name_what_the_data_holds_are_valid(tmp_path, capsys):
    code, text = validate(write_workbook(tmp_path / "wb"), capsys)
    assert code == 0 and "Plan and data are valid." in text and "problem" not in text


def test_a_hierarchy_naming_an_unknown_manager_is_refused_with_its_fix(tmp_path, capsys):
    code, text = validate(write_workbook(tmp_path / "wb", manager="Bos"), capsys)
    assert code == 1
    assert "plan.yaml, row 1, column 'incentives.hierarchy.manager'" in text
    assert "Bos is in neither the sales nor the targets" in text and "give a target to Bos" in text
    assert "1 problem(s) found." in text


def test_a_manager_who_sells_nothing_and_has_no_target_is_valid_with_a_warning(tmp_path, capsys):
    """A sales manager paid only an override on her team is in neither the sales nor the targets; a name
    like nobody's there is not a misspelling: validate passes and says she is measured against no quota."""
    code, text = validate(write_workbook(tmp_path / "wb", manager="Zhang Min"), capsys)
    assert code == 0 and "Plan and data are valid." in text
    assert "- warning: plan.yaml, row 1, column 'incentives.hierarchy.manager'" in text
    assert "paid on team East's sales only: Zhang Min sells nothing and has no target" in text
    assert "1 warning(s)" in text


def test_a_hierarchy_naming_a_team_not_in_the_sales_is_refused_with_the_teams_there(tmp_path, capsys):
    code, text = validate(write_workbook(tmp_path / "wb", team="Eats"), capsys)
    assert code == 1
    assert "column 'incentives.hierarchy.team'" in text and "one of East" in text and "Eats" in text


def test_a_draw_for_an_unknown_rep_is_refused(tmp_path, capsys):
    code, text = validate(write_workbook(tmp_path / "wb", draw_rep="Zhao"), capsys)
    assert code == 1
    assert "column 'incentives.draws.rep'" in text and "Zhao is in neither the sales nor the targets" in text


def test_a_manual_adjustment_for_an_unknown_rep_is_refused_at_its_row(tmp_path, capsys):
    folder = write_workbook(tmp_path / "wb")
    for rep in ("Li", "Lee"):
        assert main(["payouts", str(folder), "--period", "2026-02", "--adjust", rep, "100",
                     "--reason", "spiff", "--approver", "Finance"]) == 0  # fmt: skip
    capsys.readouterr()
    code, text = validate(folder, capsys)
    assert code == 1
    assert (
        "ledger/adjustments.csv, row 3, column 'rep'" in text
        and "Lee is in neither the sales nor the targets" in text
    )


def test_a_collections_plan_without_receipts_is_refused(tmp_path, capsys):
    code, text = validate(write_workbook(tmp_path / "wb", receipts=False), capsys)
    assert code == 1
    assert "column 'sources.receipts'" in text and "remove 'collections'" in text


def test_account_winner_without_an_account_column_is_refused(tmp_path, capsys):
    code, text = validate(write_workbook(tmp_path / "wb", account=False), capsys)
    assert code == 1
    assert "column 'incentives.account_winner'" in text and "map the account column" in text


def test_every_problem_is_reported_at_once_in_the_plans_language(tmp_path, capsys):
    folder = write_workbook(tmp_path / "wb", manager="Bos", team="Eats", draw_rep="Zhao", receipts=False,
                            account=False, locale="zh_CN")  # fmt: skip
    code, text = validate(folder, capsys)
    assert code == 1 and "发现 5 个问题。" in text
    assert "Bos 既不在销售数据中" in text and "应为 销售数据中的团队：East 之一" in text
    assert "回款来源" in text and "客户（account）列" in text


def test_run_refuses_with_the_same_check(tmp_path):
    folder = write_workbook(tmp_path / "wb", draw_rep="Zhao")
    with pytest.raises(InputError) as info:
        run_period(folder, "2026-02")
    assert [p.column for p in info.value.problems] == ["incentives.draws.rep"]

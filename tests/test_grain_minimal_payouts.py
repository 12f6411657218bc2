"""Minimal workbooks (date, amount, rep; a flat 5%) planned by quarter or by week, paid through the CLI.

A quarterly plan that says nothing of `incentives.measurement` used to be refused for a setting it never
wrote (the default, monthly, is no period at that grain): it now measures by quarter, paid in the quarter's
last month; one that asks for monthly payouts is refused at the line that asks. And `salesplan payouts` pays by month, while `salesplan run` takes a week or a quarter: given
one of those, payouts names the month that pays it instead of asking for YYYY-MM. By hand, 1998: Ann sells
1,000 on 6 Apr and 500 on 2 Jul, Bob 2,000 on 28 May; Q2 pays Ann 50.00 and Bob 100.00 in June.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

PLAN = """\
name: Grain Co
currency: USD
locale: {locale}
calendar: {{grain: {grain}}}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
incentives:
  commission: {{base_rate: 0.05}}
"""
SALES = [("1998-04-06", 1000, "Ann"), ("1998-05-28", 2000, "Bob"), ("1998-07-02", 500, "Ann")]


def minimal_workbook(folder: Path, grain: str, locale: str = "en") -> Path:
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(SALES, columns=["date", "amount", "rep"]).to_csv(folder / "data" / "sales.csv", index=False)
    (folder / "plan.yaml").write_text(PLAN.format(grain=grain, locale=locale), encoding="utf-8")
    return folder


def test_a_quarterly_plan_that_names_no_measurement_pays_by_quarter(tmp_path, capsys):
    folder = minimal_workbook(tmp_path / "wb", "quarter")
    assert main(["validate", str(folder)]) == 0, capsys.readouterr().err
    assert open_workbook(folder).plan.incentives.measurement == "quarterly"
    assert main(["payouts", str(folder), "--period", "1998-06"]) == 0
    assert main(["payouts", str(folder), "--period", "1998-06", "--approve"]) == 0
    assert main(["close", str(folder), "--period", "1998-06"]) == 0
    lines = read_ledger(open_workbook(folder)).lines
    paid = lines[lines["period"] == pd.Period("1998-06", "M")].groupby("rep")["amount_minor"].sum()
    assert paid.to_dict() == {"Ann": 5_000, "Bob": 10_000}  # cents: 5% of Q2's 1,000 and 2,000


def test_preparing_a_month_inside_the_quarter_names_the_month_finance_approves(tmp_path, capsys):
    """April is the quarter so far: approving it is refused, so the prepare step points at June instead."""
    folder = minimal_workbook(tmp_path / "wb", "quarter")
    assert main(["payouts", str(folder), "--period", "1998-04"]) == 0
    out = capsys.readouterr().out
    assert f"salesplan payouts {folder} --period 1998-06 --approve" in out
    assert "--period 1998-04 --approve" not in out
    assert main(["payouts", str(folder), "--period", "1998-04", "--approve"]) == 1  # as the hint said
    assert main(["payouts", str(folder), "--period", "1998-06"]) == 0
    assert f"salesplan payouts {folder} --period 1998-06 --approve" in capsys.readouterr().out


ROLE_PLAN = """\
  plans:
    - id: ae
      name: Account executive
      versions: [{{effective: 1998-01, {measurement}commission: {{base_rate: 0.05}}}}]
  assignments: [{{rep: Ann, plan: ae}}, {{rep: Bob, plan: ae}}]
"""


def role_plan_workbook(folder: Path, measurement: str = "") -> Path:
    folder = minimal_workbook(folder, "quarter")
    plan = folder / "plan.yaml"
    rules = ROLE_PLAN.format(measurement=measurement)
    plan.write_text(plan.read_text().replace("  commission: {base_rate: 0.05}\n", rules), encoding="utf-8")
    return folder


def test_a_role_plan_version_on_a_quarterly_calendar_measures_by_quarter_unless_it_says(tmp_path, capsys):
    """Before, a version that did not say measured by month even beside `measurement: quarterly`, and April
    was approved and closed at $0.00 on a calendar of quarters (its sales count in June)."""
    folder = role_plan_workbook(tmp_path / "wb")
    assert main(["validate", str(folder)]) == 0, capsys.readouterr().err
    assert main(["payouts", str(folder), "--period", "1998-04", "--approve"]) == 1  # not a pay month
    assert main(["payouts", str(folder), "--period", "1998-06"]) == 0
    assert main(["payouts", str(folder), "--period", "1998-06", "--approve"]) == 0
    assert main(["close", str(folder), "--period", "1998-06"]) == 0
    lines = read_ledger(open_workbook(folder)).lines
    assert lines.groupby("rep")["amount_minor"].sum().to_dict() == {"Ann": 5_000, "Bob": 10_000}
    monthly = role_plan_workbook(tmp_path / "monthly", "measurement: monthly, ")
    assert main(["validate", str(monthly)]) == 1
    err = capsys.readouterr().err
    assert "row 13, column 'incentives.plans.0.versions.0.measurement'" in err
    assert "monthly payouts need monthly or weekly periods" in err


def test_a_quarterly_plan_that_asks_for_monthly_payouts_is_still_refused(tmp_path, capsys):
    folder = minimal_workbook(tmp_path / "wb", "quarter")
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text().replace("incentives:\n", "incentives:\n  measurement: monthly\n"))
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "monthly payouts need monthly or weekly periods" in err
    assert "row 10, column 'incentives.measurement'" in err and "(top level)" not in err  # where to fix it


@pytest.mark.parametrize(
    ("grain", "locale", "period", "said"),
    [
        ("quarter", "en", "1998Q2", "Payouts are made by month: 1998Q2 is paid in its last month, 1998-06. "
         "Give --period 1998-06."),
        ("week", "en", "1998-W18", "Payouts are made by month: 1998-W18 (Apr 27\u2009–\u2009May 3, 1998) counts "
         "in 1998-04, with the month's other weeks. Give --period 1998-04."),
        ("week", "zh_CN", "1998-W14", "提成按月发放：1998-W14（1998年3月30日\u2009–\u20094月5日）与该月其他各周一起计入 "
         "1998-04。请使用 --period 1998-04。"),  # Thursday 2 April: April's first week
        ("4-4-5", "en", "1998-04-26", "Payouts are made by month: 1998-04-26 (Apr 26\u2009–\u2009May 2, 1998) "
         "counts in 1998-04"),
    ],
)  # fmt: skip
def test_payouts_given_a_week_or_quarter_name_the_month_that_pays_it(
    tmp_path, capsys, grain, locale, period, said
):
    folder = minimal_workbook(tmp_path / "wb", grain, locale)
    assert main(["payouts", str(folder), "--period", period]) == 1
    assert said in capsys.readouterr().err
    assert not (folder / "reports").exists()  # nothing prepared

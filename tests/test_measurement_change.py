"""A plan measured monthly to June and quarterly from July, closed month by month through the CLI.

Each period is measured under the version in force for it: January to June month by month, Q3 and Q4 as
quarters paid in their last month, and nothing already paid is restated by the change. A version that
changes the measurement inside a quarter is refused with the plan's key and what to do.

The bands of tests/test_ledger.py: 10% of sales up to quota, 20% above it, quota 1,000 a month. Li is on
the role plan; Wang on the section's own monthly rules. Every figure is computed by hand below.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from salesplan_widgets.cli import main
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

BANDS = "{tiers: {bands: [{at_least: 0, below: 1.0, rate: 0.10}, {at_least: 1.0, rate: 0.20}]}}"
PLAN = f"""\
name: Measurement Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
incentives:
  measurement: monthly
  negative: clawback
  commission: {BANDS}
  plans:
    - id: ae
      name: Account executive
      versions:
        - {{effective: 2026-01, measurement: monthly, negative: clawback, commission: {BANDS}}}
        - {{effective: {{quarterly_from}}, measurement: quarterly, negative: clawback, commission: {BANDS},
            reason: paid by quarter from the second half}}
  assignments: [{{rep: Li, plan: ae}}]
"""
LI = [1000, 2000, 1000, 500, 1000, 1000, 500, 500, 3000, 1000, 1000, 1000]  # January to December


def make_workbook(folder: Path, quarterly_from: str = "2026-07") -> Path:
    months = pd.period_range("2026-01", periods=12, freq="M")
    sales = [(f"{m}-15", amount, "Li") for m, amount in zip(months, LI, strict=True)]
    sales += [(f"{m}-15", 1000, "Wang") for m in months]
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(sales, columns=["date", "amount", "rep"]).to_csv(folder / "data" / "sales.csv", index=False)
    (folder / "plan.yaml").write_text(PLAN.replace("{quarterly_from}", quarterly_from), encoding="utf-8")
    targets = pd.DataFrame([(m, rep, 1000.0) for m in months for rep in ("Li", "Wang")],
                           columns=["period", "rep", "target"])  # fmt: skip
    open_workbook(folder).write_table("targets", targets)
    return folder


def close(wb: Path, period: str) -> None:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(wb), "--period", period, *step]) == 0


def test_a_plan_monthly_to_june_and_quarterly_from_july_pays_each_period_under_its_own_version(tmp_path):
    wb = make_workbook(tmp_path / "wb")
    for month in pd.period_range("2026-01", "2026-12", freq="M").astype(str):
        close(wb, month)
    lines = read_ledger(open_workbook(wb)).lines

    # Li, monthly: January 1,000 → 100; February 2,000 → 100 + 1,000 × 20% = 300; March 100; April 500 → 50;
    # May 100; June 100. Quarterly: Q3 500 + 500 + 3,000 = 4,000 of 3,000 → 300 + 1,000 × 20% = 500, paid in
    # September; Q4 3,000 of 3,000 → 300, paid in December; July, August, October, November pay nothing.
    li = lines[lines["rep"] == "Li"]
    by_month = li.groupby(li["period"].astype(str))["amount_minor"].sum().to_dict()
    assert by_month == {"2026-01": 100_00, "2026-02": 300_00, "2026-03": 100_00, "2026-04": 50_00,
                        "2026-05": 100_00, "2026-06": 100_00, "2026-09": 500_00, "2026-12": 300_00}  # fmt: skip
    # nothing already paid changes: no prior-period adjustment in any month, each line paid for its own month
    assert not (lines["kind"] == "adjustment").any()
    assert (lines["period"] == lines["for_period"]).all()
    # Wang, on the section's monthly rules throughout: 100 every month
    wang = lines[lines["rep"] == "Wang"].groupby("period")["amount_minor"].sum()
    assert len(wang) == 12 and (wang == 100_00).all()

    # The September statement names the quarter's sales and quota.
    export = pd.read_csv(wb / "reports" / "2026-09" / "payouts" / "payouts-2026-09.csv", encoding="utf-8-sig")
    assert export.loc[export["rep"] == "Li", "amount"].sum() == 500.0


def test_a_measurement_change_inside_a_quarter_is_refused_with_the_key_and_the_fix(tmp_path, capsys):
    wb = make_workbook(tmp_path / "wb", quarterly_from="2026-08")
    for month in pd.period_range("2026-01", "2026-07", freq="M").astype(str):
        close(wb, month)
    capsys.readouterr()
    assert main(["payouts", str(wb), "--period", "2026-08"]) == 1
    err = capsys.readouterr().err
    assert "incentives.plans[ae].versions[2026-08].measurement" in err
    assert "2026-07 to 2026-09" in err and "2026-10" in err
    assert "Traceback" not in err
    # validate says so before any period is paid, with the same key
    assert main(["validate", str(wb)]) != 0
    assert "incentives.plans[ae].versions[2026-08].measurement" in capsys.readouterr().err


def test_a_plan_quarterly_to_june_and_monthly_from_july_pays_two_quarters_then_each_month():
    import numpy as np

    from salesplan_widgets.model.ledger import open_period_payments
    from salesplan_widgets.schema.incentives import IncentivesSection

    bands = {"tiers": {"bands": [{"at_least": 0, "below": 1.0, "rate": 0.1}, {"at_least": 1.0, "rate": 0.2}]}}
    versions = [{"effective": "2026-01", "measurement": "quarterly", "commission": bands},
                {"effective": "2026-07", "measurement": "monthly", "commission": bands}]  # fmt: skip
    section = IncentivesSection.model_validate(
        {
            "commission": bands,
            "plans": [{"id": "ae", "name": "AE", "versions": versions}],
            "assignments": [{"rep": "Li", "plan": "ae"}],
        }  # fmt: skip
    )
    months = pd.period_range("2026-01", periods=12, freq="M")
    cube = pd.DataFrame({"period": months, "rep": "Li", "team": "East", "segment": "all", "channel": "all",
                         "actual": np.array(LI, dtype=float)})  # fmt: skip
    quotas = pd.DataFrame({"period": months, "rep": "Li", "team": "East", "target": 1000.0})
    ledger = pd.DataFrame()
    paid = {}
    for month in months:  # closed month by month, as a monthly payroll does
        payments, _statements = open_period_payments(section, cube, quotas, ledger, month, "v", "CNY")
        paid[str(month)] = payments.total_minor
        ledger = pd.concat([ledger, payments.lines], ignore_index=True) if len(ledger) else payments.lines
    # Q1 4,000 of 3,000 → 300 + 1,000 × 20% = 500 in March; Q2 2,500 of 3,000 → 250 in June; then each month:
    # July 500 → 50, August 50, September 3,000 of 1,000 → 100 + 2,000 × 20% = 500, October to December 100.
    assert paid == {"2026-01": 0, "2026-02": 0, "2026-03": 500_00, "2026-04": 0, "2026-05": 0,
                    "2026-06": 250_00, "2026-07": 50_00, "2026-08": 50_00, "2026-09": 500_00,
                    "2026-10": 100_00, "2026-11": 100_00, "2026-12": 100_00}  # fmt: skip
    assert not (ledger["kind"] == "adjustment").any()


def test_the_sections_measurement_changed_mid_year_in_plan_yaml_is_refused_not_restated(tmp_path, capsys):
    from test_ledger import make_workbook as monthly_workbook

    wb = monthly_workbook(tmp_path / "wb")  # the section's own rules, monthly, no versions
    for month in pd.period_range("2026-01", "2026-06", freq="M").astype(str):
        close(wb, month)
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    (wb / "plan.yaml").write_text(
        plan.replace("measurement: monthly", "measurement: quarterly"), encoding="utf-8"
    )
    capsys.readouterr()
    # Q3 would re-measure January to June by quarter and restate what they paid: refused, with the fix
    assert main(["payouts", str(wb), "--period", "2026-09"]) == 1
    err = capsys.readouterr().err
    assert "incentives.measurement" in err and "2026-05 was closed and paid on its own" in err
    assert "role plan" in err and "Traceback" not in err
    assert not (wb / "reports" / "2026-09").exists()
    state = read_ledger(open_workbook(wb))  # nothing recorded: six closings, no adjustment
    assert list(state.closings["period"]) == [f"2026-0{m}" for m in range(1, 7)]
    assert not (state.lines["kind"] == "adjustment").any()


def test_a_quarterly_plan_whose_first_version_starts_inside_a_quarter_is_not_refused():
    from salesplan_widgets.model.statements import payout_statements
    from salesplan_widgets.schema.incentives import IncentivesSection

    section = IncentivesSection.model_validate(
        {
            "commission": {"base_rate": 0.05},
            "plans": [
                {
                    "id": "ae",
                    "name": "AE",
                    "versions": [
                        {"effective": "2026-05", "measurement": "quarterly", "commission": {"base_rate": 0.1}}
                    ],
                }
            ],
            "assignments": [{"rep": "Li", "plan": "ae", "start": "2026-05-01"}],
        }  # fmt: skip
    )
    months = pd.period_range("2026-01", periods=6, freq="M")
    cube = pd.DataFrame({"period": months, "rep": "Li", "team": "East", "segment": "all", "channel": "all",
                         "actual": 1000.0})  # fmt: skip
    quotas = pd.DataFrame({"period": months, "rep": "Li", "team": "East", "target": 1000.0})
    june = payout_statements(section, cube, quotas, "2026-06").reps.set_index("plan")["payout"]
    # Li is on AE from May: June pays nothing on the section's rules, and AE's Q2 (May and June on it, the
    # quarter the first version starts inside) 2,000 × 10% = 200
    assert june.to_dict() == {"": 0.0, "AE": 200.0}

"""A deal returned from a month in which its rep changed role plan is clawed back as that month paid it.

A rep moved from one plan to another on the 15th has the month's sales and quota prorated by days between
the two (`model/role_plans.plan_shares`): each plan paid its share of every sale of the month, for the
period its own measurement closes. A return is traced the same way: each plan's share of the deal to the
period that plan paid it for, at the rate paid there. Real workbooks, every month closed through the CLI
(prepare, approve, close); figures worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from closed_workbooks import close, paid, write_workbook
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.clawbacks import CLAWBACK, traced_by_plan
from salesplan_widgets.schema.incentives import IncentivesSection

PLAN = """\
name: Moved Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, deal: deal}}
incentives:
  measurement: monthly
  negative: clawback
  commission: {{base_rate: 0.05}}
  clawback: {{window_days: 90}}
  plans:
    - id: before
      name: Plan before
      versions: [{{effective: 2026-01, measurement: {before}, negative: clawback, commission: {{base_rate: 0.10}}}}]
    - id: after
      name: Plan after
      versions: [{{effective: 2026-01, measurement: {after}, negative: clawback, commission: {{base_rate: 0.20}}}}]
  assignments:
    - {{rep: Wang, plan: before, end: 2026-02-14}}
    - {{rep: Wang, plan: after, start: 2026-02-15}}
"""
# Wang sells 1,000 in January and D1, 2,800, on 10 February (February: 14 days on each plan, half and half);
# D1 comes back whole on 10 April, within the 90 days.
SALES = [
    ("2026-01-20", 1000, "Wang", "W1"),
    ("2026-02-10", 2800, "Wang", "D1"),
    ("2026-04-10", -2800, "Wang", "D1"),
]
MONTHS = ("2026-01", "2026-02", "2026-03", "2026-04")


def make_workbook(folder, before: str, after: str):
    return write_workbook(folder, PLAN.format(before=before, after=after), SALES, ["Wang"])


def lines(wb, kind: str) -> dict[str, float]:
    """Wang's lines of `kind` by the period they were paid for (money)."""
    out: dict[str, float] = {}
    for _rep, k, _period, for_period, _deal, amount in paid(wb):
        if k == kind:
            out[for_period] = out.get(for_period, 0.0) + amount / 100
    return out


def test_a_return_from_a_month_split_between_a_quarterly_and_a_monthly_plan_is_clawed_back_from_both(
    tmp_path,
):
    """Quarterly 10% to 14 February, monthly 20% from the 15th: February's D1 was paid 1,400 × 20% = 280 for
    February by the monthly plan and 1,400 × 10% = 140 for the first quarter (closed in March, with
    January's 1,000 × 10% = 100) by the quarterly one. Its return recovers both. Before, it was traced by
    the plan of 28 February alone: to February, 2,800 × 20% = 560 capped at the 280 February paid, and the
    quarter's 140 was never recovered."""
    wb = make_workbook(tmp_path / "wb", "quarterly", "monthly")
    for month in MONTHS:
        close(wb, month)
    payments = lines(wb, "payment")
    assert payments == pytest.approx({"2026-02": 280.0, "2026-03": 240.0})
    assert lines(wb, CLAWBACK) == pytest.approx({"2026-02": -280.0, "2026-03": -140.0})


def test_a_return_from_a_month_split_between_a_monthly_and_a_quarterly_plan_is_clawed_back_from_both(
    tmp_path,
):
    """Monthly 10% to 14 February, quarterly 20% from the 15th: January paid 100 and February 1,400 × 10% =
    140 for February; the quarter (closed in March) paid 1,400 × 20% = 280 on D1's other half. Before, the
    return was traced by the plan of 28 February to the quarter alone, at the quarter's rate on all of D1:
    2,800 × 20% = 560 capped at the 280 it paid, and February's 140 was never recovered."""
    wb = make_workbook(tmp_path / "wb", "monthly", "quarterly")
    for month in MONTHS:
        close(wb, month)
    assert lines(wb, "payment") == pytest.approx({"2026-01": 100.0, "2026-02": 140.0, "2026-03": 280.0})
    assert lines(wb, CLAWBACK) == pytest.approx({"2026-02": -140.0, "2026-03": -280.0})


def test_a_return_from_a_month_split_between_two_monthly_plans_is_clawed_back_at_the_rate_the_month_paid(
    tmp_path,
):
    """Two monthly plans, 10% then 20%: February paid D1 1,400 × 10% + 1,400 × 20% = 420, all for February;
    its return recovers the 420 (a guard: one period, the month's blended rate)."""
    wb = make_workbook(tmp_path / "wb", "monthly", "monthly")
    for month in MONTHS:
        close(wb, month)
    assert lines(wb, "payment") == pytest.approx({"2026-01": 100.0, "2026-02": 420.0})
    assert lines(wb, CLAWBACK) == pytest.approx({"2026-02": -420.0})


@settings(max_examples=60, deadline=None)
@given(
    day=st.integers(2, 28),
    before=st.sampled_from(["monthly", "quarterly"]),
    after=st.sampled_from(["monthly", "quarterly"]),
    month=st.integers(1, 3),
    returned=st.floats(1, 1e6),
)
def test_a_returned_deal_is_traced_to_each_plan_by_its_share_of_the_sale_month(
    day, before, after, month, returned
):
    """Moved from one plan to the other on any day of a first-quarter month: the deal's return is split by the
    days of that month on each plan (the shares its pay was prorated by), each part traced to the period its
    plan pays (the month on a monthly plan, March on a quarterly one), and nothing is lost or added."""
    sold = pd.Period(f"2026-{month:02d}", "M")
    moved = sold.start_time.date().replace(day=day)
    plans = [
        {
            "id": plan,
            "name": plan,
            "versions": [{"effective": "2026-01", "measurement": how, "commission": {"base_rate": 0.1}}],
        }
        for plan, how in (("before", before), ("after", after))
    ]
    section = IncentivesSection.model_validate(
        {"plans": plans, "assignments": [
            {"rep": "Wang", "plan": "before", "end": (moved - dt.timedelta(days=1)).isoformat()},
            {"rep": "Wang", "plan": "after", "start": moved.isoformat()},
        ]}
    )  # fmt: skip
    rows = pd.DataFrame(
        {"deal": ["D1"], "rep": ["Wang"], "sold_month": pd.PeriodIndex([sold]), "returned": [returned]}
    )
    traced = traced_by_plan(rows, section, "sold_month", ["returned"])
    days = sold.days_in_month
    share = {"before": (day - 1) / days, "after": (days - day + 1) / days}
    ends = {
        p: sold if how == "monthly" else pd.Period("2026-03", "M")
        for p, how in (("before", before), ("after", after))
    }
    expected: dict[pd.Period, float] = {}
    for plan in ("before", "after"):
        expected[ends[plan]] = expected.get(ends[plan], 0.0) + returned * share[plan]
    got = traced.groupby("for_period")["returned"].sum().to_dict()
    assert got == pytest.approx(expected)
    assert traced["returned"].sum() == pytest.approx(returned)

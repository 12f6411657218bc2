"""A negative balance carried forward is forgiven at the fiscal year's end when the plan says so
(`forgive_negative: year_end`); by default (`never`) it is still recovered in the next year, as before.

Real workbooks closed month by month through the CLI (tests/test_negative_balances.py's plan and sales: Li
earns 100, 300, 100, 50 in January to April), with a fiscal year starting in March, so that February is the
year's last month. Every figure is computed by hand in the comments.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from test_negative_balances import (
    NEGATIVE_CARRIED,
    NEGATIVE_RECOVERY,
    adjust,
    carry_forward_workbook,
    close,
    statement,
)
from test_negative_balances import paid as paid_by_kind

from salesplan_widgets.model.ledger import settlement_lines
from salesplan_widgets.model.negative_balances import NEGATIVE_FORGIVEN, negative_balance, negative_lines
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger


def fiscal_march_workbook(folder, forgive: str | None):
    wb = carry_forward_workbook(folder)
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    plan = plan.replace("incentives:\n", "calendar: {fiscal_year_start: 3}\nincentives:\n")
    if forgive is not None:
        plan = plan.replace(
            "negative: carry_forward", f"negative: carry_forward\n  forgive_negative: {forgive}"
        )
    (wb / "plan.yaml").write_text(plan, encoding="utf-8")
    adjust(wb, "2026-01", "Li", "-500", "2025 bonus paid twice")
    for month in ("2026-01", "2026-02", "2026-03"):
        close(wb, month)
    return wb


def test_a_negative_balance_still_owed_when_the_fiscal_year_closes_is_forgiven_on_a_year_end_plan(tmp_path):
    wb = fiscal_march_workbook(tmp_path / "wb", "year_end")
    # January: 100 − 500: paid 0, 400 carried. February, the year's last month: its 300 recovers 300, and the
    # 100 still owed is forgiven (a line of 0). March, a new year: its 100 is paid in full.
    assert paid_by_kind(wb, "Li") == {
        "2026-01": {"payment": 100_00, "manual": -500_00, NEGATIVE_CARRIED: 400_00},
        "2026-02": {"payment": 300_00, NEGATIVE_RECOVERY: -300_00, NEGATIVE_FORGIVEN: 0},
        "2026-03": {"payment": 100_00},
    }
    lines = read_ledger(open_workbook(wb)).lines
    forgiven = lines[lines["kind"] == NEGATIVE_FORGIVEN]
    assert forgiven[["rep", "base"]].values.tolist() == [["Li", 100.0]]
    february_lines = lines[(lines["period"] == "2026-02") & (lines["rep"] == "Li")].set_index("kind")
    # each line says the balance after it: 100 after the recovery, 0 after the forgiveness
    assert february_lines["reference"][[NEGATIVE_RECOVERY, NEGATIVE_FORGIVEN]].tolist() == [100.0, 0.0]
    assert negative_balance(settlement_lines(lines)).sum() == 0  # nothing owed after the forgiveness
    assert negative_balance(settlement_lines(lines[lines["kind"] != NEGATIVE_FORGIVEN])).to_dict() == {
        "Li": 100_00
    }
    february = statement(wb, "2026-02", "Li")
    # the forgiveness is a line of its own, and the balance row goes from 400 to 0 (the HTML escapes the ')
    assert "Negative balance forgiven at the fiscal year&#x27;s end" in february
    row = february.split("Negative balance to recover from later commission")[1].split("</tr>")[0]
    assert "CN¥400.00" in row and "CN¥0.00" in row
    assert "Negative balance to recover from later commission" not in statement(wb, "2026-03", "Li")
    assert "财年末豁免的负数余额" in statement(wb, "2026-02", "Li", "zh_CN")


def test_by_default_a_negative_balance_outlives_the_fiscal_year_and_is_recovered_in_the_next(tmp_path):
    for forgive in (None, "never"):
        wb = fiscal_march_workbook(tmp_path / f"wb-{forgive}", forgive)
        # February recovers 300 (100 still owed, kept), March's 100 recovers the rest: nothing forgiven.
        li = paid_by_kind(wb, "Li")
        assert li["2026-02"] == {"payment": 300_00, NEGATIVE_RECOVERY: -300_00}
        assert li["2026-03"] == {"payment": 100_00, NEGATIVE_RECOVERY: -100_00}


@settings(max_examples=80, deadline=None)
@given(
    totals=st.lists(st.integers(-50_000, 50_000), min_size=1, max_size=5),
    owed=st.lists(st.integers(0, 50_000), min_size=5, max_size=5),
    month=st.integers(1, 12),
    start=st.integers(1, 12),
    forgive=st.sampled_from(["never", "year_end"]),
)
def test_only_the_year_end_of_a_forgiving_plan_clears_a_balance_and_it_never_changes_the_pay(
    totals, owed, month, start, forgive
):
    """`negative_lines` on random totals and balances: the forgiven lines pay 0, the balance after is 0
    exactly where the fiscal year ends on a plan that forgives, and the carried and recovered lines are
    what the plan without forgiveness gives."""
    reps = [f"r{i}" for i in range(len(totals))]
    total = pd.Series(totals, index=reps)
    balance = pd.Series(owed[: len(reps)], index=reps)
    teams = pd.Series("East", index=reps)
    period = pd.Period(f"2026-{month:02d}", "M")

    def run(rule: str):
        section = IncentivesSection.model_validate({"forgive_negative": rule})
        return negative_lines(section, period, total, balance, teams, "CNY", fiscal_year_start=start)

    lines, balances = run(forgive)
    kept, kept_balances = run("never")
    year_end = month % 12 + 1 == start
    forgiven = lines[lines["kind"] == NEGATIVE_FORGIVEN]
    assert (forgiven["amount_minor"] == 0).all()
    assert lines["amount_minor"].sum() == kept["amount_minor"].sum()  # the pay is the same
    other = lines[lines["kind"] != NEGATIVE_FORGIVEN].reset_index(drop=True)
    assert other[["rep", "kind", "amount_minor"]].equals(kept[["rep", "kind", "amount_minor"]])
    after = balances.set_index("rep")["after_minor"] if len(balances) else pd.Series(dtype=int)
    before_forgiving = kept_balances.set_index("rep")["after_minor"] if len(kept_balances) else after * 0
    if forgive == "year_end" and year_end:
        assert (after == 0).all()
        assert sorted(forgiven["rep"]) == sorted(before_forgiving[before_forgiving > 0].index)
        assert (forgiven.set_index("rep")["base"] * 100).round().astype(int).to_dict() == {
            r: int(v) for r, v in before_forgiving[before_forgiving > 0].items()
        }
    else:
        assert forgiven.empty and after.equals(before_forgiving)

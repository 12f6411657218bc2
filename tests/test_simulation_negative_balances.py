"""The simulation pays a carry-forward plan as the ledger does: a month below 0 is paid 0 and carried, and
what the ledger carries is recovered from the simulated month's pay.

Real workbooks (CSV sales, a targets table, plan.yaml; tests/test_ledger.py's plan: quota 1,000 a month,
10% up to quota and 20% above; Li sells 1,000, 2,000, 1,000, 500 in January to April, Wang 1,000 a month)
closed through the CLI, then the next month simulated with draws equal to that month's sales and the
balances read from the ledger: the simulated cash is what the close then pays. Figures worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ledger import SALES, write_sales
from test_negative_balances import adjust, carry_forward_workbook, close

from salesplan_widgets.model.ledger import settlement_lines
from salesplan_widgets.model.negative_balances import NEGATIVE_FORGIVEN, negative_balance, result_carried
from salesplan_widgets.model.simulation import Simulation, payout_cost, rule_history
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

REPS = pd.Index(["Li", "Wang"], name="rep")
HISTORY = pd.DataFrame(
    {"period": pd.PeriodIndex(["2026-01"] * 2, freq="M"), "rep": REPS, "team": "all", "actual": 1_000.0}
)


def simulate_from_ledger(wb, month: str, li: float, wang: float = 1_000.0):
    """`month` simulated on one draw of these sales, with the ledger's balances as they stand."""
    book = open_workbook(wb)
    lines = read_ledger(book).lines
    section = book.plan.incentives
    start = book.plan.calendar.fiscal_year_start
    rules = rule_history(
        HISTORY, REPS, section,
        negative_balance=negative_balance(settlement_lines(lines)) / 100,
        result_carried=result_carried(lines, pd.Period(month, "M"), start) / 100,
    )  # fmt: skip
    sim = Simulation(reps=REPS, quota=np.full(2, 1_000.0), sales=np.array([[li, wang]]), seed=0)
    return payout_cost(sim, section, month=month, rules=rules, fiscal_year_start=start)


def ledger_paid(wb, month: str) -> dict[str, float]:
    """What the close of `month` pays each rep (money), and in all."""
    lines = read_ledger(open_workbook(wb)).lines
    lines = lines[lines["period"] == pd.Period(month, "M")]
    paid = (lines.groupby("rep")["amount_minor"].sum() / 100).to_dict()
    return {**paid, "all": sum(paid.values())}


def test_a_negative_balance_the_ledger_carries_is_recovered_from_the_simulated_month_as_the_close_does(
    tmp_path,
):
    wb = carry_forward_workbook(tmp_path / "wb")
    adjust(wb, "2026-01", "Li", "-500", "2025 bonus paid twice")
    close(wb, "2026-01")  # 100 earned − 500 = −400: paid 0, 400 carried

    february = simulate_from_ledger(wb, "2026-02", li=2_000.0)
    close(wb, "2026-02")
    # Li earns 100 + 200 = 300, all of it recovers the balance; Wang is paid his 100. The recovery is
    # cash, not cost: the plan still costs the 400 earned.
    assert ledger_paid(wb, "2026-02") == {"Li": 0.0, "Wang": 100.0, "all": 100.0}
    assert february.parts["paid_now"][0] == pytest.approx(100.0)
    assert february.parts["negative_recovery"][0] == pytest.approx(-300.0)
    assert february.cost[0] == pytest.approx(400.0)


def test_a_simulated_month_below_zero_is_paid_nothing_and_its_carry_recovered_the_next_month(tmp_path):
    wb = carry_forward_workbook(tmp_path / "wb")
    write_sales(wb, [*SALES, ("2026-03-20", -2_000, "Li")])  # Li's March nets −1,000: a month of returns
    for month in ("2026-01", "2026-02"):
        close(wb, month)

    march = simulate_from_ledger(wb, "2026-03", li=-1_000.0)
    close(wb, "2026-03")
    # Li's March earns 10% × −1,000 = −100: paid 0, carried by the statement; Wang 100. Before, the
    # simulation paid and costed −100 + 100 = 0.
    assert ledger_paid(wb, "2026-03") == {"Li": 0.0, "Wang": 100.0, "all": 100.0}
    assert march.parts["paid_now"][0] == pytest.approx(100.0)
    assert march.cost[0] == pytest.approx(100.0)
    assert march.parts["result_carried"][0] == pytest.approx(100.0)

    april = simulate_from_ledger(wb, "2026-04", li=500.0)
    close(wb, "2026-04")
    # April: Li's 50 goes to the 100 carried (50 still carried); the carry is inside the commission, so
    # the plan costs Wang's 100 only.
    assert ledger_paid(wb, "2026-04") == {"Li": 0.0, "Wang": 100.0, "all": 100.0}
    assert april.parts["paid_now"][0] == pytest.approx(100.0)
    assert april.parts["result_recovered"][0] == pytest.approx(-50.0)
    assert april.cost[0] == pytest.approx(100.0)


def test_on_a_clawback_plan_a_simulated_month_below_zero_is_paid_back_at_once_as_the_ledger_does(tmp_path):
    wb = carry_forward_workbook(tmp_path / "wb", negative="clawback")
    write_sales(wb, [*SALES, ("2026-03-20", -2_000, "Li")])
    for month in ("2026-01", "2026-02"):
        close(wb, month)
    march = simulate_from_ledger(wb, "2026-03", li=-1_000.0)
    close(wb, "2026-03")
    assert ledger_paid(wb, "2026-03") == {"Li": -100.0, "Wang": 100.0, "all": 0.0}
    assert march.parts["paid_now"][0] == pytest.approx(0.0)
    assert march.parts["result_carried"][0] == 0.0 and march.parts["negative_carried"][0] == 0.0


def plan(negative: str, rate: float, draw: float, kind: str, share: float | None) -> IncentivesSection:
    return IncentivesSection.model_validate(
        {
            "negative": negative,
            "commission": {"base_rate": rate},
            "clawback": {"window_days": 30},
            **({"draws": [{"rep": "Li", "amount": draw, "start": "2026-05", "end": "2026-05", "kind": kind}]}
               if draw else {}),
            **({"holdback": {"share": share}} if share else {}),
        }
    )  # fmt: skip


RETURNS = pd.DataFrame(
    {
        "deal": ["L1"],
        "rep": ["Li"],
        "sold_on": ["2026-02-10"],
        "returned_on": ["2026-03-01"],
        "amount": [-3_000.0],
    }
)  # fmt: skip  (a quarter of Li's 12,000: a quarter comes back)
TWELVE_MONTHS = pd.DataFrame(
    {
        "period": pd.period_range("2025-06", periods=12, freq="M"),
        "rep": "Li",
        "team": "all",
        "actual": 1_000.0,
    }
)


@settings(max_examples=60, deadline=None)
@given(
    sales=st.lists(st.floats(-3_000, 20_000), min_size=1, max_size=4),
    rate=st.sampled_from([0.05, 0.1]),
    balance=st.floats(0, 3_000),
    carried=st.floats(0, 3_000),
    draw=st.sampled_from([0.0, 500.0, 1_500.0]),
    kind=st.sampled_from(["recoverable", "non_recoverable"]),
    share=st.sampled_from([None, 0.3]),
)
def test_a_carry_forward_plan_never_pays_below_zero_and_recovers_only_what_is_owed(
    sales, rate, balance, carried, draw, kind, share
):
    """With clawbacks, a draw and a holdback: on a carry-forward plan no draw pays Li below 0, never more is
    recovered than either balance, and with no result below 0, the cash is the clawback plan's less the
    negative balance taken from it, as `model/negative_balances.negative_lines` takes it."""
    reps = pd.Index(["Li"], name="rep")
    sim = Simulation(reps=reps, quota=np.array([1_000.0]), sales=np.array(sales)[:, None], seed=0)

    def paid(negative: str, owed: float, carry_in: float):
        section = plan(negative, rate, draw, kind, share)
        rules = rule_history(TWELVE_MONTHS, reps, section, returns=RETURNS,
                             negative_balance=pd.Series({"Li": owed}), result_carried=pd.Series({"Li": carry_in}))  # fmt: skip
        return payout_cost(sim, section, month="2026-05", rules=rules).parts

    carry = paid("carry_forward", balance, carried)
    assert (carry["paid_now"] >= -1e-9).all()
    assert (-carry["negative_recovery"] <= balance + 1e-9).all()
    assert (-carry["result_recovered"] <= carried + 1e-9).all()
    at_once = paid("clawback", 0.0, 0.0)["paid_now"]
    owed = paid("carry_forward", balance, 0.0)
    plain = np.array(sales) >= 0  # a result below 0 is carried inside the commission, before the draw
    expected = at_once - np.minimum(balance, np.maximum(at_once, 0.0))
    assert owed["paid_now"][plain] == pytest.approx(expected[plain], abs=1e-6)


def test_the_calculators_simulation_recovers_the_ledgers_negative_balance_from_next_months_pay(tmp_path):
    from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator

    wb = carry_forward_workbook(tmp_path / "wb")
    for month in ("2026-01", "2026-02"):
        close(wb, month)
    adjust(wb, "2026-03", "Li", "-2000", "2025 bonus paid twice")
    close(wb, "2026-03")  # March: 100 earned − 2,000: paid 0, 1,900 carried, more than Li earns in a month

    calculator = IncentiveCalculator(wb, period="2026-03", rep="Li")
    table = calculator.simulate(draws=200, seed=1).set_index("design")
    for design in table.index:  # the design and the saved plan, the same here
        row = table.loc[design]
        # every draw's pay of Li goes to the balance: he is paid nothing in April, Wang alone is paid
        assert row["negative_recovery"] < 0
        assert row["paid_now"] < row["cost_median"]
    # and the simulation panel heads the recovery in the reader's words, beside what is paid now
    assert "Negative balance recovered (median)" in calculator.simulation_panel.value


def test_every_part_of_the_simulation_has_a_heading_in_the_calculator():
    from salesplan_widgets.model.simulation import PARTS
    from salesplan_widgets.widgets.incentive_calculator import simulation_part_labels

    assert set(simulation_part_labels()) == set(PARTS)


# -- the year's end and a leaver's last close (tests/test_negative_forgiven.py's workbook: fiscal year from March) --


def fiscal_march_workbook(folder, forgive: str, relief: str = ""):
    """The carry-forward workbook with a fiscal year from March (February is the year's last month), the
    plan's `forgive_negative`, and Li's 2025 bonus recovered in January: 100 earned − 500, 400 carried."""
    wb = carry_forward_workbook(folder)
    plan = (wb / "plan.yaml").read_text(encoding="utf-8")
    plan = plan.replace("incentives:\n", "calendar: {fiscal_year_start: 3}\nincentives:\n")
    plan = plan.replace(
        "negative: carry_forward", f"negative: carry_forward\n  forgive_negative: {forgive}{relief}"
    )
    (wb / "plan.yaml").write_text(plan, encoding="utf-8")
    adjust(wb, "2026-01", "Li", "-500", "2025 bonus paid twice")
    close(wb, "2026-01")
    return wb


def forgiven_by_ledger(wb, month: str) -> dict[str, float]:
    """The balances the close of `month` forgave (its `negative_forgiven` lines' base), per rep."""
    lines = read_ledger(open_workbook(wb)).lines
    lines = lines[(lines["period"] == pd.Period(month, "M")) & (lines["kind"] == NEGATIVE_FORGIVEN)]
    return dict(zip(lines["rep"], lines["base"], strict=True))


def test_the_simulated_year_end_forgives_the_balance_still_owed_as_the_close_does(tmp_path):
    wb = fiscal_march_workbook(tmp_path / "wb", "year_end")
    february = simulate_from_ledger(wb, "2026-02", li=2_000.0)
    close(wb, "2026-02")
    # February, the year's last month: Li's 300 recovers 300 of the 400, and the close forgives the 100
    # still owed (a line of 0 whose base is 100). The simulation forgives the same 100: it is never
    # recovered, so the plan costs it (300 + Wang's 100 + 100), while the cash is still 0 for Li.
    assert forgiven_by_ledger(wb, "2026-02") == {"Li": 100.0}
    assert ledger_paid(wb, "2026-02") == {"Li": 0.0, "Wang": 100.0, "all": 100.0}
    assert february.parts["negative_forgiven"][0] == pytest.approx(100.0, abs=0.005)
    assert february.parts["negative_recovery"][0] == pytest.approx(-300.0, abs=0.005)
    assert february.parts["paid_now"][0] == pytest.approx(ledger_paid(wb, "2026-02")["all"], abs=0.005)
    assert february.cost[0] == pytest.approx(500.0, abs=0.005)

    march = simulate_from_ledger(wb, "2026-03", li=1_000.0)
    close(wb, "2026-03")
    # A new year: nothing is owed any more, so March pays Li his 100 in full, in the ledger as simulated.
    assert ledger_paid(wb, "2026-03") == {"Li": 100.0, "Wang": 100.0, "all": 200.0}
    assert march.parts["paid_now"][0] == pytest.approx(200.0, abs=0.005)
    assert march.parts["negative_forgiven"][0] == 0.0


def test_a_plan_that_never_forgives_keeps_the_balance_through_the_simulated_year_end(tmp_path):
    wb = fiscal_march_workbook(tmp_path / "wb", "never")
    february = simulate_from_ledger(wb, "2026-02", li=2_000.0)
    close(wb, "2026-02")
    assert forgiven_by_ledger(wb, "2026-02") == {}
    assert february.parts["negative_forgiven"][0] == 0.0
    assert february.cost[0] == pytest.approx(400.0, abs=0.005)  # the 100 still owed is recovered later


@settings(max_examples=60, deadline=None)
@given(
    sales=st.lists(st.floats(-3_000, 20_000), min_size=1, max_size=4),
    balance=st.floats(0, 3_000),
    month=st.integers(1, 12),
    start=st.integers(1, 12),
    leaves=st.booleans(),
)
def test_a_simulated_forgiveness_changes_no_pay_and_costs_exactly_what_stays_owed(
    sales, balance, month, start, leaves
):
    """With a clawback and, maybe, a leaver: on a plan that forgives at the year's end, each draw pays Li
    what the plan that never forgives pays; in the fiscal year's last month only, it forgives what the
    other still carries after the close (the balance, plus what it carried, less what it recovered), and
    costs that much more; elsewhere the two are the same."""
    reps = pd.Index(["Li"], name="rep")
    sim = Simulation(reps=reps, quota=np.array([1_000.0]), sales=np.array(sales)[:, None], seed=0)
    period = f"2026-{month:02d}"

    def outcome(forgive: str):
        section = plan("carry_forward", 0.1, 0.0, "recoverable", None).model_copy(
            update={"forgive_negative": forgive}
        )
        if leaves:
            section = section.model_copy(update={"relief": IncentivesSection.model_validate(
                {"relief": [{"rep": "Li", "left": f"{period}-01"}]}).relief})  # fmt: skip
        rules = rule_history(
            TWELVE_MONTHS, reps, section, returns=RETURNS, negative_balance=pd.Series({"Li": balance})
        )
        return payout_cost(sim, section, month=period, rules=rules, fiscal_year_start=start)

    forgiving, keeping = outcome("year_end"), outcome("never")
    assert forgiving.parts["paid_now"] == pytest.approx(keeping.parts["paid_now"], abs=1e-9)
    still_owed = balance + keeping.parts["negative_carried"] + keeping.parts["negative_recovery"]
    expected = still_owed if month % 12 + 1 == start else np.zeros_like(still_owed)
    assert forgiving.parts["negative_forgiven"] == pytest.approx(expected, abs=1e-6)
    assert forgiving.cost == pytest.approx(keeping.cost + expected, abs=1e-6)


def test_a_leavers_negative_balance_is_recovered_from_the_last_pay_and_the_rest_kept_owed_as_the_ledger_does(
    tmp_path,
):
    """What the ledger does at a leaver's last close: it recovers what it can from the last pay, writes no
    line for the rest and keeps it as the rep's balance (no later close pays or recovers it). The simulated
    leaver's close pays and recovers the same, and leaves the same balance owed, not forgiven."""
    wb = fiscal_march_workbook(tmp_path / "wb", "never", relief="\n  relief: [{rep: Li, left: 2026-02-28}]")
    write_sales(wb, [row for row in SALES if not (row[2] == "Li" and row[0] >= "2026-03")])  # gone in March
    february = simulate_from_ledger(wb, "2026-02", li=2_000.0)
    close(wb, "2026-02")
    close(wb, "2026-03")
    # February: Li's last 300 recovers 300 of the 400; the 100 left stays on the ledger after March too.
    assert ledger_paid(wb, "2026-02") == {"Li": 0.0, "Wang": 100.0, "all": 100.0}
    kept = negative_balance(settlement_lines(read_ledger(open_workbook(wb)).lines)) / 100
    assert kept.to_dict() == {"Li": 100.0}
    assert february.parts["paid_now"][0] == pytest.approx(100.0, abs=0.005)
    assert february.parts["negative_recovery"][0] == pytest.approx(-300.0, abs=0.005)
    assert february.parts["negative_forgiven"][0] == 0.0 and february.parts["written_off"][0] == 0.0
    assert february.cost[0] == pytest.approx(400.0, abs=0.005)

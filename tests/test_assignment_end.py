"""A role-plan assignment's `end` moves the rep to the plan's own rules (`incentives.commission` and the
rest): it is not leaving. Only a relief `left` date is (`model/holdbacks.leavers_by`), so an assignment that
ends keeps what is held back for its release, in the ledger as in the simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_draws import net_pay, run_months

from salesplan_widgets.model.holdbacks import FORFEIT, RELEASE
from salesplan_widgets.model.simulation import Simulation, payout_cost, rule_history
from salesplan_widgets.schema.incentives import IncentivesSection


def section(relief: list | None = None) -> IncentivesSection:
    """10% for everyone, and 10% on the key-account plan Li is assigned to until 15 February; 30% held back
    to the quarter's end, forfeited on leaving."""
    return IncentivesSection.model_validate(
        {
            "commission": {"base_rate": 0.1},
            "holdback": {"share": 0.3, "release": "quarter", "on_leaving": "forfeit"},
            "plans": [{"id": "kam", "name": "KAM", "versions": [
                {"effective": "2026-01", "commission": {"base_rate": 0.1}}]}],
            "assignments": [{"rep": "Li", "plan": "kam", "end": "2026-02-15"}],
            "relief": relief or [],
        }
    )  # fmt: skip


def test_an_assignment_that_ends_keeps_the_holdback_to_its_release_in_the_ledger():
    closes, ledger = run_months(section(), {"Li": [1_000, 1_000, 1_000]}, "2026-01")
    # January and February hold 300 each (Li moves to the plan's own rules mid-February, not out);
    # March ends the quarter: 1,000 + the 600 held
    assert net_pay(closes, "Li") == [700, 700, 1_600]
    assert ledger[ledger["kind"] == FORFEIT].empty
    assert ledger[ledger["kind"] == RELEASE]["amount_minor"].tolist() == [600_00]


def test_a_relief_left_date_in_the_same_month_forfeits_it():
    """The control: the same plan with Li leaving on 15 February forfeits what is held."""
    closes, ledger = run_months(
        section([{"rep": "Li", "left": "2026-02-15"}]), {"Li": [1_000, 1_000]}, "2026-01"
    )
    assert net_pay(closes, "Li") == [700, 1_000]
    assert ledger[ledger["kind"] == FORFEIT]["base"].sum() == pytest.approx(300.0)


def test_an_assignment_that_ends_in_the_simulated_month_is_not_a_leaver_in_the_simulation():
    reps = pd.Index(["Li"], name="rep")
    months = pd.period_range("2025-03", periods=12, freq="M")
    history = pd.DataFrame({"period": months, "rep": "Li", "team": "East", "actual": 10_000.0})
    sim = Simulation(reps=reps, quota=np.array([10_000.0]), sales=np.array([[10_000.0]]), seed=0)
    ends = section()
    rules = rule_history(history, reps, ends, held=pd.Series({"Li": 300.0}), leavers_per_year=0.0)
    outcome = payout_cost(sim, ends, month="2026-02", rules=rules)
    assert outcome.parts["forfeited"][0] == 0.0 and outcome.parts["held"][0] == pytest.approx(300.0)
    leaves = section([{"rep": "Li", "left": "2026-02-15"}])
    rules = rule_history(history, reps, leaves, held=pd.Series({"Li": 300.0}), leavers_per_year=0.0)
    outcome = payout_cost(sim, leaves, month="2026-02", rules=rules)
    assert outcome.parts["forfeited"][0] == pytest.approx(-300.0) and outcome.parts["held"][0] == 0.0

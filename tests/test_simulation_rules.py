"""The simulation's plan cost under each rule beside bookings: cash collected (回款), margin, deal-size kicker,
new logos, clawbacks, holdbacks and draws. Each known answer is worked out by hand from a pay-cube history
written out here (rows shaped as `workbook.payouts.pay_cube` gives them) and sales fixed per draw, so a rule
dropped from the simulation changes the figure its test checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.simulation import (
    Simulation,
    compare_designs,
    payout_cost,
    rule_history,
    simulate_sales,
)
from salesplan_widgets.schema.incentives import IncentivesSection

REPS = pd.Index(["Li", "Wu"], name="rep")


def history(**facts: list) -> pd.DataFrame:
    """Twelve months of 1,000 a month for Li and Wu (12,000 each), plus fact rows (`actual` 0) as given:
    each a dict of columns for one row of Li's, in 2026-06."""
    months = pd.period_range("2025-07", periods=12, freq="M")
    sales = pd.DataFrame({"period": np.tile(months, 2), "rep": np.repeat(REPS, 12), "team": "all",
                          "actual": 1_000.0})  # fmt: skip
    rows = [dict(period=pd.Period("2026-06", "M"), rep="Li", team="all", actual=0.0, **row)
            for rows in facts.values() for row in rows]  # fmt: skip
    frame = pd.concat([sales, pd.DataFrame(rows)], ignore_index=True) if rows else sales
    for column in frame.columns.difference(["period", "rep", "team", "actual"]):
        frame[column] = frame[column].fillna(-1.0 if column.endswith("_from") else 0.0)
    return frame


def fixed(li: list[float], wu: list[float] | None = None, quota: float = 10_000.0) -> Simulation:
    """A simulation whose draws are exactly these sales."""
    wu = wu or [0.0] * len(li)
    return Simulation(reps=REPS, quota=np.full(2, quota), sales=np.column_stack([li, wu]), seed=0)


def plan(**rules) -> IncentivesSection:
    return IncentivesSection.model_validate({"commission": {"base_rate": 0.0}, **rules})


def test_cash_collected_is_paid_on_the_historys_collection_share_in_each_age_band():
    # Li collected 6,000 within 90 days and 2,000 later of 12,000 sold: 0.5 and 1/6 per unit of sales.
    facts = history(cash=[{"collected": 6_000.0, "age_from": 0}, {"collected": 2_000.0, "age_from": 90}])
    section = plan(collections={"rate": 0.03, "ageing": [{"after_days": 90, "factor": 0.5}]})
    outcome = payout_cost(fixed([6_000.0]), section, rules=rule_history(facts, REPS, section))
    # 6,000 sold → 3,000 collected on time × 3% = 90, 1,000 late × 1.5% = 15.
    assert outcome.cost[0] == pytest.approx(105.0)
    assert outcome.parts["collections"][0] == pytest.approx(105.0)


def test_margin_plans_pay_on_sales_less_the_historys_cost_ratio():
    facts = history(cost=[{"cost": 4_800.0}])  # Li's goods cost 40% of his 12,000
    section = plan(commission={"base_rate": 0.1}, measure="margin")
    outcome = payout_cost(fixed([5_000.0]), section, rules=rule_history(facts, REPS, section))
    assert outcome.cost[0] == pytest.approx(0.1 * 5_000 * 0.6)  # 300, not 500 on the amount


def test_deal_kicker_and_new_logo_scale_the_historys_deals_with_the_draws_sales():
    facts = history(
        deals=[{"deal_from": 5_000.0, "deal_sales": 6_000.0, "deals": 1.0}],  # one deal of 6,000 per 12,000
        logos=[{"logo_from": 0.0, "new_logos": 3.0}],  # three new accounts per 12,000
    )
    section = plan(deal_kicker={"at_least": 5_000, "rate": 0.01, "bonus": 100}, new_logo={"bonus": 500})
    outcome = payout_cost(fixed([24_000.0]), section, rules=rule_history(facts, REPS, section))
    # 24,000: twice the history → 12,000 in large deals × 1% + 2 deals × 100 = 320; 6 new accounts × 500.
    assert outcome.parts["deal_kicker"][0] == pytest.approx(320.0)
    assert outcome.parts["new_logo"][0] == pytest.approx(3_000.0)
    assert outcome.cost[0] == pytest.approx(3_320.0)
    smaller = plan(deal_kicker={"at_least": 7_000, "rate": 0.01})  # no deal of 7,000 in the history
    assert payout_cost(fixed([24_000.0]), smaller, rules=rule_history(facts, REPS, smaller)).cost[0] == 0


def returns() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deal": ["L1", "L2"],
            "rep": ["Li", "Li"],
            "sold_on": ["2026-02-10", "2026-03-01"],
            "returned_on": ["2026-03-01", "2026-05-20"],  # 19 days: inside a 30-day window; 80: outside
            "amount": [-1_200.0, -3_000.0],
        }
    )


def test_clawbacks_recover_the_share_returned_within_the_window_at_the_rate_paid():
    section = plan(commission={"base_rate": 0.1}, clawback={"window_days": 30})
    rules = rule_history(history(), REPS, section, returns=returns())
    outcome = payout_cost(fixed([5_000.0]), section, rules=rules)
    # 1,200 of Li's 12,000 (10%) came back within 30 days: 10% of the 500 earned is recovered.
    assert outcome.parts["clawback"][0] == pytest.approx(-50.0)
    assert outcome.cost[0] == pytest.approx(450.0)


def test_a_holdback_moves_pay_to_its_release_and_the_release_pays_the_balance():
    section = plan(commission={"base_rate": 0.1}, holdback={"share": 0.3, "release": "quarter"})
    rules = rule_history(history(), REPS, section, held=pd.Series({"Li": 200.0}))
    may = payout_cost(fixed([5_000.0]), section, month="2026-05", rules=rules)
    assert may.parts["held"][0] == pytest.approx(150.0) and may.parts["paid_now"][0] == pytest.approx(350.0)
    assert may.cost[0] == pytest.approx(500.0)  # a holdback is timing, not cost
    june = payout_cost(fixed([5_000.0]), section, month="2026-06", rules=rules)
    assert june.parts["held"][0] == 0.0 and june.parts["paid_now"][0] == pytest.approx(700.0)


def test_a_guarantee_is_a_cost_and_a_recoverable_draw_is_an_advance():
    draw = {"rep": "Li", "amount": 1_000, "start": "2026-04", "end": "2026-06"}
    for kind, cost, advance, guarantee in (("recoverable", 500, 500, 0), ("non_recoverable", 1_000, 0, 500)):
        section = plan(commission={"base_rate": 0.1}, draws=[draw | {"kind": kind}])
        outcome = payout_cost(
            fixed([5_000.0]), section, month="2026-05", rules=rule_history(history(), REPS, section)
        )
        # 500 earned, 500 short of the 1,000 draw: paid 1,000 now either way.
        assert outcome.parts["paid_now"][0] == pytest.approx(1_000.0)
        assert (outcome.cost[0], outcome.parts["advance"][0], outcome.parts["guarantee"][0]) == (
            pytest.approx(cost), pytest.approx(advance), pytest.approx(guarantee))  # fmt: skip


def test_a_draw_balance_is_recovered_up_to_the_cap_after_the_window():
    draw = {"rep": "Li", "amount": 1_000, "start": "2026-01", "end": "2026-03", "recovery_cap": 300}
    section = plan(commission={"base_rate": 0.1}, draws=[draw])
    rules = rule_history(history(), REPS, section, draw_balance=pd.Series({"Li": 800.0}))
    outcome = payout_cost(fixed([20_000.0], [2_000.0]), section, month="2026-05", rules=rules)
    # Li: 2,000 earned, no draw any more: 300 of the 800 recovered; Wu has no balance.
    assert outcome.parts["recovery"][0] == pytest.approx(-300.0)
    assert outcome.parts["paid_now"][0] == pytest.approx(1_700.0 + 200.0)
    assert outcome.cost[0] == pytest.approx(2_200.0)


def test_compare_designs_shows_each_rules_median_beside_the_cost():
    section = plan(commission={"base_rate": 0.1}, holdback={"share": 0.5})
    table = compare_designs(fixed([1_000.0, 3_000.0, 5_000.0]), {"half held": section}, month="2026-05",
                            rules=rule_history(history(), REPS, section))  # fmt: skip
    row = table.iloc[0]
    assert row["cost_median"] == pytest.approx(300.0) and row["held"] == pytest.approx(150.0)
    assert row["paid_now"] == pytest.approx(150.0)


@settings(max_examples=25, deadline=None)
@given(
    low=st.floats(0.0, 0.2),
    more=st.floats(0.0, 0.2),
    guarantee=st.booleans(),
    share=st.sampled_from([None, 0.2, 0.5]),
    leaves=st.booleans(),
    lead=st.sampled_from([None, 0.01]),
)
def test_simulated_cost_never_falls_as_the_rate_rises(low, more, guarantee, share, leaves, lead):
    """Collections, kickers, clawbacks, a guarantee, a holdback, a leaver and a manager together: per draw,
    a higher base rate never costs less, and what is paid now plus what is held is the commission less any
    advance (a leaver's advance written off is a cost beside the commission)."""
    facts = history(cash=[{"collected": 6_000.0, "age_from": 0}],
                    deals=[{"deal_from": 5_000.0, "deal_sales": 6_000.0, "deals": 1.0}])  # fmt: skip
    rules = {
        "collections": {"rate": 0.02},
        "deal_kicker": {"at_least": 5_000, "rate": 0.01},
        "clawback": {"window_days": 30},
        "draws": [{"rep": "Wu", "amount": 800, "start": "2026-05", "end": "2026-05",
                   "kind": "non_recoverable" if guarantee else "recoverable"}],
        **({"holdback": {"share": share}} if share else {}),
        **({"relief": [{"rep": "Wu", "left": "2026-05-10"}]} if leaves else {}),
        **({"hierarchy": [{"manager": "Boss", "team": "all", "override_rate": lead}]} if lead else {}),
    }  # fmt: skip
    sim = simulate_sales(history(), pd.Series({"Li": 12_000.0, "Wu": 12_000.0}), draws=300, seed=5)
    cheap, dear = (
        plan(commission={"base_rate": low}, **rules),
        plan(commission={"base_rate": low + more}, **rules),
    )
    back = returns().assign(team="all")  # as the sales: a manager's team credit needs the team
    costs = [payout_cost(sim, p, month="2026-05", rules=rule_history(facts, REPS, p, returns=back))
             for p in (cheap, dear)]  # fmt: skip
    assert (costs[1].cost >= costs[0].cost - 1e-6).all()
    for outcome in costs:
        p = outcome.parts
        commission = outcome.cost - p["guarantee"] - p["written_off"] - p["forfeited"]
        assert (p["written_off"] > 0).any() == (leaves and not guarantee)
        assert (p["team_override"] > 0).all() == bool(lead)
        assert p["paid_now"] + p["held"] == pytest.approx(
            commission + p["guarantee"] + p["advance"], abs=1e-6
        )


# -- on real workbooks: the pay cube's facts (counted in DuckDB from CSV files) feed the simulation ----------


def pay_history(folder) -> tuple[pd.DataFrame, IncentivesSection]:
    from salesplan_widgets.workbook import open_workbook
    from salesplan_widgets.workbook.payouts import incentives_of, pay_cube

    workbook = open_workbook(folder)
    return pay_cube(workbook, incentives_of(workbook)), incentives_of(workbook)


def test_a_workbooks_large_deals_and_new_accounts_are_costed_per_unit_of_sales(tmp_path):
    from test_per_deal import write_workbook

    folder = write_workbook(
        tmp_path / "wb", "  deal_kicker: {at_least: 80000, rate: 0.01}\n  new_logo: {bonus: 500}"
    )
    cube, section = pay_history(folder)
    reps = pd.Index(["Li", "Wang"], name="rep")
    # Sold in the last 12 months: Li 117,000 with deal D-1 of 110,000 and one new account (Beta);
    # Wang 119,500 with D-2 of 90,000 and two new accounts (ACME in 2025-06, Gamma).
    sim = Simulation(reps=reps, quota=np.full(2, 1e6), sales=np.array([[117_000.0, 119_500.0]]), seed=0)
    outcome = payout_cost(sim, section, rules=rule_history(cube, reps, section))
    assert outcome.parts["deal_kicker"][0] == pytest.approx(1_100.0 + 900.0)
    assert outcome.parts["new_logo"][0] == pytest.approx(500.0 + 2 * 500.0)


def test_a_workbooks_receipts_give_the_share_collected_in_time(tmp_path):
    from test_collections import receipts_of, write_workbook

    # Li sold 15,000: INV-1's 5,000 came on day 60 (10%), INV-3's 10,000 after 120 days (rate 0).
    receipts = receipts_of([("2026-03-02", 5_000.0, "INV-1"), ("2026-05-10", 10_000.0, "INV-3")])
    cube, section = pay_history(write_workbook(tmp_path / "wb", receipts))
    reps = pd.Index(["Li", "Wang"], name="rep")
    sim = Simulation(reps=reps, quota=np.full(2, 1e6), sales=np.array([[30_000.0, 10_000.0]]), seed=0)
    outcome = payout_cost(sim, section, rules=rule_history(cube, reps, section))
    assert outcome.parts["collections"][0] == pytest.approx(30_000 * 5_000 / 15_000 * 0.1)  # Wang: none


def test_each_role_plan_pays_its_own_per_deal_rule_in_the_simulation():
    """Li's plan (key accounts) pays a deal kicker from July; Wu's plan pays none: only Li's draws cost it."""
    facts = history(deals=[{"deal_from": 5_000.0, "deal_sales": 6_000.0, "deals": 1.0}])
    wu = facts[facts["deals"] > 0].assign(rep="Wu")  # Wu sold the same large deals
    facts = pd.concat([facts, wu], ignore_index=True)
    section = IncentivesSection.model_validate(
        {
            "commission": {"base_rate": 0.0},
            "plans": [
                {"id": "kam", "name": "KAM", "versions": [
                    {"effective": "2026-01", "commission": {"base_rate": 0.0}},
                    {"effective": "2026-07", "commission": {"base_rate": 0.0},
                     "deal_kicker": {"at_least": 5_000, "rate": 0.01}}]},
                {"id": "ae", "name": "AE", "versions": [{"effective": "2026-01", "commission": {"base_rate": 0.0}}]},
            ],
            "assignments": [{"rep": "Li", "plan": "kam"}, {"rep": "Wu", "plan": "ae"}],
        }
    )  # fmt: skip
    rules = rule_history(facts, REPS, section)
    sim = fixed([24_000.0], [24_000.0])
    # Li's history: 6,000 of large deals per 12,000 sold → 12,000 of 24,000 at 1% = 120 from July; Wu's
    # history is the same, but his plan has no kicker.
    assert payout_cost(sim, section, month="2026-07", rules=rules).parts["deal_kicker"][0] == pytest.approx(
        120
    )
    assert payout_cost(sim, section, month="2026-06", rules=rules).cost[0] == 0.0


def test_clawbacks_follow_the_credit_an_overlay_and_a_manager_on_team_credit_expect_their_share_back():
    # Li (Security) and Wu (Core) sell 1,000 a month in team East, Boss 500 of his own; Chen is credited
    # 100% beside Li as an overlay; Boss counts East's owners' sales on his own plan (team credit)
    months = pd.period_range("2025-07", periods=12, freq="M")
    sellers = [("Li", "Security", 1_000.0), ("Wu", "Core", 1_000.0), ("Boss", "Core", 500.0)]
    sold = pd.DataFrame(
        [(m, rep, "East", segment, amount) for rep, segment, amount in sellers for m in months],
        columns=["period", "rep", "team", "segment", "actual"],
    )
    section = plan(
        commission={"base_rate": 0.1},
        clawback={"window_days": 30},
        crediting=[{"rep": "Li", "segment": "Security", "overlays": {"Chen": 1.0}}],
        hierarchy=[{"manager": "Boss", "team": "East"}],
    )
    back = returns().assign(team="East", segment="Security")  # Li's 1,200 inside the window, 3,000 after
    reps = pd.Index(["Li", "Wu", "Chen", "Boss"], name="rep")
    rules = rule_history(sold, reps, section, returns=back)
    # Li 1,200 of 12,000; Chen 1,200 of the 12,000 credited beside Li (not the 1,200 of everyone's 30,000
    # a rep without bookings was given); Boss 1,200 of his 6,000 + the team's 24,000 (not 0 of his own 6,000)
    assert rules.returned == pytest.approx([0.1, 0.0, 0.1, 0.04])
    sim = Simulation(reps=reps, quota=np.full(4, 10_000.0), sales=np.full((1, 4), 5_000.0), seed=0)
    outcome = payout_cost(sim, section, rules=rules)
    # Li, Wu and Chen earn 500 on 5,000; Boss is paid on his 5,000 and the team's 10,000 (Li's and Wu's
    # draws; Chen, an overlay without bookings, is no team member): 1,500. Li gives back 50, Chen 50,
    # Boss 4% of 1,500 = 60, Wu nothing
    assert outcome.parts["clawback"][0] == pytest.approx(-160.0)
    assert outcome.cost[0] == pytest.approx(3_000.0 - 160.0)


# -- a manager's override and team credit (incentives.hierarchy) ---------------------------------------------


def east_history() -> pd.DataFrame:
    """Li and Wu sell 1,000 a month in team East for twelve months, Boss none of his own."""
    months = pd.period_range("2025-07", periods=12, freq="M")
    return pd.DataFrame({"period": np.tile(months, 2), "rep": np.repeat(REPS, 12), "team": "East",
                         "actual": 1_000.0})  # fmt: skip


def test_an_override_manager_without_a_quota_costs_the_rate_on_the_teams_simulated_sales():
    section = plan(commission={"base_rate": 0.1}, hierarchy=[{"manager": "Boss", "team": "East",
                                                              "override_rate": 0.01}])  # fmt: skip
    rules = rule_history(east_history(), REPS, section)
    outcome = payout_cost(fixed([5_000.0, 0.0], [3_000.0, 2_000.0]), section, rules=rules)
    # reps: 10% of 8,000 and of 2,000; Boss (not simulated: no quota) 1% of the team's 8,000 and 2,000
    assert outcome.parts["team_override"].tolist() == pytest.approx([80.0, 20.0])
    assert outcome.cost.tolist() == pytest.approx([880.0, 220.0])
    without = plan(commission={"base_rate": 0.1})
    assert payout_cost(fixed([5_000.0], [3_000.0]), without, rules=rules).cost[0] == pytest.approx(800.0)


def test_with_zero_spread_the_simulated_override_is_what_the_statement_pays_for_the_same_month():
    """Flat history: the draws repeat the last month, so the simulated cost is that month's statement."""
    from salesplan_widgets.model.estimator import plan_cost
    from salesplan_widgets.model.statements import payout_statements

    section = plan(commission={"base_rate": 0.05}, hierarchy=[{"manager": "Boss", "team": "East",
                                                               "override_rate": 0.02}])  # fmt: skip
    history = east_history()
    quotas = pd.DataFrame({"period": pd.Period("2026-06", "M"), "rep": REPS, "target": 900.0})
    sim = simulate_sales(history, quotas.set_index("rep")["target"], draws=50, seed=1)
    assert sim.sales == pytest.approx(1_000.0)  # no spread
    outcome = payout_cost(sim, section, rules=rule_history(history, REPS, section))
    statements = payout_statements(section, history, quotas, "2026-06")
    by_hand = 0.05 * 2_000 + 0.02 * 2_000  # reps' commission + the rate × team sales
    assert plan_cost(statements).payout == pytest.approx(by_hand)
    assert outcome.cost == pytest.approx(by_hand)


def test_a_manager_on_a_plan_of_their_own_is_paid_under_it_on_the_teams_simulated_sales():
    section = IncentivesSection.model_validate(
        {
            "commission": {"base_rate": 0.1},
            "hierarchy": [{"manager": "Boss", "team": "East"}],
            "plans": [{"id": "lead", "name": "Team lead", "versions": [
                {"effective": "2026-01", "commission": {"base_rate": 0.0, "tiers": {"mode": "retroactive",
                 "bands": [{"at_least": 0.0, "below": 1.0, "rate": 0.0}, {"at_least": 1.0, "rate": 0.03}]}}}]}],
            "assignments": [{"rep": "Boss", "plan": "lead"}],
        }
    )  # fmt: skip
    reps = pd.Index(["Li", "Wu", "Boss"], name="rep")
    rules = rule_history(east_history(), reps, section)
    # Boss has a quota of 10,000 and no sales of his own; the team sells 6,000 + 5,000 = 11,000 (110%)
    sim = Simulation(reps=reps, quota=np.array([10_000.0, 10_000.0, 10_000.0]),
                     sales=np.array([[6_000.0, 5_000.0, 0.0], [4_000.0, 5_000.0, 0.0]]), seed=0)  # fmt: skip
    outcome = payout_cost(sim, section, month="2026-07", rules=rules)
    # draw 1: reps 1,100; Boss at 110% earns 3% of 11,000 = 330. Draw 2: 900; Boss at 90% earns nothing
    assert outcome.cost.tolist() == pytest.approx([1_430.0, 900.0])
    assert outcome.parts["team_override"].tolist() == [0.0, 0.0]  # no override: his own plan pays


def test_a_returned_deal_takes_back_the_managers_override_on_it():
    section = plan(commission={"base_rate": 0.1}, clawback={"window_days": 30},
                   hierarchy=[{"manager": "Boss", "team": "East", "override_rate": 0.01}])  # fmt: skip
    back = returns().assign(team="East")  # Li's 1,200 of 12,000 inside the window, 3,000 after
    rules = rule_history(east_history(), REPS, section, returns=back)
    outcome = payout_cost(fixed([5_000.0], [3_000.0]), section, rules=rules)
    # Li gives back 10% of his 500; Boss 1% of the 10% of Li's 5,000 expected back = 5
    assert outcome.parts["clawback"][0] == pytest.approx(-55.0)
    assert outcome.cost[0] == pytest.approx(880.0 - 55.0)


# -- leavers: a holdback paid out or forfeited, a draw balance never recovered (model/holdbacks.py leavers_by) -


def test_a_rep_the_relief_says_leaves_this_month_forfeits_the_holdback_or_is_paid_it_as_the_plan_says():
    relief = [{"rep": "Li", "left": "2026-05-20", "reason": "resigned"}]
    rules_of = lambda section: rule_history(history(), REPS, section, held=pd.Series({"Li": 200.0}),  # noqa: E731
                                            leavers_per_year=0.0)  # fmt: skip
    forfeit = plan(commission={"base_rate": 0.1}, relief=relief,
                   holdback={"share": 0.3, "release": "quarter", "on_leaving": "forfeit"})  # fmt: skip
    outcome = payout_cost(fixed([5_000.0]), forfeit, month="2026-05", rules=rules_of(forfeit))
    # Li earns 500 and leaves: nothing more is held, the 200 held before is never paid (a saving)
    assert outcome.parts["held"][0] == 0.0 and outcome.parts["forfeited"][0] == pytest.approx(-200.0)
    assert outcome.cost[0] == pytest.approx(300.0) and outcome.parts["paid_now"][0] == pytest.approx(500.0)
    pay = forfeit.model_copy(update={"holdback": forfeit.holdback.model_copy(update={"on_leaving": "pay"})})
    outcome = payout_cost(fixed([5_000.0]), pay, month="2026-05", rules=rules_of(pay))
    # paid out early: no saving, 700 paid now
    assert outcome.parts["released"][0] == pytest.approx(200.0) and outcome.cost[0] == pytest.approx(500.0)
    assert outcome.parts["paid_now"][0] == pytest.approx(700.0)
    # the month before, Li stays: 150 held, nothing forfeited, the cost is the commission
    april = payout_cost(fixed([5_000.0]), forfeit, month="2026-04", rules=rules_of(forfeit))
    assert april.parts["held"][0] == pytest.approx(150.0) and april.cost[0] == pytest.approx(500.0)


def test_a_leaver_takes_the_recoverable_draw_balance_not_yet_recovered_with_them():
    draw = {"rep": "Li", "amount": 1_000, "start": "2026-01", "end": "2026-03", "recovery_cap": 300}
    section = plan(commission={"base_rate": 0.1}, draws=[draw], relief=[{"rep": "Li", "left": "2026-05-31"}])
    rules = rule_history(
        history(), REPS, section, draw_balance=pd.Series({"Li": 800.0}), leavers_per_year=0.0
    )
    outcome = payout_cost(fixed([20_000.0], [2_000.0]), section, month="2026-05", rules=rules)
    # Li: 300 of the 800 recovered from his 2,000 on his way out; the other 500 is never recovered: a cost
    assert outcome.parts["recovery"][0] == pytest.approx(-300.0)
    assert outcome.parts["written_off"][0] == pytest.approx(500.0)
    assert outcome.cost[0] == pytest.approx(2_000.0 + 200.0 + 500.0)  # ignoring leavers: 2,200


def test_a_yearly_leaver_rate_is_a_monthly_chance_of_leaving_and_two_reps_are_too_few_to_give_one():
    """Wu leaves in February: two reps are 20 rep-months in the year (Wu's eight to February), too few to read
    a yearly rate from (`tests/test_simulation_leaver_rate.py`): not estimated, on six months of history
    neither (it read 50% and 100% before). A rate of 50% a year set by hand is a monthly chance of leaving."""
    section = plan(commission={"base_rate": 0.1}, relief=[{"rep": "Wu", "left": "2026-02-15"}],
                   holdback={"share": 0.3, "release": "quarter", "on_leaving": "forfeit"})  # fmt: skip
    assert rule_history(history(), REPS, section).leaver_rate == 0.0
    half = history()[history()["period"] >= pd.Period("2026-01", "M")]
    assert rule_history(half, REPS, section).leaver_rate == 0.0
    rules = rule_history(history(), REPS, section, held=pd.Series({"Li": 200.0}), leavers_per_year=0.5)
    outcome = payout_cost(fixed([5_000.0]), section, month="2026-05", rules=rules)
    # Li leaves in May with chance 1 − 0.5^(1/12): then his 200 is forfeited and his 150 not held
    p = 1 - 0.5 ** (1 / 12)
    assert outcome.parts["forfeited"][0] == pytest.approx(-200.0 * p)
    assert outcome.parts["held"][0] == pytest.approx(150.0 * (1 - p))
    assert outcome.cost[0] == pytest.approx(500.0 - 200.0 * p)  # Wu (gone, no sales) costs nothing


def test_a_manager_without_bookings_of_their_own_is_paid_on_the_team_only():
    """simulate_sales draws a rep without history at the median rep's level; a manager who never booked a
    sale is credited with the team's sales instead, not with a median rep's sales of their own."""
    section = plan(commission={"base_rate": 0.1}, hierarchy=[{"manager": "Boss", "team": "East"}])
    quota = pd.Series({"Li": 900.0, "Wu": 900.0, "Boss": 1_800.0})
    sim = simulate_sales(east_history(), quota, draws=20, seed=3)  # no spread: 1,000 each, Boss too
    assert sim.sales == pytest.approx(1_000.0)
    outcome = payout_cost(sim, section, rules=rule_history(east_history(), sim.reps, section))
    assert outcome.cost == pytest.approx(0.1 * 1_000 * 2 + 0.1 * 2_000)  # Li, Wu; Boss on the team's 2,000


# -- what the ledger pays: a clawback capped at the period paid, each rep's latest team, new hires ------------


def test_a_clawback_never_recovers_more_than_the_draw_paid_the_person():
    """Boss's plan pays at most 100 a month: his 1% override on the team's 50,000 is cut to 100, and the
    override on Li's 30% returned (1% of 12,000 = 120) is recovered only up to those 100, as the ledger's
    `first_come` caps a person's paid period across its returned deals."""
    section = IncentivesSection.model_validate(
        {
            "commission": {"base_rate": 0.1},
            "clawback": {"window_days": 30},
            "hierarchy": [{"manager": "Boss", "team": "East", "override_rate": 0.01}],
            "plans": [{"id": "lead", "name": "Team lead", "versions": [
                {"effective": "2026-01", "commission": {"base_rate": 0.0, "caps": {"payout": 100}}}]}],
            "assignments": [{"rep": "Boss", "plan": "lead"}],
        }
    )  # fmt: skip
    back = pd.DataFrame({"deal": ["L1"], "rep": ["Li"], "team": ["East"], "sold_on": ["2026-02-10"],
                         "returned_on": ["2026-03-01"], "amount": [-3_600.0]})  # 30% of Li's 12,000  # fmt: skip
    rules = rule_history(east_history(), REPS, section, returns=back)
    outcome = payout_cost(fixed([40_000.0], [10_000.0]), section, month="2026-07", rules=rules)
    # Li earns 4,000 and gives back 30% (1,200); Wu 1,000, nothing back; Boss is paid 100 and gives back
    # min(1% × 30% × 40,000 = 120, 100) = 100. Uncapped: 1,320.
    assert outcome.parts["clawback"][0] == pytest.approx(-1_300.0)
    assert outcome.cost[0] == pytest.approx(4_000.0 + 1_000.0 + 100.0 - 1_300.0)


def moved_history() -> pd.DataFrame:
    """Li sells 1,000 a month in East for eleven months, then moves to West in 2026-06; Wu stays in East."""
    frame = east_history()
    return frame.assign(team=np.where((frame["rep"] == "Li") & (frame["period"] == pd.Period("2026-06", "M")),
                                      "West", frame["team"]))  # fmt: skip


def two_leads(base_rate: float) -> IncentivesSection:
    """Boss leads East at a 1% override, Zhou leads West at 2%."""
    return plan(
        commission={"base_rate": base_rate},
        hierarchy=[{"manager": "Boss", "team": "East", "override_rate": 0.01},
                   {"manager": "Zhou", "team": "West", "override_rate": 0.02}],
    )  # fmt: skip


def test_a_rep_who_moved_team_last_month_earns_the_new_manager_the_override():
    section = two_leads(base_rate=0.0)
    rules = rule_history(moved_history(), REPS, section)
    outcome = payout_cost(fixed([5_000.0], [3_000.0]), section, rules=rules)
    # Boss 1% of Wu's 3,000; Zhou 2% of Li's 5,000. Li's share of the last 12 months would give Boss
    # 1% of 3,000 + 11/12 of 5,000 (75.83) and Zhou 2% of 1/12 of 5,000 (8.33).
    assert outcome.parts["team_override"][0] == pytest.approx(30.0 + 100.0)


def test_with_zero_spread_the_moved_reps_override_is_what_the_statement_pays_the_new_manager():
    from salesplan_widgets.model.statements import payout_statements

    section = two_leads(base_rate=0.0)
    history = moved_history()
    quotas = pd.DataFrame({"period": pd.Period("2026-06", "M"), "rep": REPS, "target": 900.0})
    sim = simulate_sales(history, quotas.set_index("rep")["target"], draws=20, seed=2)
    assert sim.sales == pytest.approx(1_000.0)  # no spread: next month repeats June
    outcome = payout_cost(sim, section, rules=rule_history(history, REPS, section))
    june = payout_statements(section, history, quotas, "2026-06").reps.groupby("rep")["payout"].sum()
    assert june["Zhou"] == pytest.approx(20.0) and june["Boss"] == pytest.approx(10.0)
    assert outcome.cost == pytest.approx(june.sum())


def test_a_new_hire_without_history_earns_their_manager_the_override_on_their_draws():
    """Ma joins team East (the targets name his team) with no sales yet: his draws count in Boss's override,
    and the returns the company expects of them come back from both, at the company's share (1,200 of the
    24,000 sold: 5%)."""
    section = plan(commission={"base_rate": 0.1}, clawback={"window_days": 30},
                   hierarchy=[{"manager": "Boss", "team": "East", "override_rate": 0.01}])  # fmt: skip
    reps = pd.Index(["Li", "Wu", "Ma"], name="rep")
    back = returns().assign(team="East")  # Li's 1,200 of 12,000 inside the window
    sim = Simulation(reps=reps, quota=np.full(3, 10_000.0), sales=np.array([[5_000.0, 3_000.0, 2_000.0]]),
                     seed=0)  # fmt: skip
    hired = rule_history(east_history(), reps, section, returns=back, teams=pd.Series({"Ma": "East"}))
    outcome = payout_cost(sim, section, rules=hired)
    assert outcome.parts["team_override"][0] == pytest.approx(0.01 * 10_000)  # not 80: Li's and Wu's only
    # Li 10% of 500, Ma 5% of 200, Boss 1% of (10% of 5,000 + 5% of 2,000)
    assert outcome.parts["clawback"][0] == pytest.approx(-(50.0 + 10.0 + 6.0))
    unplaced = payout_cost(sim, section, rules=rule_history(east_history(), reps, section, returns=back))
    assert unplaced.parts["team_override"][0] == pytest.approx(80.0)  # a rep in no team the plan knows


def test_a_new_hire_is_simulated_at_the_median_reps_level_and_counted_in_the_team():
    section = plan(commission={"base_rate": 0.0},
                   hierarchy=[{"manager": "Boss", "team": "East", "override_rate": 0.02}])  # fmt: skip
    quota = pd.Series({"Li": 900.0, "Wu": 900.0, "Ma": 900.0})
    sim = simulate_sales(east_history(), quota, draws=20, seed=4)
    assert sim.sales == pytest.approx(1_000.0)  # Ma, without history, at the median rep's 1,000
    rules = rule_history(east_history(), sim.reps, section, teams=pd.Series({"Ma": "East", "Li": "West"}))
    # the history's latest team wins for Li (his sales lines say East); Ma is placed by the targets
    assert payout_cost(sim, section, rules=rules).cost == pytest.approx(0.02 * 3_000)


def test_without_a_rule_history_a_manager_is_paid_the_override_on_the_teams_simulated_sales():
    """`payout_cost` on a simulation alone (no `RuleHistory`): each rep's draws are in their latest team
    (the history's June: Li moved to West), and each manager costs the override rate on them."""
    section = two_leads(base_rate=0.1)
    sim = simulate_sales(moved_history(), pd.Series({"Li": 900.0, "Wu": 900.0}), draws=10, seed=0)
    assert sim.sales == pytest.approx(1_000.0)
    outcome = payout_cost(sim, section)
    # reps 10% of 2,000; Boss 1% of Wu's 1,000; Zhou 2% of Li's 1,000
    assert outcome.cost == pytest.approx(200.0 + 10.0 + 20.0)
    with_rules = payout_cost(sim, section, rules=rule_history(moved_history(), sim.reps, section))
    assert outcome.cost == pytest.approx(with_rules.cost)  # the same figure a rule history gives


# -- the kicker comes back deal by deal (model/clawbacks.kicker_back), capped at the kicker paid -------------


def large_returns(*extra: tuple) -> pd.DataFrame:
    """Li's deal L1 of 6,000 (its size as the kicker saw it) came back 2,000 within 30 days, leaving 4,000;
    `extra` rows: (deal, sold_on, returned_on, amount, sold_size)."""
    rows = [("L1", "2026-02-10", "2026-03-01", -2_000.0, 6_000.0), *extra]
    frame = pd.DataFrame(rows, columns=["deal", "sold_on", "returned_on", "amount", "sold_size"])
    return frame.assign(rep="Li", team="all")


def test_the_kicker_comes_back_deal_by_deal_rate_on_the_return_and_the_bonus_of_a_deal_that_fell_under():
    facts = history(deals=[{"deal_from": 5_000.0, "deal_sales": 6_000.0, "deals": 1.0}])  # 1 deal per 12,000
    kicker = {"at_least": 5_000, "rate": 0.01, "bonus": 100}
    section = plan(commission={"base_rate": 0.1}, clawback={"window_days": 30}, deal_kicker=kicker)
    outcome = payout_cost(fixed([24_000.0]), section, rules=rule_history(facts, REPS, section,
                                                                        returns=large_returns()))  # fmt: skip
    # 24,000: 2,400 on sales + kicker 1% of 12,000 + 2 × 100 = 2,720. Back: 1/6 of the 2,400 on sales;
    # of the kicker, 1% of the 4,000 returned and the bonus of the 2 deals that fell under 5,000: 240
    # (in proportion to the sales returned it was 1/6 of 320).
    assert outcome.parts["clawback"][0] == pytest.approx(-(400.0 + 40.0 + 200.0))
    lower = plan(
        commission={"base_rate": 0.1}, clawback={"window_days": 30}, deal_kicker=kicker | {"at_least": 3_000}
    )
    outcome = payout_cost(fixed([24_000.0]), lower, rules=rule_history(facts, REPS, lower,
                                                                      returns=large_returns()))  # fmt: skip
    assert outcome.parts["clawback"][0] == pytest.approx(-(400.0 + 40.0))  # 4,000 left: still a large deal


def test_the_kicker_taken_back_across_deals_is_capped_at_the_kicker_paid():
    """A deal sold before the history's twelve months (L0, 8,000) came back whole inside the window too: the
    returns ask more kicker back per unit of sales than the history's large deals paid, and the ledger takes
    back no more than the period paid in kicker (`first_come` across its deals)."""
    facts = history(deals=[{"deal_from": 5_000.0, "deal_sales": 6_000.0, "deals": 1.0}])
    section = plan(commission={"base_rate": 0.1}, clawback={"window_days": 30},
                   deal_kicker={"at_least": 5_000, "rate": 0.01, "bonus": 100})  # fmt: skip
    back = large_returns(("L0", "2025-06-20", "2025-07-05", -8_000.0, 8_000.0))
    outcome = payout_cost(fixed([12_000.0]), section, rules=rule_history(facts, REPS, section, returns=back))
    # kicker paid: 1% of 6,000 + 100 = 160; asked back: 1% of 10,000 + 2 × 100 = 300, capped at the 160.
    # On sales: 10,000 of 12,000 returned, 10/12 of the 1,200 = 1,000. In all 1,160 of the 1,360 paid.
    assert outcome.parts["deal_kicker"][0] == pytest.approx(160.0)
    assert outcome.parts["clawback"][0] == pytest.approx(-1_160.0)


def test_a_clawback_takes_back_commission_on_sales_not_cash_collected_or_new_logo_bonuses():
    """The ledger's rate on a returned deal is earned on sales ÷ sales (`model/ledger.OFF_SALES` left out):
    commission on cash collected and a new logo's bonus are not a rate on the deal, and stay paid."""
    facts = history(
        cash=[{"collected": 12_000.0, "age_from": 0}], logos=[{"logo_from": 0.0, "new_logos": 1.0}]
    )
    section = plan(commission={"base_rate": 0.1}, clawback={"window_days": 30},
                   collections={"rate": 0.02}, new_logo={"bonus": 500})  # fmt: skip
    rules = rule_history(facts, REPS, section, returns=returns())  # 1,200 of 12,000 back within 30 days
    outcome = payout_cost(fixed([12_000.0]), section, rules=rules)
    # 1,200 on sales + 240 on cash + 500 for the new logo; 10% of the 1,200 comes back, not of 1,940
    assert outcome.cost[0] == pytest.approx(1_940.0 - 120.0)
    assert outcome.parts["clawback"][0] == pytest.approx(-120.0)


def test_on_a_workbook_a_draw_repeating_january_claws_back_what_the_ledger_clawed_back_in_february(tmp_path):
    """Li books L-1 (20,000), L-2 (5,000) and L-3 (30,000) in January on a 5% plan with a 2% kicker on deals
    of 10,000 and Boss's 1% override; L-1 comes back whole in February, inside the 30-day window. A draw of
    January's 55,000 over January's history and the workbook's returns gives back what the ledger did: Li
    1,000 on sales + 400 of kicker, Boss 200 of override (in proportion to the sales returned, Li's kicker
    came back at 20/55 of 1,000: 363.64)."""
    from test_clawback_credit import close_with_kicker_month_by_month, write_workbook

    from salesplan_widgets.workbook.returns import deal_returns

    rows = [("2026-01-15", 20_000, "Li", "East", "Security", "L-1"),
            ("2026-01-16", 5_000, "Li", "East", "Security", "L-2"),
            ("2026-01-16", 30_000, "Li", "East", "Security", "L-3"),
            ("2026-02-05", -20_000, "Li", "East", "Security", "L-1")]  # fmt: skip
    folder = write_workbook(tmp_path / "wb", "{rep: Li, segment: Security, shares: {Li: 1.0}}", rows)
    closed = close_with_kicker_month_by_month(folder, rows, ("2026-01", "2026-02"))
    ledger_back = sum(line[-1] for line in closed["2026-02"] if line[1] == "clawback") / 100
    assert ledger_back == pytest.approx(-1_600.0)
    cube, section = pay_history(folder)
    from salesplan_widgets.workbook import open_workbook

    back = deal_returns(open_workbook(folder), section)
    january = cube[cube["period"] == pd.Period("2026-01", "M")]
    reps = pd.Index(["Li"], name="rep")
    rules = rule_history(january, reps, section, returns=back)
    sim = Simulation(reps=reps, quota=np.array([55_000.0]), sales=np.array([[55_000.0]]), seed=0)
    outcome = payout_cost(sim, section, rules=rules)
    assert outcome.cost[0] == pytest.approx(4_300.0 - 1_600.0)  # January's 2,750 + 1,000 + 550, less it
    assert outcome.parts["clawback"][0] == pytest.approx(ledger_back)

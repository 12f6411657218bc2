"""Incentive benchmarks: statements for 10,000 reps × 12 months (5-band plan, year-to-date true-up, two
milestone bonuses; target < 1 s), the same reps on four role plans with a version change in July and 1%
promoted mid-July (target < 5 s), and a 10,000-draw simulation over 500 reps, two designs (target < 5 s),
bare and with every rule beside bookings (cash collected with ageing, margin, deal kicker, new logos,
clawbacks, a quarterly holdback, draws for 50 reps, of which 25 guarantees; the same target), with
managers and leavers, at the fiscal year's end on carry-forward plans that forgive negative balances, and
in a quarter's second month on quarterly plans (the quarter so far measured with the month).

Run: python benchmarks/bench_incentives.py  — prints the figures; it asserts nothing. With `--simulations`,
the simulations alone, each the CPU time of one run after a warm-up.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from salesplan_widgets.model.simulation import compare_designs, rule_history, simulate_sales
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection

PLAN = IncentivesSection.model_validate(
    {
        "cumulative": True,
        "commission": {
            "tiers": {
                "bands": [
                    {"at_least": 0.0, "below": 0.5, "rate": 0.02},
                    {"at_least": 0.5, "below": 0.8, "rate": 0.04},
                    {"at_least": 0.8, "below": 1.0, "rate": 0.05},
                    {"at_least": 1.0, "below": 1.3, "rate": 0.07},
                    {"at_least": 1.3, "rate": 0.09},
                ]
            },
            "threshold": 0.3,
            "caps": {"attainment": 2.5},
        },
        "milestones": [
            {"name": "H1", "by": "2026-06", "share": 0.45, "bonus": 2000},
            {"name": "Q3", "by": "2026-09", "share": 0.7, "bonus": 3000},
        ],
    }
)


def company(reps: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    months = pd.period_range("2026-01", periods=12, freq="M")
    names = np.array([f"rep{i:05d}" for i in range(reps)])
    cube = pd.DataFrame(
        {
            "period": np.tile(months, reps),
            "rep": np.repeat(names, 12),
            "team": np.repeat(np.array([f"team{i % 50}" for i in range(reps)]), 12),
            "segment": "A",
            "channel": "online",
            "actual": rng.lognormal(np.log(100_000), 0.4, reps * 12),
        }
    )
    cube["period"] = pd.PeriodIndex(cube["period"], freq="M")
    quotas = cube[["period", "rep", "team"]].assign(target=100_000.0)
    return cube, quotas


ROLES = ["ae", "kam", "lead", "online"]


def role_plans(reps: int) -> IncentivesSection:
    """Four role plans, each with a version change in July; every rep assigned, 1% promoted mid-July."""
    bands = PLAN.commission.tiers.model_dump()["bands"]
    versions = lambda scale: [  # noqa: E731
        {"effective": "2026-01", "commission": {"tiers": {"bands": bands}, "threshold": 0.3}},
        {
            "effective": "2026-07",
            "commission": {"tiers": {"bands": [b | {"rate": b["rate"] * scale} for b in bands]}},
        },
    ]
    names = [f"rep{i:05d}" for i in range(reps)]
    assignments = [{"rep": n, "plan": ROLES[i % 4]} for i, n in enumerate(names) if i % 100]
    for i in range(0, reps, 100):  # promoted from account executive to key-account manager on 16 July
        assignments += [{"rep": names[i], "plan": "ae", "end": "2026-07-15"},
                        {"rep": names[i], "plan": "kam", "start": "2026-07-16"}]  # fmt: skip
    return IncentivesSection.model_validate(
        {
            "plans": [
                {"id": r, "name": r.upper(), "versions": versions(1 + k / 10)} for k, r in enumerate(ROLES)
            ],
            "assignments": assignments,
        }
    )


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    if "--simulations" in sys.argv:  # the simulations alone: CPU of one run after a warm-up, per case
        for name, simulate in simulation_cases().items():
            simulate()
            cpu = time.process_time()
            simulate()
            print(f"{name}: {time.process_time() - cpu:.3f} s CPU", flush=True)
        return
    cube, quotas = company(10_000)
    result = payout_statements(PLAN, cube, quotas, "2026-12", all_periods=True)
    seconds = best_of(lambda: payout_statements(PLAN, cube, quotas, "2026-12", all_periods=True))
    print(
        f"statements: 10,000 reps x 12 months, 5 bands, true-up, 2 bonuses: {seconds:.3f} s "
        f"({len(result.lines):,} lines; target < 1 s)"
    )

    roles = role_plans(10_000)
    result = payout_statements(roles, cube, quotas, "2026-12", all_periods=True)
    seconds = best_of(lambda: payout_statements(roles, cube, quotas, "2026-12", all_periods=True))
    print(
        f"role plans: 10,000 reps x 12 months, 4 plans with a July version, 1% promoted mid-July: "
        f"{seconds:.3f} s ({len(result.lines):,} lines; target < 5 s)"
    )

    for name, simulate in simulation_cases().items():
        report_simulation(name, simulate)


def simulation_cases() -> dict:
    """The simulations, by name: bare, with every rule, with managers and leavers, at the fiscal year's end,
    and in a quarter's second month on quarterly plans (the quarter so far measured and paid whole)."""
    cases = {}
    months = pd.period_range("2025-10", periods=12, freq="M")
    rng = np.random.default_rng(1)
    history = pd.DataFrame(
        {"period": np.tile(months, 500), "rep": np.repeat([f"r{i}" for i in range(500)], 12)}
    ).assign(actual=rng.lognormal(np.log(100_000), 0.3, 6_000))
    history["period"] = pd.PeriodIndex(history["period"], freq="M")
    quota = pd.Series(100_000.0, index=[f"r{i}" for i in range(500)])
    flat = IncentivesSection.model_validate({"commission": {"base_rate": 0.05}})

    def simulate():
        sim = simulate_sales(history, quota, draws=10_000, seed=0)
        return compare_designs(sim, {"tiered": PLAN, "flat": flat})

    cases["simulation"] = simulate

    facts, returns = rule_facts(history, rng)
    rules = {
        "measure": "margin",
        "collections": {"rate": 0.01, "ageing": [{"after_days": 90, "factor": 0.5}]},
        "deal_kicker": {"at_least": 50_000, "rate": 0.01, "bonus": 200},
        "new_logo": {"bonus": 500},
        "clawback": {"window_days": 60},
        "holdback": {"share": 0.2, "release": "quarter"},
        "draws": [{"rep": f"r{i}", "amount": 3_000, "start": "2026-09", "end": "2026-12",
                   "kind": "recoverable" if i % 2 else "non_recoverable"} for i in range(50)],
    }  # fmt: skip
    designs = {
        "tiered + rules": IncentivesSection.model_validate({**PLAN.model_dump(exclude_none=True), **rules}),
        "flat + rules": IncentivesSection.model_validate({"commission": {"base_rate": 0.05}, **rules}),
    }  # fmt: skip

    def simulate_rules():
        sim = simulate_sales(history, quota, draws=10_000, seed=0)
        history_rules = rule_history(facts, sim.reps, designs["flat + rules"], returns=returns)
        return compare_designs(sim, designs, month="2026-10", rules=history_rules)

    cases["simulation with every rule"] = simulate_rules

    # the same, with 25 team leads paid a 1% override on teams of 20 and 10 reps leaving in October (the
    # history's leaver rate besides), so each draw is settled for stayers and leavers
    teams = {"team": np.repeat([f"t{i // 20}" for i in range(500)], 12)}
    team_facts = facts.assign(team=facts["rep"].map(lambda r: f"t{int(r[1:]) // 20}"))
    team_returns = returns.assign(team=returns["rep"].map(lambda r: f"t{int(r[1:]) // 20}"))
    people = {
        "hierarchy": [{"manager": f"lead{i}", "team": f"t{i}", "override_rate": 0.01} for i in range(25)],
        "relief": [{"rep": f"r{i}", "left": "2026-10-15"} for i in range(0, 500, 50)]
        + [{"rep": f"r{i}", "left": "2026-03-31"} for i in range(1, 500, 100)],
    }  # fmt: skip
    people = IncentivesSection.model_validate(people)
    with_people = {
        name: d.model_copy(update={"hierarchy": people.hierarchy, "relief": people.relief})
        for name, d in designs.items()
    }
    team_history = history.assign(**teams)

    def simulate_people():
        sim = simulate_sales(team_history, quota, draws=10_000, seed=0)
        history_rules = rule_history(team_facts, sim.reps, with_people["flat + rules"], returns=team_returns)
        return compare_designs(sim, with_people, month="2026-10", rules=history_rules)

    cases["simulation with every rule, overrides and leavers"] = simulate_people

    # the fiscal year's last month on carry-forward plans that forgive then, 50 reps owing a negative
    # balance: each draw recovers what it can and forgives the rest, as the year's last close does
    forgiving = {
        name: d.model_copy(update={"negative": "carry_forward", "forgive_negative": "year_end"})
        for name, d in designs.items()
    }
    owing = pd.Series(5_000.0, index=[f"r{i}" for i in range(0, 500, 10)])

    def simulate_year_end():
        sim = simulate_sales(history, quota, draws=10_000, seed=0)
        owed = rule_history(
            facts, sim.reps, forgiving["flat + rules"], returns=returns, negative_balance=owing
        )
        return compare_designs(sim, forgiving, month="2026-12", rules=owed)

    cases["simulation at the year's end, forgiving negative balances"] = simulate_year_end

    # November on quarterly plans: the quarter so far (October, as its statement measured it: here each
    # rep's last month of history) is measured with the draw, and the quarter is paid at its end, not now
    quarterly = {name: d.model_copy(update={"measurement": "quarterly", "cumulative": False})
                 for name, d in designs.items()}  # fmt: skip
    so_far = history[history["period"] == history["period"].max()].set_index("rep")["actual"]
    window = pd.DataFrame({"sales": so_far, "quota": 100_000.0, "earned": 0.05 * so_far})

    def simulate_mid_quarter():
        sim = simulate_sales(history, quota, draws=10_000, seed=0)
        in_quarter = rule_history(facts, sim.reps, quarterly["flat + rules"], returns=returns, window=window)
        return compare_designs(sim, quarterly, month="2026-11", rules=in_quarter)

    cases["simulation mid-quarter on quarterly plans, the quarter so far"] = simulate_mid_quarter
    return cases


def report_simulation(name: str, simulate) -> None:
    """Best wall time of two, then the CPU time of one more run (wall time moves with the shared load)."""
    seconds = best_of(simulate, repeat=2)
    cpu = time.process_time()
    table = simulate()
    cpu = time.process_time() - cpu
    print(f"{name}: 10,000 draws x 500 reps, two designs: {seconds:.3f} s, {cpu:.3f} s CPU (target < 5 s)")
    print(table.to_string(index=False))


def rule_facts(history: pd.DataFrame, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history as a pay cube with cost, cash by age band, large deals and new logos; and returns."""
    n = len(history)
    sales = history.assign(cost=history["actual"] * rng.uniform(0.5, 0.7, n), collected=0.0, age_from=0,
                           deal_from=-1.0, deal_sales=0.0, deals=0.0, logo_from=-1.0, new_logos=0.0)  # fmt: skip
    base = history[["period", "rep"]].assign(actual=0.0, cost=0.0)
    cash = pd.concat([base.assign(collected=history["actual"] * 0.8, age_from=0),
                      base.assign(collected=history["actual"] * 0.1, age_from=90)])  # fmt: skip
    deals = base.assign(deal_from=50_000.0, deal_sales=history["actual"] * 0.4, deals=rng.poisson(0.8, n))
    logos = base.assign(logo_from=0.0, new_logos=rng.poisson(0.3, n))
    facts = pd.concat([sales, cash, deals, logos], ignore_index=True)
    for column, empty in (("collected", 0.0), ("age_from", 0), ("deal_from", -1.0), ("deal_sales", 0.0),
                          ("deals", 0.0), ("logo_from", -1.0), ("new_logos", 0.0)):  # fmt: skip
        facts[column] = facts[column].fillna(empty)
    sold = history.sample(300, random_state=1)  # 10% of a deal of 60% of the month's sales comes back
    returns = pd.DataFrame({"deal": [f"d{i}" for i in range(300)], "rep": sold["rep"].to_numpy(),
                            "sold_on": sold["period"].dt.start_time.to_numpy(),
                            "returned_on": (sold["period"].dt.start_time + pd.Timedelta(days=40)).to_numpy(),
                            "amount": -0.1 * sold["actual"].to_numpy(),
                            "sold_size": 0.6 * sold["actual"].to_numpy()})  # fmt: skip
    return facts, returns  # `sold_size`: each deal's size, so its kicker is taken back deal by deal


if __name__ == "__main__":
    main()

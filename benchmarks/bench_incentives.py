"""Incentive benchmarks: statements for 10,000 reps × 12 months (5-band plan, year-to-date true-up, two
milestone bonuses; target < 1 s), the same reps on four role plans with a version change in July and 1%
promoted mid-July (target < 5 s), and a 10,000-draw simulation over 500 reps, two designs (target < 5 s).

Run: python benchmarks/bench_incentives.py  — prints the figures; it asserts nothing.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from salesplan_widgets.model.simulation import compare_designs, simulate_sales
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

    seconds = best_of(simulate, repeat=2)
    table = simulate()
    print(f"simulation: 10,000 draws x 500 reps, two designs: {seconds:.3f} s (target < 5 s)")
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()

"""The registry of commission components: each rule in one module, used by the engine, the statements, the
estimator, the simulation and the calculator alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.i18n import use_locale
from salesplan_widgets.model import simulation
from salesplan_widgets.model.commission import compile_plan, earn, payout
from salesplan_widgets.model.components import COMPONENTS, Block, Component, Context
from salesplan_widgets.model.estimator import estimate_earnings
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection

EVERY_RULE = IncentivesSection.model_validate(
    {
        "commission": {
            "overrides": [{"segment": "B", "rate": 0.07}],
            "tiers": {"bands": [{"at_least": 0, "below": 1.0, "rate": 0.05}, {"at_least": 1.0, "rate": 0.10}]},
            "accelerators": [{"at_least": 1.2, "multiplier": 1.5}],
            "threshold": 0.7,
            "caps": {"attainment": 3.0, "rate": 0.2, "payout": 900},
        },
        "target_incentive": {"amount": 200, "curve": [{"attainment": 0.5, "payout": 0}, {"attainment": 1, "payout": 1}]},
        "milestones": [{"name": "Q1", "by": "2026-03", "share": 0.2, "bonus": 50}],
        "spifs": [{"name": "Push", "segment": "A", "rate": 0.02, "start": "2026-01", "end": "2026-12"}],
    }
)  # fmt: skip


def cube_of(rows) -> pd.DataFrame:
    months, reps, segments, actual = zip(*rows, strict=True)
    return pd.DataFrame({"period": pd.PeriodIndex(months, freq="M"), "rep": reps, "team": "East",
                         "segment": segments, "channel": "online", "actual": np.array(actual, dtype=float)})  # fmt: skip


QUOTAS = pd.DataFrame({"period": pd.period_range("2026-01", periods=12, freq="M").repeat(2), "rep": ["Li", "Wang"] * 12,
                       "team": "East", "target": 1_000.0})  # fmt: skip
SALES = cube_of([("2026-03", "Li", "A", 1_300), ("2026-03", "Li", "B", 200), ("2026-03", "Wang", "A", 600),
                 ("2026-01", "Li", "A", 900), ("2026-02", "Wang", "B", 400)])  # fmt: skip


def _field(model, path: list[str]):
    for key in path:
        annotation = model.model_fields[key].annotation
        args = [a for a in getattr(annotation, "__args__", ()) if hasattr(a, "model_fields")]
        model = args[0] if args else annotation
    return model


def test_every_component_names_a_key_of_the_plan_it_reads():
    assert list(COMPONENTS) == ["credit", "band", "override", "accelerator", "cap_attainment", "cap_rate",
                                "target_incentive", "threshold", "team_override", "collections", "deal_kicker", "new_logo", "spif", "milestone",
                                "cap_payout"]  # fmt: skip
    for component in COMPONENTS.values():
        head, *path = component.schema.split(".")
        assert head == "incentives"
        _field(IncentivesSection, path)  # raises KeyError if the key is not in the schema


def test_each_components_lines_are_the_engines_amounts_with_labels_in_both_languages():
    result = payout_statements(EVERY_RULE, SALES, QUOTAS, "2026-03")
    with use_locale("zh_CN"):
        chinese = payout_statements(EVERY_RULE, SALES, QUOTAS, "2026-03")
    shown = set(result.lines["component"].astype(str))
    assert {"band", "override", "accelerator", "target_incentive", "spif", "milestone", "threshold"} <= shown
    for name in shown & set(COMPONENTS):
        english = result.lines.loc[result.lines["component"] == name, "rule"].astype(str)
        zh = chinese.lines.loc[chinese.lines["component"] == name, "rule"].astype(str)
        assert len(english) == len(zh) and all(a != b for a, b in zip(english, zh, strict=True)), name
    # the statement adds up to the engine's total, rep by rep
    assert result.lines.groupby(result.lines["rep"].astype(str))["amount"].sum().to_dict() == pytest.approx(
        result.reps.set_index(result.reps["rep"].astype(str))["payout"].to_dict()
    )


class TeamBonus(Component):
    """A test component: a flat bonus for every rep at or above quota."""

    name = "team_bonus"
    schema = "incentives.rewards"

    def compile(self, section):
        return {"team_bonus_value": 100.0}

    def earn(self, ctx: Context) -> None:
        amount = np.where(ctx.attainment >= 1.0, ctx.plan.team_bonus_value, 0.0)
        ctx.out["team_bonus_base"], ctx.out["team_bonus_amount"] = ctx.attainment, amount
        ctx.add(amount)

    def labels(self, plan, currency):
        return ["Team bonus at quota"]

    def export(self, e, s):
        return Block(e.team_bonus_base[..., None], np.nan, e.team_bonus_amount[..., None])


def test_a_component_registered_in_one_place_reaches_engine_statements_estimator_and_simulation(monkeypatch):
    plan = IncentivesSection.model_validate({"commission": {"base_rate": 0.05}})
    before = payout(plan, [1_200.0, 800.0], [1_000.0, 1_000.0])
    sim = simulation.Simulation(reps=pd.Index(["Li", "Wang"]), quota=np.array([1_000.0, 1_000.0]),
                                sales=np.array([[1_200.0, 800.0], [900.0, 1_100.0]]), seed=0)  # fmt: skip
    cost_before = simulation.payout_cost(sim, plan).cost
    monkeypatch.setitem(COMPONENTS, "team_bonus", TeamBonus())

    assert payout(plan, [1_200.0, 800.0], [1_000.0, 1_000.0]).tolist() == pytest.approx(before + [100.0, 0.0])
    assert earn(compile_plan(plan), np.array([1_000.0]), np.array([1_000.0])).team_bonus_amount.tolist() == [
        100.0
    ]
    statement = payout_statements(plan, SALES, QUOTAS, "2026-03").statement("Li")
    bonus = statement[statement["component"] == "team_bonus"]
    assert bonus["rule"].astype(str).tolist() == ["Team bonus at quota"] and bonus["amount"].tolist() == [
        100.0
    ]
    assert simulation.payout_cost(sim, plan).cost.tolist() == pytest.approx((cost_before + 100.0).tolist())
    estimate = estimate_earnings(plan, SALES, QUOTAS, "2026-03", "Wang", 500.0)  # 600 -> 1,100: at quota
    assert estimate.increment == pytest.approx(500 * 0.05 + 100.0)

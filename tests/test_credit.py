"""Crediting by hierarchy and overlay: owners' splits sum to 100%, overlays are credited beside them, and
managers are credited with their team's sales (an override rate or their own plan)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from salesplan_widgets.i18n import use_locale
from salesplan_widgets.model.credit import credit_sales, credit_summary
from salesplan_widgets.model.estimator import plan_cost
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection


def cube_of(rows, **extra) -> pd.DataFrame:
    months, reps, teams, segments, actual = zip(*rows, strict=True)
    return pd.DataFrame({"period": pd.PeriodIndex(months, freq="M"), "rep": reps, "team": teams,
                         "segment": segments, "channel": "online", "actual": np.array(actual, dtype=float),
                         "quantity": 0.0, "lines": 1, **extra})  # fmt: skip


def quotas_of(reps, target=100_000.0, team="East") -> pd.DataFrame:
    months = pd.period_range("2026-01", periods=12, freq="M")
    return pd.DataFrame(
        [(m, r, team, target) for m in months for r in reps], columns=["period", "rep", "team", "target"]
    )


# Prowi, "Override commission" (https://www.prowi.io/en/glossary/override-commission): five reps sell
# 75,000 / 60,000 / 67,500 / 52,500 / 45,000 in a month at 10% commission; their manager's 3% override on
# the team's 300,000 is 9,000 (2,250 / 1,800 / 2,025 / 1,575 / 1,350 per rep).
PROWI = {"A": 75_000, "B": 60_000, "C": 67_500, "D": 52_500, "E": 45_000}


def test_a_managers_override_rate_on_the_teams_sales_pays_the_published_example():
    cube = cube_of([("2026-03", rep, "East", "S", amount) for rep, amount in PROWI.items()])
    section = IncentivesSection.model_validate(
        {
            "commission": {"base_rate": 0.10},
            "hierarchy": [{"manager": "Mgr", "team": "East", "override_rate": 0.03}],
        }
    )
    result = payout_statements(section, cube, quotas_of([*PROWI, "Mgr"]), "2026-03")
    payout = result.reps.set_index(result.reps["rep"].astype(str))["payout"]
    assert payout["Mgr"] == pytest.approx(9_000.0)
    assert {rep: payout[rep] for rep in PROWI} == pytest.approx({r: a * 0.10 for r, a in PROWI.items()})
    line = result.statement("Mgr")
    override = line[line["component"] == "team_override"]
    assert override["base"].tolist() == [300_000.0] and override["rate"].tolist() == [0.03]
    assert override["rule"].astype(str).tolist() == ["Override on team East's sales at 3%"]
    # an override is not credit towards the manager's quota: their own attainment stays 0
    assert result.reps.set_index(result.reps["rep"].astype(str)).loc["Mgr", "attainment"] == 0.0


def test_a_manager_without_an_override_rate_is_paid_on_the_teams_sales_through_their_own_plan():
    cube = cube_of([("2026-03", "Li", "East", "S", 60_000), ("2026-03", "Wang", "East", "S", 90_000),
                    ("2026-03", "Boss", "East", "S", 10_000), ("2026-03", "Zhou", "West", "S", 50_000)])  # fmt: skip
    section = IncentivesSection.model_validate(
        {
            "commission": {
                "tiers": {
                    "bands": [{"at_least": 0, "below": 1.0, "rate": 0.01}, {"at_least": 1.0, "rate": 0.02}]
                }
            },
            "hierarchy": [{"manager": "Boss", "team": "East"}],
        }  # fmt: skip
    )
    result = payout_statements(
        section, cube, quotas_of(["Li", "Wang", "Boss", "Zhou"], target=100_000), "2026-03"
    )
    boss = result.reps.set_index(result.reps["rep"].astype(str)).loc["Boss"]
    # own 10,000 + team 150,000 = 160,000 on a 100,000 quota: 100,000 at 1% and 60,000 at 2%
    assert boss["sales"] == pytest.approx(160_000.0) and boss["attainment"] == pytest.approx(1.6)
    assert boss["payout"] == pytest.approx(1_000.0 + 1_200.0)
    credit = result.statement("Boss")
    credit = credit[credit["component"] == "credit"]
    assert credit["base"].tolist() == [150_000.0] and credit["amount"].tolist() == [0.0]
    assert "Team credit" in str(credit["rule"].iloc[0])


# revopsmasters, "Split crediting rules" (https://revopsmasters.com/category/sales-compensation/split-crediting-rules):
# with an overlay (a solutions engineer) "the AE receives 100% credit and the overlay receives a separate
# credit allocation (typically 25-50% of deal value)", and double crediting raises commission expense by
# 25-50% on overlay-assisted deals.
def test_an_overlay_is_credited_beside_the_owner_and_total_credit_exceeds_booked_sales():
    cube = cube_of(
        [("2026-03", "AE", "East", "Security", 200_000), ("2026-03", "AE", "East", "Core", 100_000)]
    )
    section = IncentivesSection.model_validate(
        {
            "commission": {"base_rate": 0.05},
            "crediting": [{"rep": "AE", "segment": "Security", "overlays": {"SE": 0.5}}],
        }  # fmt: skip
    )
    credited = credit_sales(cube, section)
    by_rep = credited.groupby("rep")["actual"].sum()
    assert by_rep["AE"] == pytest.approx(300_000) and by_rep["SE"] == pytest.approx(100_000)
    summary = credit_summary(credited)
    assert summary["booked"].tolist() == [300_000] and summary["credited"].tolist() == [400_000]

    result = payout_statements(section, cube, quotas_of(["AE", "SE"]), "2026-03")
    payout = result.reps.set_index(result.reps["rep"].astype(str))["payout"]
    assert payout["AE"] == pytest.approx(15_000) and payout["SE"] == pytest.approx(5_000)
    cost = plan_cost(result)
    assert cost.revenue == pytest.approx(300_000) and cost.credited == pytest.approx(400_000)
    assert cost.credit_ratio == pytest.approx(4 / 3)
    # double crediting costs 50% more on the overlay-assisted deal: 15,000 -> 20,000 in total
    assert cost.payout == pytest.approx(20_000)
    se = result.statement("SE")
    assert se.loc[se["component"] == "credit", "base"].tolist() == [100_000]
    assert "Overlay credit" in str(se.loc[se["component"] == "credit", "rule"].iloc[0])


def test_owner_shares_split_to_100_percent_and_overlays_come_on_top():
    cube = cube_of([("2026-02", "Wang", "East", "A", 1_000), ("2026-02", "Wang", "East", "B", 500)])
    section = IncentivesSection.model_validate(
        {
            "crediting": [
                {"rep": "Wang", "segment": "A", "shares": {"Wang": 0.6, "Li": 0.4}, "overlays": {"Chen": 1.0}}
            ]
        }
    )
    credited = credit_sales(cube, section)
    owners = credited[credited["credit"].isin(["booked", "split"])].groupby("rep")["actual"].sum()
    assert owners.to_dict() == pytest.approx({"Wang": 600 + 500, "Li": 400})
    assert owners.sum() == pytest.approx(cube["actual"].sum())  # owners: exactly 100% of bookings
    overlay = credited[credited["credit"] == "overlay"]
    assert overlay["rep"].tolist() == ["Chen"] and overlay["actual"].tolist() == [1_000]


def test_a_team_override_takes_owners_sales_only_never_overlays_or_the_managers_own():
    cube = cube_of([("2026-01", "Li", "East", "A", 1_000), ("2026-01", "Mgr", "East", "A", 700)])
    section = IncentivesSection.model_validate(
        {
            "crediting": [{"rep": "Li", "overlays": {"Chen": 1.0}}],
            "hierarchy": [{"manager": "Mgr", "team": "East", "override_rate": 0.02}],
        }  # fmt: skip
    )
    credited = credit_sales(cube, section)
    team = credited[credited["credit"] == "team_override"]
    assert team["rep"].tolist() == ["Mgr"] and team["actual"].sum() == pytest.approx(1_000)


def test_credit_lines_and_the_override_read_in_chinese_too():
    cube = cube_of([("2026-03", "AE", "East", "S", 1_000)])
    section = IncentivesSection.model_validate(
        {
            "commission": {"base_rate": 0.1},
            "crediting": [{"rep": "AE", "overlays": {"SE": 1.0}}],
            "hierarchy": [{"manager": "Mgr", "team": "East", "override_rate": 0.01}],
        }  # fmt: skip
    )
    english = payout_statements(section, cube, quotas_of(["AE", "SE", "Mgr"]), "2026-03").lines
    with use_locale("zh_CN"):
        chinese = payout_statements(section, cube, quotas_of(["AE", "SE", "Mgr"]), "2026-03").lines
    for name in ("credit", "team_override"):
        en = english.loc[english["component"] == name, "rule"].astype(str).tolist()
        zh = chinese.loc[chinese["component"] == name, "rule"].astype(str).tolist()
        assert en and len(en) == len(zh) and all(a != b for a, b in zip(en, zh, strict=True)), name


@pytest.mark.parametrize(
    ("split", "words"),
    [
        ({"rep": "Wang", "shares": {"Wang": 0.6, "Li": 0.3}, "overlays": {"Chen": 1.0}}, ["90%", "sum to 1"]),
        ({"rep": "Wang", "overlays": {"Chen": 1.5}}, ["overlay Chen", "150%"]),
        (
            {"rep": "Wang", "shares": {"Wang": 1.0}, "overlays": {"Wang": 1.0}},
            ["both an owner and an overlay"],
        ),
        ({"account": "ACME", "overlays": {"Chen": 1.0}}, ["owners", "not named"]),
        ({"segment": "A", "shares": {"Wang": 1.0}}, ["rep, an account or a deal"]),
    ],
)
def test_credit_rules_that_make_no_sense_are_refused_with_their_fix(split, words):
    with pytest.raises(ValidationError) as info:
        IncentivesSection.model_validate({"crediting": [split]})
    message = str(info.value)
    assert "fix:" in message and all(w in message for w in words), message


def test_a_split_by_account_needs_the_account_column():
    from salesplan_widgets.errors import InputError

    cube = cube_of([("2026-01", "Li", "East", "A", 1_000)])
    section = IncentivesSection.model_validate(
        {"crediting": [{"account": "ACME", "shares": {"Li": 0.5, "Wang": 0.5}}]}
    )
    with pytest.raises(InputError) as info:
        credit_sales(cube, section)
    assert info.value.problems[0].column == "incentives.crediting[0].account"


def test_splits_per_account_and_per_deal_credit_only_those_sales():
    cube = cube_of(
        [("2026-01", "Li", "East", "A", 1_000), ("2026-01", "Li", "East", "A", 400), ("2026-01", "Li", "East", "A", 50)],
        account=["ACME", "all", "all"], deal=["all", "D-7", "all"],
    )  # fmt: skip
    section = IncentivesSection.model_validate(
        {
            "crediting": [
                {"account": "ACME", "shares": {"Li": 0.5, "Wang": 0.5}},
                {"deal": "D-7", "shares": {"Zhou": 1.0}},
            ]
        }  # fmt: skip
    )
    by_rep = credit_sales(cube, section).groupby("rep")["actual"].sum()
    assert by_rep.to_dict() == pytest.approx({"Li": 500 + 50, "Wang": 500, "Zhou": 400})

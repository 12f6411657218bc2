"""Draws per role plan: a role plan's draw or guarantee applies to every rep on the plan in the months they
are on it, a rep's own draw overrides it, and the ledger and statements show the result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from salesplan_widgets.cli import main
from salesplan_widgets.model.draws import DRAW, DRAW_RECOVERY, GUARANTEE, draws_of
from salesplan_widgets.report.statement_documents import statement_path
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

RAMP = {"kind": "non_recoverable", "amount": 1500, "start": "2026-01", "end": "2026-06", "reason": "ramp"}


def role_section(own: list[dict] | None = None, assignments: list[dict] | None = None) -> IncentivesSection:
    return IncentivesSection.model_validate(
        {
            "commission": {"base_rate": 0.1},
            "plans": [
                {
                    "id": "ae",
                    "name": "Account executive",
                    "versions": [{"effective": "2026-01"}],
                    "draws": [RAMP],
                },
            ],  # fmt: skip
            "assignments": assignments
            or [{"rep": "Li", "plan": "ae"}, {"rep": "Wang", "plan": "ae"}, {"rep": "Chen", "plan": "ae"}],
            "draws": own or [],
        }
    )


def months_of(draws, rep: str) -> dict[str, float]:
    return {
        str(m): d.amount for d in draws if d.rep == rep for m in pd.period_range(d.start, d.end, freq="M")
    }


def test_a_role_draw_applies_to_every_rep_on_the_role_and_to_nobody_else():
    section = role_section()
    draws = draws_of(section)
    six = {f"2026-{m:02d}": 1500.0 for m in range(1, 7)}
    assert months_of(draws, "Li") == months_of(draws, "Wang") == months_of(draws, "Chen") == six
    assert {d.kind for d in draws} == {"non_recoverable"}
    assert months_of(draws, "Zhao") == {}  # not on the role


def test_a_reps_own_draw_overrides_the_roles_in_the_months_it_covers():
    own = [{"rep": "Li", "kind": "recoverable", "amount": 3000, "start": "2026-02", "end": "2026-03"}]
    draws = draws_of(role_section(own))
    li = months_of(draws, "Li")
    assert li == {
        "2026-01": 1500,
        "2026-02": 3000,
        "2026-03": 3000,
        **{f"2026-0{m}": 1500 for m in (4, 5, 6)},
    }
    assert sorted((d.start, d.end, d.kind) for d in draws if d.rep == "Li") == [
        ("2026-01", "2026-01", "non_recoverable"),
        ("2026-02", "2026-03", "recoverable"),
        ("2026-04", "2026-06", "non_recoverable"),
    ]


def test_a_role_draw_follows_the_assignments_months():
    import datetime as dt

    assignments = [{"rep": "Li", "plan": "ae", "start": dt.date(2026, 3, 16), "end": dt.date(2026, 4, 30)}]
    assert months_of(draws_of(role_section(assignments=assignments)), "Li") == {
        "2026-03": 1500,
        "2026-04": 1500,
    }


def test_a_role_draw_naming_a_rep_is_refused_with_its_fix():
    with pytest.raises(ValidationError, match="move the draw to incentives.draws"):
        IncentivesSection.model_validate(
            {
                "plans": [
                    {
                        "id": "ae",
                        "name": "AE",
                        "versions": [{"effective": "2026-01"}],
                        "draws": [RAMP | {"rep": "Li"}],
                    }
                ]
            }  # fmt: skip
        )


PLAN = """\
name: Role Draw Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep}
incentives:
  commission: {base_rate: 0.10}
  plans:
    - id: ae
      name: Account executive
      versions: [{effective: 2026-01, commission: {base_rate: 0.10}}]
      draws: [{kind: recoverable, amount: 2000, start: 2026-01, end: 2026-03, reason: ramp}]
  assignments: [{rep: Chen, plan: ae}, {rep: Wang, plan: ae}, {rep: Zhao, plan: ae}]
  draws:
    - {rep: Zhao, kind: non_recoverable, amount: 1500, start: 2026-01, end: 2026-01}
"""


def close_by_command(wb, period: str) -> None:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(wb), "--period", period, *step]) == 0


def test_role_draws_reach_the_workbooks_ledger_and_statements(tmp_path):
    # The AE role draws 2,000 a month January to March, recoverable, for Chen, Wang and Zhao; Zhao's own
    # January guarantee of 1,500 overrides it. Chen earns 500 in January (1,500 advanced) and 3,000 in
    # February (1,000 recovered); Wang earns 2,500 in January (no top-up) and nothing in February (2,000
    # advanced); Zhao earns 1,000 in January (500 guaranteed, not recovered) and 1,200 in February (the
    # role's draw: 800 advanced).
    wb = tmp_path / "wb"
    (wb / "data").mkdir(parents=True)
    pd.DataFrame(
        [("2026-01-10", 5000, "Chen"), ("2026-02-10", 30000, "Chen"), ("2026-01-11", 25000, "Wang"),
         ("2026-01-12", 10000, "Zhao"), ("2026-02-12", 12000, "Zhao")],
        columns=["date", "amount", "rep"],
    ).to_csv(wb / "data" / "sales.csv", index=False)  # fmt: skip
    (wb / "plan.yaml").write_text(PLAN, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    open_workbook(wb).write_table(
        "targets",
        pd.DataFrame(
            [(m, r, 1000.0) for m in months for r in ("Chen", "Wang", "Zhao")],
            columns=["period", "rep", "target"],
        ),
    )
    close_by_command(wb, "2026-01")
    close_by_command(wb, "2026-02")

    lines = read_ledger(open_workbook(wb)).lines
    got = lines[lines["kind"] != "payment"].groupby(["rep", "period", "kind"])["amount_minor"].sum().to_dict()
    jan, feb = pd.Period("2026-01", "M"), pd.Period("2026-02", "M")
    assert got == {
        ("Chen", jan, DRAW): 1500_00, ("Chen", feb, DRAW_RECOVERY): -1000_00,
        ("Wang", feb, DRAW): 2000_00,
        ("Zhao", jan, GUARANTEE): 500_00, ("Zhao", feb, DRAW): 800_00,
    }  # fmt: skip

    workbook = open_workbook(wb)
    wang = statement_path(workbook, "2026-02", "Wang", "en").read_text(encoding="utf-8")
    assert "Recoverable draw" in wang and "Draw balance to recover" in wang and "CN¥2,000.00" in wang
    chen = statement_path(workbook, "2026-02", "Chen", "en").read_text(encoding="utf-8")
    assert "Draw recovery" in chen and "CN¥1,500.00" in chen and "CN¥500.00" in chen


MONTHS = [str(m) for m in pd.period_range("2026-01", "2026-12", freq="M")]


@st.composite
def role_and_own_draws(draw):
    import datetime as dt

    reps = ["Li", "Wang", "Chen"]
    role = []
    for start in sorted(draw(st.lists(st.integers(0, 11), unique=True, max_size=2))):
        role.append({"amount": draw(st.integers(1, 9)) * 100, "start": MONTHS[start], "end": MONTHS[start]})
    role = [r | {"end": MONTHS[min(MONTHS.index(r["start"]) + draw(st.integers(0, 3)), 11)]} for r in role]
    role = [r for i, r in enumerate(role) if i == 0 or r["start"] > role[i - 1]["end"]]
    assignments = []
    for rep in draw(st.lists(st.sampled_from(reps), unique=True)):
        first, last = sorted(draw(st.lists(st.integers(1, 12), min_size=2, max_size=2)))
        assignments.append({"rep": rep, "plan": "ae", "start": dt.date(2026, first, 1),
                            "end": dt.date(2026, last, 28)})  # fmt: skip
    own = []
    for rep in draw(st.lists(st.sampled_from(reps), unique=True)):
        start = draw(st.integers(0, 11))
        own.append({"rep": rep, "amount": 5000, "start": MONTHS[start],
                    "end": MONTHS[min(start + draw(st.integers(0, 2)), 11)]})  # fmt: skip
    section = IncentivesSection.model_validate(
        {
            "plans": [{"id": "ae", "name": "AE", "versions": [{"effective": "2026-01"}], "draws": role}],
            "assignments": assignments,
            "draws": own,
        }  # fmt: skip
    )
    return section


@settings(max_examples=100, deadline=None)
@given(role_and_own_draws())
def test_each_rep_month_has_the_own_draw_else_the_roles_while_assigned(section):
    draws = draws_of(section)
    IncentivesSection.model_validate({"draws": [d.model_dump() for d in draws]})  # never two in one month
    for rep in ("Li", "Wang", "Chen"):
        got = months_of(draws, rep)
        own = months_of(section.draws, rep)
        on_plan = {
            str(m)
            for a in section.assignments
            if a.rep == rep
            for m in pd.period_range(a.start, a.end, freq="M")
        }
        role = {m: a for m, a in months_of(
            [d.model_copy(update={"rep": rep}) for d in section.plans[0].draws], rep).items() if m in on_plan}  # fmt: skip
        assert got == role | own


def test_a_role_draw_is_costed_in_the_simulation_like_an_own_draw():
    """The simulation finds a role plan's guarantee as the ledger does: 5,000 sold at 10% earns 500, the
    1,500 guarantee tops it up by 1,000, a cost that is never recovered."""
    from salesplan_widgets.model.simulation import Simulation, payout_cost, rule_history

    reps = pd.Index(["Li"], name="rep")
    history = pd.DataFrame({"period": pd.period_range("2025-03", periods=12, freq="M"), "rep": "Li",
                            "team": "all", "actual": 5_000.0})  # fmt: skip
    sales = Simulation(reps=reps, quota=np.array([10_000.0]), sales=np.array([[5_000.0]]), seed=0)
    section = role_section()
    section.plans[0].versions[0].commission = section.commission  # the role pays 10% too
    outcome = payout_cost(sales, section, month="2026-03", rules=rule_history(history, reps, section))
    assert outcome.parts["guarantee"][0] == pytest.approx(1_000.0)
    assert outcome.cost[0] == pytest.approx(1_500.0)

"""The incentives section of the plan: the documented example loads, and each invalid plan is refused
with a message naming the broken rule and its fix, at the line of plan.yaml it came from."""

from __future__ import annotations

import textwrap

import pytest
from ruamel.yaml import YAML

from salesplan_widgets.errors import PlanError
from salesplan_widgets.schema import incentives as schema
from salesplan_widgets.workbook.plan import parse_plan

HEAD = """\
name: Fixture Co
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep}
"""


def plan_text(incentives: dict) -> str:
    import io

    buf = io.StringIO()
    YAML().dump({"incentives": incentives}, buf)
    return HEAD + buf.getvalue()


def refused(incentives: dict) -> str:
    with pytest.raises(PlanError) as err:
        parse_plan(plan_text(incentives))
    return str(err.value)


def test_an_empty_section_is_a_valid_plan_that_pays_nothing():
    plan, _ = parse_plan(HEAD + "incentives: {}\n")
    assert plan.incentives.commission.base_rate == 0
    assert plan.incentives.measurement == "monthly"


def test_the_documented_example_is_a_valid_plan():
    doc = schema.__doc__.split("Example", 1)[1].split("::", 1)[1]
    plan, _ = parse_plan(HEAD + textwrap.dedent(doc))
    inc = plan.incentives
    assert [b.rate for b in inc.commission.tiers.bands] == [0.04, 0.06, 0.08]
    assert inc.crediting[0].shares == {"Wang Fang": 0.6, "Li Wei": 0.4}


def bands(*edges):
    return {"commission": {"tiers": {"bands": [dict(e) for e in edges]}}}


@pytest.mark.parametrize(
    ("incentives", "words"),
    [
        (bands({"at_least": 0, "below": 1, "rate": 0.05}, {"at_least": 1.1, "rate": 0.08}),
         ["tiers rule", "gap", "band 2", "at_least' to 1"]),
        (bands({"at_least": 0, "below": 1.2, "rate": 0.05}, {"at_least": 1, "rate": 0.08}),
         ["tiers rule", "overlaps", "at_least' to 1.2"]),
        (bands({"at_least": 0.2, "rate": 0.05}), ["tiers rule", "start at 0", "threshold"]),
        (bands({"at_least": 0, "below": 1, "rate": 0.05}), ["tiers rule", "last band", "remove 'below'"]),
        (bands({"at_least": 0, "rate": 0.05}, {"at_least": 1, "rate": 0.08}),
         ["tiers rule", "no upper edge", "below: 1"]),
        (bands({"at_least": 0, "below": 0, "rate": 0.05}, {"at_least": 0, "rate": 0.08}),
         ["tiers rule", "must end above"]),
        ({"commission": {"threshold": 0.5, "caps": {"attainment": 0.4}}},
         ["cap rule", "threshold", "raise caps.attainment"]),
        ({"commission": {"accelerators": [{"at_least": 1, "multiplier": 1.5}, {"at_least": 1.2, "multiplier": 2}]}},
         ["accelerator rule", "overlap", "below: 1.2"]),
        ({"commission": {"accelerators": [{"at_least": 1, "below": 0.8, "multiplier": 1.5}]}},
         ["accelerator rule", "'below'"]),
        ({"commission": {"overrides": [{"rate": 0.05}]}}, ["rate override rule", "segment, channel or product"]),
        ({"crediting": [{"rep": "Wang", "shares": {"Wang": 0.6, "Li": 0.3}}]},
         ["crediting rule", "90%", "sum to 1"]),
        ({"crediting": [{"rep": "Wang", "shares": {"Wang": 1.2, "Li": -0.2}}]}, ["crediting rule", "negative"]),
        ({"crediting": [{"rep": "Wang", "shares": {"Wang": 1}}, {"rep": "Wang", "shares": {"Li": 1}}]},
         ["crediting rule", "split twice"]),
        ({"target_incentive": {"amount": 100, "curve": [{"attainment": 1, "payout": 1}, {"attainment": 0.5, "payout": 0}]}},
         ["payout curve rule", "rising attainment"]),
        ({"target_incentive": {"amount": 100}}, ["payout curve rule", "needs a curve"]),
        ({"spifs": [{"name": "Push", "rate": 0.01, "start": "2026-10", "end": "2026-09"}]}, ["SPIF rule", "swap"]),
        ({"relief": [{"rep": "Zhao"}]}, ["relief rule", "'joined' or 'left'"]),
        ({"relief": [{"rep": "Zhao", "joined": "2026-10-01", "left": "2026-09-01"}]}, ["relief rule", "leaves before"]),
        ({"milestones": [{"name": "H1", "by": "2026-13", "share": 0.5}]}, ["incentives.milestones.0.by"]),
        ({"measurement": "weekly"}, ["incentives.measurement"]),
        ({"commission": {"bands": []}}, ["no key 'incentives.commission.bands'"]),
    ],
)  # fmt: skip
def test_invalid_plans_are_refused_with_the_rule_and_the_fix(incentives, words):
    message = refused(incentives)
    for word in words:
        assert word in message, message


def test_the_error_points_at_the_line_of_the_broken_rule():
    with pytest.raises(PlanError) as err:
        parse_plan(plan_text({"crediting": [{"rep": "Wang", "shares": {"Wang": 0.5}}]}))
    problem = err.value.first
    assert problem.column.startswith("incentives.crediting.0")
    assert problem.row is not None and problem.row > HEAD.count("\n")

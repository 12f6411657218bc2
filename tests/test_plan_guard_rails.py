"""Guard rails in the plan file: nonsense that used to be accepted silently is refused with its fix, in the
plan's own language."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from ruamel.yaml import YAML

from salesplan_widgets.errors import PlanError
from salesplan_widgets.i18n import get_locale
from salesplan_widgets.model.commission import payout
from salesplan_widgets.workbook.plan import parse_plan

HEAD = """\
name: Fixture Co
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
"""


def plan_text(incentives: dict, locale: str = "en") -> str:
    buf = io.StringIO()
    YAML().dump({"incentives": incentives}, buf)
    return HEAD.format(locale=locale) + buf.getvalue()


def refused(incentives: dict, locale: str = "en") -> PlanError:
    with pytest.raises(PlanError) as err:
        parse_plan(plan_text(incentives, locale))
    return err.value


BANDS = [{"at_least": 0, "below": 1.0, "rate": 0.05}, {"at_least": 1.0, "rate": 0.10}]


@pytest.mark.parametrize(
    ("incentives", "column", "words"),
    [
        ({"commission": {"base_rate": 5}}, "incentives.commission.base_rate", ["500% of sales", "write 0.05 for 5%"]),
        ({"commission": {"tiers": {"bands": [{"at_least": 0, "rate": 5}]}}},
         "incentives.commission.tiers.bands.0.rate", ["write 0.05 for 5%"]),
        ({"commission": {"overrides": [{"segment": "A", "rate": 8}]}},
         "incentives.commission.overrides.0.rate", ["write 0.08 for 8%"]),
        ({"spifs": [{"name": "Push", "rate": 2, "start": "2026-09", "end": "2026-10"}]},
         "incentives.spifs.0.rate", ["write 0.02 for 2%"]),
        ({"commission": {"threshold": 50}}, "incentives.commission.threshold", ["5000% of quota", "write 0.5 for 50%"]),
        ({"commission": {"tiers": {"bands": [{"at_least": 0, "below": 100, "rate": 0.05},
                                             {"at_least": 100, "rate": 0.1}]}}},
         "incentives.commission.tiers", ["10000% of quota", "write 1 for 100%"]),
        ({"commission": {"accelerators": [{"at_least": 120, "multiplier": 1.5}]}},
         "incentives.commission.accelerators.0.at_least", ["write 1.2 for 120%"]),
        ({"commission": {"tiers": {"bands": []}}}, "incentives.commission.tiers",
         ["band list is empty", "remove 'bands' to pay the base rate"]),
        ({"commission": {"tiers": {"bands": BANDS}, "threshold": 1.05,
                         "accelerators": [{"at_least": 1.0, "multiplier": 1.5}]}},
         "incentives.commission", ["threshold (105%) lies above the first accelerator (100%)"]),
    ],
)  # fmt: skip
def test_silently_accepted_nonsense_is_refused_with_its_fix(incentives, column, words):
    problem = refused(incentives).first
    assert problem.column == column
    for word in words:
        assert word in problem.expected, problem.expected


def test_money_edges_above_ten_are_fine_on_an_amount_basis():
    plan, _ = parse_plan(
        plan_text({"commission": {"tiers": {"basis": "amount", "bands": [
            {"at_least": 0, "below": 100_000, "rate": 0.05}, {"at_least": 100_000, "rate": 0.1}]}}})
    )  # fmt: skip
    assert plan.incentives.commission.tiers.bands[1].at_least == 100_000


def test_leaving_out_the_bands_pays_the_base_rate_on_all_sales():
    plan, _ = parse_plan(plan_text({"commission": {"base_rate": 0.05}}))
    assert payout(plan.incentives, [1_000.0], [500.0]).tolist() == [50.0]


def test_a_decelerator_below_the_threshold_is_allowed():
    plan, _ = parse_plan(
        plan_text(
            {
                "commission": {
                    "threshold": 0.5,
                    "accelerators": [{"at_least": 0, "below": 0.8, "multiplier": 0.5}],
                }
            }
        )
    )
    assert plan.incentives.commission.threshold == 0.5


def test_a_chinese_plans_errors_are_in_chinese_whatever_the_active_language():
    assert get_locale() == "en"
    error = refused({"commission": {"base_rate": 5}}, locale="zh_CN")
    text = str(error.first)
    assert "费率规则" in text and "0.05" in text
    assert "expected" not in text and "Fix" not in text  # the frame of the message is Chinese too
    assert get_locale() == "en"  # validating a Chinese plan does not switch the caller's language


def test_pydantic_checks_are_translated_for_a_chinese_plan():
    text = str(refused({"measurement": "weekly"}, locale="zh_CN").first)
    assert "以下之一" in text and "Input should be" not in text
    text = str(refused({"commission": {"caps": {"payout": -5}}}, locale="zh_CN").first)
    assert "大于 0 的数字" in text


def test_validate_prints_a_chinese_plans_errors_in_chinese(tmp_path):
    (tmp_path / "plan.yaml").write_text(
        plan_text({"commission": {"threshold": 50}}, "zh_CN"), encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "达成率规则" in done.stderr and "0.5" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr

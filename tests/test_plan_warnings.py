"""Warnings `salesplan validate` lists: payout cliffs (payout falling as attainment rises) and credit splits
naming reps who are not in the data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.plan_checks import payout_cliffs
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.plan_warnings import plan_warnings

FALLING_BANDS = [{"at_least": 0, "below": 1.0, "rate": 0.10}, {"at_least": 1.0, "rate": 0.05}]


def section(**settings_) -> IncentivesSection:
    return IncentivesSection.model_validate(settings_)


def test_a_retroactive_band_with_a_lower_rate_is_a_cliff():
    cliffs = payout_cliffs(section(commission={"tiers": {"mode": "retroactive", "bands": FALLING_BANDS}}))
    assert len(cliffs) == 1
    cliff = cliffs[0]
    # just below 100% of 100,000: ~10,000 at 10%; at 100%: 100,000 × 5% = 5,000
    assert cliff.attainment == pytest.approx(1.0)
    assert cliff.before == pytest.approx(10_000, abs=0.02) and cliff.after == pytest.approx(5_000)


def test_the_same_bands_marginal_have_no_cliff():
    assert payout_cliffs(section(commission={"tiers": {"mode": "marginal", "bands": FALLING_BANDS}})) == []


def test_a_payout_curve_that_turns_down_is_a_cliff():
    curve = [
        {"attainment": 0.5, "payout": 0},
        {"attainment": 1.0, "payout": 1.0},
        {"attainment": 1.5, "payout": 0.5},
    ]
    cliffs = payout_cliffs(section(target_incentive={"amount": 10_000, "curve": curve}))
    assert [round(c.attainment, 2) for c in cliffs] == [1.0]
    assert cliffs[0].before == pytest.approx(10_000, rel=1e-3)


def test_the_demo_plan_has_no_cliff():
    from salesplan_widgets.demo import LABELS, _incentives_section

    assert payout_cliffs(_incentives_section(2026, LABELS["en"])) == []


@given(rates=st.lists(st.floats(0, 1), min_size=1, max_size=5), threshold=st.floats(0, 1.0))
@settings(max_examples=40, deadline=None)
def test_marginal_tiers_never_have_a_cliff(rates, threshold):
    bands = [
        {"at_least": i * 0.5, "rate": r} | ({"below": (i + 1) * 0.5} if i < len(rates) - 1 else {})
        for i, r in enumerate(rates)
    ]
    assert payout_cliffs(section(commission={"tiers": {"bands": bands}, "threshold": threshold})) == []


PLAN = """\
name: Fixture Co
locale: {locale}
sources:
  sales:
    path: sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
incentives:
  commission:
    tiers: {{mode: retroactive, bands: [{{at_least: 0, below: 1.0, rate: 0.1}}, {{at_least: 1.0, rate: 0.05}}]}}
  crediting: [{{rep: Wang, shares: {{Wang: 0.5, Lii: 0.5}}}}, {{rep: Zhou, shares: {{Li: 1.0}}}}]
  plans:
    - id: kam
      name: KAM
      versions:
        - {{effective: 2026-01, commission: {{base_rate: 0.05}}}}
        - {{effective: 2026-07, commission: {{tiers: {{mode: retroactive, bands: [{{at_least: 0, below: 1.2, rate: 0.08}}, {{at_least: 1.2, rate: 0.06}}]}}}}}}
  assignments: [{{rep: Li, plan: kam}}, {{rep: Wnag, plan: kam, start: 2026-03-01}}]
"""


def workbook(folder: Path, locale: str = "en") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sales.csv").write_text(
        "date,amount,rep\n2026-01-05,1000,Wang\n2026-01-09,500,Li\n2026-02-03,700,Wang\n", encoding="utf-8"
    )
    (folder / "plan.yaml").write_text(PLAN.format(locale=locale), encoding="utf-8")
    return folder


def test_credit_shares_naming_reps_not_in_the_data_are_listed(tmp_path):
    warnings = plan_warnings(open_workbook(workbook(tmp_path)))
    found = sorted((w.column, w.found) for w in warnings if w.found is not None)
    assert found == [
        ("incentives.assignments[1]", "Wnag"),
        ("incentives.crediting[0].shares", "Lii"),
        ("incentives.crediting[1]", "Zhou"),
    ]
    cliffs = [w.column for w in warnings if "cliff" in w.expected]
    assert cliffs == ["incentives.commission", "incentives.plans[0].versions[1].commission"]


def _validate(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", "validate", str(folder)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_validate_lists_the_warnings_with_their_fix_and_still_passes(tmp_path):
    done = _validate(workbook(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("- warning:")]
    assert len(lines) == 5, done.stderr
    assert any("Lii" in line and "Fix: check the spelling" in line for line in lines)
    assert any("falls from 10,000 to 5,000 at 100% attainment" in line for line in lines), lines


def test_validate_warns_in_the_plans_language(tmp_path):
    done = _validate(workbook(tmp_path, "zh_CN"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("- 警告：") == 5 and "断崖" in done.stderr, done.stderr

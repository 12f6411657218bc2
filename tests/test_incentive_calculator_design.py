"""The open incentive calculator pays the design on screen and follows plan.yaml.

1. A rule typed in the widget and not saved that needs more of the data than the saved plan (a deal-size
   kicker's deal facts, a new-logo bonus's first orders) pays on the statement, the payment lines, the
   estimator and the simulation exactly what it pays once saved; moving a rate reads nothing again.
2. plan.yaml saved elsewhere (another Workbook object, or a real write of the file as an editor or a
   `git pull` does) shows at the next redraw: in the controls when the analyst has no unsaved edits; beside
   their edits, with a notice, when they have, and their save is then refused by the version check.

The workbook is tests/test_estimator_rules.py's: 10% commission, Chen's 1,000 recoverable draw (recovery
capped at 300), a 30-day clawback window, 20% held to the quarter end, January closed; quotas 1,000 a
month. February: Chen sold C2 (5,000); Li sold L2 (6,000) and returned 4,000 of L1."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest
from test_estimator_rules import SALES, make_workbook
from test_incentive_calculator_data import payout_of, write_sales

import salesplan_widgets.widgets.incentive_calculator as calculator
from salesplan_widgets.schema.incentives import DealKicker, NewLogo
from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator
from salesplan_widgets.workbook import open_workbook


@pytest.fixture
def folder(tmp_path) -> Path:
    return make_workbook(tmp_path)


def lines_of(calc: IncentiveCalculator, component: str) -> list[float]:
    table = calc.statement_table
    return table.loc[table["component"] == component, "amount"].tolist()


def shown(calc: IncentiveCalculator) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """What the statement tab shows for the rep: statement lines, payment lines, and the panel."""
    return calc.statement_table.reset_index(drop=True), calc.payment_table, calc.statement_panel.value


def pays_the_same_once_saved(calc: IncentiveCalculator, folder: Path) -> None:
    """The design's statement tab before its save equals the same widget's after it and a new widget's on
    the plan as saved (read afresh from plan.yaml)."""
    before = shown(calc)
    assert calc.save()
    reopened = IncentiveCalculator(folder, period=calc.period, rep=calc.rep)
    for after in (shown(calc), shown(reopened)):
        pd.testing.assert_frame_equal(after[0], before[0])
        pd.testing.assert_frame_equal(after[1], before[1])
        assert after[2] == before[2]


def test_a_kicker_typed_in_the_widget_pays_on_the_statement_what_it_pays_once_saved(folder):
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    assert lines_of(calc, "deal_kicker") == []
    calc.section = calc.saved.model_copy(update={"deal_kicker": DealKicker(at_least=5_000, bonus=100)})
    # not saved: Chen's C2 of 5,000 earns the 100 bonus beside 5,000 × 10%
    assert lines_of(calc, "deal_kicker") == [100.0]
    assert payout_of(calc, "Chen") == 600.0
    assert payout_of(calc, "Li") == 300.0  # (6,000 − L1's 4,000 returned) × 10% + L2 of 6,000
    assert calc.payment_table.set_index("kind").loc["payment", "amount"] == 600.0
    pays_the_same_once_saved(calc, folder)


def test_a_new_logo_bonus_typed_in_the_widget_pays_what_it_pays_once_saved(folder):
    plan = folder / "plan.yaml"  # each order its own account: C2 and L2 are February's new logos
    plan.write_text(plan.read_text().replace("deal: order_no}", "deal: order_no, account: order_no}"))
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    calc.section = calc.saved.model_copy(update={"new_logo": NewLogo(bonus=50)})
    assert lines_of(calc, "new_logo") == [50.0]
    assert payout_of(calc, "Chen") == 550.0  # 5,000 × 10% + one new account
    pays_the_same_once_saved(calc, folder)


def test_a_deal_split_typed_in_the_widget_credits_what_it_credits_once_saved(folder):
    from salesplan_widgets.schema.incentives import CreditSplit

    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    split = CreditSplit(deal="C2", shares={"Chen": 0.5, "Li": 0.5})
    calc.section = calc.saved.model_copy(update={"crediting": [split]})
    assert payout_of(calc, "Chen") == 250.0  # half of C2's 5,000 × 10%
    assert payout_of(calc, "Li") == 450.0  # February's 2,000 net + half of C2: 4,500 × 10%
    pays_the_same_once_saved(calc, folder)


def test_a_clawback_typed_in_the_widget_recovers_the_returns_it_will_once_saved(folder):
    from salesplan_widgets.schema.incentives import Clawback

    plan = folder / "plan.yaml"  # the saved plan without a clawback: no returns read for it
    plan.write_text(plan.read_text().replace("  clawback: {window_days: 30}\n", ""), encoding="utf-8")
    calc = IncentiveCalculator(folder, period="2026-02", rep="Li")
    assert "clawback" not in set(calc.payment_table["kind"])
    calc.section = calc.saved.model_copy(update={"clawback": Clawback(window_days=30)})
    # L1 sold on 10 January (closed, 10% paid), 4,000 returned 26 days later: inside the window
    assert calc.payment_table.set_index("kind").loc["clawback", "amount"] == -400.0
    pays_the_same_once_saved(calc, folder)


def test_the_estimator_and_the_simulation_pay_the_designs_kicker_and_the_saved_plan_none(folder):
    december = [("2025-12-10", 3000, "Chen", "C0"), ("2025-12-11", 8000, "Li", "L0")]
    write_sales(folder, [*december, *SALES])  # three months: enough history to draw March from
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    calc.section = calc.saved.model_copy(update={"deal_kicker": DealKicker(at_least=5_000, bonus=100)})
    calc.extra = 1_000
    assert calc.run_estimate().payout_now == 600.0  # the statement's 600, kicker included
    table = calc.simulate(draws=200).set_index("design")
    # the design's kicker is costed from its deal facts; the saved plan has none
    assert table.loc["Design", "deal_kicker"] > 0 and table.loc["Design", "cost_median"] > 0
    assert table.loc["Saved plan", "deal_kicker"] == 0


def test_moving_a_rate_reads_no_data_again(folder, monkeypatch):
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    calc.section = calc.saved.model_copy(update={"deal_kicker": DealKicker(at_least=5_000, bonus=100)})
    calc.simulate(draws=50)
    reads = []
    for name in ("pay_cube", "deal_returns"):
        real = getattr(calculator, name)
        monkeypatch.setattr(calculator, name, lambda *a, _real=real, _name=name, **k: reads.append(_name) or _real(*a, **k))  # fmt: skip
    cube = calc.cube
    calc.base_rate_control.value = 12.0
    assert payout_of(calc, "Chen") == 700.0  # 5,000 × 12% + the kicker's 100
    calc.set_bands([(0, 12), (100, 15)])
    calc.run_estimate()
    calc.simulate(draws=50)
    assert reads == [] and calc.cube is cube
    calc.section = calc.section.model_copy(update={"deal_kicker": DealKicker(at_least=4_000, bonus=100)})
    assert reads == ["pay_cube"]  # a new deal size is another count of the deals


def test_a_design_whose_data_cannot_be_read_is_a_located_message_in_every_tab(folder):
    """Commission on cash collected typed in a workbook without receipts: the statement, the estimator
    and the simulation each say what is missing and how to fix it; nothing raises."""
    from salesplan_widgets.schema.incentives import Collections

    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    calc.section = calc.saved.model_copy(update={"collections": Collections(rate=0.03)})
    missing = "expected a 'receipts' source in the plan. Fix: add sources.receipts with its path and columns"
    assert missing in calc.message and "salesplan-error" in calc.message_panel.value
    shown = html.escape(missing)  # as the panels show it
    assert calc.run_estimate() is None and shown in calc.estimate_panel.value
    assert calc.simulate(draws=20).empty and shown in calc.simulation_panel.value
    calc.section = calc.saved  # back to a design the data can pay
    assert calc.run_estimate().payout_now == 500.0


def save_elsewhere(folder: Path, base_rate: float) -> None:
    """Another analyst's save of the plan, through the workbook's own version-checked save."""
    other = open_workbook(folder)
    section = other.plan.incentives
    commission = section.commission.model_copy(update={"base_rate": base_rate})
    other.save(incentives=section.model_copy(update={"commission": commission}))


def test_a_plan_saved_elsewhere_shows_in_a_widget_without_edits_at_the_next_month_change(folder):
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    save_elsewhere(folder, 0.12)
    calc.period_control.value = "2026-01"
    assert calc.base_rate_control.value == 12.0 and calc.section.commission.base_rate == 0.12
    assert calc.saved.commission.base_rate == 0.12
    assert calc.curve_table.set_index("attainment").loc[1.0, "saved"] == pytest.approx(120.0)  # 12% of 1,000
    assert payout_of(calc, "Chen") == 240.0  # January's 2,000 × 12%
    assert calc.message == ""
    calc.base_rate_control.value = 15.0
    assert calc.save()  # the widget holds the version it showed: its save goes through
    assert open_workbook(folder).plan.incentives.commission.base_rate == 0.15


def test_edits_are_kept_when_plan_yaml_is_written_outside_and_their_save_is_refused(folder):
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    calc.base_rate_control.value = 15.0  # an unsaved edit
    plan = folder / "plan.yaml"  # a real write of the file, as an editor or `git pull` makes it
    plan.write_text(plan.read_text().replace("base_rate: 0.10", "base_rate: 0.12"), encoding="utf-8")
    calc.refresh()
    assert calc.base_rate_control.value == 15.0 and payout_of(calc, "Chen") == 750.0  # 5,000 × 15%
    assert calc.saved.commission.base_rate == 0.12
    assert calc.curve_table.set_index("attainment").loc[1.0, "saved"] == pytest.approx(120.0)
    assert calc.message.startswith("The saved plan changed on disk (saved elsewhere)")
    calc.threshold_control.value = 0.0  # the notice stays while the edits do
    assert "The saved plan changed on disk" in calc.message_panel.value
    assert not calc.save()
    assert "was changed by someone else since you opened it; your changes were not saved" in calc.message
    assert "“Load the saved plan”" in calc.message
    assert "base_rate: 0.12" in plan.read_text()  # the other change is not overwritten
    calc.load_saved_button.click()  # the button beside "Save to plan"
    assert calc.base_rate_control.value == 12.0 and payout_of(calc, "Chen") == 600.0
    assert calc.message == ""
    calc.base_rate_control.value = 15.0  # re-applied to the plan as saved now
    assert calc.save()
    assert open_workbook(folder).plan.incentives.commission.base_rate == 0.15


def test_a_plan_yaml_put_back_as_it_was_read_lifts_the_notice_and_the_edits_save(folder):
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    calc.base_rate_control.value = 15.0
    plan = folder / "plan.yaml"
    text = plan.read_text()
    plan.write_text(text.replace("base_rate: 0.10", "base_rate: 0.12"), encoding="utf-8")
    calc.refresh()
    assert calc.saved.commission.base_rate == 0.12 and "changed on disk" in calc.message
    plan.write_text(text, encoding="utf-8")  # `git checkout plan.yaml`: the version the widget read
    calc.refresh()
    assert calc.saved.commission.base_rate == 0.10 and calc.message == ""
    assert calc.base_rate_control.value == 15.0  # the edits stay
    assert calc.save()
    assert open_workbook(folder).plan.incentives.commission.base_rate == 0.15


def test_the_plan_changed_notice_is_in_chinese_for_a_chinese_workbook(tmp_path):
    folder = make_workbook(tmp_path, locale="zh_CN")
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    calc.base_rate_control.value = 15.0
    save_elsewhere(folder, 0.12)
    calc.refresh()
    assert calc.message.startswith("磁盘上保存的计划已被更改")
    assert not calc.save()
    assert "“加载已保存的计划”" in calc.message


def test_a_plan_yaml_that_cannot_be_read_is_a_message_and_the_plan_read_before_stays(folder):
    calc = IncentiveCalculator(folder, period="2026-02", rep="Chen")
    plan = folder / "plan.yaml"
    text = plan.read_text()
    plan.write_text(text.replace("base_rate: 0.10", "base_rate: lots"), encoding="utf-8")
    calc.refresh()
    assert calc.message.startswith("plan.yaml changed on disk but cannot be read")
    assert "plan.yaml, row 10, column 'incentives.commission.base_rate'" in calc.message
    assert "salesplan-error" in calc.message_panel.value
    assert payout_of(calc, "Chen") == 500.0 and calc.base_rate_control.value == 10.0
    plan.write_text(text, encoding="utf-8")  # the file mended
    calc.refresh()
    assert calc.message == "" and calc.message_panel.value == ""

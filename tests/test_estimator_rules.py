"""The estimator's "if I close X more" through the cash rules beside commission: what is earned and what is
paid when. A real workbook (CSV sales, targets, a ledger closed through the CLI) with a recoverable draw
capped at 300 a month, a 30-day clawback window, a 20% quarterly holdback and a manual line; every figure
is worked out by hand beside its assertion (the rules as in tests/test_ledger_rules_scenario.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesplan_widgets.cli import main
from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import set_locale
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.estimator import estimate_payments, release_period
from salesplan_widgets.model.ledger_lines import no_lines
from salesplan_widgets.schema.incentives import Holdback, IncentivesSection
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.adjustments import read_adjustments
from salesplan_widgets.workbook.ledger import read_ledger
from salesplan_widgets.workbook.payouts import incentives_of, load_quotas, pay_cube
from salesplan_widgets.workbook.returns import deal_returns

PLAN = """\
name: Estimator Co
currency: CNY
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, deal: order_no}}
incentives:
  measurement: monthly
  commission: {{base_rate: 0.10}}
  draws: [{{rep: Chen, kind: {draw}, amount: 1000, start: 2026-01, end: 2026-03, recovery_cap: 300}}]
  clawback: {{window_days: 30}}
  holdback: {{share: 0.2, release: quarter}}
"""
SALES = [
    ("2026-01-12", 2000, "Chen", "C1"), ("2026-02-12", 5000, "Chen", "C2"),
    ("2026-01-10", 10000, "Li", "L1"), ("2026-02-05", -4000, "Li", "L1"),  # 26 days: clawed back
    ("2026-02-15", 6000, "Li", "L2"),
]  # fmt: skip


def make_workbook(tmp_path, locale: str = "en", draw: str = "recoverable", grain: str = "month"):
    wb = tmp_path / "wb"
    (wb / "data").mkdir(parents=True)
    pd.DataFrame(SALES, columns=["date", "amount", "rep", "order_no"]).to_csv(
        wb / "data" / "sales.csv", index=False
    )
    plan = PLAN.format(locale=locale, draw=draw)
    if grain != "month":  # the plan paid by month, its targets and cube by the calendar's periods
        plan = plan.replace("currency: CNY\n", f"currency: CNY\ncalendar: {{grain: {grain}}}\n")
    (wb / "plan.yaml").write_text(plan, encoding="utf-8")
    workbook = open_workbook(wb)
    periods = FiscalCalendar.of(workbook.plan.calendar).year_periods(2026)
    workbook.write_table(
        "targets",
        pd.DataFrame([(p, r, 12_000.0 / len(periods)) for p in periods for r in ("Chen", "Li")],
                     columns=["period", "rep", "target"]),
    )  # fmt: skip
    for step in ([], ["--approve"], ["--close"]):  # January closed: Chen's draw balance is 840
        assert main(["payouts", str(wb), "--period", "2026-01", *step]) == 0
    return wb


def estimate(wb, rep: str, extra: float, section: IncentivesSection | None = None):
    workbook = open_workbook(wb)
    section = section or incentives_of(workbook)
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    return estimate_payments(
        section,
        calendar.in_months(pay_cube(workbook, section)),
        calendar.in_months(load_quotas(workbook).table),
        read_ledger(workbook).lines,
        "2026-02",
        rep,
        extra,
        currency="CNY",
        returns=deal_returns(workbook, section, False),
        manual=read_adjustments(workbook),
    )


def line(e, kind: str, column: str = "increment") -> float:
    return float(e.lines.loc[e.lines["kind"] == kind, column].sum())


def test_a_draw_advance_shrinks_as_commission_grows_so_pay_stays_at_the_draw(tmp_path):
    e = estimate(make_workbook(tmp_path), "Chen", 3_000)
    # Now: 500 earned, 100 held, 400 paid so far < the 1,000 draw: 600 advanced, 1,000 paid.
    # Then: 800 earned, 160 held (paid at the quarter end, March), 640 paid so far: 360 advanced, still 1,000.
    assert (e.earned_now, e.earned_then) == (500.0, 800.0)
    assert (e.paid_now, e.paid_then) == (1000.0, 1000.0)
    assert (e.held_now, e.held_then) == (100.0, 160.0)
    assert e.release_period == pd.Period("2026-03", "M")
    assert line(e, "draw", "now") == 600.0 and line(e, "draw", "then") == 360.0
    assert (e.draw_balance_now, e.draw_balance_then) == (1440.0, 1200.0)  # 840 from January + the advance


def test_a_draw_balance_is_recovered_first_up_to_the_plans_cap(tmp_path):
    e = estimate(make_workbook(tmp_path), "Chen", 20_000)
    # Then: 2,500 earned, 500 held, 2,000 paid so far: 1,000 above the draw, of which at most 300 recovers
    # the 840 balance; paid 1,700, i.e. 700 more than now, and 400 more held until March.
    assert e.earned_increment == 2_000.0
    assert line(e, "draw_recovery", "then") == -300.0 and line(e, "draw", "then") == 0.0
    assert e.paid_then == 1_700.0 and e.paid_increment == 700.0
    assert e.held_increment == 400.0
    assert e.draw_balance_then == 540.0


def test_a_guarantee_is_topped_up_and_never_recovered(tmp_path):
    wb = make_workbook(tmp_path, draw="non_recoverable")  # January: 840 topped up, nothing to recover
    small, big = estimate(wb, "Chen", 3_000), estimate(wb, "Chen", 20_000)
    # 3,000 more: 640 paid so far, topped up by 360 to the guaranteed 1,000.
    assert line(small, "guarantee", "then") == 360.0 and small.paid_then == 1_000.0
    # 20,000 more: 2,000 paid so far, above the guarantee: no top-up, and no recovery of anything.
    assert line(big, "guarantee", "then") == 0.0 and line(big, "draw_recovery", "then") == 0.0
    assert big.paid_then == 2_000.0 and big.draw_balance_then == 0.0


def test_the_clawback_and_manual_lines_stay_in_the_estimate_beside_the_extra_commission(tmp_path):
    wb = make_workbook(tmp_path)
    assert main(["payouts", str(wb), "--period", "2026-02", "--adjust", "Li", "120", "--reason",
                 "Trade-show bonus", "--approver", "Sales director"]) == 0  # fmt: skip
    e = estimate(wb, "Li", 1_000)
    # L1's 4,000 returned after 26 days: 4,000 × 10% paid for January = 400 clawed back, now and then.
    assert line(e, "clawback", "now") == line(e, "clawback", "then") == -400.0
    assert line(e, "manual", "then") == 120.0
    # Then: L2 600 + 100 more = 700 earned; 20% of (700 − 400) = 60 held; paid 700 − 400 − 60 + 120 = 360.
    assert e.earned_then == 700.0 and e.held_then == 60.0 and e.paid_then == 360.0
    rules = " ".join(e.lines["rule"])
    assert "Clawback of deal L1" in rules and "Trade-show bonus" in rules and "Holdback" in rules


def test_the_estimate_names_the_cash_rules_in_chinese(tmp_path):
    set_locale("zh_CN")
    try:
        e = estimate(make_workbook(tmp_path, locale="zh_CN"), "Chen", 20_000)
        rules = " ".join(e.lines["rule"])
        assert "暂扣" in rules  # the holdback line
        assert "预支扣回" in rules  # the draw recovery line
    finally:
        set_locale("en")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    share=st.sampled_from([0.1, 0.25, 0.5]),
    sales=st.integers(0, 50_000),
    extra=st.integers(0, 50_000),
)
def test_held_now_plus_paid_now_is_what_is_earned(share, sales, extra):
    """Without draws or clawbacks, a holdback only moves pay in time: paid + held later = earned, to the cent."""
    section = IncentivesSection.model_validate(
        {"commission": {"base_rate": 0.07}, "holdback": {"share": share, "release": "year"}}
    )
    cube = pd.DataFrame({"period": pd.PeriodIndex(["2026-05"], freq="M"), "rep": ["Li"], "team": ["all"],
                         "actual": [float(sales)]})  # fmt: skip
    quotas = pd.DataFrame({"period": pd.PeriodIndex(["2026-05"], freq="M"), "rep": ["Li"], "target": [1e4]})
    e = estimate_payments(section, cube, quotas, no_lines(), "2026-05", "Li", extra)
    assert e.paid_then + e.held_then == pytest.approx(e.earned_then, abs=0.005)
    held_minor = np.round(share * round(e.earned_then * 100))  # the holdback rounds in minor units
    assert round(e.held_then * 100) == held_minor
    assert e.release_period == pd.Period("2026-12", "M")


def test_release_period_is_the_next_fiscal_quarter_end():
    rule = Holdback(share=0.3, release="quarter")
    assert release_period(rule, pd.Period("2026-04", "M"), fiscal_year_start=4) == pd.Period("2026-06", "M")
    assert release_period(rule, pd.Period("2026-06", "M"), fiscal_year_start=4) == pd.Period("2026-09", "M")
    assert release_period(None, pd.Period("2026-06", "M")) is None


def test_a_closed_period_is_refused_with_a_message_not_re_estimated(tmp_path):
    wb = make_workbook(tmp_path)
    workbook = open_workbook(wb)
    section = incentives_of(workbook)
    with pytest.raises(SalesplanError, match="2026-01 is closed"):
        estimate_payments(section, pay_cube(workbook, section), load_quotas(workbook).table,
                          read_ledger(workbook).lines, "2026-01", "Chen", 1_000)  # fmt: skip

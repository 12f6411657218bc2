"""The incentive calculator driven headlessly: edits re-pay the statements, bad bands are refused with the
rule, the estimator and simulation answer from the model, and saving writes the plan (or says why not)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_payouts_export import write_workbook

from salesplan_widgets.cli import main
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.report import blocks
from salesplan_widgets.testing import launch_chromium
from salesplan_widgets.widgets.incentive_calculator import IncentiveCalculator
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import load_quotas


@pytest.fixture
def calculator(tmp_path):
    folder = write_workbook(tmp_path / "wb")
    return IncentiveCalculator(folder, period="2026-10", rep="Li")


def test_statement_shown_is_the_models_and_reconciles(calculator):
    wb = calculator.workbook
    expected = payout_statements(
        wb.plan.incentives, wb.cube(), load_quotas(wb).table, "2026-10", "CNY"
    ).statement("Li")
    shown = calculator.statement_table
    assert shown["amount"].tolist() == expected["amount"].tolist()
    payout = calculator.statements.reps.set_index("rep").loc["Li", "payout"]
    assert shown["amount"].sum() == pytest.approx(payout)
    assert "Li" in calculator.statement_panel.value


def test_editing_bands_repays_the_statements_and_moves_the_curve(calculator):
    before = calculator.statements.total
    calculator.set_bands([(0, 5), (100, 12)])  # typed as percents
    bands = calculator.section.commission.tiers.bands
    assert [(b.at_least, b.below, b.rate) for b in bands] == [(0.0, 1.0, 0.05), (1.0, None, 0.12)]
    assert calculator.statements.total > before
    assert calculator.design_line.y[-1] == pytest.approx(calculator.curve_table["design"].iloc[-1])
    calculator.mode_control.value = "retroactive"
    assert calculator.section.commission.tiers.mode == "retroactive"


def test_percentages_are_typed_and_shown_as_percents(calculator):
    plan = calculator.saved.commission
    # the fixture plan: bands 3% from 0% and 6% from 100%, threshold 30%, accelerator from 120%
    shown = [(row.at_least.value, row.rate.value) for row in calculator.band_rows.children]
    assert shown == [(0, 3), (100, 6)]
    assert calculator.threshold_control.value == 30 and calculator.accelerator_from_control.value == 120
    assert calculator.band_rows.children[0].until.value == "100%"
    calculator.base_rate_control.value = 5  # 5 means 5%
    assert calculator.section.commission.base_rate == 0.05
    assert [b.rate for b in calculator.section.commission.tiers.bands] == [b.rate for b in plan.tiers.bands]
    calculator.basis_control.value = "amount"
    assert calculator.from_header.value == "From (amount)"


def test_a_retroactive_cliff_is_flagged_in_the_widget(calculator):
    calculator.set_bands([(0, 10), (100, 5)])
    assert "cliff" not in calculator.message  # marginal: each band's rate on its own sales
    calculator.mode_control.value = "retroactive"
    assert calculator.section.commission.tiers.mode == "retroactive"  # flagged, not refused
    assert "cliff" in calculator.message and "at 100% attainment" in calculator.message
    assert "salesplan-notice" in calculator.message_panel.value
    calculator.set_bands([(0, 5), (100, 10)])
    assert calculator.message == ""


def test_an_invalid_band_table_is_refused_with_the_rule(calculator):
    good = calculator.section
    calculator.set_bands([(50, 5), (100, 8)])  # does not start at 0
    assert "tiers rule" in calculator.message and "first band must start at 0" in calculator.message
    assert calculator.section == good
    assert "salesplan-error" in calculator.message_panel.value


def test_estimator_adds_on_top_of_what_is_closed(calculator):
    calculator.extra = 50_000
    estimate = calculator.run_estimate()
    assert estimate.rep == "Li" and estimate.increment > 0
    assert estimate.lines["increment"].sum() == pytest.approx(estimate.increment)
    assert "50,000" in calculator.estimate_panel.value


def test_simulation_compares_design_and_saved_plan_on_the_same_draws(calculator):
    calculator.set_bands([(0, 6), (100, 12)])
    table = calculator.simulate(draws=500, seed=1).set_index("design")
    assert table.loc["Design", "share_at_quota"] == table.loc["Saved plan", "share_at_quota"]
    assert table.loc["Design", "cost_median"] > table.loc["Saved plan", "cost_median"]
    assert sum(calculator.attainment_bars.y) == pytest.approx(1.0)
    assert calculator.simulate(draws=500, seed=1).equals(calculator.simulation_table)


def test_leaderboard_ranks_by_attainment(calculator):
    board = calculator.leaderboard_table
    assert list(board["rank"]) == sorted(board["rank"])
    values = board["value"].tolist()
    assert values == sorted(values, reverse=True)
    assert "Attainment" in calculator.leaderboard_panel.value


def test_save_writes_the_design_into_the_plan(calculator):
    calculator.set_bands([(0, 4), (80, 7)])
    assert calculator.save()
    reread = open_workbook(calculator.workbook.path).plan.incentives
    assert [b.rate for b in reread.commission.tiers.bands] == [0.04, 0.07]
    assert reread.milestones[0].name == "H1"  # the rest of the section is kept


def test_a_conflicting_save_is_a_message_not_a_traceback(calculator):
    other = open_workbook(calculator.workbook.path)
    other.save(incentives=other.plan.incentives.model_copy(update={"cumulative": False}))
    calculator.set_bands([(0, 4)])
    assert calculator.save() is False
    assert "changed by someone else" in calculator.message
    assert open_workbook(calculator.workbook.path).plan.incentives.cumulative is False


def test_works_with_provisional_quotas_before_the_split(tmp_path):
    folder = write_workbook(tmp_path / "wb", targets=False)
    calc = IncentiveCalculator(folder)
    assert calc.provisional and "provisional" in calc.children[1].value
    assert isinstance(calc.statements.reps, pd.DataFrame) and len(calc.statements.reps) == 5


def test_dashboard_shows_the_reports_payout_summary_and_leaderboard(tmp_path):
    from salesplan_widgets.report.incentives import IncentivesReport
    from salesplan_widgets.widgets.incentive_calculator import incentives_dashboard

    folder = write_workbook(tmp_path / "wb")
    view = incentives_dashboard(folder, "2026-10")
    report = IncentivesReport.open(folder, "2026-10")
    html = "".join(child.value for child in view.children)
    # the report's own sections, unchanged but for the shared <style>, which the view carries once
    section = lambda part: str(part).replace(blocks.STYLE, "").strip()  # noqa: E731
    assert section(report.summary()) in html and section(report.leaderboard()) in html
    assert "Champions" in html
    assert html.count("<style>") == 1 and section(report.title()) in html


def test_dashboard_says_when_the_month_has_no_quotas_instead_of_showing_zero_attainment(tmp_path):
    from salesplan_widgets.i18n import fmt_month
    from salesplan_widgets.widgets.incentive_calculator import incentives_dashboard

    folder = write_workbook(tmp_path / "wb")  # quotas for 2026 only; sales from November 2024
    html = "".join(child.value for child in incentives_dashboard(folder, "2025-10").children)
    assert f"No quotas for {fmt_month(2025, 10)}" in html
    assert f"{fmt_month(2026, 1)} – {fmt_month(2026, 12)}" in html and "salesplan-notice" in html
    assert "Payout summary" not in html and "Reps at quota" not in html
    assert "Payout summary" in "".join(c.value for c in incentives_dashboard(folder, "2026-10").children)


def test_the_calculator_builds_its_charts_without_deprecation_warnings(tmp_path):
    import warnings

    folder = write_workbook(tmp_path / "wb")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        calc = IncentiveCalculator(folder, period="2026-10")
    figures = (calc.curve_figure, calc.histogram_figure, calc.cost_figure)
    assert all(figure.axes[1].side == "left" for figure in figures)


def test_dashboard_turns_bad_input_into_a_message(tmp_path):
    from salesplan_widgets.widgets.incentive_calculator import incentives_dashboard

    folder = write_workbook(tmp_path / "wb")
    (folder / "data" / "sales.csv").write_text("nonsense\n1\n", encoding="utf-8")
    view = incentives_dashboard(folder)
    assert "salesplan-error" in view.value and "Traceback" not in view.value


@pytest.mark.browser
def test_served_dashboard_shows_payout_summary_and_leaderboard(tmp_path):
    """The read-only view under Voila in headless Chromium: payout panel and leaderboard, no errors."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook
    from playwright.sync_api import sync_playwright

    from salesplan_widgets.report.incentives import IncentivesReport
    from salesplan_widgets.serve import ServeSettings, free_port, start_voila, stop_voila

    folder = write_workbook(tmp_path / "wb")
    staging = tmp_path / "staging"
    staging.mkdir()
    code = (
        "from salesplan_widgets.widgets.incentive_calculator import incentives_dashboard\n"
        f"incentives_dashboard({str(folder)!r}, '2026-10')"
    )
    notebook = new_notebook(cells=[new_code_cell(code)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, staging / "incentives.ipynb")
    champion = IncentivesReport.open(folder, "2026-10").metrics.sort_values("attainment").iloc[-1]["rep"]
    settings = ServeSettings(port=free_port())
    process = start_voila(staging, settings, timeout=90)
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 1000})
                page.goto(f"http://127.0.0.1:{settings.port}/voila/render/incentives.ipynb", timeout=120_000)
                page.wait_for_selector("text=Recognition", timeout=120_000)
                text = page.inner_text("body")
                assert "Payout summary" in text and "Cost of sales" in text and "Champions" in text
                assert champion in text
                assert page.locator("svg.salesplan-chart").first.is_visible()
                assert page.locator('[data-mime-type*="error"], [data-mime-type*="stderr"]').count() == 0
            finally:
                browser.close()
    finally:
        stop_voila(process)


def test_cap_and_accelerator_controls_shape_the_plan(calculator):
    calculator.accelerator_from_control.value = 110
    calculator.accelerator_control.value = 2.0
    accelerators = calculator.section.commission.accelerators
    assert [(a.at_least, a.multiplier) for a in accelerators] == [(1.1, 2.0)]
    calculator.payout_cap_control.value = 1_000.0
    assert calculator.section.commission.caps.payout == 1_000.0
    # year to date in October: ten periods' caps
    assert calculator.statements.reps["earned"].max() == pytest.approx(10 * 1_000.0)
    calculator.threshold_control.value = 100
    calculator.cap_control.value = 90  # a cap below the threshold is refused, with the rule
    assert "cap rule" in calculator.message
    assert calculator.section.commission.caps.attainment is None


def test_statement_lines_are_explained_in_words(calculator):
    html = calculator.statement_panel.value
    band = calculator.statement_table.query("component == 'band'").iloc[0]
    assert str(band["rule"]) in html
    assert " × " in html and " = " in html


def _with_new_accounts_boards(folder):
    """The workbook's plan with leaderboards on accounts won this month and year to date added."""
    from salesplan_widgets.schema.incentives import Leaderboard

    wb = open_workbook(folder)
    section = wb.plan.incentives
    boards = [
        *section.recognition.leaderboards,
        Leaderboard(name="New accounts", metric="new_accounts", top=3),
        Leaderboard(name="New accounts this year", metric="ytd_new_accounts", top=3),
    ]
    recognition = section.recognition.model_copy(update={"leaderboards": boards})
    wb.save(incentives=section.model_copy(update={"recognition": recognition}))
    return open_workbook(folder)


def test_demo_incentives_report_ranks_reps_by_new_accounts(tmp_path):
    from fixtures.demo_company import copy_demo

    from salesplan_widgets.report.incentives import IncentivesReport
    from salesplan_widgets.widgets.incentive_calculator import incentives_dashboard

    folder = copy_demo(tmp_path / "demo")  # the data of create_demo(end="2026-10")
    wb = _with_new_accounts_boards(folder)
    won = wb.new_accounts()
    october = won[won["period"] == pd.Period("2026-10", "M")].groupby("rep")["new_accounts"].sum()
    assert october.max() > 0  # the demo wins accounts in the month, so the board has a leader
    leaders = october[october == october.max()].index
    report = IncentivesReport.open(folder, "2026-10")
    html = str(report.leaderboard())
    assert "<h3>New accounts</h3>" in html and "<h3>New accounts this year</h3>" in html
    board = html.split("<h3>New accounts</h3>")[1].split("<h3>")[0]
    assert any(str(rep) in board for rep in leaders)
    assert report.metrics.set_index("rep")["new_accounts"].max() == october.max()
    dashboard = "".join(child.value for child in incentives_dashboard(folder, "2026-10").children)
    assert "New accounts" in dashboard and "no metric" not in dashboard
    panel = IncentiveCalculator(folder, period="2026-10").leaderboard_panel.value
    assert "<h4>New accounts</h4>" in panel and "no metric" not in panel
    assert any(str(rep) in panel.split("<h4>New accounts</h4>")[1].split("<h4>")[0] for rep in leaders)


def test_calculator_shows_a_new_accounts_board_or_says_the_data_has_no_accounts(tmp_path):
    # the small workbook maps no account column: the board is named with a notice, not dropped silently
    folder = write_workbook(tmp_path / "wb")
    _with_new_accounts_boards(folder)
    calc = IncentiveCalculator(folder, period="2026-10")
    assert "no metric &#x27;new_accounts&#x27;" in calc.leaderboard_panel.value
    assert "Attainment" in calc.leaderboard_panel.value  # the other boards still show
    from salesplan_widgets.report.incentives import IncentivesReport

    report = str(IncentivesReport.open(folder, "2026-10").leaderboard())
    assert "no metric &#x27;new_accounts&#x27;" in report and "Champions" in report


def test_a_chinese_workbooks_plan_errors_are_shown_in_chinese(tmp_path):
    calc = IncentiveCalculator(write_workbook(tmp_path / "wb", locale="zh_CN"), period="2026-10", rep="Li")
    try:
        calc.base_rate_control.value = 500  # typed as 500%: refused
        assert "费率规则" in calc.message and "salesplan-error" in calc.message_panel.value
        calc.payout_cap_control.value = -5  # pydantic's own check, translated
        assert "大于 0 的数字" in calc.message and "Input should be" not in calc.message
    finally:
        from salesplan_widgets.i18n import set_locale

        set_locale("en")


def _quotas_for(folder, months: pd.PeriodIndex) -> None:
    table = open_workbook(folder).read_table("targets")
    table = table[pd.PeriodIndex(table["period"]).isin(months)]
    open_workbook(folder).write_table("targets", table)


def test_the_calculator_opens_on_the_latest_month_that_has_targets(tmp_path):
    folder = write_workbook(tmp_path / "wb")  # sales to October 2026
    _quotas_for(folder, pd.period_range("2026-01", "2026-06", freq="M"))
    calc = IncentiveCalculator(folder)
    assert calc.period == "2026-06" and calc.period_control.value == "2026-06"
    quotas = load_quotas(open_workbook(folder)).table
    june = quotas[quotas["period"] == pd.Period("2026-06", "M")]["target"]
    assert (calc.statements.reps["quota"] > 0).all()
    assert calc._typical_quota() == pytest.approx(june.median())  # the curve is drawn for a real quota
    assert "No quotas" not in calc.children[1].value


def test_the_calculator_says_so_when_no_month_with_sales_has_targets(tmp_path):
    from salesplan_widgets.i18n import fmt_month

    folder = write_workbook(tmp_path / "wb")
    table = open_workbook(folder).read_table("targets")  # next year's split only
    open_workbook(folder).write_table("targets", table.assign(period=pd.PeriodIndex(table["period"]) + 12))
    calc = IncentiveCalculator(folder)
    notice = calc.children[1].value
    assert f"No quotas for {fmt_month(2026, 10)}" in notice
    assert f"{fmt_month(2027, 1)} – {fmt_month(2027, 12)}" in notice


# -- cash beside commission (issue 12): draws, holdbacks, clawbacks and manual lines in the calculator --------
# The workbook of tests/test_estimator_rules.py: Chen has a 1,000 recoverable draw (recovery capped at 300),
# returns within 30 days are clawed back, 20% is held to the quarter end; January is closed.


@pytest.fixture
def cash_workbook(tmp_path):
    from test_estimator_rules import make_workbook

    return make_workbook(tmp_path)


def test_the_plans_draw_holdback_and_clawback_settings_show_beside_the_bands(cash_workbook):
    assert main(["payouts", str(cash_workbook), "--period", "2026-02", "--adjust", "Li", "120", "--reason",
                 "Trade-show bonus", "--approver", "Sales director"]) == 0  # fmt: skip
    calc = IncentiveCalculator(cash_workbook, period="2026-02", rep="Chen")
    settings = dict(zip(calc.cash_rules_table["rule"], calc.cash_rules_table["setting"], strict=True))
    assert "at most CN¥300.00 a period" in settings["Draw for Chen"]
    assert settings["Holdback"].startswith("20.0% of each period's commission held until the fiscal quarter")
    assert "within 30 days" in settings["Clawback"]
    assert settings["Manual lines"] == "1 entered for 2026-02, total CN¥120.00"
    assert "Draw for Chen" in calc.cash_rules_panel.value


def test_an_open_months_draw_holdback_and_clawback_lines_are_explained_under_the_statement(cash_workbook):
    calc = IncentiveCalculator(cash_workbook, period="2026-02", rep="Chen")
    lines = calc.payment_table.set_index("kind")
    # Chen: 500 earned, 100 held (20%), 400 paid so far: 600 advanced on top of January's 840.
    assert lines.loc["holdback", "amount"] == -100.0 and lines.loc["draw", "amount"] == 600.0
    assert lines.loc["draw", "explanation"] == (
        "paid so far CN¥400.00, below the draw: CN¥600.00 advanced; draw balance now CN¥1,440.00"
    )
    assert "20.00% of CN¥500.00 held back" in lines.loc["holdback", "explanation"]
    assert calc.payment_table["amount"].sum() == 1_000.0
    assert "Paid for 2026-02 if it closed now" in calc.payment_panel.value
    calc.rep = "Li"
    clawback = calc.payment_table.set_index("kind").loc["clawback"]
    assert clawback["amount"] == -400.0
    assert clawback["explanation"] == "returned CN¥4,000.00 × rate paid 10.00% = -CN¥400.00"


def test_a_closed_month_shows_the_ledgers_record_of_the_draw(cash_workbook):
    calc = IncentiveCalculator(cash_workbook, period="2026-01", rep="Chen")
    lines = calc.payment_table.set_index("kind")
    assert lines.loc["draw", "amount"] == 840.0  # 1,000 − (200 − 40 held)
    assert "recorded in the ledger" in calc.payment_panel.value


def test_the_estimator_says_what_is_paid_now_and_what_is_held_until_the_quarter_end(cash_workbook):
    calc = IncentiveCalculator(cash_workbook, period="2026-02", rep="Chen")
    calc.extra = 20_000
    calc.run_estimate()
    p = calc.payment_estimate
    assert (p.paid_now, p.paid_then, p.held_then) == (1_000.0, 1_700.0, 500.0)  # see test_estimator_rules
    assert "Held back until 2026-03: CN¥100.00 → CN¥500.00." in calc.estimate_panel.value
    assert "Draw balance still to recover: CN¥1,440.00 → CN¥540.00." in calc.estimate_panel.value


def test_the_simulation_costs_the_holdback_and_the_draw(cash_workbook):
    calc = IncentiveCalculator(cash_workbook, period="2026-02", rep="Chen")
    table = calc.simulate(draws=500).set_index("design")
    row = table.loc["Design"]
    # March releases the quarter's holdback: nothing held, and what the ledger holds (Chen 40, Li 200) is paid.
    assert row["held"] == 0.0 and row["released"] == pytest.approx(40.0 + 200.0)
    assert row["guarantee"] == 0.0  # Chen's draw is recoverable: an advance, never a cost
    assert "Released (median)" in calc.simulation_panel.value


def test_the_cash_rules_are_explained_in_chinese(tmp_path):
    from test_estimator_rules import make_workbook

    calc = IncentiveCalculator(make_workbook(tmp_path, locale="zh_CN"), period="2026-02", rep="Chen")
    draw = calc.payment_table.set_index("kind").loc["draw", "explanation"]
    assert "预支" in draw and "余额" in draw
    assert "暂扣" in calc.cash_rules_panel.value


def test_a_weekly_workbook_pays_the_draw_and_holdback_as_a_monthly_one(tmp_path):
    """Pay is measured by month: at a weekly grain the same sales give the same lines and estimate."""
    from test_estimator_rules import make_workbook

    calc = IncentiveCalculator(make_workbook(tmp_path, grain="week"), period="2026-02", rep="Chen")
    lines = calc.payment_table.set_index("kind")["amount"].to_dict()
    assert lines == {"payment": 500.0, "holdback": -100.0, "draw": 600.0}
    calc.extra = 20_000
    calc.run_estimate()
    p = calc.payment_estimate
    assert (p.paid_then, p.held_then, p.draw_balance_then) == (1_700.0, 500.0, 540.0)


def test_the_simulation_table_shows_the_managers_override_on_the_teams_sales(calculator):
    """A team lead with a 1% override and no quota: the design costs 1% of the team's simulated sales more
    than the saved plan, and the table says so in its own column."""
    from test_payouts_export import TEAMS

    from salesplan_widgets.schema.incentives import TeamCredit

    lead = TeamCredit(manager="Team lead", team=next(iter(TEAMS)), override_rate=0.01)
    calculator.section = calculator.saved.model_copy(update={"hierarchy": [lead]})
    table = calculator.simulate(draws=300, seed=2).set_index("design")
    override = table.loc["Design", "team_override"]
    assert override > 0 and table.loc["Saved plan", "team_override"] == 0.0
    # same draws: the design costs its override more than the saved plan (a median of sums: close to it)
    assert table.loc["Design", "cost_median"] - table.loc["Saved plan", "cost_median"] == pytest.approx(
        override, rel=0.05
    )
    assert "Manager overrides (median)" in calculator.simulation_panel.value


def test_a_new_hire_with_a_quota_in_a_team_earns_its_lead_the_override_in_the_simulation(tmp_path):
    """Ma joins East next month: no sales yet, a quota naming East. The lead's 1% override in the simulation
    includes Ma's simulated sales, as the ledger will credit East's lead with Ma's lines."""
    import numpy as np
    from test_payouts_export import TEAMS

    from salesplan_widgets.model.simulation import simulate_sales
    from salesplan_widgets.schema.incentives import TeamCredit

    east = next(iter(TEAMS))
    lead = TeamCredit(manager="Team lead", team=east, override_rate=0.01)

    def override(folder) -> tuple[float, IncentiveCalculator]:
        calc = IncentiveCalculator(folder, period="2026-10", rep="Li")
        calc.section = calc.saved.model_copy(update={"hierarchy": [lead]})
        return calc.simulate(draws=400, seed=3).set_index("design").loc["Design", "team_override"], calc

    without, _calc = override(write_workbook(tmp_path / "before"))
    folder = write_workbook(tmp_path / "after")
    book = open_workbook(folder)
    targets = book.read_table("targets")
    hire = (
        targets[targets["period"].astype(str) == "2026-11"]
        .iloc[:1]
        .assign(rep="Ma", team=east, target=40_000.0)
    )
    book.write_table("targets", pd.concat([targets, hire], ignore_index=True))
    with_hire, calc = override(folder)

    nxt = calc.quotas[calc.quotas["period"] == pd.Period("2026-11", "M")].groupby("rep")["target"].sum()
    sim = simulate_sales(calc._simulation_history(), nxt[nxt > 0], draws=400, seed=3)
    ma = float(np.median(sim.sales[:, sim.reps.get_loc("Ma")]))
    assert ma > 0 and with_hire > without
    assert with_hire - without == pytest.approx(0.01 * ma, rel=0.35)  # a median of sums, not a sum


def test_the_simulation_counts_what_a_leaver_forfeits_and_the_draw_balance_they_take(cash_workbook):
    """Chen leaves in March (relief in the design only): the 40 held for him is forfeited in every draw
    (the plan's default), and his draw balance of 840 from January, less at most the 300 recovered on his
    way out, is never recovered; the saved plan keeps him."""
    from salesplan_widgets.schema.incentives import Relief

    calc = IncentiveCalculator(cash_workbook, period="2026-02", rep="Chen")
    leaving = Relief(rep="Chen", left="2026-03-20", reason="resigned")
    calc.section = calc.saved.model_copy(update={"relief": [leaving]})
    table = calc.simulate(draws=300).set_index("design")
    design, saved = table.loc["Design"], table.loc["Saved plan"]
    assert design["forfeited"] == pytest.approx(-40.0) and design["released"] == pytest.approx(200.0)
    assert saved["forfeited"] == 0.0 and saved["released"] == pytest.approx(240.0)
    assert design["written_off"] >= 840.0 - 300.0 and saved["written_off"] == 0.0
    assert "Forfeited by leavers (median)" in calc.simulation_panel.value
    assert "Draw balance leavers take (median)" in calc.simulation_panel.value


def _close_elsewhere(folder, period: str) -> None:
    """Close `period` as another analyst would: `salesplan payouts` in a process of its own."""
    import os
    import subprocess
    import sys

    for step in ([], ["--approve"], ["--close"]):
        subprocess.run(
            [sys.executable, "-m", "salesplan_widgets.cli", "payouts", str(folder), "--period", period, *step],
            check=True, capture_output=True, env=os.environ.copy(),
        )  # fmt: skip


def test_a_close_made_elsewhere_shows_in_the_open_widget_at_the_next_redraw(cash_workbook):
    from salesplan_widgets.workbook.ledger import read_ledger

    calc = IncentiveCalculator(cash_workbook, period="2026-02", rep="Chen")
    assert "Paid for 2026-02 if it closed now" in calc.payment_panel.value
    ledger = calc._ledger()[0]
    assert calc._ledger()[0] is ledger  # unchanged files: not read again
    _close_elsewhere(cash_workbook, "2026-02")
    calc.refresh()  # the statement redrawn, same widget
    assert "Paid for 2026-02 (recorded in the ledger)" in calc.payment_panel.value
    lines = read_ledger(open_workbook(cash_workbook)).lines
    chen = lines[(lines["period"] == pd.Period("2026-02", "M")) & (lines["rep"] == "Chen")]
    shown = calc.payment_table.set_index("kind")["amount"]
    assert shown.sum() == pytest.approx(chen["amount_minor"].sum() / 100)
    # the ledger's own draw and holdback lines: Chen's 500 earned, 100 held, 600 advanced
    assert (shown["holdback"], shown["draw"]) == (-100.0, 600.0)


def test_picking_another_month_reads_a_close_made_since(cash_workbook):
    calc = IncentiveCalculator(cash_workbook, period="2026-01", rep="Li")
    _close_elsewhere(cash_workbook, "2026-02")
    calc.period_control.value = "2026-02"
    assert "Paid for 2026-02 (recorded in the ledger)" in calc.payment_panel.value
    assert calc._closed()


def test_the_simulation_says_the_leaver_rate_its_leavers_rest_on(cash_workbook):
    """Chen's relief says he left in January, inside the sales history: what the rate rests on is shown
    under the table, as the model works it out from the same history and plan. Two months of history are
    too few to read a yearly rate from (one leaver among them read as 100% a year): it is not estimated,
    and the note says so (`tests/test_simulation_leaver_rate.py`)."""
    from salesplan_widgets.i18n import fmt_percent
    from salesplan_widgets.model.simulation import rule_history
    from salesplan_widgets.schema.incentives import Relief

    calc = IncentiveCalculator(cash_workbook, period="2026-02", rep="Chen")
    calc.simulate(draws=100)
    assert "Leavers:" not in calc.simulation_panel.value
    calc.section = calc.saved.model_copy(update={"relief": [Relief(rep="Chen", left="2026-01-31")]})
    calc.simulate(draws=100)
    history = calc.cube[calc.cube["period"] <= pd.Period("2026-02", "M")]
    rate = rule_history(history, pd.Index(["Chen"]), calc.section).leaver_rate
    assert rate == 0.0  # one leaver in two months: too short a history to say
    assert f"Leavers: not estimated: {history['period'].nunique()} months of sales history" in (
        calc.simulation_panel.value
    )
    calc.leavers_per_year = 0.25  # typed: the note says the rate set
    assert f"Leavers: {fmt_percent(0.25, 'en', decimals=1)} of reps a year, as set above" in (
        calc.simulation_panel.value
    )


# -- the leaver rate: taken from the history unless the analyst types one ("what if 20% leave") --------------


def test_the_leaver_rate_shown_by_default_is_the_one_the_history_gives(calculator):
    """No relief entry: nobody left, 0%. Chen's relief says he left in June, inside the last twelve months of
    five selling reps: 1 in 4 × 12 + 8 = 56 rep-months (Chen's eight to June), 21.4% a year, shown greyed
    out beside the simulate button and used by it."""
    from salesplan_widgets.model.simulation import leaver_rate
    from salesplan_widgets.schema.incentives import Relief

    assert calculator.leavers_per_year is None and calculator.leavers_from_history_control.value
    assert calculator.leaver_rate_control.disabled and calculator.leaver_rate_control.value == 0.0
    calculator.section = calculator.saved.model_copy(
        update={"relief": [Relief(rep="Chen", left="2026-06-30")]}
    )
    history = calculator.cube[calculator.cube["period"] > pd.Period("2025-10", "M")]  # Nov 2025 – Oct 2026
    assert (
        calculator.history_leaver_rate() == leaver_rate(history, calculator.section) == pytest.approx(12 / 56)
    )
    assert calculator.leaver_rate_control.value == pytest.approx(1200 / 56)
    calculator.simulate(draws=100)
    assert (
        "Leavers: 21.4% of reps a year, from the plan&#x27;s relief dates over 12 months of sales history: "
        "1 of 5 reps left in 56 rep-months" in calculator.simulation_panel.value
    )


def test_a_leaver_rate_typed_in_reruns_the_simulation_with_what_leavers_forfeit_and_take(cash_workbook):
    """March, the quarter end: the ledger holds 40 for Chen and 200 for Li, released to a rep who stays and
    forfeited by one who leaves (the plan's default); Chen still owes 840 of his draw, never recovered if he
    leaves. A yearly rate r is a monthly chance p = 1 − (1 − r)^(1/12) of leaving in March, each rep's
    outcome weighted by it: at 100% everyone leaves (forfeited −240), at 20% p = 1 − 0.8^(1/12), so the
    forfeited holdback is −240·p and the draw balance taken p times the one at 100%, on the same draws."""
    calc = IncentiveCalculator(cash_workbook, period="2026-02", rep="Chen")
    assert calc.leaver_rate_control.value == 0.0  # no relief dates: the history gives no leavers
    design = calc.simulate(draws=400).set_index("design").loc["Design"]
    assert (design["forfeited"], design["written_off"], design["released"]) == (
        0.0,
        0.0,
        pytest.approx(240.0),
    )
    calc.leavers_from_history_control.value = False
    calc.leaver_rate_control.value = 100.0  # typed: the table on show reruns by itself
    assert calc.leavers_per_year == 1.0
    everyone = calc.simulation_table.set_index("design").loc["Design"]
    assert everyone["forfeited"] == pytest.approx(-240.0) and everyone["released"] == pytest.approx(0.0)
    assert everyone["written_off"] >= 840.0 - 300.0  # the balance, less at most the 300 recovered in March
    calc.leaver_rate_control.value = 20.0
    p = 1.0 - 0.8 ** (1.0 / 12.0)
    fifth = calc.simulation_table.set_index("design").loc["Design"]
    assert fifth["forfeited"] == pytest.approx(-240.0 * p)
    assert fifth["released"] == pytest.approx(240.0 * (1.0 - p))
    assert fifth["written_off"] == pytest.approx(everyone["written_off"] * p)
    assert (  # two months of history: too short to give a rate, not "0%"
        "Leavers: 20.0% of reps a year, as set above (the history is too short to estimate one)"
        in calc.simulation_panel.value
    )
    calc.leavers_from_history_control.value = True  # back to the history's rate
    assert calc.leavers_per_year is None and calc.leaver_rate_control.disabled
    assert calc.simulation_table.set_index("design").loc["Design", "forfeited"] == 0.0

"""The served goal, my-targets and incentives dashboards in headless Chromium: each shows its figures without
error output, my targets follows the team or rep in the address, and a hostile address is ignored, never echoed."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest

from salesplan_widgets.i18n import fmt_money, fmt_percent, set_locale
from salesplan_widgets.serve import ServeSettings, free_port, stage_dashboards, start_voila, stop_voila
from salesplan_widgets.testing import screenshots_dir
from salesplan_widgets.workbook import Workbook, open_workbook

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "demo"
SCREENSHOTS = screenshots_dir()
DASHBOARDS = ["goal", "my_targets", "incentives"]
LOAD_MS = 120_000
ERRORS = '.jp-OutputArea-output[data-mime-type*="error"], .jp-RenderedText[data-mime-type*="stderr"]'
PLAN_YEAR = ("2026-01", "2026-12")  # the year in progress: the demo's sales run to October 2026
HOSTILE = "<script>alert(1)</script>"


def add_goal(folder: Path) -> None:
    """A goal for the year in progress, set from the forecast made at its start (data to December 2025)."""
    from salesplan_widgets.model.forecast import baseline_forecast
    from salesplan_widgets.model.goal import stretch_target
    from salesplan_widgets.schema.goal import GoalSection

    wb = open_workbook(folder)
    history = wb.cube()
    history = history[history["period"] < pd.Period(PLAN_YEAR[0], freq="M")]
    proposal = stretch_target(baseline_forecast(history, *PLAN_YEAR), 0.05)
    wb.save(
        goal=GoalSection(
            name="Grow FY2026 revenue 5% over the forecast",
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 12, 31),
            review_dates=[dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30)],
            method="stretch",
            stretch=0.05,
            target=round(proposal.total, 2),
            baseline=round(proposal.baseline, 2),
            probability=proposal.probability,
            rationale="Three years of steady growth; list prices rise 3%.",
            business_objective="Keep our lead in East China",
        )
    )


def add_targets(folder: Path) -> None:
    """The goal split over the year's months, reps, segments and channels, saved by the task splitter."""
    from salesplan_widgets.schema.split import SplitSection
    from salesplan_widgets.widgets.task_splitter import TaskSplitter

    wb = open_workbook(folder)
    wb.save(split=(wb.plan.split or SplitSection()).model_copy(update={"start": PLAN_YEAR[0]}))
    splitter = TaskSplitter(folder)
    assert splitter.save(), splitter.message


def add_incentives(folder: Path) -> None:
    """A tiered commission with an accelerator, an attainment leaderboard and two badges."""
    from salesplan_widgets.schema.incentives import IncentivesSection

    section = IncentivesSection.model_validate(
        {
            "cumulative": True,
            "commission": {
                "tiers": {
                    "bands": [{"at_least": 0, "below": 1.0, "rate": 0.03}, {"at_least": 1.0, "rate": 0.06}]
                },
                "accelerators": [{"at_least": 1.2, "multiplier": 1.5}],
                "threshold": 0.3,
            },
            "recognition": {
                "leaderboards": [{"name": "Attainment", "metric": "attainment", "top": 10}],
                "badges": [
                    {"name": "First to quota", "rule": "first_to_quota"},
                    {"name": "Steady", "rule": "streak", "months": 2, "level": 0.9},
                ],
            },
        }
    )
    open_workbook(folder).save(incentives=section)


def capability_workbook(folder: Path) -> Workbook:
    """A copy of the demo company with a goal, a targets table and incentives (kept if the demo has them),
    publishing the three dashboards under test."""
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns(".cache", "reports", "task_sheets"))
    wb = open_workbook(folder)
    wb.cube()  # cached on disk once for every kernel
    if wb.plan.goal is None or wb.plan.goal.target is None:
        add_goal(folder)
    if open_workbook(folder).read_table("targets") is None:
        add_targets(folder)
    if open_workbook(folder).plan.incentives is None:
        add_incentives(folder)
    wb = open_workbook(folder)
    wb.save(reports=wb.plan.reports.model_copy(update={"dashboards": DASHBOARDS}))
    return open_workbook(folder)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workbook, str]]:
    """The workbook and the address of its Voila server, shared by every test of the module."""
    workbook = capability_workbook(tmp_path_factory.mktemp("capabilities") / "demo")
    set_locale(workbook.locale)
    settings = ServeSettings(port=free_port())
    process = start_voila(stage_dashboards(workbook.path), settings, timeout=90)
    try:
        yield workbook, f"http://127.0.0.1:{settings.port}/voila/render"
    finally:
        stop_voila(process)


def open_page(browser, url: str, ready: str, dialogs: list[str] | None = None):
    """The page once `ready` (a selector) is visible; any alert() it raises goes to `dialogs`, dismissed."""
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    seen = dialogs if dialogs is not None else []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    page.goto(url, timeout=LOAD_MS)
    page.wait_for_selector(ready, state="visible", timeout=LOAD_MS)
    return page


def assert_clean(page) -> None:
    assert page.locator(ERRORS).count() == 0
    assert "Traceback" not in page.content() and "There was an error" not in page.inner_text("body")
    assert "cannot be shown" not in page.inner_text("body")


def screenshot(page, name: str) -> None:
    """The whole dashboard: Voila scrolls inside #rendered_cells, so the window grows to its height first."""
    height = page.evaluate(
        "() => (document.getElementById('rendered_cells') || document.documentElement).scrollHeight"
    )
    page.set_viewport_size({"width": 1200, "height": max(1000, int(height) + 20)})
    page.wait_for_timeout(500)  # let bqplot lay its figures out again
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"dashboard_{name}.png"), full_page=True)


def test_goal_dashboard_shows_target_chance_and_smart_verdicts(browser, served) -> None:
    from salesplan_widgets.report.goal import GoalReport

    workbook, base = served
    goal = workbook.plan.goal
    standing = GoalReport.open(workbook, None).metrics()
    page = open_page(browser, f"{base}/goal.ipynb", ".salesplan-goal-panel svg")
    try:
        text = page.inner_text(".salesplan-goal-panel")
        assert fmt_money(goal.target, workbook.currency, digits=False) in text
        assert "Chance of reaching it" in text and fmt_percent(standing["goal_probability"]) in text
        assert "SMART check" in text
        verdicts = page.locator(".salesplan-goal-panel table tbody tr")
        assert verdicts.count() == 5
        assert {verdicts.nth(i).inner_text().split("·")[0].strip() for i in range(5)} == set("SMART")
        assert page.locator(".salesplan-goal-panel svg").first.is_visible()
        assert_clean(page)
        screenshot(page, "goal")
    finally:
        page.close()


def year_target(page) -> str:
    """The 'Year target' figure as the page shows it."""
    line = page.locator("p:has-text('Year target')").first
    return line.inner_text().split(":", 1)[1].strip()


def open_my_targets(browser, url: str, dialogs: list[str] | None = None):
    page = open_page(browser, url, "p:has-text('Year target')", dialogs)
    page.wait_for_function(
        "() => document.querySelectorAll('.bqplot.figure')[0]?.querySelectorAll('rect.bar').length > 0",
        timeout=LOAD_MS,
    )
    return page


def test_my_targets_shows_only_the_rep_in_the_address(browser, served) -> None:
    workbook, base = served
    targets = workbook.read_table("targets")
    sellers = set(workbook.cube()["rep"].astype(str))  # the address may name only reps with sales
    rep = sorted(set(targets["rep"].astype(str)) & sellers)[-1]
    own = fmt_money(
        targets.loc[targets["rep"].astype(str) == rep, "target"].sum(), workbook.currency, digits=False
    )
    page = open_my_targets(browser, f"{base}/my_targets.ipynb?rep={quote(rep)}")
    try:
        assert page.locator("select").nth(1).input_value() == rep
        assert year_target(page) == own
        rep_bars = page.locator(".bqplot.figure").nth(1).locator("rect.bar")
        assert rep_bars.count() == 1
        assert "ignored" not in page.inner_text("body")
        assert_clean(page)
    finally:
        page.close()


def test_my_targets_filters_to_the_team_in_the_address(browser, served) -> None:
    workbook, base = served
    targets = workbook.read_table("targets")
    team = sorted(targets["team"].astype(str).unique())[0]
    mine = targets[targets["team"].astype(str) == team]
    page = open_my_targets(browser, f"{base}/my_targets.ipynb?team={quote(team)}")
    try:
        assert page.locator("select").first.input_value() == team
        assert year_target(page) == fmt_money(mine["target"].sum(), workbook.currency, digits=False)
        rep_options = page.locator("select").nth(1).locator("option")
        assert rep_options.count() == mine["rep"].nunique() + 1  # "All reps" and the team's own
        page.wait_for_function(
            "(n) => document.querySelectorAll('.bqplot.figure')[1]?.querySelectorAll('rect.bar').length === n",
            arg=mine["rep"].nunique(),
            timeout=LOAD_MS,
        )
        assert_clean(page)
        screenshot(page, "my_targets")
    finally:
        page.close()


def test_my_targets_ignores_a_hostile_rep_with_a_notice_and_never_echoes_it(browser, served) -> None:
    workbook, base = served
    targets = workbook.read_table("targets")
    everyone = fmt_money(targets["target"].sum(), workbook.currency, digits=False)
    dialogs: list[str] = []
    page = open_my_targets(browser, f"{base}/my_targets.ipynb?rep={quote(HOSTILE)}", dialogs)
    try:
        assert "rep in the address is not one of the plan's reps; it was ignored" in page.inner_text("body")
        assert "alert(1)" not in page.inner_text("body") and "alert(1)" not in page.content()
        assert dialogs == []
        assert page.locator("select").nth(1).evaluate("s => s.selectedIndex") == 0  # all reps
        assert year_target(page) == everyone
        assert_clean(page)
    finally:
        page.close()


def test_incentives_dashboard_shows_payouts_leaderboard_and_chart(browser, served) -> None:
    from salesplan_widgets.model.recognition import leaderboard
    from salesplan_widgets.report.incentives import IncentivesReport

    workbook, base = served
    report = IncentivesReport.open(workbook, str(workbook.cube()["period"].max()))
    ranked = leaderboard(report.metrics, report.section.recognition.leaderboards[0])
    page = open_page(browser, f"{base}/incentives.ipynb", "h2:has-text('Recognition')")
    try:
        text = page.inner_text("body")
        assert "Payout summary" in text and "Cost of sales" in text
        assert fmt_money(report.cost.payout, workbook.currency, digits=False) in text
        board = page.locator(
            f"h3:text-is('{report.section.recognition.leaderboards[0].name}') + table tbody tr"
        )
        assert board.count() == len(ranked) > 0
        assert board.first.locator("td").nth(1).inner_text() == str(ranked["rep"].iloc[0])
        assert page.locator("svg.salesplan-chart").first.is_visible()
        assert_clean(page)
        screenshot(page, "incentives")
    finally:
        page.close()

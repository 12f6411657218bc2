"""No saved goal: the wizard proposes the fiscal year the team is in while its first quarter has not passed.

A team setting its first goal in January 2027 (data through January) means FY2027, not FY2028; with data
through November 2026 it plans FY2027 too (the year in progress is nearly over). Minimal workbooks (date,
amount, rep in a CSV), monthly, weekly and quarterly, January and April fiscal years.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixtures.minimal_workbook import home_sales, write_minimal_workbook

from salesplan_widgets.model.goal import opening_horizon
from salesplan_widgets.widgets.goal_wizard import GoalWizard


def _weekly(sales: pd.DataFrame) -> pd.DataFrame:
    """Each month's sales on four days a week apart (a weekly cube needs sales in most weeks)."""
    days = pd.to_datetime(sales["date"])
    parts = [
        sales.assign(
            date=(days + pd.Timedelta(days=7 * k)).dt.strftime("%Y-%m-%d"), volume=sales["volume"] / 4
        )
        for k in range(4)
    ]
    return pd.concat(parts, ignore_index=True)


def _workbook(folder: Path, last: str, fiscal_year_start: int = 1, grain: str = "month") -> Path:
    sales = home_sales("2024-01", last, cities=5)
    if grain == "week":
        sales = _weekly(sales)
    write_minimal_workbook(folder, fiscal_year_start=fiscal_year_start, sales=sales)
    plan = folder / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("grain: month", f"grain: {grain}"), encoding="utf-8"
    )
    return folder


@pytest.mark.parametrize(
    ("last", "fiscal_year_start", "grain", "horizon"),
    [
        ("2027-01", 1, "month", ("2027-01", "2027-12")),  # January: the year just begun
        ("2027-03", 1, "month", ("2027-01", "2027-12")),  # its first quarter: still that year
        ("2027-04", 1, "month", ("2028-01", "2028-12")),  # a quarter gone: the next year
        ("2026-11", 1, "month", ("2027-01", "2027-12")),  # late in the year: the next one
        ("2026-05", 4, "month", ("2026-04", "2027-03")),  # April year, its second month
        ("2026-07", 4, "month", ("2027-04", "2028-03")),  # April year, a quarter gone
        ("2027-01", 1, "week", ("2027-01", "2027-12")),  # weeks into January (the last one's Thursday)
        ("2027-03", 1, "quarter", ("2027-01", "2027-12")),  # the first quarter closed
        ("2027-06", 1, "quarter", ("2028-01", "2028-12")),  # two quarters: the next year
    ],
)
def test_the_wizard_without_a_goal_opens_on_the_year_a_sales_ops_analyst_means(
    tmp_path: Path, last, fiscal_year_start, grain, horizon
):
    wizard = GoalWizard(_workbook(tmp_path / "wb", last, fiscal_year_start, grain))
    assert (wizard.start, wizard.end) == horizon
    assert not wizard.rolled_over and not wizard.year_notice
    first, end = (pd.Period(m, "M").strftime("%b %Y") for m in horizon)
    assert f"{first} – {end}" in wizard.opening_notice  # the notice names the year it opened
    in_progress = "early in the fiscal year" in wizard.opening_notice
    assert in_progress == (pd.Period(horizon[0], "M") <= pd.Period(last, "M"))
    assert wizard.result["target"] > 0


def test_a_first_goal_for_the_year_in_progress_counts_the_months_sold(tmp_path: Path):
    wizard = GoalWizard(_workbook(tmp_path / "wb", "2027-02"))
    assert (wizard.start, wizard.end) == ("2027-01", "2027-12")
    sales = home_sales("2024-01", "2027-02", cities=5)
    sold = sales[sales["date"] >= "2027-01-01"]["volume"].sum()
    closed = wizard.forecast.monthly["closed"].astype(bool)
    assert wizard.forecast.monthly.loc[closed, "forecast"].sum() == pytest.approx(sold)  # Jan, Feb as sold
    wizard.override_reason = "The board's first goal"
    assert wizard.save(), wizard.status
    reopened = GoalWizard(tmp_path / "wb")  # saved: its own months, no notice
    assert (reopened.start, reopened.end) == ("2027-01", "2027-12") and not reopened.opening_notice


def test_a_saved_goal_still_rolls_over_to_the_next_year():
    # the saved goal's rule is unchanged: its year over, the next one as long
    assert opening_horizon(
        pd.Period("2026-01", "M"), pd.Period("2026-12", "M"), pd.Period("2027-01", "M")
    ) == (
        pd.Period("2027-01", "M"),
        pd.Period("2027-12", "M"),
        True,
    )


@pytest.mark.parametrize("fiscal_year_start", range(1, 13))
def test_the_first_goal_year_holds_the_data_or_starts_right_after_their_year(fiscal_year_start: int):
    from salesplan_widgets.model.goal import first_goal_year

    for last in pd.period_range("2025-01", "2027-12", freq="M"):
        first = first_goal_year(last, fiscal_year_start)
        assert first.month == fiscal_year_start
        passed = (last - first).n
        # the year in progress with at most a quarter gone, or the next year starting within nine months
        assert 0 <= passed < 3 or -9 <= passed < 0


@pytest.mark.parametrize(
    ("last", "grain"),
    [("2027-01", "month"), ("2027-04", "month"), ("2027-01", "week"), ("2027-03", "quarter")],
)
def test_the_goal_page_without_a_goal_projects_the_year_the_wizard_proposes(tmp_path: Path, last, grain):
    from salesplan_widgets.model.calendar import FiscalCalendar
    from salesplan_widgets.report.goal import GoalReport

    folder = _workbook(tmp_path / "wb", last, grain=grain)
    wizard = GoalWizard(folder)
    report = GoalReport.open(folder, None)
    calendar = FiscalCalendar.of(report.workbook.plan.calendar)
    year = calendar.year_periods(
        calendar.fiscal_year(calendar.period(pd.Period(wizard.start, "M").start_time + pd.Timedelta(days=14)))
    )
    assert (report.forecast.start, report.forecast.end) == (year[0], year[-1])

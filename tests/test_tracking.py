"""Tracking: targets and actuals lined up, attainment on any roll-up for the month, QTD and YTD."""

from __future__ import annotations

import pandas as pd
import pytest
from fixtures.tracking_data import actuals_cube, targets_table

from salesplan_widgets.errors import InputError
from salesplan_widgets.model.tracking import (
    attainment,
    attainment_windows,
    cumulative,
    plan_vs_actual,
    provisional_targets,
    window_bounds,
)

SEP = pd.Period("2026-09", freq="M")


@pytest.fixture
def frame() -> pd.DataFrame:
    targets = targets_table()
    return plan_vs_actual(targets, actuals_cube(targets, {"Ann": 1.2, "Bo": 0.8, "Cy": 1.0}, "2026-09"))


def test_attainment_by_rep_year_to_date(frame):
    result = attainment(frame, SEP, ["rep"], "year").set_index("rep")
    # each cell's target is 1,000 × month number, 4 cells per rep: Jan–Sep = 4,000 × 45 = 180,000
    assert result.loc["Ann", "target"] == pytest.approx(180_000.0)
    assert result["attainment"].to_dict() == pytest.approx({"Ann": 1.2, "Bo": 0.8, "Cy": 1.0})
    assert result.loc["Bo", "gap"] == pytest.approx(-36_000.0)


def test_month_quarter_and_year_windows_cover_the_right_months(frame):
    windows = attainment_windows(frame, SEP, ["team"]).set_index(["window", "team"])
    # West is Cy alone: 4 cells × 1,000 × (9) / (7+8+9) / (1+…+9)
    assert windows.loc[("month", "West"), "target"] == pytest.approx(36_000.0)
    assert windows.loc[("quarter", "West"), "target"] == pytest.approx(4_000.0 * 24)
    assert windows.loc[("year", "West"), "target"] == pytest.approx(4_000.0 * 45)


def test_fiscal_quarters_and_years_start_in_the_plans_month():
    assert window_bounds(pd.Period("2026-05", "M"), "quarter", fiscal_year_start=4) == (
        pd.Period("2026-04", "M"),
        pd.Period("2026-06", "M"),
    )
    assert window_bounds(pd.Period("2026-02", "M"), "quarter", 4) == (
        pd.Period("2026-01", "M"),
        pd.Period("2026-03", "M"),
    )
    assert window_bounds(pd.Period("2026-02", "M"), "year", 4) == (
        pd.Period("2025-04", "M"),
        pd.Period("2026-03", "M"),
    )


def test_company_roll_up_has_no_grouping(frame):
    result = attainment(frame, SEP, (), "year")
    assert result["actual"].iloc[0] == pytest.approx(180_000.0 * 3)
    assert result["attainment"].iloc[0] == pytest.approx(1.0)


def test_sales_without_a_target_and_targets_without_sales_both_show():
    targets = targets_table().query("rep != 'Cy'")
    actuals = actuals_cube(targets_table(), {"Ann": 1.0, "Bo": 0.0, "Cy": 1.0}, "2026-01")
    frame = plan_vs_actual(targets, actuals)
    jan = attainment(frame, pd.Period("2026-01", "M"), ["rep"]).set_index("rep")
    assert jan.loc["Cy", "target"] == 0.0 and jan.loc["Cy", "actual"] == pytest.approx(4_000.0)
    assert pd.isna(jan.loc["Cy", "attainment"])
    assert jan.loc["Bo", "actual"] == 0.0 and jan.loc["Bo", "attainment"] == 0.0


def test_a_dimension_the_cube_does_not_map_is_summed_out_of_the_targets():
    targets = targets_table()
    actuals = actuals_cube(targets, {"Ann": 1.0, "Bo": 1.0, "Cy": 1.0}, "2026-03").assign(segment="all")
    frame = plan_vs_actual(targets, actuals)
    assert "segment" not in frame.columns
    assert frame["actual"].sum() == pytest.approx(frame.loc[frame["period"] <= "2026-03", "target"].sum())


def test_cumulative_runs_through_empty_months(frame):
    run = cumulative(frame[frame["rep"] == "Cy"], pd.Period("2026-01", "M"), pd.Period("2026-12", "M"))
    assert len(run) == 12
    assert run["target"].iloc[-1] == pytest.approx(4_000.0 * 78)
    assert run["actual"].iloc[-1] == run["actual"].iloc[8]  # nothing sold after September


def test_targets_without_a_target_column_are_refused():
    with pytest.raises(InputError, match="target"):
        plan_vs_actual(targets_table().drop(columns="target"), actuals_cube(targets_table(), {}, "2026-01"))


def test_provisional_targets_are_last_years_actual_plus_growth():
    last_year = targets_table(year=2025)
    actuals = actuals_cube(last_year, {"Ann": 1.0, "Bo": 1.0, "Cy": 1.0}, "2025-12")
    provisional = provisional_targets(
        actuals, pd.Period("2026-01", "M"), pd.Period("2026-12", "M"), growth=0.1
    )
    assert provisional["target"].sum() == pytest.approx(last_year["target"].sum() * 1.1)
    assert provisional["period"].min() == pd.Period("2026-01", "M")


def test_tracking_section_has_defaults_and_refuses_unknown_or_inverted_settings():
    from pydantic import ValidationError

    from salesplan_widgets.schema.tracking import TrackingSection

    section = TrackingSection()
    assert section.at_risk_threshold == 0.9 and section.pace_window == "year" and section.country is None
    with pytest.raises(ValidationError):
        TrackingSection(at_risk_treshold=0.8)  # a typo is an error, never silently ignored
    with pytest.raises(ValidationError):
        TrackingSection(projection_band=(0.9, 0.1))

"""The plan's `calendar:` section: every grain is accepted, and settings that make no sense at the grain are
refused by `salesplan validate` with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesplan_widgets.cli import main

PLAN = """\
name: Calendar Co
calendar:
  grain: {grain}
  fiscal_year_start: 4
sources:
  sales:
    path: sales.csv
    columns: {{date: date, amount: amount, rep: rep}}
{extra}"""


def _workbook(tmp_path: Path, grain: str, extra: str = "") -> Path:
    (tmp_path / "sales.csv").write_text("date,amount,rep\n2026-05-04,100,Li\n", encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(PLAN.format(grain=grain, extra=extra), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("grain", ["month", "week", "quarter", "4-4-5", "4-5-4", "5-4-4"])
def test_every_grain_is_a_valid_plan(tmp_path: Path, grain: str, capsys) -> None:
    assert main(["validate", str(_workbook(tmp_path, grain))]) == 0
    assert "valid" in capsys.readouterr().out


def test_an_unknown_grain_is_refused_with_the_allowed_ones(tmp_path: Path, capsys) -> None:
    assert main(["validate", str(_workbook(tmp_path, "fortnight"))]) == 1
    err = capsys.readouterr().err
    assert "calendar.grain" in err and "4-4-5" in err


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("tracking: {pace_window: month}\n", "tracking.pace_window: a month window cannot be measured"),
        ("split: {milestones: month}\n", "split.milestones: a month window cannot be measured"),
        ("incentives: {measurement: monthly}\n", "incentives.measurement: monthly payouts need"),
        ("split: {months: 10}\n", "split.months: a quarterly plan covers whole quarters"),
        ("split: {start: 2027-05}\n", "split.start: 2027-05 is not the first month of a fiscal quarter"),
    ],
)
def test_a_month_setting_at_quarter_grain_is_refused_with_its_reason(
    tmp_path: Path, extra: str, reason: str, capsys
) -> None:
    assert main(["validate", str(_workbook(tmp_path, "quarter", extra))]) == 1
    assert reason in capsys.readouterr().err


def test_the_same_settings_are_fine_at_a_weekly_grain(tmp_path: Path) -> None:
    extra = "tracking: {pace_window: month}\nsplit: {milestones: month, start: 2027-05, months: 10}\n"
    assert main(["validate", str(_workbook(tmp_path, "week", extra))]) == 0

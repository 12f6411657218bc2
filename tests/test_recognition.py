"""Leaderboards, badges and champions from a small hand-made year."""

from __future__ import annotations

import pandas as pd
import pytest

from salesplan_widgets.model.recognition import (
    badges,
    champions,
    leaderboard,
    monthly_attainment,
    needs_new_accounts,
    rep_metrics,
)
from salesplan_widgets.schema.incentives import Badge, Leaderboard

# Monthly quota 100 each. Li: 120, 110, 130 (100% by Jan); Chen: 50, 150, 140 (100% YTD by Feb);
# Wu: 90, 95, 40.
SALES = {"Li": [120, 110, 130], "Chen": [50, 150, 140], "Wu": [90, 95, 40]}
MONTHS = pd.period_range("2026-01", periods=3, freq="M")


def cube() -> pd.DataFrame:
    rows = [(m, rep, v) for rep, values in SALES.items() for m, v in zip(MONTHS, values, strict=True)]
    rows.append((pd.Period("2025-03", "M"), "Li", 100))
    frame = pd.DataFrame(rows, columns=["period", "rep", "actual"])
    frame["period"] = pd.PeriodIndex(frame["period"], freq="M")
    return frame.assign(team="East", segment="A", channel="online")


def quotas() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.period_range("2026-01", periods=12, freq="M").repeat(3),
            "rep": ["Li", "Chen", "Wu"] * 12,
            "target": 100.0,
        }
    )


def test_leaderboard_ranks_by_the_named_metric():
    metrics = rep_metrics(cube(), quotas(), "2026-03")
    board = leaderboard(metrics, Leaderboard(name="Attainment", metric="attainment", top=2))
    assert board["rep"].tolist() == ["Chen", "Li"]
    assert board["value"].tolist() == pytest.approx([1.4, 1.3])
    growth = leaderboard(metrics, Leaderboard(name="Growth", metric="growth", top=5))
    assert growth["rep"].tolist() == ["Li"] and growth["value"].tolist() == pytest.approx([0.3])


def test_leaderboard_ties_share_a_rank():
    metrics = pd.DataFrame({"rep": ["a", "b", "c"], "team": "T", "sales": [5.0, 5.0, 1.0]})
    board = leaderboard(metrics, Leaderboard(name="Sales", metric="sales", top=3))
    assert board["rank"].tolist() == [1, 1, 3]


def test_badges_follow_their_rules():
    history = monthly_attainment(cube(), quotas(), "2026-03")
    rules = [
        Badge(name="First to quota", rule="first_to_quota"),
        Badge(name="On a roll", rule="streak", months=3, level=1.0),
        Badge(name="Over 120%", rule="attainment", level=1.2),
    ]
    won = badges(history, rules, "2026-03").groupby("badge")["rep"].apply(sorted).to_dict()
    assert won == {"First to quota": ["Li"], "On a roll": ["Li"], "Over 120%": ["Chen", "Li"]}


def test_no_streak_before_enough_months():
    history = monthly_attainment(cube(), quotas(), "2026-02")
    won = badges(history, [Badge(name="On a roll", rule="streak", months=3)], "2026-02")
    assert won.empty


def test_champions_are_the_first_of_each_board():
    metrics = rep_metrics(cube(), quotas(), "2026-03")
    boards = [Leaderboard(name="Attainment", metric="attainment"), Leaderboard(name="Sales", metric="sales")]
    champs = champions(metrics, boards).set_index("board")["rep"].to_dict()
    assert champs == {"Attainment": "Chen", "Sales": "Chen"}


def won_accounts() -> pd.DataFrame:
    """Accounts won: Wu 3 in March; Chen 1 in Jan, 2 in March; Li 4 in Feb and 5 last December."""
    rows = [("2025-12", "Li", 5), ("2026-01", "Chen", 1), ("2026-02", "Li", 4), ("2026-03", "Wu", 3)]
    rows += [("2026-03", "Chen", 2), ("2026-04", "Wu", 9)]  # April is after the period
    frame = pd.DataFrame(rows, columns=["period", "rep", "new_accounts"])
    return frame.assign(period=pd.PeriodIndex(frame["period"], freq="M"))


def test_leaderboard_ranks_reps_by_accounts_won_in_the_period_and_year_to_date():
    metrics = rep_metrics(cube(), quotas(), "2026-03", new_accounts=won_accounts())
    by_rep = metrics.set_index("rep")
    assert by_rep["new_accounts"].to_dict() == {"Li": 0, "Chen": 2, "Wu": 3}
    assert by_rep["ytd_new_accounts"].to_dict() == {"Li": 4, "Chen": 3, "Wu": 3}  # December is last year
    month = leaderboard(metrics, Leaderboard(name="New accounts", metric="new_accounts", top=2))
    assert month["rep"].tolist() == ["Wu", "Chen"] and month["value"].tolist() == [3, 2]
    year = leaderboard(metrics, Leaderboard(name="New accounts YTD", metric="ytd_new_accounts", top=3))
    assert year["rank"].tolist() == [1, 2, 2] and year["rep"].tolist() == ["Li", "Chen", "Wu"]


def test_new_accounts_year_follows_the_fiscal_year_start():
    metrics = rep_metrics(cube(), quotas(), "2026-03", fiscal_year_start=12, new_accounts=won_accounts())
    assert metrics.set_index("rep")["ytd_new_accounts"].to_dict() == {"Li": 9, "Chen": 3, "Wu": 3}


def test_without_the_accounts_table_there_is_no_new_accounts_metric():
    metrics = rep_metrics(cube(), quotas(), "2026-03")
    assert "new_accounts" not in metrics.columns
    boards = [Leaderboard(name="A", metric="attainment"), Leaderboard(name="N", metric="new_accounts")]
    assert champions(metrics, boards)["board"].tolist() == ["A"]
    assert needs_new_accounts(boards) and not needs_new_accounts(boards[:1])

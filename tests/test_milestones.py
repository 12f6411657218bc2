"""Milestones: cumulative checkpoints per rep from their own monthly shape, with due dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.model.milestones import milestones

PLAN_YEAR = pd.period_range("2027-01", periods=12, freq="M")


def monthly_targets(rep: str, values) -> pd.DataFrame:
    return pd.DataFrame({"rep": rep, "period": PLAN_YEAR, "target": np.asarray(values, float)})


def test_quarterly_checkpoints_follow_each_reps_own_shape():
    flat = monthly_targets("flat", [100] * 12)
    late = monthly_targets("late", [0, 0, 0] + [100] * 9)
    out = milestones(pd.concat([flat, late]), every="quarter").set_index(["rep", "number"])
    assert out.loc[("flat", 1), "share"] == pytest.approx(0.25)
    assert out.loc[("late", 1), "share"] == 0
    assert out.loc[("late", 2), "share"] == pytest.approx(3 / 9)
    assert out.loc[("flat", 4), "cumulative_target"] == 1200
    assert out.loc[("flat", 1), "due"] == dt.date(2027, 3, 31)
    assert len(out) == 8


def test_half_year_and_monthly_checkpoints():
    flat = monthly_targets("flat", [100] * 12)
    assert milestones(flat, every="half")["share"].tolist() == pytest.approx([0.5, 1.0])
    monthly = milestones(flat, every="month")
    assert len(monthly) == 12 and monthly["due"].iloc[1] == dt.date(2027, 2, 28)

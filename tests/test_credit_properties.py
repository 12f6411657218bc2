"""Crediting properties, for any splits and overlays: the owners are credited exactly the booked sales (to
the cent, split or not), overlays add exactly their share of the sales they overlay, and a manager's team
credit is exactly the owners' sales of the team (never the manager's own, never an overlay's)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.credit import credit_sales
from salesplan_widgets.schema.incentives import IncentivesSection

REPS = ["Li", "Wang", "Zhou", "Chen", "Mgr"]
SEGMENTS = ["A", "B"]


@st.composite
def books(draw):
    n = draw(st.integers(1, 12))
    rows = [(draw(st.sampled_from(REPS[:4])), draw(st.sampled_from(SEGMENTS)), draw(st.integers(-50_000, 500_000)) / 100)
            for _ in range(n)]  # fmt: skip
    cube = pd.DataFrame(rows, columns=["rep", "segment", "actual"]).assign(
        period=pd.Period("2026-03", "M"), team=lambda f: np.where(f["rep"].isin(["Li", "Wang"]), "East", "West"),
        channel="all", quantity=0.0, lines=1,
    )  # fmt: skip
    splits = []
    for rep in draw(st.lists(st.sampled_from(REPS[:4]), unique=True, max_size=3)):
        segment = draw(st.sampled_from([None, *SEGMENTS]))
        owners = draw(st.lists(st.sampled_from(REPS[:4]), unique=True, min_size=0, max_size=3))
        weights = [draw(st.integers(1, 9)) for _ in owners]
        shares = {o: w / sum(weights) for o, w in zip(owners, weights, strict=True)}
        others = [r for r in REPS[:4] if r not in shares]
        overlays = {
            o: draw(st.integers(1, 4)) / 4
            for o in draw(st.lists(st.sampled_from(others), unique=True, max_size=2))
        }
        if shares or overlays:
            splits.append({"rep": rep, "segment": segment, "shares": shares, "overlays": overlays})
    hierarchy = [{"manager": "Mgr", "team": "East"}] if draw(st.booleans()) else []
    return cube, IncentivesSection.model_validate({"crediting": splits, "hierarchy": hierarchy})


@settings(max_examples=150, deadline=None)
@given(books())
def test_owners_get_exactly_the_bookings_and_overlays_exactly_their_share(case):
    cube, section = case
    credited = credit_sales(cube, section)
    owners = credited[credited["credit"].isin(["booked", "split"])]
    assert round(owners["actual"].sum(), 6) == round(cube["actual"].sum(), 6)

    matched_overlay = 0.0
    for _i, row in cube.iterrows():  # the oracle: the first split matching each booked row
        split = next(
            (s for s in section.crediting if s.rep == row["rep"] and s.segment in (None, row["segment"])),
            None,
        )
        if split is not None:
            matched_overlay += row["actual"] * sum(split.overlays.values())
    overlay = credited.loc[credited["credit"] == "overlay", "actual"].sum()
    assert round(overlay, 6) == round(matched_overlay, 6)

    team = credited.loc[credited["credit"] == "team", "actual"].sum()
    expected = (
        owners.loc[(owners["team"] == "East") & (owners["rep"] != "Mgr"), "actual"].sum()
        if section.hierarchy
        else 0.0
    )
    assert round(team, 6) == round(expected, 6)

"""What a period paid a person is recovered at most once, however many of its deals come back
(`model/clawbacks.first_come`): per person and paid period the deals' clawbacks add up to no more than the
period paid, the deal returned first is recovered first, and a deal returned later never changes what an
earlier one gave back. Pure frames in; the ledger itself is checked in test_clawback_credit.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets.model.clawbacks import first_come

PERIODS = [pd.Period("2026-01", "M"), pd.Period("2026-02", "M")]


@st.composite
def returned_deals(draw):
    n = draw(st.integers(1, 8))
    rows = pd.DataFrame(
        {
            "deal": [f"D{i}" for i in range(n)],
            "rep": [draw(st.sampled_from(["Li", "Wang"])) for _ in range(n)],
            "for_period": pd.PeriodIndex([draw(st.sampled_from(PERIODS)) for _ in range(n)]),
        }
    )
    take = np.array([draw(st.integers(0, 5_000)) for _ in range(n)], dtype=float)
    paid = {(p, r): float(draw(st.integers(0, 8_000))) for p in PERIODS for r in ("Li", "Wang")}
    most = np.array([paid[(p, r)] for p, r in zip(rows["for_period"], rows["rep"], strict=True)])
    came_back = pd.Series(draw(st.permutations(range(n))), index=rows["deal"], dtype=float)
    return rows, take, most, came_back


@settings(max_examples=200, deadline=None)
@given(returned_deals())
def test_a_periods_deals_give_back_no_more_than_it_paid_the_first_returned_first(case):
    rows, take, most, came_back = case
    got = first_come(rows, take, most, came_back)
    assert (got >= 0).all() and (got <= take).all()
    frame = rows.assign(got=got, take=take, most=most, when=rows["deal"].map(came_back))
    for _, group in frame.groupby(["for_period", "rep"]):
        # no more than the period paid, and all of it when the deals ask for that much
        assert group["got"].sum() == min(group["take"].sum(), group["most"].iloc[0])
        ordered = group.sort_values("when")
        left = ordered["most"].iloc[0] - ordered["take"].cumsum().shift(fill_value=0.0)
        assert (ordered["got"] == np.clip(np.minimum(ordered["take"], left), 0, None)).all()
    # a deal returned after all the others leaves what they gave back as it was
    last = came_back.idxmax()
    earlier = (rows["deal"] != last).to_numpy()
    again = first_come(rows[earlier].reset_index(drop=True), take[earlier], most[earlier], came_back)
    assert (again == got[earlier]).all()


def test_two_deals_of_one_rep_share_what_the_month_paid_in_the_order_they_came_back():
    rows = pd.DataFrame(
        {"deal": ["L-2", "L-1"], "rep": ["Li", "Li"], "for_period": pd.PeriodIndex(PERIODS[:1] * 2)}
    )
    came_back = pd.Series([2.0, 1.0], index=["L-2", "L-1"])  # L-1 came back first
    # each asks 600 of the 800 January paid: L-1 takes its 600, L-2 the 200 left
    assert first_come(rows, np.array([600.0, 600.0]), np.array([800.0, 800.0]), came_back).tolist() == [
        200.0,
        600.0,
    ]

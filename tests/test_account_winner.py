"""New accounts credited to whoever won them (`incentives.account_winner`): the rep on an account's first line
ever is credited with the account's sales booked by others for N months, instead of the booker or beside
them; the credit flows through the splits, the managers' team credit, statements, cost report and exports.

Known answer after The Wilson Group, "Sales compensation: when to stop paying hunters and start paying
farmers" (https://www.wilsongroup.com/sales-compensation-when-to-stop-paying-hunters-and-start-paying-farmers/):
the new-account rep (the hunter) is paid on the account until its hand-off to the account manager (the
farmer), "3 to 6 months after the contract has been signed"; the account manager "picks this up and goes
forward". Here the hand-off is six months after the account's first order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from salesplan_widgets.model.credit import credit_sales, with_won_accounts
from salesplan_widgets.model.estimator import plan_cost
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.deals import deal_facts
from salesplan_widgets.workbook.payouts import pay_cube, period_statements, write_payouts
from salesplan_widgets.workbook.won_accounts import won_account_sales

PLAN = """\
name: Hunters and farmers
currency: USD
locale: en
sources:
  sales:
    path: data/sales.{ext}
    columns: {{date: Date, amount: Amount, rep: Rep, team: Team, account: Customer}}
incentives:
  commission: {{base_rate: 0.10}}
  account_winner: {{months: 6{overlay}}}
{extra}"""

# Hunter wins Orbit on 15 January; the farmer Fay books its repeat orders from February on. Hunter's own
# account Nova is untouched; Fay's own account Vega (won by Fay) stays Fay's.
SALES = pd.DataFrame(
    {
        "Date": [
            "2026-01-15",
            "2026-02-10",
            "2026-04-20",
            "2026-07-14",
            "2026-07-15",
            "2026-08-03",
            "2026-02-01",
            "2025-11-05",
            "2026-02-20",
        ],  # fmt: skip
        "Amount": [10_000.0, 2_000.0, 3_000.0, 1_000.0, 4_000.0, 5_000.0, 7_000.0, 900.0, 600.0],
        "Rep": ["Hunter", "Fay", "Fay", "Fay", "Fay", "Fay", "Hunter", "Fay", "Fay"],
        "Team": ["New", "Farm", "Farm", "Farm", "Farm", "Farm", "New", "Farm", "Farm"],
        "Customer": ["Orbit", "Orbit", "Orbit", "Orbit", "Orbit", "Orbit", "Nova", "Vega", "Vega"],
    }
)


def write_workbook(folder: Path, ext: str = "csv", overlay: bool = False, extra: str = "") -> Path:
    (folder / "data").mkdir(parents=True)
    if ext == "csv":
        SALES.to_csv(folder / "data" / "sales.csv", index=False)
    else:
        SALES.to_excel(folder / "data" / "sales.xlsx", index=False)
    text = PLAN.format(ext=ext, overlay=", overlay: true" if overlay else "", extra=extra)
    (folder / "plan.yaml").write_text(text, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    reps = [("Hunter", "New"), ("Fay", "Farm"), ("Boss", "New")]
    targets = pd.DataFrame(
        [(m, r, t, 20_000.0) for m in months for r, t in reps], columns=["period", "rep", "team", "target"]
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


def credited_sales(wb, period: str) -> pd.Series:
    reps = period_statements(wb, period).reps
    return reps.set_index(reps["rep"].astype(str))["period_sales"]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_the_hunter_is_credited_until_the_hand_off_six_months_after_the_win(tmp_path, ext):
    wb = open_workbook(write_workbook(tmp_path / "wb", ext=ext))
    # Feb: Fay's 2,000 on Orbit is Hunter's (beside Hunter's own 7,000 on Nova); Fay keeps Vega's 600
    feb = credited_sales(wb, "2026-02")
    assert feb["Hunter"] == pytest.approx(2_000 + 7_000) and feb["Fay"] == pytest.approx(600)
    assert credited_sales(wb, "2026-04")["Hunter"] == pytest.approx(3_000)
    # 14 July is the last day before the hand-off (15 January + 6 months): Hunter's; from 15 July, Fay's
    july = credited_sales(wb, "2026-07")
    assert july["Hunter"] == pytest.approx(1_000) and july["Fay"] == pytest.approx(4_000)
    august = credited_sales(wb, "2026-08")
    assert august["Fay"] == pytest.approx(5_000) and august.get("Hunter", 0.0) == pytest.approx(0.0)


def test_without_the_rule_the_booking_rep_keeps_the_sale(tmp_path):
    folder = write_workbook(tmp_path / "wb")
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text().replace("months: 6", "months: 0"), encoding="utf-8")
    feb = credited_sales(open_workbook(folder), "2026-02")
    assert feb["Hunter"] == pytest.approx(7_000) and feb["Fay"] == pytest.approx(2_600)


def test_as_an_overlay_both_are_credited_and_the_cost_report_shows_the_credit_ratio(tmp_path):
    wb = open_workbook(write_workbook(tmp_path / "wb", overlay=True))
    feb = credited_sales(wb, "2026-02")
    assert feb["Hunter"] == pytest.approx(9_000) and feb["Fay"] == pytest.approx(2_600)
    cost = plan_cost(period_statements(wb, "2026-02"))
    booked = 2_000 + 7_000 + 600
    assert cost.revenue == pytest.approx(booked)
    assert cost.credit_ratio == pytest.approx((booked + 2_000) / booked)


def test_the_pay_cube_moves_the_sales_and_loses_none(tmp_path):
    wb = open_workbook(write_workbook(tmp_path / "wb"))
    cube = pay_cube(wb, wb.plan.incentives)
    assert cube["actual"].sum() == pytest.approx(SALES["Amount"].sum())
    won = cube[cube["won_by"] != "all"]
    # Orbit's lines booked by Fay within six months: 2,000 + 3,000 + 1,000, marked with Hunter and his team
    assert won["actual"].sum() == pytest.approx(6_000)
    assert set(won["won_by"]) == {"Hunter"} and set(won["won_team"]) == {"New"}


@pytest.mark.parametrize("grain", ["week", "4-4-5", "quarter"])
def test_at_every_grain_the_winner_is_credited_in_the_period_of_the_sale(tmp_path, grain):
    folder = write_workbook(tmp_path / "wb", extra="  measurement: quarterly\n" if grain == "quarter" else "")
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text() + f"calendar: {{grain: '{grain}'}}\n", encoding="utf-8")
    wb = open_workbook(folder)
    cube = pay_cube(wb, wb.plan.incentives)
    assert cube["actual"].sum() == pytest.approx(SALES["Amount"].sum())
    credited = credit_sales(cube, wb.plan.incentives)
    sale = pd.Period("2026-02-10", freq=cube["period"].dt.freq)  # Fay's first Orbit order, Hunter's credit
    won = credited[(credited["credit"] == "won") & (credited["period"] == sale)]
    assert won["rep"].tolist() == ["Hunter"] and won["actual"].sum() == pytest.approx(2_000)
    assert credited.loc[credited["credit"] == "won", "actual"].sum() == pytest.approx(6_000)


def test_the_winners_manager_gets_the_team_credit_and_exports_show_the_won_account_line(tmp_path):
    extra = "  hierarchy: [{manager: Boss, team: New, override_rate: 0.01}]\n"
    folder = write_workbook(tmp_path / "wb", extra=extra)
    csv_path, xlsx_path = write_payouts(folder, "2026-02")[:2]
    table = pd.read_csv(csv_path, encoding="utf-8-sig")
    boss = table[(table["rep"] == "Boss") & (table["component"] == "team_override")]
    assert boss["base"].tolist() == [9_000.0]  # the New team's February: Nova 7,000 + Orbit 2,000 won
    credit = pd.read_csv(csv_path.with_name("credit-2026-02.csv"), encoding="utf-8-sig")
    hunter = credit[credit["Rep"] == "Hunter"]
    assert hunter["Credited sales"].tolist() == [2_000.0]
    assert "Won-account credit" in hunter["Rule"].iloc[0]
    sheet = list(load_workbook(xlsx_path)["Credit"].iter_rows(values_only=True))
    assert ("New", "Hunter", hunter["Rule"].iloc[0], 2_000) in sheet


def test_a_split_naming_the_account_wins_over_the_winner_rule(tmp_path):
    extra = "  crediting: [{account: Orbit, shares: {Fay: 0.5, Hunter: 0.5}}]\n"
    wb = open_workbook(write_workbook(tmp_path / "wb", extra=extra))
    feb = credited_sales(wb, "2026-02")
    assert feb["Hunter"] == pytest.approx(7_000 + 1_000) and feb["Fay"] == pytest.approx(600 + 1_000)


def test_two_reps_on_an_accounts_first_day_the_alphabetically_first_wins_as_the_new_logo_does(tmp_path):
    # Zed and Amy both book Tide on its first day (Zed's line first in the file); Amy wins it, her team
    # East (not her second line's West), as `deal_facts` counts Tide's new logo for Amy on East
    folder = tmp_path / "wb"
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(
        {
            "Date": pd.to_datetime(["2026-03-02", "2026-03-02", "2026-03-02", "2026-04-10", "2026-03-01"]),
            "Amount": [500.0, 300.0, 200.0, 1_000.0, 50.0],
            "Rep": ["Zed", "Amy", "Amy", "Zed", "Zed"],
            "Team": ["North", "West", "East", "North", "North"],
            "Customer": ["Tide", "Tide", "Tide", "Tide", "Reef"],
        }
    ).to_parquet(folder / "data" / "sales.parquet", index=False)
    plan = PLAN.format(ext="parquet", overlay="", extra="  new_logo: {bonus: 100}\n")
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    wb = open_workbook(folder)
    source, calendar = wb.source("sales"), wb.plan.calendar
    won = won_account_sales(source, wb.path, calendar, 6)
    # Zed's two Tide lines (2 March, 10 April) are Amy's, East's; Reef is Zed's own account
    assert won[["won_by", "won_team"]].drop_duplicates().values.tolist() == [["Amy", "East"]]
    assert set(won["rep"]) == {"Zed"} and won["actual"].sum() == pytest.approx(500 + 1_000)
    logos = deal_facts(source, wb.path, calendar, logo_edges=[0.0])
    firsts = logos[logos["new_logos"] > 0].groupby(["rep", "team"])["new_logos"].sum().to_dict()
    assert firsts == {("Amy", "East"): 1.0, ("Zed", "North"): 1.0}  # Tide and Reef


def test_an_account_id_with_stray_spaces_is_the_same_account_for_its_winner(tmp_path):
    # " Orbit " typed on Hunter's first order and "Orbit" on Fay's repeat order: one account, won by Hunter
    folder = tmp_path / "wb"
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(
        {
            "Date": ["2026-01-15", "2026-02-10", "2026-02-11"],
            "Amount": [10_000.0, 2_000.0, 300.0],
            "Rep": ["Hunter", "Fay", "Fay"],
            "Team": ["New", "Farm", "Farm"],
            "Customer": [" Orbit ", "Orbit", "Orbit  "],
        }
    ).to_csv(folder / "data" / "sales.csv", index=False)
    (folder / "plan.yaml").write_text(PLAN.format(ext="csv", overlay="", extra=""), encoding="utf-8")
    wb = open_workbook(folder)
    wb.write_table(
        "targets", pd.DataFrame({"period": ["2026-02"] * 2, "rep": ["Hunter", "Fay"], "target": 1e4})
    )
    won = won_account_sales(wb.source("sales"), wb.path, wb.plan.calendar, 6)
    assert set(won["won_by"]) == {"Hunter"} and won["actual"].sum() == pytest.approx(2_300)
    assert credited_sales(wb, "2026-02")["Hunter"] == pytest.approx(2_300)


# -- the property: without an overlay, total credit is the booked sales -----------------------------------
REPS = ["Li", "Wang", "Zhou", "Chen"]


@st.composite
def won_books(draw):
    n = draw(st.integers(1, 10))
    rows = [(draw(st.sampled_from(REPS)), draw(st.integers(-50_000, 500_000)) / 100) for _ in range(n)]
    cube = pd.DataFrame(rows, columns=["rep", "actual"]).assign(
        period=pd.Period("2026-03", "M"), team=lambda f: np.where(f["rep"].isin(["Li", "Wang"]), "East", "West"),
        territory="all", segment="all", channel="all", quantity=0.0, lines=1,
    ).groupby(["period", "rep", "team", "territory", "segment", "channel"], as_index=False).sum()  # fmt: skip
    taken = cube.sample(frac=draw(st.sampled_from([0.0, 0.5, 1.0])), random_state=draw(st.integers(0, 99)))
    fraction = draw(st.integers(0, 100)) / 100
    won = taken.assign(
        actual=(taken["actual"] * fraction).round(2),
        lines=1,
        won_by=[draw(st.sampled_from([r for r in REPS if r != rep])) for rep in taken["rep"]],
    )
    won = won.assign(won_team=np.where(won["won_by"].isin(["Li", "Wang"]), "East", "West"))
    splits = [{"rep": "Zhou", "shares": {"Zhou": 0.5, "Li": 0.5}}] if draw(st.booleans()) else []
    section = {"account_winner": {"months": 12, "overlay": draw(st.booleans())}, "crediting": splits}
    return cube, won, IncentivesSection.model_validate(section)


@settings(max_examples=150, deadline=None)
@given(won_books())
def test_total_credit_is_the_booked_sales_unless_the_winner_is_an_overlay(case):
    cube, won, section = case
    credited = credit_sales(with_won_accounts(cube, won), section)
    extra = won["actual"].sum() if section.account_winner.overlay else 0.0
    assert credited["actual"].sum() == pytest.approx(cube["actual"].sum() + extra, abs=1e-6)
    winners = credited[credited["credit"].isin(["won", "won_overlay"])]
    moved = won.groupby("won_by")["actual"].sum()
    if not section.crediting:  # each winner is credited exactly the sales moved to them
        got = winners.groupby("rep")["actual"].sum()
        pd.testing.assert_series_equal(
            got.reindex(moved.index).fillna(0.0), moved, check_names=False, atol=1e-6
        )

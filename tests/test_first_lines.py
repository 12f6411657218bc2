"""One first line: an account's winner (`won_accounts`), a returned deal's first sale line (`returns`) and the
new logo and kicker they answer to (`deals.deal_facts`) are all the earliest (date, rep, team) by trimmed
names, blanks last, whichever query reads the names (raw for the facts, cleaned to 'unknown' for the others).

Real sales files in tmp_path; each query's answer against a plain pandas sort of the same lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_per_deal import messy_lines

from salesplan_widgets.schema import Calendar, SalesSource
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.deals import deal_facts
from salesplan_widgets.workbook.returns import deal_returns
from salesplan_widgets.workbook.sources import UNKNOWN
from salesplan_widgets.workbook.won_accounts import won_account_sales


def as_named(values: pd.Series) -> pd.Series:
    """A name as the workbook reads it: trimmed, a blank one 'unknown'."""
    return values.str.strip().replace("", None).fillna(UNKNOWN)


def first_lines(lines: pd.DataFrame, key: str) -> pd.DataFrame:
    """Each `key`'s first line the plain way: sorted by date, then rep and team as trimmed names with blanks
    last; date, rep and team of that line, as the workbook names them."""
    names = {c: lines[c].str.strip().replace("", None) for c in ("rep", "team")}
    order = lines.assign(**names).sort_values(["date", "rep", "team"], kind="stable", na_position="last")
    firsts = lines.loc[order.index].drop_duplicates(key).set_index(key)
    return firsts[["date"]].assign(rep=as_named(firsts["rep"]), team=as_named(firsts["team"]))


def sales_file(folder: Path, lines: pd.DataFrame) -> SalesSource:
    folder.mkdir(parents=True, exist_ok=True)
    lines.to_csv(folder / "sales.csv", index=False)
    return SalesSource(path="sales.csv", columns={c: c for c in ("date", "amount", "rep", "team", "account")})


def expected_won(lines: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Sales booked on an account by a rep other than its winner (the rep on its first sale), from that sale
    on (within years of it), per winner and the winner's team."""
    known = lines.assign(account=lines["account"].str.strip().replace("", None)).dropna(
        subset=["date", "account"]
    )
    known = known.assign(date=pd.to_datetime(known["date"]))
    winners = first_lines(known[known["amount"].astype(float) > 0], "account")  # won by the first sale
    booked = known.merge(winners, left_on="account", right_index=True, suffixes=("", "_won"))
    booked = booked[booked["date"] >= booked["date_won"]]  # a return before the win stays its booker's
    others = booked[as_named(booked["rep"]) != booked["rep_won"]]
    return others.groupby(["rep_won", "team_won"])["amount"].sum().round(2).to_dict()


def test_an_accounts_winner_is_on_its_first_line_when_a_blank_team_shares_its_first_day(tmp_path):
    # 王伟 books Tide twice on its first day, once without a team; the new logo is his 北区 line (a blank
    # name comes last), and so is the winner of Li's later order. Read as 'unknown', the blank team sorted
    # before 北区 and Li's order went to 王伟 in a team called 'unknown'.
    lines = pd.DataFrame(
        {
            "date": ["2026-03-02", "2026-03-02", "2026-04-10"],
            "amount": [500.0, 300.0, 1_000.0],
            "rep": ["王伟", "王伟", "Li"],
            "team": [None, "北区", "East"],
            "account": ["Tide", "Tide", "Tide"],
        }
    )
    source = sales_file(tmp_path, lines)
    logos = deal_facts(source, tmp_path, Calendar(), logo_edges=[0.0])
    assert logos.loc[logos["new_logos"] > 0, ["rep", "team"]].values.tolist() == [["王伟", "北区"]]
    won = won_account_sales(source, tmp_path, Calendar(), 6)
    assert won[["rep", "won_by", "won_team"]].values.tolist() == [["Li", "王伟", "北区"]]


@pytest.mark.parametrize(("seed", "one_team"), [(1, False), (2, True), (3, False), (4, True)])
def test_winners_agree_with_a_plain_pandas_sort_of_messy_lines(tmp_path, seed, one_team):
    # blank and padded names, CJK and Latin ones, reps in two teams or in one, many lines on one day
    lines = messy_lines(seed, padded=True, one_team=one_team)
    source = sales_file(tmp_path, lines)
    won = won_account_sales(source, tmp_path, Calendar(), 120)
    got = won.groupby(["won_by", "won_team"])["actual"].sum().round(2).to_dict()
    expected = expected_won(lines)
    assert len(expected) > 5 and got == pytest.approx(expected)


RETURNS_PLAN = """\
name: First sale lines
currency: CNY
sources:
  sales:
    path: sales.csv
    columns: {date: date, amount: amount, rep: rep, team: team, deal: deal}
incentives:
  commission: {base_rate: 0.05}
  clawback: {window_days: 90}
  deal_kicker: {at_least: 1, rate: 0.01}
"""


def sold_lines(folder: Path, lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each returned deal's first sale line as `deal_returns` gives it, and the kicker's per period, rep and
    team as `deal_facts` counts it."""
    sales_file(folder, lines)
    (folder / "plan.yaml").write_text(RETURNS_PLAN, encoding="utf-8")
    book = open_workbook(folder)
    returned = deal_returns(book, book.plan.incentives)
    facts = deal_facts(book.source("sales"), folder, book.plan.calendar, [0.0], clawed=True)
    return returned, facts


def test_a_returned_deals_first_sale_line_is_the_one_its_kicker_paid_when_a_blank_team_shares_its_day(
    tmp_path,
):
    # D-1's first day: 王伟 without a team and 王伟 in 北区. The kicker pays 北区 (a blank name comes last),
    # so the return's first sale line is 北区's: read as 'unknown', it sorted first and the clawback
    # took the kicker back from a team it never paid.
    lines = pd.DataFrame(
        {
            "date": ["2026-03-02", "2026-03-02", "2026-05-10"],
            "amount": [5_000.0, 3_000.0, -2_000.0],
            "rep": ["王伟", "王伟", "王伟"],
            "team": [None, "北区", "北区"],
            "deal": ["D-1", "D-1", "D-1"],
            "account": ["Tide"] * 3,
        }
    )
    returned, facts = sold_lines(tmp_path, lines)
    paid = facts[facts["deals"] > 0]
    assert paid[["rep", "team", "deal_sales"]].values.tolist() == [["王伟", "北区", 8_000.0]]
    assert returned[["deal", "sold_rep", "sold_team"]].values.tolist() == [["D-1", "王伟", "北区"]]


@pytest.mark.parametrize("seed", [5, 6])
def test_returned_deals_first_sale_lines_agree_with_a_plain_pandas_sort_of_messy_lines(tmp_path, seed):
    lines = messy_lines(seed)
    returned, _ = sold_lines(tmp_path, lines)
    dated = lines.assign(deal=lines["deal"].str.strip().replace("", None)).dropna(subset=["date", "deal"])
    dated = dated.assign(date=pd.to_datetime(dated["date"]))
    sold_on = dated[dated["amount"] > 0].groupby("deal")["date"].min().rename("sold_on")
    dated = dated.join(sold_on, on="deal", how="inner")
    # the lines the kicker sized the deal on: all but returns paid in a later month than its first sale
    later = (dated["amount"] < 0) & (dated["date"].dt.to_period("M") > dated["sold_on"].dt.to_period("M"))
    firsts = first_lines(dated[~later], "deal")
    expected = firsts.loc[sorted(set(returned["deal"]))]
    got = returned.drop_duplicates("deal").set_index("deal").sort_index()
    assert len(got) > 50
    assert got["sold_rep"].tolist() == expected["rep"].tolist()
    assert got["sold_team"].tolist() == expected["team"].tolist()


def test_an_invoices_cash_goes_to_its_first_line_as_its_kicker_does_whatever_the_rows_order(tmp_path):
    # INV-1's day has three lines: Wang/West, Li/North, Li/East. Without a deal column the invoice is the
    # deal: its kicker pays Li/East, and its cash collected is Li/East's too, whichever row the file lists
    # first (the cash went to the file's first row, and could take a rep from one line, a team from another)
    from salesplan_widgets.schema import Source
    from salesplan_widgets.workbook.receipts import collected_rows

    rows = [("2026-03-02", 500.0, "Wang", "West"), ("2026-03-02", 300.0, "Li", "North"),
            ("2026-03-02", 200.0, "Li", "East"), ("2026-03-20", 900.0, "Zhou", "East")]  # fmt: skip
    pd.DataFrame({"date": ["2026-04-01"], "amount": [1_000.0], "invoice": ["INV-1"]}).to_csv(
        tmp_path / "receipts.csv", index=False
    )
    receipts = Source(path="receipts.csv", columns={c: c for c in ("date", "amount", "invoice")})
    for order in (rows, rows[::-1]):
        sales = pd.DataFrame(order, columns=["date", "amount", "rep", "team"]).assign(invoice="INV-1")
        sales.to_csv(tmp_path / "sales.csv", index=False)
        source = SalesSource(path="sales.csv", columns={c: c for c in sales.columns})
        facts = deal_facts(source, tmp_path, Calendar(), [1.0])
        assert facts.loc[facts["deals"] > 0, ["rep", "team"]].values.tolist() == [["Li", "East"]]
        cash = collected_rows(source, receipts, tmp_path, Calendar(), [])
        assert cash[["rep", "team", "collected"]].values.tolist() == [["Li", "East", 1_000.0]]


@pytest.mark.parametrize(("seed", "one_team"), [(7, False), (8, True)])
def test_invoices_cash_agrees_with_a_plain_pandas_sort_of_messy_lines(tmp_path, seed, one_team):
    from salesplan_widgets.schema import Source
    from salesplan_widgets.workbook.receipts import collected_rows

    lines = messy_lines(seed, one_team=one_team).rename(columns={"deal": "invoice"})
    dated = lines.dropna(subset=["date", "invoice"]).assign(date=lambda f: pd.to_datetime(f["date"]))
    firsts = first_lines(dated, "invoice")
    pd.DataFrame({"date": "2026-06-01", "amount": 100.0, "invoice": firsts.index}).to_csv(
        tmp_path / "receipts.csv", index=False
    )
    lines.to_csv(tmp_path / "sales.csv", index=False)
    source = SalesSource(
        path="sales.csv", columns={c: c for c in ("date", "amount", "rep", "team", "invoice")}
    )
    receipts = Source(path="receipts.csv", columns={c: c for c in ("date", "amount", "invoice")})
    cash = collected_rows(source, receipts, tmp_path, Calendar(), [])
    got = cash.groupby(["rep", "team"])["collected"].sum().to_dict()
    expected = (firsts.groupby(["rep", "team"]).size() * 100.0).to_dict()
    assert len(expected) > 5 and got == expected

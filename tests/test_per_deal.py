"""Per-deal components computed on the transactions in DuckDB, not on monthly totals: a deal-size kicker
and a new-logo bonus, from real sales files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from salesplan_widgets.schema import Calendar, SalesSource
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.cube import period_freq
from salesplan_widgets.workbook.deals import deal_facts, ranked_sellers
from salesplan_widgets.workbook.payouts import period_statements, write_payouts
from salesplan_widgets.workbook.sources import UNKNOWN

PLAN = """\
name: Deal Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.{ext}
    columns: {{{columns}}}
incentives:
{rules}
"""
COLUMNS = "date: 日期, amount: 金额, rep: 销售, team: 团队, account: 客户"

SALES = pd.DataFrame(
    {
        "日期": ["2025-06-01", "2026-01-20", "2026-02-03", "2026-01-25", "2026-03-04", "2026-03-04", "2026-04-01",
                 "2026-03-10", "2026-03-11"],
        "金额": [500.0, 60_000.0, 50_000.0, 90_000.0, 3_000.0, 4_000.0, 20_000.0, 1_000.0, 8_000.0],
        "销售": ["Wang", "Li", "Li", "Wang", "Li", "Li", "Wang", "Wang", "Wang"],
        "团队": ["East"] * 9,
        "客户": ["ACME", "ACME", "ACME", "ACME", "Beta", "Beta", "Beta", "Gamma", "Gamma"],
        "合同": ["D-0", "D-1", "D-1", "D-2", "D-3", "D-3", "D-4", "D-5", "D-6"],
        "发票": ["I-0", "I-1", "I-2", "I-3", "I-4", "I-5", "I-6", "I-7", "I-8"],
    }
)  # fmt: skip


def write_workbook(
    folder: Path, rules: str, columns: str = COLUMNS + ", deal: 合同", ext: str = "csv"
) -> Path:
    (folder / "data").mkdir(parents=True)
    if ext == "csv":
        SALES.to_csv(folder / "data" / "sales.csv", index=False)
    else:
        SALES.to_parquet(folder / "data" / "sales.parquet", index=False)
    (folder / "plan.yaml").write_text(PLAN.format(ext=ext, columns=columns, rules=rules), encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame([(m, r, "East", 100_000.0) for m in months for r in ("Li", "Wang", "Boss")],
                           columns=["period", "rep", "team", "target"])  # fmt: skip
    open_workbook(folder).write_table("targets", targets)
    return folder


def lines_of(folder: Path, period: str, component: str) -> pd.DataFrame:
    lines = period_statements(open_workbook(folder), period).lines
    return lines[lines["component"] == component].assign(rep=lambda f: f["rep"].astype(str))


KICKER = "  deal_kicker: {at_least: 100000, rate: 0.01}"


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_the_kicker_pays_on_the_whole_deal_in_the_month_it_was_first_booked(tmp_path, ext):
    folder = write_workbook(tmp_path / "wb", KICKER, ext=ext)
    # D-1: 60,000 in January + 50,000 in February = 110,000, one deal: 1% of 110,000 in January.
    # Neither month's lines reach 100,000 alone, and D-2 (90,000) never does, though Wang's January is 90,000
    # and Li's + Wang's January together are 150,000: monthly totals could not tell these apart.
    january = lines_of(folder, "2026-01", "deal_kicker")
    assert january[["rep", "base", "amount", "reference"]].values.tolist() == [
        ["Li", 110_000.0, 1_100.0, 1.0]
    ]
    assert lines_of(folder, "2026-02", "deal_kicker").empty


def test_without_a_deal_column_an_invoice_is_the_deal_and_without_either_a_line_is(tmp_path):
    by_invoice = write_workbook(tmp_path / "a", "  deal_kicker: {at_least: 7000, bonus: 300}",
                                columns=COLUMNS + ", invoice: 发票")  # fmt: skip
    # invoices of at least 7,000: I-1 (Jan 60,000) and I-3 (Jan 90,000); in March I-8 (8,000) only
    january = lines_of(by_invoice, "2026-01", "deal_kicker").set_index("rep")["amount"].to_dict()
    assert january == {"Li": 300.0, "Wang": 300.0}
    march = lines_of(by_invoice, "2026-03", "deal_kicker").set_index("rep")["amount"].to_dict()
    assert march == {"Wang": 300.0}  # D-3's two 3,000 + 4,000 invoices are separate deals here
    by_deal = write_workbook(tmp_path / "b", "  deal_kicker: {at_least: 7000, bonus: 300}")
    assert lines_of(by_deal, "2026-03", "deal_kicker").set_index("rep")["amount"].to_dict() == {
        "Li": 300.0,  # D-3 = 3,000 + 4,000
        "Wang": 300.0,  # D-6 = 8,000
    }


def test_a_new_logo_is_the_accounts_first_line_ever_paid_to_the_rep_who_won_it(tmp_path):
    folder = write_workbook(tmp_path / "wb", "  new_logo: {bonus: 500}")
    # ACME first bought in June 2025 (not new in 2026); Beta first on 4 March 2026 from Li (Wang sold to it
    # later); Gamma first on 10 March from Wang
    assert lines_of(folder, "2026-01", "new_logo").empty
    march = lines_of(folder, "2026-03", "new_logo").set_index("rep")[["base", "amount"]]
    assert march.to_dict("index") == {
        "Li": {"base": 1.0, "amount": 500.0},
        "Wang": {"base": 1.0, "amount": 500.0},
    }
    assert lines_of(folder, "2026-04", "new_logo").empty


def test_a_smallest_first_order_leaves_out_accounts_that_started_small(tmp_path):
    folder = write_workbook(tmp_path / "wb", "  new_logo: {bonus: 500, min_first_order: 5000}")
    # Beta's first day is 3,000 + 4,000 = 7,000 (counts); Gamma's first day is 1,000 (does not)
    march = lines_of(folder, "2026-03", "new_logo")
    assert march[["rep", "amount"]].values.tolist() == [["Li", 500.0]]


def test_split_credit_shares_the_per_deal_pay_and_a_manager_gets_none_of_it(tmp_path):
    rules = (KICKER + "\n  new_logo: {bonus: 500}\n  crediting: [{rep: Li, shares: {Li: 0.5, Zhou: 0.5}}]\n"
             "  hierarchy: [{manager: Boss, team: East}]")  # fmt: skip
    folder = write_workbook(tmp_path / "wb", rules)
    january = lines_of(folder, "2026-01", "deal_kicker").set_index("rep")["amount"].to_dict()
    assert january == {"Li": 550.0, "Zhou": 550.0}
    march = lines_of(folder, "2026-03", "new_logo").set_index("rep")["amount"].to_dict()
    assert march == {"Li": 250.0, "Zhou": 250.0, "Wang": 500.0}


def test_per_deal_lines_are_exported_and_read_in_chinese(tmp_path):
    folder = write_workbook(tmp_path / "wb", KICKER + "\n  new_logo: {bonus: 500}")
    csv_path = write_payouts(folder, "2026-03")[0]
    table = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert set(table["component"]) >= {"new_logo"}
    english = lines_of(folder, "2026-01", "deal_kicker")["rule"].astype(str).tolist()
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("locale: en", "locale: zh_CN"), encoding="utf-8")
    chinese = lines_of(folder, "2026-01", "deal_kicker")["rule"].astype(str).tolist()
    assert english == ["Deal-size kicker: 1% on deals of 100,000 or more"]
    assert chinese == ["大单奖励：100,000 及以上的交易额外提成 1%"]


# -- the DuckDB facts against a straightforward pandas computation ---------------------------------------
REPS = ["王伟", "李娜", "Li", "Wang", " Wang", "Zhou"]  # " Wang" is "Wang": after "Li", whatever its raw text
TEAMS = ["East", "West", "北区"]


def messy_lines(seed: int, n: int = 1500, padded: bool = False, one_team: bool = False) -> pd.DataFrame:
    """Sales lines with everything that decides a first line: many lines on the same day, a rep in two teams,
    deals over several months and reps, accounts bought from by several reps, returns (negative amounts),
    and lines without a deal id, an account, a date, a rep or a team. With `padded`, a tenth of the deal
    and account ids typed with a space before or after them, and some only spaces (no id). With `one_team`,
    each rep as typed sells for one team (" Wang" in another than "Wang"; the rep left blank in a team, "Li"
    in none): the lines then find their seller by the rep alone (`deals.ranked_sellers`)."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2025-11-20") + pd.to_timedelta(rng.integers(0, 120, n), unit="D")
    frame = pd.DataFrame(
        {
            "date": day.strftime("%Y-%m-%d"),
            "amount": np.round(rng.uniform(-3_000, 12_000, n), 2),  # about a fifth are returns
            "rep": rng.choice(REPS, n),
            "team": rng.choice(TEAMS, n),
            "deal": [f"D{i}" for i in rng.integers(0, n // 4, n)],  # ~4 lines a deal, scattered over days
            "account": [f"A{i}" for i in rng.integers(0, n // 20, n)],
        }
    ).astype(object)
    for column, share in (("deal", 0.05), ("account", 0.05), ("date", 0.01), ("rep", 0.02), ("team", 0.02)):
        frame.loc[rng.random(n) < share, column] = None
    if one_team:
        teams = {"王伟": "北区", "李娜": "East", "Li": None, "Wang": "West", " Wang": "East", "Zhou": "West"}
        frame["team"] = [teams[r] if r is not None else "East" for r in frame["rep"]]
    if padded:
        for column in ("deal", "account"):
            typed = frame[column].notna() & (rng.random(n) < 0.1)
            frame.loc[typed, column] = [
                f" {v}" if rng.random() < 0.5 else f"{v} " for v in frame[column][typed]
            ]
            frame.loc[rng.random(n) < 0.02, column] = "  "
    return frame


def band(values: pd.Series, edges: list[float]) -> pd.Series:
    """The largest edge each value reaches, -1 below them all."""
    reached = pd.Series(-1.0, index=values.index)
    for edge in sorted(edges):
        reached[values >= edge] = edge
    return reached


def expected_facts(
    lines: pd.DataFrame, freq: str, key: str | None, deal_edges: list[float], logo_edges: list[float] | None
) -> pd.DataFrame:
    """The per-deal facts the plain way: sort the lines by (date, rep, team) as names read (trimmed, blanks
    last), take each deal's (each line's, without a `key`) first row and each account's first row above 0
    (its first sale), sum their amounts (an account's: of that sale's day), band them and count per period, rep and team."""
    ids = {c: lines[c].str.strip().replace("", None) for c in ("deal", "account")}  # as typed, less spaces
    dated = lines.assign(**ids).dropna(subset=["date"]).assign(date=lambda f: pd.to_datetime(f["date"]))
    names = dated.assign(rep=dated["rep"].str.strip(), team=dated["team"].str.strip())
    ordered = dated.loc[names.sort_values(["date", "rep", "team"], kind="stable").index]
    facts = []
    if deal_edges:
        ids = ordered["deal"] if key else pd.Series(range(len(ordered)), index=ordered.index, dtype=object)
        with_deal = ordered.assign(deal=ids).dropna(subset=["deal"])
        deals = with_deal.drop_duplicates("deal").set_index("deal")[["date", "rep", "team"]]
        deals["deal_sales"] = with_deal.groupby("deal")["amount"].sum()
        deals = deals[deals["deal_sales"] >= min(deal_edges)]
        facts.append(deals.assign(deal_from=band(deals["deal_sales"], deal_edges), deals=1.0, logo_from=-1.0,
                                  new_logos=0.0))  # fmt: skip
    if logo_edges is not None:
        with_account = ordered.dropna(subset=["account"])
        sales = with_account[with_account["amount"].astype(float) > 0]  # an account is won by its first sale
        firsts = sales.drop_duplicates("account").set_index("account")[["date", "rep", "team"]]
        first_days = with_account.merge(firsts["date"].rename("first"), left_on="account", right_index=True)
        first_order = first_days[first_days["date"] == first_days["first"]].groupby("account")["amount"].sum()
        # without a smallest first order every new account counts; with one, its first day's value is banded
        won_with = band(first_order.reindex(firsts.index), [0.0, *logo_edges]) if logo_edges else 0.0
        facts.append(
            firsts.assign(deal_from=-1.0, deals=0.0, deal_sales=0.0, new_logos=1.0, logo_from=won_with)
        )
    facts = pd.concat(facts, ignore_index=True)
    facts["period"] = pd.PeriodIndex(facts.pop("date"), freq=freq)
    for name in ("rep", "team"):  # trimmed; a blank is "unknown" (its line came last on its day)
        facts[name] = facts[name].str.strip().replace("", UNKNOWN).fillna(UNKNOWN)
    keys = ["period", "rep", "team", "deal_from", "logo_from"]
    return facts.groupby(keys, as_index=False)[["deals", "deal_sales", "new_logos"]].sum()


@pytest.mark.parametrize(
    ("seed", "ext", "grain", "key", "deal_edges", "logo_edges", "padded", "one_team"),
    [
        (1, "parquet", "month", "deal", [5_000.0], [], False, False),
        (2, "csv", "month", "invoice", [8_000.0, 20_000.0], [4_000.0], True, False),
        (3, "parquet", "week", None, [0.0, 15_000.0], [0.0, 9_000.0], False, False),
        (4, "csv", "quarter", "deal", [10_000.0], None, True, False),
        (5, "parquet", "month", "deal", [], [2_000.0], True, False),
        (6, "parquet", "month", "deal", [5_000.0], [], True, False),
        (7, "parquet", "month", "deal", [5_000.0], [], True, True),
        (8, "csv", "week", "invoice", [0.0, 15_000.0], [4_000.0], False, True),
    ],
)
def test_deal_facts_agree_with_a_plain_pandas_computation_of_first_lines(
    tmp_path, seed, ext, grain, key, deal_edges, logo_edges, padded, one_team
):
    lines = messy_lines(seed, padded=padded, one_team=one_team)
    path = tmp_path / f"sales.{ext}"
    if ext == "csv":
        lines.to_csv(path, index=False)
    else:
        lines.assign(
            date=pd.to_datetime(lines["date"]).dt.date, amount=lines["amount"].astype(float)
        ).to_parquet(path)
    columns = {c: c for c in ("date", "amount", "rep", "team", "account")} | ({key: "deal"} if key else {})
    source = SalesSource(path=path.name, columns=columns)
    calendar = Calendar(grain=grain)
    facts = deal_facts(source, tmp_path, calendar, deal_edges, logo_edges)

    expected = expected_facts(lines, period_freq(calendar), key, deal_edges, logo_edges)
    assert len(expected) > 20 and expected[["deals", "new_logos"]].sum().max() > 50
    keys = ["period", "rep", "team", "deal_from", "logo_from"]
    got = facts[[*keys, "deals", "deal_sales", "new_logos"]].sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected.sort_values(keys, ignore_index=True), check_dtype=False)
    assert set(facts["territory"]) == {"all"} and facts[["actual", "lines"]].eq(0).all().all()


def test_lines_find_their_seller_by_the_rep_alone_only_when_each_rep_as_typed_sells_for_one_team(tmp_path):
    # the cross-check above runs both ways; this says which way each of its files takes
    for one_team in (True, False):
        path = tmp_path / f"sales-{one_team}.parquet"
        messy_lines(7, padded=True, one_team=one_team).to_parquet(path)
        with duckdb.connect() as con:
            table, by_rep = ranked_sellers(con, f"SELECT * FROM read_parquet('{path}')")
            pairs = con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        assert by_rep is one_team and (pairs == 7 if one_team else pairs > 7)  # 6 reps and the blank one


def test_a_deals_first_line_on_a_shared_day_is_the_alphabetically_first_rep_and_then_team(tmp_path):
    # D-1's first day has three lines: Wang/East, Li/West and Li/East. The first line is Li/East, whatever
    # the order of the rows in the file, and the deal's later months do not move it.
    rows = [("2026-03-05", 4_000.0, "Wang", "East", "D-1", "ACME"), ("2026-03-05", 3_000.0, "Li", "West", "D-1", "ACME"),
            ("2026-03-05", 2_000.0, "Li", "East", "D-1", "ACME"), ("2026-02-27", -500.0, "Zhou", "East", "D-2", "Beta"),
            ("2026-04-01", 9_000.0, "Zhou", "East", "D-1", "ACME")]  # fmt: skip
    for order in (rows, rows[::-1]):
        frame = pd.DataFrame(order, columns=["date", "amount", "rep", "team", "deal", "account"])
        frame.to_csv(tmp_path / "sales.csv", index=False)
        source = SalesSource(path="sales.csv", columns={c: c for c in frame.columns})
        facts = deal_facts(source, tmp_path, Calendar(), [10_000.0], [0.0])
        table = facts.astype({"period": str}).groupby(["period", "rep", "team"], as_index=False)
        assert table[["deals", "deal_sales", "new_logos"]].sum().values.tolist() == [
            ["2026-03", "Li", "East", 1.0, 18_000.0, 1.0],  # D-1 and ACME, both on Li/East's line
        ]  # Beta, a return only, is nobody's new account (D-2's return is a deal below 10,000 either way)


# -- the kicker's "later month" is the clawback rule's own: pay months, not calendar months ---------------
def deal_sizes(tmp_path: Path, rows: list[tuple], grain: str) -> dict[str, float]:
    """Each deal's size band as `deal_facts` counts it under a clawback rule (`clawed`), one rep per deal:
    10,000 when its return is left out (a later pay month), 7,000 when the return nets in it."""
    frame = pd.DataFrame(rows, columns=["date", "amount", "rep", "deal"]).assign(team="East")
    frame.to_csv(tmp_path / "sales.csv", index=False)
    source = SalesSource(path="sales.csv", columns={c: c for c in frame.columns})
    facts = deal_facts(source, tmp_path, Calendar(grain=grain), [5_000.0, 8_000.0], clawed=True)
    return facts.groupby("rep")["deal_sales"].sum().to_dict()


def test_on_iso_weeks_a_return_counts_against_the_deal_unless_its_week_is_in_a_later_pay_month(tmp_path):
    rows = [
        # Monday 23 Feb 2026's week (Thursday 26 Feb) is paid in February: a return on Sunday 1 March is in
        # the same pay month, so it nets in the deal (7,000), though its calendar month is later
        ("2026-02-23", 10_000.0, "Li", "D-1"), ("2026-03-01", -3_000.0, "Li", "D-1"),
        # Sunday 1 Feb 2026 ends January's last week; Tuesday 3 Feb is in February's first week: a later pay
        # month (the clawback's), so the deal keeps its 10,000, though both days are in February
        ("2026-02-01", 10_000.0, "Wang", "D-2"), ("2026-02-03", -3_000.0, "Wang", "D-2"),
    ]  # fmt: skip
    assert deal_sizes(tmp_path, rows, "week") == {"Li": 7_000.0, "Wang": 10_000.0}


def returned_deals(seed: int, n: int) -> tuple[list[tuple], pd.DatetimeIndex, pd.DatetimeIndex]:
    """`n` deals of 10,000, one rep each, sold on random days from mid-December 2025 and each with a return
    of 3,000 up to 40 days later: the lines, the sale days and the return days."""
    rng = np.random.default_rng(seed)
    sold = pd.Timestamp("2025-12-15") + pd.to_timedelta(rng.integers(0, 120, n), unit="D")
    back = sold + pd.to_timedelta(rng.integers(0, 40, n), unit="D")
    rows = []
    for i, (s, b) in enumerate(zip(sold, back, strict=True)):
        rows += [(f"{s:%Y-%m-%d}", 10_000.0, f"R{i:02d}", f"D-{i}"), (f"{b:%Y-%m-%d}", -3_000.0, f"R{i:02d}", f"D-{i}")]  # fmt: skip
    return rows, sold, back


@pytest.mark.parametrize("grain", ["week", "4-4-5", "quarter", "month"])
def test_a_deals_size_leaves_out_exactly_the_returns_the_clawback_rule_takes_back(tmp_path, grain):
    from salesplan_widgets.model.calendar import FiscalCalendar
    from salesplan_widgets.model.clawbacks import later_returns

    rows, sold, back = returned_deals(seed=7, n=60)
    returns = pd.DataFrame(
        {"deal": [f"D-{i}" for i in range(60)], "rep": [f"R{i:02d}" for i in range(60)], "sold_on": sold,
         "returned_on": back, "amount": -3_000.0}
    )  # fmt: skip
    later = set(later_returns(returns, FiscalCalendar.of(Calendar(grain=grain)))["rep"])
    assert 10 < len(later) < 50  # both kinds of deal are there
    expected = {f"R{i:02d}": 10_000.0 if f"R{i:02d}" in later else 7_000.0 for i in range(60)}
    assert deal_sizes(tmp_path, rows, grain) == expected


@pytest.mark.parametrize("grain", ["week", "4-4-5", "quarter", "month"])
def test_a_returned_deal_is_sized_for_its_kicker_clawback_as_deal_facts_sized_it_for_the_kicker(
    tmp_path, grain
):
    """`returns.deal_returns` (what the clawback takes the kicker back on) and `deal_facts` (what paid the
    kicker) leave out the same returns, so a kicker is neither kept on a netted deal nor taken back twice."""
    from salesplan_widgets.workbook.returns import deal_returns

    rows, _, _ = returned_deals(seed=11, n=40)
    kicked = deal_sizes(tmp_path, rows, grain)
    (tmp_path / "plan.yaml").write_text(
        f"name: Sizes\ncurrency: CNY\ncalendar: {{grain: {grain}}}\nsources:\n  sales:\n    path: sales.csv\n"
        "    columns: {date: date, amount: amount, rep: rep, team: team, deal: deal}\n"
        "incentives:\n  commission: {base_rate: 0.05}\n  clawback: {window_days: 90}\n"
        + ("  measurement: quarterly\n" if grain == "quarter" else "")
        + "  deal_kicker: {at_least: 5000, rate: 0.01}\n",
        encoding="utf-8",
    )
    book = open_workbook(tmp_path)
    returned = deal_returns(book, book.plan.incentives)
    assert len(set(kicked.values())) == 2  # deals netted and deals kept whole are both there
    assert returned.set_index("rep")["sold_size"].to_dict() == kicked


def test_a_deal_id_typed_with_spaces_is_one_deal_and_a_blank_one_no_deal_for_the_kicker_and_its_clawback(
    tmp_path,
):
    """Ids are read as a person reads them, in `deal_facts` (the kicker) and `deal_returns` (its clawback)
    alike: " L-1" is L-1, and a line whose deal id is blank or only spaces belongs to no deal."""
    from salesplan_widgets.workbook.returns import deal_returns

    rows = [("2026-01-05", 10_000.0, "Li", "L-1"), ("2026-01-20", -3_000.0, "Li", " L-1 "),
            ("2026-01-06", 9_000.0, "Wang", "  "), ("2026-01-07", -2_000.0, "Wang", ""),
            ("2026-01-09", 6_000.0, "Zhou", "Z-1"), ("2026-03-02", -1_000.0, "Zhou", "Z-1 ")]  # fmt: skip
    kicked = deal_sizes(tmp_path, rows, "month")
    (tmp_path / "plan.yaml").write_text(
        "name: Ids\ncurrency: CNY\nsources:\n  sales:\n    path: sales.csv\n"
        "    columns: {date: date, amount: amount, rep: rep, team: team, deal: deal}\n"
        "incentives:\n  commission: {base_rate: 0.05}\n  clawback: {window_days: 90}\n"
        "  deal_kicker: {at_least: 5000, rate: 0.01}\n",
        encoding="utf-8",
    )
    book = open_workbook(tmp_path)
    returned = deal_returns(book, book.plan.incentives)
    # L-1 nets its same-month return (7,000); Z-1's return is in a later month, so Z-1 stays 6,000
    assert kicked == {"Li": 7_000.0, "Zhou": 6_000.0}
    assert returned.set_index("rep")["sold_size"].to_dict() == kicked
    assert sorted(returned["deal"]) == ["L-1", "Z-1"]


# -- the facts are counted once per data: kept in the workbook's cache like the cube ------------------------
def test_per_deal_facts_are_counted_once_per_data_and_again_when_the_data_or_the_rule_changes(
    tmp_path, monkeypatch
):
    from salesplan_widgets.workbook import deals
    from salesplan_widgets.workbook.payouts import incentives_of, pay_cube

    folder = write_workbook(tmp_path / "wb", KICKER)
    counted = []
    real = deals.deal_facts
    monkeypatch.setattr(deals, "deal_facts", lambda *a, **k: counted.append(a[3]) or real(*a, **k))

    def kicker_sales() -> float:
        book = open_workbook(folder)  # a new workbook object each time, as each kernel and command opens one
        return float(pay_cube(book, incentives_of(book))["deal_sales"].sum())

    assert kicker_sales() == 110_000.0 and len(counted) == 1
    assert kicker_sales() == 110_000.0 and len(counted) == 1  # read from .cache, not counted again
    assert len(list((folder / ".cache").glob("deals-*.parquet"))) == 1

    sales = SALES.copy()
    sales.loc[3, "金额"] = 120_000.0  # D-2 becomes a large deal
    sales.to_csv(folder / "data" / "sales.csv", index=False)
    assert kicker_sales() == 230_000.0 and len(counted) == 2
    assert len(list((folder / ".cache").glob("deals-*.parquet"))) == 1  # the stale file is gone

    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    (folder / "plan.yaml").write_text(plan.replace("at_least: 100000", "at_least: 115000"), encoding="utf-8")
    assert kicker_sales() == 120_000.0 and counted[-1] == [115_000.0]  # another rule: counted for it

    before = sorted(p.name for p in (folder / ".cache").iterdir())
    sales.loc[0, "金额"] = 600.0
    sales.to_csv(folder / "data" / "sales.csv", index=False)
    book = open_workbook(folder, read_only=True)  # a served dashboard: counts in memory, writes nothing
    assert float(pay_cube(book, incentives_of(book))["deal_sales"].sum()) == 120_000.0
    assert sorted(p.name for p in (folder / ".cache").iterdir()) == before


def test_serve_counts_the_per_deal_facts_before_its_read_only_dashboards_need_them(tmp_path, monkeypatch):
    from salesplan_widgets.serve import warm_cache
    from salesplan_widgets.workbook import deals
    from salesplan_widgets.workbook.payouts import incentives_of, pay_cube

    folder = write_workbook(tmp_path / "wb", KICKER)
    warm_cache(open_workbook(folder))
    assert len(list((folder / ".cache").glob("deals-*.parquet"))) == 1

    def counted_again(*args, **kwargs):
        raise AssertionError("a served dashboard counted the transactions again")

    monkeypatch.setattr(deals, "deal_facts", counted_again)
    book = open_workbook(folder, read_only=True)  # as each dashboard kernel opens it
    assert float(pay_cube(book, incentives_of(book))["deal_sales"].sum()) == 110_000.0

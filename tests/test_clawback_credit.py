"""A clawback follows the credit: everyone credited with a returned deal (split owners, an overlay
specialist, the team lead's override) gives back what they were paid on it, at the rate it earned them,
traced to the period it was paid in; a return after the window recovers nothing from anyone.

Comp administration guides describe clawbacks this way, e.g. CaptivateIQ, "What is a commission clawback?"
(https://www.captivateiq.com/blog/commission-clawback): the commission paid on a deal that is cancelled or
refunded is recovered from the payees who were paid on it. The figures below are hand-computed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

PLAN = """\
name: Credited returns
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {{date: date, amount: amount, rep: rep, team: team, segment: segment, deal: order_no}}
incentives:
  measurement: monthly
  negative: clawback  # a period the clawbacks take below 0 pays back now
  commission: {{base_rate: 0.05}}
  crediting: [{crediting}]
  hierarchy: [{{manager: Boss, team: East, override_rate: 0.01}}]
  clawback: {{window_days: 30}}
"""
REPS = {"Li": "East", "Wang": "East", "Boss": "East", "Chen": "Specialists"}


def write_workbook(folder: Path, crediting: str, sales: list[tuple]) -> Path:
    (folder / "data").mkdir(parents=True)
    columns = ["date", "amount", "rep", "team", "segment", "order_no"]
    pd.DataFrame(sales, columns=columns).to_csv(folder / "data" / "sales.csv", index=False)
    (folder / "plan.yaml").write_text(PLAN.format(crediting=crediting), encoding="utf-8")
    months = pd.period_range("2026-01", "2026-12", freq="M")
    targets = pd.DataFrame(
        [(m, rep, team, 50_000.0) for m in months for rep, team in REPS.items()],
        columns=["period", "rep", "team", "target"],
    )
    open_workbook(folder).write_table("targets", targets)
    return folder


def close(folder: Path, month: str) -> set[tuple]:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(folder), "--period", month, *step]) == 0
    lines = read_ledger(open_workbook(folder)).lines
    lines = lines[lines["period"] == pd.Period(month, "M")]
    return {
        (r.rep, r.kind, r.component, str(r.for_period), r.deal, int(r.amount_minor))
        for r in lines.itertuples()
    }


def close_with_kicker_month_by_month(folder: Path, rows: list[tuple], months: tuple[str, ...]) -> dict:
    """Add a 2% kicker on deals of 10,000 or more to the plan, then close each month with the sales file as
    it stood then; each month's new ledger lines (see `close`)."""
    plan = folder / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(
            "  clawback:", "  deal_kicker: {at_least: 10000, rate: 0.02}\n  clawback:"
        ),
        encoding="utf-8",
    )
    columns = ["date", "amount", "rep", "team", "segment", "order_no"]
    closed = {}
    for month in months:
        known = [r for r in rows if r[0][:7] <= month]
        pd.DataFrame(known, columns=columns).to_csv(folder / "data" / "sales.csv", index=False)
        closed[month] = close(folder, month)
    return closed


def test_a_returned_deal_is_clawed_back_from_split_owners_overlay_and_override_inside_the_window_only(
    tmp_path,
):
    folder = write_workbook(
        tmp_path / "wb",
        "{rep: Li, segment: Security, shares: {Li: 0.6, Wang: 0.4}, overlays: {Chen: 1.0}}",
        [
            ("2026-01-15", 10_000, "Li", "East", "Security", "L-1"),
            ("2026-01-10", 4_000, "Li", "East", "Security", "L-2"),
            ("2026-01-20", 2_000, "Boss", "East", "Core", "B-1"),  # the team lead's own sale
            ("2026-02-05", -10_000, "Li", "East", "Security", "L-1"),  # 21 days after the sale: inside 30
            ("2026-02-10", -2_000, "Boss", "East", "Core", "B-1"),  # 21 days: inside
            ("2026-03-01", -4_000, "Li", "East", "Security", "L-2"),  # 50 days after the sale: outside
        ],
    )
    # January: 14,000 of Security split 60/40: Li 8,400 × 5% = 420, Wang 5,600 × 5% = 280; Chen credited
    # 100% beside them: 14,000 × 5% = 700; Boss 1% of East's 14,000 = 140 (not of his own sale), and his own
    # B-1 2,000 × 5% = 100
    assert close(folder, "2026-01") == {
        ("Boss", "payment", "band", "2026-01", "", 100_00),
        ("Li", "payment", "band", "2026-01", "", 420_00),
        ("Wang", "payment", "band", "2026-01", "", 280_00),
        ("Chen", "payment", "band", "2026-01", "", 700_00),
        ("Boss", "payment", "team_override", "2026-01", "", 140_00),
    }
    # February: L-1's 10,000 came back inside the window; each credited person gives back their share at
    # their January rate: Li 6,000 × 5% = 300, Wang 4,000 × 5% = 200, Chen 10,000 × 5% = 500, Boss 1% = 100.
    # B-1 is recovered at the 5% it earned Boss (100), not at his month's 240 ÷ 2,000 with the override in it
    assert close(folder, "2026-02") == {
        ("Boss", "clawback", "clawback", "2026-01", "B-1", -100_00),
        ("Li", "clawback", "clawback", "2026-01", "L-1", -300_00),
        ("Wang", "clawback", "clawback", "2026-01", "L-1", -200_00),
        ("Chen", "clawback", "clawback", "2026-01", "L-1", -500_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-1", -100_00),
    }
    # March: L-2 came back after the window: nobody repays, and nobody's March is cut for it
    assert close(folder, "2026-03") == set()
    lines = read_ledger(open_workbook(folder)).lines
    assert lines.groupby("rep")["amount_minor"].sum().to_dict() == {
        "Li": 120_00,
        "Wang": 80_00,
        "Chen": 200_00,
        "Boss": 40_00,
    }  # fmt: skip  (what L-2 earned each)


def test_found_case_the_overlay_and_the_team_lead_give_back_500_and_100_on_a_fully_returned_deal(tmp_path):
    # found by the scenario tests: on a fully returned deal only its owner Li repaid; Chen kept 500 and
    # Boss 100 (without a clawback rule the return nets for everyone, so the clawback must too)
    folder = write_workbook(
        tmp_path / "wb",
        "{rep: Li, segment: Security, overlays: {Chen: 1.0}}",
        [
            ("2026-01-15", 10_000, "Li", "East", "Security", "L-1"),
            ("2026-02-05", -10_000, "Li", "East", "Security", "L-1"),
        ],
    )
    close(folder, "2026-01")
    assert close(folder, "2026-02") == {
        ("Li", "clawback", "clawback", "2026-01", "L-1", -500_00),
        ("Chen", "clawback", "clawback", "2026-01", "L-1", -500_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-1", -100_00),
    }
    lines = read_ledger(open_workbook(folder)).lines
    assert (lines.groupby("rep")["amount_minor"].sum() == 0).all()  # nobody keeps anything on it


WINNER_PLAN = """\
name: Won accounts returned
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, team: team, account: customer, deal: order_no}
incentives:
  measurement: monthly
  negative: clawback  # a period the clawbacks take below 0 pays back now
  commission: {base_rate: 0.05}
  crediting: [{account: Acme, shares: {Fay: 0.5, Hunter: 0.5}}]
  account_winner: {months: 6}
  clawback: {window_days: 30}
"""


def test_a_return_is_recovered_from_the_accounts_winner_and_from_each_owner_of_an_account_split(tmp_path):
    folder = tmp_path / "wb"
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(
        [
            ("2026-01-10", 5_000, "Hunter", "New", "Orbit", "H-1"),  # Hunter wins Orbit
            ("2026-02-10", 4_000, "Fay", "Farm", "Orbit", "O-2"),  # Fay books on Orbit: Hunter's credit
            ("2026-02-12", 6_000, "Fay", "Farm", "Acme", "A-1"),  # Acme is split 50/50
            ("2026-03-01", -4_000, "Fay", "Farm", "Orbit", "O-2"),  # 19 days after the sale: inside
            ("2026-03-02", -6_000, "Fay", "Farm", "Acme", "A-1"),  # 18 days after the sale: inside
        ],
        columns=["date", "amount", "rep", "team", "customer", "order_no"],
    ).to_csv(folder / "data" / "sales.csv", index=False)
    (folder / "plan.yaml").write_text(WINNER_PLAN, encoding="utf-8")
    months = pd.period_range("2026-01", "2026-12", freq="M")
    open_workbook(folder).write_table(
        "targets",
        pd.DataFrame(
            [(m, r, t, 50_000.0) for m in months for r, t in (("Hunter", "New"), ("Fay", "Farm"))],
            columns=["period", "rep", "team", "target"],
        ),
    )
    assert close(folder, "2026-01") == {("Hunter", "payment", "band", "2026-01", "", 250_00)}
    # February: O-2's 4,000 is Hunter's (he won Orbit): 200; A-1's 6,000 split: 3,000 × 5% = 150 each
    assert close(folder, "2026-02") == {
        ("Hunter", "payment", "band", "2026-02", "", 350_00),
        ("Fay", "payment", "band", "2026-02", "", 150_00),
    }
    # March: both deals come back inside the window. O-2 is recovered from Hunter, who was paid on it, not
    # from Fay, who booked it; A-1 from its two owners, 150 each. Nobody's March is cut or credited for them.
    assert close(folder, "2026-03") == {
        ("Hunter", "clawback", "clawback", "2026-02", "O-2", -200_00),
        ("Hunter", "clawback", "clawback", "2026-02", "A-1", -150_00),
        ("Fay", "clawback", "clawback", "2026-02", "A-1", -150_00),
    }


def test_a_manager_credited_with_the_team_on_their_own_plan_gives_back_at_their_own_rate(tmp_path):
    folder = write_workbook(
        tmp_path / "wb",
        "{rep: Li, segment: Security, overlays: {Chen: 1.0}}",
        [
            ("2026-01-15", 10_000, "Li", "East", "Security", "L-1"),
            ("2026-01-20", 2_000, "Boss", "East", "Core", "B-1"),
            ("2026-02-05", -5_000, "Li", "East", "Security", "L-1"),  # half of L-1 back after 21 days
        ],
    )
    plan = folder / "plan.yaml"  # no override rate: Boss is paid on his own plan for the team's sales
    plan.write_text(plan.read_text().replace(", override_rate: 0.01", ""), encoding="utf-8")
    # January: Li 10,000 × 5% = 500, Chen 500 beside him; Boss his own 2,000 + East's 10,000 = 12,000 × 5%
    assert close(folder, "2026-01") == {
        ("Li", "payment", "band", "2026-01", "", 500_00),
        ("Chen", "payment", "band", "2026-01", "", 500_00),
        ("Boss", "payment", "band", "2026-01", "", 600_00),
    }
    # February: 5,000 of L-1 back inside the window: 5% of it from each of the three
    assert close(folder, "2026-02") == {
        ("Li", "clawback", "clawback", "2026-01", "L-1", -250_00),
        ("Chen", "clawback", "clawback", "2026-01", "L-1", -250_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-1", -250_00),
    }


def test_a_large_deal_returned_inside_the_window_gives_back_its_kicker_and_one_returned_after_keeps_it(
    tmp_path,
):
    # the kicker is a per-deal bonus: before, it was kept by the clawback and instead taken back by an
    # untraced prior-period adjustment when the later return shrank the deal, even after the window
    rows = [
        ("2026-01-15", 20_000, "Li", "East", "Security", "L-1"),
        ("2026-01-16", 30_000, "Li", "East", "Security", "L-3"),
        ("2026-02-05", -20_000, "Li", "East", "Security", "L-1"),  # 21 days after the sale: inside 30
        ("2026-03-20", -10_000, "Li", "East", "Security", "L-3"),  # 63 days: outside
    ]
    folder = tmp_path / "wb"
    write_workbook(folder, "{rep: Li, segment: Security, shares: {Li: 1.0}}", rows)
    closed = close_with_kicker_month_by_month(folder, rows, ("2026-01", "2026-02", "2026-03"))
    # January: 50,000 × 5% = 2,500; both deals reach 10,000: kicker 2% × 50,000 = 1,000; Boss 1% = 500
    assert closed["2026-01"] == {
        ("Li", "payment", "band", "2026-01", "", 2_500_00),
        ("Li", "payment", "deal_kicker", "2026-01", "", 1_000_00),
        ("Boss", "payment", "team_override", "2026-01", "", 500_00),
    }
    # February: L-1's 20,000 back inside the window: 5% = 1,000 plus its kicker 2% = 400 on one line;
    # Boss's override 1% = 200
    assert closed["2026-02"] == {
        ("Li", "clawback", "clawback", "2026-01", "L-1", -1_400_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-1", -200_00),
    }
    # March: L-3's return is after the window: its kicker and commission stay paid
    assert closed["2026-03"] == set()


def test_a_segment_split_large_deals_kicker_is_given_back_by_the_rep_it_paid_not_by_the_others(tmp_path):
    rows = [
        ("2026-01-15", 20_000, "Li", "East", "Security", "L-1"),
        ("2026-02-05", -20_000, "Li", "East", "Security", "L-1"),  # 21 days after the sale: inside 30
    ]
    folder = tmp_path / "wb"
    write_workbook(
        folder, "{rep: Li, segment: Security, shares: {Li: 0.6, Wang: 0.4}, overlays: {Chen: 1.0}}", rows
    )
    closed = close_with_kicker_month_by_month(folder, rows, ("2026-01", "2026-02"))
    # January: 20,000 of Security split 60/40 and credited 100% to Chen at 5% (Li 600, Wang 400, Chen
    # 1,000); the kicker 2% × 20,000 = 400 is paid to the booking rep Li (a large deal is counted per rep and
    # team, not per segment, so the segment's split does not share it); Boss 1% of East's 20,000 = 200
    assert closed["2026-01"] == {
        ("Li", "payment", "band", "2026-01", "", 600_00),
        ("Li", "payment", "deal_kicker", "2026-01", "", 400_00),
        ("Wang", "payment", "band", "2026-01", "", 400_00),
        ("Chen", "payment", "band", "2026-01", "", 1_000_00),
        ("Boss", "payment", "team_override", "2026-01", "", 200_00),
    }
    # February: the whole deal back inside the window: the kicker comes back from Li alone, who was paid it
    assert closed["2026-02"] == {
        ("Li", "clawback", "clawback", "2026-01", "L-1", -1_000_00),
        ("Wang", "clawback", "clawback", "2026-01", "L-1", -400_00),
        ("Chen", "clawback", "clawback", "2026-01", "L-1", -1_000_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-1", -200_00),
    }


def test_a_rep_split_large_deals_kicker_is_given_back_by_each_owner_in_their_share(tmp_path):
    rows = [
        ("2026-01-15", 20_000, "Li", "East", "Security", "L-1"),
        ("2026-02-05", -20_000, "Li", "East", "Security", "L-1"),  # 21 days after the sale: inside 30
    ]
    folder = tmp_path / "wb"
    write_workbook(folder, "{rep: Li, shares: {Li: 0.6, Wang: 0.4}}", rows)
    closed = close_with_kicker_month_by_month(folder, rows, ("2026-01", "2026-02"))
    # a split of all Li's sales shares the kicker too: 2% × 20,000 = 400 as 240 and 160
    assert {r for r in closed["2026-01"] if r[2] == "deal_kicker"} == {
        ("Li", "payment", "deal_kicker", "2026-01", "", 240_00),
        ("Wang", "payment", "deal_kicker", "2026-01", "", 160_00),
    }
    # back inside the window: Li 600 + 240, Wang 400 + 160, Boss 1% of 20,000
    assert closed["2026-02"] == {
        ("Li", "clawback", "clawback", "2026-01", "L-1", -840_00),
        ("Wang", "clawback", "clawback", "2026-01", "L-1", -560_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-1", -200_00),
    }


def close_winner_workbook_month_by_month(folder: Path, plan: str, rows: list[tuple], months: tuple) -> dict:
    """A won-account workbook (Hunter on team New, Fay on team Farm) closed month by month with the sales
    file as it stood then; each month's new ledger lines (see `close`)."""
    (folder / "data").mkdir(parents=True)
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    open_workbook(folder).write_table(
        "targets",
        pd.DataFrame(
            [
                (m, r, t, 50_000.0)
                for m in pd.period_range("2026-01", "2026-12", freq="M")
                for r, t in (("Hunter", "New"), ("Fay", "Farm"))
            ],
            columns=["period", "rep", "team", "target"],
        ),
    )
    closed = {}
    for month in months:
        known = [r for r in rows if r[0][:7] <= month]
        pd.DataFrame(known, columns=["date", "amount", "rep", "team", "customer", "order_no"]).to_csv(
            folder / "data" / "sales.csv", index=False
        )
        closed[month] = close(folder, month)
    return closed


KICKER_WINNER_PLAN = WINNER_PLAN.replace(
    "  crediting: [{account: Acme, shares: {Fay: 0.5, Hunter: 0.5}}]\n", ""
).replace("  clawback:", "  deal_kicker: {at_least: 10000, rate: 0.02}\n  clawback:")


@pytest.mark.parametrize(
    ("rows", "returned_by"),
    [
        (  # the winner, who now keeps the account, books the credit note of Fay's deal
            [
                ("2026-01-10", 5_000, "Hunter", "New", "Orbit", "H-1"),  # Hunter wins Orbit
                ("2026-02-10", 20_000, "Fay", "Farm", "Orbit", "O-2"),  # Fay books a large deal on it
                ("2026-03-01", -20_000, "Hunter", "New", "Orbit", "O-2"),  # 19 days later: inside 30
            ],
            "Hunter",
        ),
        (  # Fay books the credit note of her own deal
            [
                ("2026-01-10", 5_000, "Hunter", "New", "Orbit", "H-1"),
                ("2026-02-10", 20_000, "Fay", "Farm", "Orbit", "O-2"),
                ("2026-03-01", -20_000, "Fay", "Farm", "Orbit", "O-2"),
            ],
            "Fay",
        ),
    ],
)
def test_a_won_accounts_returned_large_deal_gives_back_its_kicker_from_the_booking_rep_who_kept_it(
    tmp_path, rows, returned_by
):
    closed = close_winner_workbook_month_by_month(
        tmp_path / "wb", KICKER_WINNER_PLAN, rows, ("2026-01", "2026-02", "2026-03")
    )
    assert closed["2026-01"] == {("Hunter", "payment", "band", "2026-01", "", 250_00)}  # 5,000 × 5%
    # February: O-2's 20,000 is credited to Hunter, who won Orbit (no overlay): 20,000 × 5% = 1,000; its
    # kicker 2% × 20,000 = 400 is paid to Fay, who booked the large deal (the ledger's deal_kicker line)
    assert closed["2026-02"] == {
        ("Hunter", "payment", "band", "2026-02", "", 1_000_00),
        ("Fay", "payment", "deal_kicker", "2026-02", "", 400_00),
    }
    # March: O-2 back inside the window, whoever booked the return: Hunter gives back the 1,000 commission,
    # Fay the 400 kicker she kept (before, a return booked by Hunter took back no kicker at all)
    assert closed["2026-03"] == {
        ("Hunter", "clawback", "clawback", "2026-02", "O-2", -1_000_00),
        ("Fay", "clawback", "clawback", "2026-02", "O-2", -400_00),
    }, returned_by


def test_a_deal_first_booked_by_the_winner_gives_back_its_kicker_from_the_winner_not_the_later_booker(
    tmp_path,
):
    rows = [
        ("2026-01-10", 5_000, "Hunter", "New", "Orbit", "H-1"),  # Hunter wins Orbit
        ("2026-02-09", 10_000, "Hunter", "New", "Orbit", "O-2"),  # O-2's first line is Hunter's
        ("2026-02-10", 10_000, "Fay", "Farm", "Orbit", "O-2"),  # Fay books the rest of it
        ("2026-03-01", -20_000, "Fay", "Farm", "Orbit", "O-2"),  # Fay books the return, 20 days on
    ]
    closed = close_winner_workbook_month_by_month(
        tmp_path / "wb", KICKER_WINNER_PLAN, rows, ("2026-01", "2026-02", "2026-03")
    )
    # February: all 20,000 of O-2 is Hunter's (his own half, and Fay's as the winner's): 1,000; the deal's
    # kicker 2% × 20,000 = 400 goes to the rep on its first line, Hunter
    assert closed["2026-02"] == {
        ("Hunter", "payment", "band", "2026-02", "", 1_000_00),
        ("Hunter", "payment", "deal_kicker", "2026-02", "", 400_00),
    }
    # March: Hunter gives back 1,000 + 400 on one line; Fay, never paid on O-2, gives back nothing (before,
    # the kicker was looked for with Fay, found unpaid, and kept by Hunter)
    assert closed["2026-03"] == {("Hunter", "clawback", "clawback", "2026-02", "O-2", -1_400_00)}


def test_a_sale_inside_the_winners_months_returned_after_them_is_recovered_from_the_winner(tmp_path):
    # Hunter's one month on Orbit runs to 10 February: Fay's sale on 5 February is his, her return on
    # 1 March falls after the hand-off. The return is added back by its own date (Fay's March is not cut)
    # and clawed back as its sale was credited (from Hunter), with the kicker from Fay, who was paid it
    rows = [
        ("2026-01-10", 5_000, "Hunter", "New", "Orbit", "H-1"),
        ("2026-02-05", 20_000, "Fay", "Farm", "Orbit", "O-2"),
        ("2026-03-01", -20_000, "Fay", "Farm", "Orbit", "O-2"),  # 24 days after the sale: inside 30
        ("2026-03-02", 1_000, "Fay", "Farm", "Orbit", "O-3"),  # after the hand-off: Fay's own sale
    ]
    plan = KICKER_WINNER_PLAN.replace("account_winner: {months: 6}", "account_winner: {months: 1}")
    closed = close_winner_workbook_month_by_month(
        tmp_path / "wb", plan, rows, ("2026-01", "2026-02", "2026-03")
    )
    # February: 20,000 × 5% = 1,000 to Hunter, the kicker 2% × 20,000 = 400 to Fay
    assert closed["2026-02"] == {
        ("Hunter", "payment", "band", "2026-02", "", 1_000_00),
        ("Fay", "payment", "deal_kicker", "2026-02", "", 400_00),
    }
    # March: Fay is paid on her own 1,000 (50), not cut by the 20,000 returned; Hunter gives back 1,000 and
    # Fay the 400 kicker, both for February
    assert closed["2026-03"] == {
        ("Fay", "payment", "band", "2026-03", "", 50_00),
        ("Hunter", "clawback", "clawback", "2026-02", "O-2", -1_000_00),
        ("Fay", "clawback", "clawback", "2026-02", "O-2", -400_00),
    }


def test_two_large_deals_returned_in_one_period_give_back_no_more_kicker_and_pay_than_it_paid(tmp_path):
    # each credit note is larger than its deal (a prepayment refunded with it): per deal, each stayed under
    # what January paid, but together they took back more kicker and more pay than January paid Li
    rows = [
        ("2026-01-15", 20_000, "Li", "East", "Security", "L-1"),
        ("2026-01-16", 20_000, "Li", "East", "Security", "L-2"),
        ("2026-02-05", -30_000, "Li", "East", "Security", "L-1"),  # 21 days after the sale: inside 30
        ("2026-02-06", -30_000, "Li", "East", "Security", "L-2"),  # 21 days: inside
    ]
    folder = tmp_path / "wb"
    write_workbook(folder, "{rep: Li, segment: Security, shares: {Li: 1.0}}", rows)
    closed = close_with_kicker_month_by_month(folder, rows, ("2026-01", "2026-02"))
    # January: 40,000 × 5% = 2,000, kicker 2% × 40,000 = 800: Li is paid 2,800; Boss 1% × 40,000 = 400
    assert closed["2026-01"] == {
        ("Li", "payment", "band", "2026-01", "", 2_000_00),
        ("Li", "payment", "deal_kicker", "2026-01", "", 800_00),
        ("Boss", "payment", "team_override", "2026-01", "", 400_00),
    }
    # February, in the order the deals came back: L-1 5% × 30,000 = 1,500 and kicker 2% × 30,000 = 600,
    # 2,100 in all; L-2 the same would make 4,200 of January's 2,800 and 1,200 of its 800 kicker. L-2's
    # kicker is what January's 800 has left, 200, and L-2 in all what its 2,800 has left: 2,800 − 2,100 =
    # 700. Boss: 1% × 30,000 = 300 for L-1, and of L-2's 300 what his 400 has left, 100
    assert closed["2026-02"] == {
        ("Li", "clawback", "clawback", "2026-01", "L-1", -2_100_00),
        ("Li", "clawback", "clawback", "2026-01", "L-2", -700_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-1", -300_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-2", -100_00),
    }
    lines = read_ledger(open_workbook(folder)).lines
    assert (lines.groupby("rep")["amount_minor"].sum() == 0).all()  # nobody repays more than was paid


def test_a_deal_whose_same_month_return_kept_it_small_gives_back_no_kicker_it_never_earned(tmp_path):
    rows = [
        ("2026-01-05", 20_000, "Li", "East", "Security", "L-1"),
        ("2026-01-10", 20_000, "Li", "East", "Security", "L-2"),
        ("2026-01-20", -12_000, "Li", "East", "Security", "L-1"),  # same month: L-1 is 8,000, not large
        ("2026-02-03", -8_000, "Li", "East", "Security", "L-1"),  # the rest of L-1, 29 days on: inside
        ("2026-02-04", -20_000, "Li", "East", "Security", "L-2"),  # 25 days: inside
    ]
    folder = tmp_path / "wb"
    write_workbook(folder, "{rep: Li, segment: Security, shares: {Li: 1.0}}", rows)
    closed = close_with_kicker_month_by_month(folder, rows, ("2026-01", "2026-02"))
    # January: 28,000 × 5% = 1,400; only L-2 reaches 10,000: kicker 2% × 20,000 = 400; Boss 1% = 280
    assert closed["2026-01"] == {
        ("Li", "payment", "band", "2026-01", "", 1_400_00),
        ("Li", "payment", "deal_kicker", "2026-01", "", 400_00),
        ("Boss", "payment", "team_override", "2026-01", "", 280_00),
    }
    # February: L-1 gives back 5% × 8,000 = 400 and no kicker (before: 2% × 8,000 = 160 taken back, as if
    # L-1 were its 20,000 of sales); L-2 1,000 + its 400 kicker; Boss 1% of each
    assert closed["2026-02"] == {
        ("Li", "clawback", "clawback", "2026-01", "L-1", -400_00),
        ("Li", "clawback", "clawback", "2026-01", "L-2", -1_400_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-1", -80_00),
        ("Boss", "clawback", "clawback", "2026-01", "L-2", -200_00),
    }

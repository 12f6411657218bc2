"""Random shapes of sales data: any subset of the optional columns, monthly or weekly, any fiscal year start,
CSV or Parquet. Every public entry point either works or raises a SalesplanError that names the problem:
never a raw exception (KeyError, TypeError, ValueError ...).

Issue 12's cash rules (draws, holdbacks, clawbacks, cash collected, per-deal components) are closed month by
month on random shapes too — any of team, segment, account, deal and invoice missing, monthly, ISO-week or
4-4-5, amounts from cents to billions — and the ledger keeps its invariants: paid = owed per month and rep,
a month's own commission paid once, what is held comes back whole at the release, a draw balance never
negative, a clawback never more than its deal earned; a rule lacking its column is refused with a fix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.forecast import baseline_forecast
from salesplan_widgets.model.tracking import attainment, plan_vs_actual
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import load_quotas, period_statements
from salesplan_widgets.workbook.targets import split_from_plan

OPTIONAL = ("segment", "channel", "territory", "team", "product", "account", "quantity")
REPS = ("Ann", "Bo", "Cy", "Dee")


def sales_rows(columns: tuple[str, ...], rows: int, seed: int) -> pd.DataFrame:
    """Invoice lines over 26 months (a few returns), with only date, amount, rep and `columns`."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-09-01", "2026-10-31", freq="D")
    frame = pd.DataFrame(
        {
            "order_date": days[rng.integers(0, len(days), rows)].strftime("%Y-%m-%d"),
            "net": np.round(rng.lognormal(7, 1, rows) * np.where(rng.random(rows) < 0.03, -1, 1), 2),
            "seller": rng.choice(REPS, rows),
        }
    )
    values = {
        "segment": lambda: rng.choice(["A", "B", "C"], rows),
        "channel": lambda: rng.choice(["online", "offline"], rows),
        "territory": lambda: rng.choice(["North", "South"], rows),
        "team": lambda: rng.choice(["East", "West"], rows),
        "product": lambda: rng.choice(["pumps", "valves", "drives"], rows),
        "account": lambda: np.char.add("C", rng.integers(1, 40, rows).astype(str)),
        "quantity": lambda: rng.integers(1, 20, rows),
    }
    for column in columns:
        frame[f"col_{column}"] = values[column]()
    return frame


def write_workbook(
    folder: Path, columns, grain: str, fiscal_year_start: int, file_format: str, seed: int
) -> Path:
    (folder / "data").mkdir(parents=True)
    sales = sales_rows(columns, 400, seed)
    path = folder / "data" / f"sales.{file_format}"
    if file_format == "parquet":
        sales.to_parquet(path, index=False)
    else:
        sales.to_csv(path, index=False)
    mapping = "\n".join(f"      {c}: col_{c}" for c in columns)
    (folder / "plan.yaml").write_text(
        f"""name: Random shape
currency: CNY
calendar:
  grain: {grain}
  fiscal_year_start: {fiscal_year_start}
sources:
  sales:
    path: data/sales.{file_format}
    columns:
      date: order_date
      amount: net
      rep: seller
{mapping}
""",
        encoding="utf-8",
    )
    return folder


def works_or_says_why(step: str, call: Callable[[], object]) -> object | None:
    """The call's result, or None when it refused with a SalesplanError that has a message."""
    try:
        return call()
    except SalesplanError as exc:
        assert str(exc).strip(), f"{step}: a SalesplanError with no message"
        return None


shapes = st.fixed_dictionaries(
    {
        "columns": st.lists(st.sampled_from(OPTIONAL), unique=True).map(tuple),
        "grain": st.sampled_from(["month", "week", "quarter", "4-4-5", "4-5-4"]),
        "fiscal_year_start": st.integers(1, 12),
        "file_format": st.sampled_from(["csv", "parquet"]),
        "seed": st.integers(0, 2**16),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=shapes)
def test_every_entry_point_works_or_names_the_problem_for_any_shape_of_data(tmp_path_factory, shape):
    folder = write_workbook(tmp_path_factory.mktemp("shape"), **shape)
    workbook = works_or_says_why("open_workbook", lambda: open_workbook(folder))
    assert workbook is not None, "a plan with date, amount and rep mapped must open"
    problems = workbook.validate()
    assert all(str(p) for p in problems)
    cube = works_or_says_why("cube", workbook.cube)
    if cube is None:
        return
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    last = cube["period"].max()
    next_year = calendar.next_year_periods(last)
    works_or_says_why(
        "goal baseline", lambda: baseline_forecast(cube, next_year[0], next_year[-1], last_actual=last)
    )
    split = works_or_says_why("split", lambda: split_from_plan(workbook, cube))
    if split is not None:
        targets = split.targets
        assert targets["target"].sum() == pytest.approx(split.goal)
        frame = works_or_says_why("tracking", lambda: plan_vs_actual(targets, cube))
        if frame is not None:
            works_or_says_why(
                "attainment",
                lambda: attainment(frame, frame["period"].max(), ["rep"], "year", shape["fiscal_year_start"]),
            )
    quotas = works_or_says_why("quotas", lambda: load_quotas(workbook, allow_provisional=True))
    if quotas is not None:
        month = calendar.months_of([last])[0]
        works_or_says_why("statements", lambda: period_statements(workbook, str(month), quotas=quotas))


# -- issue 12's cash rules on random shapes -------------------------------------------------------------------
RULE_COLUMNS = ("team", "segment", "account", "deal", "invoice")
PAY_MONTHS = ("2026-01", "2026-02", "2026-03")
PAY_REPS = ("Ann", "Bo", "Cy")


def pay_sales(columns: tuple[str, ...], scale: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sales lines from October 2025 (history) to March 2026, some returned 1–60 days later, and receipts for
    some invoices 0–150 days after them; amounts × `scale` (cents to billions)."""
    rng = np.random.default_rng(seed)
    n = 40
    days = pd.date_range("2025-10-01", "2026-03-31", freq="D")
    sold = days[np.sort(rng.integers(0, len(days), n))]
    amount = np.maximum(np.round(rng.lognormal(6, 1, n) * scale, 2), 0.01)
    sales = pd.DataFrame(
        {
            "order_date": sold,
            "net": amount,
            "seller": rng.choice(PAY_REPS, n),
            "col_team": rng.choice(["East", "West"], n),
            "col_segment": rng.choice(["A", "B"], n),
            "col_account": np.char.add("C", rng.integers(1, 9, n).astype(str)),
            "col_deal": [f"D{i}" for i in range(n)],
            "col_invoice": [f"I{i}" for i in range(n)],
        }
    )
    returned = sales[(sales["order_date"] >= "2026-01-01") & (rng.random(n) < 0.3)].copy()
    returned["order_date"] += pd.to_timedelta(rng.integers(1, 61, len(returned)), unit="D")
    returned["net"] = -np.round(returned["net"] * rng.choice([0.5, 1.0], len(returned)), 2)
    lines = pd.concat([sales, returned], ignore_index=True)
    paid = sales[rng.random(n) < 0.4]
    receipts = pd.DataFrame(
        {
            "received": paid["order_date"] + pd.to_timedelta(rng.integers(0, 151, len(paid)), unit="D"),
            "paid": paid["net"],
            "invoice": paid["col_invoice"],
        }
    )
    keep = ["order_date", "net", "seller", *(f"col_{c}" for c in columns)]
    lines = lines[keep].assign(order_date=lines["order_date"].dt.strftime("%Y-%m-%d"))
    return lines, receipts.assign(received=receipts["received"].dt.strftime("%Y-%m-%d"))


def pay_workbook(folder: Path, shape: dict) -> Path:
    (folder / "data").mkdir(parents=True)
    sales, receipts = pay_sales(shape["columns"], shape["scale"], shape["seed"])
    sales.to_csv(folder / "data" / "sales.csv", index=False)
    receipts.to_csv(folder / "data" / "receipts.csv", index=False)
    scale = shape["scale"]
    mapping = ", ".join(f"{c}: col_{c}" for c in shape["columns"])
    rules = [
        "  commission: {base_rate: 0.05}",
        f"  draws: [{{rep: Ann, amount: {1000 * scale}, start: 2026-01, end: 2026-02, "
        f"recovery_cap: {300 * scale}}}]",
        "  clawback: {window_days: 30}",
        f"  holdback: {{share: {shape['share']}, release: {shape['release']}}}",
    ]
    if shape["cash"]:
        rules.append("  collections: {rate: 0.02, ageing: [{after_days: 90, factor: 0.5}]}")
    if shape["per_deal"]:
        rules += [
            f"  deal_kicker: {{at_least: {2000 * scale}, rate: 0.01}}",
            f"  new_logo: {{bonus: {100 * scale}}}",
        ]
    receipts_source = "  receipts:\n    path: data/receipts.csv\n    columns: {date: received, amount: paid, invoice: invoice}\n"
    (folder / "plan.yaml").write_text(
        f"name: Pay shape\ncurrency: CNY\ncalendar: {{grain: {shape['grain']}, fiscal_year_start: {shape['start']}}}\n"
        f"sources:\n  sales:\n    path: data/sales.csv\n"
        f"    columns: {{date: order_date, amount: net, rep: seller{', ' if mapping else ''}{mapping}}}\n"
        f"{receipts_source if shape['cash'] else ''}incentives:\n" + "\n".join(rules) + "\n",
        encoding="utf-8",
    )
    calendar = FiscalCalendar(shape["grain"], shape["start"])
    periods = calendar.range("2025-09-01", "2026-12-31")
    targets = pd.DataFrame([(p, rep, 5000.0 * scale) for p in periods for rep in PAY_REPS],
                           columns=["period", "rep", "target"])  # fmt: skip
    open_workbook(folder).write_table("targets", targets)
    return folder


pay_shapes = st.fixed_dictionaries(
    {
        "columns": st.lists(st.sampled_from(RULE_COLUMNS), unique=True).map(tuple),
        "grain": st.sampled_from(["month", "week", "4-4-5", "4-5-4"]),
        "start": st.sampled_from([1, 2, 4]),
        "scale": st.sampled_from([0.01, 1.0, 1e6]),
        "share": st.sampled_from([0.1, 0.25, 1.0]),
        "release": st.sampled_from(["quarter", "year"]),
        "cash": st.booleans(),
        "per_deal": st.booleans(),
        "seed": st.integers(0, 2**16),
    }
)


def close_months(folder: Path) -> None:
    """Prepare, approve and close each month through the workbook API the CLI calls."""
    from salesplan_widgets.workbook.ledger import (
        approve_payments,
        close_period,
        compute_payments,
        record_prepared,
    )

    for month in PAY_MONTHS:
        record_prepared(open_workbook(folder), compute_payments(open_workbook(folder), month), "analyst")
        approve_payments(open_workbook(folder), month, by="finance")
        close_period(open_workbook(folder), month, by="controller")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=pay_shapes)
@example(  # found by hypothesis: Bo's whole January (deal D25) returned; the clawback, at earned ÷ sales,
    # recovered 35.92 where January paid 35.91 (its total is rounded once)
    shape={"columns": ("team", "deal"), "grain": "month", "start": 1, "scale": 1.0, "share": 0.1,
           "release": "quarter", "cash": False, "per_deal": False, "seed": 346}
)  # fmt: skip
@example(  # found by hypothesis: Ann's February clawed back cash collected beside the returned deal D27
    shape={"columns": RULE_COLUMNS, "grain": "month", "start": 1, "scale": 0.01, "share": 0.1,
           "release": "quarter", "cash": True, "per_deal": False, "seed": 165}
)  # fmt: skip
@example(  # found by hypothesis: Bo's large deal D35 returned gives back 6% (5% commission and 1% kicker)
    shape={"columns": ("team", "segment", "account", "deal"), "grain": "month", "start": 1, "scale": 0.01,
           "share": 0.1, "release": "quarter", "cash": False, "per_deal": True, "seed": 1641}
)  # fmt: skip
@example(  # found by hypothesis: a 4-5-4 month with nothing due back and no clawback settled before: the
    # clawback's two empty frames failed to merge on their text keys (pandas 3, Arrow-backed strings)
    shape={"columns": ("deal",), "grain": "4-5-4", "start": 1, "scale": 0.01, "share": 0.1,
           "release": "quarter", "cash": False, "per_deal": False, "seed": 63}
)  # fmt: skip
def test_draws_holdbacks_clawbacks_cash_and_per_deal_rules_keep_the_ledger_whole_on_any_shape(
    tmp_path_factory, shape
):
    from salesplan_widgets.errors import InputError
    from salesplan_widgets.model.clawbacks import without_returns
    from salesplan_widgets.model.ledger import to_minor
    from salesplan_widgets.model.statements import fiscal_year_first, payout_statements
    from salesplan_widgets.workbook.ledger import read_ledger
    from salesplan_widgets.workbook.payouts import incentives_of, pay_cube
    from salesplan_widgets.workbook.returns import deal_returns

    folder = pay_workbook(tmp_path_factory.mktemp("pay"), shape)
    try:
        close_months(folder)
    except InputError as refusal:  # a rule needs a column this shape lacks: refused, each problem with a fix
        assert refusal.problems and all(p.fix for p in refusal.problems), refusal
        needs = {*(["invoice"] if shape["cash"] else []), *(["account"] if shape["per_deal"] else [])}
        assert needs - set(shape["columns"]), f"refused a shape every rule can be paid on: {refusal}"
        event("refused: a rule's column is missing")
        return
    event("closed")
    workbook = open_workbook(folder)
    section = incentives_of(workbook)
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    lines = read_ledger(workbook).lines
    months = [pd.Period(m, "M") for m in PAY_MONTHS]
    assert set(lines["period"]) <= set(months)
    own = lines[lines["kind"] == "payment"]
    assert (own["period"] == own["for_period"]).all()  # a month's own commission is paid in that month only

    # paid = owed per month and rep: the commission lines against a fresh run of the plan on today's data
    cube = without_returns(pay_cube(workbook, section), deal_returns(workbook, section), calendar)
    quotas = workbook.read_table("targets")
    ends = {fiscal_year_first(m, shape["start"]): m for m in months}.values()  # each fiscal year's last month
    run = pd.concat([payout_statements(section, cube, quotas, end, currency="CNY", fiscal_year_start=calendar,
                                       all_periods=True).reps for end in ends])  # fmt: skip
    run = run[run["period"].isin(months)]
    owed = pd.Series(to_minor(run["payout"], "CNY"), index=[run["period"], run["rep"].astype(str)])
    commission = lines[lines["kind"].isin(["payment", "adjustment"])]
    paid = commission.groupby(["for_period", "rep"])["amount_minor"].sum()
    both = pd.concat([paid.rename("paid"), owed[owed != 0].rename("owed")], axis=1).fillna(0)
    assert (both["paid"] == both["owed"]).all(), both[both["paid"] != both["owed"]]

    scale = 100  # fen per yuan
    for rep, rep_lines in lines.groupby("rep"):
        held = drawn = 0
        for month in months:
            now = rep_lines[rep_lines["period"] == month]
            kinds = now.groupby("kind")["amount_minor"].sum()
            earned = int(kinds.reindex(["payment", "adjustment", "clawback"]).fillna(0).sum())
            length = 3 if shape["release"] == "quarter" else 12
            releases = ((month.month - shape["start"]) % 12 + 1) % length == 0
            held_now, released = -int(kinds.get("holdback", 0)), int(kinds.get("holdback_release", 0))
            if releases:  # everything held comes back, nothing new is held
                assert (held_now, released) == (0, held), (rep, month)
                held = 0
            else:  # the plan's share of a positive month is held
                assert held_now == round(shape["share"] * max(earned, 0)) and released == 0, (rep, month)
                held += held_now
            top_up, recovered = int(kinds.get("draw", 0)), -int(kinds.get("draw_recovery", 0))
            assert top_up >= 0 and 0 <= recovered <= round(300 * shape["scale"] * scale), (rep, month)
            drawn += top_up - recovered
            assert drawn >= 0, (rep, month)  # a draw balance never goes negative
            if rep == "Ann" and month <= pd.Period("2026-02", "M"):  # in the draw's window: at least the draw
                assert now["amount_minor"].sum() >= round(1000 * shape["scale"] * scale), month
    clawed = lines[lines["kind"] == "clawback"]
    if len(clawed):  # a clawback recovers no more than the deal and the month it names paid
        event("a return clawed back")
        assert (clawed["amount_minor"] < 0).all()
        sales = pd.read_csv(folder / "data" / "sales.csv")
        sold = sales[sales["net"] > 0].groupby("col_deal")["net"].sum()
        for (deal, rep, period), group in clawed.groupby(["deal", "rep", "for_period"]):
            back = -group["amount_minor"].sum()
            paid_then = commission[(commission["rep"] == rep) & (commission["for_period"] == period)]
            assert back <= paid_then["amount_minor"].sum(), (deal, rep, period)
            # 5% of it, to the fen, and the kicker's 1% when it was a large deal (its kicker comes back too)
            kicker = 0.01 if shape["per_deal"] and sold[deal] >= 2000 * shape["scale"] else 0.0
            assert back <= round(sold[deal] * (0.05 + kicker) * scale) + 1, (deal, rep, period)
        for (rep, period), group in clawed.groupby(["rep", "for_period"]):  # and across a month's deals
            paid_then = commission[(commission["rep"] == rep) & (commission["for_period"] == period)]
            assert -group["amount_minor"].sum() <= paid_then["amount_minor"].sum(), (rep, period)

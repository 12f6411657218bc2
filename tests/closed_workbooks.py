"""Small workbooks closed through the CLI and simulated month by month, for the tests that hold the
simulation to what a close pays (tests/test_simulation_*.py, tests/test_clawback_plan_change.py).

A workbook here is a plan.yaml, a CSV of sales (date, amount, rep, deal) and a targets table of one quota
per rep and month, written into a test's tmp_path; `close` prepares, approves and closes a month through
the `salesplan payouts` command and `paid` reads the ledger back. Not a test module: helpers only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from test_measurement_by_rep import close, paid

from salesplan_widgets.model.simulation import Simulation, payout_cost, rule_history, window_so_far
from salesplan_widgets.model.statements import payout_statements
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import load_quotas, pay_cube

__all__ = ["close", "paid", "paid_in", "simulate_month", "write_workbook"]


def write_workbook(
    folder: Path, plan: str, sales: list[tuple], reps: list[str] | pd.Index, quota: float = 1000.0
) -> Path:
    """`folder` as a workbook: `plan` as plan.yaml, `sales` (date, amount, rep, deal) as data/sales.csv,
    and a quota of `quota` a month for each of `reps` through 2026."""
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(sales, columns=["date", "amount", "rep", "deal"]).to_csv(
        folder / "data" / "sales.csv", index=False
    )
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame([(m, r, quota) for m in months for r in reps], columns=["period", "rep", "target"])
    open_workbook(folder).write_table("targets", targets)
    return folder


def simulate_month(wb: Path, month: str, reps: pd.Index, quota: float = 1000.0, adjust=None, **rules):
    """`month` simulated on one draw, the sales the data holds for it, with the statements' window so far
    (`window_so_far`), the history before it and the ledger's balances after the closes so far (held,
    draw and negative balances, as the calculator reads them); `rules`: more `rule_history` arguments, and
    `adjust` a function of the `RuleHistory` found giving the one simulated on (a share returned set …)."""
    from salesplan_widgets.model.draws import draw_balance
    from salesplan_widgets.model.holdbacks import held_balance
    from salesplan_widgets.model.ledger import settlement_lines
    from salesplan_widgets.model.negative_balances import negative_balance
    from salesplan_widgets.workbook.ledger import read_ledger

    book = open_workbook(wb)
    section = book.plan.incentives
    cube = pay_cube(book, section)
    before = pd.Period(month, "M") - 1
    window = None
    if (cube["period"] <= before).any():
        window = window_so_far(
            section, payout_statements(section, cube, load_quotas(book).table, before).reps, month
        )
    settled = settlement_lines(read_ledger(book).lines)
    scale = 100  # CNY fen
    balances = {
        "draw_balance": draw_balance(settled) / scale,
        "held": held_balance(settled, "CNY") / scale,
        "negative_balance": negative_balance(settled) / scale,
    }
    month_sales = cube[cube["period"] == pd.Period(month, "M")].groupby("rep")["actual"].sum()
    history = cube[cube["period"] < pd.Period(month, "M")]
    found = rule_history(history, reps, section, window=window, **{**balances, **rules})
    if adjust is not None:
        found = adjust(found)
    sales = month_sales.reindex(reps).fillna(0.0).to_numpy()[None, :]
    sim = Simulation(reps=reps, quota=np.full(len(reps), quota), sales=sales, seed=0)
    return payout_cost(sim, section, month=month, rules=found)


def paid_in(wb: Path, month: str, rep: str | None = None, kind: str | None = None) -> float:
    """What the close of `month` paid (money): all lines, or `rep`'s, or those of `kind`."""
    return (
        sum(
            amount
            for r, k, period, _f, _d, amount in paid(wb)
            if period == month and rep in (None, r) and kind in (None, k)
        )
        / 100
    )

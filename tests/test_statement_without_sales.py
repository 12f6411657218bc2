"""A rep with a quota in force and no sales that month still gets a statement: 0 sold, 0% attainment,
nothing earned (or the guarantee the plan gives), the balance carried, in HTML and Excel, in both languages,
and linked from the report's payout index; the ledger pays nothing for them, so it records no line.

Chinook (tests/fixtures/chinook): Steve Johnson's quota for February 2025 is his February 2024, 8.91, and
he sold nothing that month: statements were written only for the reps paid. A minimal workbook (date,
amount, rep) adds a guarantee for a rep with no sales and a draw balance carried by a rep with no quota.
"""

from __future__ import annotations

import duckdb
import pandas as pd
from openpyxl import load_workbook
from test_public_chinook import DATA, MONTHS, PLAN, VIEW, hand_lines, hand_quotas

from salesplan_widgets.cli import main
from salesplan_widgets.model.draws import DRAW, GUARANTEE
from salesplan_widgets.report.payout_links import payouts_html
from salesplan_widgets.report.statement_documents import STATEMENTS_DIR, statement_path
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import read_ledger

STEVE = "Steve Johnson"


def close(folder, period: str) -> None:
    for step in ([], ["--approve"], ["--close"]):
        assert main(["payouts", str(folder), "--period", period, *step]) == 0


def sheet_rows(path) -> list[list]:
    return [list(row) for row in load_workbook(path).worksheets[0].iter_rows(values_only=True)]


def performance_rows(path) -> dict:
    return {row[0]: row[1] for row in load_workbook(path).worksheets[1].iter_rows(values_only=True) if row[0]}


def test_a_chinook_rep_with_a_quota_and_no_sales_in_february_gets_a_statement_of_zeros(tmp_path):
    folder = tmp_path / "wb"
    (folder / "data").mkdir(parents=True)
    with duckdb.connect(str(folder / "data" / "chinook.duckdb")) as con:
        for name in ("invoices", "invoice-lines", "customers", "employees", "tracks", "genres"):
            con.execute(
                f"CREATE TABLE {name.replace('-', '_')} AS SELECT * FROM read_csv('{DATA / name}.csv')"
            )
        con.execute(VIEW)
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    lines = hand_lines()
    quotas = hand_quotas(lines).rename(columns={"amount": "target"})
    (folder / "tables").mkdir()
    quotas[["period", "rep", "target"]].round(2).to_csv(folder / "tables" / "targets.csv", index=False)
    # by hand: Steve's February quota is 8.91 and he sold nothing in February 2025
    february = lines[lines["month"] == pd.Period("2025-02", "M")]
    assert STEVE not in set(february["rep"])
    steve_quota = quotas.loc[(quotas["period"] == "2025-02") & (quotas["rep"] == STEVE), "target"].sum()
    assert round(steve_quota, 2) == 8.91

    for month in MONTHS:
        close(folder, month)
    wb = open_workbook(folder)
    paid = read_ledger(wb).lines
    feb = paid[paid["period"] == pd.Period("2025-02", "M")]
    assert STEVE not in set(feb["rep"].astype(str))  # nothing paid: no empty line in the ledger
    statements = wb.reports_dir("2025-02") / STATEMENTS_DIR
    assert sorted(p.name for p in statements.iterdir()) == sorted(
        {*feb["rep"].astype(str), *quotas.loc[quotas["period"] == "2025-02", "rep"]}
    )
    en = statement_path(wb, "2025-02", STEVE, "en").read_text(encoding="utf-8")
    assert STEVE in en and "Nothing earned this period" in en
    assert "$8.91" in en and "0.0%" in en and en.count("$0.00") >= 3  # sales, the line, the total
    zh = statement_path(wb, "2025-02", STEVE, "zh_CN").read_text(encoding="utf-8")
    assert "本期未获得佣金" in zh and "US$8.91" in zh and "0.0%" in zh
    rows = sheet_rows(statement_path(wb, "2025-02", STEVE, "en", ".xlsx"))
    assert ["2025-02", "Nothing earned this period", None, None, 0] in rows
    assert rows[-1][0] == "Total for this period" and rows[-1][4] == 0
    facts = performance_rows(statement_path(wb, "2025-02", STEVE, "zh_CN", ".xlsx"))
    assert list(facts.values())[:3] == [0, 8.91, 0]  # sales, quota, attainment
    # the report's payout index lists his statement beside the paid reps'
    index = payouts_html(wb, pd.Period("2025-02", "M"))
    assert f"{STEVE}/statement-2025-02.en.html" in index.replace("%20", " ")


PLAN_MINIMAL = """\
name: Ramp Co
currency: CNY
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep}
incentives:
  measurement: monthly
  commission: {base_rate: 0.10}
  draws:
    - {rep: Li, kind: non_recoverable, amount: 1500, start: 2026-02, end: 2026-02}
    - {rep: Wu, amount: 2000, start: 2026-01, end: 2026-01, reason: new hire}
"""


def test_a_minimal_workbook_states_a_quota_without_sales_a_guarantee_and_a_balance_carried(tmp_path):
    """February 2026, by hand: Chen (quota 1,000) sells nothing and is paid nothing; Li (quota 1,000, no
    sales) is paid her 1,500 guarantee; Wu (no quota) was advanced 1,500 in January (a 2,000 draw on 500
    earned) and earns nothing in February, so 1,500 stays to recover; Zhao earns 10% of 20,000."""
    wb = tmp_path / "wb"
    (wb / "data").mkdir(parents=True)
    pd.DataFrame(
        [("2026-01-10", 5000, "Chen"), ("2026-01-12", 10000, "Zhao"), ("2026-01-14", 5000, "Wu"),
         ("2026-02-10", 20000, "Zhao")],
        columns=["date", "amount", "rep"],
    ).to_csv(wb / "data" / "sales.csv", index=False)  # fmt: skip
    (wb / "plan.yaml").write_text(PLAN_MINIMAL, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    open_workbook(wb).write_table(
        "targets",
        pd.DataFrame([(m, r, 1000.0) for m in months for r in ("Chen", "Li", "Zhao")],
                     columns=["period", "rep", "target"]),
    )  # fmt: skip
    close(wb, "2026-01")
    close(wb, "2026-02")

    workbook = open_workbook(wb)
    lines = read_ledger(workbook).lines
    feb = lines[lines["period"] == pd.Period("2026-02", "M")]
    got = feb.groupby([feb["rep"].astype(str), "kind"])["amount_minor"].sum().to_dict()
    assert got == {("Li", GUARANTEE): 1500_00, ("Zhao", "payment"): 2000_00}  # no line for Chen or Wu
    jan = lines[lines["period"] == pd.Period("2026-01", "M")]
    assert jan.loc[(jan["rep"] == "Wu") & (jan["kind"] == DRAW), "amount_minor"].sum() == 1500_00

    folder = workbook.reports_dir("2026-02") / STATEMENTS_DIR
    assert sorted(p.name for p in folder.iterdir()) == ["Chen", "Li", "Wu", "Zhao"]
    chen = statement_path(workbook, "2026-02", "Chen", "en").read_text(encoding="utf-8")
    assert "Nothing earned this period" in chen and "CN¥1,000.00" in chen and "0.0%" in chen
    li = statement_path(workbook, "2026-02", "Li", "en").read_text(encoding="utf-8")
    assert "Guarantee" in li and "CN¥1,500.00" in li and "Nothing earned" not in li
    wu = statement_path(workbook, "2026-02", "Wu", "zh_CN").read_text(encoding="utf-8")
    assert "待扣回的预支余额" in wu and wu.count("¥1,500.00") == 2  # before and after February
    rows = sheet_rows(statement_path(workbook, "2026-02", "Wu", "zh_CN", ".xlsx"))
    assert ["待扣回的预支余额", None, 1500.0, None, 1500.0] in rows
    facts = performance_rows(statement_path(workbook, "2026-02", "Chen", "en", ".xlsx"))
    assert facts == {"Sales": 0, "Quota": 1000, "Attainment": 0, **{k: v for k, v in facts.items()
                     if k not in ("Sales", "Quota", "Attainment")}}  # fmt: skip
    export = pd.read_csv(wb / "reports" / "2026-02" / "payouts" / "payouts-2026-02.csv", encoding="utf-8-sig")
    assert set(export["rep"]) == {"Li", "Zhao"}  # the payout file lists what is paid, nothing more

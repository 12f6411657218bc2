"""Cash collected (回款): a receipts source pays commission when the cash arrives, aged against its invoice
(full rate early, reduced later, never retroactive); collection targets and attainment like sales."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_ledger import pay as close

from salesplan_widgets.errors import InputError
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import period_statements
from salesplan_widgets.workbook.receipts import collection_tracking

PLAN = """\
name: Cash Co
currency: CNY
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: 开票日期, amount: 金额, rep: 销售, team: 团队, invoice: 发票号}}
  receipts:
    path: data/{receipts}
{table}    columns: {{date: 到账日期, amount: 回款金额, invoice: 发票号, account: 客户}}
incentives:
  collections:
    rate: {rate}
    ageing: {ageing}
"""

SALES = pd.DataFrame(
    {
        "开票日期": ["2026-01-01", "2026-01-01", "2026-01-10", "2026-02-03"],
        "金额": [5_000.0, 8_000.0, 10_000.0, 2_000.0],
        "销售": ["Li", "Wang", "Li", "Wang"],
        "团队": ["East", "East", "East", "East"],
        "发票号": ["INV-1", "INV-2", "INV-3", "INV-4"],
    }
)


def write_workbook(folder: Path, receipts: pd.DataFrame, rate=0.1, ageing="[{after_days: 60, factor: 0}]",
                   fmt: str = "csv", locale: str = "en") -> Path:  # fmt: skip
    (folder / "data").mkdir(parents=True)
    SALES.to_csv(folder / "data" / "sales.csv", index=False)
    table = ""
    if fmt == "csv":
        name = "receipts.csv"
        receipts.to_csv(folder / "data" / name, index=False)
    elif fmt == "excel":
        name = "receipts.xlsx"
        receipts.to_excel(folder / "data" / name, index=False)
    else:  # a database table, as a finance system would export it
        name, table = "finance.duckdb", "    table: 回款\n"
        with duckdb.connect(str(folder / "data" / name)) as con:
            con.register("frame", receipts)
            con.execute('CREATE TABLE "回款" AS SELECT * FROM frame')
    plan = PLAN.format(locale=locale, receipts=name, table=table, rate=rate, ageing=ageing)
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame([(m, r, "East", 10_000.0) for m in months for r in ("Li", "Wang")],
                           columns=["period", "rep", "team", "target"])  # fmt: skip
    open_workbook(folder).write_table("targets", targets)
    return folder


def receipts_of(rows) -> pd.DataFrame:
    dates, amounts, invoices = zip(*rows, strict=True)
    return pd.DataFrame({"到账日期": dates, "回款金额": amounts, "发票号": invoices, "客户": "ACME"})


def payouts(folder: Path, period: str) -> dict[str, float]:
    result = period_statements(open_workbook(folder), period)
    return result.reps.set_index(result.reps["rep"].astype(str))["payout"].to_dict()


# Epicor Eclipse, "Defining Customer Maximum Collection Days"
# (http://96.87.114.185:2080/Eclipse-Help/Solar/Content/ENT/CUST_DefiningCustomerMaximumCollectionDays.htm):
# with Max Collection Days 60 counted from the invoice date, an invoice paid on or before the 60th day is
# included in the commission; paid on day 61 or later, the salesperson loses the commission.
@pytest.mark.parametrize("fmt", ["csv", "excel", "duckdb"])
def test_cash_paid_by_day_60_earns_and_day_61_loses_the_commission(tmp_path, fmt):
    receipts = receipts_of([("2026-03-02", 5_000.0, "INV-1"),   # day 60 after 1 January
                            ("2026-03-03", 8_000.0, "INV-2")])  # day 61  # fmt: skip
    folder = write_workbook(tmp_path / "wb", receipts, fmt=fmt)
    pay = payouts(folder, "2026-03")
    assert pay["Li"] == pytest.approx(500.0) and pay["Wang"] == pytest.approx(0.0)
    lines = period_statements(open_workbook(folder), "2026-03").statement("Wang")
    late = lines[lines["component"] == "collections"]
    assert late["base"].tolist() == [8_000.0] and late["rate"].tolist() == [0.0]
    assert late["rule"].astype(str).tolist() == ["Cash collected over 60 days after the invoice at 0%"]


def test_commission_is_paid_when_the_cash_arrives_not_when_the_invoice_is_booked(tmp_path):
    receipts = receipts_of([("2026-02-15", 2_000.0, "INV-3"), ("2026-03-20", 3_000.0, "INV-3")])
    folder = write_workbook(tmp_path / "wb", receipts, rate=0.05, ageing="[]")
    assert payouts(folder, "2026-01").get("Li", 0.0) == 0.0  # invoiced in January: no cash yet
    assert payouts(folder, "2026-02")["Li"] == pytest.approx(100.0)
    assert payouts(folder, "2026-03")["Li"] == pytest.approx(150.0)


def test_a_reduced_rate_for_late_cash_is_not_retroactive(tmp_path):
    # INV-3 (10,000, invoiced 10 January): 4,000 arrives on day 30, 6,000 on day 120, after 90 days
    receipts = receipts_of([("2026-02-09", 4_000.0, "INV-3"), ("2026-05-10", 6_000.0, "INV-3")])
    folder = write_workbook(tmp_path / "wb", receipts, rate=0.03, ageing="[{after_days: 90, factor: 0.5}]")
    paid = {p: close(folder, p) for p in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05")}
    li = {p: int(lines.loc[lines["rep"] == "Li", "amount_minor"].sum()) for p, lines in paid.items()}
    # February: 4,000 × 3% = 120.00; May: 6,000 × 1.5% = 90.00, and nothing recovered from February
    assert li == {"2026-01": 0, "2026-02": 12_000, "2026-03": 0, "2026-04": 0, "2026-05": 9_000}
    may = paid["2026-05"]
    assert set(may["kind"]) == {"payment"} and set(may["for_period"].astype(str)) == {"2026-05"}


def test_receipts_for_invoices_not_in_the_sales_are_a_clear_error(tmp_path):
    receipts = receipts_of([("2026-02-09", 4_000.0, "INV-3"), ("2026-02-10", 99.0, "INV-404")])
    folder = write_workbook(tmp_path / "wb", receipts)
    with pytest.raises(InputError) as info:
        period_statements(open_workbook(folder), "2026-02")
    problem = info.value.problems[0]
    assert problem.column == "invoice" and problem.found == "INV-404" and problem.file == "data/receipts.csv"


def test_a_receipt_with_a_bad_date_is_located_by_row(tmp_path):
    receipts = receipts_of([("2026-02-09", 4_000.0, "INV-3"), ("not a date", 1.0, "INV-1")])
    folder = write_workbook(tmp_path / "wb", receipts)
    with pytest.raises(InputError) as info:
        open_workbook(folder).cube()
    problem = next(p for p in info.value.problems if p.file == "data/receipts.csv")
    assert problem.column == "到账日期" and problem.row == 3


def test_collection_targets_and_attainment_are_tracked_like_sales(tmp_path):
    # an annual collection target of 120,000 split by month: 10,000 a month each
    receipts = receipts_of([("2026-01-20", 5_000.0, "INV-1"), ("2026-02-10", 8_000.0, "INV-2"),
                            ("2026-02-25", 6_000.0, "INV-3"), ("2026-03-01", 2_000.0, "INV-4")])  # fmt: skip
    folder = write_workbook(tmp_path / "wb", receipts)
    wb = open_workbook(folder)
    months = pd.period_range("2026-01", periods=12, freq="M")
    wb.write_table("collection_targets", pd.DataFrame([(m, r, 10_000.0) for m in months for r in ("Li", "Wang")],
                                                      columns=["period", "rep", "target"]))  # fmt: skip
    table = collection_tracking(open_workbook(folder), "2026-02").set_index("rep")
    assert table.loc["Li", "collected"] == 6_000 and table.loc["Li", "attainment"] == pytest.approx(0.6)
    assert table.loc["Li", "ytd_collected"] == 11_000 and table.loc["Li", "ytd_attainment"] == pytest.approx(
        0.55
    )
    assert table.loc["Wang", "collected"] == 8_000 and table.loc["Wang", "ytd_target"] == 20_000


def test_ageing_steps_out_of_order_are_refused_with_their_fix(tmp_path):
    from pydantic import ValidationError

    from salesplan_widgets.schema.incentives import IncentivesSection

    with pytest.raises(ValidationError) as info:
        IncentivesSection.model_validate({"collections": {"rate": 0.03, "ageing": [{"after_days": 180, "factor": 0},
                                                                                   {"after_days": 90, "factor": 0.5}]}})  # fmt: skip
    assert "collections rule" in str(info.value) and "fix:" in str(info.value)

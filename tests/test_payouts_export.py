"""`write_payouts`: the period's statements as CSV and Excel that add up, written atomically."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from salesplan_widgets.errors import InputError
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import load_quotas, write_payouts

PLAN = """\
name: Fixture Co
currency: CNY
locale: {locale}
sources:
  sales:
    path: data/sales.csv
    columns: {{date: 日期, amount: 金额, rep: 销售, team: 团队, segment: 级别, channel: 渠道}}
incentives:
  cumulative: true
  commission:
    tiers:
      bands:
        - {{at_least: 0, below: 1.0, rate: 0.03}}
        - {{at_least: 1.0, rate: 0.06}}
    accelerators: [{{at_least: 1.2, multiplier: 1.5}}]
    threshold: 0.3
  milestones: [{{name: H1, by: 2026-06, share: 0.4, bonus: 1000}}]
  rewards: [{{name: Academy, kind: training, cost: 2500, at_least: 1.1}}]
  recognition:
    leaderboards: [{{name: Attainment, metric: attainment, top: 5}}, {{name: Growth, metric: growth, top: 3}}]
    badges: [{{name: First to quota, rule: first_to_quota}}, {{name: Steady, rule: streak, months: 2, level: 0.9}}]
"""

TEAMS = {"East/华东": ["Li", "Wang", "Zhao"], "North": ["Chen", "Liu"]}


def write_workbook(folder: Path, locale: str = "en", targets: bool = True, seed: int = 5) -> Path:
    """Two teams, five reps, two years of invoices, and (optionally) a monthly quota per rep."""
    rng = np.random.default_rng(seed)
    reps = [(rep, team) for team, names in TEAMS.items() for rep in names]
    days = pd.date_range("2024-11-01", "2026-10-31", freq="3D")
    grid = pd.MultiIndex.from_product(
        [days, range(len(reps)), ["A", "B"], ["online", "offline"]],
        names=["day", "who", "segment", "channel"],
    ).to_frame(index=False)
    sales = pd.DataFrame(
        {
            "日期": grid["day"].dt.strftime("%Y-%m-%d"),
            "金额": np.round(1000 * (1 + grid["who"] * 0.15) * rng.uniform(0.3, 1.7, len(grid)), 2),
            "销售": [reps[i][0] for i in grid["who"]],
            "团队": [reps[i][1] for i in grid["who"]],
            "级别": grid["segment"],
            "渠道": grid["channel"],
        }
    )
    (folder / "data").mkdir(parents=True, exist_ok=True)
    sales.to_csv(folder / "data" / "sales.csv", index=False, encoding="utf-8")
    (folder / "plan.yaml").write_text(PLAN.format(locale=locale), encoding="utf-8")
    if targets:
        wb = open_workbook(folder)
        months = pd.period_range("2026-01", periods=12, freq="M")
        quota = pd.DataFrame(
            [(m, rep, team, "all", "all", "all", 40_000.0 * (1 + i * 0.15)) for m in months
             for i, (rep, team) in enumerate(reps)],
            columns=["period", "rep", "team", "territory", "segment", "channel", "target"],
        )  # fmt: skip
        wb.write_table("targets", quota)
    return folder


def test_payouts_are_written_as_csv_and_excel_that_add_up(tmp_path):
    folder = write_workbook(tmp_path / "wb")
    paths = write_payouts(folder, "2026-10")
    csv_path, xlsx_path = paths
    assert csv_path.suffix == ".csv" and xlsx_path.suffix == ".xlsx"
    assert csv_path.parent == folder / "reports" / "2026-10" / "payouts"
    lines = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert set(lines["team"]) == set(TEAMS)
    assert (lines["currency"] == "CNY").all()
    per_rep = lines.groupby("rep")["amount"].sum().round(2)

    book = load_workbook(xlsx_path)
    assert book.sheetnames[0] == "Summary"
    assert sorted(book.sheetnames[1:]) == sorted(["East_华东", "North"])
    team_totals = {}
    for name in book.sheetnames[1:]:
        rows = list(book[name].iter_rows(min_row=2, values_only=True))
        body, total = rows[:-1], rows[-1]
        assert total[0] == "Total"
        assert round(sum(r[5] for r in body), 2) == pytest.approx(total[5])
        team_totals[name] = total[5]
    summary = {r[0]: r for r in book["Summary"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert summary["Total"][3] == pytest.approx(round(per_rep.sum(), 2))
    assert summary["East/华东"][3] == pytest.approx(team_totals["East_华东"])
    assert summary["North"][3] == pytest.approx(team_totals["North"])
    assert not [p for p in csv_path.parent.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_payouts_need_a_targets_table(tmp_path):
    folder = write_workbook(tmp_path / "wb", targets=False)
    with pytest.raises(InputError) as err:
        write_payouts(folder, "2026-10")
    assert "targets" in str(err.value) and "task splitter" in str(err.value)
    assert not (folder / "reports").exists()


def test_dashboards_may_fall_back_to_provisional_quotas(tmp_path):
    folder = write_workbook(tmp_path / "wb", targets=False)
    quotas = load_quotas(open_workbook(folder), allow_provisional=True)
    assert quotas.provisional
    assert (quotas.table["target"] > 0).all()


def test_report_summary_matches_the_written_payouts(tmp_path):
    from salesplan_widgets.report.incentives import IncentivesReport

    folder = write_workbook(tmp_path / "wb")
    csv_path = write_payouts(folder, "2026-10")[0]
    report = IncentivesReport.open(folder, "2026-10")
    written = pd.read_csv(csv_path, encoding="utf-8-sig")["amount"].sum()
    assert report.cost.payout == pytest.approx(written)
    html = str(report.summary())
    assert "<svg" in html and "Cost of sales" in html
    assert str(report.summary()) == html  # deterministic: the same period renders the same bytes


@pytest.mark.parametrize("period", ["2026-13", "October", "../../etc"])
def test_a_bad_period_is_a_clear_error_and_writes_nothing(tmp_path, period):
    from salesplan_widgets.errors import SalesplanError

    folder = write_workbook(tmp_path / "wb")
    with pytest.raises(SalesplanError, match="YYYY-MM"):
        write_payouts(folder, period)
    assert not (folder / "reports").exists()


def test_quotas_follow_the_targets_version_in_force_for_each_month(tmp_path):
    from salesplan_widgets.workbook.payouts import load_quotas
    from salesplan_widgets.workbook.versions import save_version

    wb = open_workbook(write_workbook(tmp_path / "wb"))
    original = wb.read_table("targets")
    revised = original.assign(target=original["target"] * 2)
    save_version(wb, revised, reason="market shock", author="lead", effective_from="2026-07")
    quotas = load_quotas(wb).table.groupby("period")["target"].sum()
    planned = original.groupby("period")["target"].sum()
    june, july = pd.Period("2026-06", "M"), pd.Period("2026-07", "M")
    assert quotas[june] == pytest.approx(planned[june])
    assert quotas[july] == pytest.approx(2 * planned[july])


def test_exported_money_is_exact_in_the_currencys_minor_unit(tmp_path):
    import csv

    folder = write_workbook(tmp_path / "wb")
    csv_path = write_payouts(folder, "2026-10")[0]
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cents = re.compile(r"^-?\d+(\.\d{1,2})?$")
    for column in ("base", "amount", "reference"):
        written = [row[column] for row in rows if row[column]]
        assert written, column
        assert all(cents.match(value) for value in written), [v for v in written if not cents.match(v)][:3]
    assert any("." in row["base"] and len(row["base"].split(".")[1]) == 2 for row in rows)  # cents kept

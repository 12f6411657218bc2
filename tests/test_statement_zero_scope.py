"""A rep with a quota in force and no sales gets a statement of zeros (report/statement_documents
`stated_reps`); the hub's scoped extracts must carry it: his team's manager reads it, another team's manager
does not. Sun has a quota in East every month and has never sold.

Sun himself cannot sign in yet: the hub refuses a rep the sales data does not name, since his extract would
hold no sales lines and a workbook without them is refused (`located_problems`); that guard is tested here
until an extract may hold no sales."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.errors import PlanError
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import write_payouts
from salesplan_widgets.workbook.publish import publish
from salesplan_widgets.workbook.statement_extracts import STATEMENTS_INDEX

PLAN = """\
name: Zero Co
currency: CNY
locale: en
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, team: team}
reports:
  dashboards: [my_targets]
incentives:
  measurement: monthly
  cumulative: false
  commission:
    tiers:
      bands:
        - {at_least: 0, rate: 0.10}
access:
  users:
    fin: {role: finance}
    east: {role: manager, teams: [East]}
    north: {role: manager, teams: [North]}
    li: {role: rep, rep: Li}
"""
SALES = [("2026-01-15", 1000, "Li", "East"), ("2026-01-17", 1200, "Zhao", "North"),
         ("2026-02-15", 2000, "Li", "East"), ("2026-02-17", 700, "Zhao", "North")]  # fmt: skip
PEOPLE = (("Li", "East"), ("Sun", "East"), ("Zhao", "North"))


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("zeros") / "wb"
    (folder / "data").mkdir(parents=True)
    pd.DataFrame(SALES, columns=["date", "amount", "rep", "team"]).to_csv(
        folder / "data" / "sales.csv", index=False
    )
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    months = pd.period_range("2026-01", periods=12, freq="M")
    targets = pd.DataFrame(
        [(m, rep, team, 1000.0) for m in months for rep, team in PEOPLE],
        columns=["period", "rep", "team", "target"],
    )
    open_workbook(folder).write_table("targets", targets)
    write_payouts(open_workbook(folder), "2026-02", by="analyst")
    return folder


def _reps(extract: Path) -> set[str]:
    entries = json.loads((extract / STATEMENTS_INDEX).read_text(encoding="utf-8"))
    return {e["rep"] for e in entries}


def _documents(extract: Path) -> set[str]:
    return {p.parent.name for p in (extract / "statements").rglob("statement-*.html")}


def test_the_workbook_writes_sun_a_statement_of_zeros(workbook):
    folder = open_workbook(workbook).reports_dir("2026-02") / "statements"
    assert (folder / "Sun" / "statement-2026-02.en.html").is_file()


def test_a_hub_user_for_the_rep_without_sales_is_refused_with_a_clear_error(workbook, tmp_path):
    folder = tmp_path / "wb"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "sales.csv").write_bytes((workbook / "data" / "sales.csv").read_bytes())
    plan = (workbook / "plan.yaml").read_text(encoding="utf-8") + "    sun: {role: rep, rep: Sun}\n"
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    open_workbook(folder).write_table("targets", open_workbook(workbook).read_table("targets"))
    with pytest.raises(PlanError, match=r"access\.users\.sun\.rep.*Sun"):
        publish(folder, tmp_path / "state")


def test_his_manager_reads_his_statement_of_zeros_and_another_teams_manager_does_not(workbook, tmp_path):
    extracts = publish(workbook, tmp_path / "state")
    assert _reps(extracts["east"]) == {"Li", "Sun"} == _documents(extracts["east"])
    assert _reps(extracts["north"]) == {"Zhao"} == _documents(extracts["north"])
    assert _reps(extracts["fin"]) == {"Li", "Sun", "Zhao"}


def test_a_rep_reads_only_his_own_statements_beside_a_colleague_without_sales(workbook, tmp_path):
    extracts = publish(workbook, tmp_path / "state")
    assert _reps(extracts["li"]) == {"Li"} == _documents(extracts["li"])


def test_the_managers_copy_of_the_statement_of_zeros_says_so(workbook, tmp_path):
    extracts = publish(workbook, tmp_path / "state")
    page = extracts["east"] / "statements" / "2026-02" / "Sun" / "statement-2026-02.en.html"
    text = page.read_text(encoding="utf-8")
    assert "Sun" in text and "Nothing earned this period" in text

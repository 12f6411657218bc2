"""A small workbook for the hub's tests (access, publish, inbox, set-up): four invoice lines, three reps in
two teams, a saved targets table, and whatever `access:` section the test writes."""

from __future__ import annotations

from pathlib import Path

PLAN = """\
name: Test Co
currency: CNY
calendar: {start: 2026-01-01, end: 2026-12-31}
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep, team: team, segment: segment}
reports:
  dashboards: [overview, my_targets, incentives]
"""
SALES = """\
date,amount,rep,team,segment
2026-01-05,100,Li Na,East,A
2026-01-09,200,Wang Fang,East,B
2026-02-03,300,Zhao Lei,North,A
2026-02-17,400,Li Na,East,B
"""
TARGETS = """\
period,rep,team,segment,target
2026-01,Li Na,East,A,1000
2026-01,Wang Fang,East,B,2000
2026-01,Zhao Lei,North,A,3000
2026-02,Li Na,East,B,1500
"""
# the plan's first line after PLAN: where an `access:` section starts
ACCESS_LINE = PLAN.count("\n") + 1


def write_workbook(folder: Path, access: str) -> Path:
    """The small workbook in `folder` (created), with `access` appended to its plan verbatim."""
    (folder / "data").mkdir(parents=True)
    (folder / "tables").mkdir()
    (folder / "data" / "sales.csv").write_text(SALES, encoding="utf-8")
    (folder / "tables" / "targets.csv").write_text(TARGETS, encoding="utf-8")
    (folder / "plan.yaml").write_text(PLAN + access, encoding="utf-8")
    return folder

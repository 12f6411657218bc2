"""The plan's `access` section: roles and scopes are validated, against the schema and against the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.demo_company import copy_demo
from hub_workbook import ACCESS_LINE, write_workbook

from salesplan_widgets import open_workbook
from salesplan_widgets.errors import PlanError
from salesplan_widgets.workbook.plan import PlanFile
from salesplan_widgets.workbook.publish import access_problems, publish, scopes


def test_each_role_gets_its_scope_and_analysts_need_no_extract(tmp_path: Path) -> None:
    book = open_workbook(write_workbook(tmp_path, """\
access:
  users:
    ana: {role: analyst}
    fin: {role: finance}
    boss: {role: manager, teams: [East]}
    li: {role: rep, rep: Li Na}
"""))  # fmt: skip
    found = {s.user: (s.role, s.teams, s.reps) for s in scopes(book.plan)}
    assert found == {
        "fin": ("finance", None, None),
        "boss": ("manager", ("East",), None),
        "li": ("rep", None, ("Li Na",)),
    }
    assert access_problems(book.plan, book.cube()) == []


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("boss: {role: manager}", "a manager needs teams"),
        ("li: {role: rep}", "a rep needs rep"),
        ("fin: {role: finance, teams: [East]}", "teams applies to managers only"),
        ("ana: {role: analyst, rep: Li Na}", "rep applies to reps only"),
        ("li: {role: seller, rep: Li Na}", "access.users.li.role"),
        ("Li.Na: {role: analyst}", "user names must be lower case"),
    ],
)
def test_a_scope_that_does_not_fit_the_role_is_a_located_plan_error(
    tmp_path: Path, user: str, message: str
) -> None:
    write_workbook(tmp_path, f"access:\n  users:\n    {user}\n")
    with pytest.raises(PlanError) as info:
        PlanFile.read(tmp_path / "plan.yaml")
    assert message in str(info.value)
    assert info.value.first.row in (ACCESS_LINE + 1, ACCESS_LINE + 2)  # the user's line in plan.yaml


def test_unknown_team_and_rep_are_plan_errors_that_suggest_the_nearest_name(tmp_path: Path) -> None:
    book = open_workbook(
        write_workbook(
            tmp_path,
            """\
access:
  users:
    boss: {role: manager, teams: [Eats]}
    li: {role: rep, rep: Li Nа}
    zed: {role: rep, rep: Nobody At All}
""",
        )
    )  # fmt: skip  (Li Nа ends in a Cyrillic а: a look-alike that must not pass)
    problems = access_problems(book.plan, book.cube())
    assert [p.column for p in problems] == [
        "access.users.boss.teams",
        "access.users.li.rep",
        "access.users.zed.rep",
    ]
    assert "did you mean 'East'?" in str(problems[0])
    assert "did you mean 'Li Na'?" in str(problems[1])
    assert "Li Na" in str(problems[2]) and "Zhao Lei" in str(problems[2])  # no near name: the choices
    with pytest.raises(PlanError) as info:
        publish(book, tmp_path / "state")
    assert len(info.value.problems) == 3
    assert not (tmp_path / "state" / "extracts").exists()  # nothing published from a bad section


def test_a_plan_without_access_cannot_be_published_and_says_how(tmp_path: Path) -> None:
    book = open_workbook(write_workbook(tmp_path, ""))
    with pytest.raises(PlanError) as info:
        publish(book, tmp_path / "state")
    assert info.value.first.column == "access"
    assert "docs/serving.md" in str(info.value)


def test_demo_plan_names_one_user_of_every_role_and_its_scopes_exist_in_the_data(tmp_path: Path) -> None:
    # a copy: the demo's cube cache is not written into the checkout, where the template notebooks write it
    book = open_workbook(copy_demo(tmp_path / "demo"))
    roles = {user.role for user in book.plan.access.users.values()}
    assert roles == {"analyst", "finance", "manager", "rep"}
    assert access_problems(book.plan, book.cube()) == []


def test_cli_validate_reports_an_access_section_naming_an_unknown_team(tmp_path: Path) -> None:
    import subprocess
    import sys

    write_workbook(tmp_path, "access:\n  users:\n    boss: {role: manager, teams: [Nort]}\n")
    result = subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "access.users.boss.teams" in result.stderr and "did you mean 'North'?" in result.stderr

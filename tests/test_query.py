"""The address only narrows: unknown values, a rep of another team and anything outside the viewer's scope
become notices, never a crash and never another person's numbers."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import pytest
from test_overview_widget import TEAMS, write_sales_workbook

from salesplan_widgets.widgets.overview import SalesOverview
from salesplan_widgets.widgets.query import ViewerAccess, parse_query
from salesplan_widgets.widgets.task_splitter import MyTargets
from salesplan_widgets.widgets.tracker import Tracker

CHOICES = {"period": {"2026-09", "2026-10"}, "team": {"East", "West"}, "rep": {"Ann", "Bo", "Cy"}}
ROSTERS = {"East": {"Ann", "Bo"}, "West": {"Cy"}}
NOT_PERMITTED = "not permitted"


def test_a_rep_of_another_team_is_dropped_and_the_team_kept() -> None:
    query = parse_query("team=East&rep=Cy", CHOICES, rosters=ROSTERS)
    assert query.values == {"team": "East"}
    assert len(query.notices) == 1 and "not in the team" in query.notices[0]


def test_values_outside_the_scope_are_not_permitted_whether_or_not_they_exist() -> None:
    east = ViewerAccess(teams=frozenset({"East"}))
    for address in ("team=West", "rep=Cy", "rep=Nobody", "team=Atlantis"):
        query = parse_query(address, CHOICES, east, ROSTERS)
        assert "team" not in query.values or query.values["team"] == "East"
        assert "rep" not in query.values
        assert any(NOT_PERMITTED in n for n in query.notices), address
    assert parse_query("rep=Bo", CHOICES, east, ROSTERS).values == {"rep": "Bo", "team": "East"}


def test_a_rep_scope_sees_only_themselves_by_default() -> None:
    ann = ViewerAccess(teams=frozenset({"East"}), reps=frozenset({"Ann"}))
    assert parse_query("", CHOICES, ann, ROSTERS).values == {"team": "East", "rep": "Ann"}
    query = parse_query("rep=Bo", CHOICES, ann, ROSTERS)
    assert query.values == {"team": "East", "rep": "Ann"} and NOT_PERMITTED in query.notices[0]


def test_malformed_periods_get_a_notice_and_are_never_echoed() -> None:
    for period in ("2026-13", "26-10", "2026-10-01", "../../etc", "x" * 500):
        query = parse_query(f"period={period}", CHOICES)
        assert query.values == {} and len(query.notices) == 1
        assert period not in query.notices[0]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sales_workbook(tmp_path_factory.mktemp("query"))


def page_text(view: widgets.Widget) -> str:
    stack, text = [view], []
    while stack:
        widget = stack.pop()
        if isinstance(getattr(widget, "value", None), str):
            text.append(widget.value)
        stack.extend(getattr(widget, "children", ()))
    return " ".join(text)


def test_my_targets_for_a_team_and_a_rep_of_another_team_shows_the_team_with_a_notice(folder: Path) -> None:
    (east, east_reps), (other, other_reps) = list(TEAMS.items())[:2]
    view = MyTargets.from_query(folder, f"team={east}&rep={other_reps[0]}")
    assert isinstance(view, MyTargets)
    assert view.team == east and view.rep == ""
    assert set(view.targets["rep"]) <= set(east_reps)
    assert "not in the team" in page_text(view)


def test_my_targets_built_directly_with_an_inconsistent_rep_does_not_crash(folder: Path) -> None:
    (east, _reps), (_other, other_reps) = list(TEAMS.items())[:2]
    view = MyTargets(folder, team=east, rep=other_reps[0])
    assert view.rep == "" and set(view.targets["team"]) == {east}


@pytest.mark.parametrize("dashboard", [SalesOverview.dashboard, Tracker.dashboard, MyTargets.dashboard])
def test_every_dashboard_takes_a_scope_and_says_not_permitted(folder: Path, dashboard, monkeypatch) -> None:
    (east, _reps), (other, _other_reps) = list(TEAMS.items())[:2]
    monkeypatch.setenv("QUERY_STRING", f"team={other}")
    view = dashboard(folder, scope=ViewerAccess(teams=frozenset({east})))
    assert NOT_PERMITTED in page_text(view)
    assert view.team == east  # narrowed to the one team the viewer may see, not everyone's numbers
    assert view.workbook.read_only

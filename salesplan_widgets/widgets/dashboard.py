"""What every served view shares: built from the page address within the viewer's scope, never a traceback.

A dashboard class names the address parameters it reads (`address`); `from_query` offers only values the
data holds (a rep only inside the team asked for, everything inside the viewer's `ViewerAccess`) and
`dashboard` opens the workbook read-only and turns any SalesplanError into an escaped message. One copy of
that logic for every dashboard, so that a new one cannot forget a check.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import ipywidgets as widgets
import pandas as pd

from salesplan_widgets.errors import InputError, Problem, SalesplanError
from salesplan_widgets.i18n import _
from salesplan_widgets.widgets.charts import message_box
from salesplan_widgets.widgets.query import ViewerAccess, parse_query, preheating, request_query_string
from salesplan_widgets.workbook import Workbook, open_read_only, open_workbook
from salesplan_widgets.workbook.sample_data import sample_data_notice

_ALL = "all"  # a dimension the plan does not map holds this value in the cube


def address_choices(cube: pd.DataFrame, names: tuple[str, ...]) -> dict[str, set[str]]:
    """The values each address parameter may take: those the data holds (never the 'all' placeholder)."""
    return {name: set(cube[name].astype(str).unique()) - {_ALL} for name in names if name in cube.columns}


def sold_cube(workbook: Workbook) -> pd.DataFrame:
    """The workbook's cube, for a view that shows sales: a clear error, naming the source, when it holds none."""
    cube = workbook.cube()
    if cube.empty:
        raise InputError(
            Problem(
                file=workbook.source("sales").path,
                expected=_("at least one sale"),
                fix=_("check the sales source's path and date range in plan.yaml"),
            )
        )
    return cube


def team_rosters(cube: pd.DataFrame) -> dict[str, set[str]]:
    """Team -> its reps, so that a rep asked for outside the team asked for is refused."""
    if "team" not in cube.columns:
        return {}
    pairs = cube[["team", "rep"]].astype(str).drop_duplicates()
    return {team: set(group["rep"]) for team, group in pairs.groupby("team")}


class Dashboard:
    """Mixin for a view that Voila serves: `address` lists the query parameters its constructor takes."""

    address: ClassVar[tuple[str, ...]] = ("period", "team")

    @classmethod
    def from_query(
        cls,
        workbook: Workbook | str | Path,
        query_string: str | None = None,
        scope: ViewerAccess | None = None,
        **options,
    ):
        """The view for the selection the page address asks for, when known and inside `scope`."""
        workbook = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        selection, notices = cls.address_selection(workbook, query_string, scope)
        return cls(workbook, notices=notices, **selection, **options)

    @classmethod
    def address_selection(
        cls, workbook: Workbook, query_string: str | None = None, scope: ViewerAccess | None = None
    ) -> tuple[dict[str, str | None], tuple[str, ...]]:
        """The selection the page address asks for (known and inside `scope`), and the notices to show."""
        cube = workbook.cube()
        query = parse_query(
            request_query_string() if query_string is None else query_string,
            address_choices(cube, cls.address),
            scope,
            team_rosters(cube) if "rep" in cls.address else None,
        )
        sample = sample_data_notice(workbook)  # init's sample rows: say so before any figure
        return {name: query.get(name) for name in cls.address}, (sample,) * bool(sample) + query.notices

    @classmethod
    def dashboard(
        cls, workbook: Workbook | str | Path, scope: ViewerAccess | None = None, **options
    ) -> widgets.Widget:
        """What the Voila page shows, from the workbook opened read-only; a viewer never sees a traceback,
        only an escaped message.

        In a preheated kernel the view is first built once, unseen, with no selection: that loads every
        library and code path while no one waits. Then, once Voila hands the page request over, the
        workbook is opened again, so the page shows the plan and data as they are at the request.
        """
        try:
            if preheating():
                cls.from_query(open_read_only(workbook), "", scope, **options)
                widgets.Widget.close_all()  # nothing of the unseen view reaches the page
                request_query_string()
            return cls.from_query(open_read_only(workbook), scope=scope, **options)
        except SalesplanError as exc:
            return widgets.HTML(message_box([_("The dashboard cannot be shown."), str(exc)], kind="error"))

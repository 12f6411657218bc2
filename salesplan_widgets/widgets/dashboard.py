"""What every served view shares: built from the page address within the viewer's scope, never a traceback.

A dashboard class names the address parameters it reads (`address`); `from_query` offers only values the
data holds (a rep only inside the team asked for, everything inside the viewer's `Scope`) and `dashboard`
opens the workbook read-only and turns any SalesplanError into an escaped message. One copy of that logic
for every dashboard, so that a new one cannot forget a check. In a kernel Voila preheats, the view is built
before the request and kept when the request asks for the landing page of an unchanged workbook, so a
served view is not built twice; it must never show a plan or data older than the request.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import ipywidgets as widgets
import pandas as pd

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _
from salesplan_widgets.widgets.charts import message_box
from salesplan_widgets.widgets.query import Scope, parse_query, preheating, request_query_string
from salesplan_widgets.workbook import Workbook, open_read_only, open_workbook
from salesplan_widgets.workbook.sample_data import sample_data_notice
from salesplan_widgets.workbook.state import workbook_state

_ALL = "all"  # a dimension the plan does not map holds this value in the cube


def address_choices(cube: pd.DataFrame, names: tuple[str, ...]) -> dict[str, set[str]]:
    """The values each address parameter may take: those the data holds (never the 'all' placeholder)."""
    return {name: set(cube[name].astype(str).unique()) - {_ALL} for name in names if name in cube.columns}


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
        scope: Scope | None = None,
        **options,
    ):
        """The view for the selection the page address asks for, when known and inside `scope`."""
        workbook = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        cube = workbook.cube()
        query = parse_query(
            request_query_string() if query_string is None else query_string,
            address_choices(cube, cls.address),
            scope,
            team_rosters(cube) if "rep" in cls.address else None,
        )
        selection = {name: query.get(name) for name in cls.address}
        sample = sample_data_notice(workbook)  # init's sample rows: say so before any figure
        return cls(workbook, notices=(sample,) * bool(sample) + query.notices, **selection, **options)

    @classmethod
    def dashboard(
        cls, workbook: Workbook | str | Path, scope: Scope | None = None, **options
    ) -> widgets.Widget:
        """What the Voila page shows, from the workbook opened read-only; a viewer never sees a traceback,
        only an escaped message.

        In a preheated kernel the landing view is built before anyone asks for it (`_built_ahead`), so the
        page that claims the kernel usually finds it ready; otherwise it is built now, from the plan and
        data as they are at the request.
        """
        try:
            if preheating() and (view := cls._built_ahead(workbook, scope, **options)) is not None:
                return view
            return cls.from_query(open_read_only(workbook), scope=scope, **options)
        except SalesplanError as exc:
            return widgets.HTML(message_box([_("The dashboard cannot be shown."), str(exc)], kind="error"))

    @classmethod
    def _built_ahead(
        cls, workbook: Workbook | str | Path, scope: Scope | None, **options
    ) -> widgets.Widget | None:
        """The view with no selection, built while no one waits, then kept for the request that claims this
        kernel if that request asks for no selection and the workbook has not changed since (its
        `workbook_state`). Otherwise None, with everything built here closed so that none of it reaches the
        page: the caller builds the view again for the request. Building it loaded every library and code
        path either way."""
        source = workbook.path if isinstance(workbook, Workbook) else workbook
        built_from = workbook_state(source)
        try:
            view = cls.from_query(open_read_only(workbook), "", scope, **options)
        except SalesplanError:  # shown as the request finds the workbook, which may be mended by then
            view = None
        asked = request_query_string()  # waits for the request
        if view is not None and asked == "" and workbook_state(source) == built_from:
            return view
        widgets.Widget.close_all()
        return None

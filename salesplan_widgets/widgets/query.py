"""The dashboard's URL query string (`?period=2026-10&team=East`), read and validated before any use.

A published dashboard takes its selection from the address a manager bookmarks or is sent. Only values
that are already known choices are accepted: a period (2026-10, 2026Q4, a week) that exists in the data, a team or
rep that appears in it, a rep who belongs to the team asked for. Anything else is dropped with a polite
notice. Parameters only narrow: a `ViewerAccess` (the teams and reps a viewer may see, given by the server
from the signed-in identity, never from the address) turns a value outside it into a "not permitted"
notice, whether or not that team or rep exists. This module must never execute, open or echo what the address
says: notices name the parameter, never the rejected text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from salesplan_widgets.i18n import _

# A period as the data names it at any grain: 2026-10, 2026Q4, 2026-10-26/2026-11-01 (a week). Only values
# the data holds are accepted anyway; the shape check keeps anything else from being looked up at all.
_MONTH, _DAY = r"\d{4}-(0[1-9]|1[0-2])", r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
PERIOD_PATTERN = re.compile(
    rf"{_MONTH}|\d{{4}}Q[1-4]|\d{{4}}-W(0[1-9]|[1-4]\d|5[0-3])|{_DAY}(/{_DAY})?", re.ASCII
)
# Parameters Voila itself reads (template, theme); not ours to judge.
_VOILA_PREFIX = "voila-"
# Longer values are rejected unread: no choice in a sales plan is this long.
_MAX_VALUE_LENGTH = 200


@dataclass(frozen=True)
class ViewerAccess:
    """The teams and reps a viewer may see; None means no limit (the one analyst of `salesplan serve`).

    A rep is permitted when named in `reps`, or when `reps` is None and their team (from the roster) is
    permitted. The hub builds one from the plan's access rules for the signed-in user. Not a published
    extract's `workbook.publish.Scope` (user, role, what it holds): this one only judges an address.
    """

    teams: frozenset[str] | None = None
    reps: frozenset[str] | None = None

    def permits(self, name: str, value: str, rosters: Mapping[str, Collection[str]] | None = None) -> bool:
        if name == "team":
            return self.teams is None or value in self.teams
        if name == "rep":
            if self.reps is not None:
                return value in self.reps
            if self.teams is None:
                return True
            return any(value in (rosters or {}).get(team, ()) for team in self.teams)
        return True


EVERYONE = ViewerAccess()


@dataclass(frozen=True)
class Query:
    """The accepted selection, and a notice for each parameter that was ignored."""

    values: dict[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()

    def get(self, name: str) -> str | None:
        return self.values.get(name)


def preheating() -> bool:
    """True in a kernel Voila started for its preheated pool that no page request has claimed yet."""
    return os.environ.get("VOILA_PREHEAT") == "True"


def request_query_string() -> str:
    """The query string of the page request this kernel serves ('' outside Voila).

    With preheated kernels the notebook starts before anyone asks for it; `wait_for_request` blocks until
    Voila hands the request over (once: the kernel then serves that request). Voila is imported only then:
    importing it loads the whole Jupyter server (seconds), which an ordinary kernel must not pay for on
    every page view.
    """
    if preheating():
        from voila.utils import wait_for_request

        wait_for_request()
        os.environ["VOILA_PREHEAT"] = "False"  # handed over: a second call must not wait again
    return os.environ.get("QUERY_STRING", "")


def _notice_for(name: str) -> str:
    if name == "period":
        return _("The period in the address is not a period with data; it was ignored.")
    if name == "team":
        return _("The team in the address is not one of the plan's teams; it was ignored.")
    if name == "rep":
        return _("The rep in the address is not one of the plan's reps; it was ignored.")
    if name == "rep-of-team":
        return _("The rep in the address is not in the team asked for; the whole team is shown.")
    if name == "not-permitted":
        return _("You are not permitted to see what the address asks for; it was ignored.")
    return _("A value in the address was not recognised; it was ignored.")


def parse_query(
    query_string: str,
    choices: Mapping[str, Collection[str]],
    scope: ViewerAccess | None = None,
    rosters: Mapping[str, Collection[str]] | None = None,
) -> Query:
    """Keep each parameter whose value is one of `choices[name]` and inside `scope`; note every other one.

    A period must also look like one: 2026-10, 2026Q4, 2026-W44 or a week's days (2026-10-26/2026-11-01). `rosters` (team → its reps) drops a rep who is not in the team
    asked for. Repeated parameters count once (the first). Unknown parameter names are ignored with one
    notice that does not repeat them.
    """
    scope = scope or EVERYONE
    values: dict[str, str] = {}
    notices: list[str] = []
    unknown = False
    try:
        pairs = parse_qsl(query_string or "", keep_blank_values=True, max_num_fields=50)
    except ValueError:  # absurdly many fields: read none of them
        return Query(notices=(_("The address had too many parameters; they were ignored."),))
    for name, value in pairs:
        if name.startswith(_VOILA_PREFIX):
            continue
        if name not in choices:
            unknown = True
            continue
        if name in values:
            continue
        value = value.strip()
        if not value:  # `?team=` asks for nothing in particular: the default, without a notice
            continue
        if len(value) > _MAX_VALUE_LENGTH or not scope.permits(name, value, rosters):
            notice = _notice_for("not-permitted" if len(value) <= _MAX_VALUE_LENGTH else name)
            if notice not in notices:
                notices.append(notice)
            continue
        valid = value in choices[name]
        if name == "period":
            valid = valid and PERIOD_PATTERN.fullmatch(value) is not None
        if valid:
            values[name] = value
        else:
            notice = _notice_for(name)
            if notice not in notices:
                notices.append(notice)
    team, rep = values.get("team"), values.get("rep")
    if team and rep and rosters is not None and rep not in rosters.get(team, ()):
        del values["rep"]
        notices.append(_notice_for("rep-of-team"))
    for name, allowed in (("team", scope.teams), ("rep", scope.reps)):
        if name in choices and name not in values and allowed is not None and len(allowed) == 1:
            values[name] = next(iter(allowed))  # a viewer limited to one team or rep sees it by default
    if unknown:
        notices.append(_("Parameters in the address that this dashboard does not use were ignored."))
    return Query(values=values, notices=tuple(notices))

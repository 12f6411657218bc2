"""The dashboard's URL query string (`?period=2026-10&team=East`), read and validated before any use.

A published dashboard takes its selection from the address a manager bookmarks or is sent. Only values
that are already known choices are accepted: a period shaped YYYY-MM that exists in the data, a team or
rep that appears in it. Anything else is dropped with a polite notice. This module must never execute,
open or echo what the address says: notices name the parameter, never the rejected text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from salesplan_widgets.i18n import _

PERIOD_PATTERN = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# Parameters Voila itself reads (template, theme); not ours to judge.
_VOILA_PREFIX = "voila-"
# Longer values are rejected unread: no choice in a sales plan is this long.
_MAX_VALUE_LENGTH = 200


@dataclass(frozen=True)
class Query:
    """The accepted selection, and a notice for each parameter that was ignored."""

    values: dict[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()

    def get(self, name: str) -> str | None:
        return self.values.get(name)


def request_query_string() -> str:
    """The query string of the page request this kernel serves ('' outside Voila).

    With preheated kernels the notebook starts before anyone asks for it; `wait_for_request` blocks until
    Voila hands the request over. Voila is imported only then: importing it loads the whole Jupyter
    server (seconds), which an ordinary kernel must not pay for on every page view.
    """
    if os.environ.get("VOILA_PREHEAT") == "True":
        from voila.utils import wait_for_request

        wait_for_request()
    return os.environ.get("QUERY_STRING", "")


def _notice_for(name: str) -> str:
    if name == "period":
        return _("The period in the address is not a month with data (YYYY-MM); it was ignored.")
    if name == "team":
        return _("The team in the address is not one of the plan's teams; it was ignored.")
    if name == "rep":
        return _("The rep in the address is not one of the plan's reps; it was ignored.")
    return _("A value in the address was not recognised; it was ignored.")


def parse_query(query_string: str, choices: Mapping[str, Collection[str]]) -> Query:
    """Keep each parameter whose value is one of `choices[name]`; note every other one.

    A period must also look like YYYY-MM. Repeated parameters count once (the first). Unknown parameter
    names are ignored with one notice that does not repeat them.
    """
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
        valid = len(value) <= _MAX_VALUE_LENGTH and value in choices[name]
        if name == "period":
            valid = valid and PERIOD_PATTERN.fullmatch(value) is not None
        if valid:
            values[name] = value
        else:
            notice = _notice_for(name)
            if notice not in notices:
                notices.append(notice)
    if unknown:
        notices.append(_("Parameters in the address that this dashboard does not use were ignored."))
    return Query(values=values, notices=tuple(notices))

"""The year-end projection as headline cards, worded once for every page that shows it.

The goal report, the goal dashboard, the tracking report and the Tracker all show the projection of
model/projection.py through these cards, so the figure, its range and the words around it are the same
everywhere. "Remaining to target" (target − actual) sits beside "Actual to date"; "Forecast shortfall vs
target" (target − projection) sits beside the projection it is measured from, so neither reads as a
contradiction of the other. Formatting only: the figures come from the model.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from salesplan_widgets.i18n import _, fmt_percent
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.projection import GoalStanding, YearEndProjection, horizon_kind
from salesplan_widgets.report.blocks import Card


def projection_label(projection: YearEndProjection, locale: str | None = None) -> str:
    """'Projected by Dec 2026': the same words on every page."""
    return _("Projected by {end}").format(end=period_labels([projection.end], locale)[0])


def horizon_name(projection: YearEndProjection, calendar: FiscalCalendar) -> str | None:
    """The projection's horizon named for a sentence: None for a year (the pages keep their
    "year" sentences), else the span and its dates, "half-year (Jan 2026 – Jun 2026)", so a six-month
    goal does not read as a year."""
    noun = span_noun(projection.start, projection.end, calendar)
    if noun is None:
        return None
    first, last = calendar.labels([projection.start, projection.end])
    span = first if first == last else _("{first} – {last}").format(first=first, last=last)
    return _("{horizon} ({span})").format(horizon=noun, span=span)


def span_noun(start: pd.Period, end: pd.Period, calendar: FiscalCalendar) -> str | None:
    """Periods start..end named by their length (`horizon_kind`): None for a year, else "half-year",
    "quarter" or "goal's period"."""
    kind = horizon_kind(start, end, calendar)
    if kind == "year":
        return None
    return {"half-year": _("half-year"), "quarter": _("quarter")}.get(kind, _("goal's period"))


def for_horizon(periods: pd.Index, calendar: FiscalCalendar, *, year: str, other: str) -> str:
    """`year` when `periods` (e.g. the months a split plans) span a year, else `other` with its {horizon}
    named (`span_noun`): a six-month split reads "Share of the half-year", not "of the year"."""
    named = [calendar.period(p) for p in pd.Index(periods).astype(str).unique()]
    noun = span_noun(min(named), max(named), calendar) if named else None
    return year if noun is None else other.format(horizon=noun)


def ended_short_heading(
    projection: YearEndProjection, calendar: FiscalCalendar, threshold: str
) -> tuple[str, str]:
    """Heading and empty-list line of the reps who ended the closed horizon under `threshold` of target."""
    horizon = horizon_name(projection, calendar)
    if horizon is None:
        return (
            _("Ended the year under {threshold} of target").format(threshold=threshold),
            _("No rep ended the year under the threshold."),
        )
    return (
        _("Ended the {horizon} under {threshold} of target").format(horizon=horizon, threshold=threshold),
        _("No rep ended the {horizon} under the threshold.").format(horizon=horizon),
    )


def for_grain(calendar: FiscalCalendar, *, month: str, week: str, quarter: str) -> str:
    """The sentence written for the calendar's grain (weekly and retail 4-4-5 calendars: the week's), so a
    weekly workbook never reads "the remaining months". Whole sentences, not a spliced noun: each language
    words its own."""
    if calendar.is_weekly:
        return week
    return quarter if calendar.grain == "quarter" else month


def for_window(window: str, *, year: str, quarter: str, month: str) -> str:
    """The sentence written for the pace window (`tracking.pace_window`) the to-date figures add up: the
    year's, a quarter's or a month's. Whole sentences, as `for_grain`."""
    return {"month": month, "quarter": quarter}.get(window, year)


def at_risk_heading(projection: YearEndProjection, calendar: FiscalCalendar, threshold: str) -> str:
    """Heading of the reps projected under `threshold` of target: the year-end projection for a year, the
    projection for the named horizon (`horizon_name`) for a half-year, a quarter or another span."""
    horizon = horizon_name(projection, calendar)
    if horizon is None:
        return _("At risk (year-end projection under {threshold} of target)").format(threshold=threshold)
    return _("At risk (projection for the {horizon} under {threshold} of target)").format(
        horizon=horizon, threshold=threshold
    )


def projected_attainment_note(projection: YearEndProjection, calendar: FiscalCalendar, target: str) -> str:
    """How the projected attainment is computed, naming the horizon when it is not a year."""
    horizon = horizon_name(projection, calendar)
    if horizon is None:
        return _("year-end projection ÷ target {target}").format(target=target)
    return _("projection for the {horizon} ÷ target {target}").format(horizon=horizon, target=target)


def projection_range(projection: YearEndProjection, figure: Callable[[float], str]) -> str:
    lower, upper = projection.interval
    return _("{level} range {lower} – {upper}").format(
        level=fmt_percent(projection.level), lower=figure(lower), upper=figure(upper)
    )


def projection_card(
    projection: YearEndProjection, figure: Callable[[float], str], locale: str | None = None
) -> Card:
    return Card(
        projection_label(projection, locale), figure(projection.total), projection_range(projection, figure)
    )


def standing_cards(
    standing: GoalStanding,
    projection: YearEndProjection,
    figure: Callable[[float], str],
    locale: str | None = None,
) -> list[Card]:
    """Actual, what remains to the target, the projection and how far it falls short of (or passes) it."""
    if standing.shortfall >= 0:
        versus = Card(
            _("Forecast shortfall vs target"),
            figure(standing.shortfall),
            _("target − projection"),
        )
    else:
        versus = Card(
            _("Forecast above target"),
            figure(-standing.shortfall),
            _("projection − target"),
        )
    return [
        Card(_("Actual to date"), figure(standing.actual_to_date)),
        Card(
            _("Remaining to target"),
            figure(max(standing.remaining_to_target, 0.0)),
            _("target − actual to date"),
        ),
        projection_card(projection, figure, locale),
        versus,
    ]

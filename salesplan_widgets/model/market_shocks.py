"""The plan's expected market shocks (`tracking.market_shocks`) as re-plan events the tracker can preview.

Pure translation from plan text to `replan.MarketShock`, reading periods through the plan's calendar; a
period the calendar cannot read is a located plan problem, never a pandas traceback. Applies nothing.
"""

from __future__ import annotations

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.replan import MarketShock
from salesplan_widgets.schema.tracking import TrackingSection


def planned_shocks(section: TrackingSection | None, calendar: FiscalCalendar) -> list[MarketShock]:
    """One MarketShock per entry of `tracking.market_shocks`, in plan order (none without a section)."""
    shocks, problems = [], []
    for i, spec in enumerate(section.market_shocks if section is not None else ()):
        periods = {}
        for key in ("start", "through"):
            text = getattr(spec, key)
            if text is None:
                continue
            try:
                periods[key] = calendar.parse(text)
            except ValueError:
                problems.append(
                    Problem(
                        file="plan.yaml",
                        column=f"tracking.market_shocks[{i}].{key}",
                        expected=_("a period as written for --period, e.g. {example}").format(
                            example=calendar.key(calendar.period("2026-11-15"))
                        ),
                        found=text,
                        fix=_("write the period the shock starts (or ends) in"),
                    )
                )
        if len(periods) == (2 if spec.through else 1):
            shocks.append(
                MarketShock(
                    spec.factor,
                    periods["start"],
                    periods.get("through"),
                    segment=spec.segment,
                    channel=spec.channel,
                    team=spec.team,
                    territory=spec.territory,
                    reason=spec.reason,
                )
            )
    if problems:
        raise InputError(problems)
    return shocks

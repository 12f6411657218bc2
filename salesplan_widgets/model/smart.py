"""The SMART check of a sales goal: one verdict and one actionable sentence per letter.

Specific: the goal names its metric and states what it is. Measurable: the metric is in the data, is not
empty, and every team/segment/channel of the scope has sales, so it can be tracked monthly. Achievable:
the target is not below the baseline forecast (the trend alone would beat it: flagged, not shown as a
negative stretch), the probability of reaching it is at least the plan's threshold (default 50%) and the
stretch over the baseline at most its limit. Relevant: a rationale and the business objective it serves are written
down. Time-bound: the horizon runs from a month's first day to a month's last day, at most two years, and
has review dates inside it. A goal failing a check may be saved only with an override reason.

Pure: reads a goal section, the cube and figures from model.goal; no files, no widgets. Sentences go
through `_()` so they exist in both languages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from salesplan_widgets.i18n import _, fmt_number, fmt_percent
from salesplan_widgets.model.forecast import METRICS
from salesplan_widgets.schema.goal import GoalSection

LETTERS = ("S", "M", "A", "R", "T")
MAX_HORIZON_MONTHS = 24


def letter_names() -> dict[str, str]:
    """SMART letter -> its name in the current language (Specific, Measurable ...)."""
    return {
        "S": _("Specific"),
        "M": _("Measurable"),
        "A": _("Achievable"),
        "R": _("Relevant"),
        "T": _("Time-bound"),
    }


def metric_names() -> dict[str, str]:
    """What a goal can count -> its name in the current language, as the verdict sentences use it."""
    return {"revenue": _("revenue"), "quantity": _("quantity"), "lines": _("invoice lines")}


@dataclass(frozen=True)
class SmartVerdict:
    """One letter's verdict: whether it passed and the sentence that says why, in the current language."""

    letter: str
    name: str
    passed: bool
    sentence: str


@dataclass(frozen=True)
class SmartCheck:
    """The five verdicts of a goal, S to T; ``check["A"]`` is one of them."""

    verdicts: tuple[SmartVerdict, ...]

    @property
    def passed(self) -> bool:
        """Every letter passed."""
        return all(v.passed for v in self.verdicts)

    @property
    def failed(self) -> tuple[str, ...]:
        """The letters that failed, in S-M-A-R-T order."""
        return tuple(v.letter for v in self.verdicts if not v.passed)

    def __getitem__(self, letter: str) -> SmartVerdict:
        return next(v for v in self.verdicts if v.letter == letter)

    def can_save(self, override_reason: str = "") -> bool:
        """A goal that passes saves as it is; one that fails saves only with a stated override reason."""
        return self.passed or bool(override_reason.strip())

    def as_dict(self) -> dict[str, dict]:
        """Letter -> {passed, sentence}: what `GoalWizard.result["smart"]` and the reports show."""
        return {v.letter: {"passed": v.passed, "sentence": v.sentence} for v in self.verdicts}


def _scope_text(goal: GoalSection) -> str:
    scope = goal.scope
    parts = [
        _("teams {names}").format(names=", ".join(scope.teams)) if scope.teams else _("every team"),
        _("segments {names}").format(names=", ".join(scope.segments))
        if scope.segments
        else _("every segment"),
        _("channels {names}").format(names=", ".join(scope.channels))
        if scope.channels
        else _("every channel"),
    ]
    return _("; ").join(parts)


def _specific(goal: GoalSection) -> tuple[bool, str]:
    if goal.metric is None:
        return False, _("Name the metric the goal counts: revenue, quantity or invoice lines.")
    if not goal.name.strip():
        return False, _("Write the goal in one line, e.g. 'Grow {metric} of {scope} by 10%'.").format(
            metric=metric_names()[goal.metric], scope=_scope_text(goal)
        )
    return True, _("The goal counts {metric} of {scope}.").format(
        metric=metric_names()[goal.metric], scope=_scope_text(goal)
    )


def _measurable(goal: GoalSection, cube: pd.DataFrame) -> tuple[bool, str]:
    if goal.metric is None:
        return False, _("Choose a metric so the goal can be measured in the sales data.")
    column = METRICS[goal.metric]
    if column not in cube.columns or not (cube[column] != 0).any():
        return False, _(
            "The sales data holds no {metric}: map its column in plan.yaml or choose revenue."
        ).format(metric=metric_names()[goal.metric])
    for dim, members in goal.scope.as_filter().items():
        known = set(cube[dim].astype(str).unique()) if dim in cube.columns else set()
        unknown = [m for m in members if m not in known]
        if unknown:
            return False, _(
                "{names} has no sales in the data: fix the name or remove it from the scope."
            ).format(names=", ".join(unknown))
    return True, _("{metric} is in the sales data for the whole scope and is tracked every month.").format(
        metric=metric_names()[goal.metric].capitalize()
    )


def _achievable(
    goal: GoalSection, probability: float | None, stretch: float | None, target_at_threshold: float | None
) -> tuple[bool, str]:
    if goal.target is None or probability is None or stretch is None:
        return False, _("Set a target so its chance of being reached can be judged.")
    threshold, limit = goal.probability_threshold, goal.stretch_limit
    if stretch < 0:  # not "-0.6% over the baseline": a target the trend alone beats is flagged as such
        return False, _(
            "The target lies {share} below the baseline forecast: the current trend alone would beat it. "
            "Raise it to at least the baseline, or write an override reason saying why sales should fall."
        ).format(share=fmt_percent(-stretch, decimals=1))
    if probability < threshold:
        text = _("At the current trend the target has a {p} chance, below the plan's {threshold}:").format(
            p=fmt_percent(probability), threshold=fmt_percent(threshold)
        )
        if target_at_threshold is not None:
            text += " " + _("lower it to about {target} or plan what will lift sales.").format(
                target=fmt_number(target_at_threshold)
            )
        else:
            text += " " + _("lower it or plan what will lift sales.")
        return False, text
    if stretch > limit:
        return False, _(
            "The target asks {stretch} over the baseline, above the limit of {limit}: lower it."
        ).format(stretch=fmt_percent(stretch, decimals=1), limit=fmt_percent(limit))
    return True, _("A {p} chance at the current trend, {stretch} over the baseline.").format(
        p=fmt_percent(probability), stretch=fmt_percent(stretch, decimals=1)
    )


def _relevant(goal: GoalSection) -> tuple[bool, str]:
    if not goal.rationale.strip():
        return False, _("Write why this target: the reasoning behind the number.")
    if not goal.business_objective.strip():
        return False, _("Name the business objective this goal serves.")
    return True, _("Serves: {objective}.").format(objective=goal.business_objective.strip().rstrip("."))


def _month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def _time_bound(goal: GoalSection) -> tuple[bool, str]:
    if goal.start is None or goal.end is None:
        return False, _("Set the horizon: a start month and a deadline.")
    if goal.start.day != 1 or not _month_end(goal.end):
        return False, _("Start the horizon on a month's first day and end it on a month's last day.")
    months = (goal.end.year - goal.start.year) * 12 + goal.end.month - goal.start.month + 1
    if months > MAX_HORIZON_MONTHS:
        return False, _("A horizon of {months} months is too long to steer: keep it within {limit}.").format(
            months=months, limit=MAX_HORIZON_MONTHS
        )
    if not goal.review_dates:
        return False, _("Add at least one review date between the start and the deadline.")
    outside = [d for d in goal.review_dates if not goal.start <= d <= goal.end]
    if outside:
        return False, _("Move review date {date} inside the horizon {start} – {end}.").format(
            date=outside[0].isoformat(), start=goal.start.isoformat(), end=goal.end.isoformat()
        )
    return True, _("From {start} to {end}, reviewed {count} times.").format(
        start=goal.start.isoformat(), end=goal.end.isoformat(), count=len(goal.review_dates)
    )


def smart_check(
    goal: GoalSection,
    cube: pd.DataFrame,
    probability: float | None,
    stretch: float | None,
    target_at_threshold: float | None = None,
) -> SmartCheck:
    """The five verdicts for `goal`, given its target's probability and stretch (from model.goal)."""
    names = letter_names()
    results = {
        "S": _specific(goal),
        "M": _measurable(goal, cube),
        "A": _achievable(goal, probability, stretch, target_at_threshold),
        "R": _relevant(goal),
        "T": _time_bound(goal),
    }
    return SmartCheck(tuple(SmartVerdict(letter, names[letter], *results[letter]) for letter in LETTERS))

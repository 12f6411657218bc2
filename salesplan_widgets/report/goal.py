"""The goal section of the period report: the plan's target against the forecast to its deadline, the
chance of reaching it, and the SMART verdicts.

`GoalReport.open(workbook, period)` re-forecasts the goal's scope from the data up to the report month
(closed months count at their actuals) and returns displayable `Html` parts; the template
templates/report_goal.ipynb is one call per cell. Charts are static SVG (report.charts), so the page opens
offline. Figures come from model.forecast / model.goal / model.smart; nothing is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd
from matplotlib import rc_context

from salesplan_widgets.i18n import _, fmt_date, fmt_money, fmt_number, fmt_percent, set_locale
from salesplan_widgets.model import pacing
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.forecast import Forecast
from salesplan_widgets.model.goal import first_goal_periods, implied_stretch, target_for_probability
from salesplan_widgets.model.projection import (
    GoalStanding,
    ProjectionHorizon,
    YearEndProjection,
    projection_horizon,
    year_end_projection,
)
from salesplan_widgets.model.smart import SmartCheck, smart_check
from salesplan_widgets.report import blocks, charts
from salesplan_widgets.report.metrics import publish_metrics
from salesplan_widgets.report.overview import parse_period
from salesplan_widgets.report.projection import projection_range, standing_cards
from salesplan_widgets.schema.goal import GoalSection
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.plan_history import goal_in_force
from salesplan_widgets.workbook.sales_through import pacing_country, sales_through, share_gone
from salesplan_widgets.workbook.sample_data import sample_data_notice


def in_progress_notice(workbook: Workbook, period: pd.Period) -> str:
    """What the goal wizard and the goal page tell the user when the data stop before `period`'s last
    working day although it is over (model.pacing.period_in_progress): the period counts as one still
    being sold, its sales so far plus the forecast of the rest. Empty while it is really being sold (that
    is plain), when it is complete, or when `calendar.end` says where the data end."""
    plan = workbook.plan
    through = sales_through(workbook)
    country = pacing_country(workbook)
    if plan.calendar.end is not None or pacing.today() <= period.end_time.date():
        return ""
    if not pacing.period_in_progress(period, through, country) or through < period.start_time.date():
        return ""
    text = {
        "week": _("{period} has sales up to {day} only: it is treated as a week in progress."),
        "quarter": _("{period} has sales up to {day} only: it is treated as a quarter in progress."),
    }.get(
        "week" if FiscalCalendar.of(plan.calendar).is_weekly else plan.calendar.grain,
        _("{period} has sales up to {day} only: it is treated as a month in progress."),
    )
    hint = _("If the data are complete, set calendar.end in plan.yaml to the period's last day.")
    return text.format(period=period_labels([period])[0], day=fmt_date(through)) + " " + hint


TARGET_COLOUR = "#c0392b"
FORECAST_COLOUR = "#7a7a7a"


@dataclass
class GoalReport:
    """One period's view of the plan's goal (or of the baseline, while no goal is saved)."""

    workbook: Workbook
    period: pd.Period
    goal: GoalSection | None
    projection: YearEndProjection
    cube: pd.DataFrame

    @property
    def forecast(self) -> Forecast:
        return self.projection.forecast

    @classmethod
    def open(
        cls, workbook: str | Path | Workbook, period: str | None, locale: str | None = None
    ) -> GoalReport:
        """The goal as of `period` (YYYY-MM; None: the last month with data); `locale` overrides the plan."""
        wb = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        if locale:
            set_locale(locale)
        cube = wb.cube()
        calendar = FiscalCalendar.of(wb.plan.calendar)
        month = parse_period(period, wb.plan.calendar) if period is not None else cube["period"].max()
        cube = cube[cube["period"] <= month]
        goal = goal_in_force(wb, calendar.months_of([month])[0])  # a kept year's goal for its months
        if goal is not None and goal.start and goal.end:
            horizon = projection_horizon(goal, calendar, month, for_goal=True)
        else:
            goal = goal if goal is not None and goal.target is not None else None
            year = first_goal_periods(calendar, month)  # the year the goal wizard proposes
            horizon = ProjectionHorizon(year[0], year[-1])
        # the one year-end projection (model/projection.py): the tracking pages show the same figure
        projection = year_end_projection(cube, horizon, last_actual=month, elapsed=share_gone(wb, month))
        return cls(workbook=wb, period=month, goal=goal, projection=projection, cube=cube)

    @property
    def has_target(self) -> bool:
        return self.goal is not None and self.goal.target is not None

    def _figure(self, value: float) -> str:
        if self.forecast.metric == "revenue":
            return fmt_money(value, self.workbook.currency, digits=False)
        return fmt_number(value)

    def _horizon(self) -> str:
        f = self.forecast
        return _("{start} – {end}").format(start=period_labels([f.start])[0], end=period_labels([f.end])[0])

    # -- parts ------------------------------------------------------------------------------------------
    def title(self) -> blocks.Html:
        return blocks.title(
            _("Sales goal"),
            _("{plan} · {month}").format(plan=self.workbook.plan.name, month=period_labels([self.period])[0]),
            notice=sample_data_notice(self.workbook),
        )

    def standing(self) -> GoalStanding | None:
        """The saved target against the one year-end projection (None while no target is saved)."""
        return self.projection.standing(self.goal.target) if self.has_target else None

    def year_over_notice(self) -> str:
        """What to do when the data have gone past the goal's horizon (the report shows a later period)."""
        return _(
            "This goal's year ended in {end}, before {period}: set the next year's goal with the goal wizard "
            "(goal_setting notebook) and split it with the task splitter."
        ).format(end=period_labels([self.projection.end])[0], period=period_labels([self.period])[0])

    def in_progress_notice(self) -> str:
        """Why the period shown counts as still being sold although it is over (`in_progress_notice`)."""
        return in_progress_notice(self.workbook, self.period)

    def _in_progress_html(self) -> str:
        notice = self.in_progress_notice()
        return f'<p class="salesplan-notice">{escape(notice)}</p>' if notice else ""

    def headline(self) -> blocks.Html:
        if not self.has_target:
            return blocks.section(
                _("Goal"),
                blocks.Html(
                    "<p>"
                    + escape(
                        _("No goal in the plan yet: set one with the goal wizard (goal_setting notebook).")
                    )
                    + "</p>"
                    + self._in_progress_html()
                ),
                blocks.cards(
                    [
                        blocks.Card(
                            _("Baseline forecast {horizon}").format(horizon=self._horizon()),
                            self._figure(self.forecast.total),
                            projection_range(self.projection, self._figure),
                        )
                    ]
                ),  # fmt: skip
            )
        s = self.standing()
        over = ""
        if self.projection.end < self.period:  # 1 January: the saved goal is last year's
            over = '<p class="salesplan-notice">' + escape(self.year_over_notice()) + "</p>"
        return blocks.section(
            _("Goal"),
            blocks.Html(f"<p>{escape(self.goal.name or '')}</p>{over}{self._in_progress_html()}"),
            blocks.cards(
                [
                    blocks.Card(
                        _("Target {horizon}").format(horizon=self._horizon()), self._figure(s.target)
                    ),
                    *standing_cards(s, self.projection, self._figure),
                    blocks.Card(
                        _("Chance of reaching it"),
                        fmt_percent(s.probability),
                        _("at the current trend"),
                    ),
                ]
            ),
        )

    def chart(self) -> blocks.Html:
        running = self.forecast.cumulative()
        fig = charts.new_figure()
        ax = fig.axes[0]
        x = range(len(running))
        with rc_context(charts._style()):
            ax.fill_between(
                x, running["lower"], running["upper"], color=FORECAST_COLOUR, alpha=0.2, linewidth=0
            )
            ax.plot(x, running["forecast"], color=charts.ACTUAL_COLOUR, marker="o", markersize=3,
                    label=_("Actual, then forecast (running total)"))  # fmt: skip
            if self.has_target:
                ax.axhline(self.goal.target, color=TARGET_COLOUR, linewidth=2, label=_("Target"))
            ax.set_xticks(list(x), period_labels(list(running["period"])), rotation=45, ha="right")
            ax.set_ylim(bottom=0)
            charts.money_axis(ax)
            ax.grid(axis="y", color=charts.GRID_COLOUR)
            ax.legend(loc="upper left")
            ax.set_title(
                _("Running total to the deadline, with its {level} interval").format(
                    level=fmt_percent(self.forecast.level)
                )
            )
        return blocks.section(_("Target against forecast"), blocks.figure(charts.to_svg(fig)))

    def smart_check(self) -> SmartCheck | None:
        if not self.has_target:
            return None
        s = self.standing()
        # the goal as it was set: its stretch over the baseline it was saved against (a team ahead of plan
        # mid-year is not "below the baseline"); its chance from today's projection
        stretch = implied_stretch(self.goal.target, self.goal.baseline) if self.goal.baseline else s.stretch
        return smart_check(
            self.goal,
            self.cube,
            probability=s.probability,
            stretch=stretch,
            target_at_threshold=target_for_probability(self.forecast, self.goal.probability_threshold),
        )

    def smart(self) -> blocks.Html:
        check = self.smart_check()
        if check is None:
            return blocks.section(_("SMART check"), _("No goal to check yet."))
        rows = [
            (f"{v.letter} · {v.name}", _("pass") if v.passed else _("fail"), v.sentence)
            for v in check.verdicts
        ]
        parts = [blocks.table([_("Check"), _("Verdict"), _("What it means")], rows)]
        if self.goal.override_reason.strip():
            parts.append(
                blocks.Html(
                    "<p>"
                    + escape(_("Saved despite a failed check because: {reason}").format(
                        reason=self.goal.override_reason.strip()))
                    + "</p>"
                )
            )  # fmt: skip
        return blocks.section(_("SMART check"), *parts)

    def metrics(self) -> dict:
        lower, upper = self.projection.interval
        out = {
            "goal_start": str(self.forecast.start),
            "goal_end": str(self.forecast.end),
            "goal_metric": self.forecast.metric,
            "goal_forecast": self.forecast.total,
            "goal_forecast_lower": lower,
            "goal_forecast_upper": upper,
            "currency": self.workbook.currency,
            "goal_target": None,
        }
        if self.has_target:
            s = self.standing()
            check = self.smart_check()
            out.update(
                goal_name=self.goal.name,
                goal_target=s.target,
                goal_shortfall=s.shortfall,
                goal_remaining_to_target=s.remaining_to_target,
                goal_probability=s.probability,
                goal_actual_to_date=s.actual_to_date,
                goal_smart_failed="".join(check.failed),
            )
        return out

    def publish_metrics(self) -> None:
        publish_metrics(self.metrics())

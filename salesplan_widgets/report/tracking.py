"""The tracking section of the period report — the meeting pack: headline KPIs, pace, wins and champions,
at-risk reps (their part of the one year-end projection against their targets), variance drivers, feedback received and decisions to take.

`TrackingReport.open(workbook, period)` lines up the targets in force with the cube once; each method
returns one `Html` part built from model functions (tracking, pacing, variance), with labels through `_()`
and figures through the locale's formatters; charts are static SVG (matplotlib, deterministic) so the page
opens offline. The template templates/report_tracking.ipynb is one call per cell. No arithmetic of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from salesplan_widgets.i18n import (
    _,
    dimension_labels,
    fmt_date,
    fmt_money,
    fmt_number,
    fmt_percent,
    set_locale,
)
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.pacing import PaceWindow, cumulative_pace, pace, pace_window
from salesplan_widgets.model.projection import (
    SelectionProjections,
    YearEndProjection,
    horizon_over,
    projected_attainment,
    projection_horizon,
    projection_target,
    selection_projections,
)
from salesplan_widgets.model.replan import period_review
from salesplan_widgets.model.tracking import attainment, plan_vs_actual
from salesplan_widgets.model.variance import variance_drivers, waterfall, waterfall_bars, waterfall_labels
from salesplan_widgets.report import blocks, charts
from salesplan_widgets.report.metrics import publish_metrics
from salesplan_widgets.report.period import parse_period
from salesplan_widgets.report.projection import (
    at_risk_heading,
    ended_short_heading,
    for_grain,
    for_window,
    horizon_name,
    projected_attainment_note,
    projection_card,
)
from salesplan_widgets.report.sales_tracking import SalesTrackingReport, feedback_section
from salesplan_widgets.schema.goal import GoalSection
from salesplan_widgets.schema.tracking import TrackingSection
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.feedback import read_feedback
from salesplan_widgets.workbook.plan_history import goal_in_force
from salesplan_widgets.workbook.sales_through import sales_through
from salesplan_widgets.workbook.sample_data import sample_data_notice
from salesplan_widgets.workbook.versions import (
    NoTargetsError,
    list_versions,
    targets_for_tracking,
    targets_in_force,
)

TARGET_COLOUR = "#999999"
EXPECTED_COLOUR = "#e08a2c"
UP_COLOUR = "#4c9a6a"
DOWN_COLOUR = "#c0392b"
CHAMPIONS = 5
AT_RISK_ROWS = 15


def _pct(value) -> str:
    return "–" if value is None or pd.isna(value) else fmt_percent(float(value), decimals=1)


def _ratio(value) -> str:
    return "–" if value is None or pd.isna(value) else fmt_number(float(value), decimals=2)


@dataclass
class TrackingReport:
    """One period's tracking pack for one workbook."""

    workbook: Workbook
    period: pd.Period
    frame: pd.DataFrame
    window: PaceWindow
    settings: TrackingSection
    projection: YearEndProjection
    projections: SelectionProjections
    goal: GoalSection | None = None  # the goal in force in `period` (a kept year's for its months)
    notice: str = ""
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def open(
        cls, workbook: str | Path | Workbook, period: str, locale: str | None = None
    ) -> TrackingReport | SalesTrackingReport:
        """Open the workbook, line up the targets in force with actuals; `locale` overrides the plan's.

        Without targets (and without a year of history to derive provisional ones) the pack shows sales
        alone: a `SalesTrackingReport`, with the same parts, saying that attainment needs a target.
        """
        wb = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        if locale:
            set_locale(locale)
        month = parse_period(period, wb.plan.calendar)
        cube = wb.cube()
        try:
            targets, notice = targets_for_tracking(wb, cube[cube["period"] <= month])
        except NoTargetsError:
            return SalesTrackingReport.open(wb, month)
        settings = wb.plan.tracking or TrackingSection()
        window = pace_window(month, settings, wb.plan.calendar, sales_through=sales_through(wb))
        frame = plan_vs_actual(targets, cube[cube["period"] <= month])
        # the one year-end projection (model/projection.py): the goal's pages show the same figure and range;
        # a month of a year kept in the history is tracked against that year's goal, as it was issued
        calendar = FiscalCalendar.of(wb.plan.calendar)
        goal = goal_in_force(wb, calendar.months_of([month])[0])
        horizon = projection_horizon(goal, calendar, month)
        # split to team × rep, so the reps' projections add up to the headline (model/projection.py)
        projections = selection_projections(
            cube, horizon, ("team", "rep"), last_actual=month, elapsed=window.elapsed(month)
        )
        return cls(
            workbook=wb,
            period=month,
            frame=frame,
            window=window,
            settings=settings,
            projection=projections.select(),
            projections=projections,
            goal=goal,
            notice=notice,
        )

    def projection_target(self) -> float:
        """The target the projection is measured against (`model.projection.projection_target`, as the
        Tracker): the goal's when the projection is the goal's horizon and metric, else the targets in force
        over the horizon."""
        f = self.projection
        inside = self.frame["period"].between(f.start, f.end)
        return projection_target(f, self.goal, self._calendar, float(self.frame.loc[inside, "target"].sum()))

    # -- figures (from the model) ---------------------------------------------------------------------
    def _pace(self, by: tuple[str, ...] = ()) -> pd.DataFrame:
        if by not in self._cache:
            s = self.settings
            self._cache[by] = pace(self.frame, self.window, list(by), tuple(s.projection_band))
        return self._cache[by]

    def rep_outlook(self) -> pd.DataFrame:
        """Per rep: their part of the year-end projection against their targets, and the at-risk flag."""
        if "outlook" not in self._cache:
            self._cache["outlook"] = projected_attainment(
                self.projections, self.frame, ["rep"], at_risk_below=self.settings.at_risk_threshold
            )
        return self._cache["outlook"]

    def _at_risk(self) -> pd.DataFrame:
        """Reps with a target whose projected attainment is under the threshold, largest shortfall first,
        with their needed-per-working-day from pace."""
        reps = self.rep_outlook()
        risky = reps[reps["at_risk"] & (reps["target"] > 0)].sort_values("projected_gap", kind="stable")
        rates = self._pace(("rep",)).assign(rep=lambda f: f["rep"].astype(str)).set_index("rep")
        return risky.assign(required_rate=risky["rep"].map(rates["required_rate"]))

    @property
    def to_date(self) -> pd.DataFrame:
        return self.frame[self.frame["period"].between(self.window.first, self.period)]

    def _money(self, amount: float) -> str:
        return fmt_money(float(amount), self.workbook.currency, digits=False)

    def _to_date_label(self) -> str:
        """The pace window (`tracking.pace_window`) to date: the year's, a quarter's or a month's."""
        return for_window(
            self.settings.pace_window,
            year=_("Year to date"),
            quarter=_("Quarter to date"),
            month=_("Month to date"),
        )

    def _window_share(self) -> str:
        return for_window(
            self.settings.pace_window,
            year=_("{share} of the year's target {target}"),
            quarter=_("{share} of the quarter's target {target}"),
            month=_("{share} of the month's target {target}"),
        )

    # -- parts ------------------------------------------------------------------------------------------
    def title(self) -> blocks.Html:
        subtitle = _("{plan} · {month} · as of {day}").format(
            plan=self.workbook.plan.name,
            month=period_labels([self.period])[0],
            day=fmt_date(self.window.as_of),
        )
        head = blocks.title(
            _("Tracking: where the plan stands"), subtitle, notice=sample_data_notice(self.workbook)
        )
        if not self.notice:
            return head
        return blocks.Html(f'{head}<p class="salesplan-section salesplan-notice">{escape(self.notice)}</p>')

    def headline(self) -> blocks.Html:
        total = self._pace().iloc[0]
        month = attainment(self.frame, self.period, (), "month").iloc[0]
        target = self.projection_target()
        return blocks.section(
            _("Headline"),
            blocks.cards(
                [
                    blocks.Card(
                        for_grain(
                            self._calendar,
                            month=_("Month attainment"),
                            week=_("Week attainment"),
                            quarter=_("Quarter attainment"),
                        ),
                        _pct(month["attainment"]),
                        _("{actual} of {target}").format(
                            actual=self._money(month["actual"]), target=self._money(month["target"])
                        ),
                    ),
                    blocks.Card(
                        self._to_date_label(),
                        self._money(total["actual"]),
                        self._window_share().format(
                            share=_pct(total["attainment"]), target=self._money(total["target"])
                        ),
                    ),
                    blocks.Card(
                        _("Pace index"),
                        _ratio(total["pace_index"]),
                        _("expected by now: {expected}").format(expected=self._money(total["expected"])),
                    ),
                    projection_card(self.projection, self._money),
                    blocks.Card(
                        _("Projected attainment"),
                        _pct(self.projection.total / target if target > 0 else None),
                        projected_attainment_note(self.projection, self._calendar, self._money(target)),
                    ),
                    blocks.Card(
                        _("Needed per working day"),
                        "–" if pd.isna(total["required_rate"]) else self._money(total["required_rate"]),
                        _("{days} working days left").format(days=self.window.days_left()),
                    ),
                ]
            ),
        )

    def pace_chart(self) -> blocks.Html:
        path = cumulative_pace(self.frame, self.window)
        fig = charts.new_figure()
        ax = fig.axes[0]
        x = np.arange(len(path))
        ax.plot(x, path["target"], color=TARGET_COLOUR, linestyle="--", label=_("Target"))
        ax.plot(x, path["expected"], color=EXPECTED_COLOUR, label=_("Expected to date"))
        ax.plot(x, path["actual"], color=charts.ACTUAL_COLOUR, marker="o", markersize=3, label=_("Actual"))
        ax.set_xticks(list(x), period_labels(list(path["period"])), rotation=45, ha="right")
        charts.money_axis(ax)
        ax.grid(axis="y", color=charts.GRID_COLOUR)
        ax.legend(loc="upper left", ncols=3)
        ax.set_title(_("Cumulative actual, expected to date and target"))
        return blocks.section(_("Pace"), blocks.figure(charts.to_svg(fig)))

    def champions(self) -> blocks.Html:
        reps = self._pace(("rep",))
        # ranked by pace (actual against what the plan expected by now), fair to late-year-heavy targets
        reps = reps[reps["target"] > 0].sort_values(
            ["pace_index", "attainment"], ascending=False, kind="stable", na_position="last"
        )
        best = reps.head(CHAMPIONS)
        rows = [
            (str(i + 1), r.rep, _pct(r.attainment), _ratio(r.pace_index), self._money(max(-r.gap, 0.0)))
            for i, r in enumerate(best.itertuples())
        ]
        ahead = int(reps["ahead"].sum())
        return blocks.section(
            _("Wins and champions"),
            _("{ahead} of {reps} reps are ahead of pace.").format(ahead=ahead, reps=len(reps)),
            blocks.table(
                ["#", _("Rep"), _("Attainment"), _("Pace index"), _("Remaining to target")],
                rows,
                numeric=[True, False, True, True, True],
            ),
        )

    def _latest_notes(self) -> pd.Series:
        notes = read_feedback(self.workbook, period=self.period)
        return notes.drop_duplicates("rep").set_index("rep")["text"] if len(notes) else pd.Series(dtype=str)

    def at_risk(self) -> blocks.Html:
        risky = self._at_risk().head(AT_RISK_ROWS)
        notes = self._latest_notes()
        threshold = _pct(self.settings.at_risk_threshold)
        if self.horizon_over():  # the horizon is over: nothing is at risk any more, some ended it short
            heading, empty = ended_short_heading(self.projection, self._calendar, threshold)
            header = [_("Rep"), _("Attainment"), _("Shortfall"), _("Feedback")]
            rows = [
                (
                    r.rep,
                    _pct(r.projected_attainment),
                    self._money(-r.projected_gap),
                    str(notes.get(r.rep, "")),
                )
                for r in risky.itertuples()
            ]
        else:
            heading = at_risk_heading(self.projection, self._calendar, threshold)
            header = [
                _("Rep"),
                _("Projected attainment"),
                _("Projected shortfall"),
                _("Needed per working day"),
                _("Feedback"),
            ]
            rows = [
                (
                    r.rep,
                    _pct(r.projected_attainment),
                    self._money(-r.projected_gap),  # at risk: projected under target, a positive shortfall
                    self._money(r.required_rate) if pd.notna(r.required_rate) else "–",
                    str(notes.get(r.rep, "")),
                )
                for r in risky.itertuples()
            ]
            empty = _("No rep is projected under the threshold.")
        if not rows:
            return blocks.section(heading, empty)
        numeric = [False, *[True] * (len(header) - 2), False]
        return blocks.section(heading, blocks.table(header, rows, numeric=numeric))

    def _dimensions(self, wanted: tuple[str, ...]) -> list[str]:
        """The wanted dimensions this workbook's sales have (a minimal workbook has rep only)."""
        return [d for d in wanted if d in self.to_date.columns]

    def drivers(self) -> blocks.Html:
        to_date = self.to_date
        by = self._dimensions(("segment", "channel", "territory", "team", "rep"))[0]
        names = dimension_labels()
        steps = waterfall(to_date, by, top=8)
        fig = charts.new_figure()
        ax = fig.axes[0]
        bars = waterfall_bars(steps)  # the same geometry as the tracker's interactive waterfall
        colours = {"total": charts.ACTUAL_COLOUR, "up": UP_COLOUR, "down": DOWN_COLOUR}
        labels = waterfall_labels(steps, {"target": _("Target"), "actual": _("Actual"), "other": _("Other")})
        ax.bar(
            np.arange(len(steps)), bars.height, bottom=bars.low, color=[colours[d] for d in bars.direction]
        )
        ax.set_xticks(list(np.arange(len(steps))), labels)
        charts.money_axis(ax)
        ax.grid(axis="y", color=charts.GRID_COLOUR)
        ax.set_ylim(bottom=bars.floor)
        title = for_window(
            self.settings.pace_window,
            year=_("From target to actual by {dimension}, year to date"),
            quarter=_("From target to actual by {dimension}, quarter to date"),
            month=_("From target to actual by {dimension}, month to date"),
        )
        ax.set_title(title.format(dimension=names[by].lower()))
        drivers = variance_drivers(to_date, self._dimensions(("segment", "channel", "rep")), top=5)
        rows = [
            (
                names[d.dimension],
                str(d.member),
                self._money(d.target),
                self._money(d.actual),
                self._money(d.contribution),
            )
            for d in drivers.itertuples()
        ]
        return blocks.section(
            _("Variance drivers"),
            blocks.figure(charts.to_svg(fig)),
            blocks.table(
                [_("By"), _("Member"), _("Target"), _("Actual"), _("Contribution to the gap")],
                rows,
                numeric=[False, False, True, True, True],
            ),
        )

    def review(self, reps: int = 3) -> blocks.Html:
        """What worked and what fell short, year to date: every segment and channel, the best and worst reps."""
        review = period_review(self.frame, self.window.first, self.period)
        verdicts = {
            "exceeded": _("exceeded"),
            "met": _("met"),
            "short": _("fell short"),
            "no target": _("no target"),
        }
        names = {"segment": _("Segment"), "channel": _("Channel"), "rep": _("Rep"), "strategy": _("Strategy")}
        by_rep = review[review["dimension"] == "rep"]
        shown = pd.concat(
            [
                review[review["dimension"] != "rep"],
                by_rep.head(reps),
                by_rep.iloc[max(reps, len(by_rep) - reps) :],
            ]
        )
        rows = [
            (
                names.get(r.dimension, r.dimension),
                str(r.member),
                _pct(r.attainment),
                self._money(r.gap),
                verdicts[r.verdict],
            )
            for r in shown.itertuples()
        ]
        return blocks.section(
            _("What worked and what fell short"),
            blocks.table(
                [_("By"), _("Member"), _("Attainment"), _("Gap"), _("Verdict")],
                rows,
                numeric=[False, False, True, True, False],
            ),
        )

    def feedback(self) -> blocks.Html:
        return feedback_section(self.workbook, self.period)

    def horizon_over(self) -> bool:
        """Whether the projection's horizon is over (`horizon_over`): the meeting takes it into the next goal."""
        return horizon_over(self.projection, self.period, self.window.as_of)

    def decision_list(self) -> list[str]:
        """The questions the meeting should settle, from the figures (each a plain sentence)."""
        if self.horizon_over():
            return self._year_end_decisions()
        items: list[str] = []
        shortfall = self.projection.standing(self.projection_target()).shortfall
        if shortfall > 0:
            close = for_grain(
                self._calendar,
                month=_(
                    "Close a projected shortfall of {gap}: re-plan the remaining months or add pipeline."
                ),
                week=_("Close a projected shortfall of {gap}: re-plan the remaining weeks or add pipeline."),
                quarter=_(
                    "Close a projected shortfall of {gap}: re-plan the remaining quarters or add pipeline."
                ),
            )
            items.append(close.format(gap=self._money(shortfall)))
        risky = self._at_risk()
        if len(risky):
            items.append(
                _("Agree a recovery plan with {n} reps at risk (largest gap: {rep}).").format(
                    n=len(risky), rep=risky.iloc[0]["rep"]
                )
            )
        behind = self._furthest_behind()
        if behind:
            items.append(
                _("Decide how to recover {member} ({dimension}), {gap} behind plan.").format(**behind)
            )
        if not items:
            items.append(_("On plan: confirm targets and recognise the champions."))
        return items

    @property
    def _calendar(self) -> FiscalCalendar:
        return FiscalCalendar.of(self.workbook.plan.calendar)

    def _year_end_decisions(self) -> list[str]:
        """At the horizon's end: how it closed, who ended short, what fell short, for the next goal. A year
        keeps its own sentences; a shorter goal names its `horizon_name` and hands over to the next goal."""
        horizon = horizon_name(self.projection, self._calendar)
        if horizon is None:
            short_text = _(
                "The year closed at {attainment} of its target, {gap} short: take what fell short into "
                "next year's goal and split."
            )
            met_text = _(
                "The year closed at {attainment} of its target: recognise the champions and set next year's goal."
            )
            review_text = _(
                "Review the year with the {n} reps who ended under {threshold} of target (largest gap: {rep})."
            )
            behind_text = _("{member} ({dimension}) ended {gap} behind plan: weigh it in next year's split.")
        else:
            short_text = _(
                "The {horizon} closed at {attainment} of its target, {gap} short: take what fell short "
                "into the next goal and split."
            )
            met_text = _(
                "The {horizon} closed at {attainment} of its target: recognise the champions and set "
                "the next goal."
            )
            review_text = _(
                "Review the {horizon} with the {n} reps who ended under {threshold} of target "
                "(largest gap: {rep})."
            )
            behind_text = _(
                "{member} ({dimension}) ended {gap} behind plan: weigh it in the next goal's split."
            )
        standing = self.projection.standing(self.projection_target())
        closed = _pct(standing.actual_to_date / standing.target) if standing.target else "–"
        if standing.shortfall > 0:
            gap = self._money(standing.shortfall)
            items = [short_text.format(horizon=horizon, attainment=closed, gap=gap)]
        else:
            items = [met_text.format(horizon=horizon, attainment=closed)]
        short = self._at_risk()
        if len(short):
            threshold = _pct(self.settings.at_risk_threshold)
            items.append(
                review_text.format(
                    horizon=horizon, n=len(short), threshold=threshold, rep=short.iloc[0]["rep"]
                )
            )
        behind = self._furthest_behind()
        if behind:
            items.append(behind_text.format(**behind))
        return items

    def _furthest_behind(self) -> dict[str, str]:
        """The segment or channel furthest behind plan to date, named for a sentence (empty: none behind)."""
        worst = variance_drivers(self.to_date, self._dimensions(("segment", "channel")))
        worst = worst[worst["contribution"] < 0].sort_values("contribution", kind="stable")
        if worst.empty:
            return {}
        w = worst.iloc[0]
        return {
            "member": w["member"],
            "dimension": dimension_labels()[w["dimension"]].lower(),
            "gap": self._money(-w["contribution"]),
        }

    def _version_in_force(self) -> int | None:
        """The plan version whose targets hold for the period (None: no version saved, the original plan):
        December 2026 re-run after 2027's split was saved as version 3 still says 2026's version."""
        versions = list_versions(self.workbook)
        if not len(versions):
            return None
        in_force = targets_in_force(self.workbook)
        here = in_force.loc[in_force["period"] == self.period, "version"] if in_force is not None else []
        return int(here.max()) if len(here) else int(versions["version"].max())

    def decisions(self) -> blocks.Html:
        text = "".join(f"<li>{escape(item)}</li>" for item in self.decision_list())
        version = self._version_in_force()
        note = (
            _("Targets in force: plan version {n}.").format(n=version)
            if version is not None
            else _("Targets in force: the original plan.")
        )
        return blocks.section(_("Decisions to take"), blocks.Html(f"<ol>{text}</ol><p>{escape(note)}</p>"))

    def publish_metrics(self) -> None:
        """The headline figures, for metrics.json (not shown on the page)."""
        total = self._pace().iloc[0]
        reps = self._pace(("rep",))
        outlook = self.rep_outlook()
        publish_metrics(
            {
                "tracking_target_year": total["target"],
                "tracking_actual_ytd": total["actual"],
                "tracking_expected_ytd": total["expected"],
                "tracking_pace_index": total["pace_index"],
                "tracking_projection": self.projection.total,
                "tracking_projection_low": self.projection.interval[0],
                "tracking_projection_high": self.projection.interval[1],
                "tracking_projection_end": str(self.projection.end),
                "tracking_projection_target": self.projection_target(),
                "tracking_reps_at_risk": len(self._at_risk()),
                # each rep's part of the projection: they add up to tracking_projection
                "tracking_rep_projections": dict(zip(outlook["rep"], outlook["projection"], strict=True)),
                "tracking_reps_ahead": int(reps["ahead"].sum()),
                "currency": self.workbook.currency,
            }
        )

"""The tracking pack of a workbook without targets: sales by period and rep, last year, run rate, rankings,
the period's biggest movers and the feedback, and a plain word that attainment needs a target.

`TrackingReport.open` hands over to `SalesTrackingReport` when there is neither a targets table nor a year
of history to derive a provisional one (a flat-commission plan, a new workbook): the same method names, so
templates/report_tracking.ipynb and the tracker dashboard call one set of parts whatever the workbook holds.
Figures from model/sales_tracking.py, labels through `_()`, static SVG charts; reads, never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from salesplan_widgets.errors import InputError
from salesplan_widgets.i18n import _, fmt_money, fmt_number, fmt_percent, set_locale
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.market_shocks import planned_shocks
from salesplan_widgets.model.replan import MarketShock
from salesplan_widgets.model.sales_tracking import (
    SalesWindow,
    biggest_movers,
    sales_by_period,
    sales_standing,
    sales_table,
    sales_window,
)
from salesplan_widgets.report import blocks, charts
from salesplan_widgets.report.metrics import publish_metrics
from salesplan_widgets.report.period import parse_period
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.feedback import read_feedback
from salesplan_widgets.workbook.sample_data import sample_data_notice

RANKED_ROWS = 15
MOVERS = 5
TREND_PERIODS = 6


def feedback_section(workbook: Workbook, period: pd.Period) -> blocks.Html:
    """The feedback notes received for the period: the tracking pack's, with or without targets. The log
    is by month: a week shows its month's notes (the month holding its Thursday), a quarter those filed
    under any of its months (`workbook.feedback.months_shown`)."""
    notes = read_feedback(workbook, period=period)
    heading = _("Feedback received")
    if notes.empty:
        return blocks.section(heading, _("No feedback for this month yet."))
    rows = [(n.rep, n.author, n.source, str(n.date), n.text) for n in notes.itertuples()]
    return blocks.section(
        heading, blocks.table([_("Rep"), _("Author"), _("Source"), _("Date"), _("Note")], rows)
    )


def no_target_notice() -> str:
    """What the reader must know before any figure: why there is no attainment, and how to get one."""
    return _(
        "No target is set, so there is no attainment, pace or at-risk list: this page compares sales "
        "with last year and the run rate. To track against a target, set a goal with the goal wizard "
        "(goal_setting notebook) and split it with the task splitter (task_split notebook), which saves "
        "tables/targets.csv."
    )


def _shock_words(shock: MarketShock, locale: str) -> str:
    """One expected shock in a few words: '× 0.90 from May 2026 (Segment: C) — price war'."""
    start, *end = period_labels([shock.effective_from, *([shock.through] if shock.through else [])], locale)
    when = (
        _("from {start} through {end}").format(start=start, end=end[0])
        if end
        else _("from {start}").format(start=start)
    )
    names = {"segment": _("Segment"), "channel": _("Channel"), "team": _("Team"), "territory": _("Territory")}
    scope = ", ".join(
        f"{label}: {value}" for name, label in names.items() if (value := getattr(shock, name)) is not None
    )
    words = f"× {fmt_number(shock.factor, locale, 2)} {when}" + (f" ({scope})" if scope else "")
    return words + (f" — {shock.reason}" if shock.reason else "")


def shocks_notice(workbook: Workbook) -> str:
    """Why the market shocks the plan expects (`tracking.market_shocks`) change nothing on a page without
    a target: a shock scales targets, and there is none. Empty when the plan expects no shock; a shock
    period the calendar cannot read is said as the located plan problem it is."""
    section = workbook.plan.tracking
    if section is None or not section.market_shocks:
        return ""
    try:
        shocks = planned_shocks(section, FiscalCalendar.of(workbook.plan.calendar))
    except InputError as exc:
        return str(exc)
    return _(
        "The plan expects market shocks: {shocks}. A shock scales targets, and no target is set, so it "
        "changes nothing here. Once a target is set (goal_setting, then task_split notebook), the tracking "
        "notebook previews each shock's effect on every quota."
    ).format(shocks="; ".join(_shock_words(s, workbook.locale) for s in shocks))


@dataclass
class SalesTrackingReport:
    """One period's tracking pack for a workbook without targets: sales only."""

    workbook: Workbook
    period: pd.Period
    cube: pd.DataFrame
    window: SalesWindow

    @classmethod
    def open(
        cls, workbook: str | Path | Workbook, period: str, locale: str | None = None, **selection: str | None
    ) -> SalesTrackingReport:
        """Open the workbook's sales up to `period`; `selection` narrows to a team or rep (a dashboard's)."""
        wb = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        if locale:
            set_locale(locale)
        calendar = FiscalCalendar.of(wb.plan.calendar)
        month = parse_period(period, calendar) if isinstance(period, str) else period
        cube = wb.cube()
        for name, value in selection.items():
            if value and name in cube.columns:
                cube = cube[cube[name].astype(str) == value]
        cube = cube[cube["period"] <= month]
        return cls(workbook=wb, period=month, cube=cube, window=sales_window(cube, month, calendar))

    def standing(self, by: tuple[str, ...] = ("rep",)) -> pd.DataFrame:
        """The standing per `by` (one total row when empty): model.sales_tracking.sales_standing."""
        return sales_standing(self.cube, self.window, by)

    def ranking(self) -> pd.DataFrame:
        """Reps ranked by sales year to date, then the period's sales."""
        return self.standing().sort_values(["ytd", "sales"], ascending=False, kind="stable")

    def movers(self) -> pd.DataFrame:
        """The period's biggest movers (model.sales_tracking.biggest_movers)."""
        return biggest_movers(self.standing(), MOVERS)

    def _money(self, amount: float) -> str:
        return "–" if pd.isna(amount) else fmt_money(float(amount), self.workbook.currency, digits=False)

    def _change(self, amount: float) -> str:
        if pd.isna(amount):
            return "–"
        return ("+" if amount > 0 else "") + self._money(amount)

    def _label(self, period: pd.Period) -> str:
        return period_labels([period])[0]

    # -- parts ------------------------------------------------------------------------------------------
    def title(self) -> blocks.Html:
        subtitle = _("{plan} · {period} · sales without a target").format(
            plan=self.workbook.plan.name, period=self._label(self.period)
        )
        head = blocks.title(
            _("Tracking: sales by period and rep"), subtitle, notice=sample_data_notice(self.workbook)
        )
        shocks = shocks_notice(self.workbook)
        return blocks.Html(
            f'{head}<p class="salesplan-section salesplan-notice salesplan-no-target">'
            f"{escape(no_target_notice())}</p>"
            + (
                f'<p class="salesplan-section salesplan-notice salesplan-shocks">{escape(shocks)}</p>'
                * bool(shocks)
            )
        )

    def headline(self) -> blocks.Html:
        total = self.standing(()).iloc[0]
        reps = self.standing()
        w = self.window
        last_year = (
            _("same period last year: {amount}").format(amount=self._money(total["last_year"]))
            if w.has_last_year
            else _("the sales history does not reach back a year")
        )
        growth = (
            _("{growth} against the same span last year").format(
                growth=fmt_percent(float(total["growth_ytd"]), decimals=1)
            )
            if pd.notna(total["growth_ytd"])
            else _("no sales a year earlier to compare with")
        )
        return blocks.section(
            _("Headline"),
            blocks.cards(
                [
                    blocks.Card(
                        _("Sales in {period}").format(period=self._label(w.period)),
                        self._money(total["sales"]),
                        last_year,
                    ),
                    blocks.Card(
                        _("Change from the period before"),
                        self._change(total["change_previous"]),
                        _("{period}: {amount}").format(
                            period=self._label(w.previous), amount=self._money(total["previous"])
                        ),
                    ),
                    blocks.Card(_("Year to date"), self._money(total["ytd"]), growth),
                    blocks.Card(
                        _("Year end at the run rate"),
                        self._money(total["run_rate_year_end"]),
                        _("year to date ÷ {elapsed} periods × {periods}").format(
                            elapsed=w.periods_elapsed, periods=w.periods_in_year
                        ),
                    ),
                    blocks.Card(
                        _("Reps selling"),
                        str(int((reps["sales"] > 0).sum())),
                        _("of {reps} reps with sales this year").format(reps=int((reps["ytd"] != 0).sum())),
                    ),
                    blocks.Card(_("Attainment"), "–", _("needs a target")),
                ]
            ),
        )

    def pace_chart(self) -> blocks.Html:
        """The trend: the year to date period by period, against the same periods last year."""
        trend = sales_by_period(self.cube, self.window).rename(
            columns={"sales": "actual", "last_year": "actual_last_year"}
        )
        svg = charts.trend_chart(
            trend, _("Sales by period, this year and last"), _("This year"), _("Last year")
        )
        return blocks.section(_("Trend"), blocks.figure(svg))

    def champions(self) -> blocks.Html:
        """Reps ranked by sales year to date."""
        reps = self.ranking()
        rows = [
            (
                str(i + 1),
                r.rep,
                self._money(r.sales),
                self._change(r.change_last_year),
                self._money(r.ytd),
                fmt_percent(float(r.growth_ytd), decimals=1) if pd.notna(r.growth_ytd) else "–",
            )
            for i, r in enumerate(reps.head(RANKED_ROWS).itertuples())
        ]
        return blocks.section(
            _("Rankings: sales year to date"),
            blocks.table(
                [
                    "#",
                    _("Rep"),
                    _("This period"),
                    _("Change on last year"),
                    _("Year to date"),
                    _("Growth on last year"),
                ],
                rows,
                numeric=[True, False, True, True, True, True],
            ),
        )

    def at_risk(self) -> blocks.Html:
        """The period's biggest movers, up and down."""
        movers = self.movers()
        against_last_year = len(movers) and movers["against"].iloc[0] == "last_year"
        heading = (
            _("Biggest movers: against the same period last year")
            if against_last_year
            else _("Biggest movers: against the period before")
        )
        if movers.empty:
            return blocks.section(heading, _("No rep's sales moved against an earlier period on record."))
        base = "last_year" if against_last_year else "previous"
        before = _("Same period last year") if against_last_year else _("Period before")
        rows = [
            (r.rep, self._money(getattr(r, base)), self._money(r.sales), self._change(r.change))
            for r in movers.itertuples()
        ]
        return blocks.section(
            heading,
            blocks.table(
                [_("Rep"), before, _("This period"), _("Change")],
                rows,
                numeric=[False, True, True, True],
            ),
        )

    def drivers(self) -> blocks.Html:
        """Sales by rep over the latest periods of the year (the reps with most sales first)."""
        periods = self.window.year_to_date[-TREND_PERIODS:]
        table = sales_table(self.cube, periods, "rep").head(RANKED_ROWS)
        rows = [
            (str(rep), *(self._money(v) for v in values))
            for rep, values in zip(table["rep"], table[list(periods)].to_numpy(), strict=True)
        ]
        return blocks.section(
            _("Sales by rep and period"),
            blocks.table(
                [_("Rep"), *period_labels(list(periods))], rows, numeric=[False, *[True] * len(periods)]
            ),
        )

    def review(self) -> blocks.Html:
        """Where the attainment review would be: how to set the target it needs."""
        steps = (
            _("Set the goal in the goal wizard (goal_setting notebook in JupyterLab)."),
            _(
                "Split it over reps and periods in the task splitter (task_split notebook): it saves tables/targets.csv."
            ),
            _("Run this report again: attainment, pace and at-risk reps appear."),
        )
        items = "".join(f"<li>{escape(step)}</li>" for step in steps)
        return blocks.section(_("Attainment needs a target"), blocks.Html(f"<ol>{items}</ol>"))

    def feedback(self) -> blocks.Html:
        return feedback_section(self.workbook, self.period)

    def decision_list(self) -> list[str]:
        """The questions the meeting should settle, from the figures (each a plain sentence)."""
        items = [_("Set a target, so that the next meeting can track attainment and pace.")]
        movers = biggest_movers(self.standing(), MOVERS)
        falls = movers[movers["change"] < 0]
        if len(falls):
            items.append(
                _("Ask {rep} about sales down {amount} on the earlier period.").format(
                    rep=falls.iloc[0]["rep"], amount=self._money(-falls.iloc[0]["change"])
                )
            )
        return items

    def decisions(self) -> blocks.Html:
        text = "".join(f"<li>{escape(item)}</li>" for item in self.decision_list())
        return blocks.section(_("Decisions to take"), blocks.Html(f"<ol>{text}</ol>"))

    def publish_metrics(self) -> None:
        """The headline figures, for metrics.json: sales only, and a flag that there is no target."""
        total = self.standing(()).iloc[0]
        publish_metrics(
            {
                "tracking_has_targets": False,
                "tracking_actual_period": total["sales"],
                "tracking_actual_ytd": total["ytd"],
                "tracking_actual_ytd_last_year": total["ytd_last_year"],
                "tracking_run_rate_year_end": total["run_rate_year_end"],
                "currency": self.workbook.currency,
            }
        )

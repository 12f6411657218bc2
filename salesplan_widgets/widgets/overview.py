"""The sales-history overview dashboard: headline figures, the monthly trend against last year, and the mix.

A manager picks a team, a month and a breakdown; the view asks `model.history` for the figures and moves
the existing bqplot marks (built once, updated inside `hold_sync`). The selection and the figures shown
are traits (`team`, `period`, `mix_by`, `headline`, `trend_table`, `mix_table`), so the view can be driven
and checked without a browser. It reads the workbook and never writes; it does no arithmetic of its own.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from traitlets import Dict, Enum, Instance, TraitError, Tuple, Unicode, observe, validate

from salesplan_widgets.i18n import (
    _,
    dimension_labels,
    fmt_money,
    fmt_number,
    fmt_percent,
    minor_unit,
    set_locale,
)
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.history import (
    filter_cube,
    fiscal_year_start_period,
    headline,
    mix,
    trend,
)
from salesplan_widgets.report.blocks import Card, cards
from salesplan_widgets.widgets.charts import (
    bar_figure,
    message_box,
    page_heading,
    set_value_ticks,
    static_sections,
    thin_period_ticks,
    trend_figure,
)
from salesplan_widgets.widgets.dashboard import Dashboard, sold_cube
from salesplan_widgets.workbook import Workbook, open_workbook

MIX_DIMENSIONS = ("segment", "channel", "rep")
TREND_MONTHS = 12
_ALL = "all"  # a dimension the plan does not map holds this value in the cube


class SalesOverview(Dashboard, widgets.VBox):
    """Headline, trend and mix of one team's (or every team's) sales up to a chosen month."""

    address = ("period", "team")  # what the page address may select (widgets/dashboard.py)

    team = Unicode("", help="Team shown; empty means every team.")
    period = Unicode(help="Month reported, YYYY-MM; one of the months in the data.")
    mix_by = Enum(MIX_DIMENSIONS, default_value="segment", help="Dimension of the mix chart.")
    headline = Dict(help="The month's and the fiscal year-to-date's figures (model.history.Headline).")
    trend_table = Instance(pd.DataFrame, allow_none=True, help="Rows behind the trend chart.")
    mix_table = Instance(pd.DataFrame, allow_none=True, help="Rows behind the mix chart.")
    notices = Tuple(help="Polite notices shown above the dashboard (e.g. ignored query values).")

    def __init__(
        self,
        workbook: Workbook | str | Path,
        period: str | None = None,
        team: str | None = None,
        mix_by: str = "segment",
        notices: tuple[str, ...] = (),
    ):
        self.workbook = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        self.locale = self.workbook.locale
        set_locale(self.locale)
        self.cube = sold_cube(self.workbook)
        self.fiscal_year_start = self.workbook.plan.calendar.fiscal_year_start
        self.calendar = FiscalCalendar.of(self.workbook.plan.calendar)  # months, weeks or quarters
        self.periods = tuple(str(p) for p in sorted(self.cube["period"].unique()))
        self.teams = tuple(sorted(t for t in self.cube["team"].unique() if t != _ALL))

        currency = self.workbook.currency
        value_label = _("Sales ({currency})").format(currency=currency)
        self.trend_chart, self.trend_bars, self.last_year_line = trend_figure(
            _("Monthly sales (bars) and the same month last year (line)"),
            _("This year"),
            _("Last year"),
            value_label,
        )
        self.mix_chart, self.mix_bars = bar_figure(_("Fiscal year to date"), value_label)

        self.team_control = widgets.Dropdown(
            description=_("Team"),
            options=[(_("All teams"), ""), *[(t, t) for t in self.teams]],
            value="",
        )
        self.period_control = widgets.Dropdown(
            description=self.calendar.period_name(),
            options=list(
                zip(
                    period_labels(self.calendar.periods_from_text(self.periods[::-1]), self.locale),
                    self.periods[::-1],
                    strict=True,
                )
            ),
            value=self.periods[-1],
        )
        labels = dimension_labels(self.calendar.grain)
        self.mix_control = widgets.ToggleButtons(
            description=_("Mix by"),
            options=[(labels[d], d) for d in MIX_DIMENSIONS],
            value="segment",
            style={"button_width": "90px"},
        )
        self.headline_panel = widgets.HTML()
        self.notice_panel = widgets.HTML()
        super().__init__(
            children=[
                widgets.HTML(page_heading(self.workbook.plan.name, _("Sales overview"))),
                self.notice_panel,
                widgets.HBox([self.team_control, self.period_control]),
                self.headline_panel,
                self.trend_chart,
                self.mix_control,
                self.mix_chart,
            ],
            layout=widgets.Layout(max_width="1100px"),
        )
        self.add_class("salesplan-overview")
        # Controls and traits move together; the traits' validators guard both directions.
        widgets.link((self.team_control, "value"), (self, "team"))
        widgets.link((self.period_control, "value"), (self, "period"))
        widgets.link((self.mix_control, "value"), (self, "mix_by"))
        with self.hold_trait_notifications():
            self.notices = tuple(notices)
            self.period = period or self.periods[-1]
            self.team = team or ""
            self.mix_by = mix_by
        self.refresh()

    # -- the query string ---------------------------------------------------------------------------
    # -- invariants -----------------------------------------------------------------------------------
    @validate("period")
    def _known_period(self, proposal):
        if proposal["value"] not in self.periods:
            raise TraitError(_("{value!r} is not a month with data").format(value=proposal["value"]))
        return proposal["value"]

    @validate("team")
    def _known_team(self, proposal):
        if proposal["value"] not in ("", *self.teams):
            raise TraitError(_("{value!r} is not one of the teams").format(value=proposal["value"]))
        return proposal["value"]

    @observe("notices")
    def _show_notices(self, change) -> None:
        self.notice_panel.value = message_box(change["new"]) if change["new"] else ""

    @observe("team", "period", "mix_by")
    def _selection_changed(self, change) -> None:
        if self.trend_table is not None:  # not before the first full refresh in __init__
            self.refresh()

    # -- figures ---------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute the figures for the selection and move the marks (no figure is rebuilt)."""
        set_locale(self.locale)
        selected = filter_cube(self.cube, team=self.team or None)
        period = self.calendar.period(self.period)
        months = trend(selected)
        span = self.calendar.periods_for_months(TREND_MONTHS)
        months = months[(months["period"] > period - span) & (months["period"] <= period)]
        fy_start = fiscal_year_start_period(period, self.calendar)
        breakdown = mix(selected, self.mix_by, start=fy_start, end=period)
        figures = headline(selected, period, self.calendar, minor_unit(self.workbook.currency))

        labels = period_labels(months["period"], self.locale)
        with self.trend_bars.hold_sync():
            self.trend_bars.x = labels
            self.trend_bars.y = months["actual"].to_numpy(dtype=float)
        with self.last_year_line.hold_sync():
            self.last_year_line.x = labels
            self.last_year_line.y = months["actual_last_year"].to_numpy(dtype=float)
        with self.mix_bars.hold_sync():
            self.mix_bars.x = breakdown[self.mix_by].astype(str).tolist()
            self.mix_bars.y = breakdown["actual"].to_numpy(dtype=float)
        thin_period_ticks(self.trend_chart.axes[0], labels)  # a year of weeks: names that do not collide
        set_value_ticks(self.trend_chart.axes[1], [*self.trend_bars.y, *self.last_year_line.y], self.locale)
        set_value_ticks(self.mix_chart.axes[1], self.mix_bars.y, self.locale)
        self.mix_chart.axes[0].tick_rotate = -30 if len(breakdown) > 8 else 0  # many reps' names overlap
        self.mix_chart.title = _("{dimension}, fiscal year to date").format(
            dimension=dimension_labels()[self.mix_by]
        )
        self.trend_table, self.mix_table = months.reset_index(drop=True), breakdown
        self.headline = figures.as_dict()
        self.headline_panel.value = self._headline_html()

    def _headline_html(self) -> str:
        h, currency, locale = self.headline, self.workbook.currency, self.locale

        def growth(value: float | None) -> str:
            if value is None:
                return "—"
            return ("+" if value > 0 else "") + fmt_percent(value, locale, decimals=1)

        headline = [
            (
                self.calendar.period_name(),
                fmt_money(h["actual"], currency, locale, digits=False),
                _("vs last year"),
                growth(h["yoy_growth"]),
            ),
            (
                _("Year to date"),
                fmt_money(h["ytd"], currency, locale, digits=False),
                _("vs last year"),
                growth(h["ytd_growth"]),
            ),
            (_("Active reps"), fmt_number(h["active_reps"], locale), _("with sales this month"), ""),
        ]
        shown = cards(
            Card(title, value, f"{change} {note}".strip()) for title, value, note, change in headline
        )
        return f'<div class="salesplan-headline">{static_sections(shown)}</div>'

"""The tracker: where the plan stands, why, who is at risk, what reps say, and a re-plan saved as a new version.

Built once per workbook: targets in force and the cube are lined up a single time (`plan_vs_actual`) and
kept with integer codes per dimension, so a filter change is a boolean mask plus a few group-bys in the
model (`pacing`, `variance`), and bqplot marks move inside `hold_sync` — no figure is ever rebuilt. The
selection and every figure shown are traits, so the view can be driven and checked without a browser.
It writes only through `workbook.versions` (a re-plan) and `workbook.feedback` (a note), and shows a
refused save (ConflictError) as a message.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd
from bqplot import Axis, Bars, ColorScale, Figure, LinearScale, Lines, OrdinalScale, Tooltip
from traitlets import Dict, Enum, Instance, TraitError, Unicode, observe, validate

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _, fmt_money, fmt_number, fmt_percent, minor_unit, set_locale
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.market_shocks import planned_shocks
from salesplan_widgets.model.pacing import PaceWindow, cumulative_pace, pace, pace_status, pace_window
from salesplan_widgets.model.projection import (
    SelectionProjections,
    YearEndProjection,
    horizon_over,
    projected_attainment,
    projection_horizon,
    projection_target,
    selection_projections,
)
from salesplan_widgets.model.replan import (
    MarketShock,
    QuotaChange,
    QuotaMove,
    RepJoins,
    RepLeaves,
    apply_event,
    last_closed,
    recent_sales_weights,
    replan,
)
from salesplan_widgets.model.tracking import plan_vs_actual
from salesplan_widgets.model.variance import waterfall, waterfall_bars, waterfall_labels
from salesplan_widgets.report.blocks import Card, cards
from salesplan_widgets.report.projection import (
    at_risk_heading,
    ended_short_heading,
    for_grain,
    for_window,
    projected_attainment_note,
    projection_card,
)
from salesplan_widgets.schema.goal import GoalSection
from salesplan_widgets.schema.tracking import TrackingSection
from salesplan_widgets.widgets.charts import (
    html_table,
    message_box,
    page_heading,
    set_value_ticks,
    static_sections,
    thin_period_ticks,
)
from salesplan_widgets.widgets.dashboard import Dashboard, sold_cube
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.feedback import add_note, months_shown, read_feedback
from salesplan_widgets.workbook.plan_history import goal_in_force
from salesplan_widgets.workbook.sales_through import sales_through
from salesplan_widgets.workbook.versions import (
    save_version,
    targets_for_tracking,
    targets_version,
)

FILTERS = ("team", "rep", "segment", "channel")
# pace's own window-end extrapolations, left out of the summary: its year end is the one projection's
PACE_WINDOW_END = ("seasonal_projection", "run_rate_projection", "projection_low", "projection_high")
VARIANCE_DIMENSIONS = ("segment", "channel", "rep", "team")
STATUS_COLOURS = {"ahead": "#4c9a6a", "watch": "#e0a32c", "behind": "#c0392b"}
STATUS_CODE = {"behind": 0, "watch": 1, "ahead": 2}
_LAYOUT = {"width": "100%", "height": "320px"}
_MARGIN = {"top": 50, "bottom": 90, "left": 80, "right": 20}


class Tracker(Dashboard, widgets.VBox):
    """Attainment, pace, variance, at-risk reps and feedback for a selection; a re-plan panel.

    Built from a workbook for a `period` (the month we stand in; by default the last month with sales).
    Selecting `team`, `rep`, `segment` or `channel` recomputes the `summary` (pace from `model.pacing.pace`:
    target, actual, expected to date, ``pace_index``, days left, reps ahead; year end from the one
    projection, `model.projection`: its figure and range, reps at risk), `rep_pace`, `rep_outlook` (each
    rep's part of that projection against their targets), the cumulative `path`, the `variance` waterfall
    and `at_risk`.
    In JupyterLab it also writes: `add_note` to the feedback log, and `preview_replan` /
    `preview_event` then `save_replan` for a new plan version. Served (read-only workbook) it has no
    writing controls at all.
    """

    address = ("period", "team", "rep")  # what the page address may select (widgets/dashboard.py)

    has_targets = True  # a SalesTracker (widgets/sales_tracker.py) says False

    def __new__(cls, workbook: Workbook | str | Path | None = None, *args, **kwargs):
        """`Tracker(workbook)` of a workbook without targets (nor a year of history to derive one) is the
        sales-only `SalesTracker`, in JupyterLab as on a served page: it cannot show attainment, and says
        how to set a target."""
        from salesplan_widgets.widgets.sales_tracker import SalesTracker, read_for_tracking

        opened = read = None
        if cls is Tracker and workbook is not None:
            opened = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
            read = read_for_tracking(opened)
            if read is not None and read.targets is None:
                return SalesTracker(opened, *args, **kwargs)
        tracker = super().__new__(cls, workbook, *args, **kwargs)
        tracker._opened = opened  # __init__ gets the path again: the workbook is opened once
        tracker._read = read  # and the cube and provisional target the decision read are not read again
        return tracker

    team = Unicode("", help="Team shown; empty means all.")
    rep = Unicode("", help="Rep shown; empty means all.")
    segment = Unicode("", help="Segment shown; empty means all.")
    channel = Unicode("", help="Channel shown; empty means all.")
    period = Unicode(help="Month we stand in, YYYY-MM.")
    variance_by = Enum(VARIANCE_DIMENSIONS, default_value="segment", help="Dimension of the waterfall.")
    summary = Dict(
        help="Headline figures of the selection: pace over the pace window (model.pacing.pace), year end "
        "and projected attainment from the one projection (model.projection)."
    )
    rep_pace = Instance(pd.DataFrame, allow_none=True, help="Pace per rep over the pace window.")
    rep_outlook = Instance(
        pd.DataFrame, allow_none=True, help="Per rep: their part of the year-end projection against target."
    )
    path = Instance(pd.DataFrame, allow_none=True, help="Cumulative target, expected and actual by month.")
    variance = Instance(pd.DataFrame, allow_none=True, help="Waterfall steps from target to actual.")
    at_risk = Instance(
        pd.DataFrame, allow_none=True, help="Reps whose year-end projection is under the at-risk threshold."
    )
    preview = Instance(pd.DataFrame, allow_none=True, help="Effect on every quota of the re-plan previewed.")

    def __init__(
        self,
        workbook: Workbook | str | Path,
        period: str | None = None,
        as_of: dt.date | None = None,
        notices: tuple[str, ...] = (),
        editable: bool = True,
        **selection: str,
    ):
        opened = getattr(self, "_opened", None)
        self.workbook = workbook if isinstance(workbook, Workbook) else opened or open_workbook(workbook)
        # a read-only workbook (a served dashboard) gets no writing controls at all: none are even created,
        # so no message from the page can reach a write
        self.editable = editable and not self.workbook.read_only
        self.locale = self.workbook.locale
        set_locale(self.locale)
        self.settings = self.workbook.plan.tracking or TrackingSection()
        self.country = self.settings.country or self.workbook.plan.calendar.country
        self.fiscal_year_start = self.workbook.plan.calendar.fiscal_year_start
        self.calendar = FiscalCalendar.of(self.workbook.plan.calendar)  # months, weeks or quarters
        self._as_of = as_of
        self._sales_through = sales_through(self.workbook)  # the latest period is paced at its day
        read = getattr(self, "_read", None)
        self.cube = sold_cube(self.workbook) if read is None else read.cube
        self.notices = list(notices)
        self._load_targets(read.targets if read is not None else None)
        if period and period not in self.periods:
            self.notices.append(
                for_grain(
                    self.calendar,
                    month=_("The month asked for has no targets; the latest month is shown."),
                    week=_("The week asked for has no targets; the latest week is shown."),
                    quarter=_("The quarter asked for has no targets; the latest quarter is shown."),
                )
            )
            period = None
        self._build_view()
        with self.hold_trait_notifications():
            self.period = period or self._default_period()
            for name in FILTERS:
                setattr(self, name, selection.get(name, "") or "")
        self.refresh()

    # -- data, prepared once ------------------------------------------------------------------------------
    def _load_targets(self, read: tuple[pd.DataFrame, str] | None = None) -> None:
        """The targets in force (or provisional) lined up with the cube; `read`: the ones the constructor's
        decision already derived, used instead of deriving them again."""
        self.targets_read = targets_version(self.workbook)  # handed back on save: refused if stale
        targets, notice = read if read is not None else targets_for_tracking(self.workbook, self.cube)
        if notice and notice not in self.notices:
            self.notices.append(notice)
        self.targets = targets
        self._projections: dict[str, SelectionProjections] = {}
        self._goals: dict[str, GoalSection | None] = {}  # each period's goal in force, read once (`goal`)
        frame = plan_vs_actual(self.targets, self.cube)
        for name in FILTERS:
            if name in frame.columns:
                frame[name] = frame[name].astype(str).astype("category")
        self.frame = frame
        self.choices = {n: tuple(frame[n].cat.categories) for n in FILTERS if n in frame.columns}
        self._window_frames: dict[tuple, tuple[pd.DataFrame, dict]] = {}
        self._horizon_frames: dict[tuple, pd.DataFrame] = {}
        self.periods = tuple(str(p) for p in sorted(self.targets["period"].unique()))
        self.feedback = read_feedback(self.workbook)

    def _default_period(self) -> str:
        last = str(self.cube["period"].max())
        known = [p for p in self.periods if p <= last]
        return known[-1] if known else self.periods[0]

    def _period_names(self, periods) -> list[str]:
        """Dropdown names of period texts: 'Oct 2026', 'W44 2026' ... (the calendar's labels)."""
        return period_labels(self.calendar.periods_from_text(list(periods)), self.locale)

    def _window(self) -> PaceWindow:
        plan = self.workbook.plan
        period = self.calendar.period(self.period)
        return pace_window(period, self.settings, plan.calendar, self._as_of, self._sales_through)

    def _window_frame(self, window: PaceWindow) -> tuple[pd.DataFrame, dict]:
        """The window's rows, narrowed to what the view needs, with integer codes per filter (kept)."""
        key = (window.first, window.last)
        if key not in self._window_frames:
            columns = ["period", *self.choices, "target", "actual"]
            rows = self.frame.loc[self.frame["period"].between(window.first, window.last), columns]
            rows = rows.reset_index(drop=True)
            codes = {n: rows[n].cat.codes.to_numpy() for n in self.choices}
            self._window_frames[key] = (rows, codes)
        return self._window_frames[key]

    def _selected(self, window: PaceWindow | None = None) -> pd.DataFrame:
        rows, codes = self._window_frame(window or self._window())
        mask = None
        for name, value in ((n, getattr(self, n)) for n in self.choices):
            if value:
                hit = codes[name] == self.choices[name].index(value)
                mask = hit if mask is None else mask & hit
        return rows if mask is None else rows[mask]

    def goal(self) -> GoalSection | None:
        """The goal in force for the period shown: a month of a year kept in the history is tracked against
        that year's goal (its horizon, target and range). Read when asked, whatever was asked before."""
        if self.period not in self._goals:
            month = self.calendar.months_of([self.calendar.period(self.period)])[0]
            self._goals[self.period] = goal_in_force(self.workbook, month)
        return self._goals[self.period]

    def _split_projection(self) -> SelectionProjections:
        """The month's one forecast split to team × rep (computed once per month)."""
        if self.period not in self._projections:
            period = self.calendar.period(self.period)
            horizon = projection_horizon(self.goal(), self.calendar, period)
            self._projections[self.period] = selection_projections(
                self.cube,
                horizon,
                ("team", "rep"),
                last_actual=period,
                elapsed=self._window().elapsed(period),
            )
        return self._projections[self.period]

    def year_over(self) -> bool:
        """Whether the projection's horizon (the goal's year, half-year …) is over for the period shown
        (`horizon_over`); the risk panel then names the horizon that closed (`ended_short_heading`)."""
        return horizon_over(self.projection(), self.calendar.period(self.period), self._window().as_of)

    def projection(self) -> YearEndProjection:
        """The one year-end projection (model/projection.py) of the selection: with nothing selected, the
        goal's own figure and range, as on the goal's pages. One forecast per month; a filter is a mask."""
        return self._split_projection().select({n: getattr(self, n) for n in FILTERS})

    def _horizon_targets(self) -> pd.DataFrame:
        """The targets over the month's projection horizon, summed per filter member (kept: a filter
        change then masks a few thousand rows, not every period's)."""
        split = self._split_projection()
        key = (split.forecast.start, split.forecast.end)
        if key not in self._horizon_frames:
            inside = self.frame[self.frame["period"].between(*key)]
            dims = list(self.choices)
            self._horizon_frames[key] = inside.groupby(dims, observed=True, as_index=False)["target"].sum()
        return self._horizon_frames[key]

    def _rep_outlook(self) -> pd.DataFrame:
        """Each selected rep's part of the selection's projection against their targets (adds up to it)."""
        return projected_attainment(
            self._split_projection(),
            self._horizon_targets(),
            ["rep"],
            {n: getattr(self, n) for n in FILTERS},
            self.settings.at_risk_threshold,
        )

    # -- the view ---------------------------------------------------------------------------------------
    def _dropdown(self, name: str, label: str, everything: str) -> widgets.Dropdown:
        options = [(everything, ""), *[(v, v) for v in self.choices.get(name, ())]]
        control = widgets.Dropdown(description=label, options=options, value="")
        control.layout.width = "230px"
        return control

    def _build_view(self) -> None:
        currency = self.workbook.currency
        self.controls = {
            "team": self._dropdown("team", _("Team"), _("All teams")),
            "rep": self._dropdown("rep", _("Rep"), _("All reps")),
            "segment": self._dropdown("segment", _("Segment"), _("All segments")),
            "channel": self._dropdown("channel", _("Channel"), _("All channels")),
        }
        self.controls["period"] = widgets.Dropdown(
            description=self.calendar.period_name(),
            options=list(
                zip(self._period_names(reversed(self.periods)), reversed(self.periods), strict=True)
            ),
        )
        self.controls["period"].layout.width = "230px"
        value_label = _("Sales ({currency})").format(currency=currency)

        # cumulative actual vs target vs expected
        x, y = OrdinalScale(), LinearScale(min=0.0)
        self.plan_line = Lines(
            x=[],
            y=[],
            scales={"x": x, "y": y},
            colors=["#999999"],
            line_style="dashed",
            labels=[_("Target")],
            display_legend=True,
        )
        self.expected_line = Lines(
            x=[],
            y=[],
            scales={"x": x, "y": y},
            colors=["#e08a2c"],
            labels=[_("Expected to date")],
            display_legend=True,
        )
        self.actual_line = Lines(
            x=[],
            y=[],
            scales={"x": x, "y": y},
            colors=["#2f6fae"],
            stroke_width=3,
            marker="circle",
            marker_size=20,
            labels=[_("Actual")],
            display_legend=True,
        )
        self.pace_chart = Figure(
            marks=[self.plan_line, self.expected_line, self.actual_line],
            axes=[
                Axis(scale=x),
                Axis(
                    scale=y,
                    side="left",
                    label=value_label,
                    label_offset="65px",
                    grid_lines="dashed",
                ),
            ],
            title=_("Cumulative actual, expected to date and target"),
            legend_location="top-left",
            fig_margin=dict(_MARGIN),
            layout=dict(_LAYOUT),
            animation_duration=0,
        )
        # attainment by rep, coloured by pace
        rx, ry = OrdinalScale(), LinearScale(min=0.0)
        colour = ColorScale(
            min=0, max=2, colors=[STATUS_COLOURS["behind"], STATUS_COLOURS["watch"], STATUS_COLOURS["ahead"]]
        )
        self.rep_bars = Bars(
            x=[],
            y=[],
            color=[],
            scales={"x": rx, "y": ry, "color": colour},
            padding=0.2,
            tooltip=Tooltip(fields=["x", "y"], formats=["", ".0%"]),
        )
        self.rep_chart = Figure(
            marks=[self.rep_bars],
            axes=[
                Axis(scale=rx, tick_rotate=-45),
                Axis(
                    scale=ry,
                    side="left",
                    tick_format=".0%",
                    label=_("Attainment"),
                    grid_lines="dashed",
                ),
            ],
            title=_("Attainment by rep (green ahead of pace, amber on watch, red behind)"),
            fig_margin=dict(_MARGIN),
            layout=dict(_LAYOUT),
            animation_duration=0,
        )
        # variance waterfall: an invisible base under each visible step
        wx, wy = OrdinalScale(), LinearScale()
        self.waterfall_bars = Bars(
            x=[],
            y=[[], [], [], []],
            scales={"x": wx, "y": wy},
            type="stacked",
            padding=0.25,
            colors=["#ffffff", "#7f8c9a", STATUS_COLOURS["ahead"], STATUS_COLOURS["behind"]],
            opacities=[0.0, 1.0, 1.0, 1.0],
        )
        self.waterfall_chart = Figure(
            marks=[self.waterfall_bars],
            axes=[
                Axis(scale=wx, tick_rotate=-30),
                Axis(
                    scale=wy,
                    side="left",
                    label=value_label,
                    label_offset="65px",
                    grid_lines="dashed",
                ),
            ],
            title=for_window(
                self.settings.pace_window,
                year=_("From target to actual, year to date"),
                quarter=_("From target to actual, quarter to date"),
                month=_("From target to actual, month to date"),
            ),
            fig_margin=dict(_MARGIN),
            layout=dict(_LAYOUT),
            animation_duration=0,
        )
        names = {"segment": _("Segment"), "channel": _("Channel"), "rep": _("Rep"), "team": _("Team")}
        self.variance_control = widgets.ToggleButtons(
            description=_("Explain by"),
            # only the dimensions this workbook's data has: a minimal one explains by rep alone
            options=[(names[d], d) for d in VARIANCE_DIMENSIONS if d in self.choices],
            style={"button_width": "90px"},
        )
        self.notice_panel = widgets.HTML(message_box(self.notices) if self.notices else "")
        self.headline_panel = widgets.HTML()
        self.risk_panel = widgets.HTML()
        self.leader_panel = widgets.HTML()
        self.feedback_panel = widgets.HTML()
        pages = [
            (_("Pace"), widgets.VBox([self.pace_chart, self.rep_chart])),
            (_("Variance"), widgets.VBox([self.variance_control, self.waterfall_chart])),
            (_("At risk"), widgets.HBox([self.risk_panel, self.leader_panel])),
            (_("Feedback"), widgets.VBox([self.feedback_panel])),
        ]
        if self.editable:
            pages = self._editing_pages(pages)
        tabs = widgets.Tab(children=[page for _title, page in pages])
        for i, (title, _page) in enumerate(pages):
            tabs.set_title(i, title)
        self.tabs = tabs
        super().__init__(
            children=[
                widgets.HTML(page_heading(self.workbook.plan.name, _("Tracker"))),
                self.notice_panel,
                widgets.HBox(
                    [self.controls[n] for n in (*FILTERS, "period") if n in self.choices or n == "period"],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                self.headline_panel,
                tabs,
            ],
            layout=widgets.Layout(max_width="1200px"),
        )
        self.add_class("salesplan-tracker")
        for name in (*FILTERS, "period"):
            widgets.link((self.controls[name], "value"), (self, name))
        widgets.link((self.variance_control, "value"), (self, "variance_by"))

    def _editing_pages(self, pages: list[tuple[str, widgets.Widget]]) -> list[tuple[str, widgets.Widget]]:
        """The JupyterLab tool's writing controls: a note on the feedback tab, and the re-plan tab."""
        self.note_text = widgets.Textarea(placeholder=_("Note on the selected rep and month"))
        self.note_button = widgets.Button(description=_("Add note"))
        self.note_message = widgets.HTML()
        self.note_button.on_click(lambda _b: self.add_note())

        self.goal_input = widgets.FloatText(description=_("New goal"))
        self.share_by = widgets.Dropdown(
            description=_("Share by"),
            options=[(_("Current targets"), "target"), (_("Last 12 months' sales"), "sales")],
        )
        self.reason_input = widgets.Text(description=_("Reason"))
        self.author_input = widgets.Text(description=_("Author"))
        self.preview_button = widgets.Button(description=_("Preview re-plan"))
        self.save_button = widgets.Button(description=_("Save as new version"), disabled=True)
        self.replan_panel = widgets.HTML()
        self.preview_button.on_click(lambda _b: self.preview_replan())
        self.save_button.on_click(lambda _b: self.save_replan())
        # events: a rep leaves or joins, an account or territory moves, a market shock
        self.event_kind = widgets.Dropdown(
            description=_("Event"),
            options=[
                (_("Rep leaves"), "leaves"),
                (_("Rep joins"), "joins"),
                (_("Account or territory moves"), "move"),
                (_("Market shock"), "shock"),
            ],
        )
        self.event_rep = widgets.Dropdown(
            description=_("Rep"), options=[("", ""), *self.choices.get("rep", ())]
        )
        self.event_other = widgets.Text(
            description=_("Other"), placeholder=_("successor, receiving rep, or new rep's team")
        )
        self.event_new_rep = widgets.Text(description=_("New rep"))
        self.event_amount = widgets.FloatText(
            value=1.0, description=_("Share"), tooltip=_("share moved, ramp of a new rep, or shock factor")
        )
        self.event_segment = widgets.Dropdown(
            description=_("Segment"), options=[(_("All segments"), ""), *self.choices.get("segment", ())]
        )
        self.event_from = widgets.Dropdown(description=_("From"), options=list(self.periods))
        self.event_button = widgets.Button(description=_("Preview event"))
        self.event_button.on_click(lambda _b: self.preview_event())

        feedback = widgets.VBox([self.feedback_panel, self.note_text, self.note_button, self.note_message])
        replan = widgets.VBox(
            [
                widgets.HBox([self.goal_input, self.share_by, self.preview_button]),
                widgets.HBox([self.event_kind, self.event_rep, self.event_other]),
                widgets.HBox([self.event_new_rep, self.event_amount, self.event_segment, self.event_from]),
                self.event_button,
                widgets.HBox([self.reason_input, self.author_input, self.save_button]),
                self.replan_panel,
            ]
        )
        return [*pages[:3], (_("Feedback"), feedback), (_("Re-plan"), replan)]

    # -- the address -------------------------------------------------------------------------------------
    # -- invariants --------------------------------------------------------------------------------------
    @validate("period")
    def _known_period(self, proposal):
        if proposal["value"] not in self.periods:
            refused = for_grain(
                self.calendar,
                month=_("{value!r} is not a month with targets"),
                week=_("{value!r} is not a week with targets"),
                quarter=_("{value!r} is not a quarter with targets"),
            )
            raise TraitError(refused.format(value=proposal["value"]))
        return proposal["value"]

    @validate("variance_by")
    def _dimension_in_data(self, proposal):
        if proposal["value"] not in self.choices:
            raise TraitError(
                _("{value!r} is not a dimension of this workbook's sales").format(value=proposal["value"])
            )
        return proposal["value"]

    @validate(*FILTERS)
    def _known_member(self, proposal):
        name, value = proposal["trait"].name, proposal["value"]
        if value and value not in self.choices.get(name, ()):
            raise TraitError(_("{value!r} is not one of the {name} values").format(value=value, name=name))
        return value

    @observe(*FILTERS, "period", "variance_by")
    def _selection_changed(self, change) -> None:
        if self.summary:  # not before the first refresh
            self.refresh()

    # -- figures -----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute the selection's figures with the model and move the marks (no figure is rebuilt)."""
        set_locale(self.locale)
        window = self._window()
        period = self.calendar.period(self.period)
        selected = self._selected(window)
        threshold, ahead = self.settings.at_risk_threshold, self.settings.ahead_threshold
        band = tuple(self.settings.projection_band)
        total = pace(selected, window, (), band)
        by_rep = pace(selected, window, ["rep"], band)
        by_rep = by_rep[by_rep["target"] > 0].assign(
            status=lambda f: pace_status(f["pace_index"], threshold, ahead)
        )
        path = cumulative_pace(selected, window)
        to_date = selected[selected["period"].between(window.first, period)]
        steps = waterfall(to_date, self.variance_by, top=8)

        labels = period_labels(path["period"], self.locale)
        with self.plan_line.hold_sync():
            self.plan_line.x, self.plan_line.y = labels, path["target"].to_numpy(dtype=float)
        started = path["actual"].notna().to_numpy()
        with self.expected_line.hold_sync():
            self.expected_line.x = [lab for lab, s in zip(labels, started, strict=True) if s]
            self.expected_line.y = path.loc[started, "expected"].to_numpy(dtype=float)
        with self.actual_line.hold_sync():
            self.actual_line.x = self.expected_line.x
            self.actual_line.y = path.loc[started, "actual"].to_numpy(dtype=float)
        ordered = by_rep.sort_values("attainment", ascending=False, kind="stable")
        with self.rep_bars.hold_sync():
            self.rep_bars.x = ordered["rep"].astype(str).tolist()
            self.rep_bars.y = ordered["attainment"].fillna(0.0).to_numpy(dtype=float)
            self.rep_bars.color = ordered["status"].map(STATUS_CODE).to_numpy(dtype=float)
        bars = waterfall_bars(steps)  # the same geometry as the report's static waterfall
        with self.waterfall_bars.hold_sync():
            self.waterfall_bars.x = waterfall_labels(
                steps, {"target": _("Target"), "actual": _("Actual"), "other": _("Other")}
            )
            self.waterfall_bars.y = np.vstack(
                [
                    bars.low,
                    np.where(bars.direction == "total", bars.height, 0.0),
                    np.where(bars.direction == "up", bars.height, 0.0),
                    np.where(bars.direction == "down", bars.height, 0.0),
                ]
            )
        thin_period_ticks(self.pace_chart.axes[0], labels)  # a year of weeks: names that do not collide
        set_value_ticks(self.waterfall_chart.axes[1], bars.low + bars.height, self.locale, low=bars.floor)
        set_value_ticks(
            self.pace_chart.axes[1],
            [*self.plan_line.y, *self.expected_line.y, *self.actual_line.y],
            self.locale,
        )

        self.path, self.variance = path, steps
        self.rep_pace = by_rep.reset_index(drop=True)
        outlook = self._rep_outlook()
        self.rep_outlook = outlook
        risky = outlook[outlook["at_risk"] & (outlook["target"] > 0)]
        pace_so_far = by_rep[["rep", "attainment", "pace_index"]].assign(rep=lambda f: f["rep"].astype(str))
        risky = risky.merge(pace_so_far, on="rep", how="left")  # pace beside the projection, for the list
        self.at_risk = risky.sort_values("projected_gap", kind="stable").reset_index(drop=True)
        projection = self.projection()
        filters = {n: getattr(self, n) for n in FILTERS}
        # the goal's target for the whole company, the selection's targets for a team or rep (as the pack)
        horizon_target = projection_target(
            projection,
            self.goal(),
            self.calendar,
            float(outlook["target"].sum()),
            selected=any(filters.values()),
        )
        # one year-end figure, the projection's: pace's window-end extrapolations stay out of the summary
        pace_only = total.iloc[0].drop(list(PACE_WINDOW_END), errors="ignore")
        self.summary = {
            k: (v.item() if hasattr(v, "item") else v) for k, v in pace_only.to_dict().items()
        } | {
            "year_end": str(projection.end),
            "year_end_projection": projection.total,
            "year_end_low": projection.interval[0],
            "year_end_high": projection.interval[1],
            "year_end_target": horizon_target,
            "projected_attainment": projection.total / horizon_target if horizon_target > 0 else float("nan"),
            "days_left": window.days_left(),
            "as_of": window.as_of.isoformat(),
            "reps_at_risk": int(len(self.at_risk)),
            "reps_ahead": int(by_rep["ahead"].sum()),
        }
        if self.editable:  # the goal in force's target (the selection's targets over it), unless typed
            default = round(float(horizon_target), minor_unit(self.workbook.currency))
            if not self.goal_input.value or self.goal_input.value == getattr(self, "_goal_default", None):
                self.goal_input.value = default
            self._goal_default = default
        self._render_text()

    def _money(self, amount: float) -> str:
        return fmt_money(amount, self.workbook.currency, self.locale, digits=False)

    def _render_text(self) -> None:
        s, loc = self.summary, self.locale
        pct = lambda v: "—" if v is None or pd.isna(v) else fmt_percent(v, loc, decimals=1)  # noqa: E731
        headline = [
            Card(
                _("Actual to date"),
                self._money(s["actual"]),
                _("of target {target}").format(target=self._money(s["target"])),
            ),
            Card(
                _("Attainment"),
                pct(s["attainment"]),
                _("expected by now {share}").format(
                    share=pct(s["expected"] / s["target"] if s["target"] else None)
                ),
            ),
            Card(
                _("Pace index"),
                "—" if pd.isna(s["pace_index"]) else fmt_number(s["pace_index"], loc, 2),
                _("actual ÷ expected to date"),
            ),
            projection_card(self.projection(), self._money, loc),
            Card(
                _("Projected attainment"),
                pct(s["projected_attainment"]),
                projected_attainment_note(
                    self.projection(), self.calendar, self._money(s["year_end_target"])
                ),
            ),
            Card(
                _("Needed per working day"),
                "—" if pd.isna(s["required_rate"]) else self._money(s["required_rate"]),
                _("{days} working days left").format(days=s["days_left"]),
            ),
            Card(
                _("Reps at risk"),
                fmt_number(s["reps_at_risk"], loc),
                _("{ahead} ahead of pace").format(ahead=s["reps_ahead"]),
            ),
        ]
        self.headline_panel.value = static_sections(cards(headline))
        notes = self._notes()
        latest = notes.drop_duplicates("rep").set_index("rep")["text"] if len(notes) else pd.Series(dtype=str)
        risk_rows = [
            [r.rep, pct(r.projected_attainment), self._money(-r.projected_gap), str(latest.get(r.rep, ""))]
            for r in self.at_risk.head(25).itertuples()
        ]
        threshold = pct(self.settings.at_risk_threshold)
        if self.year_over():  # nothing is at risk any more: some reps ended the horizon short
            heading, empty = ended_short_heading(self.projection(), self.calendar, threshold)
            header = [_("Rep"), _("Attainment"), _("Shortfall"), _("Latest feedback")]
        else:
            heading = at_risk_heading(self.projection(), self.calendar, threshold)
            header = [_("Rep"), _("Projected attainment"), _("Projected shortfall"), _("Latest feedback")]
            empty = _("No rep is projected under the threshold.")
        self.risk_panel.value = f"<h4>{html.escape(heading)}</h4>" + (
            html_table(header, risk_rows) if risk_rows else html.escape(empty)
        )
        leaders = self.rep_pace.sort_values(
            ["pace_index", "attainment"], ascending=False, kind="stable", na_position="last"
        ).head(self.settings.leaderboard_size)
        heading = "<h4>{}</h4>".format
        self.leader_panel.value = heading(html.escape(_("Leaderboard"))) + html_table(
            [_("Rep"), _("Attainment"), _("Pace index")],
            [
                [r.rep, pct(r.attainment), "—" if pd.isna(r.pace_index) else fmt_number(r.pace_index, loc, 2)]
                for r in leaders.itertuples()
            ],
        )
        # notes are filed by month at every grain (`_note_month`): the column names the note's own month
        rows = [[str(n.period), n.rep, n.author, n.source, n.text] for n in notes.head(30).itertuples()]
        self.feedback_panel.value = heading(html.escape(_("Feedback"))) + (
            html_table([_("Month"), _("Rep"), _("Author"), _("Source"), _("Note")], rows)
            if rows
            else html.escape(_("No feedback for this selection yet."))
        )

    def _note_month(self) -> str:
        """The month the selected period's notes are filed under: the feedback log is by month, and a week
        counts in the month holding its Thursday (`FiscalCalendar.months_of`)."""
        return str(self.calendar.months_of([self.calendar.period(self.period)])[0])

    def _notes(self) -> pd.DataFrame:
        """The selection's notes for the period: its month's, or a quarter's three months' (`months_shown`)."""
        months = months_shown(self.workbook, self.calendar.period(self.period))
        notes = self.feedback[self.feedback["period"].isin(months)]
        if self.rep:
            notes = notes[notes["rep"].astype(str) == self.rep]
        elif self.team:
            notes = notes[
                notes["rep"].isin(self.choices["rep"])
                & notes["rep"].isin(self._selected()["rep"].astype(str).unique())
            ]
        return notes

    # -- writing: notes and re-plans ----------------------------------------------------------------------
    def add_note(self) -> None:
        """Append the typed note (for the selected rep, under the month the period counts in: the log is
        by month, and a week's note goes to the month holding its Thursday) to the workbook's feedback log,
        as the acting user (the OS login in JupyterLab)."""
        if not self.editable:
            return
        try:
            self.feedback = add_note(self.workbook, self._note_month(), self.rep, self.note_text.value)
        except SalesplanError as exc:
            self.note_message.value = message_box([str(exc)], kind="error")
            return
        self.note_text.value = ""
        self.note_message.value = message_box([_("Note saved.")], kind="ok")
        self._render_text()

    def planned_changes(self) -> list[QuotaChange]:
        """The market shocks the plan expects (`tracking.market_shocks`), each applied on its own to the
        targets in force (or the provisional ones): previews of their effect on every quota, nothing saved."""
        return [apply_event(self.targets, shock) for shock in planned_shocks(self.settings, self.calendar)]

    def _last_closed(self) -> pd.Period:
        """The last period a re-plan keeps: the period shown once it is over (else the one before), or the
        last one the sales are final for when that is later: a period already sold is never re-planned."""
        shown = last_closed(self.calendar.period(self.period), self._window().as_of)
        if self._sales_through is None:
            return shown
        return max(shown, last_closed(self.calendar.period(self._sales_through), self._sales_through))

    def _goal_periods(self) -> pd.PeriodIndex:
        """The periods of the goal in force for the period shown (`goal`; the fiscal year holding it without
        one): a re-plan moves only these, as the targets table may also hold another year."""
        horizon = projection_horizon(self.goal(), self.calendar, self.calendar.period(self.period))
        periods = pd.PeriodIndex(self.targets["period"].unique()).sort_values()
        return periods[(periods >= horizon.start) & (periods <= horizon.end)]

    def _show_pending(self, head: str, effect: pd.DataFrame) -> None:
        self.preview = effect
        rows = [
            [e.rep, self._money(e.before), self._money(e.after), self._money(e.change)]
            for e in effect.head(20).itertuples()
        ]
        self.replan_panel.value = message_box([head]) + html_table(
            [_("Rep"), _("Before"), _("After"), _("Change")], rows
        )
        self.save_button.disabled = False

    def _refuse(self, exc: SalesplanError) -> None:
        self._pending = None
        self.replan_panel.value = message_box([str(exc)], kind="error")
        self.save_button.disabled = True

    def preview_replan(self) -> None:
        """Show what a re-plan to the goal typed would do to every quota; nothing is saved yet. With a team
        (or a rep) selected, only that team's targets are re-planned and the goal typed is the team's."""
        if not self.editable:
            return
        scope = {name: getattr(self, name) for name in ("team", "rep") if getattr(self, name)}
        own = self._goal_periods()
        if len(own) and own[-1] <= self._last_closed():
            self._refuse(
                SalesplanError(
                    _(
                        "Every period of the goal in force for {period} ({first} – {last}) is already sold: "
                        "nothing is left to re-plan. Show a period of the goal in force now to re-plan it."
                    ).format(
                        period=period_labels([self.calendar.period(self.period)], self.locale)[0],
                        first=period_labels([own[0]], self.locale)[0],
                        last=period_labels([own[-1]], self.locale)[0],
                    )
                )
            )
            return
        try:
            weights = (
                recent_sales_weights(self.cube, self._last_closed())
                if self.share_by.value == "sales"
                else None
            )
            result = replan(
                self.targets,
                self.cube,
                self._last_closed(),
                goal=self.goal_input.value or None,
                rep_weights=weights,
                scope=scope,
                periods=self._goal_periods(),
            )
        except SalesplanError as exc:
            self._refuse(exc)
            return
        months = period_labels([own[0], own[-1]], self.locale)
        head = for_grain(
            self.calendar,
            month=_(
                "Goal {goal}; closed through {closed}: {actual} sold; {remaining} to spread over the months left."
            ),
            week=_(
                "Goal {goal}; closed through {closed}: {actual} sold; {remaining} to spread over the weeks left."
            ),
            quarter=_(
                "Goal {goal}; closed through {closed}: {actual} sold; {remaining} to spread over the quarters "
                "left."
            ),
        ).format(
            goal=self._money(result.goal),
            closed=self._last_closed(),
            actual=self._money(result.closed_actual),
            remaining=self._money(result.remaining_goal),
        )
        head = _("{head} Only the goal's {first} – {last} are re-planned; other targets are kept.").format(
            head=head, first=months[0], last=months[1]
        )
        if scope:
            head = _("Re-plan of {scope} only: {head}").format(scope=" / ".join(scope.values()), head=head)
        self._pending = (result.targets, self._last_closed() + 1, (head,))
        self._show_pending(head, result.effect)

    def _event(self):
        kind, rep, other = self.event_kind.value, self.event_rep.value, self.event_other.value.strip()
        start, amount = self.calendar.period(self.event_from.value), float(self.event_amount.value)
        if kind == "leaves":
            return RepLeaves(rep, start, successor=other or None, reason=self.reason_input.value)
        if kind == "joins":
            return RepJoins(
                self.event_new_rep.value.strip(), other, start, ramp=amount, reason=self.reason_input.value
            )
        if kind == "move":
            return QuotaMove(
                rep,
                other,
                start,
                share=amount,
                segment=self.event_segment.value or None,
                reason=self.reason_input.value,
            )
        return MarketShock(
            amount, start, segment=self.event_segment.value or None, reason=self.reason_input.value
        )

    def preview_event(self) -> None:
        """Show what the event described would do to every quota; nothing is saved yet."""
        if not self.editable:
            return
        try:
            change = apply_event(self.targets, self._event())
        except SalesplanError as exc:
            self._refuse(exc)
            return
        self._pending = (change.targets, self.calendar.period(self.event_from.value), (change.description,))
        self._show_pending(change.description, change.effect)

    def save_replan(self) -> None:
        """Save the previewed re-plan or event as a new plan version, in force from its first month."""
        if not self.editable or getattr(self, "_pending", None) is None:
            return
        targets, effective_from, changes = self._pending
        try:
            entry = save_version(
                self.workbook,
                targets,
                self.reason_input.value,
                self.author_input.value,
                effective_from,
                changes,
                based_on=self.targets_read,
            )
        except SalesplanError as exc:
            self.replan_panel.value = message_box([str(exc)], kind="error")
            return
        self._pending = None
        self.save_button.disabled = True
        self._load_targets()
        self.replan_panel.value = message_box(
            [
                _("Saved as version {n}, in force from {period}.").format(
                    n=entry.version, period=entry.effective_from
                )
            ],
            kind="ok",
        )
        self.refresh()

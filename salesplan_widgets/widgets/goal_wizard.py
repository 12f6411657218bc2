"""The goal wizard: scope and horizon → history and baseline → method → target, probability, SMART → save.

`GoalWizard(workbook)` holds the workbook and calls model.forecast, model.goal and model.smart; it does no
business arithmetic of its own. Every choice is a trait (`metric`, `teams`, `start`, `method`, `stretch`,
…) linked to its control, and what the wizard concludes is the `result` trait, so tests and notebooks
drive it without a browser. The bqplot chart (history, baseline with its interval band, target line) is
built once; its marks move in place. Saving writes the plan's `goal` section atomically; a conflict or
a refused save shows as a message, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from bqplot import Axis, Figure, LinearScale, Lines, OrdinalScale
from traitlets import Dict, Enum, Float, Instance, Int, TraitError, Tuple, Unicode, observe, validate

from salesplan_widgets.errors import ConflictError, SalesplanError
from salesplan_widgets.i18n import _, fmt_money, fmt_number, fmt_percent, minor_unit, set_locale
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.forecast import Backtest, Forecast, backtest
from salesplan_widgets.model.goal import (
    BLEND,
    BOTTOM_UP,
    GROWTH,
    MARKET_SHARE,
    STRETCH,
    TARGET_METHODS,
    MarketInput,
    TargetProposal,
    at_saved_total,
    blend_target,
    bottom_up_target,
    growth_target,
    market_share_target,
    name_for_year,
    name_with_target,
    opening_horizon,
    stretch_target,
    target_for_probability,
)
from salesplan_widgets.model.projection import ProjectionHorizon, year_end_projection
from salesplan_widgets.model.smart import SmartCheck, letter_names, metric_names, smart_check
from salesplan_widgets.report.blocks import Card, cards
from salesplan_widgets.schema.goal import GoalScope, GoalSection
from salesplan_widgets.schema.goal import MarketInput as MarketSetting
from salesplan_widgets.widgets.charts import (
    message_box,
    page_heading,
    set_value_ticks,
    static_sections,
    thin_month_ticks,
    value_axis,
)
from salesplan_widgets.workbook import Workbook, open_read_only, open_workbook
from salesplan_widgets.workbook.plan_history import HISTORY_DIR, keep_year
from salesplan_widgets.workbook.sales_through import share_gone

HISTORY_MONTHS = 24
HORIZON_CHOICES = 24  # months after the last actual the horizon may reach
_ALL = "all"
HISTORY_COLOUR, FORECAST_COLOUR, TARGET_COLOUR = "#2f6fae", "#7a7a7a", "#c0392b"
# Room above the highest line of the panel's chart, so its top-left legend stays clear of the target line.
PANEL_CHART_HEADROOM = 0.3


def method_labels() -> dict[str, str]:
    """Target method -> its name in the current language (the method dropdown's choices)."""
    return {
        GROWTH: _("Growth over last year"),
        STRETCH: _("Forecast plus stretch"),
        MARKET_SHARE: _("Share of market"),
        BOTTOM_UP: _("Bottom-up from commits"),
        BLEND: _("Blend of top-down and bottom-up"),
    }


def step_titles() -> tuple[str, ...]:
    """The wizard's five step titles in the current language; `GoalWizard.step` indexes them."""
    return (
        _("1. Scope and horizon"),
        _("2. History and baseline"),
        _("3. Method"),
        _("4. Target and SMART check"),
        _("5. Save"),
    )


def _month(text: str) -> pd.Period:
    return pd.Period(text, freq="M")


def _parse_dates(text: str) -> tuple[list[dt.date], list[str]]:
    """Review dates from 'YYYY-MM-DD, YYYY-MM-DD'; returns the dates and the pieces that are not dates."""
    dates, bad = [], []
    for piece in text.replace(";", ",").replace("\n", ",").split(","):
        piece = piece.strip()
        if not piece:
            continue
        try:
            dates.append(dt.date.fromisoformat(piece))
        except ValueError:
            bad.append(piece)
    return dates, bad


def _message(text: str, ok: bool) -> str:
    """A status line in the house message box (widgets/charts.py): green when done, red when refused."""
    return message_box([text], kind="ok" if ok else "error")


class GoalWizard(widgets.VBox):
    """Set a SMART, data-driven goal for the workbook's plan, step by step.

    Built from a workbook (or its folder). The traits below are the wizard's inputs and outputs, so it can
    be driven from code as well as from its controls: setting `start`, `end`, `metric` or the scope refits
    the baseline forecast; setting `method`, `growth`, `stretch`, `market` or the blend recomputes the
    target at once. Fractions are fractions: `growth = 0.12` means 12%.

    `result` holds what the chosen method gives: ``target``, ``baseline`` (the forecast total),
    ``interval`` (its range), ``probability`` of reaching the target, ``stretch`` over the baseline,
    ``smart`` (the verdict per letter), ``smart_passed`` and ``can_save``. Describe the goal in `name`
    and `rationale`, then call `save`, which writes the plan's ``goal:`` section (atomic and
    version-checked) and returns whether it did; `status` says why when it did not. After a refused
    save (someone else changed the plan) call `reload`: your choices are kept.
    """

    step = Int(0, help="The wizard step shown (0-4).")
    metric = Enum(("revenue", "quantity", "lines"), default_value="revenue", help="What the goal counts.")
    teams = Tuple(help="Teams covered; empty means every team.")
    segments = Tuple(help="Segments covered; empty means every segment.")
    channels = Tuple(help="Channels covered; empty means every channel.")
    start = Unicode(help="First month of the horizon, YYYY-MM.")
    end = Unicode(help="Last month of the horizon, YYYY-MM.")
    method = Enum(TARGET_METHODS, default_value=STRETCH, help="How the target is set.")
    growth = Float(0.10, help="Growth over last year (growth method).")
    stretch = Float(0.05, help="Stretch over the baseline (stretch method).")
    market = Dict(help="Segment -> {size, growth, share}; share None keeps the current share.")
    blend_top_down = Enum(
        (GROWTH, STRETCH, MARKET_SHARE), default_value=STRETCH, help="Top-down side of a blend."
    )
    blend_weight = Float(0.5, help="Weight of the top-down side in a blend (0-1).")
    name = Unicode("", help="The goal in one line.")
    rationale = Unicode("", help="Why this target.")
    business_objective = Unicode("", help="The business objective the goal serves.")
    review_dates = Unicode("", help="Review dates, YYYY-MM-DD, comma separated.")
    override_reason = Unicode("", help="Why a goal failing a SMART check is saved anyway.")
    result = Dict(help="Target, baseline, probability, stretch, SMART verdicts and whether it can be saved.")
    status = Unicode("", help="The last save's outcome, or why nothing was saved.")
    forecast = Instance(Forecast, allow_none=True, help="The baseline forecast for the scope and horizon.")

    def __init__(self, workbook: Workbook | str | Path):
        self.workbook = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        self.locale = self.workbook.locale
        set_locale(self.locale)
        self.cube = self.workbook.cube()
        self.last_actual: pd.Period = self.cube["period"].max()
        self._gone = share_gone(self.workbook, self.last_actual)  # < 1: its last period is still being sold
        # the horizon is picked in months at any grain; the calendar turns them into weeks or quarters
        self.calendar = FiscalCalendar.of(self.workbook.plan.calendar)
        last_month = self.calendar.months_of([self.last_actual])[0]
        self.proposal: TargetProposal | None = None
        self.smart: SmartCheck | None = None
        self._backtest: Backtest | None = None
        self._backtest_key: tuple | None = None
        self._ready = False
        self._echo = False  # True while a percent control is set from its trait
        self._renaming = False  # True while the name is rewritten to follow the target
        saved = self.workbook.plan.goal or GoalSection()
        # the wizard opens at the plan's saved target until an input changes (then it proposes afresh)
        self._saved_target: float | None = saved.target
        self._name_target: float | None = saved.target  # the target the goal's name states
        self.settings = saved  # thresholds and anything the wizard does not edit are kept from the plan

        def members(dim: str) -> list[str]:
            return sorted(str(m) for m in self.cube[dim].unique() if str(m) != _ALL)

        self.choices = {"team": members("team"), "segment": members("segment"), "channel": members("channel")}
        months = pd.period_range(last_month - 11, last_month + HORIZON_CHOICES, freq="M")
        self.months = tuple(str(m) for m in months)
        # a saved horizon in the months its first and last periods count in (weeks may straddle months);
        # once the data have gone past its end, the wizard opens on the next year (model.goal.opening_horizon)
        saved_months = (
            self.calendar.months_of([saved.start, saved.end]) if saved.start and saved.end else (None, None)
        )
        fiscal_year_start = self.workbook.plan.calendar.fiscal_year_start
        first, last, self.rolled_over = opening_horizon(*saved_months, last_month, fiscal_year_start)
        if str(first) not in self.months or str(last) not in self.months:  # beyond what the wizard plans
            first, last, self.rolled_over = opening_horizon(None, None, last_month, fiscal_year_start)
        if self.rolled_over:  # the saved target, name and reviews were the year that is over
            self._saved_target = None
            self.previous_horizon = tuple(str(m) for m in saved_months)

        self._build_controls()
        self._build_chart()
        self.year_notice = ""
        if self.rolled_over:
            old, new = (
                period_labels(list(saved_months), self.locale),
                period_labels([first, last], self.locale),
            )
            self.year_notice = _(
                "The saved goal is for {old_first} – {old_last}, and the sales data have gone past it: the "
                "wizard proposes the goal for {first} – {last}. Saving it keeps the plan of the year that is "
                "over in {folder}/ and replaces the goal in the plan."
            ).format(old_first=old[0], old_last=old[1], first=new[0], last=new[1], folder=HISTORY_DIR)
        self.opening_notice = (
            "" if saved.start and saved.end else self._opening_notice(first, last, last_month)
        )
        from salesplan_widgets.report.goal import in_progress_notice  # the goal page says it alike

        self.in_progress_notice = in_progress_notice(self.workbook, self.last_actual)
        notices = [n for n in (self.year_notice, self.opening_notice, self.in_progress_notice) if n]
        super().__init__(
            children=[
                widgets.HTML(page_heading(self.workbook.plan.name, _("Goal wizard"))),
                widgets.HTML(message_box(notices) if notices else ""),
                self.step_title,
                self.pages,
                widgets.HBox([self.back_button, self.next_button]),
                self.summary_panel,
                self.chart,
            ],
            layout=widgets.Layout(max_width="1100px"),
        )
        self.add_class("salesplan-goal-wizard")
        for trait, control in self._links.items():
            widgets.link((control, "value"), (self, trait))

        with self.hold_trait_notifications():
            self.metric = saved.metric or "revenue"
            self.teams = tuple(t for t in saved.scope.teams if t in self.choices["team"])
            self.segments = tuple(s for s in saved.scope.segments if s in self.choices["segment"])
            self.channels = tuple(c for c in saved.scope.channels if c in self.choices["channel"])
            self.start, self.end = str(first), str(last)
            self.method = saved.method
            self.growth, self.stretch = saved.growth, saved.stretch
            self.market = {k: v.model_dump() for k, v in saved.market.items()}
            self.blend_top_down, self.blend_weight = saved.blend_top_down, saved.blend_weight
            self.name, self.rationale = saved.name, saved.rationale
            self.business_objective = saved.business_objective
            self.review_dates = (
                ", ".join(d.isoformat() for d in saved.review_dates) or self._default_reviews()
            )
            if self.rolled_over:
                self.name = name_for_year(saved.name, saved_months[1].year, last.year)
                self.review_dates = self._default_reviews()
            self.override_reason = saved.override_reason
        for trait in ("growth", "stretch"):  # a value equal to the default fires no change: show it anyway
            self._percent_shown({"name": trait, "new": getattr(self, trait)})
        self._ready = True
        self.refresh_forecast()
        self._show_step(None)

    def _opening_notice(self, first: pd.Period, last: pd.Period, last_month: pd.Period) -> str:
        """Which year a first goal is proposed for, and why (model.goal.first_goal_year)."""
        labels = period_labels([first, last, last_month], self.locale)
        if first <= last_month:  # the year in progress, its first quarter not yet over
            text = _(
                "No goal is saved yet. The sales data reach {data}, early in the fiscal year {first} – {last}: "
                "the wizard proposes the goal for that year, with the months already sold counted in. To plan "
                "the next year instead, move the horizon."
            )
        else:
            text = _(
                "No goal is saved yet. The sales data reach {data}, past the first quarter of their fiscal "
                "year: the wizard proposes the goal for the next fiscal year, {first} – {last}."
            )
        return text.format(data=labels[2], first=labels[0], last=labels[1])

    # -- controls -----------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        names = metric_names()
        month_options = [
            (label, m)
            for label, m in zip(period_labels([_month(m) for m in self.months]), self.months, strict=True)
        ]
        wide = {"description_width": "initial"}
        self.metric_control = widgets.Dropdown(
            description=_("Metric"),
            options=[(names[m].capitalize(), m) for m in ("revenue", "quantity", "lines")],
        )
        self.team_control = widgets.SelectMultiple(
            description=_("Teams"), options=self.choices["team"], rows=4
        )
        self.segment_control = widgets.SelectMultiple(
            description=_("Segments"), options=self.choices["segment"], rows=4
        )
        self.channel_control = widgets.SelectMultiple(
            description=_("Channels"), options=self.choices["channel"], rows=4
        )
        self.start_control = widgets.Dropdown(description=_("From"), options=month_options)
        self.end_control = widgets.Dropdown(description=_("To"), options=month_options)
        self.method_control = widgets.Dropdown(
            description=_("Method"), options=[(label, m) for m, label in method_labels().items()], style=wide
        )
        # percents are typed as percents (6 means 6%); the traits hold fractions, as the plan does
        self.growth_control = widgets.FloatText(
            description=_("Growth over last year (%)"), step=1.0, style=wide
        )
        self.stretch_control = widgets.FloatText(
            description=_("Stretch over baseline (%)"), step=1.0, style=wide
        )
        self.input_note = widgets.HTML()
        self.blend_method_control = widgets.Dropdown(
            description=_("Top-down side"),
            options=[(method_labels()[m], m) for m in (GROWTH, STRETCH, MARKET_SHARE)],
            style=wide,
        )
        self.blend_weight_control = widgets.FloatSlider(
            description=_("Top-down weight"), min=0.0, max=1.0, step=0.05, readout_format=".0%", style=wide
        )
        self.market_box = widgets.VBox()
        self.name_control = widgets.Text(
            description=_("Goal"), placeholder=_("The goal in one line"), style=wide
        )
        self.rationale_control = widgets.Textarea(description=_("Rationale"), style=wide)
        self.objective_control = widgets.Text(description=_("Business objective"), style=wide)
        self.reviews_control = widgets.Text(
            description=_("Review dates"), placeholder="2027-04-01, 2027-07-01", style=wide
        )
        self.override_control = widgets.Textarea(description=_("Override reason"), style=wide)
        self.save_button = widgets.Button(description=_("Save goal to the plan"), button_style="primary")
        self.reload_button = widgets.Button(description=_("Reload the plan"))
        self.back_button = widgets.Button(description=_("Back"))
        self.next_button = widgets.Button(description=_("Next"))
        self.step_title = widgets.HTML()
        self.baseline_panel = widgets.HTML()
        self.method_panel = widgets.HTML()
        self.smart_panel = widgets.HTML()
        self.save_panel = widgets.HTML()
        self.summary_panel = widgets.HTML()
        self._links = {
            "metric": self.metric_control,
            "teams": self.team_control,
            "segments": self.segment_control,
            "channels": self.channel_control,
            "start": self.start_control,
            "end": self.end_control,
            "method": self.method_control,
            "blend_top_down": self.blend_method_control,
            "blend_weight": self.blend_weight_control,
            "name": self.name_control,
            "rationale": self.rationale_control,
            "business_objective": self.objective_control,
            "review_dates": self.reviews_control,
            "override_reason": self.override_control,
        }
        self.pages = widgets.Stack(
            [
                widgets.VBox(
                    [
                        self.metric_control,
                        widgets.HBox([self.team_control, self.segment_control, self.channel_control]),
                        widgets.HBox([self.start_control, self.end_control]),
                        widgets.HTML(html.escape(_("An empty selection means all of them."))),
                    ]
                ),
                widgets.VBox([self.baseline_panel]),
                widgets.VBox(
                    [
                        self.method_control,
                        self.growth_control,
                        self.stretch_control,
                        self.input_note,
                        self.market_box,
                        self.blend_method_control,
                        self.blend_weight_control,
                        self.method_panel,
                    ]
                ),
                widgets.VBox(
                    [
                        self.name_control,
                        self.rationale_control,
                        self.objective_control,
                        self.reviews_control,
                        self.smart_panel,
                    ]
                ),
                widgets.VBox(
                    [
                        self.override_control,
                        widgets.HBox([self.save_button, self.reload_button]),
                        self.save_panel,
                    ]
                ),
            ],
            selected_index=0,
        )
        for trait, control in (("growth", self.growth_control), ("stretch", self.stretch_control)):
            control.observe(lambda change, t=trait: self._percent_typed(t, change["new"]), "value")
        self.back_button.on_click(lambda _b: self.go(self.step - 1))
        self.next_button.on_click(lambda _b: self.go(self.step + 1))
        self.save_button.on_click(lambda _b: self.save())
        self.reload_button.on_click(lambda _b: self.reload())

    def _build_chart(self) -> None:
        x_scale, y_scale = OrdinalScale(), LinearScale(min=0.0)
        scales = {"x": x_scale, "y": y_scale}
        self.band = Lines(
            x=[], y=[[], []], scales=scales, fill="between", colors=[FORECAST_COLOUR, FORECAST_COLOUR],
            fill_colors=[FORECAST_COLOUR], fill_opacities=[0.2], stroke_width=0.5,
        )  # fmt: skip
        self.history_line = Lines(
            x=[], y=[], scales=scales, colors=[HISTORY_COLOUR], stroke_width=2.5,
            labels=[_("Actual")], display_legend=True,
        )  # fmt: skip
        self.forecast_line = Lines(
            x=[], y=[], scales=scales, colors=[FORECAST_COLOUR], line_style="dashed", stroke_width=2,
            labels=[_("Baseline forecast")], display_legend=True,
        )  # fmt: skip
        self.target_line = Lines(
            x=[], y=[], scales=scales, colors=[TARGET_COLOUR], stroke_width=2.5,
            labels=[_("Target")], display_legend=True,
        )  # fmt: skip
        self.chart = Figure(
            marks=[self.band, self.history_line, self.forecast_line, self.target_line],
            axes=[
                Axis(scale=x_scale, tick_rotate=-30),
                value_axis(y_scale),
            ],
            title=_("History, baseline and target by month"),
            legend_location="top-left",
            fig_margin={"top": 50, "bottom": 55, "left": 75, "right": 20},
            layout={"width": "100%", "height": "340px"},
            animation_duration=0,
        )

    def _default_reviews(self) -> str:
        """The first day of every third month after the start, inside the horizon."""
        start, end = _month(self.start), _month(self.end)
        return ", ".join(m.start_time.date().isoformat() for m in pd.period_range(start + 3, end, freq="3M"))

    # -- invariants -------------------------------------------------------------------------------------
    @validate("start", "end")
    def _known_month(self, proposal):
        if proposal["value"] not in self.months:
            raise SalesplanError(
                _("{value!r} is not a month the wizard can plan").format(value=proposal["value"])
            )
        return proposal["value"]

    @validate("stretch")
    def _stretch_within_limit(self, proposal):
        value, limit = float(proposal["value"]), self.settings.stretch_limit
        if value > limit:
            raise TraitError(
                _(
                    "A stretch of {stretch} is above the plan's limit of {limit}: type it in percent (6 for "
                    "6%; in Python a fraction, 0.06) within the limit, or raise goal.stretch_limit in plan.yaml."
                ).format(stretch=fmt_percent(value, self.locale), limit=fmt_percent(limit, self.locale))
            )
        return value

    @validate("growth")
    def _growth_above_minus_all(self, proposal):
        value = float(proposal["value"])
        if value <= -1:
            raise TraitError(
                _("A growth of {growth} would leave nothing to sell: type a percent above -100.").format(
                    growth=fmt_percent(value, self.locale)
                )
            )
        return value

    @observe("growth", "stretch")
    def _percent_shown(self, change) -> None:
        """The control shows the trait in percent (0.06 → 6), without echoing back into the trait."""
        control = self.growth_control if change["name"] == "growth" else self.stretch_control
        shown = round(change["new"] * 100, 8)
        if control.value != shown:
            self._echo = True
            try:
                control.value = shown
            finally:
                self._echo = False

    def _percent_typed(self, trait: str, percent: float) -> None:
        """A percent typed in a control: set the trait (a fraction), or say why not and show the value kept."""
        if getattr(self, "_echo", False):
            return
        try:
            setattr(self, trait, round(percent / 100, 10))
            self.input_note.value = ""
        except TraitError as exc:
            self.input_note.value = _message(str(exc), ok=False)
            self._echo = True
            try:
                getattr(self, f"{trait}_control").value = round(getattr(self, trait) * 100, 8)
            finally:
                self._echo = False

    @validate("blend_weight")
    def _weight_in_range(self, proposal):
        return min(1.0, max(0.0, float(proposal["value"])))

    @validate("teams", "segments", "channels")
    def _known_members(self, proposal):
        dim = {"teams": "team", "segments": "segment", "channels": "channel"}[proposal["trait"].name]
        unknown = [m for m in proposal["value"] if m not in self.choices[dim]]
        if unknown:
            raise TraitError(_("{names} is not in the sales data").format(names=", ".join(unknown)))
        return tuple(proposal["value"])

    # -- navigation -------------------------------------------------------------------------------------
    def go(self, step: int) -> None:
        """Show wizard step `step` (0-4; out-of-range steps stop at the first or last)."""
        self.step = min(len(step_titles()) - 1, max(0, step))

    @observe("step")
    def _show_step(self, change) -> None:
        self.pages.selected_index = self.step
        self.step_title.value = f"<h3>{html.escape(step_titles()[self.step])}</h3>"
        self.back_button.disabled = self.step == 0
        self.next_button.disabled = self.step == len(step_titles()) - 1
        if self.step == 1:
            self._show_baseline()

    # -- recomputation --------------------------------------------------------------------------------
    @observe("metric", "teams", "segments", "channels", "start", "end")
    def _scope_changed(self, change) -> None:
        if self._ready:
            self._saved_target = None
            self.refresh_forecast()

    @observe(
        "method", "growth", "stretch", "market", "blend_top_down", "blend_weight", "name", "rationale",
        "business_objective", "review_dates", "override_reason",
    )  # fmt: skip
    def _target_changed(self, change) -> None:
        if self._ready and not self._renaming:
            if change["name"] in ("method", "growth", "stretch", "market", "blend_top_down", "blend_weight"):
                self._saved_target = None
            self.refresh_target()

    def _horizon_periods(self) -> tuple[pd.Period, pd.Period]:
        """The horizon's first and last period at the plan's grain: the months themselves, or the first
        week of the start month and the last week of the end month (the calendar's)."""
        return (
            self.calendar.month_periods(_month(self.start))[0],
            self.calendar.month_periods(_month(self.end))[-1],
        )

    def scope(self) -> GoalScope:
        """The teams, segments and channels the goal covers, as the plan records them."""
        return GoalScope(teams=list(self.teams), segments=list(self.segments), channels=list(self.channels))

    def refresh_forecast(self) -> None:
        """Forecast the scope over the horizon (the slow step), then everything that follows from it."""
        set_locale(self.locale)
        try:
            first, last = self._horizon_periods()
            # the one year-end projection (model/projection.py): the reports and dashboards show this figure
            horizon = ProjectionHorizon(
                first, last, self.metric, self.settings.interval_level, self.scope().as_filter()
            )
            self.forecast = year_end_projection(
                self.cube, horizon, last_actual=self.last_actual, elapsed=self._gone
            ).forecast
            self.error = ""
        except SalesplanError as exc:
            self.forecast, self.error = None, str(exc)
        self._backtest = None
        self._build_market_inputs()
        self._move_history_and_forecast()
        if self.step == 1:
            self._show_baseline()
        self.refresh_target()

    def _proposal_for(self, method: str) -> tuple[TargetProposal | None, str]:
        forecast = self.forecast
        if method == GROWTH:
            return growth_target(forecast, self.growth), ""
        if method == STRETCH:
            return stretch_target(forecast, self.stretch), ""
        if method == MARKET_SHARE:
            markets = {
                seg: MarketInput(
                    size=float(m["size"]), growth=float(m.get("growth") or 0.0), share=m.get("share")
                )
                for seg, m in self.market.items()
                if m.get("size")
            }
            note = "" if markets else _("Enter a market size for at least one segment.")
            return market_share_target(forecast, markets), note
        commits = self.workbook.read_table("commits")
        if commits is None:
            return None, _(
                "No commits yet: import the reps' task sheets or a commits CSV (tables/commits.csv)."
            )
        reps = None
        if self.teams:
            reps = sorted(self.cube.loc[self.cube["team"].isin(self.teams), "rep"].astype(str).unique())
        bottom_up = bottom_up_target(forecast, commits, reps=reps)
        if method == BOTTOM_UP:
            return bottom_up, ""
        top_down, note = self._proposal_for(self.blend_top_down)
        return blend_target(forecast, top_down, bottom_up, self.blend_weight), note

    def refresh_target(self) -> None:
        """The target of the chosen method, its probability and the SMART verdicts (fast: no refit)."""
        set_locale(self.locale)
        note = ""
        self.proposal = None
        if self.forecast is not None:
            try:
                self.proposal, note = self._proposal_for(self.method)
            except SalesplanError as exc:
                note = str(exc)
        saved_note = ""
        if self.proposal is not None and self._saved_target is not None:
            fresh = self.proposal
            self.proposal = at_saved_total(fresh, self.forecast, self._saved_target)
            saved_note = _("Opened at the plan's saved target {saved}.").format(
                saved=self._figure(self._saved_target)
            )
            if abs(self._rounded(fresh.total) - self._saved_target) >= 1:
                saved_note += " " + _(
                    "With the data to {month}, {method} would now give {fresh}: change any input to "
                    "propose a new figure."
                ).format(
                    month=str(self.last_actual),
                    method=method_labels()[self.method].lower(),
                    fresh=self._figure(fresh.total),
                )
        if self.proposal is not None:
            self._follow_target(self._rounded(self.proposal.total))
        section = self.goal_section()
        p = self.proposal
        threshold_target = (
            target_for_probability(self.forecast, section.probability_threshold)
            if self.forecast is not None
            else None
        )
        self.smart = smart_check(
            section,
            self.cube,
            probability=p.probability if p else None,
            stretch=p.stretch if p else None,
            target_at_threshold=threshold_target,
        )
        _dates, bad_dates = _parse_dates(self.review_dates)
        self.result = {
            "method": self.method,
            "target": p.total if p else None,
            "baseline": self.forecast.total if self.forecast is not None else None,
            "interval": list(self.forecast.total_interval) if self.forecast is not None else None,
            "probability": p.probability if p else None,
            "stretch": p.stretch if p else None,
            "detail": dict(p.detail) if p else {},
            "note": note or self.error,
            "saved_target": self._saved_target is not None and p is not None,
            "saved_note": saved_note,
            "bad_review_dates": bad_dates,
            "smart": self.smart.as_dict(),
            "smart_passed": self.smart.passed,
            "can_save": p is not None and self.smart.can_save(self.override_reason),
        }
        self._move_target()
        self._show_method()
        self._show_smart()

    def _follow_target(self, target: float) -> None:
        """Rewrite the figure in the goal's name that states the previous target (model.goal.name_with_target)."""
        renamed = name_with_target(self.name, self._name_target, target)
        self._name_target = target
        if renamed != self.name:
            self._renaming = True
            try:
                self.name = renamed
            finally:
                self._renaming = False

    def backtest(self) -> Backtest | None:
        """The baseline's error over the last complete 12 months, for this scope (computed once per scope):
        a last period still being sold (`_gone` < 1) is not one of them, as the baseline is not fitted on it."""
        key = (self.metric, self.teams, self.segments, self.channels)
        if self._backtest is None or self._backtest_key != key:
            complete = self.last_actual - 1 if self._gone < 1 else self.last_actual
            try:
                self._backtest = backtest(self.cube, scope=self.scope().as_filter(), metric=self.metric,
                                          last_actual=complete)  # fmt: skip
            except SalesplanError:
                self._backtest = None
            self._backtest_key = key
        return self._backtest

    # -- the plan ------------------------------------------------------------------------------------
    def goal_section(self) -> GoalSection:
        """The plan's goal section as the wizard stands (thresholds and limits kept from the plan)."""
        dates, _bad = _parse_dates(self.review_dates)
        start, end = _month(self.start), _month(self.end)
        p = self.proposal
        data = self.settings.model_dump()
        data.update(
            name=self.name,
            metric=self.metric,
            scope=self.scope().model_dump(),
            start=start.start_time.date(),
            end=end.end_time.date(),
            review_dates=dates,
            method=self.method,
            growth=self.growth,
            stretch=self.stretch,
            market={k: MarketSetting(**v).model_dump() for k, v in self.market.items() if v.get("size")},
            blend_top_down=self.blend_top_down,
            blend_weight=self.blend_weight,
            target=self._rounded(p.total) if p else None,
            baseline=self._rounded(self.forecast.total) if self.forecast is not None else None,
            probability=round(p.probability, 4) if p else None,
            rationale=self.rationale,
            business_objective=self.business_objective,
            override_reason=self.override_reason,
        )
        return GoalSection.model_validate(data)

    def _rounded(self, value: float) -> float:
        """A figure as the plan records it: money to the currency's minor unit, counts to whole units."""
        return round(value, minor_unit(self.workbook.currency) if self.metric == "revenue" else 0)

    def save(self) -> bool:
        """Write the goal into the plan (atomic, version-checked); say what happened in `status`."""
        set_locale(self.locale)
        saved = False
        if self.proposal is None:
            self.status = _("Nothing saved: there is no target yet. {note}").format(
                note=self.result.get("note", "")
            )
        elif self.proposal.stretch > self.settings.stretch_limit:
            self.status = _(
                "Nothing saved: the target asks {stretch} over the baseline forecast, above the plan's limit of "
                "{limit}. Lower the method's inputs until it is within the limit, or raise goal.stretch_limit "
                "in plan.yaml."
            ).format(
                stretch=fmt_percent(self.proposal.stretch, self.locale, decimals=1),
                limit=fmt_percent(self.settings.stretch_limit, self.locale),
            )
        elif not self.smart.can_save(self.override_reason):
            failed = ", ".join(letter_names()[letter] for letter in self.smart.failed)
            self.status = _(
                "Nothing saved: the goal fails {checks}. Improve it, or write an override reason to save it anyway."
            ).format(checks=failed)
        else:
            try:
                if self.rolled_over:  # the year that is over is kept as it stood before its goal goes
                    keep_year(self.workbook, *self.previous_horizon)
                self.workbook.save(goal=self.goal_section())
                self.settings = self.workbook.plan.goal
                self.status = _("Saved the goal to {file}.").format(file=self.workbook.plan_file.path.name)
                saved = True
            except ConflictError:
                self.status = _(
                    "Nothing saved: someone changed the plan since you opened it. Press 'Reload the plan' "
                    "(your choices here stay), check their change, and save again."
                )
            except SalesplanError as exc:
                self.status = _("Nothing saved: {error}").format(error=str(exc))
        self.save_panel.value = _message(self.status, ok=saved)
        return saved

    def reload(self) -> None:
        """Read the plan again (after a conflict), keeping the wizard's choices."""
        self.workbook.reload()
        self.settings = self.workbook.plan.goal or GoalSection()
        self.status = _("Reloaded the plan; your choices are kept.")
        self.save_panel.value = _message(self.status, ok=True)
        self.refresh_target()

    # -- drawing -----------------------------------------------------------------------------------------
    def _build_market_inputs(self) -> None:
        segments = sorted(self.forecast.monthly["segment"].unique()) if self.forecast is not None else []
        rows = [widgets.HTML(html.escape(_("Market per segment: size over the same months last year, growth and "
                                           "share aimed for, in percent (0 keeps the current share).")))]  # fmt: skip
        for segment in segments:
            current = self.market.get(segment, {})
            size = widgets.FloatText(
                value=float(current.get("size") or 0.0),
                description=_("Size {segment}").format(segment=segment),
            )
            growth = widgets.FloatText(
                value=round(float(current.get("growth") or 0.0) * 100, 8),
                description=_("Growth (%)"),
                step=1.0,
            )
            share = widgets.BoundedFloatText(
                value=round(float(current.get("share") or 0.0) * 100, 8),
                min=0.0,
                max=100.0,
                description=_("Share (%)"),
                step=1.0,
            )
            for control in (size, growth, share):
                control.observe(
                    lambda _c, s=segment, a=size, g=growth, h=share: self._market_edited(s, a, g, h), "value"
                )
            rows.append(widgets.HBox([size, growth, share]))
        self.market_box.children = rows

    def _market_edited(self, segment, size, growth, share) -> None:
        # typed in percent, kept as fractions (as the plan keeps them)
        entry = {"size": size.value, "growth": growth.value / 100, "share": (share.value / 100) or None}
        self.market = {**self.market, segment: entry}

    def _move_history_and_forecast(self) -> None:
        if self.forecast is None:
            for mark in (self.history_line, self.forecast_line, self.target_line):
                with mark.hold_sync():
                    mark.x, mark.y = [], []
            with self.band.hold_sync():
                self.band.x, self.band.y = [], [[], []]
            return
        history = self.forecast.history_by_period()
        history = history[
            history["period"] > self.last_actual - self.calendar.periods_for_months(HISTORY_MONTHS)
        ]
        months = self.forecast.by_period()
        with self.history_line.hold_sync():
            self.history_line.x = period_labels(history["period"], self.locale)
            self.history_line.y = history["actual"].to_numpy(dtype=float)
        labels = period_labels(months["period"], self.locale)
        with self.forecast_line.hold_sync():
            self.forecast_line.x = labels
            self.forecast_line.y = months["forecast"].to_numpy(dtype=float)
        with self.band.hold_sync():
            self.band.x = labels
            self.band.y = [
                months["lower"].clip(lower=0).to_numpy(dtype=float),
                months["upper"].to_numpy(dtype=float),
            ]
        self._rescale()
        # the x scale's order: history months first, then the horizon's; a quarter's first month labelled
        domain = list(dict.fromkeys([*self.history_line.x, *labels]))
        self.chart.axes[0].scale.domain = domain
        thin_month_ticks(self.chart.axes[0], domain, anchor=labels[0] if labels else None)

    def _move_target(self) -> None:
        with self.target_line.hold_sync():
            if self.proposal is None:
                self.target_line.x, self.target_line.y = [], []
            else:
                months = self.proposal.by_period()
                self.target_line.x = period_labels(months["period"], self.locale)
                self.target_line.y = months["target"].to_numpy(dtype=float)
        self._rescale()

    def _rescale(self) -> None:
        """Round, locale-labelled value ticks reaching above every mark."""
        values = [*self.history_line.y, *self.band.y[1], *self.target_line.y] if len(self.band.y) else []
        set_value_ticks(self.chart.axes[1], values, self.locale)

    def _figure(self, value: float | None) -> str:
        if value is None:
            return "—"
        if self.metric == "revenue":
            return fmt_money(value, self.workbook.currency, self.locale, digits=False)
        return fmt_number(value, self.locale)

    def _show_baseline(self) -> None:
        if self.forecast is None:
            self.baseline_panel.value = _message(self.error, ok=False)
            return
        lower, upper = self.forecast.total_interval
        methods = self.forecast.methods
        reasons = "".join(
            f"<li>{html.escape(' × '.join(str(row[d]) for d in self.forecast.by))}: {html.escape(row['reason'])}</li>"
            for _i, row in methods.iterrows()
        )  # one line per fitted series (a handful), for the reader
        bt = self.backtest()
        accuracy = (
            _(
                "Backtest: forecasting {start} – {end} from the months before them missed by {mape} a month on average (MAPE)."
            ).format(start=str(bt.start), end=str(bt.end), mape=fmt_percent(bt.mape, self.locale, decimals=1))
            if bt is not None
            else _("Backtest: not enough history to forecast the last 12 months from the months before them.")
        )
        self.baseline_panel.value = (
            "<p>"
            + html.escape(
                _("Baseline {start} – {end}: {total} ({level} interval {lower} – {upper}).").format(
                    start=self.start,
                    end=self.end,
                    total=self._figure(self.forecast.total),
                    level=fmt_percent(self.forecast.level, self.locale),
                    lower=self._figure(lower),
                    upper=self._figure(upper),
                )
            )
            + "</p>"
            f"<p>{html.escape(accuracy)}</p><ul>{reasons}</ul>"
        )

    def _show_method(self) -> None:
        r = self.result
        visible = {
            self.growth_control: self.method == GROWTH
            or (self.method == BLEND and self.blend_top_down == GROWTH),
            self.stretch_control: self.method == STRETCH
            or (self.method == BLEND and self.blend_top_down == STRETCH),
            self.market_box: self.method == MARKET_SHARE
            or (self.method == BLEND and self.blend_top_down == MARKET_SHARE),
            self.blend_method_control: self.method == BLEND,
            self.blend_weight_control: self.method == BLEND,
        }
        for control, shown in visible.items():
            control.layout.display = None if shown else "none"
        lines = []
        if r.get("note"):
            lines.append(_message(r["note"], ok=False))
        if self.method == BLEND and "gap" in r["detail"]:
            d = r["detail"]
            lines.append(
                "<p>"
                + html.escape(
                    _("Top-down {top} against bottom-up {bottom}: a gap of {gap} ({share} of the commits).").format(
                        top=self._figure(d["top_down"]), bottom=self._figure(d["bottom_up"]),
                        gap=self._figure(d["gap"]), share=fmt_percent(d["gap_share"], self.locale, decimals=1),
                    )
                )
                + "</p>"
            )  # fmt: skip
        if MARKET_SHARE in (self.method, self.blend_top_down if self.method == BLEND else None):
            market_detail = (
                self.proposal.detail if self.proposal is not None and self.method == MARKET_SHARE else {}
            )
            for segment in sorted(self.market):
                if f"share_{segment}" in market_detail:
                    lines.append(
                        "<p>"
                        + html.escape(
                            _(
                                "Segment {segment}: a {share} share of a {market} market; your own trend holds {trend}."
                            ).format(
                                segment=segment,
                                share=fmt_percent(market_detail[f"share_{segment}"], self.locale, decimals=1),
                                market=self._figure(market_detail[f"market_{segment}"]),
                                trend=fmt_percent(
                                    market_detail[f"trend_share_{segment}"], self.locale, decimals=1
                                ),
                            )
                        )
                        + "</p>"
                    )
        self.method_panel.value = "".join(lines)
        self.summary_panel.value = self._summary_html()

    def _summary_html(self) -> str:
        r = self.result
        if r.get("target") is None:
            return _message(r.get("note") or _("No target yet."), ok=False)
        notice = message_box([r["saved_note"]]) if r.get("saved_note") else ""
        lower, upper = r["interval"]
        # the baseline is the one year-end projection (closed months at their actuals): same range as the pages
        baseline_range = _("{level} range {lower} – {upper}").format(
            level=fmt_percent(self.forecast.level, self.locale),
            lower=self._figure(lower),
            upper=self._figure(upper),
        )
        if r["stretch"] < 0:  # a target under the baseline reads as below it, never as a negative stretch
            versus = Card(_("Below the baseline"), fmt_percent(-r["stretch"], self.locale, decimals=1))
        else:
            versus = Card(_("Stretch over baseline"), fmt_percent(r["stretch"], self.locale, decimals=1))
        shown = cards(
            [
                Card(_("Target"), self._figure(r["target"])),
                Card(_("Baseline forecast"), self._figure(r["baseline"]), baseline_range),
                versus,
                Card(_("Chance at the current trend"), fmt_percent(r["probability"], self.locale)),
            ]
        )
        return f'<div class="salesplan-goal-summary">{notice}{static_sections(shown)}</div>'

    def _show_smart(self) -> None:
        rows = "".join(
            f"<tr><td><b>{html.escape(v.letter)}</b> {html.escape(v.name)}</td>"
            f"<td style='color:{'#2a7a3a' if v.passed else '#a33'}'>{'✔' if v.passed else '✘'}</td>"
            f"<td>{html.escape(v.sentence)}</td></tr>"
            for v in self.smart.verdicts
        )
        extra = ""
        if self.result.get("bad_review_dates"):
            extra = _message(
                _("These review dates are not dates (YYYY-MM-DD): {dates}").format(
                    dates=", ".join(self.result["bad_review_dates"])
                ),
                ok=False,
            )
        self.smart_panel.value = f'<table class="salesplan-smart">{rows}</table>{extra}'


def goal_panel(workbook: Workbook | str | Path, period: str | None = None) -> widgets.Widget:
    """The plan's goal for a read-only dashboard: target, forecast, chance and SMART verdicts as of `period`.

    A viewer never sees a traceback: a SalesplanError becomes a plain message.
    """
    from matplotlib import rc_context

    from salesplan_widgets.report.goal import GoalReport

    try:
        report = GoalReport.open(open_read_only(workbook), period)
        with rc_context({"axes.ymargin": PANEL_CHART_HEADROOM}):
            chart = report.chart()
        panel = widgets.HTML(static_sections(report.title(), report.headline(), chart, report.smart()))
    except SalesplanError as exc:
        panel = widgets.HTML(
            _message(_("The goal cannot be shown: {error}").format(error=str(exc)), ok=False)
        )
    panel.add_class("salesplan-goal-panel")
    return panel

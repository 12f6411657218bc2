"""The incentive calculator: design a commission plan, see what it pays and costs, and save it to the plan.

Bands sit in an editable table (each band's upper edge is the next band's start, so the table cannot
produce a gap); the payout curve (bqplot) compares the design with the saved plan; a rep's statement is
explained line by line; the estimator answers "if I close X more"; a seeded simulation compares both
designs on the same outcomes; the leaderboard and badges follow the plan's recognition rules. The cash rules
beside commission (draws and guarantees, holdbacks, clawbacks, manual lines) are summarised beside the bands
(`cash_rules_table`), their lines explained under the statement (`payment_table`: the ledger's record for a
closed month, what closing would pay for an open one), the estimator says what is paid when
(`payment_estimate`) and the simulation costs them from each rep's history. Every figure comes from
`model/`; this view holds traits (`section`, `statements`, `statement_table`, `estimate`,
`simulation_table`, `leaderboard_table`, `message`) so it can be driven and tested without a browser.
Saving goes through `Workbook.save` (atomic, version-checked); a conflict becomes a message. The design on
screen is paid on the pay cube it needs (`pay_cube_of`: one per `pay_cube_needs`, so an unsaved kicker or
split pays as it will once saved, and moving a rate reads nothing); the saved plan keeps its own. An open
widget follows its workbook: each redraw compares the plan file's stamp (`follow_plan`: plan.yaml saved
elsewhere), the data's (`Workbook.data_fingerprint`) and the ledger's (`ledger_stamp`) with those it
read, and reads again only what depends on the files that changed.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd
from bqplot import Axis, Bars, Figure, LinearScale, Lines, OrdinalScale
from pydantic import ValidationError
from traitlets import Any, Float, Instance, Unicode, observe

from salesplan_widgets.errors import ConflictError, SalesplanError
from salesplan_widgets.i18n import _, fmt_money, fmt_month, fmt_number, fmt_percent, minor_unit, set_locale
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.commission import payout
from salesplan_widgets.model.components import COMPONENTS, Explain
from salesplan_widgets.model.components.registry import component as registered
from salesplan_widgets.model.credit import needs_accounts
from salesplan_widgets.model.draws import draws_of
from salesplan_widgets.model.estimator import Estimate, estimate_earnings, estimate_payments, plan_cost
from salesplan_widgets.model.ledger import COMMISSION_KINDS, describe_cause, open_period_payments
from salesplan_widgets.model.recognition import (
    badges,
    leaderboard,
    monthly_attainment,
    needs_new_accounts,
    rep_metrics,
)
from salesplan_widgets.model.simulation import (
    MIN_LEAVER_MONTHS,
    MIN_LEAVER_REP_MONTHS,
    compare_designs,
    leaver_estimate,
    payout_cost,
    recent,
    rule_history,
    simulate_sales,
    window_so_far,
)
from salesplan_widgets.model.statements import Statements, payout_statements
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.widgets.charts import (
    html_table,
    message_box,
    page_heading,
    set_value_ticks,
    static_sections,
)
from salesplan_widgets.workbook import Workbook, open_read_only, open_workbook
from salesplan_widgets.workbook.atomic import files_stamp
from salesplan_widgets.workbook.payouts import (
    incentives_of,
    load_quotas,
    needs_products,
    pay_cube,
    pay_cube_needs,
)
from salesplan_widgets.workbook.plan import PLAN_FILE, PlanFile, builtin_message
from salesplan_widgets.workbook.plan_warnings import cliff_warnings
from salesplan_widgets.workbook.returns import deal_returns
from salesplan_widgets.workbook.versions import targets_stamp

CURVE_POINTS = np.linspace(0.0, 2.0, 81)  # attainment 0% to 200%
PERCENT = 100.0  # rates and attainments are typed and shown as percents: 5 means 5%


def _shown(fraction: float) -> float:
    """A fraction as the percent typed in a control (0.05 -> 5), without float noise."""
    return round(fraction * PERCENT, 9)


def _fraction(percent: float) -> float:
    return round(percent / PERCENT, 12)


SIM_DRAWS = 2_000
DESIGN_COLOUR, SAVED_COLOUR = "#2f6fae", "#e08a2c"


def _validation_messages(exc: ValidationError) -> list[str]:
    """Each broken rule with its key, in the workbook's language (pydantic's own checks translated too)."""
    return [f"{'.'.join(str(p) for p in e['loc'])}: {builtin_message(e)}".lstrip(": ") for e in exc.errors()]


def _no_quota_notice(month: pd.Period, periods: pd.Series) -> str:
    """Why a month's payouts are not shown: its quotas are missing, and which months have them."""
    name = fmt_month(month.year, month.month)
    if periods.empty:
        return _("No quotas for {month}: the targets table is empty, so attainment and payouts cannot be "
                 "worked out. Split the goal with the task splitter and save it.").format(month=name)  # fmt: skip
    first, last = periods.min(), periods.max()
    return _(
        "No quotas for {month}: the targets table covers {first} – {last}, so attainment and payouts cannot "
        "be worked out for this month. Pick a month in that range, or save a split that covers it."
    ).format(month=name, first=fmt_month(first.year, first.month), last=fmt_month(last.year, last.month))


def cash_rule_settings(
    section: IncentivesSection, manual: pd.DataFrame, period: str, money
) -> list[list[str]]:
    """The plan's draws, guarantees, holdback and clawback window, and the month's manual lines, in words."""
    rows = []
    for d in draws_of(section):  # own and role-plan draws
        window = f"{d.start} – {d.end}"
        if d.kind == "non_recoverable":
            text = _("{amount} a period, {window}; the top-up is not recovered")
        elif d.recovery_cap is None:
            text = _("{amount} a period, {window}; advances recovered from later commission, no cap")
        else:
            text = _("{amount} a period, {window}; advances recovered from later commission, at most {cap} a "
                     "period")  # fmt: skip
        name = _("Guarantee for {rep}") if d.kind == "non_recoverable" else _("Draw for {rep}")
        rows.append([name.format(rep=d.rep), text.format(amount=money(d.amount), window=window,
                                                         cap=money(d.recovery_cap or 0))])  # fmt: skip
    h = section.holdback
    if h is not None:
        release = _("fiscal quarter") if h.release == "quarter" else _("fiscal year")
        leaving = _("forfeited") if h.on_leaving == "forfeit" else _("paid out")
        rows.append([_("Holdback"), _("{share} of each period's commission held until the {release}'s end; "
                                      "on leaving it is {leaving}").format(
            share=fmt_percent(h.share, decimals=1), release=release, leaving=leaving)])  # fmt: skip
    if section.clawback is not None:
        rows.append([_("Clawback"), _("commission on a deal returned within {days} days of the sale is "
                                      "recovered").format(days=section.clawback.window_days)])  # fmt: skip
    entered = manual[manual["period"].astype(str) == str(period)] if len(manual) else manual
    if len(entered):
        rows.append([_("Manual lines"), _("{count} entered for {month}, total {amount}").format(
            count=len(entered), month=period, amount=money(float(entered["amount"].astype(float).sum())))])  # fmt: skip
    return rows


def simulation_part_labels() -> dict[str, str]:
    """The simulation's rule columns (medians per draw) as headed in the table."""
    return {
        "collections": _("Cash collected (median)"),
        "deal_kicker": _("Deal kicker (median)"),
        "new_logo": _("New logos (median)"),
        "team_override": _("Manager overrides (median)"),
        "result_carried": _("Negative result carried (median)"),
        "result_recovered": _("Carried result recovered (median)"),
        "clawback": _("Clawbacks (median)"),
        "deferred": _("Earned, paid at the period's end (median)"),
        "window_paid": _("Earlier months of the period paid (median)"),
        "guarantee": _("Guarantees (median)"),
        "advance": _("Draw advances (median)"),
        "recovery": _("Draw recovered (median)"),
        "held": _("Held until release (median)"),
        "released": _("Released (median)"),
        "forfeited": _("Forfeited by leavers (median)"),
        "written_off": _("Draw balance leavers take (median)"),
        "negative_carried": _("Negative total carried (median)"),
        "negative_recovery": _("Negative balance recovered (median)"),
        "negative_forgiven": _("Negative balance forgiven at year end (median)"),
        "paid_now": _("Paid now (median)"),
    }


def _measured_beyond_a_month(section: IncentivesSection) -> bool:
    """Whether anyone is measured beyond a month, by quarter, year or the year to date: by the section's
    rules or a role plan's version."""
    versions = [v for p in section.plans for v in p.versions]  # the workbook's few plans
    return any(x.measurement != "monthly" or x.cumulative for x in (section, *versions))


class BandRow(widgets.HBox):
    """One editable band, as typed: where it starts (percent of quota or money) and its rate in percent.

    Its end is the next band's start.
    """

    def __init__(self, at_least: float, rate: float, on_change, on_remove):
        self.at_least = widgets.FloatText(value=at_least, layout=widgets.Layout(width="110px"))
        self.until = widgets.Label(layout=widgets.Layout(width="90px"))
        self.rate = widgets.FloatText(value=rate, step=0.5, layout=widgets.Layout(width="110px"))
        self.remove = widgets.Button(description=_("Remove"), layout=widgets.Layout(width="80px"))
        self.at_least.observe(on_change, "value")
        self.rate.observe(on_change, "value")
        self.remove.on_click(lambda _b: on_remove(self))
        super().__init__([self.at_least, self.until, self.rate, self.remove])


class IncentiveCalculator(widgets.VBox):
    """Design, explain, estimate, simulate and save the workbook's incentive plan.

    Built from a workbook, optionally for a `period` (YYYY-MM) and a `rep`. `section` is the design (the
    plan's ``incentives:`` section), edited through the controls or `set_bands`; each change recomputes
    `statements` for every rep, the chosen rep's `statement_table`, the payout `curve_table` of the
    design against the saved plan, and the leaderboard and badges. `run_estimate` says what the rep earns
    by selling `extra` more, `simulate` compares both designs on the same draws (leavers at
    `leavers_per_year`, by default the history's rate), and `save` writes the design into the plan
    (version-checked) and returns whether it did; `message` says why not. Data changed on disk since it
    was read is read again at the next redraw (`follow_data`).
    """

    section = Instance(IncentivesSection, help="The plan being designed (valid; invalid edits are refused).")
    period = Unicode(help="Month the statements are for, YYYY-MM.")
    rep = Unicode(help="Rep whose statement and estimate are shown.")
    extra = Float(0.0, help="Extra sales for the estimator, on top of what is closed.")
    statements = Instance(Statements, allow_none=True, help="All reps' statements for the period.")
    statement_table = Instance(pd.DataFrame, allow_none=True, help="The rep's statement lines.")
    curve_table = Instance(pd.DataFrame, allow_none=True, help="Payout vs attainment, design and saved.")
    estimate = Any(None, help="The estimator's result (model.estimator.Estimate).")
    payment_estimate = Any(
        None, help="What is paid when with the extra sales (model.estimator.PaymentEstimate)."
    )
    cash_rules_table = Instance(pd.DataFrame, allow_none=True, help="The design's draw, holdback, clawback "
                                "and manual settings in words: rule, setting.")  # fmt: skip
    payment_table = Instance(pd.DataFrame, allow_none=True, help="The rep's payment lines for the month "
                             "(commission, clawback, holdback, draw, manual) with their explanation.")  # fmt: skip
    simulation_table = Instance(pd.DataFrame, allow_none=True, help="Both designs on the same draws.")
    leavers_per_year = Float(None, allow_none=True, min=0.0, max=1.0, help="Share of reps leaving per year in "
                             "the simulation (0.2: one in five); None: the rate the history gives.")  # fmt: skip
    leaderboard_table = Instance(pd.DataFrame, allow_none=True, help="The first leaderboard of the plan.")
    badge_table = Instance(pd.DataFrame, allow_none=True, help="Badges earned by the period.")
    message = Unicode("", help="The last validation, save or data message shown to the user.")

    def __init__(self, workbook: Workbook | str | Path, period: str | None = None, rep: str | None = None):
        self.workbook = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        self.locale, self.currency = self.workbook.locale, self.workbook.currency
        set_locale(self.locale)
        self.saved = incentives_of(self.workbook)
        # plan.yaml saved elsewhere (another analyst, a git pull) is read again at the next redraw
        self._plan_stamp = files_stamp(self.workbook.path / PLAN_FILE)
        self._plan_notice = ""  # the saved plan changed on disk under the analyst's unsaved edits
        # pay is measured by month: at a weekly grain, weeks count in the calendar's months
        self.calendar = FiscalCalendar.of(self.workbook.plan.calendar)
        self.fiscal_year_start = self.workbook.plan.calendar.fiscal_year_start
        # what the data gives (cube, quotas, months, reps, returns): read now, again when the data changes
        self._data_fingerprint: str | None = None
        self._data_unreadable = False  # the last attempt to read changed data failed (and says so)
        self._read_data()

        # -- plan controls (showing the saved plan: `_show_design`)
        c = self.saved.commission
        self.mode_control = widgets.ToggleButtons(
            description=_("Tiers"),
            options=[(_("Marginal"), "marginal"), (_("Retroactive"), "retroactive")],
        )
        self.basis_control = widgets.Dropdown(
            description=_("Bands on"),
            options=[(_("Attainment"), "attainment"), (_("Sales amount"), "amount")],
        )
        self.base_rate_control = widgets.FloatText(description=_("Base rate (%)"), step=0.5)
        self.threshold_control = widgets.FloatText(description=_("Threshold (%)"), step=5)
        self.cap_control = widgets.FloatText(description=_("Attainment cap (%)"), step=10)
        self.payout_cap_control = widgets.FloatText(description=_("Payout cap"), step=1_000)
        self.accelerator_from_control = widgets.FloatText(description=_("Accelerate from (%)"), step=10)
        self.accelerator_control = widgets.FloatText(description=_("Multiplier"), step=0.1)
        self.cumulative_control = widgets.Checkbox(description=_("Year to date with true-up"))
        self.band_rows = widgets.VBox()
        self.add_band_button = widgets.Button(description=_("Add band"))
        self.add_band_button.on_click(lambda _b: self.add_band())
        self.save_button = widgets.Button(description=_("Save to plan"), button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.message_panel = widgets.HTML()
        self.load_saved_button = widgets.Button(description=_("Load the saved plan"))
        self.load_saved_button.on_click(lambda _b: self.load_saved_plan())
        for control in (
            self.mode_control,
            self.basis_control,
            self.base_rate_control,
            self.threshold_control,
            self.cap_control,
            self.payout_cap_control,
            self.accelerator_from_control,
            self.accelerator_control,
            self.cumulative_control,
        ):
            control.observe(self._controls_changed, "value")

        # -- charts (built once; marks move)
        x, y = LinearScale(min=0.0, max=2.0), LinearScale(min=0.0)
        self.design_line = Lines(
            x=[], y=[], scales={"x": x, "y": y}, colors=[DESIGN_COLOUR], stroke_width=2.5
        )
        self.saved_line = Lines(
            x=[], y=[], scales={"x": x, "y": y}, colors=[SAVED_COLOUR], line_style="dashed", stroke_width=2
        )
        self.curve_figure = Figure(
            marks=[self.saved_line, self.design_line],
            axes=[
                Axis(scale=x, label=_("Attainment"), tick_format=".0%"),
                Axis(scale=y, side="left", label=_("Payout ({currency})").format(currency=self.currency),
                     label_offset="60px"),
            ],
            title=_("Payout vs attainment for a typical quota: design (solid), saved plan (dashed)"),
            fig_margin={"top": 50, "bottom": 50, "left": 80, "right": 20},
            layout={"width": "100%", "height": "300px"},
            animation_duration=0,
        )  # fmt: skip
        hx, hy = OrdinalScale(), LinearScale(min=0.0)
        self.attainment_bars = Bars(x=[], y=[], scales={"x": hx, "y": hy}, colors=[DESIGN_COLOUR])
        self.histogram_figure = Figure(
            marks=[self.attainment_bars],
            axes=[
                Axis(scale=hx, label=_("Attainment")),
                Axis(scale=hy, side="left", tick_format=".0%"),
            ],
            title=_("Simulated attainment next month (share of rep outcomes)"),
            layout={"width": "100%", "height": "260px"},
            animation_duration=0,
        )
        cx, cy = OrdinalScale(), LinearScale(min=0.0)
        self.cost_bars = Bars(
            x=[], y=[], scales={"x": cx, "y": cy}, colors=[DESIGN_COLOUR, SAVED_COLOUR], type="grouped"
        )
        self.cost_figure = Figure(
            marks=[self.cost_bars],
            axes=[
                Axis(scale=cx, label=_("Total payout")),
                Axis(scale=cy, side="left", tick_format=".0%"),
            ],
            title=_("Simulated payout cost: design (blue) and saved plan (orange)"),
            layout={"width": "100%", "height": "260px"},
            animation_duration=0,
        )

        # -- statement, estimator, simulation, leaderboard
        self.period_control = widgets.Dropdown(description=_("Month"), options=list(reversed(self.periods)))
        self.rep_control = widgets.Dropdown(description=_("Rep"), options=list(self.reps))
        self.summary_panel = widgets.HTML()
        self.statement_panel = widgets.HTML()
        self.payment_panel = widgets.HTML()
        self.cash_rules_panel = widgets.HTML()
        # ledger lines and manual lines: read when first used, again when the ledger's files change
        self._ledger_inputs: tuple | None = None
        self._ledger_stamp: tuple | None = None
        self.extra_control = widgets.FloatText(description=_("Close more"), value=0.0, step=10_000)
        self.estimate_button = widgets.Button(description=_("Estimate"))
        self.estimate_button.on_click(lambda _b: self.run_estimate())
        self.estimate_panel = widgets.HTML()
        self.simulate_button = widgets.Button(description=_("Simulate next month"))
        self.simulate_button.on_click(lambda _b: self.simulate())
        self.simulation_panel = widgets.HTML()
        # "what if 20% leave": the leavers' rate the simulation uses, by default the history's (shown)
        self.leavers_from_history_control = widgets.Checkbox(
            description=_("Leavers as in the history"), value=True
        )
        self.leaver_rate_control = widgets.BoundedFloatText(
            description=_("Leavers (% a year)"), min=0.0, max=PERCENT, step=5.0, disabled=True
        )
        self._showing_leavers = False  # the controls being set from the trait, not by the analyst
        self._simulated: tuple[int, int] | None = None  # the draws and seed of the last simulation
        self.leavers_from_history_control.observe(self._leaver_controls_changed, "value")
        self.leaver_rate_control.observe(self._leaver_controls_changed, "value")
        self.leaderboard_panel = widgets.HTML()
        widgets.link((self.period_control, "value"), (self, "period"))
        widgets.link((self.rep_control, "value"), (self, "rep"))
        widgets.link((self.extra_control, "value"), (self, "extra"))

        header = [self._from_header(c.tiers.basis), _("Below"), _("Rate (%)"), ""]
        band_header = widgets.HBox(
            [widgets.Label(h, layout=widgets.Layout(width=w)) for h, w in zip(header, ("110px", "90px", "110px", "80px"), strict=True)]
        )  # fmt: skip
        self.from_header = band_header.children[0]
        self.basis_control.observe(
            lambda change: setattr(self.from_header, "value", self._from_header(change["new"])), "value"
        )
        design = widgets.VBox(
            [
                widgets.HBox([self.mode_control, self.basis_control]),
                widgets.HBox([self.base_rate_control, self.threshold_control, self.cap_control]),
                widgets.HBox(
                    [self.payout_cap_control, self.accelerator_from_control, self.accelerator_control]
                ),
                self.cumulative_control,
                widgets.HTML("<b>" + html.escape(_("Bands")) + "</b>"),
                band_header,
                self.band_rows,
                widgets.HBox([self.add_band_button, self.save_button, self.load_saved_button]),
                self.cash_rules_panel,
            ]
        )
        tabs = widgets.Tab(
            children=[
                widgets.VBox([widgets.HBox([self.period_control, self.rep_control]), self.summary_panel,
                              self.statement_panel, self.payment_panel]),
                widgets.VBox([widgets.HBox([self.extra_control, self.estimate_button]), self.estimate_panel]),
                widgets.VBox([widgets.HBox([self.simulate_button, self.leavers_from_history_control,
                                            self.leaver_rate_control]),
                              self.simulation_panel, self.histogram_figure, self.cost_figure]),
                self.leaderboard_panel,
            ]
        )  # fmt: skip
        for i, title in enumerate([_("Statement"), _("Estimator"), _("Simulation"), _("Leaderboard")]):
            tabs.set_title(i, title)
        notices = (
            [_("No targets table yet: quotas are provisional (last year's sales plus growth).")]
            if self.provisional
            else []
        )
        if period is None and self.periods and self._default_month() is None:  # no month can be paid
            month = pd.Period(self.periods[-1], "M")
            notices.append(_no_quota_notice(month, self.quotas.loc[self.quotas["target"] > 0, "period"]))
        notice = message_box(notices) if notices else ""
        super().__init__(
            children=[
                widgets.HTML(page_heading(self.workbook.plan.name, _("Incentives"))),
                widgets.HTML(notice),
                self.message_panel,
                design,
                self.curve_figure,
                tabs,
            ],
            layout=widgets.Layout(max_width="1100px"),
        )
        self.add_class("salesplan-incentives")
        self._ready = False
        with self.hold_trait_notifications():
            self._show_design(self.saved)
            self.period = period or self._default_month() or self.periods[-1]
            self.rep = rep or self.reps[0]
        self._ready = True
        self._flag_cliffs(self.section)
        self.refresh()

    def _show_design(self, section: IncentivesSection) -> None:
        """The controls set to `section` (the saved plan, at first and when loaded again) and `section` made
        the design, without a redraw per control."""
        c = section.commission
        first = c.accelerators[0] if c.accelerators else None
        ready, self._ready = getattr(self, "_ready", False), False
        try:
            self.mode_control.value, self.basis_control.value = c.tiers.mode, c.tiers.basis
            self.base_rate_control.value = _shown(c.base_rate)
            self.threshold_control.value = _shown(c.threshold)
            self.cap_control.value = _shown(c.caps.attainment or 0.0)
            self.payout_cap_control.value = c.caps.payout or 0.0
            self.accelerator_from_control.value = _shown(first.at_least if first else 1.0)
            self.accelerator_control.value = first.multiplier if first else 1.0
            # One accelerator is edited here; a plan with several keeps them as written in plan.yaml.
            self.accelerator_from_control.disabled = self.accelerator_control.disabled = (
                len(c.accelerators) > 1
            )
            self.cumulative_control.value = section.cumulative
            self.band_rows.children = []
            for band in c.tiers.bands or []:
                self._append_band(self._edge_shown(band.at_least, c.tiers.basis), _shown(band.rate))
            self.section = section
        finally:
            self._ready = ready
        self._label_bands()

    # -- editing the design --------------------------------------------------------------------------
    @staticmethod
    def _from_header(basis: str) -> str:
        return _("From (% of quota)") if basis == "attainment" else _("From (amount)")

    @staticmethod
    def _edge_shown(edge: float, basis: str) -> float:
        """A band edge as typed: percent of quota on an attainment basis, money otherwise."""
        return _shown(edge) if basis == "attainment" else edge

    def _edge_value(self, typed: float) -> float:
        return _fraction(typed) if self.basis_control.value == "attainment" else typed

    def _append_band(self, at_least: float, rate: float) -> None:
        row = BandRow(at_least, rate, self._controls_changed, self.remove_band)
        self.band_rows.children = [*self.band_rows.children, row]

    def add_band(self) -> None:
        """A new band above the last one (50 points of attainment higher, same rate)."""
        rows = self.band_rows.children
        last = rows[-1] if rows else None
        step = 50.0 if self.basis_control.value == "attainment" else 100_000.0
        self._append_band(
            last.at_least.value + step if last else 0.0,
            last.rate.value if last else self.base_rate_control.value,
        )
        self._controls_changed()

    def remove_band(self, row: BandRow) -> None:
        """Remove one band row from the design (the rest keep their edges and rates)."""
        self.band_rows.children = [r for r in self.band_rows.children if r is not row]
        self._controls_changed()

    def set_bands(self, bands: list[tuple[float, float]]) -> None:
        """Replace the bands by (at_least, rate) pairs, as typed in the table: percents, so (100, 8) is a
        band from 100% of quota at 8% (from 100 of money on an amount basis)."""
        self._ready = False
        self.band_rows.children = []
        for at_least, rate in bands:
            self._append_band(at_least, rate)
        self._ready = True
        self._controls_changed()

    def _label_bands(self) -> None:
        rows = self.band_rows.children
        unit = "%" if self.basis_control.value == "attainment" else ""
        for row, nxt in zip(rows, [*rows[1:], None], strict=False):
            row.until.value = "∞" if nxt is None else f"{nxt.at_least.value:g}{unit}"

    def design_from_controls(self) -> IncentivesSection:
        """The plan the controls describe; raises ValidationError naming the broken rule."""
        rows = self.band_rows.children
        bands = [
            {"at_least": self._edge_value(r.at_least.value), "rate": _fraction(r.rate.value)}
            | ({"below": self._edge_value(nxt.at_least.value)} if nxt is not None else {})
            for r, nxt in zip(rows, [*rows[1:], None], strict=False)
        ]
        data = self.section.model_dump(exclude_none=True) if self.section else {}
        commission = data.setdefault("commission", {})
        commission["base_rate"] = _fraction(self.base_rate_control.value)
        commission["threshold"] = _fraction(self.threshold_control.value)
        commission.setdefault("caps", {})["attainment"] = _fraction(self.cap_control.value) or None
        commission["caps"]["payout"] = self.payout_cap_control.value or None
        if not self.accelerator_control.disabled:
            multiplier = self.accelerator_control.value
            commission["accelerators"] = (
                []
                if multiplier == 1
                else [{"at_least": _fraction(self.accelerator_from_control.value), "multiplier": multiplier}]
            )
        commission["tiers"] = {"mode": self.mode_control.value, "basis": self.basis_control.value}
        if bands:  # no band rows: the base rate on all sales
            commission["tiers"]["bands"] = bands
        data["cumulative"] = self.cumulative_control.value
        return IncentivesSection.model_validate(data)

    def _controls_changed(self, change=None) -> None:
        if not getattr(self, "_ready", False):
            return
        self._label_bands()
        try:
            design = self.design_from_controls()
        except ValidationError as exc:
            self.message = "\n".join(_validation_messages(exc))
            self.message_panel.value = message_box(self.message.split("\n"), kind="error")
            return
        self._flag_cliffs(design)
        self.section = design

    def _flag_cliffs(self, design: IncentivesSection) -> None:
        """A valid plan can still pay less for selling more: flagged with the fix, not refused (after the
        notice that the saved plan changed on disk under unsaved edits, which stays until they are saved or
        dropped)."""
        notices = [self._plan_notice] if self._plan_notice else []
        notices += [f"{p.expected}. {p.fix}" for p in cliff_warnings(design)]
        self.message = "\n".join(notices)
        self.message_panel.value = message_box(notices, kind="notice") if notices else ""

    @observe("section", "period")
    def _design_or_period_changed(self, change) -> None:
        if getattr(self, "_ready", False):
            self.refresh()

    @observe("rep")
    def _rep_changed(self, change) -> None:
        if getattr(self, "_ready", False) and self.statements is not None:
            if self._inputs_changed():
                self.refresh()  # the new data for every rep, then this one's statement
            else:
                self._show_statement()

    # -- the plan file: read again when it is saved elsewhere ----------------------------------------
    def _plan_changed(self) -> bool:
        return files_stamp(self.workbook.path / PLAN_FILE) != self._plan_stamp

    def follow_plan(self) -> bool:
        """Read plan.yaml again if it changed on disk since it was read (saved by another analyst in
        JupyterLab or another widget, or brought by a `git pull`): the saved plan's curve and simulation
        follow it; the controls show it too unless the design holds unsaved edits, which are kept under a
        notice (their save is then refused by the version check, see `load_saved_plan`). A stat when
        nothing changed. Returns whether the saved plan changed; a plan that does not load raises PlanError
        and the plan read before stays."""
        path = self.workbook.path / PLAN_FILE
        stamp = files_stamp(path)  # before reading: a change meanwhile is seen next time
        if stamp == self._plan_stamp:
            return False
        on_disk = PlanFile.read(path)
        self._plan_stamp = stamp
        if on_disk.version == self.workbook.version:  # touched, saved here, or put back as it was read
            if not self._plan_notice:
                return False
            self.saved, self._plan_notice = incentives_of(self.workbook), ""  # the edits' save is safe again
        elif self.section != self.saved:  # unsaved edits: kept, the saved plan beside them
            self.saved = on_disk.plan.incentives or IncentivesSection()
            self._plan_notice = _(
                "The saved plan changed on disk (saved elsewhere) since this calculator read it: the saved "
                "plan's curve and columns show it now, and your unsaved edits are kept. Saving them would "
                "overwrite the other change, so it is refused: use “Load the saved plan”, then re-apply "
                "your edits and save."
            )
        else:
            self.workbook.reload()
            set_locale(self.locale)
            self.saved = incentives_of(self.workbook)
            self._show_design(self.saved)
        self._flag_cliffs(self.section)
        return True

    def load_saved_plan(self) -> None:
        """Put the plan as saved on disk in the controls, dropping the design's unsaved edits: after a save
        refused because the plan changed on disk, re-apply the edits to it and save again."""
        path = self.workbook.path / PLAN_FILE
        stamp = files_stamp(path)
        try:
            self.workbook.reload()
        except SalesplanError as exc:
            self.message = str(exc)
            self.message_panel.value = message_box(self.message.split("\n"), kind="error")
            return
        finally:
            set_locale(self.locale)
        self._plan_stamp, self._plan_notice = stamp, ""
        self.saved = incentives_of(self.workbook)
        self._show_design(self.saved)
        self._flag_cliffs(self.section)
        self.refresh()

    # -- the data: read again when its files change ---------------------------------------------------
    def _data_changed(self) -> bool:
        """The data files changed since they were read."""
        return self.workbook.data_fingerprint() != self._data_fingerprint

    def _targets_changed(self) -> bool:
        return targets_stamp(self.workbook) != self._targets_stamp

    def _inputs_changed(self) -> bool:
        return self._plan_changed() or self._data_changed() or self._targets_changed()

    def _read_quotas(self) -> None:
        """The quotas in force (a split or re-plan saved elsewhere included; provisional ones come from
        the sales)."""
        stamp = targets_stamp(self.workbook)  # before reading: a change meanwhile is seen next time
        quotas = load_quotas(self.workbook, allow_provisional=True)
        self.quotas, self.provisional = self.calendar.in_months(quotas.table), quotas.provisional
        self._targets_stamp = stamp

    def _read_data(self) -> None:
        """Read what the data sources give: the saved plan's pay cube, the quotas, the months and reps it
        holds; a design's cube, the deals' returns and won accounts are read again when next used. All or
        nothing: a source that fails to read leaves the figures as they were."""
        fingerprint = self.workbook.data_fingerprint()  # before reading: a change meanwhile is seen next time
        # the cube the plan is paid on: account and deal splits, cash collected, per-deal facts (issue 12)
        cube = self.calendar.in_months(pay_cube(self.workbook, self.saved))
        self._read_quotas()
        # one pay cube per need of a section (`pay_cube_needs`): the design's and the saved plan's
        self._pay_cubes = {pay_cube_needs(self.saved): cube}
        self._returns_by: dict[tuple, pd.DataFrame | None] = {}  # the deals' returns, per need, when used
        self.cube = cube  # the design's (`refresh`)
        self.periods = tuple(str(p) for p in sorted(cube["period"].unique()))
        self.reps = tuple(sorted(cube["rep"].unique()))
        self._new_accounts: pd.DataFrame | None = None  # accounts won per period and rep, read when used
        self._data_fingerprint = fingerprint

    def pay_cube_of(self, section: IncentivesSection) -> pd.DataFrame:
        """The cube `section` is paid on, read for this data only when no section with the same needs
        (products, splits, margin, cash, deal edges, clawback, winner) was read: a design that only moves
        rates, bands or caps reads nothing; one that adds a kicker reads its deal facts (from the
        workbook's cache when another process counted them)."""
        needs = pay_cube_needs(section)
        if needs not in self._pay_cubes:
            held = {pay_cube_needs(self.saved), pay_cube_needs(self.section)}  # older designs' cubes go
            self._pay_cubes = {k: v for k, v in self._pay_cubes.items() if k in held}
            self._pay_cubes[needs] = self.calendar.in_months(pay_cube(self.workbook, section))
        return self._pay_cubes[needs]

    def _returns_of(self, section: IncentivesSection) -> pd.DataFrame | None:
        """The deals' returns `section`'s clawback recovers (None without one), read once per need."""
        winner = section.account_winner
        accounts, deals = needs_accounts(section)  # what the returns depend on beyond the data, as there
        needs = (section.clawback is not None, needs_products(section), *map(tuple, (accounts, deals)),
                 winner.months if winner is not None else 0)  # fmt: skip
        if needs not in self._returns_by:
            self._returns_by[needs] = (
                deal_returns(self.workbook, section, needs_products(section)) if section.clawback else None
            )
        return self._returns_by[needs]

    def follow_data(self) -> bool:
        """Read the data again if its files changed since it was read (another month of sales dropped in by
        the analyst or a scheduler, a new receipts file), so the open widget shows it at the next redraw;
        the month and rep pickers then offer the new months and reps. The quotas again when only the
        targets changed (a split or re-plan saved elsewhere). A stat per file when nothing changed.
        Returns whether it read; a source that fails to read raises and keeps the old figures."""
        if self._data_changed():
            self._read_data()
        elif self._targets_changed():  # the targets only: the sales, the cube and the months stay
            self._read_quotas()
            return True
        else:
            return False
        ready, self._ready = self._ready, False  # the pickers' new options are not a change of month or rep
        try:
            period, rep = self.period, self.rep
            self.period_control.options = list(reversed(self.periods))
            self.rep_control.options = list(self.reps)
            self.period_control.value = period if period in self.periods else (
                self._default_month() or self.periods[-1])  # fmt: skip
            self.rep_control.value = rep if rep in self.reps else self.reps[0]
        finally:
            self._ready = ready
        return True

    def _default_month(self) -> str | None:
        """The latest month with sales that also has quotas: the one a statement can be worked out for
        (a month without quotas would show quota 0 and a payout curve for a quota of 1)."""
        with_quotas = set(self.quotas.loc[self.quotas["target"] > 0, "period"].astype(str))
        return next((p for p in reversed(self.periods) if p in with_quotas), None)

    # -- figures --------------------------------------------------------------------------------------
    def _typical_quota(self) -> float:
        month = self.quotas[self.quotas["period"] == pd.Period(self.period, "M")]["target"]
        return float(month.median()) if len(month) else 1.0

    def refresh(self) -> None:
        """Recompute statements, curve and leaderboard for the design and period; move the marks. Data
        changed since the last redraw (a new month of sales, another receipts file) is read first."""
        set_locale(self.locale)
        try:
            self.follow_plan()
        except SalesplanError as exc:
            self._unreadable(_("plan.yaml changed on disk but cannot be read; the calculator keeps the plan "
                               "it read before."), exc)  # fmt: skip
            return
        try:
            self.follow_data()
        except SalesplanError as exc:
            self._unreadable(_("The data changed but cannot be read; the figures shown are from before the "
                               "change."), exc)  # fmt: skip
            return
        if self._data_unreadable:  # readable again: its message goes
            self._data_unreadable = False
            self._flag_cliffs(self.section)
        try:
            self.cube = self.pay_cube_of(self.section)  # the design's: its kicker, splits, cash …
            self.statements = payout_statements(
                self.section, self.cube, self.quotas, self.period, self.currency, self.fiscal_year_start
            )
        except SalesplanError as exc:
            self.message = str(exc)
            self.message_panel.value = message_box([self.message], kind="error")
            return
        quota = self._typical_quota()
        design = payout(self.section, CURVE_POINTS * quota, np.full_like(CURVE_POINTS, quota))
        saved = payout(self.saved, CURVE_POINTS * quota, np.full_like(CURVE_POINTS, quota))
        self.curve_table = pd.DataFrame({"attainment": CURVE_POINTS, "design": design, "saved": saved})
        with self.design_line.hold_sync():
            self.design_line.x, self.design_line.y = CURVE_POINTS, design
        with self.saved_line.hold_sync():
            self.saved_line.x, self.saved_line.y = CURVE_POINTS, saved
        set_value_ticks(self.curve_figure.axes[1], [*design, *saved], self.locale)
        self._show_leaver_rate()
        self._show_summary()
        self._show_cash_rules()
        self._show_statement()
        self._show_leaderboard()

    def _unreadable(self, what: str, exc: SalesplanError) -> None:
        """A file changed on disk and cannot be read: the located error; the figures stay as they were."""
        self._data_unreadable = True
        self.message = "\n".join([what, str(exc)])
        self.message_panel.value = message_box(self.message.split("\n"), kind="error")

    def _money(self, value: float) -> str:
        return fmt_money(value, self.currency, self.locale)

    def _show_summary(self) -> None:
        cost = plan_cost(self.statements)
        share = cost.cost_of_sales
        items = [
            (_("Payouts"), self._money(cost.payout)),
            (_("Non-cash rewards"), self._money(cost.non_cash)),
            (_("Cost of sales"), "—" if share is None else fmt_percent(share, self.locale, decimals=2)),
        ]
        self.summary_panel.value = " · ".join(f"<b>{html.escape(k)}</b> {html.escape(v)}" for k, v in items)

    def explain(self, line: pd.Series) -> str:
        """One line in words: what it is for and how its amount comes about."""
        component = str(line["component"])
        amount, base, rate = line["amount"], line["base"], line["rate"]
        if component in COMPONENTS or component == "decelerator":  # a rule: its component says it in words
            fmt = Explain(money=self._money, percent=lambda v: fmt_percent(v, self.locale, decimals=2))
            return registered(component).explain(line, fmt)
        if component == "relief":
            return _("quota {quota} × {share} of the days").format(
                quota=self._money(base), share=fmt_percent(rate, self.locale, decimals=1)
            )
        if component == "true_up" and self.section.cumulative:
            return _("already paid this year: {paid}").format(paid=self._money(base))
        if component == "true_up":
            return _("negative balance left from earlier periods: {amount}").format(
                amount=self._money(amount)
            )
        if component == "carry_forward":
            return _("a negative result of {amount} is carried forward, not paid back").format(
                amount=self._money(base)
            )
        return _("adjustment of {amount}").format(amount=self._money(amount))

    @staticmethod
    def _rule(line: pd.Series) -> str:
        """The line's rule, after its role plan's name when the rep is on one."""
        plan = str(line.get("plan", "") or "")
        return f"{plan}: {line['rule']}" if plan else str(line["rule"])

    def _show_statement(self) -> None:
        lines = self.statements.statement(self.rep, self.period)
        self.statement_table = lines
        rep = self.statements.reps[self.statements.reps["rep"] == self.rep]
        rows = [
            [self._rule(line), self.explain(line), self._money(line["amount"])]
            for _i, line in lines.iterrows()
        ]  # one rep's dozen lines, for display
        total = float(rep["payout"].sum())
        rows.append([_("Payout"), "", self._money(total)])
        head = ""
        if len(rep):
            r = rep.iloc[0]
            head = _("{rep}: sales {sales}, quota {quota}, attainment {attainment}").format(
                rep=self.rep,
                sales=self._money(r["sales"]),
                quota=self._money(r["quota"]),
                attainment=fmt_percent(r["attainment"], self.locale, decimals=1),
            )
        self.statement_panel.value = f"<p>{html.escape(head)}</p>" + html_table(
            [_("Rule"), _("How"), _("Amount")], rows, numeric={2}
        )
        self._show_payments()

    # -- cash beside commission: draws, holdbacks, clawbacks, manual lines ------------------------------
    def _cash_rules_apply(self) -> bool:
        s = self.section
        return bool(draws_of(s) or s.holdback or s.clawback) or bool(len(self._ledger()[2]))

    def _ledger(
        self, section: IncentivesSection | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
        """The ledger's lines, the deals' returns `section`'s clawback recovers (by default the design's)
        and the manual adjustments entered: read when first used, the ledger again whenever its files
        changed since (a close or a manual line made elsewhere, by the CLI or another analyst, shows at the
        next redraw without a new widget; a stat per call), the returns again when the sales changed
        (`follow_data`)."""
        from salesplan_widgets.workbook.ledger import ledger_stamp

        stamp = ledger_stamp(self.workbook)
        if self._ledger_inputs is None or stamp != self._ledger_stamp:
            from salesplan_widgets.workbook.adjustments import read_adjustments
            from salesplan_widgets.workbook.ledger import read_ledger

            self._ledger_inputs = (read_ledger(self.workbook).lines, read_adjustments(self.workbook))
            self._ledger_stamp = stamp
        lines, manual = self._ledger_inputs
        return lines, self._returns_of(section or self.section), manual

    def _closed(self) -> bool:
        ledger = self._ledger()[0]
        return bool(len(ledger)) and pd.Period(self.period, "M") in set(ledger["for_period"])

    def _show_cash_rules(self) -> None:
        """The design's draw, holdback and clawback settings and the month's manual lines, in words."""
        rows = cash_rule_settings(self.section, self._ledger()[2], self.period, self._money)
        self.cash_rules_table = pd.DataFrame(rows, columns=["rule", "setting"])
        body = html_table([_("Rule"), _("Setting")], rows) if rows else html.escape(
            _("No draws, guarantees, holdbacks, clawbacks or manual lines in this plan."))  # fmt: skip
        self.cash_rules_panel.value = "<b>" + html.escape(_("Cash beside commission")) + "</b>" + body

    def _payment_lines(self) -> pd.DataFrame:
        """The month's payment lines of every rep: the ledger's record when the month is closed, else what
        closing it under the design would pay."""
        ledger, returns, manual = self._ledger()
        period = pd.Period(self.period, "M")
        if self._closed():
            return ledger[ledger["period"] == period]
        payments, _statements = open_period_payments(
            self.section, self.cube, self.quotas, ledger, period, "", self.currency, self.fiscal_year_start,
            returns, manual,
        )  # fmt: skip
        return payments.lines

    def _show_payments(self) -> None:
        if not self._cash_rules_apply():
            self.payment_table, self.payment_panel.value = None, ""
            return
        try:
            lines = self._payment_lines()
        except SalesplanError as exc:
            self.payment_table, self.payment_panel.value = None, message_box([str(exc)])
            return
        mine = lines[lines["rep"].astype(str) == str(self.rep)]
        scale = 10 ** minor_unit(self.currency)
        table = pd.DataFrame(
            {
                "kind": mine["kind"].astype(str),
                "rule": mine["rule"].astype(str),
                "base": mine["base"].astype(float),
                "rate": mine["rate"].astype(float),
                "reference": mine["reference"].astype(float),
                "amount": mine["amount_minor"].to_numpy(dtype=float) / scale,
                "cause": mine["cause"].astype(str),
                "note": mine["note"].astype(str) if "note" in mine else "",
                "approver": mine["approver"].astype(str) if "approver" in mine else "",
            }
        ).reset_index(drop=True)
        commission = table["kind"].isin(COMMISSION_KINDS) & (table["cause"] == "")
        own = pd.DataFrame([{"kind": "payment", "rule": _("Commission (the statement above)"),
                             "amount": float(table.loc[commission, "amount"].sum())}])  # fmt: skip
        table = pd.concat([own, table[~commission]], ignore_index=True)
        table["explanation"] = [
            self.explain_payment(line) for _i, line in table.iterrows()
        ]  # a rep's few lines
        self.payment_table = table
        title = _("Paid for {month} (recorded in the ledger)") if self._closed() else _(
            "Paid for {month} if it closed now")  # fmt: skip
        rows = [
            [line["rule"], line["explanation"], self._money(line["amount"])] for _i, line in table.iterrows()
        ]
        rows.append([_("Paid this period"), "", self._money(float(table["amount"].sum()))])
        self.payment_panel.value = f"<h4>{html.escape(title.format(month=self.period))}</h4>" + html_table(
            [_("Rule"), _("How"), _("Amount")], rows, numeric={2}
        )

    def explain_payment(self, line: pd.Series) -> str:
        """A payment line in words: why cash moves beside the commission, and the balance it leaves."""
        kind, money = str(line["kind"]), self._money
        pct = lambda v: fmt_percent(v, self.locale, decimals=2)  # noqa: E731
        base, amount, reference = line.get("base"), line["amount"], line.get("reference")
        if kind == "payment":
            return _("what the plan's lines above earn")
        if kind == "adjustment":
            return _("prior-period adjustment: {cause}").format(cause=describe_cause(line["cause"]))
        if kind == "holdback":
            return _("{share} of {base} held back, paid at the quarter or year end; held now {held}").format(
                share=pct(line["rate"]), base=money(base), held=money(reference)
            )
        if kind == "holdback_release":
            return _("{base} held back earlier, released now").format(base=money(base))
        if kind == "holdback_forfeit":
            return _("{base} held back is forfeited on leaving").format(base=money(base))
        if kind == "draw":
            return _(
                "paid so far {base}, below the draw: {amount} advanced; draw balance now {balance}"
            ).format(base=money(base), amount=money(amount), balance=money(reference))
        if kind == "guarantee":
            return _("paid so far {base}, below the guarantee: topped up by {amount}, not recovered").format(
                base=money(base), amount=money(amount)
            )
        if kind == "draw_recovery":
            return _("{amount} of the draw balance recovered from {base}; draw balance now {balance}").format(
                amount=money(-amount), base=money(base), balance=money(reference)
            )
        if kind == "clawback":
            return _("returned {base} × rate paid {rate} = {amount}").format(
                base=money(base), rate=pct(line["rate"]), amount=money(amount)
            )
        if kind == "manual":
            return _("{reason}, approved by {approver}").format(
                reason=line["note"], approver=line["approver"]
            )
        if kind == "negative_carried":
            return _("the period's lines add up to {base}: paid 0, negative balance now {balance}").format(
                base=money(base), balance=money(reference)
            )
        if kind == "negative_recovery":
            return _(
                "{amount} of the negative balance recovered from {base}; negative balance now {balance}"
            ).format(amount=money(-amount), base=money(base), balance=money(reference))
        return _("adjustment of {amount}").format(amount=money(amount))

    def _show_leaderboard(self) -> None:
        boards = self.section.recognition.leaderboards
        if needs_new_accounts(boards) and self._new_accounts is None:
            won = self.workbook.new_accounts()  # read once, only when a board ranks on it
            self._new_accounts = self.calendar.in_months(won) if won is not None else None
        metrics = rep_metrics(self.cube, self.quotas, self.period, self.fiscal_year_start, self._new_accounts)
        pays = self.statements.reps.assign(rep=self.statements.reps["rep"].astype(str))
        pays = pays.groupby("rep", as_index=False)["payout"].sum()  # a rep on two role plans: one row
        metrics = metrics.merge(pays, on="rep", how="left")
        parts = []
        tables = []
        for board in self.section.recognition.leaderboards:
            if board.metric not in metrics.columns:
                parts.append(message_box([_("Leaderboard {name}: no metric '{metric}' in the data").format(
                    name=board.name, metric=board.metric)]))  # fmt: skip
                continue
            table = leaderboard(metrics, board)
            tables.append(table)
            value = (lambda v: fmt_percent(v, self.locale, decimals=1)) if board.metric in (
                "attainment", "ytd_attainment", "growth") else (lambda v: fmt_number(v, self.locale))  # fmt: skip
            rows = [[str(r["rank"]), r["rep"], r["team"], value(r["value"])] for _i, r in table.iterrows()]
            parts.append(f"<h4>{html.escape(board.name)}</h4>" + html_table(
                [_("Rank"), _("Rep"), _("Team"), _("Value")], rows, numeric={0, 3}))  # fmt: skip
        self.leaderboard_table = tables[0] if tables else None
        history = monthly_attainment(self.cube, self.quotas, self.period, self.fiscal_year_start)
        self.badge_table = badges(history, self.section.recognition.badges, self.period)
        if len(self.badge_table):
            won = self.badge_table.groupby("badge")["rep"].apply(lambda reps: ", ".join(map(str, reps)))
            parts.append("<h4>" + html.escape(_("Badges")) + "</h4>" + html_table(
                [_("Badge"), _("Reps")], [[b, r] for b, r in won.items()]))  # fmt: skip
        self.leaderboard_panel.value = "".join(parts)

    # -- estimator and simulation ---------------------------------------------------------------------
    def _design_readable(self, panel: widgets.HTML) -> bool:
        """Whether the design's pay cube can be read (a design paying on cash needs a receipts source …);
        if not, the located error is shown in `panel` and the message, not raised."""
        try:
            self.cube = self.pay_cube_of(self.section)
        except SalesplanError as exc:
            self.message = str(exc)
            panel.value = message_box(self.message.split("\n"), kind="error")
            return False
        return True

    def run_estimate(self) -> Estimate | None:
        """What the rep earns if they close `extra` more this period, line by line (on the data as it is now:
        changed data redraws the statement first); None, with the message, when the design's data cannot
        be read."""
        if self._inputs_changed():
            self.refresh()
        if not self._design_readable(self.estimate_panel):
            self.estimate = self.payment_estimate = None
            return None
        self.estimate = estimate_earnings(
            self.section, self.cube, self.quotas, self.period, self.rep, self.extra,
            currency=self.currency, fiscal_year_start=self.fiscal_year_start,
        )  # fmt: skip
        e = self.estimate
        rows = [[r["rule"], self._money(r["now"]), self._money(r["then"]), self._money(r["increment"])]
                for _i, r in e.lines.iterrows() if r["increment"] != 0]  # fmt: skip
        text = _("If {rep} closes {extra} more, the payout goes from {now} to {then} ({increment} more).").format(
            rep=e.rep, extra=self._money(e.extra), now=self._money(e.payout_now), then=self._money(e.payout_then),
            increment=self._money(e.increment),
        )  # fmt: skip
        panel = f"<p>{html.escape(text)}</p>" + html_table(
            [_("Rule"), _("Now"), _("Then"), _("Difference")], rows, numeric={1, 2, 3}
        )
        self.payment_estimate = None
        if self._cash_rules_apply() and not self._closed():
            panel += self._estimate_payments()
        self.estimate_panel.value = panel
        return e

    def _estimate_payments(self) -> str:
        """What the extra sales change in this month's pay and later: holdback, draw, guarantee lines."""
        ledger, returns, manual = self._ledger()
        p = self.payment_estimate = estimate_payments(
            self.section, self.cube, self.quotas, ledger, self.period, self.rep, self.extra, self.currency,
            self.fiscal_year_start, returns, manual,
        )  # fmt: skip
        m = self._money
        parts = [_("Earned: {now} → {then}. Paid this period: {paid_now} → {paid_then}.").format(
            now=m(p.earned_now), then=m(p.earned_then), paid_now=m(p.paid_now), paid_then=m(p.paid_then))]  # fmt: skip
        if p.release_period is not None:
            parts.append(_("Held back until {month}: {now} → {then}.").format(
                month=p.release_period, now=m(p.held_now), then=m(p.held_then)))  # fmt: skip
        if draws_of(self.section):
            parts.append(_("Draw balance still to recover: {now} → {then}.").format(
                now=m(p.draw_balance_now), then=m(p.draw_balance_then)))  # fmt: skip
        rows = [[r["rule"], m(r["now"]), m(r["then"]), m(r["increment"])]
                for _i, r in p.lines.iterrows() if r["kind"] not in COMMISSION_KINDS or r["increment"] != 0]  # fmt: skip
        return ("<h4>" + html.escape(_("Paid when")) + f"</h4><p>{html.escape(' '.join(parts))}</p>"
                + html_table([_("Rule"), _("Now"), _("Then"), _("Difference")], rows, numeric={1, 2, 3}))  # fmt: skip

    def _simulation_history(self, section: IncentivesSection | None = None) -> pd.DataFrame:
        """`section`'s pay cube (by default the design's) up to the month: what the simulation of the next
        month draws from and what its rules are read off."""
        cube = self.cube if section is None else self.pay_cube_of(section)
        return cube[cube["period"] <= pd.Period(self.period, "M")]

    def history_leaver_rate(self) -> float:
        """The share of reps leaving per year that the history gives: the design's relief dates over the
        simulation's history window (`leaver_estimate`, as `rule_history` works it out; 0 where the history
        is too short to say). The default."""
        return self.history_leavers().rate

    def history_leavers(self):
        """The history's leaver rate with what it rests on (`leaver_estimate`: leavers, rep-months, months,
        reps, whether the history is long enough to estimate it), for the note under the simulation."""
        return leaver_estimate(recent(self._simulation_history()), self.section)

    def _show_leaver_rate(self) -> None:
        """The leavers' controls as the trait says: the history's rate (greyed) or the one typed."""
        by_hand = self.leavers_per_year is not None
        rate = self.leavers_per_year if by_hand else self.history_leaver_rate()
        self._showing_leavers = True
        try:
            self.leavers_from_history_control.value = not by_hand
            self.leaver_rate_control.disabled = not by_hand
            self.leaver_rate_control.value = _shown(rate)
        finally:
            self._showing_leavers = False

    def _leaver_controls_changed(self, change) -> None:
        if not self._showing_leavers:
            by_hand = not self.leavers_from_history_control.value
            self.leavers_per_year = _fraction(self.leaver_rate_control.value) if by_hand else None

    @observe("leavers_per_year")
    def _leavers_changed(self, change) -> None:
        if not getattr(self, "_ready", False):
            return
        self._show_leaver_rate()
        if self._simulated is not None:  # the table on show reruns with the new rate, on the same draws
            self.simulate(*self._simulated)

    def _rule_history(self, section: IncentivesSection, reps: pd.Index, teams: pd.Series | None = None):
        """What `section`'s pay cube says per unit of sales about cash, margin, deals, returns; ledger
        balances. `teams`: rep → team of the month simulated (a new hire's, from their quota)."""
        from salesplan_widgets.model.draws import draw_balance, draws_of
        from salesplan_widgets.model.holdbacks import held_balance
        from salesplan_widgets.model.ledger import settlement_lines
        from salesplan_widgets.model.negative_balances import negative_balance, result_carried

        ledger, returns, _manual = self._ledger(section)
        settled = settlement_lines(ledger)
        scale = 10 ** minor_unit(self.currency)
        history = self._simulation_history(section)
        month = pd.Period(self.period, "M") + 1  # the month simulated
        # a quarter (or year) measured and paid whole: next month's tiers on the window so far plus it, the
        # window's commission paid at its end and a draw topped up against it
        window = None
        if draws_of(section) or _measured_beyond_a_month(section):
            statements = self.statements if section == self.section else payout_statements(
                section, history, self.quotas, self.period, self.currency, self.fiscal_year_start)  # fmt: skip
            window = window_so_far(section, statements.reps, str(month), self.fiscal_year_start)
        return rule_history(history, reps, section, returns=returns, window=window,
                            draw_balance=draw_balance(settled) / scale,
                            held=held_balance(settled, self.currency) / scale,
                            leavers_per_year=self.leavers_per_year, teams=teams,
                            negative_balance=negative_balance(settled) / scale,
                            result_carried=result_carried(ledger, month, self.fiscal_year_start) / scale)  # fmt: skip

    def simulate(self, draws: int = SIM_DRAWS, seed: int = 0) -> pd.DataFrame:
        """Next month under the design and the saved plan, on the same seeded draws (from the data as it is
        now: changed data redraws the statement first)."""
        if self._inputs_changed():
            self.refresh()
        self._simulated = (draws, seed)
        if not self._design_readable(self.simulation_panel):
            self.simulation_table = pd.DataFrame()
            return self.simulation_table
        period = pd.Period(self.period, "M")
        month_quotas = self.quotas[self.quotas["period"] == period + 1]
        if month_quotas.empty:
            month_quotas = self.quotas[self.quotas["period"] == period]
        nxt = month_quotas.groupby("rep")["target"].sum()
        nxt = nxt[nxt > 0]
        if nxt.empty:
            self.message = _("No quotas for next month: nothing to simulate.")
            self.simulation_panel.value = message_box([self.message])
            self.simulation_table = pd.DataFrame()
            return self.simulation_table
        # the same draws for both, from the saved plan's cube: editing the design does not redraw them
        sim = simulate_sales(self._simulation_history(self.saved), nxt, draws=draws, seed=seed)
        month = str(period + 1)  # role plans: each rep under the plan and version in force next month
        managers = [h.manager for s in (self.section, self.saved) for h in s.hierarchy]
        # a new hire's team is the one their quota names: their draws earn its manager the override
        teams = month_quotas.groupby("rep")["team"].last() if "team" in month_quotas.columns else None
        reps = sim.reps.append(pd.Index(managers)).unique()
        # each plan's rules read off its own pay cube: a design's unsaved kicker off its deal facts
        rules = self._rule_history(self.section, reps, teams)
        saved_rules = rules if self.section == self.saved else self._rule_history(self.saved, reps, teams)
        self.simulation_table = pd.concat([
            compare_designs(sim, {_("Design"): self.section}, month, rules, self.fiscal_year_start),
            compare_designs(sim, {_("Saved plan"): self.saved}, month, saved_rules, self.fiscal_year_start),
        ], ignore_index=True)  # fmt: skip
        edges = np.arange(0.0, 2.01, 0.1)
        counts, _e = np.histogram(np.clip(sim.attainment, 0, 2.0 - 1e-9), bins=edges)
        with self.attainment_bars.hold_sync():
            self.attainment_bars.x = [f"{e:.0%}" for e in edges[:-1]]
            self.attainment_bars.y = counts / max(counts.sum(), 1)
        design_cost = payout_cost(sim, self.section, "", month, rules, self.fiscal_year_start).cost
        saved_cost = payout_cost(sim, self.saved, "", month, saved_rules, self.fiscal_year_start).cost
        cost_edges = np.linspace(
            min(design_cost.min(), saved_cost.min()), max(design_cost.max(), saved_cost.max()) + 1e-9, 13
        )
        hist_d, _e = np.histogram(design_cost, bins=cost_edges)
        hist_s, _e = np.histogram(saved_cost, bins=cost_edges)
        with self.cost_bars.hold_sync():
            self.cost_bars.x = [fmt_number(v, self.locale) for v in cost_edges[:-1]]
            self.cost_bars.y = np.vstack([hist_d / len(design_cost), hist_s / len(saved_cost)])
        labels = simulation_part_labels()
        shown = [
            p for p in labels if p in self.simulation_table and self.simulation_table[p].abs().gt(0).any()
        ]
        if shown == ["paid_now"]:  # nothing moves pay in time or beside commission: paid now is the cost
            shown = []
        rows = [
            [r["design"], fmt_percent(r["share_at_quota"], self.locale, decimals=1), self._money(r["cost_median"]),
             self._money(r["cost_p90"]),
             "—" if not math.isfinite(r["cost_of_sales"]) else fmt_percent(r["cost_of_sales"], self.locale, decimals=2),
             *(self._money(r[p]) for p in shown)]
            for _i, r in self.simulation_table.iterrows()
        ]  # fmt: skip
        self.simulation_panel.value = html_table(
            [
                _("Design"),
                _("Reps at quota"),
                _("Cost, median"),
                _("Cost, 90th percentile"),
                _("Cost of sales"),
                *(labels[p] for p in shown),
            ],
            rows,
            numeric=set(range(1, 5 + len(shown))),
        )
        rate = lambda v: fmt_percent(v, self.locale, decimals=1)  # noqa: E731
        note = None  # the rate the leavers' columns rest on, where the analyst can check it
        found = self.history_leavers()  # the rate the history gives, and what it rests on
        if self.leavers_per_year is not None and found.estimated:
            note = _("Leavers: {rate} of reps a year, as set above (the history gives {history})").format(
                rate=rate(rules.leaver_rate), history=rate(found.rate))  # fmt: skip
        elif self.leavers_per_year is not None:  # not "the history gives 0%": it gives nothing to go on
            note = _("Leavers: {rate} of reps a year, as set above (the history is too short to estimate one)"
                     ).format(rate=rate(rules.leaver_rate))  # fmt: skip
        elif found.leavers:
            count = lambda v: fmt_number(v, self.locale)  # noqa: E731
            figures = {"months": count(found.months), "reps": count(found.reps),
                       "rep_months": count(found.rep_months), "leavers": count(found.leavers)}  # fmt: skip
            if found.estimated:
                note = _(
                    "Leavers: {rate} of reps a year, from the plan's relief dates over {months} months of sales "
                    "history: {leavers} of {reps} reps left in {rep_months} rep-months (90% interval {low} to "
                    "{high})"
                ).format(rate=rate(rules.leaver_rate), low=rate(found.low), high=rate(found.high), **figures)
            else:
                note = _(
                    "Leavers: not estimated: {months} months of sales history with {reps} reps ({rep_months} "
                    "rep-months, {leavers} left) are too few to read a yearly rate from (at least "
                    "{min_months} months and {min_rep_months} rep-months); only the reps the plan's relief "
                    "names leave. Type a rate above to assume one."
                ).format(min_months=count(MIN_LEAVER_MONTHS), min_rep_months=count(MIN_LEAVER_REP_MONTHS),
                         **figures)  # fmt: skip
        if note:
            self.simulation_panel.value += f"<p>{html.escape(note)}</p>"
        return self.simulation_table

    # -- saving ---------------------------------------------------------------------------------------
    def save(self) -> bool:
        """Save the design into the plan; a conflict or invalid plan becomes a message, not a traceback."""
        try:
            self.workbook.save(incentives=self.section)
        except ConflictError as exc:
            self.message = "\n".join([str(exc), _("Your edits are kept on screen. “Load the saved plan” shows the "
                                                  "plan as saved now; re-apply your edits to it and save.")])  # fmt: skip
            self.message_panel.value = message_box(self.message.split("\n"), kind="error")
            return False
        except SalesplanError as exc:
            self.message = str(exc)
            self.message_panel.value = message_box(self.message.split("\n"), kind="error")
            return False
        self.saved, self._plan_notice = self.section, ""  # the next redraw finds its own version on disk
        self.message = _("Saved to the plan.")
        self.message_panel.value = message_box([self.message], kind="ok")
        self.refresh()
        return True


def incentives_dashboard(workbook: Workbook | str | Path, period: str | None = None) -> widgets.Widget:
    """The read-only Voila view: payout summary, cost of sales, leaderboard, badges and champions.

    It shows the report's own sections (nothing is recomputed here, their shared CSS once) and never a
    traceback: a SalesplanError becomes an escaped message box. A month the targets table gives no quota
    for gets a notice instead of 0% attainment and no payouts.
    """
    from salesplan_widgets.report.incentives import IncentivesReport

    try:
        wb = open_read_only(workbook)
        month = period or str(wb.cube()["period"].max())
        report = IncentivesReport.open(wb, month)
        quotas = report.quotas.table
        if not quotas.loc[quotas["period"] == report.period, "target"].gt(0).any():
            parts = [report.title(), message_box([_no_quota_notice(report.period, quotas["period"])])]
        else:
            parts = [report.title(), report.summary(), report.leaderboard()]
        return widgets.VBox(
            [widgets.HTML(static_sections(*parts))], layout=widgets.Layout(max_width="1100px")
        )
    except SalesplanError as exc:
        return widgets.HTML(message_box([_("The dashboard cannot be shown."), str(exc)], kind="error"))

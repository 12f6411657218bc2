"""The tracker of a workbook without targets: the manager's sales-only view, and in JupyterLab the notes.

A flat-commission team, or a shop that just started, has neither a targets table nor a year of history to
derive a provisional one, so attainment, pace and the at-risk list cannot exist. `Tracker(workbook)` then
hands over to `SalesTracker`: the tracking pack's sales-only parts (report/sales_tracking.py: standing,
trend, rankings, biggest movers, rep × period) for a period, team and rep, a plain word on how to set a
target, and the feedback log. It writes only a feedback note (`workbook.feedback.add_note`, audited), and
only when the workbook is writable and the view is `editable`; served, it has no controls at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from traitlets import Dict, Instance, TraitError, Unicode, observe, validate

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _, set_locale
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.replan import QuotaChange
from salesplan_widgets.report.sales_tracking import SalesTrackingReport
from salesplan_widgets.widgets.charts import message_box, page_heading, static_sections
from salesplan_widgets.widgets.dashboard import sold_cube
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.feedback import add_note, read_feedback
from salesplan_widgets.workbook.sample_data import sample_data_notice
from salesplan_widgets.workbook.scaffold import STEPS
from salesplan_widgets.workbook.versions import INDEX, TARGETS, NoTargetsError, targets_for_tracking

SELECTION = ("team", "rep", "segment", "channel")
CONTROLS = ("team", "rep")
_ALL = "all"  # a dimension the plan does not map holds this value in the cube
AT_RISK_COLUMNS = ("rep", "attainment", "pace_index", "projected_attainment", "projected_gap")


@dataclass(frozen=True)
class TrackingRead:
    """What deciding which tracker to build read, so the tracker built need not read it again: the cube,
    and the provisional target with its notice (`targets_for_tracking`; None when there is none)."""

    cube: pd.DataFrame
    targets: tuple[pd.DataFrame, str] | None


def read_for_tracking(workbook: Workbook) -> TrackingRead | None:
    """None when a targets table (or a saved version) exists: nothing is read then, the tracker reads it.
    Else the cube and the provisional target derived from a year of history (`targets` None without)."""
    if workbook.table_path(TARGETS).exists() or workbook.table_path(TARGETS).with_name(INDEX).exists():
        return None
    cube = sold_cube(workbook)
    try:
        return TrackingRead(cube, targets_for_tracking(workbook, cube))
    except NoTargetsError:
        return TrackingRead(cube, None)


def tracks_without_targets(workbook: Workbook) -> bool:
    """No targets table (nor saved version) and no year of history to derive a provisional target: the
    tracker can only show sales. Cheap when a table exists: nothing is read then."""
    read = read_for_tracking(workbook)
    return read is not None and read.targets is None


def step_notebook(template: str) -> str:
    """The file name of a step's notebook in a workbook `salesplan init` made: 1_goal_setting.ipynb …"""
    return dict(STEPS).get(template, template) + ".ipynb"


class SalesTracker(widgets.VBox):
    """Sales without a target for a selection: the period's standing against the period before and last
    year, the trend, rankings, biggest movers and rep × period (the `summary`, `standing` and `movers`
    traits, from model/sales_tracking.py), the feedback log, and how to set a target. `at_risk` and
    `targets` are empty tables: without a target nobody is behind one."""

    has_targets = False
    period = Unicode(help="Period we stand in (the calendar's key: 2026-04, 2026-W18 …).")
    team = Unicode("", help="Team shown; empty means all.")
    rep = Unicode("", help="Rep shown; empty means all.")
    summary = Dict(help="The selection's standing: sales, previous, last_year, ytd, run_rate_year_end …")
    standing = Instance(pd.DataFrame, allow_none=True, help="Per rep: the standing, most sales first.")
    movers = Instance(
        pd.DataFrame, allow_none=True, help="The period's biggest movers, largest change first."
    )
    feedback = Instance(pd.DataFrame, allow_none=True, help="The feedback log, newest first.")

    def __init__(
        self,
        workbook: Workbook | str | Path,
        period: str | None = None,
        as_of: dt.date | None = None,  # noqa: ARG002 - the Tracker's signature: sales need no as-of date
        notices: tuple[str, ...] = (),
        editable: bool = True,
        **selection: str | None,
    ):
        self.workbook = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        self.editable = editable and not self.workbook.read_only
        self.locale = self.workbook.locale
        set_locale(self.locale)
        self.calendar = FiscalCalendar.of(self.workbook.plan.calendar)
        self.cube = sold_cube(self.workbook)
        known = sorted(self.cube["period"].unique())
        self.periods = tuple(self.calendar.key(p) for p in known)
        self._period_of = dict(zip(self.periods, known, strict=True))
        self.choices = {
            name: tuple(sorted(set(self.cube[name].astype(str)) - {_ALL}))
            for name in SELECTION
            if name in self.cube.columns
        }
        self.segment, self.channel = selection.get("segment") or "", selection.get("channel") or ""
        self.targets = pd.DataFrame(columns=["period", "rep", "target"])
        self.at_risk = pd.DataFrame(columns=list(AT_RISK_COLUMNS))
        sample = sample_data_notice(self.workbook)  # the report's title says it already
        self.notices = [n for n in notices if n and n != sample]
        self._build_view()
        with self.hold_trait_notifications():
            self.period = period if period in self.periods else self.periods[-1]
            for name in CONTROLS:
                setattr(self, name, selection.get(name) or "")
        if period and period not in self.periods:
            self.notices.append(_("The period asked for has no sales; the latest period is shown."))
            self.notice_panel.value = message_box(self.notices)
        self.refresh()

    # -- the view ---------------------------------------------------------------------------------------
    def _build_view(self) -> None:
        self.notice_panel = widgets.HTML(message_box(self.notices) if self.notices else "")
        self.report_panel = widgets.HTML()
        self.feedback_panel = widgets.HTML()
        children: list[widgets.Widget] = [self.notice_panel]
        if self.editable:  # the analyst's: pick a period, team or rep; served, the address selects
            self.controls = {
                name: widgets.Dropdown(
                    description=label,
                    options=[(everything, ""), *[(v, v) for v in self.choices.get(name, ())]],
                    value="",
                )
                for name, label, everything in (
                    ("team", _("Team"), _("All teams")),
                    ("rep", _("Rep"), _("All reps")),
                )
                if self.choices.get(name)
            }
            names = period_labels(list(self._period_of.values())[::-1], self.locale)
            self.controls["period"] = widgets.Dropdown(
                description=_("Period"), options=list(zip(names, self.periods[::-1], strict=True))
            )
            for control in self.controls.values():
                control.layout.width = "230px"
            children = [
                widgets.HTML(page_heading(self.workbook.plan.name, _("Tracker"))),
                self.notice_panel,
                widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap")),
            ]
        self.target_panel = widgets.HTML()
        children += [self.report_panel, self.target_panel, self.feedback_panel]
        if self.editable:
            self.note_text = widgets.Textarea(placeholder=_("Note on the selected rep and month"))
            self.note_button = widgets.Button(description=_("Add note"))
            self.note_message = widgets.HTML()
            self.note_button.on_click(lambda _b: self.add_note())
            children += [self.note_text, self.note_button, self.note_message]
        super().__init__(children=children, layout=widgets.Layout(max_width="1200px"))
        self.add_class("salesplan-tracker")
        self.add_class("salesplan-tracker-sales")
        if self.editable:
            for name, control in self.controls.items():
                widgets.link((control, "value"), (self, name))

    # -- invariants -------------------------------------------------------------------------------------
    @validate("period")
    def _known_period(self, proposal):
        if proposal["value"] not in self.periods:
            raise TraitError(_("{value!r} is not a period with sales").format(value=proposal["value"]))
        return proposal["value"]

    @validate(*CONTROLS)
    def _known_member(self, proposal):
        name, value = proposal["trait"].name, proposal["value"]
        if value and value not in self.choices.get(name, ()):
            raise TraitError(_("{value!r} is not one of the {name} values").format(value=value, name=name))
        return value

    @observe("period", *CONTROLS)
    def _selection_changed(self, change) -> None:
        if self.summary:  # not before the first refresh
            self.refresh()

    # -- figures ----------------------------------------------------------------------------------------
    def report(self) -> SalesTrackingReport:
        """The sales-only tracking pack of the selection (the served page's and the period report's)."""
        selection = {n: getattr(self, n) or None for n in SELECTION if n in self.choices}
        return SalesTrackingReport.open(self.workbook, self._period_of[self.period], **selection)

    def refresh(self) -> None:
        """Recompute the selection's figures with the model and redraw the panels."""
        set_locale(self.locale)
        report = self.report()
        total = report.standing(()).iloc[0]
        self.standing = report.ranking()
        self.movers = report.movers()
        self.summary = {k: (v.item() if hasattr(v, "item") else v) for k, v in total.to_dict().items()}
        parts = [report.title(), report.headline(), report.pace_chart(), report.champions()]
        parts += [report.at_risk(), report.drivers()]
        self.report_panel.value = static_sections(*parts)
        if self.editable:  # the analyst is the one who can set a target
            self.target_panel.value = static_sections(report.review()) + self._steps_here()
        self._render_feedback(report)

    def _steps_here(self) -> str:
        """In JupyterLab, the notebooks of this workbook that set the target."""
        return message_box(
            [
                _(
                    "In this workbook: open {goal} to set the goal, then {split} to split it into targets; "
                    "then run this notebook again."
                ).format(goal=step_notebook("goal_setting"), split=step_notebook("task_split"))
            ]
        )

    def _render_feedback(self, report: SalesTrackingReport | None = None) -> None:
        self.feedback = read_feedback(self.workbook)
        self.feedback_panel.value = static_sections((report or self.report()).feedback())

    def planned_changes(self) -> list[QuotaChange]:
        """None: a market shock scales targets and there is none (the view's title says so, naming the
        shocks the plan expects: `report.sales_tracking.shocks_notice`)."""
        return []

    # -- writing: a note --------------------------------------------------------------------------------
    def _note_month(self) -> str:
        """The month a note is filed under (the feedback log is by month): the period's, at any grain."""
        return str(self.calendar.months_of([self._period_of[self.period]])[0])

    def add_note(self) -> None:
        """Append the typed note (for the selected rep and the period's month) to the feedback log, as the
        acting user (the OS login in JupyterLab); recorded in the audit log by `add_note`."""
        if not self.editable:
            return
        try:
            add_note(self.workbook, self._note_month(), self.rep, self.note_text.value)
        except SalesplanError as exc:
            self.note_message.value = message_box([str(exc)], kind="error")
            return
        self.note_text.value = ""
        self.note_message.value = message_box([_("Note saved.")], kind="ok")
        self._render_feedback()

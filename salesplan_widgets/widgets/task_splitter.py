"""The task splitter: choose how the goal is broken down, fix cells by hand, see the split and its fairness,
save it to the plan and export the reps' task sheets.

Holds a workbook and calls the model (allocation, milestones, fairness) and the workbook layer (tables,
task sheets); it does no business arithmetic itself. Its result is exposed as traits (`result`,
`milestone_table`, `fairness_table`, `message`) so it can be driven and tested without a browser. Charts
are built once and their marks updated in place.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from bqplot import Axis, Figure, LinearScale, Lines, OrdinalScale, Scatter
from traitlets import Float, Instance, List, Unicode

from salesplan_widgets.errors import ConflictError, SalesplanError
from salesplan_widgets.i18n import (
    _,
    dimension_labels,
    fmt_date,
    fmt_money,
    fmt_percent,
    minor_unit,
    set_locale,
)
from salesplan_widgets.model.allocation import (
    METHODS,
    Split,
    last_year_sales,
    split_goal,
    start_of,
    unit_decimals,
)
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.fairness import fairness
from salesplan_widgets.model.milestones import milestones
from salesplan_widgets.report.projection import for_horizon
from salesplan_widgets.schema.split import SplitLevel, SplitLock, SplitSection
from salesplan_widgets.widgets.charts import (
    bar_figure,
    html_table,
    message_box,
    page_heading,
    set_value_ticks,
    value_axis,
)
from salesplan_widgets.widgets.dashboard import Dashboard
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.plan_history import keep_year
from salesplan_widgets.workbook.targets import (
    history_in_progress,
    in_progress_split_notice,
    new_year_split,
    split_fit_notices,
    split_goal_total,
    split_periods,
    split_section,
)
from salesplan_widgets.workbook.task_sheets import SHEETS_DIR, export_task_sheets, import_uploaded_sheets
from salesplan_widgets.workbook.versions import save_split_targets

LEVEL_DIMENSIONS = ("segment", "channel", "territory", "team", "rep", "period")
OVERRIDE_DEPTH = 2  # cells of the first two levels can be fixed by hand in the table


def _method_labels() -> dict[str, str]:
    return {
        "historical": _("Historical share"),
        "potential": _("Potential share"),
        "equal": _("Equal"),
        "capacity": _("Capacity (tenure, ramp)"),
        "seasonality": _("Seasonality"),
        "manual": _("Manual weights"),
    }


def _cell_label(cell: dict[str, str]) -> str:
    return " / ".join(cell.values())


class TaskSplitter(widgets.VBox):
    """Split the plan's goal into targets by level; fix cells; save; export task sheets.

    Built from a workbook; `goal` starts at the split's own goal, else the plan's saved goal target, else
    the sales of the split's basis months. `set_levels` chooses how it is broken down, outermost first, as
    the plan's ``split.levels`` entries, e.g.
    ``[{"dimension": "rep", "method": "historical"}, {"dimension": "period", "method": "seasonality"}]``
    (the methods are in `model.allocation.METHODS`). Every change recomputes `result`, a
    `model.allocation.Split` whose ``targets`` table sums exactly to `goal` after rounding; `lock` fixes
    one cell and its siblings rebalance. `save` writes the split settings into the plan and the targets to
    ``tables/targets.csv`` and returns whether it did (`message` says why not); `export` writes the task
    sheets.
    """

    section = Instance(
        SplitSection, help="The split settings being edited (saved as the plan's split section)."
    )
    goal = Float(0.0, help="The total being split.")
    result = Instance(Split, allow_none=True, help="The current split (targets table and how it was made).")
    milestone_table = Instance(pd.DataFrame, allow_none=True, help="Cumulative checkpoints per rep.")
    fairness_table = Instance(pd.DataFrame, allow_none=True, help="Quota per potential / last year, flags.")
    message = Unicode("", help="The last error or confirmation shown to the user.")
    notices = List(
        Unicode(), help="Why the split may not fit the goal (older goal, other months, year over)."
    )

    def __init__(self, workbook: Workbook | str | Path, potential: pd.DataFrame | None = None):
        """`potential`: accounts with rep (and segment, territory ...) and `potential`; by default the
        workbook's account master when it offers one (`Workbook.accounts()`).
        """
        self.workbook = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        self.locale = self.workbook.locale
        set_locale(self.locale)
        self.cube = self.workbook.cube()
        self.in_progress = history_in_progress(self.workbook, self.cube)  # left out of the split's history
        self.potential = potential if potential is not None else self._account_potential()
        section, self.new_year = self._section_for_goal()
        goal = split_goal_total(self.workbook, self.cube, section)
        value_label = _("Target ({currency})").format(currency=self.workbook.currency)

        self.goal_control = widgets.FloatText(description=_("Goal"), value=float(goal))
        self.unit_control = widgets.FloatText(description=_("Round to"), value=float(self._unit(section)))
        self.level_box = widgets.VBox()
        self.add_level_button = widgets.Button(description=_("Add level"))
        self.remove_level_button = widgets.Button(description=_("Remove last level"))
        self.override_box = widgets.VBox()
        self.message_panel = widgets.HTML()
        self.notice_panel = widgets.HTML()
        self.months_label = widgets.HTML()
        self.keep_button = widgets.Button(description=_("Keep this split"), layout={"display": "none"})
        self.reload_button = widgets.Button(description=_("Reload the plan"), layout={"display": "none"})
        self.fairness_panel = widgets.HTML()
        self.save_button = widgets.Button(description=_("Save to plan"), button_style="primary")
        self.export_button = widgets.Button(description=_("Export task sheets"))
        self.upload = widgets.FileUpload(accept=".xlsx", multiple=True, description=_("Returned sheets"))
        self.import_button = widgets.Button(description=_("Import returned task sheets"))
        self.import_panel = widgets.HTML()
        self.top_chart, self.top_bars = bar_figure(_("Targets by first level"), value_label)
        self.rep_chart, self.rep_bars = bar_figure(_("Targets by rep"), value_label, colour="#2f6fae")
        self.month_chart, self.cumulative_line, self.milestone_marks = self._month_figure(value_label)

        super().__init__(
            children=[
                widgets.HTML(page_heading(self.workbook.plan.name, _("Task splitter"))),
                widgets.HBox([self.goal_control, self.unit_control, self.months_label]),
                self.notice_panel,
                self.keep_button,
                widgets.HTML("<b>" + html.escape(_("Levels, top first")) + "</b>"),
                self.level_box,
                widgets.HBox([self.add_level_button, self.remove_level_button]),
                self.message_panel,
                widgets.HTML("<b>" + html.escape(_("Fix a cell: type a target and tick Lock")) + "</b>"),
                self.override_box,
                self.top_chart,
                self.rep_chart,
                self.month_chart,
                self.fairness_panel,
                widgets.HBox([self.save_button, self.export_button, self.reload_button]),
                widgets.HTML("<b>" + html.escape(_("Task sheets the reps sent back")) + "</b>"),
                widgets.HBox([self.upload, self.import_button]),
                self.import_panel,
            ],
            layout=widgets.Layout(max_width="1100px"),
        )
        self.add_class("salesplan-task-splitter")
        self.goal_control.observe(self._controls_changed, "value")
        self.unit_control.observe(self._controls_changed, "value")
        self.add_level_button.on_click(lambda _b: self._add_level())
        self.remove_level_button.on_click(lambda _b: self._remove_level())
        self.save_button.on_click(lambda _b: self.save())
        self.export_button.on_click(lambda _b: self.export())
        self.keep_button.on_click(lambda _b: self.keep())
        self.reload_button.on_click(lambda _b: self.reload())
        self.import_button.on_click(lambda _b: self.import_uploaded())
        self.goal = float(goal)
        self.section = section.model_copy(update={"goal": float(goal)})
        self._build_level_rows()
        self.recalculate()

    # -- settings ---------------------------------------------------------------------------------------
    def _section_for_goal(self) -> tuple[SplitSection, tuple[str, str] | None]:
        """The split to show: the saved one, or — when the goal is for a later year than the saved split —
        a new split of the goal's months (workbook.targets.new_year_split), with the saved split's first and
        last month (YYYY-MM), kept in the plan's history when the new one is saved."""
        fresh = new_year_split(self.workbook, self.cube)
        if fresh is None:
            return split_section(self.workbook, self.cube), None
        saved = split_periods(self.workbook, self.cube, split_section(self.workbook, self.cube))
        months = FiscalCalendar.of(self.workbook.plan.calendar).months_of([saved[0], saved[-1]])
        return fresh, (str(months[0]), str(months[1]))

    def _account_potential(self) -> pd.DataFrame | None:
        reader = getattr(self.workbook, "accounts", None)
        if not callable(reader) or self.workbook.plan.sources.accounts is None:
            return None
        try:
            accounts = reader()
        except SalesplanError:
            return None
        return accounts if accounts is not None and {"rep", "potential"} <= set(accounts.columns) else None

    def _unit(self, section: SplitSection) -> float:
        return section.unit or 10.0 ** -minor_unit(self.workbook.currency)

    @property
    def periods(self) -> pd.PeriodIndex:
        """The months split: the saved start, else the goal's first month, else the month after the data."""
        return split_periods(self.workbook, self.cube, self.section)

    def set_levels(self, levels: list[dict]) -> None:
        """Replace the levels (e.g. ``[{"dimension": "segment"}, {"dimension": "period", "method": "seasonality"}]``)."""
        try:
            new = [SplitLevel.model_validate(lv) for lv in levels]
            self.section = self._with(levels=new, locks=[])
        except (ValueError, SalesplanError) as exc:
            self._show_error(exc)
            return
        self._build_level_rows()
        self.recalculate()

    def lock(self, cell: dict[str, str], target: float) -> None:
        """Fix one cell (named by the first levels) at `target`; its siblings rebalance."""
        others = [lk for lk in self.section.locks if lk.cell != cell]
        before = self.section
        try:
            self.section = self._with(locks=[*others, SplitLock(cell=cell, target=target)])
        except ValueError as exc:
            self._show_error(exc)
            return
        if not self.recalculate():  # an impossible lock is shown and not kept
            message = self.message
            self.section = before
            self.recalculate()
            self._show_error(message)

    def unlock(self, cell: dict[str, str]) -> None:
        """Release a cell fixed by `lock`: it is split by its level's method again."""
        self.section = self._with(locks=[lk for lk in self.section.locks if lk.cell != cell])
        self.recalculate()

    def _with(self, **changes) -> SplitSection:
        data = self.section.model_dump() | {k: [m.model_dump() for m in v] for k, v in changes.items()}
        return SplitSection.model_validate(data)

    def _controls_changed(self, _change) -> None:
        self.goal = float(self.goal_control.value)
        try:
            self.section = self.section.model_copy(
                update={"goal": self.goal, "unit": float(self.unit_control.value)}
            )
            SplitSection.model_validate(self.section.model_dump())
        except ValueError as exc:
            self._show_error(exc)
            return
        self.recalculate()

    # -- level rows -------------------------------------------------------------------------------------
    def _build_level_rows(self) -> None:
        dims, methods = dimension_labels(self.workbook.plan.calendar.grain), _method_labels()
        rows = []
        for i, level in enumerate(self.section.levels):
            dim = widgets.Dropdown(
                options=[(dims[d], d) for d in LEVEL_DIMENSIONS],
                value=level.dimension,
                layout={"width": "180px"},
            )
            method = widgets.Dropdown(
                options=[(methods[m], m) for m in METHODS], value=level.method, layout={"width": "220px"}
            )
            dim.observe(lambda change, i=i: self._level_changed(i, dimension=change["new"]), "value")
            method.observe(lambda change, i=i: self._level_changed(i, method=change["new"]), "value")
            rows.append(widgets.HBox([widgets.Label(f"{i + 1}."), dim, method]))
        self.level_box.children = rows

    def _level_changed(self, index: int, **change) -> None:
        levels = [lv.model_dump() for lv in self.section.levels]
        levels[index].update(change)
        if "dimension" in change:
            levels[index]["method"] = {"period": "seasonality", "rep": "capacity"}.get(
                change["dimension"], "historical"
            )
            levels[index]["params"] = {}
        self.set_levels(levels)

    def _add_level(self) -> None:
        used = {lv.dimension for lv in self.section.levels}
        free = [d for d in LEVEL_DIMENSIONS if d not in used and d in self.cube.columns]
        if not free:
            return
        levels = [lv.model_dump() for lv in self.section.levels]
        levels.insert(len(levels) - 1, {"dimension": free[0]})
        self.set_levels(levels)

    def _remove_level(self) -> None:
        levels = [lv.model_dump() for lv in self.section.levels]
        removable = [i for i, lv in enumerate(levels) if lv["dimension"] != "period"]
        if removable:
            levels.pop(removable[-1])
            self.set_levels(levels)

    # -- the split --------------------------------------------------------------------------------------
    def recalculate(self) -> bool:
        """Split the goal with the current settings and refresh the table, charts and fairness."""
        section = self.section
        try:
            result = split_goal(
                self.goal,
                section.levels_for_model(),
                self.cube,
                self.periods,
                unit=self._unit(section),
                locks=section.locks_for_model(),
                potential=self.potential,
                basis_months=section.basis_months,
                ramp_months=section.ramp_months,
                in_progress=self.in_progress,
            )
        except SalesplanError as exc:
            self._show_error(exc)
            return False
        self.result = result
        self.milestone_table = milestones(result.targets, every=section.milestones)
        self.fairness_table = fairness(
            result.targets[result.targets["rep"] != "all"],  # no rep level: nothing to compare
            last_year_sales(self.cube, section.basis_months),
            self.potential,
        )
        self.message = ""
        self.message_panel.value = ""
        self._refresh_notices()
        self._refresh_overrides()
        self._refresh_charts()
        self._refresh_fairness()
        return True

    def _goal_target(self) -> float | None:
        return getattr(self.workbook.plan.goal, "target", None)

    def _refresh_notices(self) -> None:
        """Say which months are split and when the split no longer fits the goal; offer to keep it."""
        first, last = period_labels([self.periods[0], self.periods[-1]], self.locale)
        months = _("{label}: {value}").format(label=_("Plan months"), value=f"{first} – {last}")
        self.months_label.value = html.escape(months)
        self.notices = split_fit_notices(self.workbook, self.cube, self.section, self.goal, self.periods)
        shown = [*self.notices, *filter(None, [in_progress_split_notice(self.workbook, self.cube)])]
        self.notice_panel.value = message_box(shown) if shown else ""
        can_keep = bool(self.notices) and self._goal_target() is not None
        self.keep_button.layout.display = None if can_keep else "none"

    def _show_error(self, exc: Exception | str) -> None:
        self.message = str(exc)
        self.message_panel.value = message_box(self.message.splitlines(), kind="error")  # a line per rule

    def _refresh_overrides(self) -> None:
        dims = [lv.dimension for lv in self.section.levels][:OVERRIDE_DEPTH]
        dims = dims[: dims.index("period")] if "period" in dims else dims
        locked = {tuple(lk.cell.items()): lk.target for lk in self.section.locks}
        rows = []
        cells = [  # each subtotal followed by its own children: A, A / online, A / offline, B ...
            ({d: str(record[d]) for d in dims[:depth]}, record["target"])
            for depth in range(1, len(dims) + 1)
            for record in self.result.subtotals(dims[:depth]).to_dict("records")
        ]
        for cell, target in sorted(cells, key=lambda item: tuple(item[0].values())):
            depth = len(cell)
            value = widgets.FloatText(value=float(target), layout={"width": "170px"})
            lock = widgets.Checkbox(value=tuple(cell.items()) in locked, description=_("Lock"), indent=False)
            value.observe(lambda ch, c=cell, box=lock: self._override_typed(c, ch["new"], box), "value")
            lock.observe(lambda ch, c=cell, box=value: self._lock_ticked(c, ch["new"], box), "value")
            indent = "&nbsp;" * 4 * (depth - 1)
            rows.append(widgets.HBox([widgets.HTML(f"{indent}{html.escape(_cell_label(cell))}",
                                                   layout={"width": "220px"}), value, lock]))  # fmt: skip
        self.override_box.children = rows

    def _override_typed(self, cell: dict[str, str], value: float, lock_box: widgets.Checkbox) -> None:
        self.lock(cell, value)

    def _lock_ticked(self, cell: dict[str, str], ticked: bool, value_box: widgets.FloatText) -> None:
        if ticked:
            self.lock(cell, float(value_box.value))
        else:
            self.unlock(cell)

    def _month_figure(self, value_label: str) -> tuple[Figure, Lines, Scatter]:
        x, y = OrdinalScale(), LinearScale(min=0.0)
        line = Lines(x=[], y=[], scales={"x": x, "y": y}, colors=["#2f6fae"], stroke_width=2.5)
        marks = Scatter(x=[], y=[], scales={"x": x, "y": y}, colors=["#e08a2c"], default_size=90)
        figure = Figure(
            marks=[line, marks],
            axes=[
                Axis(scale=x, tick_rotate=-30),
                value_axis(y, value_label),
            ],  # fmt: skip
            title=_("Cumulative target by month (points: milestones)"),
            fig_margin={"top": 50, "bottom": 55, "left": 75, "right": 20},
            layout={"width": "100%", "height": "320px"},
            animation_duration=0,
        )
        return figure, line, marks

    def _refresh_charts(self) -> None:
        first = self.result.dimensions[0]
        top = self.result.subtotals([first])
        reps = self.result.subtotals(["rep"]) if "rep" in self.result.targets else top.iloc[0:0]
        monthly = self.result.subtotals(["period"])
        labels = period_labels(monthly["period"], self.locale)
        cumulative = monthly["target"].cumsum().to_numpy()
        checkpoints = self.milestone_table.groupby("period")["cumulative_target"].sum()
        checkpoint_labels = period_labels(checkpoints.index, self.locale)
        self.top_chart.title = _("Targets by {level}").format(
            level=dimension_labels(self.workbook.plan.calendar.grain).get(first, first)
        )
        with self.top_bars.hold_sync():
            self.top_bars.x, self.top_bars.y = top[first].astype(str).to_numpy(), top["target"].to_numpy()
        with self.rep_bars.hold_sync():
            self.rep_bars.x, self.rep_bars.y = reps["rep"].astype(str).to_numpy(), reps["target"].to_numpy()
        with self.cumulative_line.hold_sync():
            self.cumulative_line.x, self.cumulative_line.y = labels, cumulative
        with self.milestone_marks.hold_sync():
            self.milestone_marks.x, self.milestone_marks.y = checkpoint_labels, checkpoints.to_numpy()
        set_value_ticks(self.top_chart.axes[1], top["target"], self.locale)
        set_value_ticks(self.rep_chart.axes[1], reps["target"], self.locale)

    def _refresh_fairness(self) -> None:
        table = self.fairness_table
        flagged = table[table["flag"] != ""]
        if flagged.empty:
            self.fairness_panel.value = (
                "<p>" + html.escape(_("Fairness: no rep's quota stands out.")) + "</p>"
            )
            return
        head = [_("Rep"), _("Quota"), _("Last year"), _("Quota ÷ last year"), _("Flag")]
        flag_text = {"high": _("high"), "low": _("low")}
        money = lambda value: fmt_money(value, self.workbook.currency, digits=False)  # noqa: E731
        rows = [
            [
                r.rep,
                money(r.quota),
                money(r.last_year),
                "" if pd.isna(r.quota_per_last_year) else fmt_percent(r.quota_per_last_year),
                flag_text[r.flag],
            ]
            for r in flagged.itertuples()
        ]
        self.fairness_panel.value = (
            "<p><b>"
            + html.escape(_("Fairness: quotas far from the team’s norm"))
            + "</b></p>"
            + (html_table(head, rows, numeric={1, 2, 3}))
        )

    # -- save and export --------------------------------------------------------------------------------
    def save(self) -> bool:
        """Save the split settings to the plan (version-checked) and the targets table beside it.

        The settings record the first month split and the goal's target it was split for, so reopening
        the plan next year splits the same months and says when the goal has moved since.
        """
        if self.result is None:
            return False
        fiscal_year_start = self.workbook.plan.calendar.fiscal_year_start
        section = self.section.model_copy(
            update={
                "start": self.section.start or start_of(self.periods, self.cube, fiscal_year_start),
                "made_for": self._goal_target(),
            }
        )
        try:
            if self.new_year:  # the year that is over is kept as it stood before its split goes
                keep_year(self.workbook, *self.new_year)
            self.workbook.save(split=section)
        except ConflictError:
            self._refused()  # the way out: read the plan as it is saved now
            return False
        except SalesplanError as exc:
            self._show_error(exc)
            return False
        self.section = section
        self._refresh_notices()
        targets = self.result.targets
        table = targets.assign(
            **{c: targets[c].astype(str) for c in targets.columns if c not in ("period", "target")}
        )
        save_split_targets(self.workbook, table)  # the years already planned keep their targets
        self.new_year = None
        self.message = _("Saved the split and {rows} targets.").format(rows=len(table))
        self.message_panel.value = message_box([self.message], kind="ok")
        return True

    def _refused(self) -> None:
        """A save refused because the plan changed since it was read: say so and offer the reload."""
        self._show_error(
            _(
                "The plan was changed by someone else since it was opened, so this split was not saved. "
                "Press 'Reload the plan' to see the plan as it is saved now, then make your changes again "
                "and save."
            )
        )
        self.reload_button.layout.display = None

    def keep(self) -> bool:
        """Record in the plan that the saved split is meant for the goal as it is now ("keep this split"):
        its notices go until the goal changes again. Version-checked and audited like every plan save."""
        target, saved = self._goal_target(), self.workbook.plan.split
        if target is None or saved is None:
            self._show_error(_("Save the split first: only a saved split can be kept for the goal."))
            return False
        try:
            self.workbook.save(split=saved.model_copy(update={"kept_for": float(target)}))
        except ConflictError:
            self._refused()
            return False
        except SalesplanError as exc:
            self._show_error(exc)
            return False
        self.section = self.section.model_copy(update={"kept_for": float(target)})
        self._refresh_notices()
        money = fmt_money(target, self.workbook.currency, digits=False)
        self.message = _("Kept this split for the goal of {goal}.").format(goal=money)
        self.message_panel.value = message_box([self.message], kind="ok")
        return True

    def reload(self) -> None:
        """Read the plan again after a refused save. The split shown becomes the one saved in the plan now;
        nothing typed here is re-applied, so the analyst sees what the other editor saved first."""
        try:
            self.workbook.reload()
        except SalesplanError as exc:
            self._show_error(exc)
            return
        section, self.new_year = self._section_for_goal()
        self.goal = split_goal_total(self.workbook, self.cube, section)
        self.section = section.model_copy(update={"goal": self.goal})
        self.goal_control.unobserve(self._controls_changed, "value")
        self.unit_control.unobserve(self._controls_changed, "value")
        try:
            self.goal_control.value = self.goal
            self.unit_control.value = float(self._unit(section))
        finally:
            self.goal_control.observe(self._controls_changed, "value")
            self.unit_control.observe(self._controls_changed, "value")
        self._build_level_rows()
        if self.recalculate():
            self.reload_button.layout.display = "none"
            self.message = _(
                "Reloaded the plan as it is saved now. Changes made here before were not saved: make them "
                "again if they are still needed, then save."
            )
            self.message_panel.value = message_box([self.message], kind="notice")

    def import_uploaded(self) -> bool:
        """Import the returned task sheets chosen in the upload box into commits and feedback (all or
        nothing); every problem is listed with its file, row and column."""
        files = [(item["name"], bytes(item["content"])) for item in self.upload.value]
        try:
            commits, feedback = import_uploaded_sheets(self.workbook, files)
        except SalesplanError as exc:
            self.message = str(exc)
            self.import_panel.value = message_box(self.message.splitlines(), kind="error")
            return False
        self.message = _(
            "Imported {commits} commits and {notes} feedback notes from {files} task sheets."
        ).format(commits=len(commits), notes=len(feedback), files=len(files))
        self.import_panel.value = message_box([self.message], kind="ok")
        self.upload.value = ()
        return True

    def export(self, folder: str | Path | None = None) -> list[Path]:
        """Write the task sheets (one per rep and per team) under the workbook's task_sheets folder."""
        if self.result is None:
            return []
        folder = Path(folder) if folder else self.workbook.path / SHEETS_DIR
        strategies = {k: v.model_dump() for k, v in self.section.strategies.items()}
        decimals = unit_decimals(self._unit(self.section))
        paths = export_task_sheets(self.result.targets, self.milestone_table, folder, strategies=strategies,
                                   plan_name=self.workbook.plan.name, locale=self.locale, decimals=decimals)  # fmt: skip
        self.message = _("Exported {count} task sheets to {folder}.").format(count=len(paths), folder=folder)
        self.message_panel.value = message_box([self.message], kind="ok")
        return paths


def _figure_table(header: list[str], rows: list[list[str]], figures_from: int) -> str:
    """A small table with column headers; columns from `figures_from` on hold figures and are right-aligned.
    Cells arrive escaped."""
    cell = "padding:2px 12px;border-bottom:1px solid #eee;text-align:{align}"
    align = lambda i: "right" if i >= figures_from else "left"  # noqa: E731
    head = "".join(
        f'<th style="{cell.format(align=align(i))};border-bottom-color:#bbb">{html.escape(h)}</th>'
        for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td style="{cell.format(align=align(i))}">{v}</td>' for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return (
        '<table class="salesplan-table" style="border-collapse:collapse;font-variant-numeric:tabular-nums">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


class MyTargets(Dashboard, widgets.VBox):
    """Read-only "my targets" view for managers: a team's or a rep's targets by month, segment and channel,
    with milestones; the team and rep come from the page address (validated) or the dropdowns.
    """

    address = ("team", "rep")  # what the page address may select (widgets/dashboard.py)

    team = Unicode("", help="Team shown; empty means every team.")
    rep = Unicode("", help="Rep shown; empty means every rep of the team.")
    targets = Instance(pd.DataFrame, help="The targets of the selection (rows of the targets table).")

    def __init__(self, workbook: Workbook | str | Path, team: str | None = None, rep: str | None = None,
                 notices: tuple[str, ...] = ()):  # fmt: skip
        from salesplan_widgets.workbook.targets import goal_months_targets, plan_targets

        self.workbook = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        self.locale = self.workbook.locale
        set_locale(self.locale)
        cube = self.workbook.cube()
        table, saved = plan_targets(self.workbook, cube)
        self.section = self.workbook.plan.split or SplitSection()
        self.planned = split_periods(self.workbook, cube, self.section)  # the months the split plans
        table = goal_months_targets(table, self.planned)  # not another year the table keeps
        self.all_targets = table.assign(rep=table["rep"].astype(str), team=table["team"].astype(str))
        notes = (
            list(notices)
            + ([] if saved else [_("No split has been saved yet: these targets are a preview.")])
            + split_fit_notices(self.workbook, cube)  # a split made for an older goal is flagged
        )
        value_label = _("Target ({currency})").format(currency=self.workbook.currency)
        self.month_chart, self.month_bars = bar_figure(_("Target by month"), value_label, colour="#2f6fae")
        self.rep_chart, self.rep_bars = bar_figure(_("Target by rep"), value_label)
        self.summary_panel = widgets.HTML()
        self.milestone_panel = widgets.HTML()
        teams = sorted(t for t in self.all_targets["team"].unique() if t != "all")
        self.team_control = widgets.Dropdown(
            description=_("Team"), options=[(_("All teams"), ""), *[(t, t) for t in teams]], value=""
        )
        self.rep_control = widgets.Dropdown(description=_("Rep"), options=[(_("All reps"), "")], value="")
        notice_html = message_box(notes) if notes else ""
        super().__init__(
            children=[
                widgets.HTML(page_heading(self.workbook.plan.name, _("My targets"))),
                widgets.HTML(notice_html),
                widgets.HBox([self.team_control, self.rep_control]),
                self.summary_panel,
                self.month_chart,
                self.rep_chart,
                self.milestone_panel,
            ],
            layout=widgets.Layout(max_width="1100px"),
        )
        self.add_class("salesplan-my-targets")
        widgets.link((self.team_control, "value"), (self, "team"))
        widgets.link((self.rep_control, "value"), (self, "rep"))
        self.observe(self._selection_changed, ["team", "rep"])
        self.team = team if team in teams else ""
        self._set_rep_options()
        # a rep outside the team's roster would make the dropdown refuse its value (TraitError)
        if rep and rep not in {value for _label, value in self.rep_control.options}:
            notes.append(_("The rep asked for is not in the team shown; the whole team is shown."))
            self.children[1].value = message_box(notes)
            rep = ""
        self.rep = rep or ""
        self.refresh()

    def _for_horizon(self, year: str, other: str) -> str:
        """The year's words for a year's split, else the words naming its horizon (half-year, quarter)."""
        calendar = FiscalCalendar.of(self.workbook.plan.calendar)
        return for_horizon(self.planned, calendar, year=year, other=other)

    def _set_rep_options(self) -> None:
        rows = self.all_targets if not self.team else self.all_targets[self.all_targets["team"] == self.team]
        reps = sorted(r for r in rows["rep"].unique() if r != "all")
        self.rep_control.options = [(_("All reps"), ""), *[(r, r) for r in reps]]

    def _selection_changed(self, change) -> None:
        if change["name"] == "team":
            self._set_rep_options()
            if self.rep and self.rep not in {v for _l, v in self.rep_control.options}:
                self.rep = ""
        self.refresh()

    def refresh(self) -> None:
        """Show the targets of the selected team and rep (by month, segment and channel)."""
        rows = self.all_targets
        if self.team:
            rows = rows[rows["team"] == self.team]
        if self.rep:
            rows = rows[rows["rep"] == self.rep]
        self.targets = rows
        monthly = rows.groupby("period", observed=True)["target"].sum().sort_index()
        by_rep = rows.groupby("rep", observed=True)["target"].sum().sort_values(ascending=False)
        with self.month_bars.hold_sync():
            self.month_bars.x, self.month_bars.y = (
                period_labels(monthly.index, self.locale),
                monthly.to_numpy(),
            )
        with self.rep_bars.hold_sync():
            self.rep_bars.x, self.rep_bars.y = by_rep.index.astype(str).to_numpy(), by_rep.to_numpy()
        set_value_ticks(self.month_chart.axes[1], monthly, self.locale)
        set_value_ticks(self.rep_chart.axes[1], by_rep, self.locale)
        money = lambda v: html.escape(fmt_money(v, self.workbook.currency, digits=False))  # noqa: E731
        mix = rows.groupby(["segment", "channel"], observed=True)["target"].sum()
        mix_rows = [[html.escape(str(s)), html.escape(str(c)), money(v)] for (s, c), v in mix.items()]
        self.summary_panel.value = (
            "<p><b>"
            + html.escape(self._for_horizon(_("Year target"), _("Target for the {horizon}")))
            + f":</b> {money(rows['target'].sum())}</p>"
            + _figure_table([_("Segment"), _("Channel"), _("Target")], mix_rows, figures_from=2)
        )
        checkpoints = milestones(rows.assign(scope="all"), every=self.section.milestones, by=("scope",))
        self.milestone_panel.value = "<p><b>" + html.escape(_("Milestones")) + "</b></p>" + _figure_table(
            [_("Due"), _("Cumulative target"), self._for_horizon(_("Share of the year"), _("Share of the {horizon}"))],
            [[html.escape(fmt_date(r.due)), money(r.cumulative_target), html.escape(fmt_percent(r.share))]
             for r in checkpoints.itertuples()],
            figures_from=1,
        )  # fmt: skip

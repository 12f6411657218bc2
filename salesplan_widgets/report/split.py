"""The split section of the period report: the year's targets by level, the month's targets, milestones
and fairness flags, as HTML with inline SVG charts.

`SplitReport.open(workbook, period)` reads the saved targets table (or, when none is saved yet, splits the
plan's goal the way the plan says, without saving). Each method returns one displayable `Html` part; the
template templates/report_split.ipynb is one call per cell. Figures come from the model; this module only
arranges, formats and draws them, and never writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context

from salesplan_widgets.i18n import (
    _,
    dimension_labels,
    fmt_date,
    fmt_money,
    fmt_number,
    fmt_percent,
    set_locale,
)
from salesplan_widgets.model.allocation import last_year_sales
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.fairness import fairness
from salesplan_widgets.model.milestones import milestones
from salesplan_widgets.model.segmentation import (
    abc_classes,
    account_growth,
    segment_summary,
    value_potential_grid,
)
from salesplan_widgets.report import blocks, charts
from salesplan_widgets.report.metrics import publish_metrics
from salesplan_widgets.report.period import parse_period
from salesplan_widgets.report.projection import for_horizon
from salesplan_widgets.schema.split import SplitSection
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.sample_data import sample_data_notice
from salesplan_widgets.workbook.targets import (
    goal_months_targets,
    in_progress_split_notice,
    plan_targets,
    split_fit_notices,
    split_periods,
)


@dataclass
class SplitReport:
    """The split of one workbook's plan, seen from one report period."""

    workbook: Workbook
    period: pd.Period
    cube: pd.DataFrame
    targets: pd.DataFrame
    saved: bool

    @classmethod
    def open(cls, workbook: str | Path | Workbook, period: str, locale: str | None = None) -> SplitReport:
        wb = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        if locale:
            set_locale(locale)
        cube = wb.cube()
        targets, saved = plan_targets(wb, cube)
        return cls(
            workbook=wb,
            period=parse_period(period, wb.plan.calendar),
            cube=cube,
            targets=targets,
            saved=saved,
        )

    @property
    def section(self) -> SplitSection:
        return self.workbook.plan.split or SplitSection()

    @property
    def checkpoints(self) -> pd.DataFrame:
        return milestones(self.goal_targets, every=self.section.milestones)

    @property
    def fairness_table(self) -> pd.DataFrame:
        return fairness(self.goal_targets, last_year_sales(self.cube, self.section.basis_months))

    def _money(self, amount: float) -> str:
        return fmt_money(amount, self.workbook.currency, digits=False)

    @cached_property
    def planned(self) -> pd.PeriodIndex:
        """The months the split plans (not the targets table's, which may keep other years)."""
        return split_periods(self.workbook, self.cube, self.section)

    @cached_property
    def goal_targets(self) -> pd.DataFrame:
        """The targets of the split goal's months, which every total of the page sums (not another year the
        table may keep)."""
        return goal_months_targets(self.targets, self.planned)

    def _for_horizon(self, year: str, other: str) -> str:
        """The year's words for a year's split, else the words naming its horizon (half-year, quarter)."""
        return for_horizon(
            self.planned, FiscalCalendar.of(self.workbook.plan.calendar), year=year, other=other
        )

    def _month(self, period: pd.Period) -> str:
        return period_labels([period])[0]

    # -- parts ------------------------------------------------------------------------------------------
    def title(self) -> blocks.Html:
        return blocks.title(
            _("Targets and milestones"),
            _("{plan} · {month}").format(plan=self.workbook.plan.name, month=self._month(self.period)),
            notice=sample_data_notice(self.workbook),
        )

    def _month_target(self) -> float | None:
        """The report month's target from the whole table (its year may be another than the goal's)."""
        periods = pd.PeriodIndex(self.targets["period"])
        if self.period not in set(periods):
            return None
        return float(self.targets.loc[periods == self.period, "target"].sum())

    def headline(self) -> blocks.Html:
        month_target = self._month_target()
        goal_periods = pd.PeriodIndex(self.goal_targets["period"])
        flagged = int((self.fairness_table["flag"] != "").sum())
        note = "" if self.saved else _("Not saved yet: computed from the plan's split settings.")
        notices = "".join(  # a split made for an older goal is flagged here too
            f'<p class="salesplan-notice">{escape(text)}</p>'
            for text in [
                *split_fit_notices(self.workbook, self.cube),
                *filter(None, [in_progress_split_notice(self.workbook, self.cube)]),  # as the goal page's
            ]
        )
        return blocks.section(
            _("The split"),
            notices,
            blocks.cards(
                [
                    blocks.Card(
                        self._for_horizon(_("Year's target"), _("Target for the {horizon}")),
                        self._money(self.goal_targets["target"].sum()),
                        note,
                    ),
                    blocks.Card(
                        _("Plan months"),
                        f"{self._month(goal_periods.min())} – {self._month(goal_periods.max())}",
                    ),
                    blocks.Card(
                        _("Target in {month}").format(month=self._month(self.period)),
                        "–" if month_target is None else self._money(month_target),
                    ),
                    blocks.Card(_("Reps with a target"), fmt_number(self.goal_targets["rep"].nunique())),
                    blocks.Card(_("Quotas flagged as unfair"), fmt_number(flagged)),
                ]
            ),
        )

    def _in_sales(self, dimension: str) -> bool:
        """Whether the sales source maps this dimension (only date, amount and rep must be there)."""
        return dimension in self.workbook.source("sales").columns

    def _absent(self, dimension: str) -> blocks.Html:
        name = dimension_labels().get(dimension, dimension)
        return blocks.section(
            _("Targets by {dimension}").format(dimension=name.lower()),
            _("The sales data have no {dimension} column, so targets are not split by {dimension}.").format(
                dimension=name.lower()
            ),
        )

    def breakdown(self, by: str = "segment") -> blocks.Html:
        """Targets and share by one dimension, as a table and a share chart (a note when the data lack it)."""
        if by not in self.targets.columns or not self._in_sales(by):
            return self._absent(by)
        totals = self.goal_targets.groupby(by, observed=True)["target"].sum().sort_values(ascending=False)
        shares = totals / totals.sum() if totals.sum() else totals * 0.0
        table = blocks.table(
            [dimension_labels().get(by, by), _("Target"), _("Share")],
            [
                (str(k), self._money(v), fmt_percent(s))
                for k, v, s in zip(totals.index, totals, shares, strict=True)
            ],
            numeric=[False, True, True],
        )
        mix = pd.DataFrame({by: totals.index.astype(str), "share": shares.to_numpy()})
        svg = charts.share_chart(
            mix, by, self._for_horizon(_("Share of the year's target"), _("Share of the {horizon}'s target"))
        )
        name = dimension_labels().get(by, by)
        return blocks.section(
            _("Targets by {dimension}").format(dimension=name.lower()), blocks.row(table, svg)
        )

    def milestones(self) -> blocks.Html:
        """The company's cumulative target at each checkpoint, with due dates and the monthly shape."""
        company = milestones(
            self.goal_targets.assign(company="all"), every=self.section.milestones, by=("company",)
        )
        table = blocks.table(
            [
                _("Checkpoint"),
                _("Due"),
                _("Cumulative target"),
                self._for_horizon(_("Share of year"), _("Share of the {horizon}")),
            ],
            [
                (str(r.number), fmt_date(r.due), self._money(r.cumulative_target), fmt_percent(r.share))
                for r in company.itertuples()
            ],
            numeric=[False, False, True, True],
        )
        monthly = self.goal_targets.groupby("period", observed=True)["target"].sum().sort_index()
        fig = charts.new_figure()
        ax = fig.axes[0]
        x = np.arange(len(monthly))
        position = {p: i for i, p in enumerate(monthly.index)}
        with rc_context(charts._style()):
            ax.bar(x, monthly.to_numpy(), color=charts.MIX_COLOUR, label=_("Monthly target"))
            ax2 = ax.twinx()
            ax2.plot(x, monthly.cumsum().to_numpy(), color=charts.ACTUAL_COLOUR, label=_("Cumulative"))
            ax2.scatter([position[p] for p in company["period"]], company["cumulative_target"],
                        color=charts.LAST_YEAR_COLOUR, zorder=3, label=_("Milestones"))  # fmt: skip
            ax.set_xticks(list(x), period_labels(list(monthly.index)), rotation=45, ha="right")
            charts.money_axis(ax)
            charts.money_axis(ax2)
            ax2.set_ylim(bottom=0)
            ax.set_title(_("Monthly targets and cumulative milestones"))
        return blocks.section(_("Milestones"), blocks.row(table, charts.to_svg(fig)))

    def fairness(self) -> blocks.Html:
        """Reps whose quota per unit of last year's sales stands out, or a line saying none does."""
        table = self.fairness_table
        flagged = table[table["flag"] != ""].sort_values("quota_per_last_year", ascending=False)
        if flagged.empty:
            return blocks.section(_("Fairness"), _("No rep's quota stands out against last year's sales."))
        flag_text = {"high": _("high"), "low": _("low")}
        return blocks.section(
            _("Fairness"),
            blocks.table(
                [_("Rep"), _("Quota"), _("Last year"), _("Quota ÷ last year"), _("Flag")],
                [
                    (
                        r.rep,
                        self._money(r.quota),
                        self._money(r.last_year),
                        "–" if pd.isna(r.quota_per_last_year) else fmt_percent(r.quota_per_last_year),
                        flag_text[r.flag],
                    )
                    for r in flagged.itertuples()
                ],
                numeric=[False, True, True, True, False],
            ),
        )

    def account_segments(self) -> pd.DataFrame:
        """Each account's ABC class and grid cell from its last 12 months of sales to the report period and
        their growth on the 12 months before (the plan's thresholds)."""
        from salesplan_widgets.workbook.cube import account_summary

        source, calendar = self.workbook.source(), self.workbook.plan.calendar
        end = self.period.end_time.date()
        # the 12 months to the report period and the 12 before, as dates (any grain)
        month = pd.Period(self.period.end_time, freq="M")
        recent_start = (month - 11).start_time.date()
        prior_start, prior_end = (month - 23).start_time.date(), (month - 12).end_time.date()
        recent = account_summary(source, self.workbook.path, calendar, recent_start, end)
        prior = account_summary(source, self.workbook.path, calendar, prior_start, prior_end)
        t = self.section.thresholds
        return value_potential_grid(abc_classes(account_growth(recent, prior), (t.a, t.b, t.c)))

    def segments(self) -> blocks.Html:
        """ABC classes and the value × growth grid of the accounts, beside the plan's segment strategies."""
        from salesplan_widgets.errors import InputError

        try:
            accounts = self.account_segments()
        except InputError:  # no account column mapped: the strategies still stand
            accounts = None
        parts = []
        if accounts is not None and len(accounts):
            names = {"grow": _("grow"), "keep": _("keep"), "develop": _("develop"), "maintain": _("maintain")}
            for by, header in (("abc", _("ABC class")), ("grid", _("Value × growth"))):
                summary = segment_summary(accounts, by)
                parts.append(
                    blocks.table(
                        [header, _("Accounts"), _("Sales, last 12 months"), _("Share")],
                        [
                            (
                                names.get(r.segment, r.segment),
                                fmt_number(r.accounts),
                                self._money(r.value),
                                fmt_percent(r.share),
                            )
                            for r in summary.itertuples()
                        ],  # fmt: skip
                        numeric=[False, True, True, True],
                    )
                )
        if not parts and not self._in_sales("segment"):
            return blocks.section(
                _("Customer segments"),
                _("The sales data name no customer or segment, so there are no customer segments to show."),
            )
        strategies = self.section.strategies
        parts.append(
            blocks.table(
                [_("Segment"), _("Strategy"), _("Growth assumption")],
                [(k, v.strategy, fmt_percent(v.growth, decimals=1)) for k, v in sorted(strategies.items())],
            )
        )
        return blocks.section(_("Customer segments"), blocks.row(*parts))

    def publish_metrics(self) -> None:
        publish_metrics(
            {
                "split_target_year": float(self.goal_targets["target"].sum()),
                "split_target_month": self._month_target() or 0.0,
                "split_reps": int(self.goal_targets["rep"].nunique()),
                "split_flagged_reps": int((self.fairness_table["flag"] != "").sum()),
                "split_saved": bool(self.saved),
            }
        )

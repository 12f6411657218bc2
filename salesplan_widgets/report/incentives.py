"""The incentives section of the period report: payout summary, cost of sales, leaderboard, badges, champions.

`IncentivesReport.open(workbook, period)` computes the period's statements once (model/statements.py,
through workbook/payouts.py); each method returns one displayable `Html` part with labels through `_()`,
figures through the locale's formatters and charts as deterministic inline SVG. The template
templates/report_incentives.ipynb is one call per cell. This module computes nothing the model does not.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib import rc_context

from salesplan_widgets.i18n import _, fmt_money, fmt_number, fmt_percent, set_locale
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.estimator import PlanCost, plan_cost
from salesplan_widgets.model.recognition import (
    badges,
    champions,
    leaderboard,
    monthly_attainment,
    needs_new_accounts,
    rep_metrics,
)
from salesplan_widgets.model.statements import Statements
from salesplan_widgets.report import blocks, charts
from salesplan_widgets.report.metrics import publish_metrics
from salesplan_widgets.report.overview import parse_period
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.payouts import (
    Quotas,
    incentives_of,
    load_quotas,
    needs_products,
    period_statements,
)
from salesplan_widgets.workbook.sample_data import sample_data_notice


@dataclass
class IncentivesReport:
    """One period's incentives figures of one workbook."""

    workbook: Workbook
    period: pd.Period
    section: IncentivesSection
    quotas: Quotas
    statements: Statements
    metrics: pd.DataFrame

    @classmethod
    def open(
        cls, workbook: str | Path | Workbook, period: str, locale: str | None = None
    ) -> IncentivesReport:
        """Open the workbook and pay its plan for `period`; `locale` overrides the plan's language."""
        wb = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        if locale:
            set_locale(locale)
        # pay is measured by month: at a weekly grain the report is the month the period closes in
        calendar = FiscalCalendar.of(wb.plan.calendar)
        month = calendar.months_of([parse_period(period, calendar)])[0]
        section = incentives_of(wb)
        quotas = load_quotas(wb, allow_provisional=True)
        quotas = dataclasses.replace(quotas, table=calendar.in_months(quotas.table))
        statements = period_statements(wb, month, section, quotas)
        cube = calendar.in_months(wb.cube(by_product=needs_products(section)))
        won = wb.new_accounts() if needs_new_accounts(section.recognition.leaderboards) else None
        won = calendar.in_months(won) if won is not None else None
        metrics = rep_metrics(cube, quotas.table, month, wb.plan.calendar.fiscal_year_start, won)
        pays = statements.reps.assign(rep=statements.reps["rep"].astype(str))
        pays = pays.groupby("rep", as_index=False)["payout"].sum()  # a rep on two role plans: one row
        metrics = metrics.merge(pays, on="rep", how="left")
        return cls(wb, month, section, quotas, statements, metrics)

    @property
    def cost(self) -> PlanCost:
        return plan_cost(self.statements)

    @property
    def share_at_quota(self) -> float | None:
        with_quota = self.metrics[self.metrics["quota"] > 0]
        return float((with_quota["attainment"] >= 1.0).mean()) if len(with_quota) else None

    def _money(self, amount: float) -> str:
        return fmt_money(amount, self.workbook.currency, digits=False)

    def title(self) -> blocks.Html:
        return blocks.title(
            _("Incentives"),
            _("{plan} · {month}").format(plan=self.workbook.plan.name, month=period_labels([self.period])[0]),
            notice=sample_data_notice(self.workbook),
        )

    def notes(self) -> list[str]:
        notes = []
        if self.workbook.plan.incentives is None:
            notes.append(_("The plan has no incentives section yet: nothing is paid."))
        if self.quotas.provisional:
            notes.append(_("No targets table yet: quotas are provisional (last year's sales plus growth)."))
        return notes

    def summary(self) -> blocks.Html:
        cost, share = self.cost, self.share_at_quota
        cards = [
            blocks.Card(_("Payouts"), self._money(cost.payout)),
            blocks.Card(_("Non-cash rewards"), self._money(cost.non_cash)),
            blocks.Card(_("Total cost"), self._money(cost.total_cost)),
            blocks.Card(
                _("Cost of sales"),
                "–" if cost.cost_of_sales is None else fmt_percent(cost.cost_of_sales, decimals=2),
                _("payouts ÷ sales of {amount}").format(amount=self._money(cost.revenue)),
            ),
            blocks.Card(_("Reps at quota"), "–" if share is None else fmt_percent(share, decimals=0)),
        ]
        notes = "".join(f'<p class="salesplan-subtitle">{blocks.escape(n)}</p>' for n in self.notes())
        if not self._has_teams():  # sales without a team column: one team of everyone says nothing
            return blocks.section(_("Payout summary"), blocks.cards(cards), blocks.Html(notes), self._chart())
        teams = (
            self.statements.reps.groupby("team", observed=True)
            .agg(reps=("rep", "nunique"), sales=("period_sales", "sum"), payout=("payout", "sum"))
            .reset_index()
        )
        rows = [
            (str(t.team), fmt_number(t.reps), self._money(t.sales), self._money(t.payout))
            for t in teams.itertuples(index=False)
        ]
        table = blocks.table(
            [_("Team"), _("Reps"), _("Sales"), _("Payout")], rows, numeric=[False, True, True, True]
        )
        return blocks.section(
            _("Payout summary"), blocks.cards(cards), blocks.Html(notes), table, self._chart()
        )

    def _has_teams(self) -> bool:
        return "team" in self.workbook.source().columns

    def _chart(self) -> blocks.Html:
        """Each rep's payout against attainment: the plan's curve as the reps lived it."""
        reps = self.statements.reps
        fig = charts.new_figure()
        ax = fig.axes[0]
        with rc_context(charts._style()):
            ax.scatter(reps["attainment"], reps["payout"], s=14, color=charts.ACTUAL_COLOUR)
            ax.axvline(1.0, color="#555555", linewidth=0.8, linestyle=":")
            ax.xaxis.set_major_formatter(
                charts.FuncFormatter(lambda value, _pos: fmt_percent(value, decimals=0))
            )
            charts.money_axis(ax)
            ax.set_xlabel(_("Attainment"))
            ax.grid(axis="y", color=charts.GRID_COLOUR)
            ax.set_title(_("Payout by attainment, one dot per rep"))
        return blocks.figure(charts.to_svg(fig))

    def leaderboard(self) -> blocks.Html:
        parts: list[blocks.Html | str] = []
        percent = {"attainment", "ytd_attainment", "growth"}
        for board in self.section.recognition.leaderboards:
            if board.metric not in self.metrics.columns:  # e.g. new accounts from sales without accounts
                note = _("Leaderboard {name}: no metric '{metric}' in the data").format(
                    name=board.name, metric=board.metric
                )
                parts.append(f'<p class="salesplan-subtitle">{blocks.escape(note)}</p>')
                continue
            table = leaderboard(self.metrics, board)
            show = (lambda v: fmt_percent(v, decimals=1)) if board.metric in percent else fmt_number
            team = self._has_teams()  # without a team column, no column of "all"
            rows = [
                (str(r.rank), str(r.rep), *([str(r.team)] if team else []), show(r.value))
                for r in table.itertuples(index=False)
            ]
            parts.append(f"<h3>{blocks.escape(board.name)}</h3>")
            parts.append(
                blocks.table(
                    [_("Rank"), _("Rep"), *([_("Team")] if team else []), _("Value")],
                    rows,
                    numeric=[True, False, *([False] if team else []), True],
                )
            )
        champs = champions(self.metrics, self.section.recognition.leaderboards)
        if len(champs):
            team = self._has_teams()
            rows = [
                (str(c.board), str(c.rep), *([str(c.team)] if team else []))
                for c in champs.itertuples(index=False)
            ]
            parts.append("<h3>" + blocks.escape(_("Champions")) + "</h3>")
            parts.append(blocks.table([_("Leaderboard"), _("Rep"), *([_("Team")] if team else [])], rows))
        cube = FiscalCalendar.of(self.workbook.plan.calendar).in_months(self.workbook.cube())
        history = monthly_attainment(
            cube, self.quotas.table, self.period, self.workbook.plan.calendar.fiscal_year_start
        )
        won = badges(history, self.section.recognition.badges, self.period)
        if len(won):
            grouped = won.groupby("badge")["rep"].apply(lambda r: ", ".join(map(str, r)))
            parts.append("<h3>" + blocks.escape(_("Badges")) + "</h3>")
            parts.append(blocks.table([_("Badge"), _("Reps")], [(b, r) for b, r in grouped.items()]))
        return blocks.section(_("Recognition"), *parts)

    def publish_metrics(self) -> None:
        """Headline incentive figures for metrics.json."""
        cost = self.cost
        publish_metrics(
            {
                "incentives_payout": cost.payout,
                "incentives_non_cash": cost.non_cash,
                "incentives_total_cost": cost.total_cost,
                "incentives_cost_of_sales": cost.cost_of_sales,
                "incentives_share_at_quota": self.share_at_quota,
                "incentives_quotas_provisional": self.quotas.provisional,
            }
        )

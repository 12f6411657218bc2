"""The sales-history overview section of the period report: headline, trend, seasonality, mix, top accounts.

`OverviewReport.open(workbook, period)` loads the cube once; each method returns one displayable `Html`
part built from model functions (model/history.py) and the workbook's top-accounts query, with every
label through `_()` and every figure through the locale's formatters. The template
templates/sales_overview.ipynb is one call per cell. This module computes nothing the model does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from salesplan_widgets.i18n import _, fmt_money, fmt_number, fmt_percent, minor_unit, set_locale
from salesplan_widgets.model.calendar import FiscalCalendar, period_labels
from salesplan_widgets.model.history import (
    Headline,
    fiscal_year_start_period,
    headline,
    largest,
    mix,
    seasonality,
    trend,
)
from salesplan_widgets.report import blocks, charts
from salesplan_widgets.report.metrics import publish_metrics
from salesplan_widgets.report.period import parse_period
from salesplan_widgets.workbook import Workbook, open_workbook
from salesplan_widgets.workbook.currencies import conversion_note, sales_by_currency
from salesplan_widgets.workbook.sample_data import sample_data_notice

TREND_MONTHS = 24
TOP_ACCOUNTS = 10
MIX_MEMBERS = 8  # a dimension with more members shows its 7 largest and the others as one bar


def _growth(value: float | None) -> str:
    return "–" if value is None else fmt_percent(value, decimals=1)


@dataclass
class OverviewReport:
    """One period's sales overview of one workbook."""

    workbook: Workbook
    period: pd.Period
    cube: pd.DataFrame

    @classmethod
    def open(cls, workbook: str | Path | Workbook, period: str, locale: str | None = None) -> OverviewReport:
        """Open the workbook (its plan sets the language) and load its cube; `locale` overrides the plan."""
        wb = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
        if locale:
            set_locale(locale)
        return cls(workbook=wb, period=parse_period(period, wb.plan.calendar), cube=wb.cube())

    # -- figures --------------------------------------------------------------------------------------
    @property
    def fiscal_year_start(self) -> int:
        return self.workbook.plan.calendar.fiscal_year_start

    @property
    def headline_figures(self) -> Headline:
        return headline(self.cube, self.period, self.fiscal_year_start, minor_unit(self.workbook.currency))

    @property
    def ytd_start(self) -> pd.Period:
        return fiscal_year_start_period(self.period, self.fiscal_year_start)

    def _money(self, amount: float) -> str:
        return fmt_money(amount, self.workbook.currency, digits=False)

    # -- parts ------------------------------------------------------------------------------------------
    def title(self) -> blocks.Html:
        return blocks.title(
            _("Sales overview"),
            _("{plan} · {month}").format(plan=self.workbook.plan.name, month=period_labels([self.period])[0]),
            notice=sample_data_notice(self.workbook),
        )

    def headline(self) -> blocks.Html:
        h = self.headline_figures
        month = period_labels([self.period])[0]
        last_year = period_labels([self.headline_figures.period_last_year])[0]
        return blocks.section(
            _("Headline"),
            blocks.cards(
                [
                    blocks.Card(_("Sales in {month}").format(month=month), self._money(h.actual)),
                    blocks.Card(
                        _("Growth on last year"),
                        _growth(h.yoy_growth),
                        _("{month}: {amount}").format(
                            month=last_year, amount=self._money(h.actual_last_year)
                        ),
                    ),
                    blocks.Card(_("Year to date"), self._money(h.ytd)),
                    blocks.Card(
                        _("Year-to-date growth"),
                        _growth(h.ytd_growth),
                        _("Last year: {amount}").format(amount=self._money(h.ytd_last_year)),
                    ),
                    blocks.Card(_("Reps selling this month"), fmt_number(h.active_reps)),
                ]
            ),
            *(
                [blocks.note(note), self._by_currency()]
                if (note := conversion_note(self.workbook.plan))
                else []
            ),
        )

    def _by_currency(self) -> blocks.Html:
        """The month's sales by the currency they were sold in, and the rate each went at (nothing when the
        sales are all in the plan's currency, or were converted before, as in a published extract)."""
        start, end = self.period.start_time.date(), self.period.end_time.date()
        sold = sales_by_currency(self.workbook, start, end)  # from the cache beside the cube
        if sold.empty or set(sold["currency"]) == {self.workbook.currency}:
            return blocks.Html("")
        currency = self.workbook.currency
        rows = [
            (code, fmt_money(amount, code, digits=False), fmt_number(converted / amount, decimals=4) if amount
             else "–", self._money(converted))
            for code, amount, converted in zip(sold["currency"], sold["sold"], sold["converted"], strict=True)
        ]  # fmt: skip
        header = [_("Currency"), _("Sold in the currency"), _("Rate into {currency}").format(currency=currency),
                  _("Sales in {currency}").format(currency=currency)]  # fmt: skip
        return blocks.table(header, rows, numeric=[False, True, True, True])

    def trend(self) -> blocks.Html:
        monthly = trend(self.cube)
        span = FiscalCalendar.of(self.workbook.plan.calendar).periods_for_months(TREND_MONTHS)
        window = monthly[(monthly["period"] <= self.period) & (monthly["period"] > self.period - span)]
        svg = charts.trend_chart(
            window,
            _("Monthly sales against last year"),
            _("Sales"),
            _("Same month last year"),
        )
        return blocks.section(_("Trend"), blocks.figure(svg))

    def seasonality(self) -> blocks.Html:
        history = self.cube[self.cube["period"] <= self.period]
        svg = charts.seasonality_chart(seasonality(history), _("Seasonal index (1.0 = an average month)"))
        return blocks.section(_("Seasonality"), blocks.figure(svg))

    def _mix_part(self, by: str, header: str, chart_title: str) -> blocks.Html:
        cube = self.workbook.cube(by_product=True) if by == "product" else self.cube
        shares = mix(cube, by, start=self.ytd_start, end=self.period)
        others = _("Others ({n})").format(n=len(shares) - MIX_MEMBERS + 1)
        shares = largest(shares, by, MIX_MEMBERS, others)
        rows = [
            (str(member), self._money(actual), fmt_percent(share, decimals=1))
            for member, actual, share in zip(shares[by], shares["actual"], shares["share"], strict=True)
        ]
        table = blocks.table([header, _("Year to date"), _("Share")], rows, numeric=[False, True, True])
        return blocks.Html(f"{blocks.figure(charts.share_chart(shares, by, chart_title))}{table}")

    def mix(self) -> blocks.Html:
        """Shares by segment, channel, territory and product line, for the ones the sales data have (a note
        when none)."""
        mapped = self.workbook.source().columns
        parts = [
            self._mix_part(dim, label, title)
            for dim, label, title in (
                ("segment", _("Segment"), _("Share of year-to-date sales by segment")),
                ("channel", _("Channel"), _("Share of year-to-date sales by channel")),
                ("territory", _("Territory"), _("Share of year-to-date sales by territory")),
                ("product", _("Product line"), _("Share of year-to-date sales by product line")),
            )
            if dim in mapped
        ]
        if not parts:
            return blocks.section(
                _("Mix"),
                _(
                    "The sales data have no segment, channel, territory or product column, so there is no mix to show."
                ),
            )
        return blocks.section(_("Mix"), blocks.row(*parts))

    def top_accounts(self, n: int = TOP_ACCOUNTS) -> blocks.Html:
        from salesplan_widgets.workbook.cube import top_accounts

        heading = _("Top accounts, year to date")
        if "account" not in self.workbook.source().columns:
            return blocks.section(heading, _("The sales source maps no account column."))
        start = self.ytd_start.start_time.date()
        end = self.period.end_time.date()
        accounts = top_accounts(self.workbook.source(), self.workbook.path, n, start, end)
        rows = [
            (str(i + 1), account, self._money(actual), fmt_number(lines))
            for i, (account, actual, lines) in enumerate(
                zip(accounts["account"], accounts["actual"], accounts["lines"], strict=True)
            )
        ]
        return blocks.section(
            heading,
            blocks.table(
                ["#", _("Account"), _("Sales"), _("Invoice lines")], rows, numeric=[True, False, True, True]
            ),
        )

    def publish_metrics(self) -> None:
        """The headline figures, for metrics.json (not shown on the page)."""
        publish_metrics({**self.headline_figures.as_dict(), "currency": self.workbook.currency})

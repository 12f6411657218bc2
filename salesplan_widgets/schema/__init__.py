"""The plan's vocabulary (pydantic): what a plan may say, with types, defaults and helpful descriptions.

Pure declarations, importable by model/ without loading storage: no file access, no YAML, no pandas.
`workbook/plan.py` reads the plan file into these models and maps validation errors
back to the line of the YAML they came from. The JSON Schema in docs/plan.schema.json is generated
from `Plan` (see `salesplan schema`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from salesplan_widgets.i18n import _
from salesplan_widgets.schema.access import AccessSection
from salesplan_widgets.schema.base import PlanModel
from salesplan_widgets.schema.goal import GoalSection
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.schema.split import SplitSection
from salesplan_widgets.schema.tracking import TrackingSection

CanonicalColumn = Literal[
    "date",
    "amount",
    "rep",
    "team",
    "territory",
    "segment",
    "channel",
    "product",
    "account",
    "quantity",
    "potential",
    "deal",  # issue 12: deal id (per-deal credit and components)
    "invoice",  # issue 12: invoice id (receipts: cash collected)
    "cost",  # issue 12: cost of goods (gross margin)
    "unit_price",  # with quantity, the amount of a file that has none: quantity × unit price × (1 − discount)
    "discount",  # a fraction of the price (0.05 = 5%), with unit_price
    "discount_amount",  # 折扣额: money taken off the line's amount (or quantity × unit price)
    "currency",  # the line's currency (ISO code); blank: the source's, else the plan's
]
RateColumn = Literal["month", "currency", "rate"]
REQUIRED_COLUMNS: tuple[str, ...] = ("date", "amount", "rep")
LANGUAGE_COUNTRY: dict[str, str] = {"en": "US", "zh_CN": "CN"}  # as `salesplan init` writes them
PRICED_COLUMNS: tuple[str, ...] = ("date", "quantity", "unit_price", "rep")  # the same, amount from price
DIMENSIONS: tuple[str, ...] = ("rep", "team", "territory", "segment", "channel", "product", "account")


def priced_amount(columns: Mapping[str, str]) -> bool:
    """The sales lines give no amount but a unit price: each line's amount is quantity × unit price ×
    (1 − discount), as ERP order-line exports (Northwind, most 销售明细 with 数量 and 单价) leave it to the
    reader."""
    return "amount" not in columns and "unit_price" in columns


def required_sales_columns(columns: Mapping[str, str]) -> tuple[str, ...]:
    """The canonical columns sales lines must map: date, amount and rep, or quantity and unit_price for
    the amount."""
    return PRICED_COLUMNS if priced_amount(columns) else REQUIRED_COLUMNS


class Calendar(PlanModel):
    """The plan's time: its grain and fiscal year (the rules live in model/calendar.py)."""

    grain: Literal["month", "week", "quarter", "4-4-5", "4-5-4", "5-4-4"] = Field(
        "month",
        description="Planning grain: month; week (ISO weeks, Monday to Sunday); quarter (fiscal quarters); "
        "or a retail calendar of Sunday-to-Saturday weeks grouped 4-4-5, 4-5-4 or 5-4-4 into fiscal periods, "
        "its year ending on the Saturday nearest the end of the month before fiscal_year_start (NRF rule).",
    )
    fiscal_year_start: int = Field(
        1,
        ge=1,
        le=12,
        description="Month the fiscal year starts (1 = January); a fiscal year is named by the year it ends in.",
    )
    start: dt.date | None = Field(None, description="First date the data may hold; earlier dates are errors.")
    end: dt.date | None = Field(None, description="Last date the data may hold; later dates are errors.")
    country: str | None = Field(
        None,
        description="ISO country code whose public holidays shape working days. When omitted: the country of "
        "the plan's currency (CNY: CN, USD: US, HKD: HK, GBP: GB …); for a currency that is no one country's "
        "(EUR) the country `salesplan init` gives the plan's language (en: US, zh_CN: CN), and `salesplan "
        "validate` warns.",
    )
    _country_from: Literal["plan", "currency", "language"] = PrivateAttr("plan")

    @property
    def country_from(self) -> Literal["plan", "currency", "language"]:
        """Who chose `country`: the plan; its currency; or, for a currency of no one country, its language
        (a guess `salesplan validate` warns about). Only the plan's own choice is written back on a save."""
        return self._country_from

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        if self.start and self.end and self.start > self.end:
            raise ValueError("calendar.start must be on or before calendar.end")
        return self


class Source(PlanModel):
    path: str = Field(
        description="File path relative to the workbook folder (CSV, .xlsx, Parquet or DuckDB)."
    )
    format: Literal["csv", "excel", "parquet", "duckdb"] | None = Field(
        None, description="File format; inferred from the suffix when omitted."
    )
    table: str | None = Field(None, description="Table or view name, for a DuckDB database file.")
    sheet: str | None = Field(None, description="Worksheet name, for an Excel file (default: the first).")
    header_row: int = Field(
        1,
        ge=1,
        le=1000,
        description="Row of a CSV or Excel file that holds the column names (1 = the first); rows above it, "
        "such as a report title, are skipped.",
    )
    encoding: Literal["auto", "utf-8", "utf-8-sig", "gb18030", "gbk"] = Field(
        "auto",
        description="Text encoding of a CSV file; 'auto' tells UTF-8 (with or without BOM) from GB18030.",
    )
    decimal: Literal[".", ","] = Field(
        ".",
        description="The decimal mark of the file's figures written as text. '.' (the default) reads 1,234.50 "
        "and 12'500.00; ',' reads the European 1.234,50, 12.500 (twelve thousand five hundred) and 12 500,00. "
        "Numbers stored as numbers (an Excel number cell, a Parquet or database number column) are read as "
        "they are either way.",
    )
    date_order: Literal["YMD", "MDY", "DMY"] = Field(
        "YMD",
        description="How dates written as text with the year last are read. 'YMD' (the default) reads only "
        "year-first dates (2026-10-03, 2026/10/03, 2026年10月3日) and refuses 12/1/2010 as ambiguous; 'MDY' "
        "reads 12/1/2010 8:26 as 1 December 2010 (US exports); 'DMY' reads it as 12 January 2010 (British "
        "and European exports, 01.12.2010). Dates stored as dates are read as they are either way.",
    )
    columns: dict[CanonicalColumn, str] = Field(
        description="Canonical column -> the column name in your file, e.g. {date: 下单日期, amount: 金额}. "
        "A file without an amount maps quantity and unit_price (and discount, a fraction): each line's amount "
        "is then quantity × unit_price × (1 − discount). A discount given as money off the line (折扣额) "
        "maps discount_amount instead, which is subtracted from the amount (or quantity × unit_price)."
    )

    currency: str | None = Field(
        None,
        min_length=3,
        max_length=3,
        description="ISO 4217 code of the currency the file's amounts are in, when not the plan's (a Hong Kong "
        "arm's export: HKD). Its amounts are converted into the plan's currency at the plan's exchange_rates. A "
        "currency column mapped under columns names each line's own currency; its blank cells are this one.",
    )
    _plan_currency: str | None = PrivateAttr(None)
    _exchange_rates: dict[str, float] = PrivateAttr(default_factory=dict)
    _rates_source: RatesSource | None = PrivateAttr(None)

    @property
    def amount_currency(self) -> str | None:
        """The currency its amounts are in unless a line says otherwise: its own `currency`, else the plan's
        (set when the plan is read), so that a cell may write that currency's mark beside a figure
        (￥1,234.50). None for a source read outside a plan that names no currency."""
        return self.currency or self._plan_currency

    @property
    def plan_currency(self) -> str | None:
        """The plan's currency, into which the amounts are converted (None outside a plan)."""
        return self._plan_currency

    @property
    def exchange_rates(self) -> dict[str, float]:
        """The plan's fixed rates: one unit of the currency in the plan's currency."""
        return self._exchange_rates

    @property
    def rates_source(self) -> RatesSource | None:
        """The plan's monthly rates file, if any."""
        return self._rates_source

    @field_validator("currency")
    @classmethod
    def _known_source_currency(cls, value: str | None) -> str | None:
        return None if value is None else known_currency(value)

    @field_validator("path")
    @classmethod
    def _inside_workbook(cls, value: str) -> str:
        p = PurePosixPath(value)
        if p.is_absolute() or ".." in p.parts:
            raise ValueError("a source path must be relative to the workbook folder and stay inside it")
        return value

    @model_validator(mode="after")
    def _header_row_in_a_sheet(self) -> Source:
        if self.header_row != 1 and self.resolved_format not in ("csv", "excel"):
            raise ValueError(
                _(
                    "header_row applies to CSV and Excel files; a Parquet file or a database table has no title rows"
                )
            )
        return self

    @property
    def resolved_format(self) -> str:
        if self.format:
            return self.format
        suffix = PurePosixPath(self.path).suffix.lower()
        return {
            ".csv": "csv",
            ".txt": "csv",
            ".xlsx": "excel",
            ".parquet": "parquet",
            ".pq": "parquet",
            ".duckdb": "duckdb",
            ".db": "duckdb",
        }.get(suffix, "csv")


class SalesSource(Source):
    @model_validator(mode="after")
    def _required_columns(self) -> SalesSource:
        missing = [c for c in required_sales_columns(self.columns) if c not in self.columns]
        if missing == ["amount"]:
            raise ValueError(
                _(
                    "columns must map amount (required for sales history), or quantity and unit_price when "
                    "the file gives each line's quantity and price instead"
                )
            )
        if missing and priced_amount(self.columns):
            raise ValueError(
                _(
                    "columns must map {columns}: without an amount column, each line's amount is quantity × "
                    "unit_price × (1 − discount)"
                ).format(columns=", ".join(missing))
            )
        if missing:
            raise ValueError(f"columns must map {', '.join(missing)} (required for sales history)")
        if "discount" in self.columns and not priced_amount(self.columns):
            raise ValueError(
                _(
                    "discount applies to an amount computed from quantity × unit_price; with an amount "
                    "column, map the amount after discount and leave discount out"
                )
            )
        if "discount" in self.columns and "discount_amount" in self.columns:
            raise ValueError(
                _(
                    "map discount (a fraction of the price) or discount_amount (money off the line), not "
                    "both: the file gives one of them"
                )
            )
        return self


class RatesSource(Source):
    """Monthly exchange rates into the plan's currency: one row per month and currency."""

    columns: dict[RateColumn, str] = Field(  # type: ignore[assignment]
        description="month (2027-01, or any date in it), currency (ISO code) and rate (one unit of the currency "
        "in the plan's currency, e.g. 7.10 for USD in a CNY plan) -> the column names in your file."
    )

    @model_validator(mode="after")
    def _rate_columns(self) -> RatesSource:
        missing = [c for c in ("month", "currency", "rate") if c not in self.columns]
        if missing:
            raise ValueError(
                _("columns must map {columns} (required for exchange rates)").format(
                    columns=", ".join(missing)
                )
            )
        return self


class Sources(PlanModel):
    sales: SalesSource = Field(description="Sales transactions: one row per invoice line, returns negative.")
    accounts: Source | None = Field(
        None, description="Optional account master: account, segment, potential (estimated yearly value)."
    )
    receipts: Source | None = Field(  # issue 12: cash collected (回款)
        None,
        description="Optional receipts (回款): one row per payment received, with date, amount and invoice "
        "(and account, rep); the invoice's date and rep come from the sales lines with the same invoice.",
    )
    exchange_rates: RatesSource | None = Field(
        None,
        description="Optional monthly exchange rates: month, currency, rate (into the plan's currency). A line "
        "in another currency is converted at its month's rate; a month the file lacks takes the plan's fixed "
        "exchange_rates.",
    )


class Reports(PlanModel):
    templates: list[str] = Field(
        default_factory=lambda: ["sales_overview"],
        description="Template notebooks that `salesplan run` executes for the period report, in order.",
    )
    dashboards: list[str] = Field(
        default_factory=lambda: ["overview"],
        description="Dashboard notebooks that `salesplan serve` publishes through Voila.",
    )


class Plan(PlanModel):
    """A sales plan: who, in what currency and language, from which data, and each capability's settings."""

    schema_version: Literal[1] = Field(1, description="Version of this plan format.")
    name: str = Field(description="Company or plan name shown on reports.")
    currency: str = Field("CNY", min_length=3, max_length=3, description="ISO 4217 currency code.")
    exchange_rates: dict[str, float] = Field(
        default_factory=dict,
        description="Fixed plan rates into the plan's currency, one unit of each other currency in the plan's "
        "currency, e.g. {USD: 7.10, HKD: 0.91} in a CNY plan: the year's budget rates, so exchange moves do not "
        "change attainment. A line's month rate in sources.exchange_rates, where given, wins over these.",
    )
    locale: Literal["en", "zh_CN"] = Field("en", description="Language of labels and reports.")
    calendar: Calendar = Field(default_factory=Calendar)
    sources: Sources
    reports: Reports = Field(default_factory=Reports)
    goal: GoalSection | None = None
    split: SplitSection | None = None
    incentives: IncentivesSection | None = None
    tracking: TrackingSection | None = None
    access: AccessSection | None = Field(
        None, description="Who may sign in to `salesplan hub`, in which role and scope (see docs/serving.md)."
    )

    @model_validator(mode="after")
    def _calendar_country(self) -> Plan:
        """A plan that names no country gets its currency's (a US-dollar plan gets US holidays, not China's)."""
        if self.calendar.country is None:
            country = currency_country(self.currency)
            self.calendar.country = country or LANGUAGE_COUNTRY[self.locale]
            self.calendar._country_from = "currency" if country else "language"
        return self

    @model_validator(mode="after")
    def _sources_currency(self) -> Plan:
        """Every source knows the plan's currency and rates, to convert its amounts into it; a source in a
        currency with no rate anywhere is refused here."""
        for name in type(self.sources).model_fields:
            source = getattr(self.sources, name)
            if source is None:
                continue
            source._plan_currency = self.currency
            source._exchange_rates = dict(self.exchange_rates)
            source._rates_source = self.sources.exchange_rates
            own = source.currency
            if (
                own
                and own != self.currency
                and own not in self.exchange_rates
                and not self.sources.exchange_rates
            ):
                raise ValueError(
                    _(
                        "sources.{name}.currency: {currency} has no rate into {plan}; add {currency}: <rate> under "
                        "exchange_rates in plan.yaml, or a rates file under sources.exchange_rates"
                    ).format(name=name, currency=own, plan=self.currency)
                )
        return self

    @field_validator("exchange_rates")
    @classmethod
    def _known_rates(cls, value: dict[str, float]) -> dict[str, float]:
        rates = {}
        for code, rate in value.items():
            if not 0 < rate < float("inf"):  # NaN fails this too
                raise ValueError(
                    _(
                        "exchange_rates.{code}: a rate is a positive number (one {code} in the plan's currency), not {rate}"
                    ).format(code=code, rate=rate)
                )
            rates[known_currency(code)] = float(rate)
        return rates

    @model_validator(mode="after")
    def _calendar_fits(self) -> Plan:
        """Settings that make no sense at the calendar's grain are refused here, with the reason."""
        if self.calendar.grain != "quarter":
            return self
        section = self.incentives
        versions = [v for plan in section.plans for v in plan.versions] if section else []
        for rules in (
            [section, *versions] if section else []
        ):  # the plan's own rules, each role plan version's
            if "measurement" not in rules.model_fields_set:  # unset: a month is no period at this grain
                rules.measurement = "quarterly"
        month_windows = {
            "tracking.pace_window": self.tracking and self.tracking.pace_window == "month",
            "split.milestones": self.split and self.split.milestones == "month",
        }
        for key, bad in month_windows.items():
            if bad:
                raise ValueError(
                    _(
                        "{key}: a month window cannot be measured in quarterly periods; use quarter or year"
                    ).format(key=key)
                )
        if self.incentives and self.incentives.measurement == "monthly":
            raise ValueError(
                _(
                    "incentives.measurement: monthly payouts need monthly or weekly periods; use quarterly or yearly"
                )
            )
        for i, plan in enumerate(section.plans if section else []):
            for j, version in enumerate(plan.versions):
                if version.measurement == "monthly":
                    raise ValueError(
                        _(
                            "{key}: monthly payouts need monthly or weekly periods; use quarterly or yearly"
                        ).format(key=f"incentives.plans.{i}.versions.{j}.measurement")
                    )
        if self.split and self.split.months % 3:
            raise ValueError(
                _(
                    "split.months: a quarterly plan covers whole quarters; use a multiple of 3, not {months}"
                ).format(months=self.split.months)
            )
        if (
            self.split
            and self.split.start
            and (int(self.split.start[5:7]) - self.calendar.fiscal_year_start) % 3
        ):
            raise ValueError(
                _("split.start: {start} is not the first month of a fiscal quarter").format(
                    start=self.split.start
                )
            )
        return self

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        return known_currency(value)


def known_currency(value: str) -> str:
    """The ISO 4217 code, upper-cased; a ValueError for a code Babel (CLDR) does not know."""
    from babel.numbers import is_currency

    if not is_currency(str(value).upper()):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. CNY, USD, EUR)")
    return str(value).upper()


def currency_country(currency: str) -> str | None:
    """The country a national currency is issued by, or None for one that is no single country's (EUR, XAF).

    An ISO 4217 code starts with its issuer's ISO 3166 code (CNY: CN, USD: US, HKD: HK); CLDR, through Babel,
    confirms that the territory is a country (it has population data: EU has none) and pays in that currency.
    """
    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    territory = currency.upper()[:2]
    if territory not in get_global("territory_languages"):
        return None
    return territory if currency.upper() in get_territory_currencies(territory, dt.date.today()) else None

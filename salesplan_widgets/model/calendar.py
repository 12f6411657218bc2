"""The calendar: the one place that knows what a period is, which fiscal year it belongs to, and how long a
year of them is — for months, ISO weeks, the retail 4-4-5 / 4-5-4 / 5-4-4 calendars and fiscal quarters.

Everything else asks it instead of assuming months: the seasonal cycle (12 months, 52/53 weeks, 4
quarters), the fiscal year and its periods, the month/quarter/year window holding a period, the same
period a year earlier, labels in both languages, and working days with public holidays for pacing.
Built on pandas Periods and offsets (`FY5253` for the retail year), never on arithmetic with ordinals.

Rules, one per grain (a fiscal year is always named by the calendar year it ends in, so with a fiscal
year starting in April, FY2027 runs April 2026 – March 2027):
- month: pandas monthly Periods; the fiscal year starts on the first of `fiscal_year_start`.
- quarter: fiscal quarters as pandas quarterly Periods anchored on the fiscal year (Q-MAR for April).
- week: ISO weeks, Monday to Sunday (W-SUN). A week belongs to the month, fiscal quarter and fiscal year
  holding its Thursday (the ISO 8601 rule, so with a January year the fiscal year is the ISO year).
- 4-4-5 / 4-5-4 / 5-4-4: retail weeks, Sunday to Saturday (W-SAT). The fiscal year ends on the Saturday
  nearest the last day of the month before `fiscal_year_start` (the NRF rule; `fiscal_year_start: 2`
  gives the NRF year ending near January 31). Its weeks form four quarters of 13 weeks in the pattern's
  fiscal periods; the 53rd week of a long year joins the last period. Note that the NRF names a year
  by the year it starts in; here it is named like every other fiscal year, by the year it ends in.

Pure: pandas and the `holidays` package; no files, no widgets, no plan objects (a plan's `calendar:`
section is read by duck typing through `FiscalCalendar.of`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.tseries.offsets import FY5253

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _, fmt_month, get_locale, period_name

Grain = Literal["month", "week", "quarter", "4-4-5", "4-5-4", "5-4-4"]
GRAINS: tuple[str, ...] = ("month", "week", "quarter", "4-4-5", "4-5-4", "5-4-4")
RETAIL_PATTERNS: dict[str, tuple[int, int, int]] = {
    "4-4-5": (4, 4, 5),
    "4-5-4": (4, 5, 4),
    "5-4-4": (5, 4, 4),
}
Window = Literal["month", "quarter", "year"]
DEFAULT_COUNTRY = "CN"
_MONTH_ABBR = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_ISO_WEEK = "W-SUN"
_RETAIL_WEEK = "W-SAT"
_SATURDAY = 5
_ISO_WEEK_TEXT = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")
_QUARTER_TEXT = re.compile(r"^\d{4}Q[1-4]$")
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPAN_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2}$")
_MONTH_TEXT = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class FiscalCalendar:
    """A planning grain, the month its fiscal year starts and the country whose holidays are days off."""

    grain: Grain = "month"
    fiscal_year_start: int = 1
    country: str = DEFAULT_COUNTRY

    def __post_init__(self) -> None:
        if self.grain not in GRAINS:
            raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {self.grain!r}")
        if not 1 <= int(self.fiscal_year_start) <= 12:
            raise ValueError(f"fiscal_year_start must be a month 1-12, not {self.fiscal_year_start!r}")

    # -- construction ------------------------------------------------------------------------------------
    @classmethod
    def of(cls, spec: Any = None, periods: Any = None) -> FiscalCalendar:
        """The calendar a caller means: a FiscalCalendar as is; a plan's `calendar:` section (anything
        with grain / fiscal_year_start / country); or a fiscal year start month (int, default January),
        with the grain read off the frequency of `periods` (a Period, PeriodIndex or Series of them).
        """
        if isinstance(spec, FiscalCalendar):
            return spec
        if spec is not None and hasattr(spec, "grain"):
            country = getattr(spec, "country", None) or DEFAULT_COUNTRY  # a plan's is never None (schema)
            return cls(str(spec.grain), int(spec.fiscal_year_start), str(country))
        start = 1 if spec is None else int(spec)
        freq = _freq_of(periods)
        if freq is None:
            return cls("month", start)
        if freq.startswith("Q-"):
            end = _MONTH_ABBR.index(freq[2:5])
            return cls("quarter", (end + 1) % 12 + 1)
        if freq == _RETAIL_WEEK:
            return cls("4-4-5", start)
        if freq.startswith("W"):
            return cls("week", start)
        return cls("month", start)

    # -- the grain ---------------------------------------------------------------------------------------
    @property
    def is_retail(self) -> bool:
        return self.grain in RETAIL_PATTERNS

    @property
    def is_weekly(self) -> bool:
        return self.grain == "week" or self.is_retail

    @property
    def freq(self) -> str:
        """The pandas Period frequency of one period at this grain."""
        if self.grain == "month":
            return "M"
        if self.grain == "quarter":
            return "Q-" + _MONTH_ABBR[self._year_end_month - 1]
        return _RETAIL_WEEK if self.is_retail else _ISO_WEEK

    @property
    def cycle(self) -> int:
        """Periods in a usual fiscal year: the seasonal cycle (12, 4, or 52 — a long retail or ISO year has 53)."""
        return {"month": 12, "quarter": 4}.get(self.grain, 52)

    @property
    def _year_end_month(self) -> int:
        return (self.fiscal_year_start - 2) % 12 + 1

    def periods_for_months(self, months: int) -> int:
        """How many periods of this grain span `months` months (12 months: 52 weeks, 4 quarters)."""
        if self.grain == "month":
            return int(months)
        if self.grain == "quarter":
            return max(int(round(months / 3)), 1)
        return max(int(round(months * 52 / 12)), 1)

    def windows(self) -> tuple[str, ...]:
        """The windows (pace, attainment, milestones) that hold whole periods at this grain."""
        return ("quarter", "year") if self.grain == "quarter" else ("month", "quarter", "year")

    # -- periods -----------------------------------------------------------------------------------------
    def period(self, value: Any) -> pd.Period:
        """The period holding a date, or a period given as text ('2027-03', '2027-01-04') or at another grain.

        A period of this calendar's own frequency is returned as is; one at another grain becomes the period
        holding its first day.
        """
        if isinstance(value, pd.Period):
            if value.freqstr == self.freq:
                return value
            value = value.start_time
        if isinstance(value, str):  # as pandas writes periods: '2027-03', '2027-01-04/2027-01-10', '2027Q1'
            return pd.Period(value, freq=self.freq)
        return pd.Period(pd.Timestamp(value), freq=self.freq)

    def periods(self, values: Iterable[Any]) -> pd.PeriodIndex:
        """`period` for many values at once."""
        if isinstance(values, (pd.PeriodIndex, pd.Series)) and isinstance(
            getattr(values, "dtype", None), pd.PeriodDtype
        ):
            index = pd.PeriodIndex(values)
            if index.freqstr == self.freq:
                return index
            return pd.PeriodIndex(index.start_time, freq=self.freq)
        return pd.PeriodIndex([self.period(v) for v in values], freq=self.freq)

    def periods_from_text(self, texts: Iterable[Any]) -> pd.PeriodIndex:
        """Periods as written to CSV ('2026-10', '2025-12-29/2026-01-04', '2027Q1'), each distinct text
        parsed once (a targets table repeats a few dozen periods over thousands of rows)."""
        codes, uniques = pd.factorize(pd.Series(texts, dtype=object).astype(str), sort=False)
        parsed = pd.PeriodIndex([pd.Period(text, freq=self.freq) for text in uniques], freq=self.freq)
        return parsed.take(codes)

    def range(self, first: Any, last: Any = None, count: int | None = None) -> pd.PeriodIndex:
        """Consecutive periods from `first` to `last` (inclusive), or `count` of them."""
        start = self.period(first)
        if count is not None:
            return pd.period_range(start, periods=int(count), freq=self.freq)
        return pd.period_range(start, self.period(last), freq=self.freq)

    # -- fiscal years ------------------------------------------------------------------------------------
    def year_first_day(self, year: int) -> pd.Timestamp:
        """First day of fiscal year `year` (named by the calendar year it ends in)."""
        if self.is_retail:
            return self._retail_year_end(year - 1) + pd.Timedelta(days=1)
        return pd.Timestamp(year=year - (self.fiscal_year_start > 1), month=self.fiscal_year_start, day=1)

    def year_last_day(self, year: int) -> pd.Timestamp:
        return self.year_first_day(year + 1) - pd.Timedelta(days=1)

    def _retail_year_end(self, year: int) -> pd.Timestamp:
        """The Saturday nearest the last day of the year-end month in `year` (pandas' FY5253 'nearest')."""
        nominal = pd.Timestamp(year=year, month=self._year_end_month, day=1) + pd.offsets.MonthEnd(0)
        offset = FY5253(weekday=_SATURDAY, startingMonth=self._year_end_month, variation="nearest")
        return offset.rollforward(nominal - pd.Timedelta(days=3))

    def year_periods(self, year: int) -> pd.PeriodIndex:
        """Every period of fiscal year `year`, in order."""
        return _year_periods(self, int(year))

    def fiscal_years(self, periods: Iterable[Any]) -> np.ndarray:
        """Fiscal year of each period (int array), named by the calendar year it ends in."""
        return self._facts(periods)["year"].to_numpy()

    def fiscal_year(self, period: Any) -> int:
        return int(self.fiscal_years([period])[0])

    def positions(self, periods: Iterable[Any]) -> np.ndarray:
        """1-based place of each period in its fiscal year: its season (month 1–12, week 1–53, quarter 1–4)."""
        return self._facts(periods)["position"].to_numpy()

    def fiscal_months(self, periods: Iterable[Any]) -> np.ndarray:
        """The fiscal month (1–12; the retail pattern's period for 4-4-5 grains) holding each period."""
        return self._facts(periods)["month"].to_numpy()

    def fiscal_quarters(self, periods: Iterable[Any]) -> np.ndarray:
        return self._facts(periods)["quarter"].to_numpy()

    def cycle_of(self, period: Any) -> int:
        """Periods in the fiscal year holding `period` (52 or 53 in a weekly year)."""
        return len(self.year_periods(self.fiscal_year(period)))

    def year_start(self, period: Any) -> pd.Period:
        """First period of the fiscal year holding `period`."""
        return self.year_periods(self.fiscal_year(period))[0]

    def year_bounds(self, period: Any) -> tuple[pd.Period, pd.Period]:
        periods = self.year_periods(self.fiscal_year(period))
        return periods[0], periods[-1]

    def window(self, period: Any, window: str = "year") -> tuple[pd.Period, pd.Period]:
        """(first, last) period of the fiscal month, quarter or year holding `period`.

        At a weekly grain the month is the weeks of the calendar month (ISO: by their Thursday) or the
        retail pattern's period; at quarter grain a month window is the quarter itself.
        """
        if window not in ("month", "quarter", "year", "period"):
            raise ValueError(f"window must be month, quarter or year, not {window!r}")
        p = self.period(period)
        if window == "period" or (self.grain == "month" and window == "month"):
            return p, p
        facts = _year_facts(self, self.fiscal_year(p))
        if window == "year":
            return facts.index[0], facts.index[-1]
        key = "quarter" if window == "quarter" or self.grain == "quarter" else "month"
        inside = facts.index[facts[key].to_numpy() == facts.at[p, key]]
        return inside[0], inside[-1]

    def same_period_years_ago(self, periods: Iterable[Any], years: int = 1) -> pd.PeriodIndex:
        """The period at the same place of the fiscal year `years` earlier (a 53rd week maps to the 52nd)."""
        index = self.periods(periods)
        unique = index.unique()
        facts = self._facts(unique)
        earlier = []
        for year, position in zip(facts["year"], facts["position"], strict=True):
            periods_then = self.year_periods(int(year) - years)
            earlier.append(periods_then[min(int(position), len(periods_then)) - 1])
        mapping = pd.Series(pd.PeriodIndex(earlier, freq=self.freq), index=unique)
        return pd.PeriodIndex(mapping.reindex(index).to_numpy(), freq=self.freq)

    def next_year_periods(self, after: Any) -> pd.PeriodIndex:
        """The periods of the first fiscal year that starts after `after` (the last period with data)."""
        following = self.period(after) + 1
        year = self.fiscal_year(following)
        periods = self.year_periods(year)
        return periods if periods[0] == following else self.year_periods(year + 1)

    def _facts(self, periods: Iterable[Any]) -> pd.DataFrame:
        """year, position, month, quarter of each period (looked up per distinct period: cubes repeat them)."""
        index = self.periods(periods)
        unique = index.unique()
        if not len(unique):
            columns = ["year", "position", "month", "quarter", "week_of_month"]
            return pd.DataFrame({c: pd.Series([], dtype="int64") for c in columns}, index=index)
        approx = _approximate_years(self, unique)
        years = sorted({int(y) + step for y in np.unique(approx) for step in (-1, 0, 1)})
        table = pd.concat([_year_facts(self, y) for y in years])
        table = table[~table.index.duplicated()]
        missing = unique.difference(table.index)
        if len(missing):
            raise ValueError(f"periods outside the calendar: {list(missing)[:3]}")
        return table.reindex(index)

    # -- months: where pay and other monthly rules meet a finer or coarser grain ---------------------------
    def months_of(self, periods: Iterable[Any]) -> pd.PeriodIndex:
        """The month each period counts in when money is measured by month: itself; for weeks the fiscal
        month holding them (ISO: by their Thursday; retail: the pattern's period, named by the month it
        stands for); for a quarter its last month (its sales are known when it closes)."""
        index = self.periods(periods)
        if self.grain == "month":
            return index
        if self.grain == "quarter":
            return index.asfreq("M", how="end")
        facts = self._facts(index)
        firsts = {
            int(y): pd.Period(self.year_first_day(int(y)) + pd.Timedelta(days=6), freq="M")
            for y in facts["year"].unique()
        }
        out = [firsts[int(y)] + (int(m) - 1) for y, m in zip(facts["year"], facts["month"], strict=True)]
        return pd.PeriodIndex(out, freq="M")

    def in_months(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` with its `period` column as the months its periods count in (`months_of`)."""
        if self.grain == "month":
            return frame
        if frame.empty:
            return frame.assign(period=pd.PeriodIndex([], freq="M"))
        periods = pd.PeriodIndex(frame["period"])
        unique = periods.unique()
        months = pd.Series(self.months_of(unique), index=unique)
        return frame.assign(period=pd.PeriodIndex(months.reindex(periods).to_numpy(), freq="M"))

    # -- period names in files and on the command line ----------------------------------------------------
    def key(self, period: Any) -> str:
        """A period as text fit for a folder name and a --period argument, read back by `parse`:
        '2026-10' (month), '2026-W44' (ISO week), '2026-10-25' (retail week, its first day), '2027Q1'
        (fiscal quarter, named like the fiscal year)."""
        p = self.period(period)
        if self.grain == "month" or self.grain == "quarter":
            return str(p)
        if self.grain == "week":
            iso = p.start_time.isocalendar()
            return f"{iso[0]}-W{iso[1]:02d}"
        return p.start_time.date().isoformat()

    def parse(self, text: str) -> pd.Period:
        """The period a --period text names: a `key`, or YYYY-MM (at a finer grain: the last period of that
        fiscal month, when the month closes), a date YYYY-MM-DD (the period holding it) or a week as pandas
        writes it (2026-10-26/2026-11-01). ValueError if the text names none."""
        text = text.strip()
        if _ISO_WEEK_TEXT.match(text) and self.grain == "week":
            year, week = int(text[:4]), int(text[6:])
            return self.period(dt.date.fromisocalendar(year, week, 1))
        if _QUARTER_TEXT.match(text) and self.grain == "quarter":
            return pd.Period(text, freq=self.freq)
        if _SPAN_TEXT.match(text):  # as pandas writes a week: its first and last day
            return self.period(dt.date.fromisoformat(text[:10]))
        if _DATE_TEXT.match(text):
            return self.period(dt.date.fromisoformat(text))
        if _MONTH_TEXT.match(text):
            month = pd.Period(text, freq="M")
            if self.grain == "month":
                return month
            if self.grain == "quarter":
                return self.period(month.start_time)
            inside = self.month_periods(month)
            return inside[-1]
        raise ValueError(text)

    def month_periods(self, month: pd.Period) -> pd.PeriodIndex:
        """The periods that count in a month (the inverse of `months_of`): weeks by their Thursday (ISO) or
        the retail pattern's period standing for the month; a month is itself; a quarter holds it."""
        if self.grain == "month":
            return pd.PeriodIndex([month], freq="M")
        if self.grain == "quarter":
            return pd.PeriodIndex([self.period(month.start_time)], freq=self.freq)
        # a retail period may start or end up to a fortnight from its month (a 53rd week, a year end)
        weeks = self.range(month.start_time - pd.Timedelta(days=21), month.end_time + pd.Timedelta(days=21))
        return weeks[self.months_of(weeks) == month]

    # -- labels ------------------------------------------------------------------------------------------
    def labels(self, periods: Iterable[Any], locale: str | None = None) -> list[str]:
        """Short axis and table labels: 'Oct 2026' / '2026年10月', 'W05 2027' / '2027年第5周',
        'Q1 FY2027' / '2027财年第1季度', 'FY2027 P02 W3' / '2027财年第2期第3周'."""
        locale = locale or get_locale()
        index = self.periods(periods)
        if self.grain == "month":
            return [fmt_month(p.year, p.month, locale) for p in index]
        if self.grain == "week":
            iso = [p.start_time.isocalendar() for p in index]
            text = _("W{week} {year}", locale)
            return [text.format(week=f"{int(w[1]):02d}", year=int(w[0])) for w in iso]
        facts = self._facts(index)
        if self.grain == "quarter":
            text = _("Q{quarter} FY{year}", locale)
            return [
                text.format(quarter=int(q), year=int(y))
                for q, y in zip(facts["position"], facts["year"], strict=True)
            ]
        text = _("FY{year} P{period} W{week}", locale)
        return [
            text.format(year=int(y), period=f"{int(m):02d}", week=int(w))
            for y, m, w in zip(facts["year"], facts["month"], facts["week_of_month"], strict=True)
        ]

    def label(self, period: Any, locale: str | None = None) -> str:
        return self.labels([period], locale)[0]

    def period_name(self, locale: str | None = None) -> str:
        """What one period is called at this grain ('Month', 'Week', 'Quarter'): controls and columns."""
        return period_name(self.grain, locale)

    def fiscal_year_label(self, year: int, locale: str | None = None) -> str:
        return _("FY{year}", locale).format(year=int(year))

    # -- working days --------------------------------------------------------------------------------------
    def working_days(self, periods: Iterable[Any]) -> pd.Series:
        """Working days in each period (weekdays less public holidays, plus make-up working days)."""
        return working_days_by_period(self.periods(periods), self.country)

    def expected_to_date(self, periods: Iterable[Any], as_of: dt.date) -> pd.Series:
        """Share of each period's working days passed by the end of `as_of`: the pacing fraction."""
        return elapsed_share(self.periods(periods), as_of, self.country)


def pay_months(dates: pd.Series, calendar: FiscalCalendar | None = None) -> pd.PeriodIndex:
    """The month each date is paid in: its own month, or at a weekly grain the month its week counts in
    (a return on Sunday 1 March 2026 is in February's last ISO week)."""
    days = pd.DatetimeIndex(pd.to_datetime(dates))
    if calendar is None or calendar.grain == "month":
        return days.to_period("M")
    return calendar.months_of(days.to_period(calendar.freq))


def _freq_of(periods: Any) -> str | None:
    if periods is None:
        return None
    if isinstance(periods, pd.Period):
        return periods.freqstr
    dtype = getattr(periods, "dtype", None)
    if isinstance(dtype, pd.PeriodDtype):
        return str(dtype)[len("period[") : -1]  # the Period alias (Q-DEC), not the offset's (QE-DEC)
    return None


def _approximate_years(calendar: FiscalCalendar, periods: pd.PeriodIndex) -> np.ndarray:
    """A fiscal year within one of the right one: the calendar year of the period's end, shifted for the start."""
    end = periods.end_time
    return np.asarray(end.year + (end.month >= calendar.fiscal_year_start) * (calendar.fiscal_year_start > 1))


@cache
def _year_periods(calendar: FiscalCalendar, year: int) -> pd.PeriodIndex:
    first = calendar.year_first_day(year)
    last = calendar.year_last_day(year)
    if calendar.grain == "week":  # ISO rule: the weeks whose Thursday falls inside the year
        first = first + pd.Timedelta(days=(3 - first.weekday()) % 7)
        last = last - pd.Timedelta(days=(last.weekday() - 3) % 7)
    return pd.period_range(pd.Period(first, freq=calendar.freq), pd.Period(last, freq=calendar.freq))


@cache
def _year_facts(calendar: FiscalCalendar, year: int) -> pd.DataFrame:
    """One row per period of fiscal year `year`: year, position, fiscal month and fiscal quarter."""
    periods = _year_periods(calendar, year)
    position = np.arange(1, len(periods) + 1)
    if calendar.grain == "month":
        month = position
    elif calendar.grain == "quarter":
        month = (position - 1) * 3 + 1
    elif calendar.grain == "week":  # the fiscal month of the week's Thursday
        thursdays = periods.start_time + pd.Timedelta(days=3)
        months = pd.PeriodIndex(thursdays, freq="M")
        month = months.month.to_numpy()
        month = (month - calendar.fiscal_year_start) % 12 + 1
    else:
        lengths = np.tile(RETAIL_PATTERNS[calendar.grain], 4)
        lengths[-1] += len(periods) - lengths.sum()  # the 53rd week joins the last period
        month = np.repeat(np.arange(1, 13), lengths)
    quarter = (np.asarray(month) - 1) // 3 + 1
    if calendar.grain == "quarter":
        quarter = position
    facts = pd.DataFrame(
        {"year": year, "position": position, "month": np.asarray(month), "quarter": quarter}, index=periods
    )
    facts["week_of_month"] = facts.groupby("month").cumcount() + 1
    return facts


# -- working days (the `holidays` package) ----------------------------------------------------------------
@lru_cache(maxsize=64)
def _country_calendar(
    country: str, first_year: int, last_year: int
) -> tuple[frozenset, frozenset, frozenset]:
    """(holidays, make-up working days, weekend weekdays) of a country over some years."""
    import holidays

    try:
        calendar = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    except NotImplementedError as exc:
        raise InputError(
            Problem(
                file="plan.yaml",
                column="calendar.country",
                expected=_("a country code the holidays library knows (e.g. CN, US, DE)"),
                found=country,
                fix=_("set calendar.country (or tracking.country) to an ISO country code"),
            )
        ) from exc
    holiday_days = frozenset(calendar.keys())
    makeup = frozenset(
        d for d in getattr(calendar, "weekend_workdays", set()) if first_year <= d.year <= last_year
    )
    return holiday_days, makeup, frozenset(calendar.weekend)


def working_days(
    start: dt.date, end: dt.date, country: str = DEFAULT_COUNTRY, freq: str = "M"
) -> pd.DataFrame:
    """One row per calendar day from `start` to `end`: date, period (at `freq`), working (bool).

    A working day is a weekday that is not a public holiday, or a weekend day the government made a
    working day to make up for a bridged holiday (China's 调休, as the holidays package publishes them).
    """
    dates = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    holiday_days, makeup, weekend = _country_calendar(country, dates[0].year, dates[-1].year)
    is_holiday = dates.isin(pd.DatetimeIndex(sorted(holiday_days)))
    is_makeup = dates.isin(pd.DatetimeIndex(sorted(makeup)))
    working = (~np.isin(dates.day_of_week, list(weekend)) & ~is_holiday) | is_makeup
    return pd.DataFrame({"date": dates, "period": dates.to_period(freq), "working": working})


def _as_index(periods: Sequence[pd.Period]) -> pd.PeriodIndex:
    index = pd.PeriodIndex(periods) if len(periods) else pd.PeriodIndex([], freq="M")
    return index


def working_days_by_period(periods: Sequence[pd.Period], country: str = DEFAULT_COUNTRY) -> pd.Series:
    """Number of working days in each period (at the periods' own grain), indexed by period."""
    index = _as_index(periods)
    days = working_days(index.min().start_time.date(), index.max().end_time.date(), country, index.freqstr)
    counts = days.groupby("period")["working"].sum()
    return counts.reindex(index, fill_value=0).astype(int)


def elapsed_share(periods: Sequence[pd.Period], as_of: dt.date, country: str = DEFAULT_COUNTRY) -> pd.Series:
    """Share of each period's working days that have passed by the end of `as_of` (1 before, 0 after).

    A period without a working day (a week closed for Spring Festival) is over from its last day on, as a
    period of working days is: 0 before that day, 1 on and after it."""
    index = _as_index(periods).unique().sort_values()
    days = working_days(index.min().start_time.date(), index.max().end_time.date(), country, index.freqstr)
    passed = days["working"] & (days["date"] <= pd.Timestamp(as_of))
    by_period = pd.DataFrame({"period": days["period"], "working": days["working"], "passed": passed})
    totals = by_period.groupby("period")[["working", "passed"]].sum()
    share = (totals["passed"] / totals["working"].where(totals["working"] > 0)).fillna(
        pd.Series(
            (totals.index.end_time.normalize() <= pd.Timestamp(as_of)).astype(float), index=totals.index
        )
    )
    return share.reindex(index).rename("elapsed_share")


def period_like(value: Any, periods: Any = None) -> pd.Period:
    """`value` (a Period, date or text) as a period of the grain of `periods` (months when unknown).

    Replaces `pd.Period(value, freq="M")`, which silently turns a week into its month.
    """
    freq = _freq_of(periods)
    if freq is None:
        if isinstance(value, pd.Period):
            return value
        return pd.Period(value, freq="M")
    if isinstance(value, pd.Period) and value.freqstr == freq:
        return value
    if isinstance(value, pd.Period):
        return pd.Period(value.start_time, freq=freq)
    return (
        pd.Period(value, freq=freq) if isinstance(value, str) else pd.Period(pd.Timestamp(value), freq=freq)
    )


def period_labels(periods: Iterable[pd.Period], locale: str | None = None) -> list[str]:
    """Labels for periods of any grain, the grain read off their frequency (months: 'Oct 2026')."""
    periods = list(periods)
    return FiscalCalendar.of(None, pd.PeriodIndex(periods) if periods else None).labels(periods, locale)

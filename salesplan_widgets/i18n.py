"""Two languages: message translation (gettext catalogues kept with Babel) and locale-aware formatting.

English text is the message id; Simplified Chinese lives in `locale/zh_CN/LC_MESSAGES/salesplan.po`,
refreshed with `pybabel extract -F babel.cfg` (see README). The active locale is set once when a workbook
opens (from its plan) and read by `_`; numbers, money, percentages and dates go through Babel so they
follow the locale. This module must never import pandas or anything heavy: errors and the CLI use it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

LOCALES = ("en", "zh_CN")
_LOCALE_DIR = Path(__file__).parent / "locale"
_active: contextvars.ContextVar[str] = contextvars.ContextVar("salesplan_locale", default="en")


def set_locale(locale: str) -> None:
    """Make `locale` the language of every message and figure from now on."""
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {', '.join(LOCALES)}, not {locale!r}")
    _active.set(locale)


def get_locale() -> str:
    return _active.get()


@contextlib.contextmanager
def use_locale(locale: str):
    """`locale` for the messages made inside the block only (e.g. a plan's errors, in the plan's language)."""
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {', '.join(LOCALES)}, not {locale!r}")
    token = _active.set(locale)
    try:
        yield
    finally:
        _active.reset(token)


@cache
def _catalogue(locale: str) -> dict[str, str]:
    """msgid -> translation for one locale, read from its .po file (empty for English)."""
    po = _LOCALE_DIR / locale / "LC_MESSAGES" / "salesplan.po"
    if not po.exists():
        return {}
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def gettext(message: str, locale: str | None = None) -> str:
    """The message in `locale` (default: the active one); English when no translation exists."""
    return _catalogue(locale or get_locale()).get(message, message)


_ = gettext


def translator(locale: str):
    """A `_` bound to one locale, for code that renders in a language other than the active one."""
    return lambda message: gettext(message, locale)


def period_name(grain: str | None = "month", locale: str | None = None) -> str:
    """What one period of a calendar grain is called, for the period controls and columns: "Month",
    "Week" (ISO and retail 4-4-5 weeks alike: a retail period's rows are its weeks), "Quarter"; "Period"
    for a grain it does not know. The one place a page asks, so a weekly workbook never says "Month"."""
    names = {"month": _("Month", locale), "week": _("Week", locale), "quarter": _("Quarter", locale)}
    if grain in ("4-4-5", "4-5-4", "5-4-4"):
        return names["week"]
    return names.get(grain or "month", _("Period", locale))


def dimension_labels(grain: str | None = "month") -> dict[str, str]:
    """Names of the table vocabulary's dimensions (docs/architecture.md) in the active language, for titles
    and menus; the period is named for the plan's calendar `grain` (`period_name`)."""
    return {
        "segment": _("Segment"),
        "channel": _("Channel"),
        "territory": _("Territory"),
        "team": _("Team"),
        "rep": _("Rep"),
        "period": period_name(grain),
    }


def _babel_locale(locale: str | None) -> Locale:
    return _parsed_locale(locale or get_locale())


@cache
def _parsed_locale(locale: str) -> Locale:
    """Parsed once per name: a ledger step formats a few hundred thousand figures, and parsing the name
    (and loading its CLDR data into a fresh Locale) for each took a tenth of a statement's time."""
    return Locale.parse(locale)


def _unsigned_zero(value: float, decimals: int) -> float:
    """0.0 for a value that shows as zero at `decimals` digits: a variance of −0.001 (or a float's −0.0)
    reads ¥0.00 and 0%, not −¥0.00 and −0%."""
    return 0.0 if round(value, decimals) == 0 else value


def fmt_money(amount: float, currency: str, locale: str | None = None, digits: bool = True) -> str:
    """Money in the locale's format, e.g. ¥1,234.50 / CN¥1,234.50; `digits=False` drops the minor unit."""
    fmt = None if digits else "¤#,##0"
    return babel_numbers.format_currency(
        _unsigned_zero(amount, minor_unit(currency) if digits else 0),
        currency,
        format=fmt,
        locale=_babel_locale(locale),
        currency_digits=digits,
    )


def fmt_number(value: float, locale: str | None = None, decimals: int = 0) -> str:
    return babel_numbers.format_decimal(
        round(value, decimals) + 0.0,  # + 0.0: −0.0 reads 0
        format="#,##0" + ("." + "0" * decimals if decimals else ""),
        locale=_babel_locale(locale),
    )


def fmt_compact(value: float, locale: str | None = None, fraction_digits: int = 1) -> str:
    """Short figures for chart labels: 1.2M in English, 120万 in Chinese."""
    return babel_numbers.format_compact_decimal(
        value + 0.0, format_type="short", fraction_digits=fraction_digits, locale=_babel_locale(locale)
    )


def fmt_compact_ticks(values: Sequence[float], locale: str | None = None) -> list[str]:
    """An axis's tick labels in the short form of `fmt_compact`, with the fewest fraction digits (at least
    one, at most six) that tell every tick apart and name each as it is: a waterfall from 2.28亿 to 2.33亿
    reads 2.28亿, 2.29亿 …, not 2.3亿 six times, and a tick at 2.25亿 reads 2.25亿, not 2.2亿. Ticks that
    three digits do not name exactly (not round) get the fewest digits that tell them apart."""
    labels = {digits: [fmt_compact(v, locale, digits) for v in values] for digits in range(1, 7)}
    apart = [digits for digits, named in labels.items() if len(set(named)) == len(named)] or [6]
    exact = next((digits for digits in apart if digits <= 3 and labels[digits] == labels[6]), apart[0])
    return _same_fraction_digits(labels[exact], locale)


def _same_fraction_digits(labels: list[str], locale: str | None) -> list[str]:
    """Labels padded with zeros to the most fraction digits any of them shows (Babel's compact form drops
    trailing zeros: 2.28亿, 2.29亿, 2.3亿 reads 2.30亿 beside its neighbours, as on a printed axis). Zero
    stays 0, the axis's floor."""
    point = babel_numbers.get_decimal_symbol(_babel_locale(locale))
    numbers = [re.search(rf"\d+(?:{re.escape(point)}(\d+))?", label) for label in labels]
    width = max((len(m.group(1) or "") for m in numbers if m), default=0)
    padded = []
    for label, m in zip(labels, numbers, strict=True):
        if m and m.group(0).strip("0" + point) and len(m.group(1) or "") < width:
            zeros = "0" * (width - len(m.group(1) or ""))
            label = label[: m.end()] + ("" if m.group(1) else point) + zeros + label[m.end() :]
        padded.append(label)
    return padded


def currency_marks(currency: str) -> tuple[str, ...]:
    """How sales files write `currency` beside a figure: its ISO code and its symbols in English and Chinese
    (Babel: CN¥ and ¥, US$ and $), the full-width ￥ a Chinese export uses, and 元 and RMB for the yuan.
    Longest first, so that CN¥ is read before ¥."""
    marks = {currency, *(babel_numbers.get_currency_symbol(currency, locale=loc) for loc in LOCALES)}
    if "¥" in marks:
        marks.add("￥")
    if currency == "CNY":
        marks |= {"元", "RMB"}
    return tuple(sorted(marks, key=lambda mark: (-len(mark), mark)))


def fmt_percent(value: float, locale: str | None = None, decimals: int = 0) -> str:
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return babel_numbers.format_percent(
        _unsigned_zero(value, decimals + 2), format=fmt, locale=_babel_locale(locale)
    )


def fmt_date(value: dt.date, locale: str | None = None) -> str:
    return babel_dates.format_date(value, format="medium", locale=_babel_locale(locale))


def fmt_span(first: dt.date, last: dt.date, locale: str | None = None) -> str:
    """Days from first to last, each part written once: 'Apr 27 – May 3, 1998' / '1998年4月27日 – 5月3日'."""
    return babel_dates.format_interval(first, last, "yMMMd", locale=_babel_locale(locale))


def fmt_month(year: int, month: int, locale: str | None = None) -> str:
    """A month label: 'Oct 2026' / '2026年10月'."""
    return babel_dates.format_skeleton("yMMM", dt.date(year, month, 1), locale=_babel_locale(locale))


def minor_unit(currency: str) -> int:
    """Digits of the currency's minor unit (2 for CNY and USD, 0 for JPY), from Babel's CLDR data."""
    return babel_numbers.get_currency_precision(currency)

"""Two languages: every message in the code has a Simplified Chinese translation; figures follow the locale."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from salesplan_widgets import i18n
from salesplan_widgets.widgets.charts import value_ticks

ROOT = Path(__file__).parents[1]


def _messages_in_code() -> set[str]:
    found = extract_from_dir(
        str(ROOT / "salesplan_widgets"),
        method_map=[("**.py", "python")],
        keywords={"_": None, "gettext": None},
    )
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def test_every_message_in_the_code_has_a_chinese_translation() -> None:
    missing = sorted(m for m in _messages_in_code() if i18n.gettext(m, "zh_CN") == m)
    assert not missing, f"{len(missing)} messages lack a zh_CN translation, e.g. {missing[:5]}"


def test_no_message_hides_inside_an_f_string() -> None:
    """`_()` inside an f-string is invisible to the extractor (Python < 3.12 tokenises an f-string whole), so
    `make catalog` would drop its translation and the page would show English; the AST sees them all."""
    import ast

    hidden = []
    for path in sorted((ROOT / "salesplan_widgets").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for f_string in (node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)):
            hidden += [
                f"{path.relative_to(ROOT)}:{call.lineno} {ast.unparse(call)}"
                for call in ast.walk(f_string)
                if isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id in {"_", "gettext"}
            ]
    assert not hidden, hidden


def test_translations_keep_every_placeholder() -> None:
    placeholder = re.compile(r"{[^{}]*}")
    for message in _messages_in_code():
        translated = i18n.gettext(message, "zh_CN")
        assert sorted(placeholder.findall(translated)) == sorted(placeholder.findall(message)), message


def test_active_locale_switches_the_language_of_messages() -> None:
    i18n.set_locale("zh_CN")
    try:
        assert i18n._("Plan and data are valid.") != "Plan and data are valid."
    finally:
        i18n.set_locale("en")
    assert i18n._("Plan and data are valid.") == "Plan and data are valid."


def test_figures_are_formatted_for_the_locale() -> None:
    assert i18n.fmt_money(1234.5, "CNY", "zh_CN") == "¥1,234.50"
    assert i18n.fmt_money(1234.5, "CNY", "en") == "CN¥1,234.50"
    assert i18n.fmt_compact(1_234_567, "zh_CN") == "123.5万"
    assert i18n.fmt_compact(1_234_567, "en") == "1.2M"
    assert i18n.fmt_month(2026, 10, "zh_CN") == "2026年10月"
    assert i18n.fmt_date(dt.date(2026, 10, 3), "en") == "Oct 3, 2026"


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_a_figure_that_shows_as_zero_has_no_minus_sign(locale) -> None:
    """A float's −0.0 and a variance of −0.001 read as zero (a chart's first tick, a report's variance)."""
    zero = i18n.fmt_money(0.0, "CNY", locale)
    assert i18n.fmt_money(-0.0, "CNY", locale) == i18n.fmt_money(-0.004, "CNY", locale) == zero
    assert i18n.fmt_money(-0.4, "CNY", locale, digits=False) == i18n.fmt_money(
        0.0, "CNY", locale, digits=False
    )
    assert i18n.fmt_money(-0.4, "JPY", locale) == i18n.fmt_money(0.0, "JPY", locale)
    assert i18n.fmt_money(-0.006, "CNY", locale).startswith("-")  # a cent owed still shows its sign
    assert i18n.fmt_percent(-0.00004, locale) == "0%" and i18n.fmt_percent(-0.006, locale) == "-1%"
    assert i18n.fmt_number(-0.4, locale) == i18n.fmt_compact(-0.0, locale) == "0"
    assert value_ticks([8e6], locale)[0] == "0"  # np.ceil(−1e-9) is −0.0


def test_minor_unit_comes_from_the_currency() -> None:
    assert i18n.minor_unit("CNY") == 2
    assert i18n.minor_unit("JPY") == 0

"""Whose public holidays a plan keeps when its `calendar:` names no country: its currency's country.

A hand-written English US-dollar plan used to get China's holidays (the schema's old default), which moved
working days, pacing and deadlines. Now a plan that names no country follows its currency where the
currency is one country's (CNY: CN, USD: US, HKD: HK …); a currency of no one country (EUR) falls back to
the country `salesplan init` gives the plan's language, and `salesplan validate` says so and how to set it.
A plan that names its country keeps it. Working days counted by hand: July 2026 has 23 weekdays and the US
observes Independence Day (Saturday 4 July) on Friday 3 July; China has no July holiday; Hong Kong works
Monday to Saturday (the holidays package's weekend there is Sunday) and is off on 1 July.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.cli import main
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.workbook import open_workbook

JULY = pd.Period("2026-07", freq="M")


def plan_workbook(folder: Path, head: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "sales.csv").write_text("date,amount,rep\n2026-07-06,100,Ann\n", encoding="utf-8")
    sources = "sources:\n  sales:\n    path: sales.csv\n    columns: {date: date, amount: amount, rep: rep}\n"
    (folder / "plan.yaml").write_text(f"name: Hand Made\n{head}{sources}", encoding="utf-8")
    return folder


def july_working_days(folder: Path) -> int:
    calendar = FiscalCalendar.of(open_workbook(folder).plan.calendar)
    return int(calendar.working_days([JULY]).iloc[0])


@pytest.mark.parametrize(
    ("head", "country", "july"),
    [
        ("currency: USD\nlocale: en\n", "US", 22),  # 3 July off
        ("currency: CNY\nlocale: en\n", "CN", 23),
        ("locale: zh_CN\n", "CN", 23),  # the plan's default currency is CNY, as before
        ("currency: HKD\nlocale: en\n", "HK", 26),  # Monday to Saturday: 27 days, less 1 July (HKSAR Day)
        ("currency: USD\ncalendar: {country: CN}\n", "CN", 23),  # named: kept, whatever the currency
    ],
)
def test_a_plan_without_a_country_keeps_its_currencys_holidays(tmp_path, head, country, july):
    folder = plan_workbook(tmp_path / "wb", head)
    assert open_workbook(folder).plan.calendar.country == country
    assert july_working_days(folder) == july


@pytest.mark.parametrize(
    ("locale", "words"),  # the language's country, as `salesplan init` gives it: en US, zh_CN CN
    [
        ("en", "EUR is not one country's currency, so working days, pacing and deadlines follow the public "
         "holidays of United States (US)"),
        ("zh_CN", "EUR 不是某一个国家的货币，因此工作日、进度和截止日期按中国（CN）的法定节假日计算"),
    ],
)  # fmt: skip
def test_validate_warns_which_holidays_it_assumed_for_a_currency_of_no_one_country(
    tmp_path, capsys, locale, words
):
    folder = plan_workbook(tmp_path / "wb", f"currency: EUR\nlocale: {locale}\n")
    assert main(["validate", str(folder)]) == 0  # a warning, not a problem
    err = " ".join(capsys.readouterr().err.split())
    assert "calendar.country" in err and words in err
    assert "country: DE" in err  # how to set it


def test_validate_says_nothing_of_the_country_when_the_currency_or_the_plan_decides_it(tmp_path, capsys):
    for name, head in [("usd", "currency: USD\n"), ("named", "currency: EUR\ncalendar: {country: DE}\n")]:
        assert main(["validate", str(plan_workbook(tmp_path / name, head))]) == 0
        assert "calendar.country" not in capsys.readouterr().err


def test_a_save_does_not_pin_a_country_that_follows_the_currency(tmp_path):
    """Saving writes the plan's own choices: a country taken from the currency stays unwritten (so a later
    change of currency moves it too), a country the plan names stays written."""
    follows = plan_workbook(tmp_path / "follows", "currency: USD\n")
    wb = open_workbook(follows)
    wb.plan_file.save()
    assert "country" not in (follows / "plan.yaml").read_text(encoding="utf-8")
    assert open_workbook(follows).plan.calendar.country == "US"
    named = plan_workbook(tmp_path / "named", "currency: USD\ncalendar: {country: GB}\n")
    open_workbook(named).plan_file.save()
    assert open_workbook(named).plan.calendar.country == "GB"

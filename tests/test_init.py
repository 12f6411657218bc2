"""`salesplan init` and `salesplan validate`: a new workbook in either language, never over an old one."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.workbook.scaffold import HEADERS, init_workbook


def salesplan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salesplan_widgets.cli", *args], capture_output=True, text=True
    )


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_init_writes_a_plan_whose_data_template_validates(tmp_path: Path, locale: str) -> None:
    init_workbook(tmp_path / "wb", locale=locale, currency="usd")
    wb = open_workbook(tmp_path / "wb")
    assert (wb.locale, wb.currency) == (locale, "USD")
    assert wb.validate() == []
    with open(tmp_path / "wb" / "data" / "sales.csv", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == list(HEADERS[locale].values())
    assert dict(wb.plan.sources.sales.columns) == HEADERS[locale]


def test_plan_skeleton_is_commented_in_the_chosen_language(tmp_path: Path) -> None:
    init_workbook(tmp_path / "zh", locale="zh_CN")
    text = (tmp_path / "zh" / "plan.yaml").read_text(encoding="utf-8")
    assert "# 销售历史" in text and "财年起始月份" in text
    init_workbook(tmp_path / "en", locale="en")
    assert "# sales history" in (tmp_path / "en" / "plan.yaml").read_text(encoding="utf-8")


def test_init_instantiates_step_notebooks_pointing_at_the_workbook(tmp_path: Path) -> None:
    init_workbook(tmp_path / "wb")
    start = nbformat.read(tmp_path / "wb" / "0_start.ipynb", as_version=4)
    parameters = [c for c in start.cells if "parameters" in c.metadata.get("tags", [])]
    assert parameters and "workbook = '.'" in parameters[0].source


def test_init_refuses_to_overwrite_an_existing_workbook(tmp_path: Path) -> None:
    init_workbook(tmp_path / "wb")
    plan = tmp_path / "wb" / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("name: wb", "name: Mine"), encoding="utf-8")
    with pytest.raises(SalesplanError, match="already holds a workbook"):
        init_workbook(tmp_path / "wb", locale="zh_CN")
    assert "name: Mine" in plan.read_text(encoding="utf-8")
    result = salesplan("init", str(tmp_path / "wb"))
    assert result.returncode == 1 and "already holds a workbook" in result.stderr


def test_validate_exit_code_is_zero_only_when_clean(tmp_path: Path) -> None:
    init_workbook(tmp_path / "wb")
    ok = salesplan("validate", str(tmp_path / "wb"))
    assert ok.returncode == 0, ok.stderr
    plan = tmp_path / "wb" / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8")
        .replace("grain: month", "grain: fortnight")
        .replace("fiscal_year_start: 1 ", "fiscal_year_start: 0 "),
        encoding="utf-8",
    )
    bad = salesplan("validate", str(tmp_path / "wb"))
    assert bad.returncode == 1
    assert "calendar.grain" in bad.stderr and "calendar.fiscal_year_start" in bad.stderr
    assert "2 problem(s) found" in bad.stderr


@pytest.mark.parametrize(("locale", "currency", "country"), [("en", "USD", "US"), ("zh_CN", "CNY", "CN")])
def test_init_defaults_currency_and_country_by_language(
    tmp_path: Path, locale: str, currency: str, country: str
):
    result = salesplan("init", str(tmp_path / "wb"), "--locale", locale)
    assert result.returncode == 0, result.stderr
    plan = open_workbook(tmp_path / "wb").plan
    assert (plan.currency, plan.calendar.country, plan.locale) == (currency, country, locale)


def test_init_takes_currency_and_country_from_the_command_line(tmp_path: Path) -> None:
    result = salesplan("init", str(tmp_path / "wb"), "--currency", "eur", "--country", "de")
    assert result.returncode == 0, result.stderr
    wb = open_workbook(tmp_path / "wb")
    assert (wb.currency, wb.plan.calendar.country) == ("EUR", "DE")
    assert wb.validate() == []


def test_init_help_shows_every_default() -> None:
    text = " ".join(salesplan("init", "--help").stdout.split())  # argparse wraps lines
    assert "(default: en)" in text
    assert "default: USD for --locale en, CNY for zh_CN" in text
    assert "default: US for en, CN for zh_CN" in text
    assert "default: the folder's name" in text


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_plan_comments_stay_true_whatever_the_currency(tmp_path: Path, locale: str) -> None:
    comments = set()
    for currency in ("USD", "CNY", "JPY"):
        init_workbook(tmp_path / currency, locale=locale, currency=currency)
        text = (tmp_path / currency / "plan.yaml").read_text(encoding="utf-8")
        line = next(line for line in text.splitlines() if line.startswith("currency:"))
        comments.add(line.split("#", 1)[1])
        assert "¥" not in text and "$" not in text and "1,234" not in text
    assert len(comments) == 1  # the same words under any currency: editing the code cannot make them stale


def test_init_refuses_an_unknown_country_or_currency_and_writes_nothing(tmp_path: Path) -> None:
    bad_country = salesplan("init", str(tmp_path / "a"), "--country", "ZZ")
    assert bad_country.returncode == 1 and "Unknown country 'ZZ'" in bad_country.stderr
    bad_currency = salesplan("init", str(tmp_path / "b"), "--currency", "XYZ")
    assert bad_currency.returncode == 1 and "ISO 4217" in bad_currency.stderr
    assert "Traceback" not in bad_country.stderr + bad_currency.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_zh_cn_init_writes_chinese_sample_reps_marked_as_samples(tmp_path: Path) -> None:
    init_workbook(tmp_path / "wb", locale="zh_CN")
    reps = set(open_workbook(tmp_path / "wb").cube()["rep"])
    assert reps == {"示例代表1", "示例代表2"}

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

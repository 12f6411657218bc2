"""`salesplan validate` refuses, with its reason, everything `run` or the splitter would fail on later:
unknown template names, impossible locks, goals too large for their rounding unit; and passes what works."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.minimal_workbook import home_sales, write_minimal_workbook
from ruamel.yaml import YAML

from salesplan_widgets.cli import main
from salesplan_widgets.model.allocation import Level, split_goal
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.targets import split_from_plan


def with_plan(folder: Path, **sections) -> Path:
    yaml = YAML()
    plan = yaml.load((folder / "plan.yaml").read_text(encoding="utf-8"))
    for key, value in sections.items():
        plan[key] = value
    with (folder / "plan.yaml").open("w", encoding="utf-8") as out:
        yaml.dump(plan, out)
    return folder


@pytest.fixture
def minimal(tmp_path) -> Path:
    return write_minimal_workbook(tmp_path / "texas", sales=home_sales(cities=6))


def validate(folder: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(folder)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_minimal_workbook_with_a_rep_capacity_split_and_no_parent_level_is_valid(minimal, capsys):
    with_plan(
        minimal, split={"levels": [{"dimension": "rep", "method": "capacity"}, {"dimension": "period"}]}
    )
    code, text = validate(minimal, capsys)
    assert (code, text.strip()) == (0, "Plan and data are valid.")


def test_an_unknown_report_template_is_named_with_the_ones_available(minimal, capsys):
    with_plan(minimal, reports={"templates": ["sales_overview", "report_trackin"], "dashboards": ["tracker"]})
    code, text = validate(minimal, capsys)
    assert code == 1
    assert "found 'report_trackin'" in text and "report_tracking" in text
    assert "1 problem(s) found." in text


def test_an_unknown_dashboard_is_refused(minimal, capsys):
    with_plan(minimal, reports={"templates": ["sales_overview"], "dashboards": ["../plan"]})
    code, text = validate(minimal, capsys)
    assert code == 1 and "reports.dashboards" in text and "'../plan'" in text


def test_a_lock_above_the_goal_is_refused_before_any_run(minimal, capsys):
    with_plan(
        minimal,
        split={
            "goal": 1000,
            "levels": [{"dimension": "rep"}, {"dimension": "period", "method": "seasonality"}],
            "locks": [
                {"cell": {"rep": "Austin"}, "target": 700},
                {"cell": {"rep": "Abilene"}, "target": 400},
            ],
        },
    )
    code, text = validate(minimal, capsys)
    assert code == 1
    assert "split.locks" in text and "rep=Abilene" in text and "rep=Austin" in text
    assert "no more than its 1,000.00" in text


def test_a_lock_on_a_rep_who_does_not_exist_names_the_rep(minimal, capsys):
    with_plan(minimal, split={"levels": [{"dimension": "rep"}, {"dimension": "period"}],
                              "locks": [{"cell": {"rep": "Atlantis"}, "target": 5}]})  # fmt: skip
    code, text = validate(minimal, capsys)
    assert code == 1 and "found 'Atlantis'" in text and "check the spelling of rep" in text


def test_a_goal_too_large_for_its_unit_is_refused_with_the_unit_to_use(minimal, capsys):
    with_plan(
        minimal, split={"goal": 1e17, "unit": 0.01, "levels": [{"dimension": "rep"}, {"dimension": "period"}]}
    )
    code, text = validate(minimal, capsys)
    assert code == 1 and "rounding unit of at least 100" in text


def test_validate_and_the_splitter_agree_on_a_valid_plan(minimal):
    wb = with_plan(
        minimal, split={"goal": 5000, "levels": [{"dimension": "period", "method": "seasonality"}]}
    )
    workbook = open_workbook(wb)
    assert workbook.validate() == []
    split = split_from_plan(workbook, workbook.cube())
    direct = split_goal(
        5000, [Level("period", "seasonality")], workbook.cube(), split.targets["period"], unit=0.01
    )
    assert split.targets["target"].sum() == pytest.approx(5000)
    assert split.targets["target"].tolist() == direct.targets["target"].tolist()


def test_a_level_on_a_dimension_the_sales_lack_is_refused_with_its_reason(minimal, capsys):
    with_plan(minimal, split={"levels": [{"dimension": "product"}, {"dimension": "period"}]})
    code, text = validate(minimal, capsys)
    assert code == 1
    assert "split.levels[0]" in text and "found 'product'" in text and "drop the level" in text


def test_a_level_order_without_period_is_refused_by_the_plan_schema(minimal, capsys):
    with_plan(minimal, split={"levels": [{"dimension": "rep"}]})
    code, text = validate(minimal, capsys)
    assert code == 1 and "levels must include period" in text


def test_a_step_notebook_listed_as_a_report_page_is_refused_as_run_would(minimal, capsys):
    with_plan(minimal, reports={"templates": ["sales_overview", "tracking"], "dashboards": ["overview"]})
    code, text = validate(minimal, capsys)
    assert code == 1
    assert "found 'tracking'" in text and "step notebook for JupyterLab, not a report page" in text
    assert "1 problem(s) found." in text


def test_a_plan_with_no_report_pages_is_refused_as_run_would(minimal, capsys):
    with_plan(minimal, reports={"templates": [], "dashboards": ["overview"]})
    code, text = validate(minimal, capsys)
    assert code == 1 and "reports.templates" in text and "at least one report page" in text


def test_an_unknown_template_is_reported_together_with_the_data_problems(minimal, capsys):
    with_plan(minimal, reports={"templates": ["report_trackin"], "dashboards": ["overview"]})
    sales = minimal / "data" / "sales.csv"
    lines = sales.read_text(encoding="utf-8").splitlines()
    lines[1] = ",".join(["", *lines[1].split(",")[1:]])  # the first row's date left empty
    sales.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, text = validate(minimal, capsys)
    assert code == 1
    assert "found 'report_trackin'" in text and "row 2" in text and "2 problem(s) found." in text


def test_template_problems_read_in_chinese_in_a_chinese_workbook(minimal, capsys):
    with_plan(minimal, locale="zh_CN", reports={"templates": ["tracking"], "dashboards": ["overview"]})
    code, text = validate(minimal, capsys)
    assert code == 1 and "是供 JupyterLab 使用的步骤笔记本，不是报告页" in text

"""Scheduled period runs as documented in docs/scheduling.md: cron, papermill, JupyterLab's scheduler, Airflow.

The cron line and the papermill command are taken verbatim from the documentation and executed against a
copy of the demo company; the scheduler's parameter format and the Airflow DAG are checked without
installing either (neither is a dependency of salesplan).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from salesplan_widgets.demo import create_demo
from salesplan_widgets.report.overview import parse_period
from salesplan_widgets.workbook import open_workbook

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scheduling.md"
CRONTAB = ROOT / "examples" / "crontab"
DAG = ROOT / "examples" / "airflow_dag.py"
MONTHLY = ROOT / "examples" / "monthly_report.ipynb"
TEMPLATES = ROOT / "templates"
DEMO = ROOT / "workbooks" / "demo"
REPORT_PARAMETERS = {"workbook", "period", "locale"}
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


# -- the documentation's own text -------------------------------------------------------------------------
def fenced_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def crontab_entries(text: str) -> tuple[dict[str, str], list[str]]:
    """(environment assignments, job lines) of a crontab, comments and blank lines dropped."""
    environment, jobs = {}, []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _ASSIGNMENT.match(line)
        if match:
            environment[match.group(1)] = match.group(2).strip().strip('"')
        else:
            jobs.append(line)
    return environment, jobs


def cron_command(job: str) -> str:
    """The shell command cron runs for a job line: after the five time fields, `\\%` unescaped to `%`.

    An unescaped `%` ends the command in cron (the rest becomes its stdin), so one here is a bug in the line.
    """
    command = job.split(None, 5)[5]
    assert re.search(r"(?<!\\)%", command) is None, f"unescaped % would cut the cron command: {command}"
    return command.replace("\\%", "%")


def report_templates() -> list[Path]:
    """Every notebook a period run can execute: the plan's report templates and each capability's report."""
    names = set(open_workbook(DEMO).plan.reports.templates) | {"sales_overview"}
    names |= {p.stem for p in TEMPLATES.glob("report_*.ipynb")}
    return sorted(TEMPLATES / f"{name}.ipynb" for name in names)


def parameters_cell(notebook: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(notebook, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{notebook.name} must have exactly one cell tagged 'parameters'"
    return tagged[0]


# -- a folder laid out like the documentation's /srv/plan ---------------------------------------------------
@pytest.fixture(scope="module")
def plan_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """templates/ and workbooks/acme (the demo company, covering last month so cron's date works any day)."""
    home = tmp_path_factory.mktemp("srv") / "plan"
    (home / "workbooks").mkdir(parents=True)
    (home / "templates").symlink_to(TEMPLATES, target_is_directory=True)
    acme = home / "workbooks" / "acme"
    shutil.copytree(DEMO, acme, ignore=shutil.ignore_patterns(".cache", "reports", "*.ipynb"))
    last_month = pd.Timestamp.now().to_period("M") - 1
    if open_workbook(acme).cube()["period"].max() < last_month:  # the committed demo ends in 2026-10
        shutil.rmtree(acme)
        create_demo(acme, end=str(last_month))
    return home


# -- cron -------------------------------------------------------------------------------------------------
def test_the_documented_crontab_is_the_example_file() -> None:
    documented = fenced_blocks(DOC.read_text(encoding="utf-8"), "crontab")
    assert len(documented) == 1
    assert crontab_entries(documented[0]) == crontab_entries(CRONTAB.read_text(encoding="utf-8"))
    _, jobs = crontab_entries(documented[0])
    assert len(jobs) == 1 and jobs[0].split(None, 5)[:5] == ["5", "2", "1", "*", "*"]


@pytest.mark.slow
def test_the_cron_line_reports_the_month_that_just_ended(plan_home: Path) -> None:
    environment, (job,) = crontab_entries(CRONTAB.read_text(encoding="utf-8"))
    # Cron's environment: what the crontab sets, with the two folders the doc says to edit pointed here.
    environment.update(
        PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin",
        PLAN_HOME=str(plan_home),
        HOME=os.environ.get("HOME", str(plan_home)),
    )
    environment.pop("MAILTO")

    result = subprocess.run(
        [environment["SHELL"], "-c", cron_command(job)],
        env=environment,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    period = str(pd.Timestamp.now().to_period("M") - 1)
    index = plan_home / "workbooks" / "acme" / "reports" / period / "index.html"
    assert index.is_file(), result.stdout + result.stderr
    assert period in index.read_text(encoding="utf-8")


def test_the_cron_date_expression_never_skips_a_month() -> None:
    """`date -d 'last month'` on 31 March gives 3 March; the documented form counts back from the 15th."""
    _, (job,) = crontab_entries(CRONTAB.read_text(encoding="utf-8"))
    expression = re.search(r'--period "\$\((.*)\)"$', cron_command(job)).group(1)
    for today, expected in (("2027-03-31", "2027-02"), ("2027-01-01", "2026-12"), ("2026-11-30", "2026-10")):
        shim = f'date() {{ if [ "$1" = "-d" ]; then command date "$@"; else command date -d {today} "$@"; fi; }}; '
        result = subprocess.run(["bash", "-c", shim + expression], capture_output=True, text=True, timeout=30)
        assert result.stdout.strip() == expected, (today, result.stderr)


# -- papermill ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_documented_papermill_command_executes_the_template(plan_home: Path) -> None:
    (command,) = [b.strip() for b in fenced_blocks(DOC.read_text(encoding="utf-8"), "sh") if "papermill" in b]

    result = subprocess.run(
        ["bash", "-c", command],
        cwd=plan_home,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    executed = nbformat.read(plan_home / "sales_overview-2026-10.ipynb", as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'period = "2026-10"' in injected.source
    assert f'workbook = "{plan_home / "workbooks" / "acme"}"' in injected.source
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)


# -- JupyterLab's scheduler ---------------------------------------------------------------------------------
def test_report_templates_take_exactly_workbook_period_and_locale_as_plain_literals() -> None:
    """The scheduler's and papermill's parameter forms only work with plain `name = literal` assignments."""
    templates = report_templates()
    assert templates and all(t.is_file() for t in templates)
    for template in templates:
        tree = ast.parse(parameters_cell(template).source)
        defaults = {}
        for statement in tree.body:
            assert isinstance(statement, ast.Assign) and len(statement.targets) == 1, template.name
            assert isinstance(statement.targets[0], ast.Name), template.name
            defaults[statement.targets[0].id] = ast.literal_eval(statement.value)
        assert set(defaults) == REPORT_PARAMETERS, template.name
        assert set(papermill.inspect_notebook(str(template))) == REPORT_PARAMETERS, template.name
        assert isinstance(defaults["workbook"], str) and isinstance(defaults["period"], str), template.name
        assert str(parse_period(defaults["period"])) == defaults["period"], template.name
        assert defaults["locale"] is None or defaults["locale"] in ("en", "zh_CN"), template.name


def scheduler_injection(nb: nbformat.NotebookNode, values: dict[str, str]) -> nbformat.NotebookNode:
    """What jupyter-scheduler does with the job form's parameters: a cell tagged injected-parameters
    right after the `parameters` cell, each text value written in single quotes."""
    cell = nbformat.v4.new_code_cell("\n".join(f"{key} = '{value}'" for key, value in values.items()))
    cell.metadata["tags"] = ["injected-parameters"]
    position = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(position + 1, cell)
    return nb


def test_scheduler_form_values_override_every_report_templates_defaults() -> None:
    values = {"workbook": "/srv/plan/workbooks/acme", "period": "2026-09", "locale": "zh_CN"}
    for template in report_templates():
        nb = scheduler_injection(nbformat.read(template, as_version=4), values)
        namespace: dict = {}
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            if "parameters" in tags or "injected-parameters" in tags:
                exec(cell.source, namespace)  # noqa: S102 - the two cells the scheduler composes
        assert {k: namespace[k] for k in values} == values, template.name


@pytest.mark.slow
def test_the_monthly_notebook_runs_the_period_report_from_a_scheduler_staging_folder(
    plan_home: Path, tmp_path: Path
) -> None:
    from nbclient import NotebookClient

    workbook = plan_home / "workbooks" / "acme"
    nb = nbformat.read(MONTHLY, as_version=4)
    assert set(papermill.inspect_notebook(str(MONTHLY))) == {"workbook", "period"}
    scheduler_injection(nb, {"workbook": str(workbook), "period": "2026-09"})
    staging = tmp_path / "jobs" / "monthly_report-2026-11-01"  # the scheduler runs a copy in its own folder
    staging.mkdir(parents=True)

    NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(staging)}}
    ).execute()

    assert (workbook / "reports" / "2026-09" / "index.html").is_file()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert str(workbook / "reports" / "2026-09" / "index.html") in printed


def test_the_monthly_notebook_reports_the_month_that_just_ended_when_no_period_is_given() -> None:
    cells = [c for c in nbformat.read(MONTHLY, as_version=4).cells if c.cell_type == "code"]
    namespace: dict = {}
    exec(cells[0].source, namespace)  # noqa: S102 - the parameters cell
    assert namespace["period"] == ""
    (line,) = [line for line in cells[1].source.splitlines() if line.startswith("period =")]
    exec(line, {"pd": pd, **namespace}, namespace)  # noqa: S102
    assert namespace["period"] == str(pd.Timestamp.now().to_period("M") - 1)


# -- Airflow ------------------------------------------------------------------------------------------------
def module_constants(tree: ast.Module) -> dict[str, object]:
    """Module-level NAME = "text" / f"text" constants, evaluated in order."""
    constants: dict[str, object] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            try:
                value = eval(compile(ast.Expression(statement.value), "<dag>", "eval"), {}, dict(constants))  # noqa: S307
            except Exception:
                continue
            constants[statement.targets[0].id] = value
    return constants


def evaluate(node: ast.AST, constants: dict[str, object]) -> object:
    return eval(compile(ast.Expression(node), "<dag>", "eval"), {}, dict(constants))  # noqa: S307


def test_the_airflow_dag_runs_a_report_template_with_papermill_for_the_month_of_ds() -> None:
    from jinja2 import Template

    tree = ast.parse(DAG.read_text(encoding="utf-8"))
    imports = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert ("airflow.providers.papermill.operators.papermill", "PapermillOperator") in imports
    constants = module_constants(tree)
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "PapermillOperator"
    ]
    assert len(calls) == 1
    arguments = {k.arg: evaluate(k.value, constants) for k in calls[0].keywords}

    plan_home = str(constants["PLAN_HOME"])
    template = Path(str(arguments["input_nb"]))
    assert template.parent == Path(plan_home) / "templates"
    assert (TEMPLATES / template.name) in report_templates()
    parameters = arguments["parameters"]
    assert set(parameters) == REPORT_PARAMETERS
    assert "ds" in parameters["period"] and "{{" in parameters["period"]
    # Airflow renders templated fields with Jinja: the @monthly run of 1 Nov has ds = the 1st of October.
    assert Template(parameters["period"]).render(ds="2026-10-01") == "2026-10"
    assert Template(str(arguments["output_nb"])).render(ds="2026-10-01").endswith("2026-10.ipynb")
    dag_call = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "DAG"
    )
    schedule = next(k for k in dag_call.keywords if k.arg == "schedule")
    assert evaluate(schedule.value, constants) == "@monthly"


def test_the_airflow_dag_also_offers_the_full_period_report_for_the_same_month() -> None:
    from jinja2 import Template

    tree = ast.parse(DAG.read_text(encoding="utf-8"))
    constants = module_constants(tree)
    commands = [
        evaluate(k.value, constants)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "BashOperator"
        for k in node.keywords
        if k.arg == "bash_command"
    ]
    run = [Template(c).render(ds="2026-10-01") for c in commands if "salesplan run" in c]
    assert run == [f"salesplan run {constants['WORKBOOK']} --period 2026-10"]

"""The period run end to end: real papermill runs on a small CSV workbook and on the demo company."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from salesplan_widgets.demo import create_demo
from salesplan_widgets.errors import InputError, RunError, SalesplanError
from salesplan_widgets.model.history import headline
from salesplan_widgets.paths import templates_dir
from salesplan_widgets.run import run_period
from salesplan_widgets.testing import launch_chromium
from salesplan_widgets.workbook import open_workbook

pytestmark = pytest.mark.slow

PERIOD = "2026-10"
REPS = (("Li Wei", "East"), ("Zhang Min", "North"), ("Wang Fang", "East"))


def assert_nothing_ran(workbook: Path) -> None:
    """No report, staging folder or notebook was written; only the run log records the refused run."""
    from salesplan_widgets.workbook.runlog import read_run_log

    reports = workbook / "reports"
    assert not reports.exists() or report_folders(reports) == []
    log = read_run_log(workbook)
    assert list(log["outcome"]) == ["failed"]


def report_folders(reports: Path) -> list[str]:
    """What a run left in reports/ besides the run log: the period folders (no staging or set-aside copies)."""
    from salesplan_widgets.workbook.runlog import RUN_LOG

    return sorted(p.name for p in reports.iterdir() if p.name not in (RUN_LOG, f".{RUN_LOG}.lock"))


def write_small_workbook(directory: Path, locale: str = "en") -> Path:
    """A plan and a CSV of invoice lines, Jan 2024 to Oct 2026, three reps, two segments, a return."""
    (directory / "data").mkdir(parents=True)
    (directory / "plan.yaml").write_text(
        f"name: Small Co\ncurrency: CNY\nlocale: {locale}\n"
        "sources:\n  sales:\n    path: data/sales.csv\n    columns: {date: Date, amount: Amount, rep: Rep, "
        "team: Team, segment: Segment, channel: Channel, account: Customer}\n"
        "reports:\n  templates: [sales_overview]\n",
        encoding="utf-8",
    )
    rows = []
    for period in pd.period_range("2024-01", PERIOD, freq="M"):
        for i, (rep, team) in enumerate(REPS):
            for j, segment in enumerate(("A", "B")):
                amount = 1000 * (i + 1) + 100 * period.month + 50 * j + 300 * (period.year - 2024)
                channel = ("online", "offline")[(i + j + period.month) % 2]
                day = (i * 7 + j * 3) % 27 + 1
                account = f"Cust {(i * 2 + j + period.month) % 5}"
                rows.append([f"{period}-{day:02d}", f"{amount:.2f}", rep, team, segment, channel, account])
    rows.append([f"{PERIOD}-15", "-250.00", "Li Wei", "East", "A", "online", "Cust 1"])
    with (directory / "data" / "sales.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Date", "Amount", "Rep", "Team", "Segment", "Channel", "Customer"])
        writer.writerows(rows)
    return directory


def report_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    salesplan = shutil.which("salesplan")
    command = [salesplan] if salesplan else [sys.executable, "-m", "salesplan_widgets.cli"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300
    )


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    """One real period run of the small workbook, shared by the tests that only read its output."""
    workbook = write_small_workbook(tmp_path_factory.mktemp("small"))
    return run_period(workbook, PERIOD, progress=False)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    workbook = create_demo(tmp_path_factory.mktemp("demo") / "demo", end=PERIOD)
    return run_period(workbook, PERIOD, progress=False)


def test_period_run_writes_notebook_page_index_and_metrics(small_run):
    assert small_run == small_run.parent.parent / "reports" / PERIOD
    assert sorted(p.name for p in small_run.iterdir()) == [
        "index.html",
        "metrics.json",
        "sales_overview.html",
        "sales_overview.ipynb",
    ]
    executed = nbformat.read(small_run / "sales_overview.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert f"period = {PERIOD!r}" in injected[0].source.replace('"', "'")
    assert f"workbook = {str(small_run.parent.parent)!r}" in injected[0].source.replace('"', "'")
    assert "locale = 'en'" in injected[0].source.replace('"', "'")
    assert not any(o.output_type == "error" for c in executed.cells for o in c.get("outputs", []))
    # no staging or failed folders left behind
    assert report_folders(small_run.parent) == [PERIOD]


@pytest.mark.parametrize("run", ["small_run", "demo_run"])
def test_report_page_shows_charts_and_no_code_and_loads_nothing_from_the_network(run, request):
    folder = request.getfixturevalue(run)
    page = (folder / "sales_overview.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 4  # trend, seasonality, two mix charts, all inline
    assert "OverviewReport.open" not in page and "overview.headline()" not in page
    assert not re.search(r"class=\"[^\"]*jp-(?:InputArea|InputPrompt|OutputPrompt)\b", page)
    assert '<h1 class="salesplan-title">Sales overview</h1>' in page
    scripts = re.findall(r"<script[^>]*\bsrc=", page)
    assert scripts == []
    assert not re.search(r"<(?:link|img|iframe)[^>]+(?:src|href)=\"https?://", page)
    assert "application/vnd.salesplan.metrics+json" not in page and "Published for metrics.json" not in page


def test_metrics_equal_the_headline_computed_from_the_raw_sales(small_run):
    workbook_dir = small_run.parent.parent
    metrics = json.loads((small_run / "metrics.json").read_text(encoding="utf-8"))["sales_overview"]

    sales = pd.read_csv(workbook_dir / "data" / "sales.csv", parse_dates=["Date"])
    month = sales["Date"].dt.to_period("M")
    october = pd.Period(PERIOD, freq="M")
    assert metrics["actual"] == pytest.approx(sales.loc[month == october, "Amount"].sum())
    assert metrics["actual_last_year"] == pytest.approx(sales.loc[month == october - 12, "Amount"].sum())
    ytd = sales.loc[(month >= pd.Period("2026-01", freq="M")) & (month <= october), "Amount"].sum()
    assert metrics["ytd"] == pytest.approx(ytd)
    assert metrics["active_reps"] == sales.loc[month == october, "Rep"].nunique()

    model = headline(open_workbook(workbook_dir).cube(), october, digits=2).as_dict()  # in fen, as published
    assert {k: metrics[k] for k in model} == model
    assert metrics["currency"] == "CNY"


def test_metrics_of_the_demo_company_equal_the_model_headline(demo_run):
    metrics = json.loads((demo_run / "metrics.json").read_text(encoding="utf-8"))["sales_overview"]
    cube = open_workbook(demo_run.parent.parent).cube()
    expected = headline(cube, pd.Period(PERIOD, freq="M"), digits=2).as_dict()  # in fen, as published
    assert {k: metrics[k] for k in expected} == expected
    assert metrics["actual"] > 0 and metrics["active_reps"] > 30


def test_index_links_every_page_and_names_the_data_and_plan_version(small_run):
    index = (small_run / "index.html").read_text(encoding="utf-8")
    workbook = open_workbook(small_run.parent.parent)
    assert 'href="sales_overview.html">Sales overview</a>' in index
    assert 'href="sales_overview.ipynb"' in index
    assert "Small Co" in index and PERIOD in index
    assert workbook.data_fingerprint() in index and workbook.version in index


def test_running_the_same_period_again_gives_identical_bytes(small_run):
    before = report_files(small_run)
    again = run_period(small_run.parent.parent, PERIOD, progress=False)
    assert report_files(again) == before


def test_running_a_period_again_keeps_the_payouts_and_statements_written_into_its_folder(small_run):
    kept = {
        small_run / "payouts" / "payouts-2026-10.csv": b"rep,amount\nLi Wei,1234.50\n",
        small_run / "statements" / "Li Wei" / "statement-2026-10.en.html": b"<p>closed statement</p>",
    }
    for path, content in kept.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    again = run_period(small_run.parent.parent, PERIOD, progress=False)
    assert again == small_run
    assert {path: path.read_bytes() for path in kept} == kept
    assert not list(small_run.parent.glob(f".{PERIOD}.old-*"))  # the old report is gone all the same


def bad_templates(directory: Path) -> Path:
    """A templates folder with the real overview and a template whose third cell raises."""
    directory.mkdir()
    shutil.copy(templates_dir() / "sales_overview.ipynb", directory / "sales_overview.ipynb")
    nb = new_notebook(
        cells=[
            new_code_cell(
                'workbook = "."\nperiod = "2026-10"\nlocale = None', metadata={"tags": ["parameters"]}
            ),
            new_code_cell("answer = 42"),
            new_code_cell("raise ValueError('the forecast exploded')"),
            new_code_cell("never = True"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(nb, directory / "broken.ipynb")
    return directory


def test_failed_template_exits_non_zero_names_template_and_cell_and_keeps_the_last_good_report(
    tmp_path,
):
    workbook = write_small_workbook(tmp_path / "wb")
    good = run_period(workbook, PERIOD, progress=False)
    before = report_files(good)
    templates = bad_templates(tmp_path / "templates")

    result = cli(
        "run",
        str(workbook),
        "--period",
        PERIOD,
        "--template",
        "sales_overview",
        "--template",
        "broken",
        env={"SALESPLAN_TEMPLATES": str(templates)},
    )

    assert result.returncode != 0
    assert "broken, cell 3" in result.stderr, result.stderr
    assert "ValueError: the forecast exploded" in result.stderr
    assert "Traceback" not in result.stderr
    kept = workbook / "reports" / f"{PERIOD}.failed" / "broken.ipynb"
    assert str(kept) in result.stderr
    failed = nbformat.read(kept, as_version=4)
    errors = [o for c in failed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert [e.evalue for e in errors] == ["the forecast exploded"]
    assert report_files(good) == before  # the previous good report is untouched
    assert report_folders(workbook / "reports") == [PERIOD, f"{PERIOD}.failed"]


def test_run_error_carries_template_cell_and_kept_notebook(tmp_path):
    workbook = write_small_workbook(tmp_path / "wb")
    templates = bad_templates(tmp_path / "templates")
    with pytest.raises(RunError) as caught:
        run_period(workbook, PERIOD, templates=["broken"], templates_dir=templates, progress=False)
    assert (caught.value.template, caught.value.cell) == ("broken", 3)
    assert Path(caught.value.notebook).exists()
    assert not (workbook / "reports" / PERIOD).exists()


def test_a_later_good_run_clears_the_failed_notebook(tmp_path):
    workbook = write_small_workbook(tmp_path / "wb")
    templates = bad_templates(tmp_path / "templates")
    with pytest.raises(RunError):
        run_period(workbook, PERIOD, templates=["broken"], templates_dir=templates, progress=False)
    assert (workbook / "reports" / f"{PERIOD}.failed").exists()
    run_period(workbook, PERIOD, templates_dir=templates, progress=False)
    assert report_folders(workbook / "reports") == [PERIOD]


@pytest.mark.parametrize("period", ["2026-13", "Oct 2026", "2026/10", "26-10", ""])
def test_bad_period_text_is_refused_with_a_clear_message_before_anything_runs(tmp_path, period):
    workbook = write_small_workbook(tmp_path / "wb")
    result = cli("run", str(workbook), "--period", period)
    assert result.returncode == 1
    assert "YYYY-MM" in result.stderr and "Traceback" not in result.stderr
    assert_nothing_ran(workbook)


def test_a_period_outside_the_data_is_refused(tmp_path):
    workbook = write_small_workbook(tmp_path / "wb")
    with pytest.raises(SalesplanError, match="2024-01 to 2026-10"):
        run_period(workbook, "2027-03", progress=False)
    assert_nothing_ran(workbook)


def test_bad_data_aborts_before_any_notebook_runs(tmp_path):
    workbook = write_small_workbook(tmp_path / "wb")
    with (workbook / "data" / "sales.csv").open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(["2026-10-20", "twelve", "Li Wei", "East", "A", "online", "Cust 1"])
    with pytest.raises(InputError) as caught:
        run_period(workbook, PERIOD, progress=False)
    assert [(p.column, p.found) for p in caught.value.problems] == [("Amount", "twelve")]
    assert_nothing_ran(workbook)


def test_an_unknown_template_is_refused_listing_report_pages_apart_from_step_notebooks(tmp_path):
    workbook = write_small_workbook(tmp_path / "wb")
    with pytest.raises(SalesplanError) as caught:
        run_period(workbook, PERIOD, templates=["nope"], progress=False)
    message = str(caught.value)
    pages = message.split("report pages: ")[1].split(" (")[0].split(", ")
    steps = message.split("step notebooks, not report pages: ")[1].rstrip(")").split(", ")
    assert "no report page named 'nope'" in message
    assert {"sales_overview", "report_goal", "report_tracking"} <= set(pages)
    assert {"start", "goal_setting", "tracking"} <= set(steps) and not set(pages) & set(steps)
    assert_nothing_ran(workbook)


def test_a_step_notebook_is_refused_as_a_report_page_before_anything_runs(tmp_path):
    workbook = write_small_workbook(tmp_path / "wb")
    with pytest.raises(
        SalesplanError, match="'tracking' is a step notebook for JupyterLab, not a report page"
    ):
        run_period(workbook, PERIOD, templates=["tracking"], progress=False)
    assert_nothing_ran(workbook)


def page_template(folder: Path, name: str, heading: str) -> None:
    """A tiny report page: takes workbook/period/locale, shows a title and publishes one metric."""
    folder.mkdir(exist_ok=True)
    nb = new_notebook(
        cells=[
            new_code_cell(
                'workbook = "."\nperiod = "2026-10"\nlocale = None', metadata={"tags": ["parameters"]}
            ),
            new_code_cell(
                "from IPython.display import HTML, display\n"
                "from salesplan_widgets.report.metrics import publish_metrics\n"
                f"display(HTML(f'<h1 class=\"salesplan-title\">{heading} {{period}}</h1>'))\n"
                f"publish_metrics({{'heading': {heading!r}}})"
            ),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(nb, folder / f"{name}.ipynb")


def test_running_one_template_again_keeps_the_other_pages_of_the_period_report(tmp_path):
    workbook = write_small_workbook(tmp_path / "wb")
    plan = workbook / "plan.yaml"
    plan.write_text(plan.read_text().replace("templates: [sales_overview]", "templates: [alpha, beta]"))
    templates = tmp_path / "templates"
    page_template(templates, "alpha", "Alpha")
    page_template(templates, "beta", "Beta")
    report = run_period(workbook, PERIOD, templates_dir=templates, progress=False)
    alpha_before = (report / "alpha.html").read_bytes()

    page_template(templates, "beta", "Beta revised")
    page_template(templates, "gamma", "Gamma")
    run_period(workbook, PERIOD, templates=["gamma", "beta"], templates_dir=templates, progress=False)

    assert (report / "alpha.html").read_bytes() == alpha_before
    assert "Beta revised 2026-10" in (report / "beta.html").read_text(encoding="utf-8")
    assert json.loads((report / "metrics.json").read_text(encoding="utf-8")) == {
        "alpha": {"heading": "Alpha"},
        "beta": {"heading": "Beta revised"},
        "gamma": {"heading": "Gamma"},
    }
    index = (report / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="(\w+)\.html">([^<]*)</a>', index)
    assert links == [("alpha", "Alpha 2026-10"), ("beta", "Beta revised 2026-10"), ("gamma", "Gamma 2026-10")]

    run_period(workbook, PERIOD, templates_dir=templates, progress=False)  # a full run: the plan's pages only
    assert sorted(p.name for p in report.glob("*.html")) == ["alpha.html", "beta.html", "index.html"]


def test_a_period_run_prints_no_kernel_transport_warning(tmp_path):
    workbook = write_small_workbook(tmp_path / "wb")
    templates = tmp_path / "templates"
    page_template(templates, "alpha", "Alpha")
    result = cli(
        "run",
        str(workbook),
        "--period",
        PERIOD,
        "--template",
        "alpha",
        env={"SALESPLAN_TEMPLATES": str(templates)},
    )
    assert result.returncode == 0, result.stderr
    assert (workbook / "reports" / PERIOD / "alpha.html").is_file()
    assert "without encryption" not in result.stderr and "WARNING" not in result.stderr, result.stderr


CHART_SIZES = """() => Array.from(document.querySelectorAll('svg.salesplan-chart'))
    .map(svg => { const box = svg.getBoundingClientRect(); return [box.width, box.height,
                  svg.querySelectorAll('path, rect, use').length]; })"""


@pytest.mark.browser
def test_report_opens_offline_in_a_browser_with_every_chart_visible(demo_run):
    from playwright.sync_api import sync_playwright

    requested: list[str] = []

    def offline(route):
        requested.append(route.request.url)
        route.abort()

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(offline=True).new_page()
            page.route(re.compile(r"^(?!file:).*"), offline)
            page.goto((demo_run / "index.html").as_uri())
            page.click("text=Sales overview")
            page.wait_for_load_state("load")
            assert page.url.endswith("/sales_overview.html")
            sizes = page.evaluate(CHART_SIZES)
            assert page.is_visible("text=Top accounts, year to date")
        finally:
            browser.close()
    assert len(sizes) == 6  # trend, seasonality and the mix by segment, channel, territory, product line
    assert all(width > 200 and height > 100 and marks > 5 for width, height, marks in sizes)
    assert requested == []


def test_leftovers_of_a_killed_run_are_tidied_and_a_set_aside_report_restored(tmp_path):
    workbook = write_small_workbook(tmp_path / "wb")
    reports = workbook / "reports"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(dead.stdout)
    (reports / f".{PERIOD}.staging-{pid}").mkdir(parents=True)
    (reports / f".{PERIOD}.staging-{pid}" / "half.html").write_text("half written")
    (reports / f".{PERIOD}.old-{pid}").mkdir()
    (reports / f".{PERIOD}.old-{pid}" / "index.html").write_text("last good report")
    with pytest.raises(RunError):  # the broken template fails, so the restored report must stay as it was
        run_period(
            workbook,
            PERIOD,
            templates=["broken"],
            templates_dir=bad_templates(tmp_path / "t"),
            progress=False,
        )
    assert (reports / PERIOD / "index.html").read_text() == "last good report"
    assert report_folders(reports) == [PERIOD, f"{PERIOD}.failed"]


def test_a_plan_with_no_report_templates_is_refused(tmp_path):
    workbook = write_small_workbook(tmp_path / "wb")
    plan = workbook / "plan.yaml"
    plan.write_text(plan.read_text().replace("templates: [sales_overview]", "templates: []"))
    with pytest.raises(SalesplanError, match="no report templates"):
        run_period(workbook, PERIOD, progress=False)
    assert_nothing_ran(workbook)

"""Report building blocks in-process: charts, HTML blocks, metrics outputs, the overview section, the page."""

from __future__ import annotations

import datetime as dt
import re

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from salesplan_widgets.demo import create_demo
from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import fmt_money, fmt_month, set_locale
from salesplan_widgets.model.history import headline
from salesplan_widgets.report import blocks, charts
from salesplan_widgets.report.index import PageLink, index_page
from salesplan_widgets.report.metrics import METRICS_MIMETYPE, collect_metrics, json_safe, strip_metrics
from salesplan_widgets.report.overview import OverviewReport
from salesplan_widgets.report.period import parse_period
from salesplan_widgets.run import clean_notebook, render_html
from salesplan_widgets.workbook.cube import top_accounts

PERIOD = "2026-10"


@pytest.fixture(autouse=True)
def english():
    set_locale("en")
    yield
    set_locale("en")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    return create_demo(tmp_path_factory.mktemp("demo") / "demo", end=PERIOD)


def a_trend() -> pd.DataFrame:
    periods = pd.period_range("2025-11", PERIOD, freq="M")
    actual = np.linspace(100_000, 160_000, len(periods))
    return pd.DataFrame({"period": periods, "actual": actual, "actual_last_year": actual * 0.9})


def test_a_chart_renders_to_the_same_inline_svg_every_time():
    first = charts.trend_chart(a_trend(), "Monthly sales", "Sales", "Last year")
    second = charts.trend_chart(a_trend(), "Monthly sales", "Sales", "Last year")
    assert first == second
    assert first.startswith("<svg ") and "<?xml" not in first and "DOCTYPE" not in first
    assert "<dc:date>" not in first


def test_chart_text_stays_text_in_the_chosen_language():
    svg = charts.trend_chart(a_trend(), "月度销售额", "销售额", "去年同期", locale="zh_CN")
    assert "月度销售额" in svg
    assert fmt_month(2026, 10, "zh_CN") in svg  # 2026年10月
    assert "Oct 2026" not in svg


def test_share_chart_labels_each_member_with_its_share():
    shares = pd.DataFrame({"channel": ["offline", "online"], "actual": [75.0, 25.0], "share": [0.75, 0.25]})
    svg = charts.share_chart(shares, "channel", "Share by channel")
    for text in ("offline", "online", "75%", "25%"):
        assert text in svg


def test_html_blocks_escape_what_they_show():
    html = str(blocks.table(["Account"], [["<script>alert(1)</script>"]]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    card = str(blocks.cards([blocks.Card("A & B", "<b>1</b>")]))
    assert "A &amp; B" in card and "&lt;b&gt;1&lt;/b&gt;" in card
    assert 'class="num"' in str(blocks.table(["x", "n"], [["a", "1"]], numeric=[False, True]))


def test_metrics_are_made_json_safe():
    safe = json_safe(
        {
            "actual": np.float64(2.5),
            "reps": np.int64(3),
            "growth": float("nan"),
            "period": pd.Period(PERIOD, freq="M"),
            "nested": {"x": np.float32(1.0)},
        }
    )
    assert safe == {"actual": 2.5, "reps": 3, "growth": None, "period": PERIOD, "nested": {"x": 1.0}}
    assert type(safe["reps"]) is int


def metrics_notebook() -> nbformat.NotebookNode:
    return new_notebook(
        cells=[
            new_code_cell("x", outputs=[new_output("display_data", data={"text/html": "<p>kept</p>"})]),
            new_code_cell(
                "publish",
                outputs=[
                    new_output("display_data", data={METRICS_MIMETYPE: {"actual": 1.0, "ytd": 2.0}}),
                    new_output("stream", name="stderr", text="UserWarning: noisy\n"),
                ],
            ),
            new_code_cell(
                "publish again", outputs=[new_output("display_data", data={METRICS_MIMETYPE: {"ytd": 3.0}})]
            ),
        ]
    )


def test_metrics_published_in_a_notebook_are_collected_later_calls_winning():
    assert collect_metrics(metrics_notebook()) == {"actual": 1.0, "ytd": 3.0}


def test_stripping_metrics_keeps_every_other_output():
    nb = strip_metrics(metrics_notebook())
    assert collect_metrics(nb) == {}
    assert [len(c.outputs) for c in nb.cells] == [1, 1, 0]


def test_the_page_shows_outputs_without_code_warnings_metrics_or_network_scripts():
    nb = metrics_notebook()
    nb.cells[0].source = "secret_code_here()"
    page = render_html(nb, "My page")
    assert "<p>kept</p>" in page
    assert "secret_code_here" not in page
    assert "noisy" not in page
    assert METRICS_MIMETYPE not in page
    assert re.findall(r"<script[^>]*\bsrc=", page) == []
    assert "<title>My page</title>" in page
    assert 'href="index.html"' in page


def test_the_page_declares_the_plan_language():
    set_locale("zh_CN")
    assert '<html lang="zh">' in render_html(metrics_notebook(), "页面")


def test_cleaning_a_notebook_removes_what_differs_between_runs():
    nb = new_notebook(
        cells=[new_code_cell("a"), new_code_cell("b", metadata={"tags": ["injected-parameters"]})]
    )
    nb.metadata["papermill"] = {
        "start_time": "t0",
        "end_time": "t1",
        "duration": 1.5,
        "output_path": "/tmp/.2026-10.staging-x/a.ipynb",
        "parameters": {"period": PERIOD},
    }
    for cell in nb.cells:
        cell.metadata["execution"] = {"iopub.status.busy": "now"}
        cell.metadata["papermill"] = {"start_time": "t0", "duration": 0.1, "status": "completed"}
    clean_notebook(nb, "a")
    assert nb.metadata.papermill == {"parameters": {"period": PERIOD}, "input_path": "a.ipynb"}
    assert all("execution" not in c.metadata for c in nb.cells)
    assert [c.metadata.papermill for c in nb.cells] == [{"status": "completed"}] * 2
    assert nb.cells[1].id == "injected-parameters"


@pytest.mark.parametrize("text", ["2026-10", "1999-01", " 2026-12 "])
def test_a_month_written_yyyy_mm_is_a_period(text):
    assert parse_period(text) == pd.Period(text.strip(), freq="M")


@pytest.mark.parametrize("text", ["2026-00", "2026-13", "2026-1", "Oct 2026", "2026/10", "", None, 202610])
def test_any_other_period_text_is_a_clear_error(text):
    with pytest.raises(SalesplanError, match="YYYY-MM"):
        parse_period(text)


def test_index_page_links_each_page_and_escapes_names():
    html = index_page("A&B <Co>", PERIOD, [PageLink("x.html", "Sales <overview>", "x.ipynb")], "abc123", "v9")
    assert "A&amp;B &lt;Co&gt;" in html
    assert '<a href="x.html">Sales &lt;overview&gt;</a>' in html
    assert "abc123" in html and "v9" in html
    assert '<html lang="en">' in html


def test_overview_headline_shows_the_model_figures_in_the_plan_currency(demo_dir):
    overview = OverviewReport.open(demo_dir, PERIOD)
    figures = headline(overview.cube, pd.Period(PERIOD, freq="M"))
    html = str(overview.headline())
    assert fmt_money(figures.actual, "CNY", digits=False) in html
    assert fmt_money(figures.ytd, "CNY", digits=False) in html
    assert f'<div class="value">{figures.active_reps}</div>' in html


def test_overview_lists_the_top_accounts_of_the_year_to_date_in_order(demo_dir):
    overview = OverviewReport.open(demo_dir, PERIOD)
    expected = top_accounts(
        overview.workbook.source(), overview.workbook.path, 10, dt.date(2026, 1, 1), dt.date(2026, 10, 31)
    )
    html = str(overview.top_accounts())
    cells = re.findall(r"<tr><td class=\"num\">\d+</td><td>([^<]+)</td>", html)
    assert cells == list(expected["account"])


def test_overview_charts_are_inline_svg(demo_dir):
    overview = OverviewReport.open(demo_dir, PERIOD)
    assert str(overview.trend()).count("<svg") == 1
    assert str(overview.seasonality()).count("<svg") == 1
    assert str(overview.mix()).count("<svg") == 4  # segment, channel, territory, product line


def test_the_locale_parameter_overrides_the_plan_language(demo_dir):
    overview = OverviewReport.open(demo_dir, PERIOD, locale="zh_CN")
    assert fmt_month(2026, 10, "zh_CN") in str(overview.title())
    assert fmt_month(2026, 10, "zh_CN") in str(overview.trend())


def test_report_sections_load_in_the_kernel_without_the_notebook_machinery():
    """nbformat drags in jsonschema (seconds to import here): the kernel side of a report must not need it."""
    import subprocess
    import sys

    code = (
        "import sys, salesplan_widgets.report.overview, salesplan_widgets.report; "
        "print(sorted(m for m in ('nbformat', 'nbconvert', 'papermill', 'jsonschema') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

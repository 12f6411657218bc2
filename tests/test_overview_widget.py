"""The overview dashboard driven headlessly: controls move the charts to the model's figures for the selection."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_widgets import open_workbook
from salesplan_widgets.model.history import filter_cube, fiscal_year_start_period, headline, mix, trend
from salesplan_widgets.widgets.overview import SalesOverview
from salesplan_widgets.widgets.query import parse_query

PLAN = """\
name: Fixture Co
currency: CNY
locale: {locale}
calendar:
  fiscal_year_start: 1
sources:
  sales:
    path: data/sales.csv
    columns:
      date: 日期
      amount: 金额
      rep: 销售
      team: 团队
      segment: 客户级别
      channel: 渠道
"""

TEAMS = {"East": ["Li", "Wang", "Zhao"], "North": ["Chen", "Liu"]}


def write_sales_workbook(folder: Path, locale: str = "en", seed: int = 3) -> Path:
    """A small real workbook: two teams, five reps, two years of invoices in plan.yaml + CSV."""
    rng = np.random.default_rng(seed)
    reps = [(rep, team) for team, names in TEAMS.items() for rep in names]
    days = pd.date_range("2024-11-01", "2026-10-31", freq="5D")
    grid = pd.MultiIndex.from_product(
        [days, range(len(reps)), ["A", "B"], ["online", "offline"]],
        names=["day", "who", "segment", "channel"],
    ).to_frame(index=False)
    scale = np.where(grid["who"] < 3, 1000.0, 1800.0) * np.where(grid["segment"] == "A", 2.0, 1.0)
    sales = pd.DataFrame(
        {
            "日期": grid["day"].dt.strftime("%Y-%m-%d"),
            "金额": np.round(scale * rng.uniform(0.5, 1.5, len(grid)), 2),
            "销售": [reps[i][0] for i in grid["who"]],
            "团队": [reps[i][1] for i in grid["who"]],
            "客户级别": grid["segment"],
            "渠道": grid["channel"],
        }
    )
    (folder / "data").mkdir(parents=True, exist_ok=True)
    sales.to_csv(folder / "data" / "sales.csv", index=False, encoding="utf-8")
    (folder / "plan.yaml").write_text(PLAN.format(locale=locale), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def workbook_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sales_workbook(tmp_path_factory.mktemp("overview"))


@pytest.fixture
def overview(workbook_dir: Path) -> SalesOverview:
    return SalesOverview(workbook_dir)


def test_choosing_a_team_moves_the_trend_bars_to_that_teams_monthly_sales(overview: SalesOverview) -> None:
    everyone = np.asarray(overview.trend_bars.y, dtype=float).copy()
    overview.team_control.value = "North"
    assert overview.team == "North"
    cube = open_workbook(overview.workbook.path).cube()
    expected = trend(filter_cube(cube, team="North"))
    expected = expected[expected["period"] > pd.Period("2026-10", freq="M") - 12]
    np.testing.assert_allclose(overview.trend_bars.y, expected["actual"].to_numpy())
    np.testing.assert_allclose(overview.last_year_line.y, expected["actual_last_year"].to_numpy())
    assert len(overview.trend_bars.x) == 12
    assert not np.allclose(everyone, overview.trend_bars.y)


def test_headline_and_mix_follow_the_selected_team_and_month(overview: SalesOverview) -> None:
    overview.team = "East"
    overview.period_control.value = "2026-03"
    cube = open_workbook(overview.workbook.path).cube()
    east = filter_cube(cube, team="East")
    march = pd.Period("2026-03", freq="M")
    assert overview.headline == headline(east, march, digits=2).as_dict()  # in the currency's minor unit
    expected_mix = mix(east, "segment", start=fiscal_year_start_period(march), end=march)
    assert list(overview.mix_bars.x) == expected_mix["segment"].tolist()
    np.testing.assert_allclose(overview.mix_bars.y, expected_mix["actual"].to_numpy())
    assert str(overview.trend_table["period"].iloc[-1]) == "2026-03"


def test_mix_by_rep_shows_only_the_teams_reps(overview: SalesOverview) -> None:
    overview.team = "North"
    overview.mix_control.value = "rep"
    assert sorted(overview.mix_bars.x) == sorted(TEAMS["North"])
    assert overview.mix_table["actual"].sum() == pytest.approx(sum(overview.mix_bars.y))


def test_an_unknown_team_or_month_is_refused_and_the_chart_keeps_its_figures(overview: SalesOverview) -> None:
    before = np.asarray(overview.trend_bars.y, dtype=float).copy()
    with pytest.raises(Exception, match="not one of the teams"):
        overview.team = "<script>"
    with pytest.raises(Exception, match="not a month with data"):
        overview.period = "1999-01"
    np.testing.assert_allclose(overview.trend_bars.y, before)
    assert overview.team == ""


def test_query_string_selects_a_known_team_and_month(workbook_dir: Path) -> None:
    view = SalesOverview.from_query(workbook_dir, "period=2026-05&team=East")
    assert (view.period, view.team, view.team_control.value) == ("2026-05", "East", "East")
    assert view.notices == ()


def test_query_string_with_bad_values_is_ignored_politely_and_never_echoed(workbook_dir: Path) -> None:
    view = SalesOverview.from_query(
        workbook_dir, "period=../../etc/passwd&team=<script>alert(1)</script>&x=1"
    )
    assert (view.period, view.team) == (view.periods[-1], "")
    assert len(view.notices) == 3
    shown = view.notice_panel.value
    assert "<script>" not in shown and "passwd" not in shown and "alert" not in shown
    assert "ignored" in shown


def test_a_period_must_be_shaped_like_a_month_even_if_listed() -> None:
    query = parse_query(
        "period=2026-13&team=East&team=North", {"period": {"2026-13"}, "team": {"East", "North"}}
    )
    assert query.get("period") is None
    assert query.get("team") == "East"
    assert len(query.notices) == 1


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from(["period", "team", "rep", "x"]), st.text(max_size=30)), max_size=6
    )
)
def test_only_known_values_pass_and_notices_never_repeat_the_address(pairs: list[tuple[str, str]]) -> None:
    choices = {"period": {"2026-10", "2026-09"}, "team": {"East", "North"}}
    query = parse_query(urlencode(pairs), choices)
    for name, value in query.values.items():
        assert value in choices[name]
    shown = " ".join(query.notices)
    # the same notices for a harmless value: text a value may match by chance ("team", "address")
    wording = " ".join(parse_query(urlencode([(name, "zz") for name, _ in pairs]), choices).notices)
    for _, value in pairs:
        if len(value.strip()) > 3 and value.strip() not in wording:
            assert value.strip() not in shown


def test_labels_follow_the_plans_locale(tmp_path: Path) -> None:
    view = SalesOverview(write_sales_workbook(tmp_path, locale="zh_CN"))
    assert view.period_control.label == "2026年10月"
    assert view.trend_bars.x[-1] == "2026年10月"
    assert "¥" in view.headline_panel.value
    ticks = view.trend_chart.axes[1].tick_labels
    assert max(ticks) >= max(view.trend_bars.y) and ticks[max(ticks)].endswith("万")


def test_a_workbook_with_bad_data_shows_a_message_not_a_traceback(tmp_path: Path) -> None:
    write_sales_workbook(tmp_path)
    (tmp_path / "data" / "sales.csv").write_text("日期,金额,销售\nnot a date,12,Li\n", encoding="utf-8")
    shown = SalesOverview.dashboard(tmp_path)
    assert not isinstance(shown, SalesOverview)
    assert "cannot be shown" in shown.value and "Traceback" not in shown.value


def test_building_the_chart_figures_emits_no_deprecation_warning() -> None:
    """bqplot 0.13 deprecates Axis(orientation=...); JupyterLab prints such warnings on stderr."""
    import warnings

    from bqplot import LinearScale

    from salesplan_widgets.widgets.charts import bar_figure, trend_figure, value_axis

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _figure, *_marks = trend_figure("Monthly sales", "Sales", "Last year", "Sales (CNY)")
        _figure, _bars = bar_figure("Segment", "Sales (CNY)")
        axis = value_axis(LinearScale(), "Payout", tick_format=",.0f")
    assert axis.orientation == "vertical" and axis.side == "left"


def test_the_overview_dashboard_builds_without_deprecation_warnings(workbook_dir: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        view = SalesOverview(workbook_dir)
    assert all(
        axis.side == "left" for figure in (view.trend_chart, view.mix_chart) for axis in figure.axes[1:]
    )

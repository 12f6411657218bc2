"""Random shapes of sales data: any subset of the optional columns, monthly or weekly, any fiscal year start,
CSV or Parquet. Every public entry point either works or raises a SalesplanError that names the problem:
never a raw exception (KeyError, TypeError, ValueError ...)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.forecast import baseline_forecast
from salesplan_widgets.model.tracking import attainment, plan_vs_actual
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.payouts import load_quotas, period_statements
from salesplan_widgets.workbook.targets import split_from_plan

OPTIONAL = ("segment", "channel", "territory", "team", "product", "account", "quantity")
REPS = ("Ann", "Bo", "Cy", "Dee")


def sales_rows(columns: tuple[str, ...], rows: int, seed: int) -> pd.DataFrame:
    """Invoice lines over 26 months (a few returns), with only date, amount, rep and `columns`."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-09-01", "2026-10-31", freq="D")
    frame = pd.DataFrame(
        {
            "order_date": days[rng.integers(0, len(days), rows)].strftime("%Y-%m-%d"),
            "net": np.round(rng.lognormal(7, 1, rows) * np.where(rng.random(rows) < 0.03, -1, 1), 2),
            "seller": rng.choice(REPS, rows),
        }
    )
    values = {
        "segment": lambda: rng.choice(["A", "B", "C"], rows),
        "channel": lambda: rng.choice(["online", "offline"], rows),
        "territory": lambda: rng.choice(["North", "South"], rows),
        "team": lambda: rng.choice(["East", "West"], rows),
        "product": lambda: rng.choice(["pumps", "valves", "drives"], rows),
        "account": lambda: np.char.add("C", rng.integers(1, 40, rows).astype(str)),
        "quantity": lambda: rng.integers(1, 20, rows),
    }
    for column in columns:
        frame[f"col_{column}"] = values[column]()
    return frame


def write_workbook(
    folder: Path, columns, grain: str, fiscal_year_start: int, file_format: str, seed: int
) -> Path:
    (folder / "data").mkdir(parents=True)
    sales = sales_rows(columns, 400, seed)
    path = folder / "data" / f"sales.{file_format}"
    if file_format == "parquet":
        sales.to_parquet(path, index=False)
    else:
        sales.to_csv(path, index=False)
    mapping = "\n".join(f"      {c}: col_{c}" for c in columns)
    (folder / "plan.yaml").write_text(
        f"""name: Random shape
currency: CNY
calendar:
  grain: {grain}
  fiscal_year_start: {fiscal_year_start}
sources:
  sales:
    path: data/sales.{file_format}
    columns:
      date: order_date
      amount: net
      rep: seller
{mapping}
""",
        encoding="utf-8",
    )
    return folder


def works_or_says_why(step: str, call: Callable[[], object]) -> object | None:
    """The call's result, or None when it refused with a SalesplanError that has a message."""
    try:
        return call()
    except SalesplanError as exc:
        assert str(exc).strip(), f"{step}: a SalesplanError with no message"
        return None


shapes = st.fixed_dictionaries(
    {
        "columns": st.lists(st.sampled_from(OPTIONAL), unique=True).map(tuple),
        "grain": st.sampled_from(["month", "week", "quarter", "4-4-5", "4-5-4"]),
        "fiscal_year_start": st.integers(1, 12),
        "file_format": st.sampled_from(["csv", "parquet"]),
        "seed": st.integers(0, 2**16),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=shapes)
def test_every_entry_point_works_or_names_the_problem_for_any_shape_of_data(tmp_path_factory, shape):
    folder = write_workbook(tmp_path_factory.mktemp("shape"), **shape)
    workbook = works_or_says_why("open_workbook", lambda: open_workbook(folder))
    assert workbook is not None, "a plan with date, amount and rep mapped must open"
    problems = workbook.validate()
    assert all(str(p) for p in problems)
    cube = works_or_says_why("cube", workbook.cube)
    if cube is None:
        return
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    last = cube["period"].max()
    next_year = calendar.next_year_periods(last)
    works_or_says_why(
        "goal baseline", lambda: baseline_forecast(cube, next_year[0], next_year[-1], last_actual=last)
    )
    split = works_or_says_why("split", lambda: split_from_plan(workbook, cube))
    if split is not None:
        targets = split.targets
        assert targets["target"].sum() == pytest.approx(split.goal)
        frame = works_or_says_why("tracking", lambda: plan_vs_actual(targets, cube))
        if frame is not None:
            works_or_says_why(
                "attainment",
                lambda: attainment(frame, frame["period"].max(), ["rep"], "year", shape["fiscal_year_start"]),
            )
    quotas = works_or_says_why("quotas", lambda: load_quotas(workbook, allow_provisional=True))
    if quotas is not None:
        month = calendar.months_of([last])[0]
        works_or_says_why("statements", lambda: period_statements(workbook, str(month), quotas=quotas))

"""The run log: every period run, ok or failed, leaves one record of who ran it on which plan and data."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from salesplan_widgets.errors import RunError
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.runlog import (
    COLUMNS,
    RunRecord,
    append_run,
    current_user,
    logged_run,
    read_run_log,
    run_log_path,
)
from salesplan_widgets.workbook.scaffold import init_workbook


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return init_workbook(tmp_path / "acme", name="Acme")


def test_a_successful_run_records_who_when_which_plan_and_data(workbook: Path) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    with logged_run(workbook, "2026-3", ["sales_overview"]):
        time.sleep(0.05)
    after = datetime.now(UTC)
    opened = open_workbook(workbook)

    log = read_run_log(workbook)

    assert list(log.columns) == list(COLUMNS)
    assert len(log) == 1
    run = log.iloc[0]
    assert run["user"] == current_user() != ""
    assert before <= run["started"].to_pydatetime() <= after
    assert str(run["started"].tz) == "UTC"
    assert run["period"] == "2026-03"
    assert run["plan_version"] == opened.version
    assert run["data_fingerprint"] == opened.data_fingerprint()
    assert run["templates"] == "sales_overview"
    assert run["outcome"] == "ok" and run["message"] == ""
    assert 0.05 <= run["duration_s"] < 60


def test_a_failed_run_is_logged_with_its_message_and_the_error_still_raised(workbook: Path) -> None:
    failure = RunError("sales_overview", "ZeroDivisionError: division by zero", cell=3)
    with pytest.raises(RunError) as raised, logged_run(workbook, "2026-10", ["sales_overview"]):
        raise failure

    assert raised.value is failure
    run = read_run_log(workbook).iloc[-1]
    assert run["outcome"] == "failed"
    assert "ZeroDivisionError: division by zero" in run["message"]
    assert "cell 3" in run["message"]


def test_templates_default_to_the_plans_report_templates(workbook: Path) -> None:
    with logged_run(workbook, "2026-10"):
        pass
    expected = " ".join(open_workbook(workbook).plan.reports.templates)
    assert read_run_log(workbook).iloc[0]["templates"] == expected != ""


def test_records_accumulate_oldest_first_and_show_when_the_data_changed(workbook: Path) -> None:
    with logged_run(workbook, "2026-09"):
        pass
    sales = workbook / "data" / "sales.csv"
    sales.write_text(
        sales.read_text(encoding="utf-8") + sales.read_text(encoding="utf-8").splitlines()[1] + "\n"
    )
    with logged_run(workbook, "2026-10"):
        pass

    log = read_run_log(workbook)

    assert log["period"].tolist() == ["2026-09", "2026-10"]
    assert log["started"].is_monotonic_increasing
    assert log.loc[0, "data_fingerprint"] != log.loc[1, "data_fingerprint"]
    assert log.loc[0, "plan_version"] == log.loc[1, "plan_version"]
    assert run_log_path(workbook).read_text(encoding="utf-8").count("started,") == 1  # one header


def test_a_message_with_commas_quotes_and_lines_round_trips(workbook: Path) -> None:
    message = 'data/sales.csv, row 7, column "Net amount": expected a number\nFix: remove the text'
    with pytest.raises(ValueError), logged_run(workbook, "2026-10"):
        raise ValueError(message)
    assert read_run_log(workbook).iloc[0]["message"] == message


def _append_many(workbook: str, worker: int, count: int) -> None:
    for i in range(count):
        append_run(
            workbook,
            RunRecord(
                started=datetime.now(UTC).isoformat(timespec="seconds"),
                user=f"worker-{worker}",
                host="test",
                period="2026-10",
                plan_version="v",
                data_fingerprint="f",
                templates="sales_overview",
                outcome="ok",
                message=f"run {i}",
                duration_s=0.0,
            ),
        )


def test_runs_finishing_at_the_same_time_all_land_in_the_log(workbook: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(str(workbook), w, 15)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0

    log = read_run_log(workbook)

    assert len(log) == 60
    assert log.groupby("user")["message"].nunique().to_dict() == {f"worker-{w}": 15 for w in range(4)}
    assert not list(run_log_path(workbook).parent.glob(".runs.csv.*.tmp"))  # no temporary files left


def test_a_workbook_never_run_has_an_empty_log_with_the_columns(workbook: Path) -> None:
    log = read_run_log(open_workbook(workbook))
    assert log.empty and list(log.columns) == list(COLUMNS)
    assert isinstance(log["started"].dtype, pd.DatetimeTZDtype)
    assert not run_log_path(workbook).exists()


def test_an_unwritable_log_warns_but_never_changes_the_runs_outcome(workbook: Path) -> None:
    run_log_path(workbook).mkdir(parents=True)  # a folder where the log file should be: every write fails
    with pytest.warns(UserWarning, match="run log"), logged_run(workbook, "2026-10"):
        pass  # a good run stays good


def test_a_run_pointed_at_a_folder_without_a_plan_creates_nothing_there(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), logged_run(tmp_path / "typo", "2026-10"):
        raise FileNotFoundError("no plan")
    assert not (tmp_path / "typo").exists()


@pytest.mark.slow
def test_every_period_run_ok_or_failed_appends_to_the_run_log(tmp_path: Path) -> None:
    from test_run import write_small_workbook

    from salesplan_widgets.errors import SalesplanError
    from salesplan_widgets.run import run_period

    workbook = write_small_workbook(tmp_path / "small")
    run_period(workbook, "2026-10", progress=False)
    with pytest.raises(SalesplanError):
        run_period(workbook, "2031-01", progress=False)  # no sales that month

    log = read_run_log(workbook)

    assert log[["period", "outcome"]].values.tolist() == [["2026-10", "ok"], ["2031-01", "failed"]]
    assert log.loc[0, "data_fingerprint"] == open_workbook(workbook).data_fingerprint()
    assert "2031-01" in log.loc[1, "message"]

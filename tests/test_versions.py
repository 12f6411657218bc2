"""Plan versions: each re-plan saved with reason and author, compared side by side, the right one in force."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from fixtures.tracking_data import actuals_cube, targets_table

from salesplan_widgets.errors import ConflictError, InputError
from salesplan_widgets.model.replan import MarketShock, apply_event, replan
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.versions import (
    compare_versions,
    list_versions,
    read_version,
    save_version,
    targets_in_force,
    targets_version,
)

PLAN = """name: Test Co
currency: CNY
sources:
  sales:
    path: data/sales.csv
    columns: {date: date, amount: amount, rep: rep}
"""


def make_workbook(path: Path, with_targets: bool = True):
    path.mkdir(parents=True, exist_ok=True)
    (path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    workbook = open_workbook(path)
    if with_targets:
        workbook.write_table("targets", targets_table())
    return workbook


def test_first_replan_keeps_the_original_as_version_one(tmp_path):
    workbook = make_workbook(tmp_path / "wb")
    revised = replan(
        targets_table(),
        actuals_cube(targets_table(), {"Ann": 1, "Bo": 1, "Cy": 1}, "2026-06"),
        "2026-06",
        goal=1e6,
    )
    entry = save_version(
        workbook, revised.targets, "raise the goal", "Li Na", "2026-07", now=dt.datetime(2026, 7, 2, 9, 0)
    )
    assert entry.version == 2
    versions = list_versions(workbook)
    assert list(versions["version"]) == [1, 2]
    assert list(versions["reason"]) == ["original plan", "raise the goal"]
    assert versions.loc[1, "author"] == "Li Na" and versions.loc[1, "saved_at"].startswith("2026-07-02T09:00")
    assert (tmp_path / "wb" / "tables" / "targets_v2.csv").exists()
    index = json.loads((tmp_path / "wb" / "tables" / "targets_versions.json").read_text(encoding="utf-8"))
    assert index["versions"][1]["effective_from"] == "2026-07"
    assert read_version(workbook, 2)["target"].sum() == pytest.approx(revised.targets["target"].sum())


def test_each_month_uses_the_version_in_force(tmp_path):
    workbook = make_workbook(tmp_path / "wb")
    original = targets_table()
    shocked = apply_event(original, MarketShock(0.5, pd.Period("2026-01", "M"))).targets
    doubled = apply_event(original, MarketShock(2.0, pd.Period("2026-01", "M"))).targets
    save_version(workbook, shocked, "market shock", "Li Na", "2026-07")
    save_version(workbook, doubled, "new product", "Wang Fang", "2026-10")
    in_force = targets_in_force(workbook)
    versions = in_force.groupby("period")["version"].unique().map(lambda v: list(v))
    assert versions[pd.Period("2026-06", "M")] == [1]
    assert versions[pd.Period("2026-07", "M")] == [2]
    assert versions[pd.Period("2026-09", "M")] == [2]
    assert versions[pd.Period("2026-10", "M")] == [3]
    jul = in_force[in_force["period"] == "2026-07"]["target"].sum()
    assert jul == pytest.approx(original[original["period"] == "2026-07"]["target"].sum() * 0.5)
    assert len(in_force) == len(original)


def test_without_any_replan_the_targets_table_is_in_force(tmp_path):
    workbook = make_workbook(tmp_path / "wb")
    in_force = targets_in_force(workbook)
    assert (in_force["version"] == 1).all()
    assert in_force["target"].sum() == pytest.approx(targets_table()["target"].sum())
    assert targets_in_force(make_workbook(tmp_path / "empty", with_targets=False)) is None


def test_versions_compare_side_by_side_by_rep_and_segment(tmp_path):
    workbook = make_workbook(tmp_path / "wb")
    original = targets_table()
    save_version(
        workbook,
        apply_event(original, MarketShock(0.8, pd.Period("2026-10", "M"), segment="B")).targets,
        "B slows",
        "Li Na",
        "2026-10",
    )
    side = compare_versions(workbook, 1, 2).set_index(["rep", "segment"])
    assert side.loc[("Ann", "A"), "change"] == 0.0
    b_later = original[
        (original["rep"] == "Ann") & (original["segment"] == "B") & (original["period"] >= "2026-10")
    ]["target"].sum()
    assert side.loc[("Ann", "B"), "change"] == pytest.approx(-0.2 * b_later)


def test_a_version_without_reason_is_refused_and_without_author_is_by_the_acting_user(tmp_path):
    from salesplan_widgets.workbook.runlog import current_user

    workbook = make_workbook(tmp_path / "wb")
    with pytest.raises(InputError, match="reason"):
        save_version(workbook, targets_table(), " ", "Li Na", "2026-07")
    assert list_versions(workbook).empty
    entry = save_version(workbook, targets_table(), "why", "", "2026-07")
    assert entry.author == current_user()


def test_two_analysts_saving_at_once_cannot_lose_a_version(tmp_path):
    workbook = make_workbook(tmp_path / "wb")
    save_version(workbook, targets_table(), "first", "Li Na", "2026-07")
    index = tmp_path / "wb" / "tables" / "targets_versions.json"
    stale = index.read_text(encoding="utf-8")

    import salesplan_widgets.workbook.versions as versions_module

    real_read = versions_module._read_index

    def read_then_someone_else_saves(wb):
        result = real_read(wb)
        index.write_text(stale.replace('"first"', '"someone else"'), encoding="utf-8")
        return result

    versions_module._read_index = read_then_someone_else_saves
    try:
        with pytest.raises(ConflictError):
            save_version(workbook, targets_table(), "second", "Wang Fang", "2026-08")
    finally:
        versions_module._read_index = real_read
    assert list(list_versions(workbook)["reason"]) == ["original plan", "someone else"]


def test_asking_for_a_version_that_does_not_exist_says_so(tmp_path):
    workbook = make_workbook(tmp_path / "wb")
    with pytest.raises(InputError, match="version 7"):
        read_version(workbook, 7)


def test_a_first_version_without_an_original_covers_the_months_before_it(tmp_path):
    workbook = make_workbook(tmp_path / "wb", with_targets=False)
    save_version(workbook, targets_table(), "first targets, saved mid-year", "Li Na", "2026-07")
    in_force = targets_in_force(workbook)
    assert set(in_force["period"].astype(str)) == {f"2026-{m:02d}" for m in range(1, 13)}
    assert (in_force["version"] == 1).all()


def shocked(factor: float = 1.1) -> pd.DataFrame:
    return apply_event(targets_table(), MarketShock(factor, pd.Period("2026-07", freq="M"))).targets


def test_a_save_based_on_an_older_index_is_refused_and_keeps_the_newer_version(tmp_path):
    workbook = make_workbook(tmp_path / "wb")
    read_by_a = targets_version(workbook)
    read_by_b = targets_version(workbook)
    save_version(workbook, shocked(1.1), "A's shock", "A", "2026-07", based_on=read_by_a)
    with pytest.raises(ConflictError):
        save_version(workbook, shocked(1.2), "B's shock", "B", "2026-07", based_on=read_by_b)
    assert list(list_versions(workbook)["reason"]) == ["original plan", "A's shock"]
    assert not (tmp_path / "wb" / "tables" / "targets_v3.csv").exists()
    assert read_version(workbook, 2)["target"].sum() == pytest.approx(shocked(1.1)["target"].sum())


def test_a_double_click_saves_one_version(tmp_path):
    workbook = make_workbook(tmp_path / "wb")
    read = targets_version(workbook)
    first = save_version(workbook, shocked(), "shock", "A", "2026-07", based_on=read)
    again = save_version(workbook, shocked(), "shock", "A", "2026-07", based_on=read)
    assert again == first
    assert list(list_versions(workbook)["version"]) == [1, 2]
    assert sorted(p.name for p in (tmp_path / "wb" / "tables").glob("targets_v*.csv")) == [
        "targets_v1.csv",
        "targets_v2.csv",
    ]


def test_concurrent_saves_from_two_processes_keep_one_and_refuse_the_other(tmp_path):
    import multiprocessing

    workbook = make_workbook(tmp_path / "wb")
    read = targets_version(workbook)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        outcomes = pool.starmap(
            _save_in_a_process, [(str(workbook.path), read, 1.1), (str(workbook.path), read, 1.3)]
        )
    assert sorted(outcomes) == ["conflict", "saved"]
    assert list(list_versions(workbook)["version"]) == [1, 2]


def _save_in_a_process(folder: str, read: str | None, factor: float) -> str:
    try:
        save_version(open_workbook(folder), shocked(factor), f"x{factor}", "A", "2026-07", based_on=read)
    except ConflictError:
        return "conflict"
    return "saved"


def test_each_version_saved_is_in_the_audit_log_with_the_index_versions(tmp_path):
    from salesplan_widgets.workbook.audit import read_audit

    workbook = make_workbook(tmp_path / "wb")
    before = targets_version(workbook)
    entry = save_version(workbook, shocked(), "shock", "Li Na", "2026-07", user="analyst.li")
    audit = read_audit(workbook)
    audit = audit[audit["action"] == "targets.version"]
    assert len(audit) == 1
    row = audit.iloc[0]
    assert row["user"] == "analyst.li" and pd.isna(row["before"]) and before is None
    assert row["after"] == targets_version(workbook)
    assert row["detail"]["version"] == entry.version == 2

"""The demo company: deterministic, complete, and shaped like a real Chinese B2B sales history."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import holidays
import pandas as pd
import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.demo import create_demo, last_complete_month
from salesplan_widgets.errors import SalesplanError

END = "2026-10"


def read_sales(directory: Path) -> pd.DataFrame:
    sales = pd.read_parquet(directory / "data" / "sales.parquet")
    sales["order_date"] = pd.to_datetime(sales["order_date"])
    sales["month"] = sales["order_date"].dt.to_period("M")
    return sales


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_demo(tmp_path_factory.mktemp("demo") / "wb", end=END)


@pytest.fixture(scope="module")
def sales(demo: Path) -> pd.DataFrame:
    return read_sales(demo)


@pytest.fixture(scope="module")
def reps(demo: Path) -> pd.DataFrame:
    return pd.read_csv(demo / "data" / "reps.csv", dtype=str)


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    first = create_demo(tmp_path / "a", seed=3, end=END, rows=20_000)
    again = create_demo(tmp_path / "b", seed=3, end=END, rows=20_000)
    other = create_demo(tmp_path / "c", seed=4, end=END, rows=20_000)
    files = ["plan.yaml", "data/sales.parquet", "data/accounts.csv", "data/reps.csv", "tables/targets.csv"]
    for name in files:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    for name in ["data/sales.parquet", "data/accounts.csv", "data/reps.csv"]:
        assert (first / name).read_bytes() != (other / name).read_bytes(), name


def test_plan_loads_maps_the_files_columns_and_the_data_validates(demo: Path, sales: pd.DataFrame) -> None:
    wb = open_workbook(demo)
    assert (wb.plan.currency, wb.locale) == ("CNY", "en")
    assert wb.plan.calendar.start == dt.date(2023, 11, 1) == sales["order_date"].min().date()
    assert wb.plan.calendar.end == dt.date(2026, 10, 31)
    mapping = dict(wb.plan.sources.sales.columns)
    assert set(mapping) == {
        "date",
        "amount",
        "quantity",
        "rep",
        "team",
        "territory",
        "segment",
        "channel",
        "product",
        "account",
    }
    assert set(mapping.values()) <= set(sales.columns)
    assert mapping != {k: k for k in mapping}  # the file's own names, so the mapping is exercised
    accounts = pd.read_csv(demo / wb.plan.sources.accounts.path)
    assert set(wb.plan.sources.accounts.columns.values()) <= set(accounts.columns)
    assert wb.validate() == []


def test_three_years_of_daily_lines_for_forty_reps_in_four_regions(sales: pd.DataFrame) -> None:
    assert 80_000 <= len(sales) <= 150_000
    assert sales["month"].min() == pd.Period("2023-11", "M")
    assert sales["month"].max() == pd.Period(END, "M")
    assert sales["order_date"].dt.date.nunique() > 3 * 365 * 0.9  # daily, with quiet holidays
    assert sales["sales_rep"].nunique() == 40
    assert sales["team"].nunique() == 4
    assert sales.groupby("team")["region"].nunique().eq(1).all()
    assert sales.groupby("team")["sales_rep"].nunique().between(8, 12).all()
    assert set(sales["channel"]) == {"online", "offline", "partner"}
    assert set(sales["customer_segment"]) == {"A", "B", "C"}
    assert 4 <= sales["product_line"].nunique() <= 5
    assert 2_000 <= sales["customer_id"].nunique() <= 5_000
    assert (sales["net_amount"] - sales["qty"] * sales["unit_price"]).abs().max() < 0.01
    price = sales.groupby("product_line")["unit_price"].median()
    assert price.max() > 5 * price.min()


def test_demo_size_fits_in_git(demo: Path) -> None:
    assert (demo / "data" / "sales.parquet").stat().st_size < 3_000_000


def test_sales_grow_about_ten_percent_a_year(sales: pd.DataFrame) -> None:
    year = (sales["month"] - sales["month"].min()).map(lambda offset: offset.n // 12)
    totals = sales.groupby(year)["net_amount"].sum()
    growth = totals / totals.shift() - 1
    assert growth.dropna().between(0.05, 0.16).all(), growth


def test_spring_festival_dip_follows_the_lunar_new_year(sales: pd.DataFrame) -> None:
    daily = sales.groupby(sales["order_date"].dt.normalize())["net_amount"].sum()
    years = range(2024, 2027)
    new_years = sorted(
        pd.Timestamp(day)
        for day, name in holidays.country_holidays("CN", years=years, language="en_US").items()
        if name == "Chinese New Year (Spring Festival)"
    )
    new_years = [day for i, day in enumerate(new_years) if i == 0 or (day - new_years[i - 1]).days > 30]
    assert len(new_years) == 3
    for new_year in new_years:  # 2024-02-10, 2025-01-29, 2026-02-17: the dip moves with them
        holiday_week = daily[new_year : new_year + pd.Timedelta(days=6)].sum()
        weeks_before = daily[new_year - pd.Timedelta(days=35) : new_year - pd.Timedelta(days=29)].sum()
        assert holiday_week < 0.35 * weeks_before, new_year
    monthly = sales.groupby("month")["net_amount"].sum()
    for year in years:
        twelve = monthly[pd.Period(f"{year}-01", "M") : pd.Period(f"{year}-10", "M")]
        assert monthly[pd.Period(f"{year}-02", "M")] < 0.8 * twelve.mean()


def test_online_peaks_in_june_618_and_november_double_11(sales: pd.DataFrame) -> None:
    online = sales[sales["channel"] == "online"]
    by_month = online.groupby(online["month"].dt.month)["net_amount"].sum()
    assert by_month[11] > 1.2 * by_month.mean()
    assert by_month[6] > 1.2 * by_month.mean()
    daily = online.groupby(online["order_date"].dt.normalize())["net_amount"].sum()
    november = daily[daily.index.month == 11]
    assert november[november.index.day == 11].mean() > 3 * november[november.index.day > 15].mean()
    offline = sales[sales["channel"] == "offline"].groupby(sales["month"].dt.month)["net_amount"].sum()
    assert offline[12] > offline.mean()  # the Q4 push


def test_returns_are_negative_lines_about_two_and_a_half_percent(sales: pd.DataFrame) -> None:
    returns = sales[sales["net_amount"] < 0]
    assert 0.015 < len(returns) / len(sales) < 0.04
    assert (returns["qty"] < 0).all()
    assert ((sales["qty"] < 0) == (sales["net_amount"] < 0)).all()


def test_new_hires_start_after_the_data_begins_and_ramp_up(sales: pd.DataFrame, reps: pd.DataFrame) -> None:
    start = sales["month"].min()
    hires = reps[reps["hired"].map(lambda m: pd.Period(m, "M") > start)]
    assert 3 <= len(hires) <= 4
    first_sale = sales.groupby("sales_rep")["month"].min()
    for rep, hired in zip(hires["rep"], hires["hired"], strict=True):
        assert first_sale[rep] >= pd.Period(hired, "M") > start
    earliest = hires.sort_values("hired").iloc[0]
    monthly = sales[sales["sales_rep"] == earliest["rep"]].groupby("month")["net_amount"].sum()
    hired = pd.Period(earliest["hired"], "M")
    assert monthly[hired : hired + 1].mean() < 0.6 * monthly[hired + 6 :].mean()


def test_the_leaver_sells_nothing_after_leaving_and_their_accounts_move_on(
    demo: Path, sales: pd.DataFrame, reps: pd.DataFrame
) -> None:
    leavers = reps[reps["left"].notna()]
    assert len(leavers) == 1
    rep, left = leavers["rep"].iloc[0], pd.Period(leavers["left"].iloc[0], "M")
    assert sales["month"].min() < left < sales["month"].max()
    theirs = sales[sales["sales_rep"] == rep]
    assert theirs["month"].max() == left
    book = set(theirs["customer_id"])
    after = sales[(sales["month"] > left) & sales["customer_id"].isin(book)]
    assert len(after) > 0 and rep not in set(after["sales_rep"])
    accounts = pd.read_csv(demo / "data" / "accounts.csv")
    assert rep not in set(accounts["rep"])


def test_reps_differ_in_results(sales: pd.DataFrame, reps: pd.DataFrame) -> None:
    established = reps[reps["left"].isna() & (reps["hired"] < "2023-11")]["rep"]
    per_rep = sales[sales["sales_rep"].isin(established)].groupby("sales_rep")["net_amount"].sum()
    assert per_rep.max() > 1.8 * per_rep.median()


def test_account_master_matches_the_sales_history(demo: Path, sales: pd.DataFrame) -> None:
    accounts = pd.read_csv(demo / "data" / "accounts.csv")
    assert list(accounts.columns) == [
        "account",
        "account_name",
        "segment",
        "potential",
        "rep",
        "team",
        "territory",
    ]
    assert accounts["account"].is_unique and set(sales["customer_id"]) <= set(accounts["account"])
    assert (accounts["potential"] > 0).all()
    assert accounts["account_name"].str.fullmatch(r"[A-Za-z' ]+").all()
    segment_in_sales = sales.drop_duplicates("customer_id").set_index("customer_id")["customer_segment"]
    master = accounts.set_index("account")["segment"]
    assert (master[segment_in_sales.index] == segment_in_sales).all()
    value = sales.groupby("customer_id")["net_amount"].sum()
    by_segment = value.groupby(master[value.index]).mean()
    assert by_segment["A"] > by_segment["B"] > by_segment["C"]
    recent = sales[sales["month"] > sales["month"].max() - 12].groupby("customer_id")["net_amount"].sum()
    potential = accounts.set_index("account")["potential"]
    assert (potential[recent.index] >= recent.clip(lower=0) * 0.9).mean() > 0.95  # potential is headroom


def test_rows_scales_transactions_with_the_same_company(
    tmp_path: Path, demo: Path, sales: pd.DataFrame
) -> None:
    big_dir = create_demo(tmp_path / "big", end=END, rows=200_000)
    big = read_sales(big_dir)
    assert abs(len(big) - 200_000) < 0.02 * 200_000
    assert set(big["sales_rep"]) == set(sales["sales_rep"])
    columns = ["account", "account_name", "segment", "rep"]
    assert pd.read_csv(big_dir / "data" / "accounts.csv")[columns].equals(
        pd.read_csv(demo / "data" / "accounts.csv")[columns]
    )
    assert big["month"].min() == sales["month"].min() and big["month"].max() == sales["month"].max()


def test_chinese_locale_names_the_same_company_in_chinese(tmp_path: Path) -> None:
    english = create_demo(tmp_path / "en", end=END, rows=10_000)
    chinese = create_demo(tmp_path / "zh", end=END, rows=10_000, locale="zh_CN")
    assert open_workbook(chinese).locale == "zh_CN"
    en, zh = read_sales(english), read_sales(chinese)
    assert (en["net_amount"] == zh["net_amount"]).all()
    assert zh["sales_rep"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert set(zh["channel"]) == {"online", "offline", "partner"}


def test_default_end_is_the_last_complete_month(tmp_path: Path) -> None:
    wb = open_workbook(create_demo(tmp_path / "wb", rows=5_000))
    assert wb.plan.calendar.end == last_complete_month().end_time.date()
    assert last_complete_month(dt.date(2026, 1, 15)) == pd.Period("2025-12", "M")


def test_refuses_to_overwrite_an_existing_plan(tmp_path: Path) -> None:
    plan = tmp_path / "wb" / "plan.yaml"
    plan.parent.mkdir()
    plan.write_text("name: Mine\n", encoding="utf-8")
    with pytest.raises(SalesplanError, match="already holds a workbook"):
        create_demo(tmp_path / "wb", end=END, rows=5_000)
    assert plan.read_text(encoding="utf-8") == "name: Mine\n"
    assert not (tmp_path / "wb" / "data").exists()


@pytest.mark.parametrize("end", ["2026-13", "Oct 2026", "2026-1"])
def test_a_malformed_end_month_is_a_clear_error(tmp_path: Path, end: str) -> None:
    with pytest.raises(SalesplanError, match="YYYY-MM"):
        create_demo(tmp_path / "wb", end=end, rows=5_000)
    assert not (tmp_path / "wb").exists()


def test_salesplan_demo_command_writes_a_workbook(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "salesplan_widgets.cli",
            "demo",
            str(tmp_path / "wb"),
            "--end",
            "2025-06",
            "--rows",
            "5000",
            "--seed",
            "11",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert open_workbook(tmp_path / "wb").plan.calendar.end == dt.date(2025, 6, 30)


# the goal's figures read off the baseline forecast: their last digits move with statsmodels' and pandas'
# releases (a fresh install gets the newest), so they are compared to a millionth; the goal itself is in whole
# millions and the rest of the plan byte for byte
FORECAST_FIGURES = re.compile(r"^(  (?:baseline|probability): )(\S+)$", re.MULTILINE)


def test_committed_demo_workbook_is_what_the_generator_writes(demo: Path) -> None:
    committed = Path(__file__).resolve().parents[1] / "workbooks" / "demo"
    fresh = demo  # the module's create_demo(..., end=END): the very call this compares with, made once
    stale = f"is stale: regenerate it with create_demo('workbooks/demo', end='{END}')"
    plans = [(folder / "plan.yaml").read_text(encoding="utf-8") for folder in (committed, fresh)]
    figures = [[float(v) for _k, v in FORECAST_FIGURES.findall(plan)] for plan in plans]
    assert len(figures[0]) == 2 and figures[0] == pytest.approx(figures[1], rel=1e-6), (
        f"workbooks/demo/plan.yaml {stale}"
    )
    masked = [FORECAST_FIGURES.sub(r"\1…", plan) for plan in plans]
    assert masked[0] == masked[1], f"workbooks/demo/plan.yaml {stale}"
    for name in ["data/accounts.csv", "data/reps.csv", "tables/targets.csv"]:
        assert (committed / name).read_bytes() == (fresh / name).read_bytes(), (
            f"workbooks/demo/{name} {stale}"
        )
    assert read_sales(committed).equals(read_sales(fresh))

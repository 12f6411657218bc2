"""The sales cube: built in DuckDB from every source format, its totals equal to the file's own."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import defaultdict
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from salesplan_widgets import open_workbook
from salesplan_widgets.errors import InputError
from salesplan_widgets.i18n import set_locale
from salesplan_widgets.schema import Calendar, SalesSource
from salesplan_widgets.workbook.cube import (
    account_summary,
    build_cube,
    cube_sql,
    new_accounts,
    read_cube,
    top_accounts,
    write_cube,
)
from salesplan_widgets.workbook.sources import validate_source

HEADER = ["下单日期", "净额 (元)", "销售代表", "团队", "客户分层", "渠道", "产品线", "客户", "数量"]
MAPPING = {
    "date": "下单日期",
    "amount": "净额 (元)",
    "rep": "销售代表",
    "team": "团队",
    "segment": "客户分层",
    "channel": "渠道",
    "product": "产品线",
    "account": "客户",
    "quantity": "数量",
}
CALENDAR = Calendar(start=dt.date(2025, 1, 1), end=dt.date(2026, 10, 31))
REPS = {"张伟": "华东", "王芳": "华东", "李娜": "华北", "Zhao Lei": "华北"}


def sales_rows(n: int = 400, seed: int = 7) -> list[list[str]]:
    """Transactions as text cells, a tenth of them returns (negative amounts)."""
    rng = random.Random(seed)
    rows = []
    for _i in range(n):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(669))
        rep = rng.choice(sorted(REPS))
        amount = round(rng.uniform(50, 5000), 2) * (-1 if rng.random() < 0.1 else 1)
        rows.append(
            [
                day.isoformat(),
                f"{amount:.2f}",
                rep,
                REPS[rep],
                rng.choice("ABC"),
                rng.choice(["online", "offline", "partner"]),
                rng.choice(["P1", "P2", "P3"]),
                f"C{rng.randrange(30):03d}",
                str(rng.randrange(1, 20)),
            ]
        )
    return rows


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])


def source_for(path: str, **options) -> SalesSource:
    return SalesSource(path=path, columns=MAPPING, **options)


def totals_by_hand(path: Path, encoding: str = "utf-8") -> dict[tuple, tuple[float, int]]:
    """(month, rep, segment, channel) -> (sum of amounts, lines), read with Python's csv module."""
    sums: dict[tuple, list] = defaultdict(lambda: [0.0, 0])
    with path.open(encoding=encoding, newline="") as fh:
        for record in csv.DictReader(fh):
            key = (record["下单日期"][:7], record["销售代表"], record["客户分层"], record["渠道"])
            sums[key][0] += float(record["净额 (元)"])
            sums[key][1] += 1
    return {k: (round(v[0], 2), v[1]) for k, v in sums.items()}


def cube_totals(cube: pd.DataFrame) -> dict[tuple, tuple[float, int]]:
    grouped = cube.groupby([cube["period"].astype(str), "rep", "segment", "channel"])[
        ["actual", "lines"]
    ].sum()
    return {k: (round(v.actual, 2), int(v.lines)) for k, v in grouped.iterrows()}


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are asserted in English; another test may have opened a Chinese workbook in this process."""
    set_locale("en")


@pytest.fixture
def rows() -> list[list[str]]:
    return sales_rows()


# -- totals ----------------------------------------------------------------------------------------------
def test_cube_totals_equal_the_files_totals(tmp_path: Path, rows) -> None:
    write_csv(tmp_path / "sales.csv", rows)
    cube = build_cube(source_for("sales.csv"), tmp_path, CALENDAR)
    assert cube_totals(cube) == totals_by_hand(tmp_path / "sales.csv")
    assert list(cube.columns) == [
        "period",
        "rep",
        "team",
        "territory",
        "segment",
        "channel",
        "actual",
        "quantity",
        "lines",
    ]
    assert cube["period"].dtype == pd.PeriodDtype("M")
    assert cube["lines"].sum() == len(rows)
    assert cube["quantity"].sum() == sum(int(r[8]) for r in rows)


def test_returns_are_kept_as_negative_sales(tmp_path: Path) -> None:
    rows = [
        ["2026-03-02", "1000.00", "张伟", "华东", "A", "online", "P1", "C1", "1"],
        ["2026-03-09", "-250.00", "张伟", "华东", "A", "online", "P1", "C1", "-1"],
    ]
    write_csv(tmp_path / "sales.csv", rows)
    cube = build_cube(source_for("sales.csv"), tmp_path, CALENDAR)
    assert cube["actual"].tolist() == [750.0]
    assert cube["lines"].tolist() == [2]
    assert cube["quantity"].tolist() == [0.0]


def test_text_amounts_with_thousands_separators_and_slashed_dates_are_summed(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(
        'date;amount;rep\n2026/01/05;"1,234.50";Li\n2026-01-20 10:30:00;-34.5;Li\n2026年2月1日;1e2;Li\n',
        encoding="utf-8",
    )
    source = SalesSource(path="sales.csv", columns={"date": "date", "amount": "amount", "rep": "rep"})
    cube = build_cube(source, tmp_path, CALENDAR)
    assert [(str(p), a) for p, a in zip(cube["period"], cube["actual"], strict=True)] == [
        ("2026-01", 1200.0),
        ("2026-02", 100.0),
    ]


# -- formats ---------------------------------------------------------------------------------------------
def _write_xlsx(path: Path, rows) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in rows:
        sheet.append([dt.date.fromisoformat(r[0]), float(r[1]), *r[2:8], int(r[8])])
    book.save(path)


def _typed_table(rows) -> pa.Table:
    return pa.table(
        {
            HEADER[0]: pa.array([dt.date.fromisoformat(r[0]) for r in rows]),
            HEADER[1]: pa.array([float(r[1]) for r in rows]),
            **{HEADER[i]: pa.array([r[i] for r in rows]) for i in range(2, 8)},
            HEADER[8]: pa.array([int(r[8]) for r in rows]),
        }
    )


def _write(fmt: str, folder: Path, rows) -> SalesSource:
    if fmt in ("utf-8", "utf-8-sig", "gb18030"):
        write_csv(folder / "sales.csv", rows, encoding=fmt)
        return source_for("sales.csv")
    if fmt == "gbk-declared":
        write_csv(folder / "sales.csv", rows, encoding="gbk")
        return source_for("sales.csv", encoding="gbk")
    if fmt == "xlsx":
        _write_xlsx(folder / "sales.xlsx", rows)
        return source_for("sales.xlsx")
    if fmt == "parquet":
        pq.write_table(_typed_table(rows), folder / "sales.parquet")
        return source_for("sales.parquet")
    if fmt == "parquet-text":
        pq.write_table(
            pa.table({h: pa.array([r[i] for r in rows]) for i, h in enumerate(HEADER)}),
            folder / "sales.parquet",
        )
        return source_for("sales.parquet")
    assert fmt == "duckdb"
    with duckdb.connect(str(folder / "erp.duckdb")) as con:
        con.register("typed", _typed_table(rows))
        con.execute("CREATE TABLE 销售明细 AS SELECT * FROM typed")
    return source_for("erp.duckdb", table="销售明细")


@pytest.mark.parametrize(
    "fmt", ["utf-8", "utf-8-sig", "gb18030", "gbk-declared", "xlsx", "parquet", "parquet-text", "duckdb"]
)
def test_every_format_gives_the_same_cube(tmp_path: Path, rows, fmt: str) -> None:
    write_csv(tmp_path / "reference" / "sales.csv", rows)
    reference = build_cube(source_for("sales.csv"), tmp_path / "reference", CALENDAR, by_product=True)
    folder = tmp_path / "data"
    folder.mkdir()
    source = _write(fmt, folder, rows)
    cube = build_cube(source, folder, CALENDAR, by_product=True)
    pd.testing.assert_frame_equal(cube, reference, check_exact=False, rtol=1e-12)
    assert cube_totals(cube) == totals_by_hand(tmp_path / "reference" / "sales.csv")


def test_gb18030_past_the_sniffed_sample_is_still_read(tmp_path: Path) -> None:
    """A file that starts with pages of ASCII and has Chinese (GB18030) further down is re-read correctly."""
    ascii_lines = "".join(f"2026-01-{1 + i % 28:02d},10.00,Zhao Lei,North\n" for i in range(3000))
    text = "date,amount,rep,team\n" + ascii_lines + "2026-10-01,88.00,张伟,华东\n"
    (tmp_path / "sales.csv").write_bytes(text.encode("gb18030"))
    assert len(ascii_lines) > 1 << 16
    source = SalesSource(
        path="sales.csv", columns={"date": "date", "amount": "amount", "rep": "rep", "team": "team"}
    )
    cube = build_cube(source, tmp_path, CALENDAR)
    assert cube.loc[cube["rep"] == "张伟", ["team", "actual"]].values.tolist() == [["华东", 88.0]]
    assert cube["lines"].sum() == 3001


def test_gb18030_conversion_is_cached_in_the_workbook(tmp_path: Path, rows) -> None:
    write_csv(tmp_path / "sales.csv", rows, encoding="gb18030")
    build_cube(source_for("sales.csv"), tmp_path, CALENDAR)
    cached = list((tmp_path / ".cache").glob("csv-*.csv"))
    assert len(cached) == 1
    assert cached[0].read_text(encoding="utf-8").startswith(",".join(HEADER))
    write_csv(tmp_path / "sales.csv", rows[:10], encoding="gb18030")  # a new export replaces the old copy
    cube = build_cube(source_for("sales.csv"), tmp_path, CALENDAR)
    assert cube["lines"].sum() == 10
    assert len(list((tmp_path / ".cache").glob("csv-*.csv"))) == 1


# -- dimensions and grain ---------------------------------------------------------------------------------
def test_unmapped_dimensions_are_all_and_blank_values_unknown(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(
        "date,amount,rep,channel\n2026-01-05,10,Li ,online\n2026-01-06,5, Li,\n2026-01-07,1,Li,online\n",
        encoding="utf-8",
    )
    source = SalesSource(
        path="sales.csv", columns={"date": "date", "amount": "amount", "rep": "rep", "channel": "channel"}
    )
    cube = build_cube(source, tmp_path, CALENDAR)
    assert cube[["rep", "team", "territory", "segment", "channel", "actual", "lines"]].values.tolist() == [
        ["Li", "all", "all", "all", "online", 11.0, 2],
        ["Li", "all", "all", "all", "unknown", 5.0, 1],
    ]


def test_weekly_grain_gives_monday_to_sunday_periods(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(
        "date,amount,rep\n2026-10-04,1,Li\n2026-10-05,2,Li\n2026-10-11,4,Li\n2026-10-12,8,Li\n",
        encoding="utf-8",
    )
    source = SalesSource(path="sales.csv", columns={"date": "date", "amount": "amount", "rep": "rep"})
    cube = build_cube(source, tmp_path, Calendar(grain="week"))
    assert cube["period"].dtype == pd.PeriodDtype("W-SUN")
    assert [(str(p.start_time.date()), a) for p, a in zip(cube["period"], cube["actual"], strict=True)] == [
        ("2026-09-28", 1.0),
        ("2026-10-05", 6.0),
        ("2026-10-12", 8.0),
    ]


def test_product_is_a_dimension_only_when_asked(tmp_path: Path, rows) -> None:
    write_csv(tmp_path / "sales.csv", rows)
    plain = build_cube(source_for("sales.csv"), tmp_path, CALENDAR)
    detailed = build_cube(source_for("sales.csv"), tmp_path, CALENDAR, by_product=True)
    assert "product" not in plain.columns
    assert set(detailed["product"]) == {"P1", "P2", "P3"}
    assert detailed["actual"].sum() == pytest.approx(plain["actual"].sum())


@pytest.mark.parametrize("grain", ["month", "week"])
def test_cube_file_round_trips_periods_and_strings(tmp_path: Path, rows, grain: str) -> None:
    write_csv(tmp_path / "sales.csv", rows)
    cube = build_cube(source_for("sales.csv"), tmp_path, Calendar(grain=grain), by_product=True)
    write_cube(cube, tmp_path / "cube.parquet")
    back = read_cube(tmp_path / "cube.parquet")
    pd.testing.assert_frame_equal(back, cube)
    assert not any(isinstance(t, pd.CategoricalDtype) for t in back.dtypes)


def test_cube_sql_runs_on_any_relation_with_canonical_columns() -> None:
    """The aggregation is plain SQL over a relation, independent of how the source was read."""
    with duckdb.connect() as con:
        con.execute(
            "CREATE TABLE sales AS SELECT * FROM (VALUES (DATE '2026-01-31', 10.0, 'Li'), "
            "(DATE '2026-02-01', -4.0, 'Li'), (DATE '2026-02-15', 6.0, 'Li')) AS t(date, amount, rep)"
        )
        result = con.execute(
            cube_sql("SELECT * FROM sales", "month", ["rep"], ["segment"], quantity=False)
        ).fetchall()
    assert sorted(result) == [
        (dt.date(2026, 1, 1), "Li", "all", 10.0, 0.0, 1),
        (dt.date(2026, 2, 1), "Li", "all", 2.0, 0.0, 2),
    ]


# -- through the workbook -----------------------------------------------------------------------------------
def test_workbook_cube_is_cached_and_rebuilt_when_the_data_changes(tmp_path: Path, rows) -> None:
    write_csv(tmp_path / "data" / "sales.csv", rows)
    mapping = "".join(f"      {k}: {v}\n" for k, v in MAPPING.items())
    (tmp_path / "plan.yaml").write_text(
        "name: Test Co\ncalendar:\n  start: 2025-01-01\n  end: 2026-10-31\n"
        f"sources:\n  sales:\n    path: data/sales.csv\n    columns:\n{mapping}",
        encoding="utf-8",
    )
    workbook = open_workbook(tmp_path)
    first = workbook.cube()
    cached = list((tmp_path / ".cache").glob("cube-*.parquet"))
    assert len(cached) == 1
    pd.testing.assert_frame_equal(workbook.cube(), first)
    write_csv(tmp_path / "data" / "sales.csv", rows[:50])
    assert workbook.cube()["lines"].sum() == 50
    assert list((tmp_path / ".cache").glob("cube-*.parquet")) != cached


def test_a_cube_cached_by_another_salesplan_version_is_not_read(tmp_path: Path, rows, monkeypatch) -> None:
    """After an upgrade the cube is built again (an older salesplan's cube may hold other columns or rules),
    while the data's fingerprint, which the run log and the report index name, stays the same."""
    import salesplan_widgets
    from salesplan_widgets.workbook.cube import read_cube, write_cube

    write_csv(tmp_path / "data" / "sales.csv", rows)
    mapping = "".join(f"      {k}: {v}\n" for k, v in MAPPING.items())
    (tmp_path / "plan.yaml").write_text(
        f"name: Test Co\nsources:\n  sales:\n    path: data/sales.csv\n    columns:\n{mapping}",
        encoding="utf-8",
    )
    workbook = open_workbook(tmp_path)
    current = workbook.cube()
    ours = set((tmp_path / ".cache").glob("cube-*.parquet"))
    fingerprint = workbook.data_fingerprint()
    with monkeypatch.context() as older:
        older.setattr(salesplan_widgets, "__version__", "0.0.1")
        assert workbook.data_fingerprint() == fingerprint
        workbook.cube()
        (theirs,) = set((tmp_path / ".cache").glob("cube-*.parquet")) - ours
        write_cube(current.assign(actual=current["actual"] * 2), theirs)  # what that version computed
        assert workbook.cube()["actual"].sum() == 2 * current["actual"].sum()  # its own cache, read back
    assert read_cube(theirs)["actual"].sum() == 2 * current["actual"].sum()
    pd.testing.assert_frame_equal(workbook.cube(), current)  # this version's cube, not the older one's
    pd.testing.assert_frame_equal(open_workbook(tmp_path, read_only=True).cube(), current)
    for path in ours:  # the upgrade computes its cube: the older version's copy goes
        path.unlink()
    workbook.cube()
    assert not theirs.exists() and set((tmp_path / ".cache").glob("cube-*.parquet")) == ours


# -- accounts ---------------------------------------------------------------------------------------------
def test_top_accounts_rank_by_sales_in_the_window(tmp_path: Path, rows) -> None:
    write_csv(tmp_path / "sales.csv", rows)
    start, end = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    top = top_accounts(source_for("sales.csv"), tmp_path, n=5, start=start, end=end)
    by_hand: dict[str, list] = defaultdict(lambda: [0.0, 0])
    for r in rows:
        if start <= dt.date.fromisoformat(r[0]) <= end:
            by_hand[r[7]][0] += float(r[1])
            by_hand[r[7]][1] += 1
    expected = sorted(by_hand.items(), key=lambda kv: (-kv[1][0], kv[0]))[:5]
    assert top["account"].tolist() == [k for k, _v in expected]
    assert top["actual"].round(2).tolist() == [round(v[0], 2) for _k, v in expected]
    assert top["lines"].tolist() == [v[1] for _k, v in expected]


def test_account_summary_takes_the_usual_rep_and_segment(tmp_path: Path) -> None:
    lines = [
        ["2026-01-05", "100", "王芳", "华东", "B", "online", "P1", "C1", "1"],
        ["2026-02-05", "100", "张伟", "华东", "A", "online", "P1", "C1", "1"],
        ["2026-03-05", "-30", "张伟", "华东", "A", "online", "P1", "C1", "1"],
        ["2026-04-05", "50", "王芳", "华东", "B", "online", "P1", "C2", "1"],
        ["2026-04-06", "50", "李娜", "华北", "C", "online", "P1", "C2", "1"],
    ]
    write_csv(tmp_path / "sales.csv", lines)
    summary = account_summary(source_for("sales.csv"), tmp_path, CALENDAR)
    assert summary[["account", "rep", "segment", "actual", "lines"]].values.tolist() == [
        ["C1", "张伟", "A", 170.0, 3],
        ["C2", sorted(["王芳", "李娜"])[0], sorted(["B", "C"])[0], 100.0, 2],
    ]  # ties go to the first name
    assert summary["first_date"].dt.date.tolist() == [dt.date(2026, 1, 5), dt.date(2026, 4, 5)]
    assert summary["last_date"].dt.date.tolist() == [dt.date(2026, 3, 5), dt.date(2026, 4, 6)]


# -- validating in the same scan ---------------------------------------------------------------------------
def _bad_sales_files(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """Sales files each with one kind of bad cell, at known rows."""
    cases = {}
    for name, column, value in [
        ("unparsable date", 0, "31/02/2026"),
        ("blank date", 0, ""),
        ("date outside the calendar", 0, "2024-12-31"),
        ("unparsable amount", 1, "12 元"),
        ("blank amount", 1, "  "),
        ("blank rep", 2, "   "),
        ("unparsable quantity", 8, "a dozen"),
    ]:
        bad = [list(r) for r in rows]
        for i in (3, 17, 18, 40, 41, 42, 43, 44):  # more than MAX_EXAMPLES, so the rest are counted
            bad[i][column] = value
        cases[name] = bad
    return cases


@pytest.mark.parametrize(
    "case",
    [
        "unparsable date",
        "blank date",
        "date outside the calendar",
        "unparsable amount",
        "blank amount",
        "blank rep",
        "unparsable quantity",
    ],
)
def test_validating_cube_raises_exactly_what_validate_source_reports(tmp_path: Path, rows, case) -> None:
    write_csv(tmp_path / "sales.csv", _bad_sales_files(rows)[case])
    expected = validate_source(source_for("sales.csv"), tmp_path, CALENDAR)
    assert expected  # the file is bad
    with pytest.raises(InputError) as raised:
        build_cube(source_for("sales.csv"), tmp_path, CALENDAR, validate=True)
    assert raised.value.problems == expected


@pytest.mark.parametrize("by_product", [False, True])
def test_validating_cube_of_a_clean_file_is_the_plain_cube(tmp_path: Path, rows, by_product) -> None:
    rows[5][8] = ""  # a blank optional quantity is not a problem
    write_csv(tmp_path / "sales.csv", rows)
    assert validate_source(source_for("sales.csv"), tmp_path, CALENDAR) == []
    checked = build_cube(source_for("sales.csv"), tmp_path, CALENDAR, by_product=by_product, validate=True)
    plain = build_cube(source_for("sales.csv"), tmp_path, CALENDAR, by_product=by_product)
    pd.testing.assert_frame_equal(checked, plain)


def test_validating_cube_reports_structure_and_empty_files(tmp_path: Path, rows) -> None:
    write_csv(tmp_path / "sales.csv", [])  # a header and no rows
    source = source_for("sales.csv")
    with pytest.raises(InputError) as raised:
        build_cube(source, tmp_path, CALENDAR, validate=True)
    assert raised.value.problems == validate_source(source, tmp_path, CALENDAR)
    assert "no data rows" in str(raised.value)
    wrong = SalesSource(path="sales.csv", columns={**MAPPING, "channel": "销售渠道"})
    with pytest.raises(InputError) as raised:
        build_cube(wrong, tmp_path, CALENDAR, validate=True)
    assert raised.value.problems == validate_source(wrong, tmp_path, CALENDAR)
    assert raised.value.problems[0].column == "销售渠道"


def test_validating_cube_checks_typed_parquet_numbers(tmp_path: Path) -> None:
    """NaN or infinite amounts and quantities are problems in a typed file; a missing quantity is not."""
    table = pa.table(
        {
            "date": pa.array([dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 2, 1)]),
            "amount": pa.array([10.0, float("nan"), 5.0]),
            "rep": pa.array(["Li", "Li", "Wu"]),
            "qty": pa.array([1.0, None, float("inf")]),
        }
    )
    pq.write_table(table, tmp_path / "sales.parquet")
    source = SalesSource(
        path="sales.parquet", columns={"date": "date", "amount": "amount", "rep": "rep", "quantity": "qty"}
    )
    expected = validate_source(source, tmp_path, CALENDAR)
    assert [(p.row, p.column) for p in expected] == [(2, "amount"), (3, "qty")]
    with pytest.raises(InputError) as raised:
        build_cube(source, tmp_path, CALENDAR, validate=True)
    assert raised.value.problems == expected


def test_account_master_comes_in_canonical_columns_with_numeric_potential(tmp_path):
    from fixtures.demo_company import copy_demo

    from salesplan_widgets import open_workbook

    copy_demo(tmp_path / "demo")  # the data of create_demo(end="2026-10")
    master = open_workbook(tmp_path / "demo").accounts()
    raw = pd.read_csv(tmp_path / "demo" / "data" / "accounts.csv", dtype={"account": str})
    assert list(master.columns) == ["account", "rep", "team", "territory", "segment", "potential"]
    assert len(master) == len(raw)
    by_account = master.set_index("account")["potential"]
    assert by_account.loc[raw["account"]].to_numpy() == pytest.approx(raw["potential"].to_numpy())


def test_an_account_is_new_once_in_the_period_of_its_first_ever_sale(tmp_path: Path) -> None:
    lines = [
        ["2024-11-20", "80", "王芳", "华东", "A", "online", "P1", "C0", "1"],  # before the plan's window
        ["2025-03-10", "90", "王芳", "华东", "A", "online", "P1", "C0", "1"],  # C0 is not new in March
        ["2025-03-05", "100", "张伟", "华东", "A", "online", "P1", "C1", "1"],  # C1 first bought in March
        ["2025-04-10", "100", "张伟", "华东", "A", "online", "P1", "C1", "1"],  # ... not new again in April
        ["2025-04-12", "100", "王芳", "华东", "A", "online", "P1", "C1", "1"],  # nor for another rep
        ["2025-04-02", "-20", "李娜", "华北", "B", "online", "P1", "C2", "1"],  # a return wins nothing
        ["2025-05-02", "60", "张伟", "华东", "B", "online", "P1", "C2", "1"],  # C2 is won by its first sale
        ["2025-05-03", "-30", "李娜", "华北", "B", "online", "P1", "C4", "1"],  # returns only: nobody's
        ["2025-04-20", "70", "张伟", "华东", "B", "online", "P1", "C3", "1"],
        ["2025-04-21", "70", "张伟", "华东", "B", "online", "P1", "", "1"],  # no account: not counted
    ]
    write_csv(tmp_path / "sales.csv", lines)
    won = new_accounts(source_for("sales.csv"), tmp_path, CALENDAR)
    assert list(won.columns) == ["period", "rep", "new_accounts"]
    assert won["period"].dtype == pd.PeriodDtype("M")
    got = {(str(p), r): n for p, r, n in won.itertuples(index=False)}
    assert got == {
        ("2024-11", "王芳"): 1,
        ("2025-03", "张伟"): 1,
        ("2025-04", "张伟"): 1,
        ("2025-05", "张伟"): 1,
    }
    accounts = {line[7] for line in lines if line[7] and float(line[1]) > 0}
    assert won["new_accounts"].sum() == len(accounts)  # every account that buys is new exactly once


def test_new_accounts_follow_a_weekly_grain(tmp_path: Path) -> None:
    lines = [
        ["2025-03-02", "100", "张伟", "华东", "A", "online", "P1", "C1", "1"],  # a Sunday: week of 24 Feb
        ["2025-03-03", "100", "张伟", "华东", "A", "online", "P1", "C2", "1"],  # a Monday: week of 3 Mar
    ]
    write_csv(tmp_path / "sales.csv", lines)
    weekly = CALENDAR.model_copy(update={"grain": "week"})
    won = new_accounts(source_for("sales.csv"), tmp_path, weekly)
    assert [p.start_time.date() for p in won["period"]] == [dt.date(2025, 2, 24), dt.date(2025, 3, 3)]
    assert won["new_accounts"].tolist() == [1, 1]


def test_new_accounts_need_the_account_column(tmp_path: Path) -> None:
    write_csv(tmp_path / "sales.csv", [["2025-03-05", "100", "张伟", "华东", "A", "online", "P1", "C1", "1"]])
    mapping = {k: v for k, v in MAPPING.items() if k != "account"}
    with pytest.raises(InputError) as raised:
        new_accounts(SalesSource(path="sales.csv", columns=mapping), tmp_path, CALENDAR)
    assert raised.value.problems[0].column == "account"


def test_workbook_new_accounts_match_each_accounts_first_sale_in_the_demo(tmp_path):
    from fixtures.demo_company import copy_demo

    copy_demo(tmp_path / "demo")  # the data of create_demo(end="2026-10")
    wb = open_workbook(tmp_path / "demo")
    won = wb.new_accounts()
    raw = pd.read_parquet(tmp_path / "demo" / "data" / "sales.parquet")
    columns = wb.source("sales").columns
    date, account, rep = columns["date"], columns["account"], columns["rep"]
    firsts = raw[raw[columns["amount"]] > 0].sort_values([date, rep]).drop_duplicates(account)
    by_hand = firsts.groupby([pd.PeriodIndex(pd.to_datetime(firsts[date]), freq="M"), rep]).size()
    assert won.set_index(["period", "rep"])["new_accounts"].sort_index().to_dict() == by_hand.to_dict()

    sales = wb.plan.sources.sales
    unmapped = sales.model_copy(update={"columns": {k: v for k, v in columns.items() if k != "account"}})
    wb.save(sources=wb.plan.sources.model_copy(update={"sales": unmapped}))
    assert open_workbook(tmp_path / "demo").new_accounts() is None

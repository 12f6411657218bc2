"""The Excel statement as the rep opens it: the cells (header, state, lines, total, balances, performance)
in both languages, read back by openpyxl and pandas and checked against what the ledger paid; and the same
documents whether one process writes them or worker processes do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import test_ledger
from openpyxl import load_workbook
from test_ledger import SALES, make_workbook, pay, write_sales

import salesplan_widgets.report.statement_documents as documents
from salesplan_widgets.report.statement_documents import INPUTS_PROPERTY, statement_path
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import approve_payments, close_and_publish, read_ledger
from salesplan_widgets.workbook.payouts import write_payouts

# Wang draws up to 500 a month from February: his statement carries a draw balance
DRAWS = "  draws:\n    - {{rep: Wang, amount: 500, start: 2026-02, end: 2026-03}}\n"
WORDS = {
    "en": {"title": "Commission statement", "closed": "Closed: final", "total": "Total for this period",
           "head": ["Period", "Rule", "Base", "Rate", "Amount"], "performance": "Performance",
           "facts": ["Sales", "Quota", "Attainment"], "balances": "Balances carried in the ledger",
           "draw": "Draw balance to recover", "adjustment": "Prior-period adjustment for 2026-01"},
    "zh_CN": {"title": "提成结算单", "closed": "已结账", "total": "本期合计",
              "head": ["期间", "规则", "基数", "费率", "金额"], "performance": "业绩",
              "facts": ["销售额", "配额", "达成率"], "balances": "台账结转余额",
              "draw": "待扣回的预支余额", "adjustment": "2026-01 的前期调整"},
}  # fmt: skip


def _february(folder: Path, monkeypatch) -> Path:
    """January closed, a late January deal for Li, then February prepared, approved and closed."""
    monkeypatch.setattr(test_ledger, "PLAN", test_ledger.PLAN + DRAWS)
    make_workbook(folder)
    pay(folder, "2026-01")
    write_sales(folder, [*SALES, ("2026-01-20", 500, "Li")])
    write_payouts(open_workbook(folder), "2026-02", by="analyst")
    approve_payments(open_workbook(folder), "2026-02", by="finance")
    close_and_publish(open_workbook(folder), "2026-02", by="controller")
    return folder


@pytest.fixture(scope="module")
def closed_february(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _february(tmp_path_factory.mktemp("documents") / "wb", monkeypatch)


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
@pytest.mark.parametrize("rep", ["Li", "Wang"])
def test_the_excel_statement_opens_with_the_lines_the_ledger_paid_in_each_language(
    closed_february, rep, locale
):
    words = WORDS[locale]
    path = statement_path(open_workbook(closed_february), "2026-02", rep, locale, ".xlsx")
    lines = read_ledger(open_workbook(closed_february)).lines
    paid = lines[(lines["period"] == pd.Period("2026-02", "M")) & (lines["rep"] == rep)]
    book = load_workbook(path)
    assert book.sheetnames == ["2026-02", words["performance"]]
    sheet = book["2026-02"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == (words["title"], rep, "2026-02", "CNY")
    assert sheet["A1"].font.b and sheet["A1"].font.sz == 13
    assert rows[1][0].startswith(words["closed"]) and "controller" in rows[1][0] and "finance" in rows[1][0]
    assert list(rows[2]) == words["head"] and all(cell.font.b for cell in sheet[3])
    body = rows[3 : 3 + len(paid)]
    assert [r[0] for r in body] == [str(p) for p in paid["for_period"]]
    assert [r[4] for r in body] == pytest.approx(list(paid["amount_minor"] / 100))
    assert [r[2] for r in body] == pytest.approx(list(paid["base"]))
    assert [r[3] for r in body] == [None if pd.isna(x) else pytest.approx(x) for x in paid["rate"]]
    assert all(r[1] for r in body)  # each line names its rule
    for row in range(4, 4 + len(paid)):
        assert (
            sheet.cell(row, 5).number_format == "#,##0.00" and sheet.cell(row, 3).number_format == "#,##0.00"
        )
        if sheet.cell(row, 4).value is not None:
            assert sheet.cell(row, 4).number_format == "0.00%"
    total = rows[3 + len(paid)]
    assert total[0] == words["total"] and total[4] == pytest.approx(paid["amount_minor"].sum() / 100)
    assert sheet.cell(4 + len(paid), 1).font.b and sheet.cell(4 + len(paid), 5).font.b
    if rep == "Li":  # a late January deal paid in February, as an adjustment; no balance
        assert body[-1][1].startswith(words["adjustment"]) and len(rows) == 4 + len(paid)
    else:  # the draw advanced this month is the balance carried to March
        advanced = paid.loc[paid["kind"] == "draw", "amount_minor"].sum() / 100
        assert advanced > 0
        assert rows[4 + len(paid)] == (None,) * 5
        assert rows[5 + len(paid)][0] == words["balances"]
        assert rows[6 + len(paid)] == (words["draw"], None, 0, None, pytest.approx(advanced))
    facts = list(book[words["performance"]].iter_rows(values_only=True))
    assert [f[0] for f in facts[:3]] == words["facts"]
    assert facts[2][1] == pytest.approx(facts[0][1] / facts[1][1])
    assert book[words["performance"]]["B3"].number_format == "0.0%"
    assert len(book.custom_doc_props[INPUTS_PROPERTY].value) == 64  # the digest the next step compares
    # pandas reads the same cells
    read = pd.read_excel(path, sheet_name=None, header=None)
    assert list(read) == book.sheetnames
    for name, frame in read.items():
        cells = [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]
        width = frame.shape[1]
        assert cells == [tuple(r[:width]) for r in book[name].iter_rows(values_only=True)]


def _documents(folder: Path) -> dict[str, object]:
    """Every statement document of February: HTML as bytes, Excel as its sheets' cells."""
    found = {}
    for path in sorted((folder / "reports" / "2026-02" / "statements").rglob("statement-*")):
        key = path.relative_to(folder).as_posix()
        if path.suffix == ".html":
            found[key] = path.read_bytes()
        else:
            book = load_workbook(path)
            found[key] = {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}
    return found


def test_worker_processes_write_the_same_documents_as_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(test_ledger, "PLAN", test_ledger.PLAN + DRAWS)
    source = make_workbook(tmp_path / "wb")
    pay(source, "2026-01")
    write_sales(source, [*SALES, ("2026-01-20", 500, "Li")])
    import concurrent.futures

    pools = []

    class Pool(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Pool)
    written = {}
    for name, parallel_from in (("one", 10**9), ("workers", 0)):
        folder = shutil.copytree(source, tmp_path / name)
        monkeypatch.setattr(documents, "PARALLEL_FROM", parallel_from)
        write_payouts(open_workbook(folder), "2026-02", by="analyst")
        written[name] = _documents(folder)
    assert len(written["one"]) == 8  # Li and Wang, HTML and Excel, two languages
    assert len(pools) == 1  # the second preparation went through worker processes
    assert written["workers"] == written["one"]


def test_workers_are_not_forked_from_a_process_with_threads(tmp_path, monkeypatch):
    """A notebook's kernel has threads; forking it can deadlock a worker (Python 3.12+ warns): the step
    never calls fork in its own process, and its workers write what one process writes."""
    import os
    import threading

    source = make_workbook(tmp_path / "wb")
    pay(source, "2026-01")
    write_sales(source, [*SALES, ("2026-01-20", 500, "Li")])
    written = {}
    for name, parallel_from in (("one", 10**9), ("workers", 0)):
        folder = shutil.copytree(source, tmp_path / name)
        monkeypatch.setattr(documents, "PARALLEL_FROM", parallel_from)
        stop = threading.Event()
        busy = threading.Thread(target=stop.wait)  # a thread alive through the step, as in a kernel
        busy.start()
        with monkeypatch.context() as patch:

            def fork():
                raise AssertionError("the step forked a process that has threads")

            patch.setattr(os, "fork", fork)
            try:
                write_payouts(open_workbook(folder), "2026-02", by="analyst")
            finally:
                stop.set()
                busy.join()
        written[name] = _documents(folder)
    assert len(written["one"]) == 8
    assert written["workers"] == written["one"]


def test_a_notebook_kernel_writes_the_statements_through_workers(tmp_path):
    """Finance approving from JupyterLab: the kernel (which has threads) hands the documents to workers,
    and they write what one process writes."""
    import nbformat
    import papermill

    source = make_workbook(tmp_path / "wb")
    pay(source, "2026-01")
    write_sales(source, [*SALES, ("2026-01-20", 500, "Li")])
    alone = shutil.copytree(source, tmp_path / "one")
    write_payouts(open_workbook(alone), "2026-02", by="analyst")
    kernel = shutil.copytree(source, tmp_path / "kernel")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import threading\n"
            "import salesplan_widgets.report.statement_documents as documents\n"
            "from salesplan_widgets.workbook import open_workbook\n"
            "from salesplan_widgets.workbook.payouts import write_payouts\n"
            "assert threading.active_count() > 1  # the kernel's own threads\n"
            "documents.PARALLEL_FROM = 0  # workers for these few statements\n"
            f"write_payouts(open_workbook({str(kernel)!r}), '2026-02', by='analyst')\n"
        )
    ]
    nbformat.write(notebook, tmp_path / "approve.ipynb")
    papermill.execute_notebook(
        str(tmp_path / "approve.ipynb"),
        str(tmp_path / "ran.ipynb"),
        progress_bar=False,
        kernel_name="python3",
    )
    assert len(_documents(alone)) == 8
    assert _documents(kernel) == _documents(alone)

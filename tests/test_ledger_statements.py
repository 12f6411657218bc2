"""Each rep's statement documents: both languages, HTML that prints offline and Excel, adding up to the ledger."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_ledger import SALES, make_workbook, pay, write_sales

from salesplan_widgets.report.statement_documents import rep_folder, statement_path
from salesplan_widgets.workbook import open_workbook
from salesplan_widgets.workbook.ledger import approve_payments, close_and_publish, read_ledger
from salesplan_widgets.workbook.payouts import write_payouts


@pytest.fixture(scope="module")
def closed_february(tmp_path_factory):
    """January closed, then a late January deal, then February prepared, approved and closed."""
    wb = make_workbook(tmp_path_factory.mktemp("statements") / "wb")
    pay(wb, "2026-01")
    write_sales(wb, [*SALES, ("2026-01-20", 500, "Li")])
    write_payouts(open_workbook(wb), "2026-02", by="analyst")
    approve_payments(open_workbook(wb), "2026-02", by="finance")
    paths = close_and_publish(open_workbook(wb), "2026-02", by="controller").files
    lines = read_ledger(open_workbook(wb)).lines
    return wb, paths, lines[lines["period"] == pd.Period("2026-02", "M")]


def _total(html: str, label: str) -> str:
    row = re.search(re.escape(label) + r"</td>.*?<td class='num'>([^<]+)</td></tr>", html)
    assert row, label
    return row.group(1)


def test_every_paid_rep_gets_html_and_excel_in_both_languages_at_a_predictable_path(closed_february):
    wb, paths, lines = closed_february
    expected = {
        statement_path(open_workbook(wb), "2026-02", rep, locale, suffix)
        for rep in ("Li", "Wang") for locale in ("en", "zh_CN") for suffix in (".html", ".xlsx")
    }  # fmt: skip
    assert expected <= set(paths)
    assert all(p.exists() for p in expected)
    assert statement_path(open_workbook(wb), "2026-02", "Li", "en").relative_to(wb).as_posix() == (
        "reports/2026-02/statements/Li/statement-2026-02.en.html"
    )


def test_statement_html_is_static_translated_and_adds_up_to_the_ledger(closed_february):
    wb, _paths, lines = closed_february
    li_total = lines[lines["rep"] == "Li"]["amount_minor"].sum()
    assert li_total == 400_00  # February 300.00 + January's late deal 100.00
    en = statement_path(open_workbook(wb), "2026-02", "Li", "en").read_text(encoding="utf-8")
    zh = statement_path(open_workbook(wb), "2026-02", "Li", "zh_CN").read_text(encoding="utf-8")
    for html in (en, zh):
        assert "<script" not in html.lower() and "http://" not in html and "https://" not in html
        assert "@media print" in html
    assert _total(en, "Total for this period") == "CN¥400.00"
    assert _total(zh, "本期合计") == "¥400.00"
    assert "late or corrected transaction" in en and "Closed" in en and "finance" in en
    assert "迟到或更正的交易" in zh and "档位 0% 至 100%" in zh and "已结账" in zh
    assert "Band" not in zh and "transaction" not in zh  # nothing left in English


def test_statement_excel_lines_add_up_to_what_the_ledger_paid(closed_february):
    wb, _paths, lines = closed_february
    for rep in ("Li", "Wang"):
        sheet = load_workbook(statement_path(open_workbook(wb), "2026-02", rep, "zh_CN", ".xlsx")).active
        rows = list(sheet.iter_rows(min_row=4, values_only=True))
        body, total = rows[:-1], rows[-1]
        paid = lines[lines["rep"] == rep]["amount_minor"].sum() / 100
        assert total[0] == "本期合计" and total[4] == pytest.approx(paid)
        assert round(sum(r[4] for r in body), 2) == pytest.approx(paid)


@pytest.mark.browser
def test_statement_prints_to_one_pdf_page_offline(closed_february, browser):
    wb, _paths, _lines = closed_february
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(statement_path(open_workbook(wb), "2026-02", "Li", "zh_CN").as_uri())
    pdf = page.pdf(format="A4")
    page.close()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    assert all(url.startswith("file://") for url in requests)  # nothing fetched from the network


@pytest.mark.parametrize("rep", ["../../etc/passwd", "a/b", ".hidden", "王 芳"])
def test_rep_names_cannot_escape_the_statements_folder(tmp_path, rep):
    wb = open_workbook(make_workbook(tmp_path / "wb"))
    path = statement_path(wb, "2026-02", rep, "en").resolve()
    assert path.parent.parent == (wb.path / "reports" / "2026-02" / "statements").resolve()
    assert rep_folder(rep) != rep_folder(rep + "x")


def _documents(wb, period: str) -> dict[str, int]:
    """Each statement document of `period` -> its inode: an atomic rewrite gives the file a new one."""
    folder = wb / "reports" / period / "statements"
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("statement-*")}


def test_a_ledger_step_replaces_only_the_statement_documents_whose_content_changed(tmp_path):
    wb = make_workbook(tmp_path / "wb")
    write_payouts(open_workbook(wb), "2026-01", by="analyst")
    first = _documents(wb, "2026-01")
    assert len(first) == 8  # Li and Wang × en, zh_CN × html, xlsx
    write_payouts(open_workbook(wb), "2026-01", by="analyst")  # prepared again on the same figures
    assert _documents(wb, "2026-01") == first
    write_sales(wb, [("2026-01-15", 900, "Li"), *SALES[1:]])  # Li's January shrinks; Wang's is unchanged
    (wb / "reports" / "2026-01" / "statements" / "Wang" / "statement-2026-01.en.xlsx").unlink()
    write_payouts(open_workbook(wb), "2026-01", by="analyst")
    again = _documents(wb, "2026-01")
    changed = {name for name in first if again[name] != first[name]}
    assert changed == {
        f"Li/statement-2026-01.{locale}.{suffix}" for locale in ("en", "zh_CN") for suffix in ("html", "xlsx")
    } | {"Wang/statement-2026-01.en.xlsx"}  # Li's new figures, and the file that went missing
    li = load_workbook(wb / "reports" / "2026-01" / "statements" / "Li" / "statement-2026-01.en.xlsx").active
    assert [c.value for c in li[li.max_row]][:1] == ["Total for this period"]
    assert li.cell(li.max_row, 5).value == 90.0  # 900 × 10%
    approve_payments(open_workbook(wb), "2026-01", by="finance")  # every statement now says approved
    approved = _documents(wb, "2026-01")
    assert all(approved[name] != again[name] for name in again)
    for locale in ("en", "zh_CN"):
        sheet = load_workbook(statement_path(open_workbook(wb), "2026-01", "Wang", locale, ".xlsx")).active
        page = statement_path(open_workbook(wb), "2026-01", "Wang", locale).read_text(encoding="utf-8")
        assert "finance" in sheet["A2"].value and "finance" in page


def test_preparing_again_removes_the_statement_of_a_rep_the_period_no_longer_pays(tmp_path):
    wb = make_workbook(tmp_path / "wb")
    write_payouts(open_workbook(wb), "2026-01", by="analyst")
    wang = wb / "reports" / "2026-01" / "statements" / "Wang"
    assert len(list(wang.glob("statement-2026-01.*"))) == 4
    (wang / "notes.txt").write_text("kept", encoding="utf-8")  # not a statement: left alone
    moved = [(day, amount, "Li" if day.startswith("2026-01") else rep) for day, amount, rep in SALES]
    write_sales(wb, moved)  # Wang's January sale was Li's: January pays Wang nothing now
    write_payouts(open_workbook(wb), "2026-01", by="analyst")  # his quota stands: a statement of zeros
    assert "Nothing earned this period" in statement_path(
        open_workbook(wb), "2026-01", "Wang", "en"
    ).read_text(encoding="utf-8")
    book = open_workbook(wb)
    targets = book.read_table("targets")
    book.write_table(
        "targets", targets[~((targets["rep"] == "Wang") & (targets["period"].astype(str) == "2026-01"))]
    )
    write_payouts(open_workbook(wb), "2026-01", by="analyst")  # and his January quota went with the sale
    assert list(wang.glob("statement-*")) == [] and (wang / "notes.txt").exists()
    li = statement_path(open_workbook(wb), "2026-01", "Li", "en").read_text(encoding="utf-8")
    assert "Rep: Li" in li


def test_a_rep_on_two_plans_in_a_month_has_a_statement_naming_both_with_their_days(tmp_path):
    from test_payouts_export import write_workbook

    from salesplan_widgets.schema.incentives import IncentivesSection

    folder = write_workbook(tmp_path / "wb")
    wb = open_workbook(folder)
    section = wb.plan.incentives.model_dump(exclude_none=True) | {
        "plans": [{"id": "kam", "name": "KAM", "versions": [{"effective": "2026-01", "commission": {"base_rate": 0.06}}]}],
        "assignments": [{"rep": "Li", "plan": "kam", "start": "2026-07-16"}],
    }  # fmt: skip
    wb.save(incentives=IncentivesSection.model_validate(section))
    write_payouts(open_workbook(folder), "2026-07", by="analyst")  # Li: 1–15 July general, 16–31 KAM
    book = open_workbook(folder)
    en = statement_path(book, "2026-07", "Li", "en").read_text(encoding="utf-8")
    zh = statement_path(book, "2026-07", "Li", "zh_CN").read_text(encoding="utf-8")
    assert "Plans this month: General plan, 15 days; KAM, 16 days" in en
    assert "本月所在方案：通用方案 15 天；KAM 16 天" in zh
    facts = load_workbook(statement_path(book, "2026-07", "Li", "en", ".xlsx"))["Performance"]
    assert "Plans this month: General plan, 15 days; KAM, 16 days" in [r[0] for r in facts.values]
    july = (book.path / "reports" / "2026-07" / "statements").iterdir()
    one_plan = [statement_path(book, "2026-07", p.name, "en") for p in july if p.name != "Li"]
    assert one_plan and not any("Plans this month" in p.read_text(encoding="utf-8") for p in one_plan)

"""`salesplan init`: a new workbook folder with a commented plan, data templates and the step notebooks.

Writes only into a folder that holds no plan yet (it never overwrites a workbook), each file atomically.
The plan skeleton is commented in the chosen language; the data templates' headers are in that language
too, and the plan's column mapping already points at them.
"""

from __future__ import annotations

import re
from pathlib import Path

import holidays
import nbformat

from salesplan_widgets.errors import SalesplanError
from salesplan_widgets.i18n import _
from salesplan_widgets.paths import templates_dir
from salesplan_widgets.workbook.atomic import atomic_path, atomic_write
from salesplan_widgets.workbook.plan import PLAN_FILE, parse_plan
from salesplan_widgets.workbook.sample_data import sample_rows

# The analyst's path through the workbook: (template, notebook name in the workbook).
STEPS: tuple[tuple[str, str], ...] = (
    ("start", "0_start"),
    ("goal_setting", "1_goal_setting"),
    ("task_split", "2_task_split"),
    ("incentives", "3_incentives"),
    ("tracking", "4_tracking"),
)

HEADERS = {
    "en": {
        "date": "Order date",
        "amount": "Net amount",
        "rep": "Sales rep",
        "team": "Team",
        "territory": "Territory",
        "segment": "Customer segment",
        "channel": "Channel",
        "product": "Product line",
        "account": "Customer",
        "quantity": "Quantity",
    },
    "zh_CN": {
        "date": "订单日期",
        "amount": "净销售额",
        "rep": "销售代表",
        "team": "团队",
        "territory": "区域",
        "segment": "客户分层",
        "channel": "渠道",
        "product": "产品线",
        "account": "客户",
        "quantity": "数量",
    },
}

# What `init` writes unless told otherwise: an English workbook is not assumed to be in China.
DEFAULTS = {"en": {"currency": "USD", "country": "US"}, "zh_CN": {"currency": "CNY", "country": "CN"}}

PLAN_SKELETON = {
    "en": """\
# salesplan plan: {name}
# Every key is described in docs/plan.schema.json. Edit it here, or through the workbook's notebooks:
# they save atomically and refuse to overwrite changes made since they loaded the plan.
name: {name}
currency: {currency}    # ISO 4217 code (USD, EUR, CNY …); money is rounded to the currency's minor unit
locale: {locale}        # en or zh_CN: the language of labels, messages and reports
calendar:
  grain: month          # month, week, quarter, or a retail 4-4-5 / 4-5-4 / 5-4-4
  fiscal_year_start: 1  # first month of the fiscal year (1 = January)
  country: {country}           # ISO code of the country whose public holidays decide the working days
sources:
  sales:                # sales history: one row per invoice line; returns are negative amounts
    path: data/sales.csv
    columns:            # our name: the column's name in your file
{columns}
reports:
  templates: [sales_overview]   # notebooks `salesplan run` executes for each period report
  dashboards: [overview]        # dashboards `salesplan serve` publishes (read-only)
# goal:        set by the goal wizard        (1_goal_setting.ipynb)
# split:       set by the task splitter      (2_task_split.ipynb)
# incentives:  set by the incentive designer (3_incentives.ipynb)
# tracking:    set by the tracker            (4_tracking.ipynb)
""",
    "zh_CN": """\
# salesplan 销售计划：{name}
# 每个字段的说明见 docs/plan.schema.json。可以直接编辑本文件，也可以通过工作簿中的笔记本编辑：
# 笔记本以原子方式保存，如果计划在载入后被他人修改，会拒绝覆盖。
name: {name}
currency: {currency}    # ISO 4217 货币代码（CNY、USD、EUR 等）；金额按该货币的最小单位取整
locale: {locale}        # en 或 zh_CN：标签、提示和报告的语言
calendar:
  grain: month          # month（按月）、week（按周）、quarter（按季）或零售 4-4-5 / 4-5-4 / 5-4-4
  fiscal_year_start: 1  # 财年起始月份（1 = 一月）
  country: {country}           # 按哪个国家（ISO 代码）的法定节假日计算工作日
sources:
  sales:                # 销售历史：每行一条发票明细，退货为负金额
    path: data/sales.csv
    columns:            # 标准字段名: 您文件中的列名
{columns}
reports:
  templates: [sales_overview]   # `salesplan run` 每期执行的报告笔记本
  dashboards: [overview]        # `salesplan serve` 发布的只读看板
# goal:        由目标向导设置  (1_goal_setting.ipynb)
# split:       由任务分解设置  (2_task_split.ipynb)
# incentives:  由激励方案设置  (3_incentives.ipynb)
# tracking:    由进度跟踪设置  (4_tracking.ipynb)
""",
}


def plan_skeleton(name: str, locale: str, currency: str, country: str | None = None) -> str:
    """The commented plan text for a new workbook (valid as written); its comments hold for any currency."""
    headers = HEADERS[locale]
    columns = "\n".join(f"      {key}: {header}" for key, header in headers.items())
    return PLAN_SKELETON[locale].format(
        name=name,
        currency=currency,
        country=country or DEFAULTS[locale]["country"],
        locale=locale,
        columns=columns,
    )


def _sales_template_csv(locale: str) -> str:
    lines = [",".join(HEADERS[locale].values())] + [",".join(row) for row in sample_rows(locale)]
    return "\n".join(lines) + "\n"


def _write_sales_template_xlsx(target: Path, locale: str) -> None:
    from openpyxl import Workbook as ExcelBook

    book = ExcelBook()
    sheet = book.active
    sheet.title = "sales"
    sheet.append(list(HEADERS[locale].values()))
    for row in sample_rows(locale):
        sheet.append([row[0], float(row[1]), *row[2:9], float(row[9])])
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    with atomic_path(target, suffix=".xlsx") as tmp:
        book.save(tmp)


def instantiate_notebook(template: Path, target: Path, workbook: str = ".") -> None:
    """Copy a template notebook with its parameters cell pointing at this workbook."""
    nb = nbformat.read(template, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = re.sub(r"(?m)^workbook\s*=.*$", f"workbook = {workbook!r}", cell.source)
    with atomic_path(target, suffix=".ipynb") as tmp:
        nbformat.write(nb, tmp)


def init_workbook(
    directory: str | Path,
    *,
    locale: str = "en",
    currency: str | None = None,
    country: str | None = None,
    name: str | None = None,
) -> Path:
    """Create a new workbook in `directory`; refuse if it already holds a plan.

    Currency and country default by language (DEFAULTS): USD and US for en, CNY and CN for zh_CN.
    """
    directory = Path(directory)
    if (directory / PLAN_FILE).exists():
        raise SalesplanError(
            _("{path} already holds a workbook; nothing was changed. Choose another folder.").format(
                path=directory
            )
        )
    if locale not in HEADERS:
        raise SalesplanError(_("Unknown locale {locale!r}: use en or zh_CN.").format(locale=locale))
    currency = (currency or DEFAULTS[locale]["currency"]).upper()
    country = (country or DEFAULTS[locale]["country"]).upper()
    if country not in holidays.list_supported_countries():
        raise SalesplanError(
            _("Unknown country {country!r}: give the ISO 3166 code of a country, e.g. US, DE, CN.").format(
                country=country
            )
        )
    text = plan_skeleton(name or directory.resolve().name, locale, currency, country)
    parse_plan(text)  # valid before anything is written: an unknown currency is refused here, in plan terms
    atomic_write(directory / "data" / "sales.csv", _sales_template_csv(locale))
    _write_sales_template_xlsx(directory / "data" / "sales_template.xlsx", locale)
    source = templates_dir()
    for template, notebook in STEPS:
        if (source / f"{template}.ipynb").exists():
            instantiate_notebook(source / f"{template}.ipynb", directory / f"{notebook}.ipynb")
    atomic_write(directory / PLAN_FILE, text)  # last: a workbook exists only once it is complete
    return directory

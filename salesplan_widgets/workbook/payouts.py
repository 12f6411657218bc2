"""Payout statements from a workbook, and their files: CSV and a formatted Excel workbook.

`load_quotas` reads the task splitter's "targets" table (or, for dashboards only, provisional quotas from
last year); `period_statements` runs the model on the workbook's cube; `write_payouts` writes the period's
statements as CSV and as Excel (a summary sheet and one sheet per team), each atomically, and is what
`salesplan payouts WORKBOOK --period P` calls. This is storage code: no business arithmetic here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _, minor_unit
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.ledger import PeriodPayments
from salesplan_widgets.model.quota_rules import quota_rules
from salesplan_widgets.model.statements import Statements, no_quotas, payout_statements, provisional_quotas
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.atomic import atomic_path
from salesplan_widgets.workbook.workbook import TABLES_DIR, Workbook

TARGETS = "targets"
PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PAYOUTS_DIR = "payouts"


def incentives_of(workbook: Workbook) -> IncentivesSection:
    """The plan's incentives section (an empty one, which pays nothing, if the plan has none)."""
    return workbook.plan.incentives or IncentivesSection()


def needs_products(section: IncentivesSection) -> bool:
    """Whether a rule names a product line, so the cube must be broken down by product."""
    rules = [*section.commission.overrides, *section.spifs]
    return any(getattr(r, "product", None) for r in rules)


def pay_cube(workbook: Workbook, section: IncentivesSection) -> pd.DataFrame:
    """The cube the plan is paid on: by product where a rule names one, with the sales of every account
    and deal a credit split names kept apart, and the cash collected where the plan pays on it (both
    counted in DuckDB at transaction level), and large deals and new accounts for per-deal components."""
    from salesplan_widgets.model.credit import needs_accounts, with_slices
    from salesplan_widgets.workbook.cube import credit_slices
    from salesplan_widgets.workbook.deals import with_deal_facts
    from salesplan_widgets.workbook.receipts import with_collections

    by_product = needs_products(section)
    cube = workbook.cube(by_product=by_product)
    if section.measure == "margin":  # the cost of the goods sold beside the sales, for gross margin
        from salesplan_widgets.workbook.cube import cost_cube

        with workbook._conversions():
            costs = cost_cube(workbook.source("sales"), workbook.path, workbook.plan.calendar, by_product)
        keys = [c for c in costs.columns if c != "cost"]
        cube = cube.merge(costs, on=keys, how="left").fillna({"cost": 0.0})
    accounts, deals = needs_accounts(section)
    if accounts or deals:
        with workbook._conversions():
            slices = credit_slices(
                workbook.source("sales"), workbook.path, workbook.plan.calendar, accounts, deals, by_product
            )
        cube = with_slices(cube, slices)
    cube = _with_won_accounts(workbook, section, cube, by_product, accounts, deals)
    cube = with_deal_facts(with_collections(cube, workbook, section), workbook, section)
    from salesplan_widgets.workbook.publish import within_extract

    return within_extract(workbook, section, cube)  # a hub user's extract names only their scope's people


def pay_cube_needs(section: IncentivesSection) -> tuple:
    """What of the plan `pay_cube` reads the data for (products, account and deal splits, margin, the
    winner's rule, deal and first-order edges, cash and its ageing edges, clawback, and whether it splits
    credit at all, which brings an extract the shares of others' sales its people are credited): two
    sections with equal needs are paid on the same cube, so a view that keeps one cube per need reads
    nothing when only rates, bands, caps or cash rules change. Keep it in step with `pay_cube`."""
    from salesplan_widgets.model.credit import needs_accounts
    from salesplan_widgets.workbook.deals import asked_edges
    from salesplan_widgets.workbook.receipts import ageing_edges

    accounts, deals = needs_accounts(section)
    kickers, logos = asked_edges(section)
    winner = section.account_winner
    return (
        needs_products(section),
        section.measure == "margin",
        tuple(accounts),
        tuple(deals),
        None if winner is None else winner.model_dump_json(),
        tuple(kickers),
        tuple(logos),
        any(r.collections for r in section.rule_sets()),
        tuple(ageing_edges(section)),
        section.clawback is not None,
        bool(section.crediting),
    )


def _with_won_accounts(workbook, section, cube, by_product, accounts, deals) -> pd.DataFrame:
    """New accounts' sales booked by others kept apart with their winner, when `account_winner` is on."""
    from salesplan_widgets.model.credit import with_won_accounts
    from salesplan_widgets.workbook.won_accounts import cached_won_sales

    won = cached_won_sales(workbook, section, by_product, accounts, deals)
    return cube if won is None else with_won_accounts(cube, won)


QUANTITY_TARGETS = "quantity_targets"


def quantity_variance(workbook: Workbook, period: str | pd.Period) -> pd.DataFrame | None:
    """Target units against units credited (`tables/quantity_targets.csv`: period, rep, target in units),
    for the period and the fiscal year to date; None without quantity targets."""
    from salesplan_widgets.model.quantity import target_variance

    targets = workbook.read_table(QUANTITY_TARGETS)
    if targets is None:
        return None
    section = incentives_of(workbook)
    calendar = FiscalCalendar.of(workbook.plan.calendar)
    cube = calendar.in_months(pay_cube(workbook, section))
    month = calendar.months_of([period])[0] if isinstance(period, pd.Period) else pd.Period(period, "M")
    return target_variance(cube, calendar.in_months(targets), section, month, calendar.fiscal_year_start)


@dataclass(frozen=True)
class Quotas:
    table: pd.DataFrame  # period, rep, team, target
    provisional: bool


def load_quotas(workbook: Workbook, allow_provisional: bool = False) -> Quotas:
    """Quota per period and rep from the targets version in force for each month (re-plans included);
    without any targets, provisional quotas if allowed, else none for a plan paying on sales alone."""
    from salesplan_widgets.workbook.versions import targets_in_force

    targets = targets_in_force(workbook)
    if targets is not None:
        if "target" not in targets.columns or "rep" not in targets.columns:
            raise InputError(
                Problem(
                    file=str(workbook.table_path(TARGETS)),
                    expected=_("columns period, rep and target"),
                    fix=_("re-create the targets with the task splitter"),
                )
            )
        keys = ["period", "rep", *(["team"] if "team" in targets.columns else [])]
        table = targets.groupby(keys, as_index=False, observed=True)["target"].sum()
        return Quotas(table=table, provisional=False)
    section = incentives_of(workbook)
    if allow_provisional:  # previews (calculator, report): attainment on stand-in quotas
        return Quotas(table=provisional_quotas(workbook.cube(), section.provisional_growth), provisional=True)
    reading = quota_rules(section)
    if not reading:  # the plan pays on sales alone: no quota, none to invent
        return Quotas(table=no_quotas(), provisional=False)
    raise InputError(
        Problem(
            file=str(workbook.path / TABLES_DIR / f"{TARGETS}.csv"),
            expected=_("a targets table (quota per period and rep)"),
            found=_("none, and the plan pays on attainment: {keys}").format(keys=", ".join(reading[:3])),
            fix=_(
                "split the goal with the task splitter, or write tables/targets.csv with period, rep, target"
            ),
        )
    )


def require_quotas_through(workbook: Workbook, quotas: Quotas, period: pd.Period) -> None:
    """Refuse to pay a month after the last month any quota covers, on a plan paying on attainment.

    On 1 January the targets are still last year's: paying January on them would treat every rep as
    having no quota (a threshold on attainment then pays nothing) instead of saying the year needs its split.
    """
    reading = quota_rules(incentives_of(workbook))
    if quotas.provisional or not reading or quotas.table.empty:
        return
    months = FiscalCalendar.of(workbook.plan.calendar).in_months(quotas.table)["period"]
    last = months.max()
    if pd.Period(period, "M") <= last:
        return
    raise InputError(
        Problem(
            file=str(workbook.table_path(TARGETS)),
            column="period",
            expected=_("quotas for {period}: the plan pays on attainment ({keys})").format(
                period=period, keys=", ".join(reading[:3])
            ),
            found=_("targets up to {last} only").format(last=last),
            fix=_(
                "set the goal for the year holding {period} with the goal wizard, split it with the task "
                "splitter and save, then prepare the payouts again"
            ).format(period=period),
        )
    )


def period_statements(
    workbook: Workbook,
    period: str | pd.Period,
    section: IncentivesSection | None = None,
    quotas: Quotas | None = None,
    all_periods: bool = False,
) -> Statements:
    """The model's statements for `period` from the workbook's cube, plan and quotas."""
    section = section or incentives_of(workbook)
    quotas = quotas or load_quotas(workbook)
    cube = pay_cube(workbook, section)
    return payout_statements(
        section,
        cube,
        quotas.table,
        period,
        currency=workbook.currency,
        fiscal_year_start=FiscalCalendar.of(workbook.plan.calendar),  # the plan's grain and retail pattern
        all_periods=all_periods,
    )


def _columns() -> dict[str, str]:
    return {
        "period": _("Period"),
        "team": _("Team"),
        "rep": _("Rep"),
        "component": _("Component"),
        "rule": _("Rule"),
        "base": _("Base"),
        "rate": _("Rate"),
        "amount": _("Amount"),
        "reference": _("Reference"),
    }


def statement_table(statements: Statements) -> pd.DataFrame:
    """The lines as one flat table, team → rep → line order, with the currency on every row."""
    lines = statements.lines.sort_values(["team", "rep", "line"], kind="stable")
    table = lines.drop(columns="line").assign(currency=statements.currency)
    for column in ("period", "team", "rep", "component", "rule"):
        table[column] = table[column].astype(str)
    digits = minor_unit(statements.currency)
    for column in ("base", "reference", "amount"):  # money, exact in the minor unit (no float noise)
        table[column] = table[column].round(digits)
    return table.reset_index(drop=True)


def credit_table(statements: Statements) -> pd.DataFrame:
    """The period's credit lines (split, overlay and team credit: sales credited beyond a rep's own
    bookings), which pay nothing themselves and so are not payment lines; empty without crediting."""
    latest = statements.lines["period"].max() if len(statements.lines) else None
    lines = statements.lines[
        (statements.lines["component"] == "credit") & (statements.lines["period"] == latest)
    ]
    table = statement_table(Statements(lines, statements.reps, statements.rewards, statements.currency))
    return table[["period", "team", "rep", "rule", "base", "currency"]]


def payment_table(payments: PeriodPayments) -> pd.DataFrame:
    """A period's payments (own lines, then prior-period adjustments) as the flat export table.

    Money columns are rounded to the currency's minor unit, so a CSV shows 36546546.98, never
    36546546.980000004; `for_period` and `cause` say which period an adjustment belongs to and why.
    """
    lines = payments.lines
    digits = minor_unit(payments.currency)
    table = pd.DataFrame(
        {
            "period": lines["period"].astype(str),
            "rep": lines["rep"].astype(str),
            "team": lines["team"].astype(str),
            "plan": lines["plan"].astype(str),
            "component": lines["component"].astype(str),
            "rule": lines["rule"].astype(str),
            "base": lines["base"].astype(float).round(digits),
            "rate": lines["rate"].astype(float),
            "amount": (lines["amount_minor"].to_numpy() / 10**digits).round(digits),
            "reference": lines["reference"].astype(float).round(digits),
            "currency": payments.currency,
            "for_period": lines["for_period"].astype(str),
            "cause": lines["cause"].astype(str),
            "deal": lines["deal"].astype(str) if "deal" in lines.columns else "",  # what a clawback recovers
            "approver": lines["approver"].astype(str) if "approver" in lines.columns else "",  # manual lines
        }
    )
    return table.reset_index(drop=True)


def write_payouts(workbook: Workbook | str | Path, period: str, by: str | None = None) -> list[Path]:
    """Prepare the period's payouts: statements with prior-period adjustments as CSV and Excel under
    reports/<period>/payouts/, each rep's statement documents, a `prepared` entry in the ledger's journal
    that finance approves, and the hub's extracts refreshed when the workbook is published: the same step
    as `salesplan payouts` (`prepare_and_publish`). The preparation stays recorded even if the extracts
    could not be refreshed; that is then an error asking for `salesplan publish`. Returns the CSV and
    Excel paths."""
    from salesplan_widgets.workbook.ledger import prepare_and_publish
    from salesplan_widgets.workbook.workbook import open_workbook

    wb = workbook if isinstance(workbook, Workbook) else open_workbook(workbook)
    step = prepare_and_publish(wb, period, by).check_extracts()
    return step.files[:2]  # each rep's documents are at report.statement_documents.statement_path


def write_payment_files(
    wb: Workbook, payments: PeriodPayments, statements: Statements, event: Mapping[str, str] | None = None
) -> list[Path]:
    """The period's payout CSV and Excel, and every rep's statement documents (stating the journal `event`
    that approved or closed the period; None when only prepared); each file atomic."""
    from salesplan_widgets.report.payout_workbook import write_payout_workbook
    from salesplan_widgets.report.statement_documents import write_statement_documents

    period = str(payments.period)
    folder = wb.reports_dir(period) / PAYOUTS_DIR
    csv_path = folder / f"payouts-{period}.csv"
    xlsx_path = folder / f"payouts-{period}.xlsx"
    table = payment_table(payments)
    with atomic_path(csv_path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")  # BOM: Excel opens Chinese names correctly
    credit = credit_table(statements)
    with atomic_path(xlsx_path) as tmp:
        write_payout_workbook(tmp, statements, table, credit, wb.plan.name, period, _columns())
    documents = write_statement_documents(wb, payments, statements, event=event)
    extra = []
    units = quantity_variance(wb, payments.period)
    if units is not None:  # quantity targets: units credited against target units
        extra.append(folder / f"quantity-{period}.csv")
        with atomic_path(extra[-1]) as tmp:
            units.assign(period=units["period"].astype(str)).to_csv(tmp, index=False, encoding="utf-8-sig")
    if credit.empty:
        return [csv_path, xlsx_path, *documents, *extra]
    credit_path = folder / f"credit-{period}.csv"  # who was credited with what, beside what was paid
    with atomic_path(credit_path) as tmp:
        credit.rename(columns={**_columns(), "base": _("Credited sales")}).to_csv(
            tmp, index=False, encoding="utf-8-sig"
        )
    return [csv_path, xlsx_path, *documents, *extra, credit_path]

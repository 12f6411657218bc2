"""Warnings about the incentive plan that need the data or the payout curve: `salesplan validate` lists them.

The holiday country assumed when the plan names none and its currency is no one country's (EUR); a
discount column that more likely holds the share paid than the share off (`sources.discount_warnings`); money
figures that may be European thousands (12.500, `sources.figure_warnings`); a hierarchy manager who
neither sells nor has a target (paid on the team alone); credit
splits that name reps nobody in the sales or the targets is called, and payout cliffs (payout that
falls as attainment rises, from model/plan_checks.py). A warning does not stop a run: the plan is valid,
but probably not what was meant. Storage code: reads the cube and the targets, no arithmetic of its own.
"""

from __future__ import annotations

from babel import Locale

from salesplan_widgets.errors import Problem
from salesplan_widgets.i18n import _, fmt_number, get_locale
from salesplan_widgets.model.plan_checks import payout_cliffs
from salesplan_widgets.schema import Plan
from salesplan_widgets.schema.incentives import IncentivesSection
from salesplan_widgets.workbook.payouts import incentives_of
from salesplan_widgets.workbook.plan_checks import known_reps
from salesplan_widgets.workbook.sample_data import sample_data_warnings
from salesplan_widgets.workbook.sources import (
    UNKNOWN,
    discount_warnings,
    figure_warnings,
    literal,
    normalised_sql,
    run_on_source,
)
from salesplan_widgets.workbook.workbook import Workbook

PLAN_FILE = "plan.yaml"


def cliff_warnings(section: IncentivesSection, column: str = "incentives.commission") -> list[Problem]:
    """One warning per place where the plan pays less for selling more."""
    return [
        Problem(
            file=PLAN_FILE,
            column=column,
            expected=_(
                "a payout that never falls as attainment rises; on a quota of {quota} it falls from {before} "
                "to {after} at {at} attainment (a cliff: reps would hold deals back)"
            ).format(
                quota=fmt_number(cliff.quota),
                before=fmt_number(cliff.before),
                after=fmt_number(cliff.after),
                at=f"{cliff.attainment * 100:.4g}%",
            ),
            fix=_(
                "in retroactive mode give each higher band a rate at least as high as the band below, "
                "or use marginal tiers; keep the payout curve rising"
            ),
        )
        for cliff in payout_cliffs(section)
    ]


def manager_warnings(section: IncentivesSection, reps: set[str]) -> list[Problem]:
    """A `hierarchy` manager in neither the sales nor the targets is paid on the team alone; said once, in
    case the name was meant to be a rep's (one like a rep's name is refused: `plan_checks.misspelt_rep`)."""
    return [
        Problem(
            file=PLAN_FILE,
            row=row,
            column="incentives.hierarchy.manager",
            expected=_(
                "a manager paid on team {team}'s sales only: {manager} sells nothing and has no target, "
                "so is measured against no quota"
            ).format(team=entry.team, manager=entry.manager),
            found=entry.manager,
            fix=_(
                "if {manager} sells, check the spelling against the sales data; otherwise nothing to do"
            ).format(manager=entry.manager),
        )
        for row, entry in enumerate(section.hierarchy, start=1)
        if entry.manager not in reps
    ]


def credit_warnings(section: IncentivesSection, reps: set[str]) -> list[Problem]:
    """Credit splits naming reps who are in neither the sales nor the targets."""
    problems = []
    for i, split in enumerate(section.crediting):
        column = f"incentives.crediting[{i}]"
        if split.rep is not None and split.rep not in reps:
            problems.append(
                Problem(
                    file=PLAN_FILE,
                    column=column,
                    expected=_(
                        "a rep who has sales; nobody in the data is called {rep}, so this split does nothing"
                    ).format(rep=split.rep),
                    fix=_("check the spelling against the sales data, or remove the split"),
                    found=split.rep,
                )
            )
        for name in [*split.shares, *split.overlays]:
            if name not in reps:
                problems.append(
                    Problem(
                        file=PLAN_FILE,
                        column=f"{column}.shares",
                        expected=_(
                            "a share for a rep in the data; {rep} is in neither the sales nor the targets"
                        ).format(rep=name),
                        fix=_("check the spelling against the sales data, or give a target to {rep}").format(
                            rep=name
                        ),
                        found=name,
                    )
                )
    return problems


def split_warnings(workbook: Workbook) -> list[Problem]:
    """The split no longer fits the goal (made for an older goal, other months, a year that is over)."""
    from salesplan_widgets.workbook.targets import split_fit_notices

    if workbook.plan.split is None:
        return []
    # each notice is a whole sentence that ends in what to do: it is the fix, after a short "expected"
    return [
        Problem(
            file=PLAN_FILE, column="split", expected=_("a split that fits the goal"), fix=text.rstrip(".。")
        )
        for text in split_fit_notices(workbook, workbook.cube())
    ]


def country_warnings(plan: Plan) -> list[Problem]:
    """The plan names no holiday country and its currency (EUR …) is no one country's: say which was assumed."""
    if plan.calendar.country_from != "language":
        return []
    country = plan.calendar.country or ""
    name = Locale.parse(get_locale()).territories.get(country, country)
    return [
        Problem(
            file=PLAN_FILE,
            column="calendar.country",
            expected=_(
                "the country whose public holidays your reps keep; the plan names none and {currency} is not "
                "one country's currency, so working days, pacing and deadlines follow the public holidays of "
                "{name} ({country})"
            ).format(currency=plan.currency, name=name, country=country),
            fix=_("set country under calendar to that country's ISO code, e.g. country: DE"),
        )
    ]


def plan_warnings(workbook: Workbook) -> list[Problem]:
    """Every warning about the workbook's calendar country, split (against its goal) and incentive plan, and
    init's sample rows left in the data (empty when none)."""
    section = incentives_of(workbook)
    problems = country_warnings(workbook.plan) + split_warnings(workbook)
    problems += cliff_warnings(section.without_role_plans())
    for i, plan in enumerate(section.plans):  # every version of every role plan, at its own key
        for j, version in enumerate(plan.versions):
            rules = section.rules_in_force(plan.id, version.effective)
            problems += cliff_warnings(rules, f"incentives.plans[{i}].versions[{j}].commission")
    if section.hierarchy:
        problems += manager_warnings(section, known_reps(workbook, workbook.cube()))
    if section.crediting or section.assignments:
        reps = known_reps(workbook, workbook.cube())
        problems += credit_warnings(section, reps)
        problems += [
            Problem(
                file=PLAN_FILE,
                column=f"incentives.assignments[{i}]",
                expected=_("a rep who is in the data; {rep} is in neither the sales nor the targets").format(
                    rep=a.rep
                ),
                fix=_("check the spelling against the sales data, or give a target to {rep}").format(
                    rep=a.rep
                ),
                found=a.rep,
            )
            for i, a in enumerate(section.assignments)
            if a.rep not in reps
        ]
    problems += clawback_warnings(workbook, section)
    problems += discount_warnings(workbook.plan.sources.sales, workbook.path)
    sources = workbook.plan.sources
    for source in (sources.sales, sources.accounts, sources.receipts):
        problems += figure_warnings(source, workbook.path) if source is not None else []
    return problems + sample_data_warnings(workbook)


def _untraced_returns(workbook: Workbook) -> int:
    """How many return lines there are when none of them shares its deal id with a sale (0 otherwise)."""
    source = workbook.plan.sources.sales

    def query(con, scan):
        lines = normalised_sql(scan, source, ("amount", "deal"))
        return con.sql(
            f"WITH l AS (SELECT deal, amount FROM ({lines}) AS l WHERE deal <> {literal(UNKNOWN)}) "
            "SELECT count(*) FILTER (WHERE amount < 0), "
            "count(*) FILTER (WHERE amount < 0 AND deal IN (SELECT deal FROM l WHERE amount > 0)) FROM l"
        ).fetchall()[0]

    with workbook._conversions():
        returns, traced = run_on_source(source, workbook.path, query)
    return returns if traced == 0 else 0


def clawback_warnings(workbook: Workbook, section: IncentivesSection) -> list[Problem]:
    """A clawback rule without a deal column cannot tell deals apart, nor one whose returns never share a
    deal id with a sale (credit notes numbered on their own, as UCI's Online Retail's C536379): returns then
    net as sales in the month they are dated."""
    if section.clawback is None:
        return []
    if "deal" in workbook.plan.sources.sales.columns:
        if not (returns := _untraced_returns(workbook)):
            return []
        return [
            Problem(
                file=PLAN_FILE,
                column="incentives.clawback",
                expected=_(
                    "returns that share their deal id with the sale they return; none of the {n} return lines "
                    "does (a credit note numbered on its own), so they reduce the month they are dated in and "
                    "nothing is clawed back by deal"
                ).format(n=fmt_number(returns)),
                fix=_(
                    "map as deal a column a return shares with its sale (the original invoice or order), or "
                    "remove the clawback rule"
                ),
            )
        ]
    return [
        Problem(
            file=PLAN_FILE,
            column="incentives.clawback",
            expected=_(
                "a deal column in the sales source (a transaction or invoice id); without it returns reduce "
                "the period they are dated in and nothing is clawed back by deal"
            ),
            fix=_("add deal: <your transaction or invoice id column> under sources.sales.columns"),
        )
    ]

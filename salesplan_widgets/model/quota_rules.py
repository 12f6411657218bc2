"""Which rules of a plan read quota. A plan that pays on sales alone (a flat rate, amount bands, kickers,
cash collected) needs no targets table: many small companies pay 提成 as a share of sales with no quota,
and asking them for one would make them invent it. Pure: the plan's keys, no files."""

from __future__ import annotations

from salesplan_widgets.schema.incentives import IncentivesSection, PlanRules


def _reading_quota(rules: PlanRules, at: str) -> list[str]:
    """The keys of `rules` (written under `at`) whose payment depends on attainment or on targets."""
    commission, keys = rules.commission, []
    if commission.tiers.basis == "attainment" and commission.tiers.bands:
        keys.append(f"{at}commission.tiers")
    if commission.accelerators:
        keys.append(f"{at}commission.accelerators")
    if commission.threshold > 0:
        keys.append(f"{at}commission.threshold")
    if commission.caps.attainment is not None:
        keys.append(f"{at}commission.caps.attainment")
    if rules.target_incentive is not None and rules.target_incentive.amount > 0:
        keys.append(f"{at}target_incentive")
    if rules.milestones:  # a share of the year's quota, or the rep's cumulative target
        keys.append(f"{at}milestones")
    return keys


def quota_rules(section: IncentivesSection) -> list[str]:
    """The plan keys (`incentives.commission.threshold`, `incentives.plans[kam].versions[2026-07]
    .commission.tiers` …) whose payment reads each rep's quota; empty when the plan pays on sales alone."""
    keys = _reading_quota(section, "incentives.")
    for plan in section.plans:
        for version in plan.versions:
            keys += _reading_quota(version, f"incentives.plans[{plan.id}].versions[{version.effective}].")
    return keys

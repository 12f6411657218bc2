"""Monte Carlo of next period's attainment per rep, and of what each plan design would cost.

Each rep's monthly sales history gives a trend and a volatility (a straight line through log sales and the
spread around it); seeded normal draws around next month's point on that line give simulated sales. The
same draws are paid under each plan design, so designs are compared on identical outcomes. Pure numpy
over draws × reps (in chunks of draws to bound memory): no loops over reps, no files, no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesplan_widgets.model.commission import attainment, compile_plan, earn
from salesplan_widgets.schema.incentives import IncentivesSection

HISTORY_MONTHS = 12
CHUNK = 1000
MAX_SIGMA = 1.0  # log units: beyond ±170% a month, a history says more about data gaps than volatility


@dataclass(frozen=True)
class Simulation:
    """Simulated sales for next period: draws × reps, with each rep's quota."""

    reps: pd.Index
    quota: np.ndarray
    sales: np.ndarray  # (draws, reps)
    seed: int

    @property
    def attainment(self) -> np.ndarray:
        return attainment(self.sales, self.quota[None, :])

    @property
    def share_at_quota(self) -> float:
        """Expected share of reps reaching 100% of quota (a healthy plan is often cited at 60–70%)."""
        if self.sales.size == 0:
            return float("nan")
        return float((self.attainment >= 1.0).mean())

    def rep_probability(self) -> pd.Series:
        """Each rep's chance of reaching quota."""
        return pd.Series((self.attainment >= 1.0).mean(axis=0), index=self.reps, name="p_quota")


def simulate_sales(
    history: pd.DataFrame,
    quota: pd.Series,
    draws: int = 10_000,
    seed: int = 0,
    months: int = HISTORY_MONTHS,
) -> Simulation:
    """Draw next month's sales per rep from the trend and volatility of their last `months` months.

    log(1 + sales) is fitted by a least-squares line per rep (closed form, all reps at once); the residual
    standard deviation is the volatility. Reps in `quota` without history get the median rep's trend.
    """
    monthly = history.groupby(["rep", "period"], observed=True)["actual"].sum().unstack("period")
    if monthly.shape[1]:
        full = pd.period_range(monthly.columns.min(), monthly.columns.max(), freq="M")
        monthly = monthly.reindex(columns=full).iloc[:, -months:]
    monthly = monthly.reindex(quota.index).fillna(0.0)
    values = monthly.to_numpy(dtype=float)
    y = np.log1p(np.clip(values, 0.0, None))
    # Months without sales (before joining, after leaving) say nothing about a rep's level: weight 0.
    w = (values > 0).astype(float)
    n = w.sum(1)
    t = np.arange(values.shape[1], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_mean = (w * t).sum(1) / n
        y_mean = (w * y).sum(1) / n
        dt_ = t - t_mean[:, None]
        slope = np.nan_to_num((w * dt_ * (y - y_mean[:, None])).sum(1) / (w * dt_**2).sum(1))
        slope = np.where(n >= 3, slope, 0.0)  # a trend needs a few months
        level = y_mean + slope * (values.shape[1] - t_mean)  # the line one month after the last
        resid = w * (y - y_mean[:, None] - slope[:, None] * dt_)
        sigma = np.sqrt((resid**2).sum(1) / np.maximum(n - 2, 1))
    sigma = np.clip(np.where(n >= 3, sigma, np.nan), 0.0, MAX_SIGMA)
    known = np.isfinite(level) & np.isfinite(sigma)
    if known.any():  # reps without enough history: the median rep's level and volatility
        level = np.where(known, level, np.median(level[known]))
        sigma = np.where(known, sigma, np.median(sigma[known]))
    else:
        level, sigma = np.zeros(len(quota)), np.zeros(len(quota))
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((draws, len(quota)))
    sales = np.expm1(level + sigma * z)
    return Simulation(
        reps=pd.Index(quota.index, name="rep"),
        quota=quota.to_numpy(dtype=float),
        sales=sales,
        seed=seed,
    )


@dataclass(frozen=True)
class DesignOutcome:
    """One plan design paid on the simulated draws: total cost per draw and its summary."""

    name: str
    cost: np.ndarray  # (draws,) total payout over all reps

    @property
    def median(self) -> float:
        return float(np.median(self.cost))

    @property
    def p90(self) -> float:
        return float(np.percentile(self.cost, 90))


def _plan_groups(reps: pd.Index, section: IncentivesSection, month: str | None):
    """(rules, rep positions) for each plan the simulated reps are on in `month`: the plan a rep spends most
    of the month on, under its version in force then. Without role plans (or a month), one group."""
    if not section.plans or month is None:
        return [(section.without_role_plans() if section.plans else section, np.arange(len(reps)))]
    from salesplan_widgets.model.role_plans import EVERYONE, plan_shares

    shares = plan_shares(section, [str(r) for r in reps], pd.PeriodIndex([month], freq="M"))
    main = (
        shares.sort_values("share", kind="stable")
        .drop_duplicates("rep", keep="last")
        .set_index("rep")["plan"]
    )
    plan_of = main.reindex([str(r) for r in reps]).fillna(EVERYONE).to_numpy()
    groups = []
    for plan in pd.unique(plan_of):  # over the workbook's few plans
        rules = section.without_role_plans() if plan == EVERYONE else section.rules_in_force(plan, month)
        if rules is not None:  # before a plan's first version its reps earn nothing from it
            groups.append((rules, np.flatnonzero(plan_of == plan)))
    return groups


def payout_cost(
    simulation: Simulation, section: IncentivesSection, name: str = "", month: str | None = None
) -> DesignOutcome:
    """Total payout per draw under `section` (base-rate slices only: no SPIFs or milestones).

    With role plans and a `month` (YYYY-MM), each rep is paid under the version in force then of the plan
    they spend most of that month on.
    """
    groups = [(compile_plan(rules), cols) for rules, cols in _plan_groups(simulation.reps, section, month)]
    cost = np.zeros(len(simulation.sales))
    for start in range(0, len(cost), CHUNK):  # chunks of draws keep memory bounded; all reps at once
        chunk = simulation.sales[start : start + CHUNK]
        for plan, cols in groups:  # the workbook's few plans
            cost[start : start + CHUNK] += earn(plan, chunk[:, cols], simulation.quota[cols]).total.sum(1)
    return DesignOutcome(name=name, cost=cost)


def compare_designs(
    simulation: Simulation, designs: dict[str, IncentivesSection], month: str | None = None
) -> pd.DataFrame:
    """Designs side by side on the same draws: share at quota, payout cost median and P90, cost of sales.

    `month` picks the role plans and versions in force (see `payout_cost`)."""
    revenue = float(np.median(simulation.sales.sum(1)))
    rows = []
    for name, section in designs.items():
        outcome = payout_cost(simulation, section, name, month)
        rows.append(
            {
                "design": name,
                "share_at_quota": simulation.share_at_quota,
                "cost_median": outcome.median,
                "cost_p90": outcome.p90,
                "cost_of_sales": outcome.median / revenue if revenue > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)

"""Monte Carlo of next period's attainment per rep, and of what each plan design would cost.

Each rep's monthly sales history gives a trend and a volatility (a straight line through log sales and the
spread around it); seeded normal draws around next month's point on that line give simulated sales. The
same draws are paid under each plan design, so designs are compared on identical outcomes. Pure numpy
over draws × reps (in chunks of draws to bound memory): no loops over reps, no files, no widgets.

The rules beside bookings are simulated from what each rep's own history says per unit of sales
(`rule_history`), scaled by the draw's sales: the simplest honest model, since all of them move with
sales and the draws are of sales. Cash collected is the share of sales collected in each age band over the
history (so a collection lag and the late payments are in it as they were), margin is sales less the
history's cost ratio, large deals and new logos are their value and count per unit of sales, clawbacks
recover the share of sales returned within the plan's window at the rate paid on sales, each as credited (an
overlay, a split owner, a winner and a manager's team credit expect their share back, as a close claws it),
the kicker deal by deal (the rate on the returned part of large deals, the bonus of each that fell under the
size), never more than the period the draw is paid in paid the person (a quarter's window so far with the
month, not the month's part: `first_come`; nor, of the kicker, than it paid in kicker), as the ledger caps a
paid period. A `hierarchy` manager is credited with the draws of their team as a close credits the
month: each member's draw in the team of their latest month (a new hire in the team `rule_history(teams=)`
names), paid at the override rate, quota or not, or under their own plan, as the ledger does; without a
rule history too, on each rep's draws in their latest team (`Simulation.teams`).
Draws, holdbacks and recoveries then work on each draw's commission as a close does (`model/ledger.settle`): a
holdback only moves pay to its release, a guarantee's top-up is a cost, a recoverable draw's top-up is an
advance (cash, not cost), recovered from commission above the draw; as a close, once per the rep's own
measurement period, in the month that ends it, against the whole window's commission (the statements'
window so far, `earned_in_window`, and the draw's month). A rep measured by quarter (or year) is
simulated on the window so far as their statement measures it (`window_so_far`): the tiers on the window's
sales plus the draw's against the window's quota, the month costing what it adds to the window's commission;
a close pays that commission only at the window's end, so before it is `deferred` and at it the window's
earlier months are paid (`window_paid`), the holdback taken from the whole; a year-to-date plan's window
is the year so far, and its end pays the year less what earlier windows paid. A rep moved between plans
inside the month is paid each plan's share of its days at that plan's rate, in that plan's window; the
draw, by the plan of the month's last day. A return is clawed back at the rate its window paid on its
sales (the period's blend, as a close recovers it). Leavers: each rep leaves in the month with the
history's yearly leaver rate (per rep-month of exposure, not estimated on a short history: `leaver_estimate`)
spread over twelve months (certainly, when the plan's relief says they leave,
as a close reads it); a leaver's held commission is paid out or forfeited (a saving), and the draw balance
they still owe is never recovered (a cost, once: in the month they leave). Both are expected values per
draw. Last, on a carry-forward plan (`negative: carry_forward`) a draw pays no one below 0, as a close pays them: a commission result below
0 is paid 0 and carried, and the result the statements carried earlier this year is taken from the
commission (`result_carried`: a cost saved); a total below 0 after clawbacks and draws is paid 0, and the
negative balance the ledger carries is recovered from a positive pay (cash, not cost), by the close's own
rule (`model/negative_balances.carried_and_recovered`); at the fiscal year's last close of a plan that says
`forgive_negative: year_end` what is still owed is forgiven (a cost, the ledger's `negative_forgiven` line),
and a leaver's, as the ledger keeps it, stays owed."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesplan_widgets.model.commission import attainment, compile_plan, earn
from salesplan_widgets.model.credit import OWNERS
from salesplan_widgets.model.draws import draws_of
from salesplan_widgets.model.measurement import ends_a_measurement_period
from salesplan_widgets.model.negative_balances import (
    carried_and_recovered,
    carries_negative,
    forgives_negative,
)
from salesplan_widgets.model.statements import PERIOD_MONTHS, fiscal_year_first
from salesplan_widgets.schema.incentives import IncentivesSection

HISTORY_MONTHS = 12
CHUNK = 1000
MAX_SIGMA = 1.0  # log units: beyond ±170% a month, a history says more about data gaps than volatility


@dataclass(frozen=True)
class Simulation:
    """Simulated sales for next period: draws × reps, with each rep's quota (and, from a history with a
    team column, each rep's latest team, for the managers' override without a `RuleHistory`)."""

    reps: pd.Index
    quota: np.ndarray
    sales: np.ndarray  # (draws, reps)
    seed: int
    teams: pd.DataFrame | None = None  # rep × team: share of the rep's sales in the team (`latest_teams`)

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
    teams = None
    if "team" in history.columns and len(history):
        teams = latest_teams(history[["period", "rep", "team", "actual"]])
    return Simulation(
        reps=pd.Index(quota.index, name="rep"),
        quota=quota.to_numpy(dtype=float),
        sales=sales,
        seed=seed,
        teams=teams,
    )


def _per_rep_ratio(
    history: pd.DataFrame, value: str, reps: pd.Index, by: str | None = None, keep: pd.Series | None = None
) -> pd.DataFrame:
    """Σ `value` ÷ Σ sales per rep (columns: the values of `by`, else one), over the history's rows
    (`keep` selects them); a rep without sales gets the whole team's ratio."""
    rows = history if keep is None else history[keep.to_numpy()]
    key = rows[by] if by else pd.Series(0, index=rows.index)
    totals = rows.groupby([rows["rep"].astype(str), key])[value].sum().unstack(fill_value=0.0)
    sales = history.groupby(history["rep"].astype(str))["actual"].sum()
    per_rep = totals.reindex(reps.astype(str)).fillna(0.0)
    mine = sales.reindex(reps.astype(str)).fillna(0.0).to_numpy()
    everyone = totals.sum(0) / sales.sum() if sales.sum() > 0 else totals.sum(0) * 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = per_rep.to_numpy() / mine[:, None]
    ratio = np.where(mine[:, None] > 0, ratio, everyone.to_numpy()[None, :])
    return pd.DataFrame(ratio, index=reps, columns=totals.columns)


@dataclass(frozen=True)
class RuleHistory:
    """What each rep's history says about the rules beside bookings, per unit of their sales.

    Columns of the frames are the pay cube's lower edges (`age_from`, `deal_from`, `logo_from`), so any
    design's age bands, deal size or smallest first order is read off them; the balances come from the
    ledger (0 without one).
    """

    collected: pd.DataFrame  # reps × age_from: cash collected ÷ sales
    cost_ratio: np.ndarray  # (reps,) cost of goods ÷ sales
    deal_value: pd.DataFrame  # reps × deal_from: value of deals of at least that size ÷ sales
    deal_count: pd.DataFrame  # reps × deal_from: number of such deals ÷ sales
    new_logos: pd.DataFrame  # reps × logo_from: new accounts ÷ sales
    returned: np.ndarray  # (reps,) sales returned within the clawback window ÷ sales
    draw_balance: np.ndarray  # (reps,) advances not yet recovered
    held: np.ndarray  # (reps,) commission held back, not yet released
    reps: pd.Index | None = None  # whose rows these are (None: the simulation's reps, in its order)
    team_sales: pd.DataFrame | None = None  # reps × teams: owner's credit in the team ÷ sales
    team_returned: pd.DataFrame | None = None  # reps × teams: owner's returns within the window ÷ sales
    leaver_rate: float = 0.0  # share of reps leaving per year (`leaver_rate`)
    sells: np.ndarray | None = None  # (reps,) whether the rep booked sales of their own in the history
    # reps × the returned deal's size as its kicker saw it (`sold_size`): per unit of sales, the returns
    # within the window credited as the kicker paid them (`kicker_value`), the credited share of such deals
    # (`kicker_deals`), and the same share by the size left after the returns (`kicker_kept`)
    kicker_value: pd.DataFrame | None = None
    kicker_deals: pd.DataFrame | None = None
    kicker_kept: pd.DataFrame | None = None
    negative_balance: np.ndarray | None = None  # (reps,) a negative total carried earlier, still to recover
    result_carried: np.ndarray | None = None  # (reps,) a negative commission result carried in this year
    # (reps,) commission the rep's statements earned in the earlier months of their own measurement window
    # (`earned_in_window`): a close pays it, and tops a draw up against it, at the window's end
    window_earned: np.ndarray | None = None
    # (reps,) the sales and quota the statements measured in those months: the simulated month's tiers,
    # accelerators and caps are measured on the window so far plus the month, as a close measures them
    window_sales: np.ndarray | None = None
    window_quota: np.ndarray | None = None
    # (reps,) of `window_earned`, what the close of the simulated month pays: the window of each plan that
    # month ends (None: all of it where the rep's own window ends, `_pays`)
    window_due: np.ndarray | None = None
    # reps × `sales:<plan id>`, `quota:<plan id>`: the window so far of each role plan the rep was on
    # (`window_so_far`), the one a plan group's tiers are measured on (None: the sums above, for every plan)
    window_plans: pd.DataFrame | None = None

    @property
    def monthly_leaving(self) -> float:
        """The chance a rep leaves in a given month, from the yearly rate: 1 − (1 − rate)^(1/12)."""
        return 1.0 - (1.0 - min(max(self.leaver_rate, 0.0), 1.0)) ** (1.0 / 12.0)

    def collected_in_bands(self, edges: np.ndarray) -> np.ndarray:
        """(reps, bands) cash per unit of sales in a plan's age bands."""
        band = np.searchsorted(edges, self.collected.columns.to_numpy(dtype=int), side="right")
        out = np.zeros((len(self.collected), len(edges) + 1))
        np.add.at(out.T, band, self.collected.to_numpy().T)
        return out

    def for_reps(self, reps: pd.Index) -> RuleHistory:
        """The same figures in the order of `reps`; a rep the history was not asked about gets zeros (a
        manager not simulated: no sales of their own, no balances)."""
        if self.reps is None or self.reps.equals(reps):
            return self
        at = self.reps.astype(str).get_indexer(reps.astype(str))
        known = at >= 0

        def rows(values: np.ndarray) -> np.ndarray:
            return np.where(known, values[np.clip(at, 0, None)], 0.0)

        def frame(values: pd.DataFrame | None) -> pd.DataFrame | None:
            if values is None:
                return None
            out = values.iloc[np.clip(at, 0, None)].set_axis(reps, axis=0)
            return out.mul(known, axis=0)

        return RuleHistory(
            collected=frame(self.collected), cost_ratio=rows(self.cost_ratio), deal_value=frame(self.deal_value),
            deal_count=frame(self.deal_count), new_logos=frame(self.new_logos), returned=rows(self.returned),
            draw_balance=rows(self.draw_balance), held=rows(self.held), reps=reps,
            team_sales=frame(self.team_sales), team_returned=frame(self.team_returned),
            leaver_rate=self.leaver_rate, sells=None if self.sells is None else rows(self.sells) > 0,
            kicker_value=frame(self.kicker_value), kicker_deals=frame(self.kicker_deals),
            kicker_kept=frame(self.kicker_kept),
            negative_balance=None if self.negative_balance is None else rows(self.negative_balance),
            result_carried=None if self.result_carried is None else rows(self.result_carried),
            window_earned=None if self.window_earned is None else rows(self.window_earned),
            window_sales=None if self.window_sales is None else rows(self.window_sales),
            window_quota=None if self.window_quota is None else rows(self.window_quota),
            window_due=None if self.window_due is None else rows(self.window_due),
            window_plans=frame(self.window_plans),
        )  # fmt: skip

    def team_matrix(self, section: IncentivesSection, returned: bool = False) -> np.ndarray:
        """(reps, hierarchy entries): the share of each rep's sales credited to each entry's manager (or,
        with `returned`, returned within the window and taken back from the manager): the rep's owner
        credit in the entry's team, never the manager's own."""
        table = self.team_returned if returned else self.team_sales
        names = self.reps if self.reps is not None else None if table is None else table.index
        return entry_matrix(table, len(self.returned) if names is None else names, section)

    @staticmethod
    def at_least(frame: pd.DataFrame, edge: float) -> np.ndarray:
        """(reps,) the sum over the columns at or above `edge` (deals of that size, first orders)."""
        return frame.loc[:, frame.columns.to_numpy(dtype=float) >= edge].to_numpy().sum(1)

    def kicker_back(self, at_least: float, rate: float, bonus: float) -> np.ndarray:
        """(reps,) the kicker returns within the window take back per unit of sales, deal by deal as
        `model/clawbacks.kicker_back` does: the rate on what came back of deals of at least `at_least`,
        and the bonus on each such deal the returns took under it. Zeros when the returns do not say the
        deals' sizes (the ledger then takes no kicker back either)."""
        if self.kicker_value is None:
            return np.zeros(len(self.returned))
        fell = self.at_least(self.kicker_deals, at_least) - self.at_least(self.kicker_kept, at_least)
        return rate * self.at_least(self.kicker_value, at_least) + bonus * fell


def entry_matrix(table: pd.DataFrame | None, reps: pd.Index | int, section: IncentivesSection) -> np.ndarray:
    """(reps, hierarchy entries) from `table` (reps × teams, in the order of `reps`): each rep's figure in
    the entry's team, never the entry's manager's own (`reps` a count: no names to tell)."""
    n = reps if isinstance(reps, int) else len(reps)
    out = np.zeros((n, len(section.hierarchy)))
    if table is None or not section.hierarchy:
        return out
    teams = table.columns.astype(str)
    names = reps.astype(str) if not isinstance(reps, int) else table.index.astype(str)
    for h, entry in enumerate(section.hierarchy):  # the plan's few managers
        if entry.team in teams:
            out[:, h] = table.iloc[:, teams.get_loc(entry.team)].to_numpy() * (names != entry.manager)
    return out


def _returned_ratio(
    history: pd.DataFrame,
    within: pd.DataFrame,
    reps: pd.Index,
    section: IncentivesSection,
    latest: pd.DataFrame | None = None,
    hires: pd.Index | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """(reps,) sales returned within the window ÷ sales, both as credited (`model/credit.py`): an owner's
    split, an overlay, an account's winner and a manager counting the team on their own plan each expect
    their share back, as a close claws it back. Beside it, reps × teams: each rep's owner returns within the
    window ÷ their booked sales, in their `latest` teams, whose manager's override on the simulated month's
    sales gives it back (`_team_ratios`)."""
    from salesplan_widgets.model.clawbacks import credited_returns
    from salesplan_widgets.model.credit import credit_sales

    if "sale_won_by" in within.columns:  # a deal is credited to the winner its sale was credited to
        within = within.drop(columns=["won_by", "won_team"]).rename(columns=lambda c: c.removeprefix("sale_"))
    back = within.drop(columns=["sold_on", "returned_on", "amount", "sold_size"], errors="ignore").assign(
        rep=within["rep"].astype(str), returned=-within["amount"].to_numpy(dtype=float)
    )
    sold = credit_sales(history, section)
    back = credited_returns(back, section)
    frame = pd.concat(
        [
            sold[["rep", "credit", "actual"]].assign(returned=0.0),
            back[["rep", "credit", "returned"]].assign(actual=0.0),
        ],
        ignore_index=True,
    )
    frame = frame[frame["credit"] != "team_override"].assign(rep=lambda f: f["rep"].astype(str))
    ratio = _per_rep_ratio(frame, "returned", reps).iloc[:, 0].to_numpy()
    owners = back[back["credit"].isin(OWNERS)]
    if "team" not in owners.columns:
        return ratio, pd.DataFrame(np.zeros((len(reps), 0)), index=reps)
    return ratio, _team_ratios(history, owners.assign(actual=owners["returned"]), reps, latest, hires)


def latest_teams(owned: pd.DataFrame, teams: pd.Series | None = None) -> pd.DataFrame:
    """rep × team: the share of each rep's owner credit (booked, split, won) in each team in the last month
    they were credited with any: the team their sales lines carry now, so the team whose manager the ledger
    credits with the month simulated (a rep who moved team last month earns the new manager the override).
    A rep of `teams` (rep → team) the history never credited, a new hire, is wholly in the team it names."""
    rows = owned[owned["actual"].to_numpy(dtype=float) != 0]
    credit = pd.DataFrame()
    if len(rows) and "team" in rows.columns:
        rows = rows.assign(rep=rows["rep"].astype(str), team=rows["team"].astype(str))
        last = rows.groupby("rep")["period"].transform("max")
        now = rows[(rows["period"] == last).to_numpy()]
        credit = now.groupby(["rep", "team"])["actual"].sum().unstack(fill_value=0.0)
        credit = credit.div(credit.sum(1).where(lambda t: t != 0), axis=0).fillna(0.0)
    if teams is None:
        return credit
    new = teams.dropna().astype(str)
    new = new[~new.index.astype(str).isin(credit.index)]
    hires = pd.crosstab(new.index.astype(str), new.to_numpy()).astype(float)
    return pd.concat([credit, hires]).fillna(0.0).rename_axis(index="rep", columns="team")


def _kicker_ratios(
    history: pd.DataFrame, within: pd.DataFrame, reps: pd.Index, section: IncentivesSection
) -> dict[str, pd.DataFrame]:
    """`RuleHistory`'s kicker frames from the returns within the window, deal by deal as the ledger takes a
    kicker back (`model/clawbacks.kicker_back`): each returned deal, its size as the kicker saw it and all
    that came back of it, credited as the pay cube's large-deal row of the rep and team on its first sale
    line (booked, split, overlay: whom its kicker paid), per unit of each rep's booked sales."""
    from salesplan_widgets.model.clawbacks import KICKER_CREDIT, SALE_LINE
    from salesplan_widgets.model.credit import credit_sales

    if "sold_size" not in within.columns or within["sold_size"].isna().all():
        return {}
    if "sale_won_by" in within.columns:
        within = within.drop(columns=["won_by", "won_team"]).rename(columns=lambda c: c.removeprefix("sale_"))
    paid_to = "sold_rep" if "sold_rep" in within.columns else "rep"
    team = "sold_team" if "sold_team" in within.columns else "team"
    deals = within.assign(back=-within["amount"].to_numpy(dtype=float)).groupby(
        within["deal"].astype(str), sort=False
    ).agg(back=("back", "sum"), size=("sold_size", "first"), rep=(paid_to, "first"),
          **({"team": (team, "first")} if team in within.columns else {}))  # fmt: skip
    deals = deals[deals["size"].notna()]
    dims = [c for c in within.columns if c not in ("deal", "rep", "team", "sold_on", "returned_on", "amount",
                                                   *SALE_LINE)]  # fmt: skip
    unit = deals.assign(
        **{d: "all" for d in dims}, actual=deals["back"], deals=1.0, kept=deals["size"] - deals["back"]
    )
    unit = credit_sales(unit.reset_index(drop=True), section)
    unit = unit[unit["credit"].isin(KICKER_CREDIT)].assign(rep=lambda f: f["rep"].astype(str))
    frame = pd.concat(
        [history[["rep", "actual"]].assign(rep=lambda f: f["rep"].astype(str), value=0.0, share=0.0, size=-1.0,
                                            kept=-1.0),
         unit[["rep", "size", "kept"]].assign(actual=0.0, value=unit["actual"].to_numpy(dtype=float),
                                             share=unit["deals"].to_numpy(dtype=float))],
        ignore_index=True,
    )  # fmt: skip
    keep = frame["size"] >= 0
    return {
        "kicker_value": _per_rep_ratio(frame, "value", reps, "size", keep),
        "kicker_deals": _per_rep_ratio(frame, "share", reps, "size", keep),
        "kicker_kept": _per_rep_ratio(frame, "share", reps, "kept", keep),
    }


def _team_ratios(
    history: pd.DataFrame,
    owned: pd.DataFrame,
    reps: pd.Index,
    latest: pd.DataFrame | None = None,
    hires: pd.Index | None = None,
) -> pd.DataFrame:
    """reps × teams: each rep's `owned` credit (an owner's: booked, split, won) ÷ the rep's booked sales in
    `history`, the figure the draws simulate, in each team as `latest` shares it (`latest_teams`; without
    it, in the teams the credit was in). A rep without sales of their own is in no team the history knows
    (an overlay's draws are credit beside others' sales, not a team member's), unless they are one of the
    `hires` a team was named for: their draws are credited as the whole company's are."""
    frame = pd.concat(
        [
            history[["rep", "team", "actual"]].assign(team_credit=0.0),
            owned[["rep", "team"]].assign(actual=0.0, team_credit=owned["actual"].to_numpy(dtype=float)),
        ],
        ignore_index=True,
    ).assign(rep=lambda f: f["rep"].astype(str), team=lambda f: f["team"].astype(str))
    keep = frame["team_credit"] != 0
    if not keep.any():
        return pd.DataFrame(np.zeros((len(reps), 0)), index=reps)
    sold = history.groupby(history["rep"].astype(str))["actual"].sum().reindex(reps.astype(str)).fillna(0.0)
    member = (sold > 0).to_numpy() | reps.astype(str).isin([] if hires is None else hires.astype(str))
    ratio = _per_rep_ratio(frame, "team_credit", reps, "team", keep).mul(member, axis=0)
    if latest is None or latest.empty:
        return ratio
    shares = latest.reindex(index=reps.astype(str)).fillna(0.0).set_axis(reps, axis=0)
    now = shares.to_numpy() * ratio.to_numpy().sum(1)[:, None]
    return pd.DataFrame(now, index=reps, columns=shares.columns)


def recent(history: pd.DataFrame, months: int = HISTORY_MONTHS) -> pd.DataFrame:
    """The last `months` months of the pay cube `history`: the window the rules and the leaver rate read."""
    if history.empty:
        return history
    return history[history["period"] > history["period"].max() - months]


# A history shorter than this says too little about leaving to be read as a yearly rate: one leaver among
# three reps in two months would read as 100% a year. Below it the rate is not estimated (0: nobody leaves
# but those the relief names), and the calculator says so; `leavers_per_year` states one instead.
MIN_LEAVER_MONTHS = 6  # months of history
MIN_LEAVER_REP_MONTHS = 36  # rep-months of exposure: three reps for a year, six for half of one
LEAVER_CONFIDENCE = 0.9  # the interval the calculator shows beside the rate


@dataclass(frozen=True)
class LeaverEstimate:
    """The history's leaver rate and what it rests on: `leavers` over `rep_months` of exposure (each rep
    from the history's first month, or their first sale, to its last month or the month they left), × 12;
    `estimated` False (rate 0) where the history is too short to say (`MIN_LEAVER_MONTHS`,
    `MIN_LEAVER_REP_MONTHS`); `low`, `high` the exact Poisson interval of the yearly rate (statsmodels)."""

    rate: float
    leavers: int
    reps: int
    months: int
    rep_months: float
    estimated: bool
    low: float = 0.0
    high: float = 0.0

    @property
    def observed(self) -> float:
        """Leavers per rep-month × 12, capped at 1, however short the history."""
        return min(self.leavers / self.rep_months * 12.0, 1.0) if self.rep_months else 0.0


def leaver_estimate(history: pd.DataFrame, section: IncentivesSection) -> LeaverEstimate:
    """Share of reps leaving per year over `history`'s months, as the ledger learns who left: the reps
    whose `incentives.relief` entry has a `left` date in those months (and no later `joined`), per
    rep-month of exposure × 12 (a rep counts from the history's first month, or their first sale, to its
    last month or the month they left), capped at 1; not estimated on a history shorter than
    `MIN_LEAVER_MONTHS` months or `MIN_LEAVER_REP_MONTHS` rep-months. On a long history of a steady team
    it is the plain leavers ÷ headcount × 12 ÷ months (attrition as HR states it), counting a leaver's
    months only until they left."""
    from statsmodels.stats.rates import confint_poisson

    from salesplan_widgets.model.holdbacks import leavers_by

    if history.empty:
        return LeaverEstimate(0.0, 0, 0, 0, 0.0, False)
    periods = pd.PeriodIndex(history["period"]).asfreq("M")
    first, last = periods.min(), periods.max()
    start = first.start_time.date()
    left_on = {}
    for rep in leavers_by(section.relief, last):  # a handful of relief entries
        dates = [e.left for e in section.relief if e.rep == rep and e.left is not None and e.left >= start]
        if dates:
            left_on[rep] = pd.Period(max(dates), "M")
    selling = history[history["actual"].to_numpy(dtype=float) != 0]
    joined = pd.PeriodIndex(selling["period"]).asfreq("M").to_series().groupby(
        selling["rep"].astype(str).to_numpy()).min()  # fmt: skip
    reps = sorted(set(joined.index) | set(left_on))
    begin = np.array([(joined.get(r, first) - first).n for r in reps])
    end = np.array([((min(left_on[r], last) if r in left_on else last) - first).n for r in reps])
    rep_months = float(np.clip(end - begin + 1, 1, None).sum()) if reps else 0.0
    months = (last - first).n + 1
    leavers = len(left_on)
    estimated = months >= MIN_LEAVER_MONTHS and rep_months >= MIN_LEAVER_REP_MONTHS
    if not estimated:
        return LeaverEstimate(0.0, leavers, len(reps), months, rep_months, False)
    low, high = confint_poisson(leavers, rep_months, method="exact-c", alpha=1.0 - LEAVER_CONFIDENCE)
    rate = min(leavers / rep_months * 12.0, 1.0)
    return LeaverEstimate(rate, leavers, len(reps), months, rep_months, True,
                          min(float(low) * 12.0, 1.0), min(float(high) * 12.0, 1.0))  # fmt: skip


def leaver_rate(history: pd.DataFrame, section: IncentivesSection) -> float:
    """The history's yearly leaver rate (`leaver_estimate`): 0 where the history is too short to say."""
    return leaver_estimate(history, section).rate


def rule_history(
    history: pd.DataFrame,
    reps: pd.Index,
    section: IncentivesSection,
    returns: pd.DataFrame | None = None,
    draw_balance: pd.Series | None = None,
    held: pd.Series | None = None,
    months: int = HISTORY_MONTHS,
    leavers_per_year: float | None = None,
    teams: pd.Series | None = None,
    negative_balance: pd.Series | None = None,
    result_carried: pd.Series | None = None,
    window_earned: pd.Series | None = None,
    window: pd.DataFrame | None = None,
) -> RuleHistory:
    """Per rep and unit of sales over the last `months` months of the pay cube `history`: cash collected by
    age, cost of goods, large deals and new accounts, and returns within the clawback window (`returns`:
    deal, rep, sold_on, returned_on, amount < 0); balances (money) from the ledger; the share of reps
    leaving per year (`leaver_rate` of the history, unless `leavers_per_year` gives it). `teams` (rep →
    team, e.g. the targets' team column) places the reps the history has never credited, new hires, in
    their team: their draws earn its manager the override, as the company's sales do per unit.
    `negative_balance` and `result_carried` (money, from the ledger: `negative_balances.negative_balance` and
    `result_carried`) are recovered from the simulated month's pay as a close recovers them; `window_earned`
    (money, `earned_in_window`) is what a draw is topped up against beside the month's own commission;
    `window` (`window_so_far`: earned, sales, quota per rep) gives it too, with the window's sales and quota
    the month's tiers are measured on and the commission a close pays at the window's end."""
    from salesplan_widgets.model.clawbacks import later_returns

    history = recent(history, months)
    reps = pd.Index(reps, name="rep")

    def ratio(value: str, by: str, keep=None) -> pd.DataFrame:
        if value not in history.columns:
            return pd.DataFrame(np.zeros((len(reps), 0)), index=reps)
        return _per_rep_ratio(history, value, reps, by, keep)

    def single(value: str) -> np.ndarray:
        frame = ratio(value, None) if value in history.columns else None
        return frame.iloc[:, 0].to_numpy() if frame is not None and frame.shape[1] else np.zeros(len(reps))

    team_sales, latest, hires = None, None, None
    if "team" in history.columns and len(history):  # who sells in which team now, for the managers' credit
        from salesplan_widgets.model.credit import credit_sales

        credited = credit_sales(history, section)
        owned = credited[credited["credit"].isin(OWNERS)]
        latest = latest_teams(owned, teams)
        hires = latest.index.difference(owned.loc[owned["actual"] != 0, "rep"].astype(str).unique())
        team_sales = _team_ratios(history, owned, reps, latest, hires)
    returned, team_returned, kicker = np.zeros(len(reps)), None, {}
    later = later_returns(returns)
    if section.clawback is not None and len(later) and len(history):
        days = (pd.to_datetime(later["returned_on"]) - pd.to_datetime(later["sold_on"])).dt.days
        within = later[days.to_numpy() <= section.clawback.window_days]
        returned, team_returned = _returned_ratio(history, within, reps, section, latest, hires)
        kicker = _kicker_ratios(history, within, reps, section)
    money = lambda s: np.zeros(len(reps)) if s is None else s.reindex(reps.astype(str)).fillna(0.0).to_numpy()  # noqa: E731
    return RuleHistory(
        collected=ratio("collected", "age_from"),
        cost_ratio=single("cost"),
        deal_value=ratio("deal_sales", "deal_from"),
        deal_count=ratio("deals", "deal_from"),
        new_logos=ratio("new_logos", "logo_from"),
        returned=returned,
        draw_balance=money(draw_balance),
        held=money(held),
        negative_balance=money(negative_balance),
        result_carried=money(result_carried),
        window_earned=money(window["earned"] if window is not None else window_earned)
        if window is not None or window_earned is not None
        else None,
        window_sales=None if window is None else money(window.get("sales")),
        window_quota=None if window is None else money(window.get("quota")),
        window_due=None if window is None or "due" not in window else money(window["due"]),
        window_plans=_window_plans(window, reps),
        reps=reps,
        team_sales=team_sales,
        team_returned=team_returned,
        leaver_rate=leaver_rate(history, section) if leavers_per_year is None else leavers_per_year,
        sells=history.groupby(history["rep"].astype(str))["actual"]
        .sum()
        .reindex(reps.astype(str))
        .fillna(0.0)
        .to_numpy()
        > 0,
        **kicker,
    )


def _window_plans(window: pd.DataFrame | None, reps: pd.Index) -> pd.DataFrame | None:
    """reps × each role plan's window so far (`window_so_far`'s `sales:<plan id>`, `quota:<plan id>`)."""
    if window is None:
        return None
    own = [c for c in window.columns if c.startswith(("sales:", "quota:"))]
    if not own:
        return None
    return window[own].reindex(reps.astype(str)).fillna(0.0).set_axis(reps, axis=0).astype(float)


def window_so_far(
    section: IncentivesSection,
    statements: pd.DataFrame,
    month: str,
    fiscal_year_start: int = 1,
    by_plan: bool = False,
) -> pd.DataFrame:
    """Per rep (rows), what their statements measured and earned in the months of their measurement windows
    before `month` that run on into it (`earned`, `sales`, `quota`: money), and of `earned` what the close
    of `month` pays (`due`: the windows it ends). A quarterly plan's statement of the month before is the
    quarter so far (`statements`: a statements run's `reps`, period, rep, earned, sales, quota, and with
    role plans plan; for a year-to-date plan paid_before and payout). The simulated month adds to it: its
    tiers are measured on the window's sales against the window's quota, the close of the window's last
    month pays the whole window and tops a draw up against it (`model/ledger._draws`), and until then pays
    none of it. Each statement row is its plan's (a rep moved mid-month has one per plan): a plan's window
    is paid at its own end, even after the rep moved to another plan. A year-to-date plan (`cumulative`)
    measures the fiscal year so far, so every month but the year's first has a window, and its `earned` is
    what the year so far earned less what the closes paid of it (the statement's true-up: a quarter's end
    pays the year so far less the earlier quarters). No rows where `month` starts every window of the rep
    (every month of a monthly plan). With role plans, the rows sum the rep's plans, and beside them each
    plan's own window (`sales:<plan id>`, `quota:<plan id>`; "" the section's own rules): a rep moved
    between two plans that both run on is measured in each on that plan's days alone, as its statement
    measures them. `by_plan`: rows per rep and plan id instead."""
    columns = [c for c in ("earned", "sales", "quota") if c in statements.columns]
    period = pd.Period(month, "M")
    rows = (
        statements[pd.PeriodIndex(statements["period"], freq="M") == period - 1]
        if len(statements)
        else statements
    )
    if rows.empty:
        return _no_window(by_plan)
    # each row's plan (by name; "" the section's own rules), in its version of `month` (else the month before)
    plan_of = rows["plan"].astype(str).to_numpy() if "plan" in rows.columns else np.full(len(rows), "")
    rules = {"": section}
    for plan in section.plans:  # the workbook's few plans
        if plan.name in set(plan_of):
            rules[plan.name] = plan.in_force(str(period)) or plan.in_force(str(period - 1)) or section
    names = pd.Index(list(rules))
    at = names.get_indexer(plan_of)
    at = np.where(at >= 0, at, 0)  # (a plan the section no longer names: the section's rules)
    of = list(rules.values())  # per plan, then per row
    since_year = (period - fiscal_year_first(period, fiscal_year_start)).n  # months of the year before
    runs_on = ~np.array([_starts_a_window(r, month, fiscal_year_start) for r in of])[at]
    ends_now = np.array([ends_a_measurement_period(period, r.measurement, fiscal_year_start) for r in of])[at]
    ytd = np.array([r.cumulative for r in of], dtype=bool)[at]
    if ytd.any() and "earned" in rows.columns:  # the year so far less what the closes paid of it
        months = np.array([PERIOD_MONTHS[r.measurement] for r in of])[at]
        closed = since_year % months == 0  # the month before ended a window: its payout was paid
        paid = rows.get("paid_before", 0.0) + np.where(closed, rows.get("payout", 0.0), 0.0)
        rows = rows.assign(earned=rows["earned"] - np.where(ytd, paid, 0.0))
    ids = {p.name: p.id for p in section.plans}
    plan_id = pd.Series(plan_of[runs_on]).map(lambda name: ids.get(name, "")).to_numpy()
    rows = rows[runs_on]
    if rows.empty:
        return _no_window(by_plan)
    rows = rows.assign(
        due=np.where(ends_now[runs_on], rows["earned"] if "earned" in rows.columns else 0.0, 0.0)
    )
    keys = [rows["rep"].astype(str).rename("rep"), pd.Series(plan_id, index=rows.index, name="plan")]
    per_plan = rows.groupby(keys, observed=True)[[*columns, "due"]].sum().astype(float)
    if by_plan:
        return per_plan
    per_rep = per_plan.groupby(level="rep").sum()  # over role plans
    if "plan" in statements.columns:  # each plan's own window beside the sums (`RuleHistory.window_plans`)
        own = per_plan[[c for c in ("sales", "quota") if c in per_plan.columns]].unstack(
            "plan", fill_value=0.0
        )
        own.columns = [f"{measure}:{plan}" for measure, plan in own.columns]
        per_rep = per_rep.join(own)
    return per_rep.rename_axis("rep")


def _no_window(by_plan: bool = False) -> pd.DataFrame:
    """`window_so_far` where no window runs on into the month."""
    empty = pd.DataFrame(columns=["earned", "sales", "quota", "due"], dtype=float)
    if by_plan:
        return empty.set_index(pd.MultiIndex.from_arrays([[], []], names=["rep", "plan"]))
    return empty.rename_axis("rep")


def earned_in_window(
    section: IncentivesSection, earned: pd.DataFrame, month: str, fiscal_year_start: int = 1
) -> pd.Series:
    """Per rep (money), what their statements earned in the months of their own measurement window before
    `month` (`window_so_far`'s `earned`): what the close of the window's last month pays and tops a draw
    up against."""
    return window_so_far(section, earned, month, fiscal_year_start)["earned"].rename("earned")


@dataclass(frozen=True)
class DesignOutcome:
    """One plan design paid on the simulated draws: total cost per draw and its summary.

    `parts` (with a `RuleHistory`) holds each rule's total per draw: `collections`, `deal_kicker`,
    `new_logo` (inside the commission), `clawback` (recovered, ≤ 0), `deferred` (a quarterly or yearly plan's
    month earned before its window's end: a cost, paid at the end), `window_paid` (at the window's end, its
    earlier months' commission paid now), `guarantee` (a cost), `advance` and
    `recovery` (a recoverable draw's cash out and back), `held` (paid at the release instead of now),
    `released`, `team_override` (managers' overrides, inside the commission), `forfeited` (leavers' held
    commission never paid, ≤ 0), `written_off` (leavers' draw balance never recovered), on a carry-forward
    plan `result_carried` and `result_recovered` (a commission result below 0 paid 0, and the one carried
    earlier this year taken back: the statements' carry, inside the commission) and `negative_carried` and
    `negative_recovery` (a total below 0 after clawbacks and draws paid 0, and the ledger's negative
    balance taken back: cash, not cost), `negative_forgiven` (at the fiscal year's last close of a plan that
    forgives, the negative balance still owed after it: never recovered, a cost), and `paid_now` (the cash
    the period pays).
    """

    name: str
    cost: np.ndarray  # (draws,) total payout over all reps
    parts: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return float(np.median(self.cost))

    @property
    def p90(self) -> float:
        return float(np.percentile(self.cost, 90))


def _plan_groups(reps: pd.Index, section: IncentivesSection, month: str | None):
    """(rules, rep positions, share, plan id) for each plan the simulated reps are on in `month`, under its version in
    force then: a rep moved between plans inside the month is in each, with the share of the month's days
    spent on it (`role_plans.plan_shares`), as a close prorates their sales and quota between the two (share
    None: every rep of the group wholly on it). Without role plans (or a month), one group."""
    if not section.plans or month is None:
        return [(section.without_role_plans() if section.plans else section, np.arange(len(reps)), None, "")]
    from salesplan_widgets.model.role_plans import EVERYONE, plan_shares

    names = [str(r) for r in reps]
    shares = plan_shares(section, names, pd.PeriodIndex([month], freq="M"))
    position = pd.Series(np.arange(len(reps)), index=names)
    on_some_plan = position.index.isin(shares["rep"])
    shares = pd.concat(  # (a rep no row names: the section's own rules, wholly)
        [shares, pd.DataFrame({"plan": EVERYONE, "rep": position.index[~on_some_plan], "share": 1.0})],
        ignore_index=True,
    )
    groups = []
    for plan, rows in shares.groupby("plan", sort=False):  # over the workbook's few plans
        rules = section.without_role_plans() if plan == EVERYONE else section.rules_in_force(plan, month)
        if rules is None:  # before a plan's first version its reps earn nothing from it
            continue
        share = rows["share"].to_numpy(dtype=float)
        groups.append(
            (rules, position[rows["rep"].astype(str)].to_numpy(), None if (share == 1).all() else share, plan)
        )
    return groups


PARTS = ("collections", "deal_kicker", "new_logo", "team_override", "result_carried", "result_recovered",
         "clawback", "deferred", "window_paid", "guarantee", "advance", "recovery", "held", "released",
         "forfeited", "written_off", "negative_carried", "negative_recovery", "negative_forgiven", "paid_now")  # fmt: skip


def with_managers(simulation: Simulation, section: IncentivesSection) -> Simulation:
    """The simulation with each `hierarchy` manager who is not simulated added with no sales and no quota
    of their own: a manager paid an override (or on a plan of their own) on the team's sales costs money
    even without a quota."""
    missing = [
        m for m in dict.fromkeys(h.manager for h in section.hierarchy) if m not in set(simulation.reps)
    ]
    if not missing:
        return simulation
    draws = len(simulation.sales)
    return dataclasses.replace(
        simulation,
        reps=simulation.reps.append(pd.Index(missing, name="rep")),
        quota=np.concatenate([simulation.quota, np.zeros(len(missing))]),
        sales=np.concatenate([simulation.sales, np.zeros((draws, len(missing)))], axis=1),
    )


def _managers_who_do_not_sell(
    simulation: Simulation, section: IncentivesSection, rules: RuleHistory
) -> Simulation:
    """A manager who booked nothing of their own in the history sells nothing in the draws either (a rep
    without history is otherwise drawn at the median rep's level): they are paid on their team's sales."""
    if rules.sells is None or not section.hierarchy:
        return simulation
    idle = simulation.reps.astype(str).isin([h.manager for h in section.hierarchy]) & ~rules.sells
    if not idle.any():
        return simulation
    return dataclasses.replace(simulation, sales=simulation.sales * ~idle[None, :])


@dataclass(frozen=True)
class TeamCredit:
    """A chunk of draws' team credit for the managers (`incentives.hierarchy`), per draw × rep: the team's
    sales paid on the manager's own plan (`own_plan`), those paid at an override rate per entry
    (`override`: each manager's overrides at their rates, in money, summed over their entries), and the
    override given back on returns (`override_back`)."""

    own_plan: np.ndarray  # (draws, reps)
    override: np.ndarray  # (draws, reps)
    override_back: np.ndarray  # (draws, reps)


@dataclass(frozen=True)
class _SparseShares:
    """A (rows, columns) matrix with few nonzero cells (a rep sells in one team or two, a manager leads a
    team or two), applied to (draws, rows) as gathers and sums: dense BLAS products of the same figures
    spin threads on a shared machine for no gain."""

    rows: np.ndarray
    weights: np.ndarray
    starts: np.ndarray  # where each nonzero column's cells begin (cells sorted by column)
    columns: np.ndarray  # the nonzero columns
    width: int

    @classmethod
    def of(cls, matrix: np.ndarray) -> _SparseShares:
        cols, rows = np.nonzero(matrix.T)  # sorted by column
        columns, starts = np.unique(cols, return_index=True)
        return cls(rows, matrix[rows, cols], starts, columns, matrix.shape[1])

    def apply(self, values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """values @ matrix, written into `out`'s columns (a new zero array without one)."""
        out = np.zeros((len(values), self.width)) if out is None else out
        if len(self.rows):
            out[:, self.columns] = np.add.reduceat(values[:, self.rows] * self.weights, self.starts, axis=1)
        return out


@dataclass(frozen=True)
class TeamShares:
    """Who is credited with whose draws (`incentives.hierarchy`), worked out once per design: the share of
    each rep's sales credited to each entry (and of them returned within the window), each entry's manager,
    and its override rate (NaN: the manager's own plan pays on the team's sales)."""

    sold: _SparseShares  # reps → entries
    returned: _SparseShares  # reps → entries
    manager: _SparseShares  # entries → reps: 1 where the rep is the entry's manager
    rate: np.ndarray  # (entries,)

    @classmethod
    def of(cls, section: IncentivesSection, history: RuleHistory, reps: pd.Index) -> TeamShares:
        sold, returned = history.team_matrix(section), history.team_matrix(section, returned=True)
        return cls.of_matrices(section, reps, sold, returned)

    @classmethod
    def of_teams(cls, section: IncentivesSection, simulation: Simulation) -> TeamShares:
        """Without a `RuleHistory`: each rep's simulated sales in their latest team (`Simulation.teams`),
        nothing returned."""
        reps = simulation.reps
        table = None
        if simulation.teams is not None:
            table = simulation.teams.reindex(index=reps.astype(str)).fillna(0.0)
        sold = entry_matrix(table, reps, section)
        return cls.of_matrices(section, reps, sold, np.zeros_like(sold))

    @classmethod
    def of_matrices(
        cls, section: IncentivesSection, reps: pd.Index, sold: np.ndarray, returned: np.ndarray
    ) -> TeamShares:
        entries = np.array([h.manager for h in section.hierarchy], dtype=object)
        names = reps.astype(str).to_numpy()
        return cls(
            sold=_SparseShares.of(sold),
            returned=_SparseShares.of(returned),
            manager=_SparseShares.of((entries[:, None] == names[None, :]).astype(float)),
            rate=np.array(
                [np.nan if h.override_rate is None else h.override_rate for h in section.hierarchy]
            ),
        )

    def credit(self, measured: np.ndarray, sales: np.ndarray, into: TeamCredit | None = None) -> TeamCredit:
        """Each manager credited with the chunk's simulated sales of their team, as the ledger credits them:
        the members' draws × their share owned in the team (margin plans: their measured margin). `into`:
        the previous chunk's arrays, whose only nonzero columns (the managers') are overwritten."""
        if into is None or into.own_plan.shape != sales.shape:
            into = TeamCredit(*(np.zeros_like(sales) for _ in range(3)))
        if not len(self.rate):
            return into
        team = self.sold.apply(measured)  # (draws, entries)
        own, rate = np.isnan(self.rate), np.nan_to_num(self.rate)
        self.manager.apply(team * own, into.own_plan)
        self.manager.apply(team * rate, into.override)
        self.manager.apply(self.returned.apply(sales) * rate, into.override_back)
        return into


@dataclass(frozen=True)
class _Window:
    """A plan group's measurement window before the simulated month (`RuleHistory.window_sales` …): what
    its statements measured (sales as measured, quota, the rules' inputs for as much sales) and what the
    plan earns on that alone (`total`, and the rules paid beside a rate, `extra`: (1, reps) each), so the
    month's earnings are those of the window with it less those without."""

    measured: np.ndarray  # (reps,)
    quota: np.ndarray  # (reps,)
    inputs: dict[str, np.ndarray]
    total: np.ndarray
    extra: dict[str, np.ndarray]


def _window_so_far(
    plan_rules, plan, measure: str, history: RuleHistory, cols: np.ndarray, plan_id: str = ""
) -> _Window | None:
    """The window so far of the reps `cols` of a plan group (None where none of them is inside one: every
    month of a monthly plan, a quarter's first month): the group's plan's own (`RuleHistory.window_plans`),
    so a rep moved from one quarterly plan to another is measured in each on its own days, as a close does;
    without it, the rep's window summed over plans."""
    if history.window_sales is None:
        return None
    sales, quota = history.window_sales[cols], history.window_quota[cols]
    if history.window_plans is not None:
        own = history.window_plans.reindex(columns=[f"sales:{plan_id}", f"quota:{plan_id}"], fill_value=0.0)
        sales, quota = own.to_numpy().T[0][cols], own.to_numpy().T[1][cols]
    inside = (sales != 0) | (quota != 0)
    if not inside.any():
        return None
    raw = sales  # the rules beside the rate read sales as booked, a margin plan's window is margin
    if measure == "margin":
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = np.nan_to_num(sales / (1.0 - history.cost_ratio[cols]))
    _measured, inputs = _rule_inputs(plan_rules, measure, history, cols, raw[None, :])
    alone = earn(plan, sales[None, :], quota, team_sales=np.zeros((1, len(sales), 1)), **inputs)
    extra = {k: np.where(inside, v.sum(-1), 0.0) for k, v in alone.extra.items() if np.ndim(v) == 3}
    return _Window(sales, quota, inputs, np.where(inside, alone.total, 0.0), extra)


def _pays(
    section: IncentivesSection, reps: pd.Index, month: str | None, fiscal_year_start: int = 1
) -> np.ndarray | bool:
    """(reps,) whether closing `month` ends each rep's own measurement window, by the plan of the month's
    last day (`role_plans.plans_on`), as a close settles their draw and the statements' window so far
    follows it (`window_so_far`): where it does, the window's earlier months are paid now. Without a month,
    every month pays."""
    if month is None:
        return True
    period = pd.Period(month, "M")
    pays = np.full(len(reps), ends_a_measurement_period(period, section.measurement, fiscal_year_start))
    if section.assignments:
        from salesplan_widgets.model.role_plans import EVERYONE, plans_on

        on = pd.Series(plans_on(section, reps.astype(str), period)).reindex(reps.astype(str)).fillna(EVERYONE)
        for plan in pd.unique(on.to_numpy()):  # the workbook's few plans
            rules = section if plan == EVERYONE else section.rules_in_force(plan, month) or section
            pays[(on == plan).to_numpy()] = ends_a_measurement_period(
                period, rules.measurement, fiscal_year_start
            )
    return pays


def _on_sales_at_window_rate(
    total: np.ndarray,
    off: np.ndarray | float,
    measured: np.ndarray,
    window: _Window | None,
    month: np.ndarray,
) -> np.ndarray:
    """(draws, reps) the month's pay on sales as a return of it is clawed back: at the rate the whole window
    paid on its sales (its pay on sales ÷ its measured sales, `model/clawbacks.py`: the period's blend) on
    the month's part of them, so a deal that lifted a quarter into its top tier comes back at the quarter's
    rate, not the top tier's. Without a window, the month's own pay on sales (`month` less `off`)."""
    if window is None:
        return month - off
    on_sales = np.clip(total - off, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(measured > 0, on_sales / measured, 0.0)
    return rate * (measured - window.measured)


def _part(values: np.ndarray, share: np.ndarray | None) -> np.ndarray:
    """A plan group's share of (…, reps) figures: all of them without a share (every rep wholly on it)."""
    return values if share is None else values * share


def _starts_a_window(rules, month: str | None, fiscal_year_start: int = 1) -> bool:
    """Whether `month` starts the measurement window of `rules` (every month of a monthly plan; a year-to-date
    plan's only at the fiscal year's start): its statement then measures the month alone."""
    if month is None:
        return False
    period = pd.Period(month, "M")
    into = (period - fiscal_year_first(period, fiscal_year_start)).n
    return into == 0 if rules.cumulative else into % PERIOD_MONTHS[rules.measurement] == 0


def _group_pays(rules, month: str | None, fiscal_year_start: int = 1) -> bool:
    """Whether closing `month` pays a plan group's share of the month: it ends the window its rules measure
    (a close pays a quarterly plan's share of a month at the quarter's end, `model/ledger.mid_window_plans`)."""
    return month is None or ends_a_measurement_period(
        pd.Period(month, "M"), rules.measurement, fiscal_year_start
    )


def _rule_inputs(
    plan_rules, measure: str, history: RuleHistory, cols: np.ndarray, sales: np.ndarray
) -> tuple[np.ndarray, dict]:
    """The measured sales (margin: sales less the cost ratio) and the per-rule inputs of `earn` for a chunk
    of draws: each rep's history per unit of sales times the draw's sales."""
    measured = sales * (1.0 - history.cost_ratio[cols]) if measure == "margin" else sales
    inputs = {}
    if plan_rules.collections is not None:
        edges, _rates = plan_rules.collections.bands()
        inputs["collected"] = sales[..., None] * history.collected_in_bands(np.array(edges, dtype=int))[cols]
    if plan_rules.deal_kicker is not None:
        at_least = plan_rules.deal_kicker.at_least
        inputs["kicker_sales"] = (sales * history.at_least(history.deal_value, at_least)[cols])[..., None]
        inputs["kicker_deals"] = (sales * history.at_least(history.deal_count, at_least)[cols])[..., None]
    if plan_rules.new_logo is not None:
        won = history.at_least(history.new_logos, plan_rules.new_logo.min_first_order)[cols]
        inputs["new_logos"] = (sales * won)[..., None]
    return measured, inputs


def clawed_back(
    earned: np.ndarray,
    returned: np.ndarray,
    off_sales: np.ndarray | float = 0.0,
    override_back: np.ndarray | float = 0.0,
    kicker_back: np.ndarray | float = 0.0,
    on_sales: np.ndarray | None = None,
    period_paid: np.ndarray | None = None,
) -> np.ndarray:
    """(draws, reps) what returns within the window recover of each draw's pay (≥ 0), as the ledger's
    clawback lines do: the share `returned` (reps,) of the pay earned at a rate on sales (`earned` less
    what is not: the override, the kicker, cash collected and new logos, `off_sales`; never below 0: a
    capped total pays no negative commission), the override given back on the team's returns, and the
    kicker taken back deal by deal (already capped at the kicker paid); in all never more than the period
    the draw is paid in paid the person (`period_paid`: a quarter's window so far with the month, which a
    month that added less than nothing still leaves to recover from; None: `earned`), as the ledger caps a
    paid period across its returned deals (`first_come`)."""
    on_sales = np.clip(earned - off_sales if on_sales is None else on_sales, 0.0, None)
    take = returned[None, :] * on_sales + override_back + kicker_back
    return np.minimum(take, np.clip(earned if period_paid is None else period_paid, 0.0, None))


def _settle(
    section: IncentivesSection,
    earned: np.ndarray,
    history: RuleHistory,
    draw: np.ndarray,
    recoverable: np.ndarray,
    in_force: np.ndarray,
    cap: np.ndarray,
    release_now: bool,
    off_sales: np.ndarray | float = 0.0,
    override_back: np.ndarray | float = 0.0,
    leaving: np.ndarray | float = 0.0,
    kicker_back: np.ndarray | float = 0.0,
    carry: np.ndarray | bool = False,
    ends: np.ndarray | bool = True,
    forgive: np.ndarray | bool = False,
    pays: np.ndarray | bool = True,
    gone: np.ndarray | bool = False,
    later: np.ndarray | None = None,
    clawable: np.ndarray | None = None,
    period_paid: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """A close's cash rules on (draws, reps) commission, in its order: clawback, holdback, draw, negative
    total (`carry`: (reps,) whether the plan carries one forward, `negative_balances.carries_negative`). A manager's
    override is clawed back on the team's returns at its rate (`override_back`), the rest of the commission
    on the rep's own credited returns at the rate paid; never more in all than the draw paid the person, as
    the ledger never recovers more than a person's paid period (`model/clawbacks.first_come`). Each rep leaves
    with probability `leaving` (reps,): the close is settled for a stayer and for a leaver and the two are
    weighted (the expected cash per draw). `ends` (reps,): whether the month ends the rep's own measurement
    period, the only month a close settles their draw in (`_draw_terms`); `forgive` (reps,): whether the
    close forgives what negative balance is still owed after it (`_forgives`). `pays` (reps,): whether the
    month ends the window of the plan the rep is simulated on (`_pays`): a close pays a window's commission
    at its end, so elsewhere the month's commission is earned (a cost) but paid later (`deferred`), and at
    the end the window's earlier months are paid with it (`window_paid`). `gone` (reps,): who left before
    the month (`_gone`): the draw balance they owed then was lost when they left, not again now. `later`
    (draws, reps): what plans whose window runs on earned of the month (a rep moved mid-month from a monthly
    plan to a quarterly one: the quarterly plan's share), paid at their window's end (`deferred`)."""
    clawback = -clawed_back(earned, history.returned, off_sales, override_back, kicker_back, clawable,
                            period_paid)  # fmt: skip
    # the statements' own carry: a commission result below 0 is paid 0 where the plan carries it forward,
    # and a result carried earlier this year is taken from the commission (commission lines: cost); a
    # year-to-date plan's true-up is the whole year's, which one simulated month does not model
    # mid-window a month's earnings may fall (a quarter's tier measured on more quota): only the window's
    # result at its end is carried, as its statement carries it
    whole = earned
    due = None  # the window so far the close pays now
    if history.window_earned is not None:
        due = history.window_due
        if due is None:
            due = np.where(pays, history.window_earned, 0.0)
        whole = earned + due[None, :]
    carried, recovered = _carried(whole, None if section.cumulative else history.result_carried, carry & pays)
    results = {"result_carried": carried, "result_recovered": -recovered, "clawback": clawback}
    commission = earned + clawback
    if np.ndim(carried) or np.ndim(recovered):
        commission += carried - recovered
    pay = commission
    if later is not None or not np.all(pays):  # mid-window: a closed period's clawback is paid now, the
        # month's earnings later (those of each plan whose own window runs on)
        later = np.where(pays, 0.0, earned) if later is None else later
        results["deferred"] = np.where(pays, 0.0, commission - clawback - earned) + later
        pay = commission - results["deferred"]
    if due is not None and np.any(due):
        results["window_paid"] = np.broadcast_to(due[None, :], pay.shape)
        pay = pay + results["window_paid"]
    terms = (draw, recoverable, in_force, cap, ends)
    stays = _close(section, commission, history, terms, release_now, False, carry, forgive, pay, gone)
    if not np.any(leaving):
        return {**results, **stays}
    leaves = _close(section, commission, history, terms, release_now, True, carry, forgive, pay, gone)
    p = np.broadcast_to(np.asarray(leaving, dtype=float), commission.shape[-1:])[None, :]
    return {**results, **{k: stays[k] + p * (leaves[k] - stays[k]) for k in stays}}


def _carried(total: np.ndarray, balance: np.ndarray | None, carry: np.ndarray | bool):
    """`negative_balances.carried_and_recovered` on (draws, reps) pay, `balance` (reps,) and `carry` (reps,);
    a part that is 0 on every draw is the scalar 0.0 (most plans, most months: no pay below 0, no balance),
    so that case costs one minimum over the chunk, not three arrays."""
    carrying = bool(np.any(carry)) and total.size > 0 and total.min() < 0
    owing = balance is not None and bool(np.any(balance > 0))
    if not (carrying or owing):
        return 0.0, 0.0
    owed = np.zeros(1) if balance is None else balance[None, :]
    carried, recovered = carried_and_recovered(total, owed, np.asarray(carry)[None, ...])
    return (carried if carrying else 0.0), (recovered if owing else 0.0)


def _close(
    section,
    commission,
    history,
    terms,
    release_now,
    left: bool,
    carry=False,
    forgive=False,
    pay=None,
    gone=False,
):
    """Holdback, draw and negative total on a period's commission (after clawbacks) for reps who stay or
    (`left`) who leave in it, as `model/holdbacks.py`, `model/draws.py` and `model/negative_balances.py`
    close it: a leaver is held nothing more, and what is held is paid out or forfeited as the plan says; a
    recoverable draw balance they still owe after this period is never recovered (a cost). Last, where the
    plan carries a negative total forward (`carry`), a pay below 0 is paid 0 and carried, and a negative
    balance carried earlier is recovered from a positive pay: cash, not cost (the clawback or adjustment
    that made it was the cost's change), and a leaver's, like the ledger's, is still owed. The draw is
    topped up against the commission of the rep's whole measurement window (`RuleHistory.window_earned`
    beside the month's), and settled only in a month that ends it (`terms`: `_draw_terms`). At the fiscal
    year's last close of a plan that forgives (`forgive`), the negative balance still owed after it is
    forgiven: never recovered, so a cost (as a leaver's draw balance), where the ledger writes its
    `negative_forgiven` line; a leaver's balance, otherwise, the ledger keeps as owed, and so does this.
    `pay`: the commission the close pays now (`_settle`: the window's, at its end; None: `commission`), on
    which the holdback is taken and the draw topped up; `commission` stays the cost, as it is earned. A
    leaver's draw balance is lost once, in the month they leave: for those `gone` before it, only what this
    close advances less what it recovers (the ledger still tops a leaver's draw up to its end date)."""
    draw, recoverable, in_force, cap, ends = terms
    rule = section.holdback
    before = np.broadcast_to(history.held[None, :], commission.shape)
    nothing = np.zeros_like(commission)
    held, released, forfeited = nothing, nothing, nothing
    pay = commission if pay is None else pay
    if rule is not None and not (release_now or left):
        held = rule.share * np.clip(pay, 0.0, None)
    if rule is not None and left:
        released, forfeited = (before, nothing) if rule.on_leaving == "pay" else (nothing, before)
    elif release_now:
        released = before
    paid = pay - held + released
    due = paid  # the window's whole commission at its end (`pay`)
    top_up = np.where(in_force, np.clip(draw - due, 0.0, None), 0.0)
    room = np.where(ends, np.clip(due - np.where(in_force, draw, 0.0), 0.0, None), 0.0)
    owed = np.clip(history.draw_balance, 0.0, None)[None, :]
    recovery = np.minimum(np.minimum(owed, cap[None, :]), room)
    advance = np.where(recoverable, top_up, 0.0)
    written_off = np.where(gone, 0.0, owed) + advance - recovery if left else nothing
    total = paid + top_up - recovery
    carried, recovered = _carried(total, history.negative_balance, carry)
    forgiven = 0.0
    if np.any(forgive):  # the year's end: what is still owed after this close is forgiven
        owed_before = 0.0 if history.negative_balance is None else history.negative_balance[None, :]
        forgiven = np.where(forgive, np.clip(owed_before + carried - recovered, 0.0, None), 0.0)
    return {
        "guarantee": np.where(recoverable, 0.0, top_up),
        "advance": advance,
        "recovery": -recovery,
        "held": held,
        "released": released,
        "forfeited": -forfeited,
        "written_off": written_off,
        "negative_carried": carried,
        "negative_recovery": -recovered,
        "negative_forgiven": forgiven,
        "paid_now": total + carried - recovered if np.ndim(carried) or np.ndim(recovered) else total,
        "cost": commission + np.where(recoverable, 0.0, top_up) - forfeited + written_off + forgiven,
    }


def _leaving(section: IncentivesSection, rules: RuleHistory, reps: pd.Index, month: str | None) -> np.ndarray:
    """(reps,) each rep's chance of leaving in `month`: certain for those the plan's relief says have left
    by its end (as a close reads it), the history's monthly rate for everyone else."""
    from salesplan_widgets.model.holdbacks import leavers_by

    leaving = np.full(len(reps), rules.monthly_leaving)
    if month is not None and section.relief:
        leaving[reps.astype(str).isin(list(leavers_by(section.relief, pd.Period(month, "M"))))] = 1.0
    return leaving


def _gone(section: IncentivesSection, reps: pd.Index, month: str | None) -> np.ndarray | bool:
    """(reps,) who the plan's relief says had left before `month` began, as the close of the month before
    read it: their held commission and draw balance were settled in the month they left."""
    from salesplan_widgets.model.holdbacks import leavers_by

    if month is None or not section.relief:
        return False
    return reps.astype(str).isin(list(leavers_by(section.relief, pd.Period(month, "M") - 1)))


def _carries(section: IncentivesSection, reps: pd.Index, month: str | None) -> np.ndarray:
    """(reps,) whether each rep's plan in `month` carries a negative total forward, as a close reads it on
    the month's last day (without a month: the section's own rule)."""
    if month is None:
        return np.full(len(reps), section.negative == "carry_forward")
    return carries_negative(section, reps.astype(str), pd.Period(month, "M")).to_numpy(dtype=bool)


def _forgives(
    section: IncentivesSection, reps: pd.Index, month: str | None, fiscal_year_start: int = 1
) -> np.ndarray | bool:
    """(reps,) whether closing `month` forgives each rep's negative balance still owed: the fiscal year's
    last month, where the rep's plan on its last day says `forgive_negative: year_end` (False elsewhere)."""
    if month is None or pd.Period(month, "M").month % 12 + 1 != fiscal_year_start:
        return False
    versions = [v for p in section.plans for v in p.versions]  # the workbook's few plans
    if section.forgive_negative != "year_end" and all(v.forgive_negative != "year_end" for v in versions):
        return False
    return forgives_negative(section, reps.astype(str), pd.Period(month, "M")).to_numpy(dtype=bool)


def _draw_terms(
    section: IncentivesSection,
    reps: pd.Index,
    month: str | None,
    fiscal_year_start: int = 1,
    owing: np.ndarray | None = None,
) -> tuple[np.ndarray, ...]:
    """Per rep: the draw in force in `month`, whether recoverable, whether in force, the recovery cap, and
    whether `month` ends the rep's own measurement period (`ends`). As a close (`model/ledger._draws`), a
    draw tops up once per the rep's own period: a month that closes for others (a monthly role plan in a
    quarterly workbook) neither tops up nor recovers the draw of a rep whose period runs on, and the cap is
    that of the draws owed this month. `owing` (reps,): whose draw balance a close may recover."""
    n = len(reps)
    draw, recoverable, in_force, cap = np.zeros(n), np.ones(n, bool), np.zeros(n, bool), np.full(n, np.inf)
    ends = np.ones(n, bool)
    if month is None:
        return draw, recoverable, in_force, cap, ends
    position = pd.Series(np.arange(n), index=reps.astype(str))
    draws = draws_of(section)
    period = pd.Period(month, "M")
    if section.plans or section.assignments:  # each rep's own: the few with a draw or a balance
        from salesplan_widgets.model.role_plans import rules_by_rep

        concerned = {d.rep for d in draws} & set(position.index)
        if owing is not None:
            concerned |= set(position.index[np.asarray(owing, dtype=bool)])
        rules = rules_by_rep(section, sorted(concerned), period)
        for rep, rep_rules in rules.items():  # the few reps with a draw or a balance
            ends[position[rep]] = ends_a_measurement_period(period, rep_rules.measurement, fiscal_year_start)
    else:  # everyone on the section's measurement (a quarterly workbook closes no January)
        ends[:] = ends_a_measurement_period(period, section.measurement, fiscal_year_start)
    draws = [d for d in draws if d.rep not in position.index or ends[position[d.rep]]]
    for d in sorted(draws, key=lambda d: d.start):  # own and role-plan draws, latest begun last
        i = position.get(d.rep)
        if i is None or d.start > month:
            continue
        if d.recovery_cap is not None:
            cap[i] = d.recovery_cap
        if d.start <= month <= d.end:
            draw[i], recoverable[i], in_force[i] = d.amount, d.kind == "recoverable", True
    return draw, recoverable, in_force, cap, ends


def payout_cost(
    simulation: Simulation,
    section: IncentivesSection,
    name: str = "",
    month: str | None = None,
    rules: RuleHistory | None = None,
    fiscal_year_start: int = 1,
) -> DesignOutcome:
    """Total payout per draw under `section` (base-rate slices only: no SPIFs or milestones).

    With role plans and a `month` (YYYY-MM), each rep is paid under the version in force then of each plan
    they are on in that month, on its share of the month's days (sales and quota prorated, as a close
    does), each plan's share paid in that plan's own window. With `rules` (see `rule_history`), the cost
    includes cash collected, margin, deal kickers and new logos, clawbacks and guarantees, and `parts` says
    what each adds and what is paid now or later (holdbacks, draws in force in `month`).
    """
    from salesplan_widgets.model.holdbacks import releases_in

    teamwork = rules is not None or bool(section.hierarchy)
    if teamwork:  # managers earn on their team's draws, with or without a quota of their own
        simulation = with_managers(simulation, section)
    if rules is not None:
        rules = rules.for_reps(simulation.reps)
        simulation = _managers_who_do_not_sell(simulation, section, rules)
    everyone = np.arange(len(simulation.reps))
    plan_groups = _plan_groups(simulation.reps, section, month)
    groups = [  # (a group of every rep in order takes them as a slice: views, not copies, of each chunk)
        (rules_, compile_plan(rules_), slice(None) if np.array_equal(cols, everyone) else cols, share)
        for rules_, cols, share, _id in plan_groups
    ]
    if teamwork:  # overrides come in money per manager (`TeamCredit.override`): paid at rate 1,
        # so `earn` caps them like any line without a draws × reps × entries array
        groups = [
            (
                r,
                dataclasses.replace(plan, extra={**plan.extra, "team_override_rate": np.ones(1)}),
                cols,
                share,
            )
            for r, plan, cols, share in groups
        ]
    cost = np.zeros(len(simulation.sales))
    parts = {p: np.zeros(len(cost)) for p in PARTS} if rules is not None else {}
    carry = _carries(section, simulation.reps, month)  # a result or total below 0 is carried, not paid
    # the fiscal year's last month, where the plan forgives what is still owed then
    forgive = _forgives(section, simulation.reps, month, fiscal_year_start)
    team, shares = None, None
    if rules is None and teamwork:  # each rep's draws in their latest team (`Simulation.teams`)
        shares = TeamShares.of_teams(section, simulation)
    if rules is not None:
        draw, recoverable, in_force, cap, ends = _draw_terms(
            section, simulation.reps, month, fiscal_year_start, rules.draw_balance > 0
        )
        leaving = _leaving(section, rules, simulation.reps, month)
        gone = _gone(section, simulation.reps, month)
        shares = TeamShares.of(section, rules, simulation.reps)
        kicker_unit = [  # per group: the kicker its returns take back per unit of sales (None: no kicker)
            None if (k := r.deal_kicker) is None else rules.kicker_back(k.at_least, k.rate, k.bonus)[cols]
            for r, _plan, cols, _share in groups
        ]
        windows = [  # a group whose window starts this month (a monthly plan's) measures the month alone
            None if _starts_a_window(r, month, fiscal_year_start) else _window_so_far(r, plan, section.measure,
                                                                                      rules, cols, plan_id)
            for (r, plan, cols, _share), (*_x, plan_id) in zip(groups, plan_groups, strict=True)
        ]  # fmt: skip
        pays = _pays(section, simulation.reps, month, fiscal_year_start)
        blended = any(w is not None for w in windows) and bool(np.any(rules.returned))
        group_pays = [_group_pays(r, month, fiscal_year_start) for r, *_x in groups]
        release_now = (
            month is not None
            and section.holdback is not None
            and releases_in(pd.Period(month, "M"), section.holdback, fiscal_year_start)
        )
    for start in range(0, len(cost), CHUNK):  # chunks of draws keep memory bounded; all reps at once
        chunk = simulation.sales[start : start + CHUNK]
        if rules is None:
            team = shares.credit(chunk, chunk, team) if shares is not None else None
            for _rules, plan, cols, share in groups:  # the workbook's few plans
                team_in = (
                    {} if team is None else {"team_sales": _part(team.override[:, cols], share)[..., None]}
                )
                sales = chunk[:, cols] if team is None else chunk[:, cols] + team.own_plan[:, cols]
                total = earn(plan, _part(sales, share), _part(simulation.quota[cols], share), **team_in).total
                cost[start : start + CHUNK] += np.where(carry[cols], np.maximum(total, 0.0), total).sum(1)
            continue
        measured = chunk * (1.0 - rules.cost_ratio) if section.measure == "margin" else chunk
        team = shares.credit(measured, chunk, team)
        earned = np.zeros_like(chunk)
        override = np.zeros_like(chunk)
        off_sales = np.zeros_like(chunk)  # paid other than at a rate on sales (`model/ledger.OFF_SALES`)
        kicker_back = np.zeros_like(chunk)
        later = None  # earned by a plan whose window runs on: paid at its end (`deferred`)
        # the month's pay on sales at its window's blended rate, as a close claws a return back at the rate
        # the period it was paid for paid (None: every group measures the month alone, its own pay)
        clawable = np.zeros_like(chunk) if blended else None
        # what the period each group's month is paid in pays, the cap on its clawback (`first_come`): the
        # whole window so far with the month, not the month's part alone (None: the month's own pay)
        window_pay = np.zeros_like(chunk) if blended else None
        for (plan_rules, plan, cols, share), unit, window, now in zip(groups, kicker_unit, windows, group_pays,
                                                                      strict=True):  # fmt: skip
            sales = _part(chunk[:, cols], share)
            measured, inputs = _rule_inputs(plan_rules, section.measure, rules, cols, sales)
            quota = _part(simulation.quota[cols], share)
            if window is not None:  # measured on the window so far plus the month: the month adds the rest
                measured, quota = measured + window.measured, quota + window.quota
                inputs = {k: v + window.inputs[k] for k, v in inputs.items()}
            e = earn(plan, measured + _part(team.own_plan[:, cols], share), quota,
                     team_sales=_part(team.override[:, cols], share)[..., None], **inputs)  # fmt: skip
            month_earned = e.total if window is None else e.total - window.total
            earned[:, cols] += month_earned
            if not now:
                later = np.zeros_like(chunk) if later is None else later
                later[:, cols] += month_earned
            whole_off = 0.0  # the window's and month's pay other than at a rate on sales (`clawable`)
            if "team_override_amount" in e.extra:
                override[:, cols] += e.extra["team_override_amount"].sum(-1)
                if clawable is not None:
                    whole_off = whole_off + e.extra["team_override_amount"].sum(-1)
            for part, key in (("collections", "collected_amount"), ("deal_kicker", "kicker_amount"),
                              ("new_logo", "new_logo_amount")):  # fmt: skip
                if key in e.extra:
                    amount = e.extra[key].sum(-1)
                    if clawable is not None:
                        whole_off = whole_off + amount
                    if window is not None:
                        amount = amount - window.extra[key]
                    off_sales[:, cols] += amount
                    parts[part][start : start + CHUNK] += amount.sum(1)
            if window_pay is not None:
                window_pay[:, cols] += e.total if window is not None else month_earned
            if clawable is not None:
                clawable[:, cols] += _on_sales_at_window_rate(
                    e.total, whole_off, measured + _part(team.own_plan[:, cols], share), window, month_earned
                )
            if unit is not None and "kicker_amount" in e.extra:  # deal by deal, never more than it paid
                paid = np.clip(e.extra["kicker_amount"].sum(-1), 0.0, None)
                kicker_back[:, cols] += np.minimum(sales * unit, paid)
        parts["team_override"][start : start + CHUNK] = override.sum(1)
        settled = _settle(section, earned, rules, draw, recoverable, in_force, cap, release_now,
                          off_sales + override, team.override_back, leaving, kicker_back, carry, ends,
                          forgive, pays, gone, later, clawable, window_pay)  # fmt: skip
        cost[start : start + CHUNK] = settled.pop("cost").sum(1)
        for part, values in settled.items():  # (a part 0 on every draw: the scalar 0.0, `_carried`)
            parts[part][start : start + CHUNK] = values.sum(1) if np.ndim(values) else 0.0
    return DesignOutcome(name=name, cost=cost, parts=parts)


def compare_designs(
    simulation: Simulation,
    designs: dict[str, IncentivesSection],
    month: str | None = None,
    rules: RuleHistory | None = None,
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Designs side by side on the same draws: share at quota, payout cost median and P90, cost of sales.

    `month` picks the role plans and versions in force (see `payout_cost`); with `rules`, each rule's
    median per draw is a column too (`PARTS`)."""
    revenue = float(np.median(simulation.sales.sum(1)))
    rows = []
    for name, section in designs.items():
        outcome = payout_cost(simulation, section, name, month, rules, fiscal_year_start)
        rows.append(
            {
                "design": name,
                "share_at_quota": simulation.share_at_quota,
                "cost_median": outcome.median,
                "cost_p90": outcome.p90,
                "cost_of_sales": outcome.median / revenue if revenue > 0 else np.nan,
                **{part: float(np.median(values)) for part, values in outcome.parts.items()},
            }
        )
    return pd.DataFrame(rows)

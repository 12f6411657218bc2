"""The plan's `incentives` section: the commission plan, bonuses, non-cash rewards and recognition.

Pure declarations with their consistency rules: an invalid plan (gapped or overlapping bands, a cap below
the threshold, crediting shares not summing to 100%) fails with a message naming the rule and the fix.
Every key has a default, so an empty section is a valid plan that pays nothing. Rates are fractions of
sales up to 1 (100%) and attainments fractions of quota up to 10 (1000%), so a percent written as a number
(`rate: 5`, `threshold: 50`) is refused with its fix. No file access here.

Example (rates and attainments are fractions: 0.05 = 5%, 1.0 = 100% of quota)::

    incentives:
      measurement: monthly          # monthly | quarterly | yearly
      cumulative: true              # year-to-date calculation, minus what was already paid
      negative: carry_forward       # or clawback
      commission:
        base_rate: 0.04
        overrides: [{segment: A, rate: 0.05}, {channel: offline, rate: 0.045}]
        tiers:
          basis: attainment         # or amount (money)
          mode: marginal            # or retroactive
          bands:                    # half-open: at_least <= x < below; the last band has no `below`
            - {at_least: 0.0, below: 1.0, rate: 0.04}
            - {at_least: 1.0, below: 1.5, rate: 0.06}
            - {at_least: 1.5, rate: 0.08}
        accelerators: [{at_least: 1.2, multiplier: 1.5}]      # a multiplier < 1 below 100% is a decelerator
        threshold: 0.5              # below 50% attainment nothing is paid
        caps: {attainment: 2.0, rate: 0.1, payout: 80000}
      target_incentive:             # for companies that pay a share of a target incentive instead
        amount: 10000
        curve: [{attainment: 0.5, payout: 0}, {attainment: 1.0, payout: 1.0}, {attainment: 1.5, payout: 2.0}]
      milestones: [{name: H1, by: 2026-06, share: 0.5, bonus: 5000}]
      spifs: [{name: Autumn push, product: Pumps, rate: 0.02, start: 2026-09, end: 2026-10}]
      rewards: [{name: Sales academy, kind: training, cost: 3000, metric: attainment, at_least: 1.2}]
      recognition:
        leaderboards: [{name: Top attainment, metric: attainment, top: 10}]
        badges: [{name: First to quota, rule: first_to_quota}, {name: On a roll, rule: streak, months: 3}]
      crediting:                    # owners' shares sum to 100%; overlays are credited on top
        - {rep: Wang Fang, segment: A, shares: {Wang Fang: 0.6, Li Wei: 0.4}, overlays: {Chen Jing: 1.0}}
        - {account: ACME, shares: {Li Wei: 0.5, Wang Fang: 0.5}}   # or per deal: {deal: D-17, ...}
      hierarchy: [{manager: Zhang Min, team: East, override_rate: 0.01}]   # no rate: on their own plan
      account_winner: {months: 12}  # a new account's sales credited to its winner for 12 months
      relief: [{rep: Zhao Lei, joined: 2026-10-12, reason: new hire}]
      plans:                        # plans by role, in dated versions; everyone else is on the rules above
        - id: kam
          name: Key-account manager
          versions:
            - {effective: 2026-01, commission: {base_rate: 0.05}}
            - {effective: 2026-07, commission: {base_rate: 0.06}, reason: H2 rates}
      assignments: [{rep: Li Wei, plan: kam, start: 2026-07-16}]   # promoted mid-July: prorated by days
      draws:                        # at least `amount` a period; recoverable top-ups are recovered later
        - {rep: Zhao Lei, kind: non_recoverable, amount: 6000, start: 2026-10, end: 2026-12, reason: ramp}
        - {rep: Chen Jie, kind: recoverable, amount: 5000, start: 2026-01, end: 2026-06, recovery_cap: 2000}
      clawback: {window_days: 90}   # a deal returned within 90 days of its sale: its commission recovered
      holdback: {share: 0.3, release: quarter, on_leaving: forfeit}   # 70% now, 30% at the quarter end
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_serializer, model_validator

from salesplan_widgets.i18n import _
from salesplan_widgets.schema.base import PlanModel

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
SHARE_TOLERANCE = 1e-9
MAX_RATE = 1.0  # a commission rate above 100% of sales is a typo for a percent (rate: 5 meant 5%)
MAX_ATTAINMENT = 10.0  # attainment above 1000% of quota is a typo for a percent (threshold: 50 meant 50%)


def _pct(value: float) -> str:
    return f"{value * 100:g}%"


def _at_most_100_percent(value: float) -> float:
    if value > MAX_RATE:
        raise ValueError(
            _(
                "rate rule: {value:g} would pay {pct} of sales (rates are fractions: 0.05 = 5%); "
                "fix: write {fixed:g} for {value:g}%"
            ).format(value=value, pct=_pct(value), fixed=value / 100)
        )
    return value


def check_attainment(value: float | None) -> float | None:
    """An attainment edge must be a fraction of quota: 50 is refused with the fix 0.5."""
    if value is not None and value > MAX_ATTAINMENT:
        raise ValueError(
            _(
                "attainment rule: {value:g} means {pct} of quota (attainment is a fraction: 1.0 = 100%); "
                "fix: write {fixed:g} for {value:g}%"
            ).format(value=value, pct=_pct(value), fixed=value / 100)
        )
    return value


# A rate: a fraction of sales from 0 to 1. An attainment: a fraction of quota from 0 to 10.
Rate = Annotated[
    float, Field(ge=0, json_schema_extra={"maximum": MAX_RATE}), AfterValidator(_at_most_100_percent)
]
Attainment = Annotated[
    float, Field(ge=0, json_schema_extra={"maximum": MAX_ATTAINMENT}), AfterValidator(check_attainment)
]


class Band(PlanModel):
    """One tier band: values x with at_least <= x < below earn `rate` (half-open, so edges are unambiguous)."""

    at_least: float = Field(0.0, ge=0, description="Lower edge, included (attainment fraction or money).")
    below: float | None = Field(None, description="Upper edge, excluded; omit on the last band (no limit).")
    rate: Rate = Field(0.0, description="Commission rate on sales in this band, e.g. 0.05 for 5%.")


class Tiers(PlanModel):
    basis: Literal["attainment", "amount"] = Field(
        "attainment", description="Band edges are attainment (actual ÷ quota) or sales amounts (money)."
    )
    mode: Literal["marginal", "retroactive"] = Field(
        "marginal",
        description="marginal: each band's rate on the sales inside it; "
        "retroactive: the rate of the highest band reached, on all sales.",
    )
    bands: list[Band] | None = Field(
        None, description="Contiguous bands from 0 upward; leave out to pay the base rate on all sales."
    )

    @model_validator(mode="after")
    def _contiguous(self) -> Tiers:
        if self.bands is not None and not self.bands:
            raise ValueError(
                _(
                    "tiers rule: the band list is empty, so the bands would pay nothing; "
                    "fix: add at least one band, or remove 'bands' to pay the base rate on all sales"
                )
            )
        bands = self.bands or []
        if self.basis == "attainment":
            for band in bands:
                check_attainment(band.at_least)
                check_attainment(band.below)
        for i, band in enumerate(bands, start=1):
            if band.below is not None and band.below <= band.at_least:
                raise ValueError(
                    _(
                        "tiers rule: band {i} must end above where it starts ({lo:g}); "
                        "fix: set its 'below' above {lo:g}"
                    ).format(i=i, lo=band.at_least)
                )
        if bands and bands[0].at_least != 0:
            raise ValueError(
                _(
                    "tiers rule: the first band must start at 0, not {lo:g} (sales below it would fall "
                    "through); fix: set band 1's 'at_least' to 0 and use 'threshold' for a minimum"
                ).format(lo=bands[0].at_least)
            )
        for i, (band, nxt) in enumerate(zip(bands, bands[1:], strict=False), start=1):
            if band.below is None:
                raise ValueError(
                    _(
                        "tiers rule: band {i} has no upper edge but band {j} follows it (they overlap); "
                        "fix: give band {i} 'below: {lo:g}' or remove band {j}"
                    ).format(i=i, j=i + 1, lo=nxt.at_least)
                )
            if nxt.at_least > band.below:
                raise ValueError(
                    _(
                        "tiers rule: gap between band {i} (below {hi:g}) and band {j} (from {lo:g}); "
                        "fix: set band {j}'s 'at_least' to {hi:g}"
                    ).format(i=i, j=i + 1, hi=band.below, lo=nxt.at_least)
                )
            if nxt.at_least < band.below:
                raise ValueError(
                    _(
                        "tiers rule: band {i} (below {hi:g}) overlaps band {j} (from {lo:g}); "
                        "fix: set band {j}'s 'at_least' to {hi:g}"
                    ).format(i=i, j=i + 1, hi=band.below, lo=nxt.at_least)
                )
        if bands and bands[-1].below is not None:
            raise ValueError(
                _(
                    "tiers rule: the last band ends at {hi:g}, so higher sales would fall through; "
                    "fix: remove 'below' from the last band"
                ).format(hi=bands[-1].below)
            )
        return self


class RateOverride(PlanModel):
    """A different commission rate for a slice of sales (the first matching override wins)."""

    segment: str | None = Field(None, description="Customer segment the rate applies to.")
    channel: str | None = Field(None, description="Channel the rate applies to.")
    product: str | None = Field(None, description="Product line the rate applies to.")
    rate: Rate = Field(0.0, description="The slice's rate: its sales earn it instead of the band rates.")

    @model_validator(mode="after")
    def _names_a_slice(self) -> RateOverride:
        if self.segment is None and self.channel is None and self.product is None:
            raise ValueError(
                _(
                    "rate override rule: an override must name a segment, channel or product; "
                    "fix: add one of them, or change base_rate instead"
                )
            )
        return self


class Accelerator(PlanModel):
    """A multiplier on the commission earned on sales whose attainment lies in [at_least, below)."""

    at_least: Attainment = Field(1.0, description="Attainment where the multiplier starts (included).")
    below: Attainment | None = Field(
        None, description="Attainment where it stops (excluded); omit for no end."
    )
    multiplier: float = Field(1.0, ge=0, description="Above 1 accelerates (e.g. 1.5), below 1 decelerates.")

    @model_validator(mode="after")
    def _range(self) -> Accelerator:
        if self.below is not None and self.below <= self.at_least:
            raise ValueError(
                _(
                    "accelerator rule: 'below' ({hi:g}) must be above 'at_least' ({lo:g}); "
                    "fix: raise 'below' or remove it"
                ).format(hi=self.below, lo=self.at_least)
            )
        return self


class Caps(PlanModel):
    attainment: Attainment | None = Field(None, gt=0, description="Sales above this attainment earn nothing.")
    rate: Rate | None = Field(
        None, gt=0, description="Highest effective commission rate (commission ÷ sales)."
    )
    payout: float | None = Field(None, gt=0, description="Most one rep can earn in one measurement period.")


class Commission(PlanModel):
    base_rate: Rate = Field(0.0, description="Commission rate when no band or override applies.")
    overrides: list[RateOverride] = Field(default_factory=list, description="Rates for named slices.")
    tiers: Tiers = Field(default_factory=Tiers)
    accelerators: list[Accelerator] = Field(
        default_factory=list, description="Accelerators (multiplier > 1) and decelerators (< 1)."
    )
    threshold: Attainment = Field(0.0, description="Attainment below which no commission is paid.")
    caps: Caps = Field(default_factory=Caps)

    @model_validator(mode="after")
    def _consistent(self) -> Commission:
        if self.caps.attainment is not None and self.caps.attainment <= self.threshold:
            raise ValueError(
                _(
                    "cap rule: the attainment cap ({cap}) is not above the threshold ({threshold}), so "
                    "nothing could ever be paid; fix: raise caps.attainment above {threshold} or lower "
                    "the threshold"
                ).format(cap=_pct(self.caps.attainment), threshold=_pct(self.threshold))
            )
        accelerating = [a.at_least for a in self.accelerators if a.multiplier > 1]
        if accelerating and self.threshold > min(accelerating):
            raise ValueError(
                _(
                    "threshold rule: the threshold ({threshold}) lies above the first accelerator ({start}), "
                    "so accelerated sales from {start} pay nothing until {threshold}; fix: lower the "
                    "threshold to {start} or less, or start the accelerator at {threshold}"
                ).format(threshold=_pct(self.threshold), start=_pct(min(accelerating)))
            )
        ranges = sorted(self.accelerators, key=lambda a: a.at_least)
        for a, b in zip(ranges, ranges[1:], strict=False):
            if a.below is None or a.below > b.at_least:
                raise ValueError(
                    _(
                        "accelerator rule: the ranges starting at {a} and {b} overlap; "
                        "fix: end the first with 'below: {bv:g}'"
                    ).format(a=_pct(a.at_least), b=_pct(b.at_least), bv=b.at_least)
                )
        return self


class CurvePoint(PlanModel):
    attainment: Attainment = Field(description="Attainment (1.0 = 100% of quota).")
    payout: float = Field(ge=0, description="Share of the target incentive paid there (1.0 = 100%).")


class TargetIncentive(PlanModel):
    """Pay a share of a target incentive read off a curve over attainment (linear between points)."""

    amount: float = Field(0.0, ge=0, description="Target incentive for one measurement period, at 100%.")
    curve: list[CurvePoint] = Field(
        default_factory=list,
        description="Points by rising attainment; nothing below the first, the last slope continues above.",
    )

    @model_validator(mode="after")
    def _rising(self) -> TargetIncentive:
        points = self.curve
        for i, (a, b) in enumerate(zip(points, points[1:], strict=False), start=1):
            if b.attainment <= a.attainment:
                raise ValueError(
                    _(
                        "payout curve rule: point {j} ({b}) must lie above point {i} ({a}); "
                        "fix: list the points by rising attainment, each once"
                    ).format(i=i, j=i + 1, a=_pct(a.attainment), b=_pct(b.attainment))
                )
        if self.amount > 0 and not points:
            raise ValueError(
                _("payout curve rule: a target incentive needs a curve; fix: add at least two points")
            )
        return self


class Milestone(PlanModel):
    """A bonus when cumulative fiscal-year sales reach a checkpoint by the end of `by`.

    The checkpoint is `share` of the year's quota, or without a share the rep's own cumulative target
    through `by`: the task splitter's milestone for that month (seasonal and ramped like their targets).
    """

    name: str
    by: str = Field(pattern=MONTH_PATTERN, description="Month the checkpoint is due, YYYY-MM.")
    share: float | None = Field(
        None,
        gt=0,
        description="Share of the fiscal year's quota to have sold, e.g. 0.5; omit to use the rep's "
        "cumulative target through `by` (the task splitter's milestone).",
    )
    bonus: float = Field(0.0, ge=0, description="Fixed bonus when met.")
    rate: Rate = Field(0.0, description="Or a rate on the cumulative sales when met.")


class Spif(PlanModel):
    """A sales push: an extra rate on one product, segment or channel, inside a window of months."""

    name: str
    rate: Rate = Field(description="Extra rate on the slice's sales in the window, e.g. 0.02 for 2%.")
    segment: str | None = None
    channel: str | None = None
    product: str | None = None
    start: str = Field(pattern=MONTH_PATTERN, description="First month of the window, YYYY-MM.")
    end: str = Field(pattern=MONTH_PATTERN, description="Last month of the window, YYYY-MM (included).")

    @model_validator(mode="after")
    def _window(self) -> Spif:
        if self.end < self.start:
            raise ValueError(
                _("SPIF rule: '{name}' ends ({end}) before it starts ({start}); fix: swap the months").format(
                    name=self.name, end=self.end, start=self.start
                )
            )
        return self


class Reward(PlanModel):
    """A non-cash reward (training place, team event …): the rule that earns it and what it costs."""

    name: str
    kind: Literal["training", "event", "trip", "gift", "other"] = "other"
    cost: float = Field(0.0, ge=0, description="Cost to the company of one reward.")
    metric: Literal["attainment", "sales"] = "attainment"
    at_least: float = Field(1.0, ge=0, description="Earned when the metric reaches this value.")


class Leaderboard(PlanModel):
    name: str
    metric: str = Field(
        "attainment",
        description="attainment, sales, growth, payout, new_accounts, ytd_new_accounts, or any metric column supplied.",
    )
    top: int = Field(10, ge=1)


class Badge(PlanModel):
    name: str
    rule: Literal["first_to_quota", "streak", "attainment"] = Field(
        "attainment",
        description="first_to_quota: earliest to 100% year to date; streak: `months` in a row at `level`; "
        "attainment: this period at `level`.",
    )
    level: Attainment = Field(1.0, gt=0, description="Attainment the rule asks for.")
    months: int = Field(3, ge=1, description="Months in a row, for a streak.")


class Recognition(PlanModel):
    leaderboards: list[Leaderboard] = Field(
        default_factory=lambda: [Leaderboard(name="Attainment", metric="attainment", top=10)]
    )
    badges: list[Badge] = Field(default_factory=list)


class CreditSplit(PlanModel):
    """Sales booked to `rep` (or on one account or deal; optionally only a segment/channel) credited in shares.

    The owners' `shares` sum to 100%; `overlays` (specialists, solution engineers) are credited on top, each
    with its own share of the same sales (usually 100%), so total credit may exceed 100% by design.
    """

    rep: str | None = Field(
        None, description="The rep whose booked sales are split; omit to split an account or deal."
    )
    account: str | None = Field(None, description="Only this account's sales (needs the account column).")
    deal: str | None = Field(None, description="Only this deal's sales (needs the deal column).")
    segment: str | None = None
    channel: str | None = None
    shares: dict[str, float] = Field(
        default_factory=dict,
        description="Owner -> share, e.g. {Wang: 0.6, Li: 0.4}; sums to 1. Omit to leave the booking rep 100%.",
    )
    overlays: dict[str, float] = Field(
        default_factory=dict,
        description="Overlay or specialist -> extra credit beside the owners, e.g. {Chen: 1.0} (100%).",
    )

    @model_validator(mode="after")
    def _hundred_percent(self) -> CreditSplit:
        who = self.rep or self.account or self.deal
        if who is None:
            raise ValueError(
                _("crediting rule: a split must name a rep, an account or a deal; fix: add one of them")
            )
        if any(v < 0 for v in self.shares.values()):
            raise ValueError(
                _(
                    "crediting rule: shares of {rep}'s sales cannot be negative; fix: use shares from 0 to 1"
                ).format(rep=who)
            )
        if not self.shares and not self.overlays:
            raise ValueError(
                _(
                    "crediting rule: the split of {rep}'s sales credits nobody; fix: add shares or overlays"
                ).format(rep=who)
            )
        if self.rep is None and not self.shares:
            raise ValueError(
                _(
                    "crediting rule: the owners of {rep}'s sales are not named; fix: add shares that sum to 1"
                ).format(rep=who)
            )
        total = sum(self.shares.values())
        if self.shares and not math.isclose(total, 1.0, abs_tol=SHARE_TOLERANCE):
            raise ValueError(
                _(
                    "crediting rule: shares of {rep}'s sales add up to {total}, not 100%; "
                    "fix: make the shares sum to 1"
                ).format(rep=who, total=f"{total * 100:g}%")
            )
        for name, value in self.overlays.items():
            if not 0 < value <= 1:
                raise ValueError(
                    _(
                        "crediting rule: overlay {name} on {rep}'s sales has credit {share}; overlays are "
                        "credited beside the owners, from above 0 to 1 (100%); fix: write a share such as 1.0"
                    ).format(name=name, rep=who, share=_pct(value))
                )
            if name in self.shares:
                raise ValueError(
                    _(
                        "crediting rule: {name} is both an owner and an overlay of {rep}'s sales; "
                        "fix: keep {name} in one of shares or overlays"
                    ).format(name=name, rep=who)
                )
        return self


class TeamCredit(PlanModel):
    """A team lead or manager credited with the sales of their team.

    With an `override_rate` they earn that rate on the team's sales as a line of its own (an override);
    without, the team's sales count as their own, so their own plan (quota, bands) pays on them.
    """

    manager: str = Field(description="The team lead or manager credited.")
    team: str = Field(description="The team whose sales they are credited with.")
    override_rate: Rate | None = Field(
        None,
        description="Rate on the team's sales, e.g. 0.01 for 1%; omit to pay the team's sales on their own plan.",
    )


class AccountWinner(PlanModel):
    """A new account credited to the rep who won it (the rep on its first sale, its first line above 0, as
    the new-logo bonus defines it): for `months` after the win, the account's sales booked by others are the winner's credit,
    instead of the booker's, or beside the booker's as an overlay."""

    months: int = Field(
        0, ge=0, le=120, description="Months after the win the winner is credited, e.g. 12; 0 turns it off."
    )
    overlay: bool = Field(
        False,
        description="false: the winner is credited instead of the booking rep; true: beside the booking rep "
        "(both credited, total credit above 100%).",
    )


class Relief(PlanModel):
    """Quota relief for a rep who joins or leaves mid-period: quota prorated by days active."""

    rep: str
    joined: dt.date | None = Field(None, description="First working day; earlier days carry no quota.")
    left: dt.date | None = Field(None, description="Last working day; later days carry no quota.")
    reason: str = ""

    @model_validator(mode="after")
    def _dates(self) -> Relief:
        if self.joined is None and self.left is None:
            raise ValueError(
                _("relief rule: relief for {rep} needs 'joined' or 'left'; fix: add the date").format(
                    rep=self.rep
                )
            )
        if self.joined and self.left and self.left < self.joined:
            raise ValueError(
                _("relief rule: {rep} leaves before joining; fix: check 'joined' and 'left'").format(
                    rep=self.rep
                )
            )
        return self


# -- cash collected (回款, issue 12) --------------------------------------------------------------------
class AgeingStep(PlanModel):
    """Cash received more than `after_days` after its invoice earns the rate × `factor` (not retroactive:
    cash received earlier on the same invoice keeps the rate it earned)."""

    after_days: int = Field(gt=0, description="Days after the invoice date, e.g. 90.")
    factor: float = Field(
        ge=0, le=1, description="Share of the rate paid on later cash, e.g. 0.5; 0 pays nothing."
    )


class Collections(PlanModel):
    """Commission on cash collected (回款) rather than on bookings: paid in the month the cash arrives."""

    rate: Rate = Field(description="Commission rate on cash collected, e.g. 0.03 for 3%.")
    ageing: list[AgeingStep] = Field(
        default_factory=list,
        description="Reduced rates for late cash, by rising days after the invoice, e.g. "
        "[{after_days: 90, factor: 0.5}, {after_days: 180, factor: 0}].",
    )

    @model_validator(mode="after")
    def _rising(self) -> Collections:
        days = [a.after_days for a in self.ageing]
        if days != sorted(set(days)):
            raise ValueError(
                _(
                    "collections rule: the ageing steps must be listed by rising days, each once ({days}); "
                    "fix: sort them by after_days"
                ).format(days=", ".join(str(d) for d in days))
            )
        return self

    def bands(self) -> tuple[list[int], list[float]]:
        """Age bands as (upper edges in days, rate of each band): [0, e1], (e1, e2], … (last, ∞)."""
        return [a.after_days for a in self.ageing], [
            self.rate,
            *(self.rate * a.factor for a in self.ageing),
        ]


# -- per-deal components (issue 12): computed on transactions, not on monthly totals ---------------------
class DealKicker(PlanModel):
    """An extra rate on every deal of at least `at_least` (a deal: the lines of one deal id, or of one
    invoice, or a single line when neither is mapped), paid in the month the deal was first booked."""

    at_least: float = Field(gt=0, description="Smallest deal that earns the kicker, in money, e.g. 100000.")
    rate: Rate = Field(0.0, description="Extra rate on the whole deal, e.g. 0.01 for 1%.")
    bonus: float = Field(0.0, ge=0, description="Or a fixed bonus per such deal.")


class NewLogo(PlanModel):
    """A bonus for every new account won: an account whose first sale (its first line above 0; a return
    wins nothing) falls in the period, paid to the rep on that sale."""

    bonus: float = Field(gt=0, description="Bonus per new account, e.g. 500.")
    min_first_order: float = Field(
        0.0,
        ge=0,
        description="Smallest first order (the account's lines on its first sale's day) that counts, e.g. 5000.",
    )


class Draw(PlanModel):
    """A draw against commission for one rep: each measurement period from `start` to `end` they are paid at
    least `amount`. A recoverable draw's top-up is an advance, recovered from later commission above the draw
    (at most `recovery_cap` a period); a non-recoverable draw is a guarantee (e.g. for a ramping rep's first
    three months) whose top-up is never recovered."""

    rep: str
    kind: Literal["recoverable", "non_recoverable"] = Field(
        "recoverable",
        description="recoverable: the top-up is an advance recovered from later commission; "
        "non_recoverable: a guarantee, never recovered.",
    )
    amount: float = Field(gt=0, description="The least paid in each measurement period of the window.")
    start: str = Field(pattern=MONTH_PATTERN, description="First month of the draw, YYYY-MM.")
    end: str = Field(pattern=MONTH_PATTERN, description="Last month of the draw, YYYY-MM (included).")
    recovery_cap: float | None = Field(
        None, gt=0, description="Most of a balance recovered from one period's commission; omit for no cap."
    )
    reason: str = Field("", description="Why the rep has a draw, e.g. new hire ramp.")

    @model_validator(mode="after")
    def _window(self) -> Draw:
        if self.end < self.start:
            raise ValueError(
                _(
                    "draw rule: {rep}'s draw ends ({end}) before it starts ({start}); fix: swap the months"
                ).format(rep=self.rep, end=self.end, start=self.start)
            )
        return self


class RoleDraw(Draw):
    """A draw or guarantee a role plan carries for every rep on the plan, in the months they are on it; a
    rep's own draw (`incentives.draws`) wins in the months it covers."""

    rep: str | None = Field(
        None, exclude=True, description="Leave out: a role plan's draw is for every rep on the plan."
    )

    @model_validator(mode="after")
    def _for_everyone(self) -> RoleDraw:
        if self.rep is not None:
            raise ValueError(
                _(
                    "draw rule: a role plan's draw is for every rep on the plan, not for {rep}; fix: remove "
                    "'rep', or move the draw to incentives.draws"
                ).format(rep=self.rep)
            )
        return self


class Clawback(PlanModel):
    """Commission on a deal returned or cancelled within `window_days` of its sale is recovered, at the rate
    paid for the period it was paid in; a later return recovers nothing. Deals are told apart by the sales
    source's `deal` column (a transaction or invoice id): without it returns reduce the period they are
    dated in, as before."""

    window_days: int = Field(ge=1, description="Days after the sale within which a return is clawed back.")


class Holdback(PlanModel):
    """Part of each period's commission held back and released at the end of the fiscal quarter or year;
    a rep who leaves forfeits what is held, or is paid it, as the plan says (leaving: a relief `left` date)."""

    share: float = Field(gt=0, le=1, description="Share of each period's commission held back, e.g. 0.3.")
    release: Literal["quarter", "year"] = Field(
        "quarter", description="Released in the last month of each fiscal quarter, or of the fiscal year."
    )
    on_leaving: Literal["forfeit", "pay"] = Field(
        "forfeit", description="What happens to the held amount when a rep leaves: forfeited, or paid out."
    )


class PlanRules(PlanModel):
    """How the reps on one plan are paid: the rules a plan version holds (and the single plan's own)."""

    measurement: Literal["monthly", "quarterly", "yearly"] = Field(
        "monthly",
        description="Length of one measurement (and payment) period; unset, quarterly on a quarterly calendar.",
    )
    cumulative: bool = Field(
        False, description="Calculate on fiscal year-to-date figures and deduct what was already paid."
    )
    negative: Literal["carry_forward", "clawback"] = Field(
        "carry_forward",
        description="A negative result: carried forward against later earnings, or clawed back (paid back).",
    )
    forgive_negative: Literal["never", "year_end"] = Field(
        "never",
        description="A negative balance carried forward and still owed when the fiscal year's last period "
        "closes: kept and recovered in later years (never), or forgiven then (year_end).",
    )
    commission: Commission = Field(default_factory=Commission)
    target_incentive: TargetIncentive | None = None
    milestones: list[Milestone] = Field(default_factory=list)
    spifs: list[Spif] = Field(default_factory=list)
    # -- cash collected (issue 12) --
    collections: Collections | None = Field(
        None, description="Commission on cash collected (回款), with ageing rules for late cash."
    )
    # -- per-deal components (issue 12) --
    deal_kicker: DealKicker | None = Field(None, description="An extra rate or bonus on large deals.")
    new_logo: NewLogo | None = Field(None, description="A bonus per new account won.")


class PlanVersion(PlanRules):
    """A plan's rules from an effective month on, until the next version (closed periods keep theirs)."""

    effective: str = Field(pattern=MONTH_PATTERN, description="First month the version is in force, YYYY-MM.")
    reason: str = Field("", description="Why the plan changed, for the statement and the audit trail.")


class RolePlan(PlanModel):
    """An incentive plan for one role (account executive, key-account manager …), in dated versions."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$", description="Short name the assignments use, e.g. kam.")
    name: str = Field(description="The plan's name on statements, e.g. Key-account manager.")
    versions: list[PlanVersion] = Field(min_length=1, description="Versions by rising effective month.")
    draws: list[RoleDraw] = Field(
        default_factory=list,
        description="Draws and guarantees for every rep on the plan while they are on it; a rep's own entry "
        "in incentives.draws overrides it.",
    )

    @model_validator(mode="after")
    def _rising(self) -> RolePlan:
        for a, b in zip(self.versions, self.versions[1:], strict=False):
            if b.effective <= a.effective:
                raise ValueError(
                    _(
                        "plan version rule: plan {plan}'s version effective {b} must come after {a}; "
                        "fix: list the versions by rising effective month, each month once"
                    ).format(plan=self.id, a=a.effective, b=b.effective)
                )
        return self

    @model_serializer(mode="wrap")
    def _omit_no_draws(self, handler):
        """A role plan without draws is written as before: no empty `draws:` key."""
        data = handler(self)
        if isinstance(data, dict) and not data.get("draws"):
            data.pop("draws", None)
        return data

    def in_force(self, month: str) -> PlanVersion | None:
        """The version in force in `month` (YYYY-MM); None before the first."""
        current = None
        for version in self.versions:  # a plan's few versions
            if version.effective <= month:
                current = version
        return current


class Assignment(PlanModel):
    """A rep on a role plan from `start` to `end` (both included); days outside are paid by the section's
    own rules. A mid-month change prorates that month's sales and quota by days."""

    rep: str
    plan: str = Field(description="The id of a plan in `plans`.")
    start: dt.date | None = Field(None, description="First day on the plan; omit for since always.")
    end: dt.date | None = Field(None, description="Last day on the plan; omit for no end.")

    @model_validator(mode="after")
    def _dates(self) -> Assignment:
        if self.start and self.end and self.end < self.start:
            raise ValueError(
                _(
                    "assignment rule: {rep}'s assignment to {plan} ends before it starts; fix: swap the dates"
                ).format(rep=self.rep, plan=self.plan)
            )
        return self


class IncentivesSection(PlanRules):
    """Settings of the incentives capability: how reps are paid, rewarded and recognised.

    The rules at the top are the plan for everyone; `plans` adds role plans (each with dated versions) and
    `assignments` puts reps on them for a stretch of days.
    """

    rewards: list[Reward] = Field(default_factory=list)
    recognition: Recognition = Field(default_factory=Recognition)
    crediting: list[CreditSplit] = Field(default_factory=list)
    relief: list[Relief] = Field(default_factory=list)
    provisional_growth: float = Field(
        0.1,
        description="Until a targets table exists, dashboards use last year's sales × (1 + this) as quota.",
    )
    plans: list[RolePlan] = Field(
        default_factory=list,
        description="Plans by role, each in dated versions; reps join them by assignment.",
    )
    assignments: list[Assignment] = Field(
        default_factory=list, description="Which rep is on which role plan, from when to when."
    )
    # -- crediting by hierarchy and other bases (issue 12) --
    measure: Literal["amount", "margin"] = Field(
        "amount",
        description="What the plan pays on and measures attainment by: sales amount, or gross margin "
        "(amount − cost, from the sales source's cost column; quotas then in margin).",
    )
    hierarchy: list[TeamCredit] = Field(
        default_factory=list,
        description="Team leads and managers credited with their team's sales (an override rate or their own plan).",
    )
    draws: list[Draw] = Field(
        default_factory=list,
        description="Draws against commission and guarantees, per rep; balances are kept in the ledger.",
    )
    account_winner: AccountWinner | None = Field(
        None,
        description="Credit a new account's sales to the rep who won it, for some months (needs the account "
        "column).",
    )
    clawback: Clawback | None = Field(
        None,
        description="Recover commission on deals returned within a window of days (needs a deal column).",
    )
    holdback: Holdback | None = Field(
        None, description="Hold back part of each period's commission until the quarter or year end."
    )

    def rule_sets(self) -> list[PlanRules]:
        """The rules in force somewhere: the section's own and each role plan's versions (what a rule that
        needs more of the data, cash or deal facts, is looked for in)."""
        return [self, *(v for p in self.plans for v in p.versions)]

    @model_validator(mode="after")
    def _assignments(self) -> IncentivesSection:
        ids = [p.id for p in self.plans]
        if len(set(ids)) != len(ids):
            raise ValueError(
                _("plan rule: two plans share an id; fix: give every plan its own id ({ids})").format(
                    ids=", ".join(ids)
                )
            )
        by_rep: dict[str, list[Assignment]] = {}
        for a in self.assignments:
            if a.plan not in ids:
                raise ValueError(
                    _(
                        "assignment rule: {rep} is assigned to {plan}, which is not a plan; fix: use one of {ids}"
                    ).format(rep=a.rep, plan=a.plan, ids=", ".join(ids) or "—")
                )
            by_rep.setdefault(a.rep, []).append(a)
        for rep, stretches in by_rep.items():
            stretches = sorted(stretches, key=lambda a: a.start or dt.date.min)
            for a, b in zip(stretches, stretches[1:], strict=False):
                if a.end is None or a.end >= (b.start or dt.date.min):
                    raise ValueError(
                        _(
                            "assignment rule: {rep} is on {a} and {b} at the same time; "
                            "fix: end the first assignment the day before the second starts"
                        ).format(rep=rep, a=a.plan, b=b.plan)
                    )
        windows: dict[str, list[Draw]] = {}
        for draw in sorted(self.draws, key=lambda d: d.start):  # a handful of draws
            earlier = windows.setdefault(draw.rep, [])
            if earlier and earlier[-1].end >= draw.start:
                raise ValueError(
                    _(
                        "draw rule: {rep} has two draws in {month}; fix: end the first draw before the second "
                        "starts"
                    ).format(rep=draw.rep, month=draw.start)
                )
            earlier.append(draw)
        return self

    @model_serializer(mode="wrap")
    def _omit_empty_role_plans(self, handler):
        """A plan without role plans is written as before: no empty `plans:`/`assignments:` keys."""
        data = handler(self)
        for key in ("plans", "assignments", "hierarchy", "draws", "clawback", "holdback", "account_winner"):
            if isinstance(data, dict) and not data.get(key):
                data.pop(key, None)
        if isinstance(data, dict) and data.get("measure") == "amount":  # the default: plans read as before
            data.pop("measure")
        return data

    def rules_in_force(self, plan: str, month: str) -> IncentivesSection | None:
        """Plan `plan`'s version in force in `month`, as a section with this one's workbook-wide parts
        (crediting, relief, rewards, recognition); None before its first version."""
        version = next(p for p in self.plans if p.id == plan).in_force(month)
        if version is None:
            return None
        rules = version.model_dump(exclude={"effective", "reason"})
        shared = self.model_dump(
            include={
                "rewards",
                "recognition",
                "crediting",
                "relief",
                "provisional_growth",
                "hierarchy",
                "measure",
                "account_winner",
            }
        )
        return IncentivesSection.model_validate(rules | shared)

    def without_role_plans(self) -> IncentivesSection:
        """The rules at the top: the plan for everyone not assigned to a role plan."""
        return self.model_copy(update={"plans": [], "assignments": []})

    @field_validator("crediting")
    @classmethod
    def _one_split_per_slice(cls, splits: list[CreditSplit]) -> list[CreditSplit]:
        seen = set()
        for split in splits:
            key = (split.rep, split.account, split.deal, split.segment, split.channel)
            if key in seen:
                raise ValueError(
                    _(
                        "crediting rule: {rep}'s sales are split twice for the same slice; "
                        "fix: keep one split per rep, segment and channel"
                    ).format(rep=split.rep)
                )
            seen.add(key)
        return splits

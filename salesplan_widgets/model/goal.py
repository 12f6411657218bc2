"""Target-setting methods on a baseline forecast, and how likely a target is.

Each method returns a `TargetProposal`: the total, its shape by month × the forecast's series (e.g.
segment × channel), the baseline it is measured against, the stretch it implies and its probability of
being reached at the current trend. Methods: growth over last year, forecast plus stretch, share of a
market (size and growth per segment), bottom-up from the reps' commits, and a blend of a top-down and the
bottom-up with a stated weight, whose gap is reported, not hidden.

Probability is a normal approximation: the horizon total is taken as normal with the forecast's mean and
the σ of its prediction interval, σ = (upper − lower) / (2·z), z the interval's normal quantile;
P(achieve T) = 1 − Φ((T − mean) / σ), and `target_for_probability` is its exact inverse. That σ is the
model's own unless past forecasts missed by more (`Forecast.total_sigma`: widened to the rolling-origin
backtest's errors, `Forecast.interval_reason` says which), so a stretch is not shown as hopeless merely
because the model is overconfident. Pure functions: no files, no widgets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.forecast import Forecast, z_value

GROWTH = "growth"
STRETCH = "stretch"
MARKET_SHARE = "market_share"
BOTTOM_UP = "bottom_up"
BLEND = "blend"
TARGET_METHODS = (GROWTH, STRETCH, MARKET_SHARE, BOTTOM_UP, BLEND)
TOP_DOWN_METHODS = (GROWTH, STRETCH, MARKET_SHARE)


def probability_of_achieving(target: float, mean: float, lower: float, upper: float, level: float) -> float:
    """P(total ≥ target) for a normal total with this mean and central `level` interval [lower, upper]."""
    sigma = (upper - lower) / (2 * z_value(level))
    if sigma <= 0:
        return 1.0 if mean >= target else 0.0
    return 1.0 - NormalDist(mean, sigma).cdf(target)


def implied_stretch(target: float, baseline: float) -> float:
    """How far the target reaches above the baseline forecast: target / baseline − 1."""
    return target / baseline - 1 if baseline > 0 else math.inf if target > 0 else 0.0


def forecast_probability(forecast: Forecast, target: float) -> float:
    """Probability the horizon total reaches `target` at the current trend (see module docstring)."""
    lower, upper = forecast.total_interval  # the calibrated width: see Forecast.interval_reason
    return probability_of_achieving(target, forecast.total, lower, upper, forecast.level)


@dataclass(frozen=True)
class TargetProposal:
    """A target: its total, monthly × series shape (`shape`: period, <dims>, target) and what it implies."""

    method: str
    total: float
    shape: pd.DataFrame
    baseline: float
    probability: float
    detail: Mapping[str, float] = field(default_factory=dict)

    @property
    def stretch(self) -> float:
        """How far the total reaches above the baseline: total / baseline − 1."""
        return implied_stretch(self.total, self.baseline)

    def by_period(self) -> pd.DataFrame:
        """The target per period (period, target), summed over the series."""
        return self.shape.groupby("period")["target"].sum().rename_axis("period").reset_index()

    def as_dict(self) -> dict:
        """Method, target, baseline, stretch, probability and the method's own figures, for reports."""
        return {
            "method": self.method,
            "target": self.total,
            "baseline": self.baseline,
            "stretch": self.stretch,
            "probability": self.probability,
            **{k: float(v) for k, v in self.detail.items()},
        }


def _proposal(forecast: Forecast, method: str, shape: pd.DataFrame, **detail: float) -> TargetProposal:
    shape = shape[["period", *forecast.by, "target"]].reset_index(drop=True)
    total = float(shape["target"].sum())
    return TargetProposal(
        method=method,
        total=total,
        shape=shape,
        baseline=forecast.total,
        probability=forecast_probability(forecast, total),
        detail=detail,
    )


def _keys(forecast: Forecast) -> list[str]:
    return ["period", *forecast.by]


def last_year_actuals(forecast: Forecast) -> pd.DataFrame:
    """Each horizon cell's actual a year earlier (same month, or same week of the year — the calendar's
    rule, so a 53rd week compares with the 52nd): period (the horizon period), <dims>, actual."""
    grid = forecast.monthly[_keys(forecast)]
    calendar = FiscalCalendar.of(None, grid["period"])
    year_ago = grid.assign(period=calendar.same_period_years_ago(grid["period"]))
    found = year_ago.merge(forecast.history, on=_keys(forecast), how="left")
    return grid.assign(actual=found["actual"].fillna(0.0).to_numpy())


def growth_target(forecast: Forecast, growth: float) -> TargetProposal:
    """Last year's same months × (1 + growth), cell by cell."""
    last_year = last_year_actuals(forecast)
    shape = last_year.assign(target=last_year["actual"] * (1 + growth))
    return _proposal(forecast, GROWTH, shape, growth=growth, last_year=float(last_year["actual"].sum()))


def stretch_target(forecast: Forecast, stretch: float) -> TargetProposal:
    """The baseline forecast × (1 + stretch), cell by cell."""
    shape = forecast.monthly.assign(target=forecast.monthly["forecast"] * (1 + stretch))
    return _proposal(forecast, STRETCH, shape, stretch_input=stretch)


@dataclass(frozen=True)
class MarketInput:
    """One segment's market over the same months last year, its growth, and the share aimed for.

    Without a share the company keeps its current share (last year's sales / last year's market).
    """

    size: float
    growth: float = 0.0
    share: float | None = None


def market_share_target(forecast: Forecast, markets: Mapping[str, MarketInput]) -> TargetProposal:
    """Per segment: market size × (1 + market growth) × share, shaped like the segment's forecast.

    Segments without a market input keep their baseline forecast (said in `detail`). `detail` also gives
    the share the company's own trend (its baseline forecast) would hold of the grown market.
    """
    if "segment" not in forecast.by:
        raise InputError(
            Problem(
                file="goal",
                column="by",
                expected=_("a forecast by segment for the market-share method"),
                fix=_("forecast by segment (the default) to use market sizes per segment"),
            )
        )
    last_year = last_year_actuals(forecast).groupby("segment")["actual"].sum()
    monthly = forecast.monthly
    segment_forecast = monthly.groupby("segment")["forecast"].transform("sum")
    weight = np.where(
        segment_forecast > 0,
        monthly["forecast"] / segment_forecast.where(segment_forecast > 0, 1.0),
        1.0 / monthly.groupby("segment")["forecast"].transform("size"),
    )
    totals: dict[str, float] = {}
    detail: dict[str, float] = {}
    for segment in monthly["segment"].unique():  # a handful of segments, each with its own market input
        market = markets.get(str(segment))
        if market is None:
            totals[segment] = float(monthly.loc[monthly["segment"] == segment, "forecast"].sum())
            detail[f"share_{segment}"] = math.nan
            continue
        share = (
            market.share
            if market.share is not None
            else (last_year.get(segment, 0.0) / market.size if market.size > 0 else 0.0)
        )
        totals[segment] = market.size * (1 + market.growth) * share
        detail[f"share_{segment}"] = share
        detail[f"market_{segment}"] = market.size * (1 + market.growth)
        # the company's own trend, seen against the market: the share the baseline forecast would hold
        baseline = float(monthly.loc[monthly["segment"] == segment, "forecast"].sum())
        grown = market.size * (1 + market.growth)
        detail[f"trend_share_{segment}"] = baseline / grown if grown > 0 else math.nan
    shape = monthly.assign(target=monthly["segment"].map(totals).to_numpy(dtype=float) * weight)
    return _proposal(forecast, MARKET_SHARE, shape, **detail)


def _share_within(values: pd.Series, frame: pd.DataFrame, within: list[str]) -> np.ndarray:
    """Each value's share of its group's total (equal shares where the group sums to nothing)."""
    if within:
        groups = frame.groupby(within, observed=True)[values.name]
        total, count = groups.transform("sum"), groups.transform("size")
    else:
        total = pd.Series(values.sum(), index=values.index)
        count = pd.Series(len(values), index=values.index)
    return np.where(total > 0, values / total.where(total > 0, 1.0), 1.0 / count)


def bottom_up_target(
    forecast: Forecast, commits: pd.DataFrame, reps: list[str] | None = None
) -> TargetProposal:
    """Sum of the reps' commits (rep, segment, channel, [period], commit) inside the forecast's scope.

    Commits without a month are spread over the horizon like the forecast of their cell (e.g. segment ×
    channel); commits finer or coarser than the forecast's series follow the forecast's shape too. Dated
    commits outside the horizon, and commits of segments or channels outside the scope, are left out.
    `reps` limits the commits to the scope's reps.
    """
    missing = [c for c in ("rep", "commit") if c not in commits.columns]
    if missing:
        raise InputError(
            Problem(
                file="commits",
                column=missing[0],
                expected=_("columns rep, segment, channel, [period], commit"),
                fix=_("import the reps' commits with these columns"),
            )
        )
    rows = commits.copy()
    if reps is not None:
        rows = rows[rows["rep"].astype(str).isin(reps)]
    cells = [d for d in forecast.by if d in rows.columns]
    rows[cells] = rows[cells].astype(str)
    grid = forecast.monthly[_keys(forecast)].assign(forecast=forecast.monthly["forecast"])
    # the forecast at the commits' grain: period × their dimensions
    cell_forecast = grid.groupby(["period", *cells], observed=True)["forecast"].sum().reset_index()
    parts = []
    if "period" in rows.columns and rows["period"].notna().any():
        dated = rows[rows["period"].notna()]
        dated = dated.assign(period=pd.PeriodIndex(dated["period"].astype(str), freq=forecast.start.freqstr))
        dated = dated[(dated["period"] >= forecast.start) & (dated["period"] <= forecast.end)]
        parts.append(dated[["period", *cells, "commit"]])
        undated = rows[rows["period"].isna()]
    else:
        undated = rows
    if cells:
        per_cell = undated.groupby(cells, observed=True)["commit"].sum().reset_index()
        spread = cell_forecast.merge(per_cell, on=cells, how="inner")
    else:
        spread = cell_forecast.assign(commit=float(undated["commit"].sum()))
    spread["commit"] *= _share_within(spread["forecast"], spread, cells)
    parts.append(spread[["period", *cells, "commit"]])
    committed = pd.concat([p for p in parts if len(p)]) if any(len(p) for p in parts) else parts[-1]
    committed = committed.groupby(["period", *cells], observed=True)["commit"].sum().reset_index()
    # down to the forecast's series, shaped like the forecast within each cell
    shape = grid.merge(committed, on=["period", *cells], how="inner")
    shape["target"] = shape["commit"] * _share_within(shape["forecast"], shape, ["period", *cells])
    shape = grid[_keys(forecast)].merge(shape[[*_keys(forecast), "target"]], on=_keys(forecast), how="left")
    shape["target"] = shape["target"].fillna(0.0)
    return _proposal(forecast, BOTTOM_UP, shape, reps=float(rows["rep"].nunique()))


def blend_target(
    forecast: Forecast, top_down: TargetProposal, bottom_up: TargetProposal, weight: float
) -> TargetProposal:
    """weight × top-down + (1 − weight) × bottom-up, cell by cell; the gap top-down − bottom-up is kept."""
    if not 0.0 <= weight <= 1.0:
        raise InputError(
            Problem(
                file="goal",
                column="blend_weight",
                expected=_("a weight between 0 and 1"),
                found=str(weight),
                fix=_("give the top-down method's weight, e.g. 0.6"),
            )
        )
    keys = _keys(forecast)
    both = top_down.shape.merge(bottom_up.shape, on=keys, how="outer", suffixes=("_top", "_bottom")).fillna(
        {"target_top": 0.0, "target_bottom": 0.0}
    )
    shape = both.assign(target=weight * both["target_top"] + (1 - weight) * both["target_bottom"])
    gap = top_down.total - bottom_up.total
    return _proposal(
        forecast,
        BLEND,
        shape,
        weight=weight,
        top_down=top_down.total,
        bottom_up=bottom_up.total,
        gap=gap,
        gap_share=gap / bottom_up.total if bottom_up.total else math.nan,
    )


def target_for_probability(forecast: Forecast, probability: float) -> float:
    """The target reached with `probability` at the current trend: mean + σ·Φ⁻¹(1 − probability).

    The inverse of `forecast_probability`: both read σ from the same (calibrated) total interval.
    """
    lower, upper = forecast.total_interval
    sigma = (upper - lower) / (2 * z_value(forecast.level))
    if sigma <= 0:
        return forecast.total
    return forecast.total + sigma * NormalDist().inv_cdf(1 - probability)


def at_saved_total(proposal: TargetProposal, forecast: Forecast, total: float) -> TargetProposal:
    """The plan's saved target in the method's shape: the proposal scaled to `total`, its chance re-read
    from today's forecast (so the wizard opens at the figure the plan holds, not a fresh proposal)."""
    scale = total / proposal.total if proposal.total else 0.0
    shape = proposal.shape.assign(target=proposal.shape["target"] * scale)
    if not proposal.total:
        shape["target"] = total / len(shape) if len(shape) else 0.0
    return TargetProposal(
        method=proposal.method,
        total=float(total),
        shape=shape,
        baseline=forecast.total,
        probability=forecast_probability(forecast, total),
        detail=proposal.detail,
    )


# a figure written in a goal's name: 295,589,000 · 295589000.5 · 120M · 1.2 亿 (digits, separators, a unit)
_FIGURE = re.compile(r"(?<![A-Za-z0-9_.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(\s?)(M|K|k|万|亿)?(?![A-Za-z0-9_])")
_UNITS = {"": 1.0, "K": 1e3, "k": 1e3, "M": 1e6, "万": 1e4, "亿": 1e8}


def name_with_target(name: str, old: float | None, new: float) -> str:
    """The goal's name with each figure that states the `old` target rewritten as the `new` one, written
    the same way (separators, decimals, unit, rounding); a name stating no such figure is kept as it is.

    A figure states the old target when it equals it at the precision it is written in: 295,589,000 (to
    thousands) states 295,588,900; 120M (to millions) states 120,400,000. A figure written in full gets
    the new target in full; a rounded one, rounded alike.
    """
    if old is None or not name:
        return name

    def rewrite(match: re.Match) -> str:
        whole, fraction, space, unit = (
            match.group(1),
            match.group(2) or "",
            match.group(3),
            match.group(4) or "",
        )
        digits = whole.replace(",", "")
        decimals = max(len(fraction) - 1, 0)
        # trailing zeros of a plain whole number are its rounding; a unit's figure is exact to its decimals
        zeros = len(digits) - len(digits.rstrip("0")) if not fraction and not unit else 0
        step = 10.0 ** (zeros - decimals) * _UNITS[unit]
        value = float(digits + fraction) * _UNITS[unit]
        if abs(value - old) > step / 2 + 1e-9 * abs(old):
            return match.group(0)
        exact = abs(value - old) <= 0.5 * 10.0**-decimals * _UNITS[unit]
        shown = (new if exact else round(new / step) * step) / _UNITS[unit]
        text = f"{shown:,.{decimals}f}" if "," in whole else f"{shown:.{decimals}f}"
        return text + space + unit

    return _FIGURE.sub(rewrite, name)


def opening_horizon(
    saved_start: pd.Period | None,
    saved_end: pd.Period | None,
    last_month: pd.Period,
    fiscal_year_start: int = 1,
) -> tuple[pd.Period, pd.Period, bool]:
    """The months a goal is set for when the wizard opens, and whether the saved goal's year is over.

    A saved goal is reopened on its own months while the data have not gone past its last month. Once they
    have (1 January: the data reach January 2027, the goal was for 2026), the next goal starts the month
    after the saved one and is as long (a fiscal year after a fiscal year); if that one is over too (a year
    skipped), it starts with the fiscal year the data are in.
    Without a saved goal: `first_goal_year` (the year in progress while its first quarter has not passed,
    else the next one).
    """
    if saved_start is not None and saved_end is not None and saved_start <= saved_end:
        if saved_end >= last_month:
            return saved_start, saved_end, False
        length = (saved_end - saved_start).n
        start = saved_end + 1
        if start + length < last_month:  # the next one is over too (a year skipped): the data's fiscal year
            start = FiscalCalendar.of(fiscal_year_start, last_month).year_start(last_month)
        return start, start + length, True
    first = first_goal_year(last_month, fiscal_year_start)
    return first, first + 11, False


EARLY_MONTHS = 3  # a fiscal year whose first quarter has not passed is still planned as the year in progress


def first_goal_year(last_month: pd.Period, fiscal_year_start: int = 1) -> pd.Period:
    """First month of the fiscal year a team without a goal plans: the one the data's last month is in
    while at most its first `EARLY_MONTHS` months have passed (a team setting its first goal in January
    2027 means FY2027, not FY2028), else the next one (data to November 2026: FY2027).

    Why a quarter: the first quarter's sales are still small against the year, so the goal is set while
    most of the year is ahead; past it, the year is too far gone to be the goal's year."""
    first = FiscalCalendar.of(fiscal_year_start, last_month).year_start(last_month)
    return first if (last_month - first).n < EARLY_MONTHS else first + 12


def first_goal_periods(calendar: FiscalCalendar, period: pd.Period) -> pd.PeriodIndex:
    """The periods of the year a workbook without a goal is projected for: the year the goal wizard
    proposes (`first_goal_year`: the fiscal year in progress while its first quarter has not
    passed, else the next one), so the goal page and the wizard name the same year."""
    month = calendar.months_of([period])[0]
    if first_goal_year(month, calendar.fiscal_year_start) <= month:
        return calendar.year_periods(calendar.fiscal_year(period))
    return calendar.next_year_periods(period)


def name_for_year(name: str, old_year: int, new_year: int) -> str:
    """A goal's name carried to the next year: each standalone `old_year` (FY2026, 2026) becomes `new_year`,
    so 'Grow FY2026 net sales' opens as 'Grow FY2027 net sales' instead of naming the year that is over."""
    return re.sub(rf"(?<!\d){old_year}(?!\d)", str(new_year), name or "")

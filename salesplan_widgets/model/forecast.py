"""The goal's baseline: a sales forecast per series (e.g. segment × channel) with prediction intervals, at
the cube's grain — months, weeks or quarters; the calendar (model/calendar.py) says how many periods make
the yearly seasonal cycle (12, 52, 4), and "month" below reads "period of the grain".

Each series the user asked for is forecast with statsmodels' ETS (additive error, a damped additive trend
only where the last year's change stands out of the months' noise, multiplicative yearly seasonality,
heuristic initial states) when it has at least two years of history,
few empty months and no near-empty one (`NEAR_EMPTY_SHARE`); otherwise with an explainable fallback, *the same month last year × the trailing
year-on-year trend* (kept only as far as it stands out of the months' noise, `_trend_kept`), computed for all such series at once on a numpy matrix. Every series says which
method was used and why (`Forecast.methods`). When a request has more series than it is sensible to fit
one by one (e.g. 500 reps × 3 segments × 3 channels), the forecast is fitted on their aggregates (segment ×
channel) and split top-down by each series' share of the parent's last 12 months.

The width of the scope's intervals is checked against what past forecasts actually missed by
(`calibrate_interval`): the scope's total series is forecast again from each of its last months (a
rolling-origin backtest, one aggregated series, so it stays cheap; each origin forecast by the method the
baseline would choose from that origin's history alone, `_method_choice`), and where those forecasts missed
by more than the model's own interval allows, the interval is widened to match — never narrowed.
`Forecast.interval_reason` says which set the width and why.

Pure functions on the cube: no files, no widgets. The only Python loop is over the fitted series
(at most `MAX_FITTED_SERIES`), never over reps or rows.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _, fmt_percent
from salesplan_widgets.model.calendar import FiscalCalendar

ETS = "ets"
LAST_YEAR_TREND = "last_year_trend"
TOP_DOWN = "top_down"
ACTUALS = "actuals"  # a horizon already over: nothing is forecast
METHODS = (ETS, LAST_YEAR_TREND, TOP_DOWN, ACTUALS)

MAX_ETS_CYCLE = 12  # longest seasonal cycle fitted with ETS (months); weeks take the fallback
MIN_ETS_MONTHS = 24  # two full seasonal cycles (of months; `_min_ets` at any grain): ETS's seasonal start
MAX_EMPTY_SHARE = 0.25  # more empty months than this in the last two years makes a series sparse
MAX_FITTED_SERIES = 60  # above this many series, fit their aggregates and split top-down
GROWTH_LIMITS = (-0.5, 1.0)  # the fallback's trend is clipped: one odd year must not run away
TREND_Z = 2.0  # a fallback growth within this many standard errors of zero is noise (`_trend_kept`)
RESIDUE = (
    1e-9  # a month under this share of its series' largest is floating-point dust from netting, not a sale
)
# a month under this share of its series' typical (median) month is near-empty: almost only returns, a new
# rep's first days, a month with nothing sold. ETS's multiplicative season divides by such a month's index
# and its additive season drags the level down through it: with two years of history one month of 1.0
# among ~100,000 put next year at 10^10, a tiny last month took it to 0 with a range below zero. A series
# with one is forecast by the fallback (same month last year × trend), whose range stays near its history.
NEAR_EMPTY_SHARE = 0.1
INTERVAL_LEVEL = 0.8
SIMULATIONS = 1000  # paths behind the interval of a multiplicative-season ETS
SEED = 20261127
METRICS = {"revenue": "actual", "quantity": "quantity", "lines": "lines"}
MODEL_WIDTH = "model"  # the interval is the model's own
BACKTEST_WIDTH = "backtest"  # the interval was widened to the backtest's errors
MIN_BACKTEST_HISTORY = 12  # months of history before a backtest origin (the fallback needs a year)
BACKTEST_ORIGINS = 12  # at most this many rolling origins, the latest ones
MIN_BACKTEST_ORIGINS = 3  # fewer past errors than this say too little to set a width
# dimensions dropped first when a request has too many series to fit one by one
_COARSEN_ORDER = ("rep", "account", "territory", "team", "product", "channel", "segment")


def _seasons(history: pd.PeriodIndex, future: pd.PeriodIndex) -> tuple[np.ndarray, np.ndarray]:
    """For each future period: the index in `history` of the latest same period of the year (the
    calendar's rule), and how many years back that is."""
    calendar = FiscalCalendar.of(None, history)
    source = np.zeros(len(future), dtype=int)
    years = np.ones(len(future), dtype=int)
    pending = np.ones(len(future), dtype=bool)
    while pending.any():
        earlier = calendar.same_period_years_ago(future[pending], int(years[pending][0]))
        found = history.get_indexer(earlier)
        idx = np.flatnonzero(pending)
        source[idx] = np.maximum(found, 0)
        done = earlier <= history[-1]
        pending[idx[done]] = False
        years[idx[~done]] += 1
    return source, years


def _min_ets(cycle: int) -> int:
    """Periods of history ETS needs: two full seasonal cycles, and at least what statsmodels' heuristic
    start values need (10 + 2 × ⌊cycle / 2⌋: 14 quarters)."""
    return max(2 * cycle, 10 + 2 * (cycle // 2))


def z_value(level: float) -> float:
    """Half-width of a central `level` normal interval in standard deviations (1.2816 for 80%)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def select_scope(cube: pd.DataFrame, scope: Mapping[str, Sequence[str]] | None) -> pd.DataFrame:
    """Rows of the cube inside the scope, e.g. {"team": ["East"], "segment": ["A", "B"]}; empty = all."""
    if not scope:
        return cube
    mask = np.ones(len(cube), dtype=bool)
    for dim, members in scope.items():
        if members:
            if dim not in cube.columns:
                raise InputError(
                    Problem(
                        file="cube",
                        column=dim,
                        expected=_("a dimension of the sales cube"),
                        fix=_("map the column in plan.yaml or remove it from the goal's scope"),
                    )
                )
            mask &= cube[dim].astype(str).isin([str(m) for m in members]).to_numpy()
    return cube[mask]


@dataclass(frozen=True)
class IntervalCalibration:
    """What past forecasts of the scope's total missed by, and whether that or the model set the width.

    Rule: σ_total = max(σ_model, e_total × open forecast total), where e_total is the root mean square of the
    relative errors (actual / forecast − 1) of the backtest's window totals; a month's σ of the scope total
    likewise = max(σ_model, e_month × its forecast). `errors`: origin (months of history the forecast was made
    from), lead (1 = the month after them), method, forecast, actual — one row per backtest month.
    """

    method: str  # MODEL_WIDTH or BACKTEST_WIDTH
    reason: str
    total_error: float  # RMS relative error of the window totals (nan: no backtest possible)
    month_error: float  # RMS relative error of single months (nan: no backtest possible)
    window: int  # months in each backtest window (the open horizon's length, at most 12)
    origins: int
    errors: pd.DataFrame


@dataclass(frozen=True)
class Forecast:
    """A baseline forecast over a horizon, with its history and how each series was forecast.

    `monthly`: period, <by dims>, forecast, lower, upper, sigma, closed (closed months are actuals) — each
    series at the model's own width.
    `history`: period, <by dims>, actual (every month, empty months as zero).
    `methods`: <by dims>, method, reason, months (of history used).
    `fitted`: period, <fit dims>, forecast, sigma — the series actually fitted; the model's uncertainty of
    totals comes from these (series fitted separately are taken as independent; the months of one
    series as perfectly correlated, which errs on the wide side).
    `calibration`: the backtest that may widen the scope's intervals (totals, months, running totals).
    """

    by: tuple[str, ...]
    fit_by: tuple[str, ...]
    start: pd.Period
    end: pd.Period
    last_actual: pd.Period
    level: float
    metric: str
    monthly: pd.DataFrame
    history: pd.DataFrame
    methods: pd.DataFrame
    fitted: pd.DataFrame
    calibration: IntervalCalibration | None = None

    @property
    def total(self) -> float:
        """Expected total over the horizon (closed months at their actuals)."""
        return float(self.monthly["forecast"].sum())

    @property
    def open_total(self) -> float:
        """Expected total of the months not closed yet: the part that is uncertain."""
        return float(self.monthly.loc[~self.monthly["closed"].astype(bool), "forecast"].sum())

    @property
    def model_total_sigma(self) -> float:
        """The model's own σ of the horizon total: sqrt(Σ_series (Σ_months σ)²)."""
        return _model_total_sigma(self.fitted, self.fit_by)

    @property
    def total_sigma(self) -> float:
        """σ of the horizon total: max(the model's own, backtest RMS relative error × open total)."""
        return max(self.model_total_sigma, backtest_error(self.calibration, "total_error") * self.open_total)

    @property
    def interval_method(self) -> str:
        """MODEL_WIDTH or BACKTEST_WIDTH: what set the width of the scope's intervals."""
        return self.calibration.method if self.calibration is not None else MODEL_WIDTH

    @property
    def interval_reason(self) -> str:
        """One sentence for the user: what set the interval's width and why."""
        return (
            self.calibration.reason
            if self.calibration is not None
            else _("The model's own interval (not checked against past forecasts).")
        )

    @property
    def total_interval(self) -> tuple[float, float]:
        """The `level` prediction interval of the horizon total (normal)."""
        half = z_value(self.level) * self.total_sigma
        return self.total - half, self.total + half

    def by_period(self) -> pd.DataFrame:
        """Horizon months summed over series: period, forecast, lower, upper, sigma.

        σ of a month = max(the model's (series independent), backtest RMS monthly relative error × the
        month's open forecast).
        """
        fitted = self.fitted.groupby("period")
        open_months = self.monthly[~self.monthly["closed"].astype(bool)]
        out = pd.DataFrame(
            {
                "forecast": self.monthly.groupby("period")["forecast"].sum(),
                "sigma": np.sqrt(fitted["sigma"].apply(lambda s: float((s**2).sum()))),
            }
        )
        out["sigma"] = out["sigma"].fillna(0.0)  # closed months are actuals: certain
        open_forecast = open_months.groupby("period")["forecast"].sum().reindex(out.index, fill_value=0.0)
        out["sigma"] = np.maximum(
            out["sigma"], backtest_error(self.calibration, "month_error") * open_forecast
        )
        half = z_value(self.level) * out["sigma"]
        out["lower"], out["upper"] = out["forecast"] - half, out["forecast"] + half
        return out.rename_axis("period").reset_index()[["period", "forecast", "lower", "upper", "sigma"]]

    def cumulative(self) -> pd.DataFrame:
        """Running total over the horizon: period, forecast, lower, upper.

        σ of a running total as for the total: max(the model's, backtest RMS total error × its open part).
        """
        months = self.monthly.groupby("period")["forecast"].sum().cumsum()
        fitted = self.fitted.sort_values("period")
        if self.fit_by:
            running = fitted.groupby(list(self.fit_by), observed=True)["sigma"].cumsum()
        else:
            running = fitted["sigma"].cumsum()
        sigma = (running**2).groupby(fitted["period"]).sum().pow(0.5)
        out = pd.DataFrame({"forecast": months})
        # closed months carry no uncertainty; a running total's σ holds from its first open month on
        out["sigma"] = sigma.reindex(out.index).fillna(0.0)
        open_months = self.monthly[~self.monthly["closed"].astype(bool)]
        open_running = open_months.groupby("period")["forecast"].sum().reindex(out.index, fill_value=0.0)
        out["sigma"] = np.maximum(
            out["sigma"], backtest_error(self.calibration, "total_error") * open_running.cumsum()
        )
        half = z_value(self.level) * out["sigma"]
        out["lower"], out["upper"] = out["forecast"] - half, out["forecast"] + half
        return out.rename_axis("period").reset_index()[["period", "forecast", "lower", "upper"]]

    def history_by_period(self) -> pd.DataFrame:
        """Monthly actual summed over series: period, actual."""
        return self.history.groupby("period")["actual"].sum().rename_axis("period").reset_index()

    def method_summary(self) -> dict[str, int]:
        """How many series each method forecast, e.g. {"ets": 7, "last_year_trend": 2}."""
        return {str(k): int(v) for k, v in self.methods["method"].value_counts().items()}


def _model_total_sigma(fitted: pd.DataFrame, fit_by: tuple[str, ...]) -> float:
    """sqrt(Σ_series (Σ_months σ)²): series independent, months of one series perfectly correlated."""
    if fit_by:
        per_series = fitted.groupby(list(fit_by), observed=True)["sigma"].sum().to_numpy()
    else:
        per_series = np.asarray([fitted["sigma"].sum()])
    return float(np.sqrt((per_series**2).sum()))


def backtest_error(calibration: IntervalCalibration | None, name: str) -> float:
    """A backtest error of the calibration, 0 where there is none (so max() keeps the model's width)."""
    value = getattr(calibration, name) if calibration is not None else math.nan
    return value if math.isfinite(value) else 0.0


def _history_matrix(
    cube: pd.DataFrame, keys: tuple[str, ...], column: str, months: pd.PeriodIndex
) -> tuple[pd.DataFrame, np.ndarray]:
    """Series keys and a (series × months) matrix of the metric, empty months as zero."""
    if keys:
        grouped = cube.groupby([*keys, "period"], observed=True)[column].sum()
        wide = grouped.unstack("period").reindex(columns=months, fill_value=0.0).fillna(0.0)
        index = wide.index.to_frame(index=False)
        index = index.astype(str)
        return index, _without_residue(wide.to_numpy(dtype=float))
    grouped = cube.groupby("period", observed=True)[column].sum().reindex(months, fill_value=0.0)
    return pd.DataFrame(index=[0]), _without_residue(grouped.to_numpy(dtype=float)[None, :])


def _without_residue(values: np.ndarray) -> np.ndarray:
    """Months that net to floating-point dust (a sale and its return summed as 5.5e-17, not 0) as zero, so
    a month with nothing sold is not read as a tiny positive month: multiplicative seasonality fitted on it
    sent a year end to 10^11. Dust is under 10^-9 of the series' largest month (a cent of 10 million)."""
    scale = np.abs(values).max(axis=1, keepdims=True) if values.size else values
    return np.where(np.abs(values) <= RESIDUE * scale, 0.0, values)


def _near_empty_months(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per series, how many months from its first active one sold under `NEAR_EMPTY_SHARE` of its median
    month (zero and net-negative months included)."""
    seen = np.arange(values.shape[1])[None, :] >= first[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a series with no active month: its median is NaN, counted 0
        typical = np.nanmedian(np.where(seen, values, np.nan), axis=1)
    return (seen & (values < NEAR_EMPTY_SHARE * typical[:, None])).sum(axis=1)


@dataclass(frozen=True)
class MethodChoice:
    """Which series of a history matrix ETS forecasts (`use_ets`) and, for the others, why not: the one rule
    the baseline and each backtest origin follow, so a backtest measures the method the forecast uses."""

    first: np.ndarray  # index of each series' first active month
    months_seen: np.ndarray  # months from it to the end of the history
    empty_recent: np.ndarray  # empty months among the last two years (`window` months)
    window: int
    sparse: np.ndarray  # more than MAX_EMPTY_SHARE of them empty
    near_empty: np.ndarray  # months under NEAR_EMPTY_SHARE of the series' median month
    weekly: bool  # weeks are never fitted with ETS
    use_ets: np.ndarray


def _method_choice(values: np.ndarray, cycle: int) -> MethodChoice:
    """ETS where a series has two seasonal cycles from its first sale, few empty months in the last two
    years, no near-empty month, and the grain is not weeks; the fallback otherwise (`baseline_forecast`)."""
    first = _first_active(values)
    months_seen = values.shape[1] - first
    recent = values[:, -min(2 * cycle, values.shape[1]) :]
    empty_recent = (recent <= 0).sum(axis=1)
    sparse = empty_recent > MAX_EMPTY_SHARE * recent.shape[1]
    # ETS keeps one seasonal state per period of the year: 12 months or 4 quarters fit; 52 weeks drift with
    # every 53-week year and overfit a few years of history, so weeks use the calendar-aligned fallback
    weekly = cycle > MAX_ETS_CYCLE
    near_empty = _near_empty_months(values, first)
    use_ets = (months_seen >= _min_ets(cycle)) & ~sparse & (near_empty == 0) & (not weekly)
    return MethodChoice(
        first, months_seen, empty_recent, recent.shape[1], sparse, near_empty, weekly, use_ets
    )


def _first_active(values: np.ndarray) -> np.ndarray:
    """Index of each series' first non-zero month (its length of history starts there)."""
    active = values != 0
    first = active.argmax(axis=1)
    first[~active.any(axis=1)] = values.shape[1]
    return first


def _last_year_trend(
    values: np.ndarray,
    first: np.ndarray,
    steps: int,
    cycle: int = 12,
    seasons: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fallback for every row at once: same month last year × (1 + trailing 12-month growth)^years ahead.

    σ is the root-mean-square error of that rule over the last 12 months (× √years ahead); with less than
    two years of history the growth is 0 and σ is the spread of the months seen. With less than a year,
    the forecast is the average month seen.
    """
    n, t = values.shape
    c = cycle
    months_seen = t - first
    last12 = values[:, t - c :].sum(axis=1) if t >= c else values.sum(axis=1)
    prior12 = values[:, t - 2 * c : t - c].sum(axis=1) if t >= 2 * c else np.zeros(n)
    two_years = (months_seen >= 2 * c) & (prior12 > 0)
    growth = np.where(two_years, last12 / np.where(prior12 > 0, prior12, 1.0) - 1, 0.0)
    growth = np.clip(growth, *GROWTH_LIMITS)
    if t >= 2 * c:
        growth = growth * _trend_kept(values[:, t - c :], values[:, t - 2 * c : t - c], growth, prior12)

    h = np.arange(1, steps + 1)
    if seasons is None:
        years_ahead = np.ceil(h / c).astype(int)
        source = t - 1 + h - c * years_ahead  # most recent same period of the year seen
    else:  # the calendar's own same period (weeks: a 53-week year shifts them)
        source, years_ahead = seasons
    same_month = values[:, np.clip(source, 0, max(t - 1, 0))] if t else np.zeros((n, steps))
    forecast = same_month * (1 + growth[:, None]) ** years_ahead[None, :]

    # months actually seen, as a mask, for the spread of short series
    seen = np.arange(t)[None, :] >= first[:, None]
    count = np.maximum(seen.sum(axis=1), 1)
    mean = np.where(seen, values, 0.0).sum(axis=1) / count
    spread = np.sqrt(np.where(seen, (values - mean[:, None]) ** 2, 0.0).sum(axis=1) / count)
    under_a_year = months_seen < c
    forecast = np.where(under_a_year[:, None], mean[:, None], forecast)

    if t >= 2 * c:
        predicted = values[:, t - 2 * c : t - c] * (1 + growth[:, None])
        rmse = np.sqrt(((values[:, t - c :] - predicted) ** 2).mean(axis=1))
    else:
        rmse = spread
    sigma1 = np.where(two_years, rmse, spread)
    sigma = sigma1[:, None] * np.sqrt(years_ahead)[None, :]
    return np.maximum(forecast, 0.0), sigma


def _trend_kept(last: np.ndarray, prior: np.ndarray, growth: np.ndarray, prior12: np.ndarray) -> np.ndarray:
    """Share of the trailing year-on-year growth the fallback keeps: max(0, 1 − (z·se / growth)²), z = 2.

    One year-on-year change of a flat, noisy series is mostly noise: Chinook's five flat years (449–481)
    fell 6% in the last, and that fall, carried forward per rep, put the next year under every year seen;
    per country (sparse, noisier) the clipped changes added up to +20%. se is the growth's standard error
    from the months' own scatter around the rule (√cycle × their RMS error / last year but one), so a
    growth within two of them is noise and dropped, and a steady one (20% a year, exact) is kept whole.
    """
    residual = last - prior * (1 + growth[:, None])
    rmse = np.sqrt((residual**2).mean(axis=1))
    se = np.sqrt(last.shape[1]) * rmse / np.where(prior12 > 0, prior12, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = 1 - (TREND_Z * se / np.abs(growth)) ** 2
    return np.where(np.abs(growth) > 0, np.clip(np.nan_to_num(kept, nan=0.0), 0.0, 1.0), 0.0)


def ets_has_trend(values: np.ndarray, cycle: int = 12) -> bool:
    """Whether ETS fits a (damped) trend on this series: only where its last year's change on the year
    before stands out of its months' noise (`_trend_kept`, the fallback's own rule). On a flat noisy history
    an ETS trend fitted on noise ran away (+13% on a series whose years moved ±2%)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2 * cycle:
        return False
    last, prior = values[None, -cycle:], values[None, -2 * cycle : -cycle]
    prior12 = prior.sum(axis=1)
    growth = np.where(prior12 > 0, last.sum(axis=1) / np.where(prior12 > 0, prior12, 1.0) - 1, 0.0)
    return bool(_trend_kept(last, prior, growth, prior12)[0] > 0)


FIT_CACHE_SIZE = 256  # fitted series kept per process (~40 kB each, 10 MB at most): a few scopes of a page


def _ets_model(values: np.ndarray, cycle: int = 12):
    """ETS(A,Ad,M) (additive season if a month is not positive; no trend where the last year's change is
    noise, `ets_has_trend`) on one series, fitted by maximum likelihood.

    Fitted once per process for each distinct series: the goal, tracking and Tracker ask for the same
    series again (another horizon, a scope picked and dropped), and a fit depends only on the values and
    the cycle (the model sees a plain range index, and its options follow from the values), so those are
    the key (`_fitted_ets`). The fit is deterministic: a kept one gives the same forecast as a new one.
    """
    values = np.ascontiguousarray(values, dtype=float)
    return _fitted_ets(values.tobytes(), len(values), int(cycle))


@functools.lru_cache(maxsize=FIT_CACHE_SIZE)
def _fitted_ets(key: bytes, length: int, cycle: int):
    """The fit behind `_ets_model`, keyed by the series' bytes (float64), its length and the cycle."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    values = np.frombuffer(key, dtype=float, count=length).copy()
    trend = ets_has_trend(values, cycle)
    model = ETSModel(
        pd.Series(values),  # a Series: get_prediction needs an index
        error="add",
        trend="add" if trend else None,
        damped_trend=trend,  # a trend that stands out is damped: one year's change is not carried on forever
        seasonal="mul" if (values > 0).all() else "add",
        seasonal_periods=cycle,
        initialization_method="heuristic",
    )
    return model.fit(disp=False, maxiter=400)


def _ets(values: np.ndarray, steps: int, level: float, cycle: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """ETS fitted by maximum likelihood (`_ets_model`); next months' mean, σ.

    Multiplicative seasonality fits growing sales best; its intervals are simulated (fixed seed, so the
    same data always gives the same forecast).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; a failed fit raises and falls back
        fit = _ets_model(values, cycle)
        prediction = fit.get_prediction(
            start=len(values),
            end=len(values) + steps - 1,
            simulate_repetitions=SIMULATIONS,
            rng=np.random.default_rng(SEED),
        )
        frame = prediction.summary_frame(alpha=1 - level)
    mean = np.asarray(frame["mean"], dtype=float)
    sigma = (np.asarray(frame["pi_upper"], dtype=float) - np.asarray(frame["pi_lower"], dtype=float)) / (
        2 * z_value(level)
    )
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(sigma))):
        raise ValueError("non-finite forecast")
    return np.maximum(mean, 0.0), sigma


def _ets_mean(values: np.ndarray, steps: int, cycle: int = 12) -> np.ndarray:
    """The ETS point forecast only (no simulated interval): what a backtest compares with the actuals."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean = np.asarray(_ets_model(values, cycle).forecast(steps), dtype=float)
    if not np.all(np.isfinite(mean)):
        raise ValueError("non-finite forecast")
    return np.maximum(mean, 0.0)


def backtest_origins(months: int, window: int, cycle: int = 12) -> list[int]:
    """Months of history at each rolling origin of a backtest, latest first.

    An origin needs a year of history (`MIN_BACKTEST_HISTORY`) and at least half its `window` of months
    after it (windows are cut at the data's end). When at least `MIN_BACKTEST_ORIGINS` origins have two
    years of history (enough for ETS, the method the baseline uses), only those are taken, so the errors
    are those of the method in use; then the latest `BACKTEST_ORIGINS`.
    """
    latest = months - math.ceil(window / 2)
    # a year of history before an origin: MIN_BACKTEST_HISTORY months, one cycle at any grain
    candidates = list(range(latest, cycle - 1, -1)) if window > 0 else []
    with_ets = [n for n in candidates if n >= _min_ets(cycle) and cycle <= MAX_ETS_CYCLE]
    chosen = with_ets if len(with_ets) >= MIN_BACKTEST_ORIGINS else candidates
    return chosen[:BACKTEST_ORIGINS]


def rolling_backtest(values: np.ndarray, window: int, cycle: int = 12) -> pd.DataFrame:
    """Forecast one series' next `window` months from each origin of `backtest_origins`, as the baseline would
    from that origin's history alone.

    Each origin's history is cleaned and judged by the baseline's own rule (`_method_choice`): ETS where it
    has two seasonal cycles from its first sale, few empty months in its last two years and no near-empty
    month, and the grain is not weeks; the fallback otherwise, or where the ETS fit fails. So an origin may
    use ETS although the whole history would not (its near-empty month came later), and the other way
    round. Returns one row per backtest month: origin (months of history), lead, method, forecast, actual.
    """
    values = np.asarray(values, dtype=float)
    frames = []
    for n in backtest_origins(len(values), window, cycle):  # ≤ BACKTEST_ORIGINS fits of one series
        steps = min(window, len(values) - n)
        history = _without_residue(values[None, :n])
        choice = _method_choice(history, cycle)
        first = choice.first
        method = ETS if choice.use_ets[0] else LAST_YEAR_TREND
        if method == ETS:
            try:  # as in the baseline: a failed fit means the fallback
                forecast = _ets_mean(history[0, first[0] :], steps, cycle)
            except Exception:  # noqa: BLE001
                method = LAST_YEAR_TREND
        if method == LAST_YEAR_TREND:
            forecast = _last_year_trend(history, first, steps, cycle)[0][0]
        frames.append(
            pd.DataFrame(
                {
                    "origin": n,
                    "lead": np.arange(1, steps + 1),
                    "method": method,
                    "forecast": forecast,
                    "actual": values[n : n + steps],
                }
            )
        )
    columns = ["origin", "lead", "method", "forecast", "actual"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def backtest_errors(errors: pd.DataFrame) -> tuple[float, float]:
    """Root mean square relative error (actual / forecast − 1) of the windows' totals and of single months.

    Bias counts as error: a method that keeps missing one way is as uncertain as one that scatters.
    Windows and months forecast at zero are left out; nan when nothing is left.
    """
    if errors.empty:
        return math.nan, math.nan
    windows = errors.groupby("origin")[["forecast", "actual"]].sum()
    windows = windows[windows["forecast"] > 0]
    months = errors[errors["forecast"] > 0]
    total = (
        math.sqrt(((windows["actual"] / windows["forecast"] - 1) ** 2).mean()) if len(windows) else math.nan
    )
    month = math.sqrt(((months["actual"] / months["forecast"] - 1) ** 2).mean()) if len(months) else math.nan
    return total, month


def calibrate_interval(
    total_history: np.ndarray, window: int, model_sigma: float, open_total: float, cycle: int = 12
) -> IntervalCalibration:
    """Check the model's σ of the horizon total against a rolling-origin backtest of the scope's total.

    σ_total = max(σ_model, e_total × open total), e_total = `backtest_errors` of the backtest's windows
    of `window` months: wider when past forecasts missed by more, never narrower. With fewer than
    `MIN_BACKTEST_ORIGINS` origins the model's width stands, and the reason says it is unchecked.
    """
    values = np.asarray(total_history, dtype=float)
    active = np.flatnonzero(values != 0)
    values = values[active[0] :] if len(active) else values[:0]
    window = min(int(window), cycle)
    errors = rolling_backtest(values, window, cycle)
    origins = int(errors["origin"].nunique()) if len(errors) else 0
    total_error, month_error = backtest_errors(errors)
    if origins < MIN_BACKTEST_ORIGINS or not math.isfinite(total_error):
        return IntervalCalibration(
            method=MODEL_WIDTH,
            reason=_(
                "The model's own interval, unchecked: {n} months of history are too few to backtest "
                "the total against past forecasts (it needs {needed})."
            ).format(n=len(values), needed=cycle + math.ceil(window / 2) + MIN_BACKTEST_ORIGINS - 1),
            total_error=math.nan,
            month_error=math.nan,
            window=window,
            origins=origins,
            errors=errors,
        )
    methods = errors.drop_duplicates("origin")["method"].value_counts()
    labels = {ETS: _("ETS"), LAST_YEAR_TREND: _("same month last year × trend")}
    used = ", ".join(f"{labels.get(m, m)} {int(c)}" for m, c in methods.items())
    model_share = model_sigma / open_total if open_total > 0 else 0.0
    values_for_text = dict(
        origins=origins,
        methods=used,
        window=window,
        error=fmt_percent(total_error, decimals=1),
        model=fmt_percent(model_share, decimals=1),
    )
    if total_error * open_total > model_sigma:
        method = BACKTEST_WIDTH
        reason = _(
            "Interval widened to match past forecast errors: forecast at {origins} earlier month-ends "
            "({methods}), the scope's {window}-month total missed by {error} (root mean square), more "
            "than the model's own {model} (one standard deviation)."
        ).format(**values_for_text)
    else:
        method = MODEL_WIDTH
        reason = _(
            "The model's own interval: forecast at {origins} earlier month-ends ({methods}), the scope's "
            "{window}-month total missed by {error} (root mean square), within the model's own {model} "
            "(one standard deviation)."
        ).format(**values_for_text)
    if cycle <= MAX_ETS_CYCLE and len(values) >= _min_ets(cycle) > errors["origin"].max():
        reason += " " + _(
            "ETS itself cannot be backtested yet (no origin has two years of history before it), so "
            "these are the errors of the simpler rule, which sees no trend in one year."
        )
    return IntervalCalibration(
        method=method,
        reason=reason,
        total_error=total_error,
        month_error=month_error,
        window=window,
        origins=origins,
        errors=errors,
    )


def _fit_level(cube: pd.DataFrame, by: tuple[str, ...], max_series: int) -> tuple[str, ...]:
    """The dimensions to fit on: `by`, coarsened (reps first) until at most `max_series` series remain."""
    fit_by = list(by)
    for dim in _COARSEN_ORDER:
        if not fit_by or len(cube.groupby(fit_by, observed=True).size()) <= max_series:
            break
        if dim in fit_by:
            fit_by.remove(dim)
    while fit_by and len(cube.groupby(fit_by, observed=True).size()) > max_series:
        fit_by.pop()
    return tuple(fit_by)


def baseline_forecast(
    cube: pd.DataFrame,
    start: pd.Period | str,
    end: pd.Period | str,
    by: Sequence[str] = ("segment", "channel"),
    *,
    scope: Mapping[str, Sequence[str]] | None = None,
    metric: str = "revenue",
    last_actual: pd.Period | str | None = None,
    level: float = INTERVAL_LEVEL,
    max_fitted_series: int = MAX_FITTED_SERIES,
    calibrate: bool = True,
) -> Forecast:
    """Forecast each series of `by` within `scope` for the months start..end, from history to `last_actual`.

    Months of the horizon up to `last_actual` are closed: they count at their actual with no uncertainty.
    With `calibrate`, the scope's intervals are widened where a rolling-origin backtest of its total
    missed by more than the model claims (`calibrate_interval`, windows as long as the open horizon).
    """
    by = tuple(by)
    column = METRICS.get(metric, metric)
    calendar = FiscalCalendar.of(None, cube["period"])  # the cube's grain: months, weeks or quarters
    cycle, freq = calendar.cycle, calendar.freq
    start, end = calendar.period(start), calendar.period(end)
    if end < start:
        raise InputError(
            Problem(
                file="goal",
                column="end",
                expected=_("a horizon end on or after its start"),
                found=str(end),
                fix=_("choose an end month after {start}").format(start=start),
            )
        )
    if column not in cube.columns:
        raise InputError(
            Problem(
                file="cube",
                column=column,
                expected=_("a measure of the sales cube (revenue, quantity or lines)"),
                fix=_("choose revenue, quantity or lines as the goal's metric"),
            )
        )
    rows = select_scope(cube, scope)
    if rows.empty:
        raise InputError(
            Problem(
                file="cube",
                expected=_("sales inside the goal's scope"),
                found=str(dict(scope or {})),
                fix=_("widen the scope: these teams, segments and channels have no sales"),
            )
        )
    last = calendar.period(last_actual) if last_actual is not None else rows["period"].max()
    rows = rows[rows["period"] <= last]
    months = pd.period_range(rows["period"].min(), last, freq=freq)
    steps = max(int((end - last).n), 0)

    fit_by = _fit_level(rows, by, max_fitted_series)
    fit_keys, values = _history_matrix(rows, fit_by, column, months)
    choice = _method_choice(values, cycle)
    first, months_seen, weekly = choice.first, choice.months_seen, choice.weekly
    empty_recent, sparse, near_empty = choice.empty_recent, choice.sparse, choice.near_empty
    use_ets, window = choice.use_ets, choice.window

    mean = np.zeros((len(values), steps))
    sigma = np.zeros((len(values), steps))
    reasons: list[str] = [""] * len(values)
    method = np.where(use_ets, ETS, LAST_YEAR_TREND).astype(object)
    if steps:
        future_periods = pd.period_range(last + 1, periods=steps, freq=freq)
        seasons = _seasons(months, future_periods) if len(months) >= cycle else None
        fb_mean, fb_sigma = _last_year_trend(values, first, steps, cycle, seasons)
        mean[:], sigma[:] = fb_mean, fb_sigma
        for i in np.flatnonzero(use_ets):  # one fit per fitted series (≤ max_fitted_series)
            try:
                mean[i], sigma[i] = _ets(values[i, first[i] :], steps, level, cycle)
                if ets_has_trend(values[i, first[i] :], cycle):
                    reasons[i] = _("ETS (trend and yearly seasonality) on {n} months of history").format(
                        n=int(months_seen[i])
                    )
                else:
                    reasons[i] = _(
                        "ETS (yearly seasonality, no trend: the last year's change is within the months' "
                        "noise) on {n} months of history"
                    ).format(n=int(months_seen[i]))
            except Exception as exc:  # noqa: BLE001 - any numerical failure means: use the fallback
                method[i] = LAST_YEAR_TREND
                reasons[i] = _("same month last year × trend: the ETS fit failed ({error})").format(
                    error=type(exc).__name__
                )
    for i in np.flatnonzero(method == LAST_YEAR_TREND):
        if reasons[i]:
            continue
        if weekly:
            reasons[i] = _(
                "same week last year × trend: ETS is not fitted on weeks (52 seasonal states drift with "
                "every 53-week year); {n} weeks of history"
            ).format(n=int(months_seen[i]))
        elif months_seen[i] < _min_ets(cycle):
            reasons[i] = _(
                "same month last year × trend: only {n} months of history (ETS needs {needed})"
            ).format(n=int(months_seen[i]), needed=_min_ets(cycle))
        elif sparse[i]:
            reasons[i] = _(
                "same month last year × trend: {empty} of the last {window} months had no sales"
            ).format(empty=int(empty_recent[i]), window=window)
        else:
            reasons[i] = _(
                "same month last year × trend: {n} months sold under a tenth of a typical month (returns, "
                "a first part-month), which makes ETS's seasonality unreliable"
            ).format(n=int(near_empty[i]))
    if not steps:
        method[:] = ACTUALS
        reasons = [_("the horizon is closed: actuals only")] * len(values)

    future = pd.period_range(last + 1, periods=steps, freq=freq) if steps else pd.PeriodIndex([], freq=freq)
    fitted = _long(fit_keys, fit_by, future, mean=mean, sigma=sigma)
    fitted = fitted.rename(columns={"mean": "forecast"})
    fit_methods = fit_keys.assign(method=method, reason=reasons, months=months_seen.astype(int))

    series_keys, series_values = _history_matrix(rows, by, column, months)
    history = _long(series_keys, by, months, actual=series_values)
    if fit_by == by:
        series_forecast, methods = fitted.copy(), fit_methods
    else:
        series_forecast, methods = _split_top_down(history, fitted, fit_methods, by, fit_by, last, cycle)
    series_forecast = series_forecast[
        (series_forecast["period"] >= start) & (series_forecast["period"] <= end)
    ]
    fitted = fitted[(fitted["period"] >= start) & (fitted["period"] <= end)]
    closed = history[(history["period"] >= start) & (history["period"] <= end)]
    closed = closed.rename(columns={"actual": "forecast"}).assign(sigma=0.0)
    monthly = pd.concat([closed.assign(closed=True), series_forecast.assign(closed=False)], ignore_index=True)
    half = z_value(level) * monthly["sigma"]
    monthly["lower"], monthly["upper"] = monthly["forecast"] - half, monthly["forecast"] + half
    monthly = monthly[["period", *by, "forecast", "lower", "upper", "sigma", "closed"]]
    monthly = monthly.sort_values(["period", *by], ignore_index=True)
    calibration = None
    open_months = int(fitted["period"].nunique())
    if calibrate and open_months:
        calibration = calibrate_interval(
            values.sum(axis=0),
            open_months,
            _model_total_sigma(fitted, fit_by),
            float(series_forecast["forecast"].sum()),
            cycle,
        )
    return Forecast(
        by=by,
        fit_by=fit_by,
        start=start,
        end=end,
        last_actual=last,
        level=level,
        metric=metric,
        monthly=monthly,
        history=history,
        methods=methods.reset_index(drop=True),
        fitted=fitted.reset_index(drop=True),
        calibration=calibration,
    )


def _long(
    keys: pd.DataFrame, dims: tuple[str, ...], months: pd.PeriodIndex, **matrices: np.ndarray
) -> pd.DataFrame:
    """Series keys × months matrices as a tidy table: period, <dims>, <one column per matrix>."""
    n, t = len(keys), len(months)
    out = pd.DataFrame(
        {"period": np.tile(np.asarray(months), n) if t else pd.PeriodIndex([], freq=months.freq)}
    )
    out["period"] = pd.PeriodIndex(out["period"], freq=months.freq)
    for dim in dims:
        out[dim] = np.repeat(keys[dim].to_numpy(), t)
    for name, matrix in matrices.items():
        out[name] = matrix.reshape(-1)
    return out


def _split_top_down(
    history: pd.DataFrame,
    fitted: pd.DataFrame,
    fit_methods: pd.DataFrame,
    by: tuple[str, ...],
    fit_by: tuple[str, ...],
    last: pd.Period,
    cycle: int = 12,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each series' forecast = its share of its parent's last year (12 months, 52 weeks) × the parent's
    forecast (and σ)."""
    recent = history[history["period"] > last - cycle]
    weight = recent.groupby(list(by), observed=True)["actual"].sum().clip(lower=0.0).rename("weight")
    weight = weight.reset_index()
    if fit_by:
        parent_total = weight.groupby(list(fit_by))["weight"].transform("sum")
        siblings = weight.groupby(list(fit_by))["weight"].transform("size")
    else:
        parent_total = pd.Series(weight["weight"].sum(), index=weight.index)
        siblings = pd.Series(len(weight), index=weight.index)
    weight["share"] = np.where(
        parent_total > 0, weight["weight"] / parent_total.where(parent_total > 0, 1), 1 / siblings
    )
    children = (
        weight.merge(fitted, on=list(fit_by), how="inner") if fit_by else weight.merge(fitted, how="cross")
    )
    children["forecast"] *= children["share"]
    children["sigma"] *= children["share"]
    parent_names = ", ".join(fit_by) if fit_by else _("the total")
    methods = weight.drop(columns=["weight"])
    methods = (
        methods.merge(fit_methods, on=list(fit_by), how="left")
        if fit_by
        else methods.assign(method=fit_methods["method"].iloc[0], months=fit_methods["months"].iloc[0])
    )
    methods["reason"] = [
        _("top-down: {share} of the {parent} forecast ({parent_method})").format(
            share=f"{share:.1%}", parent=parent_names, parent_method=parent_method
        )
        for share, parent_method in zip(methods["share"], methods["method"], strict=True)
    ]
    methods["method"] = TOP_DOWN
    return (
        children[["period", *by, "forecast", "sigma"]],
        methods[[*by, "method", "reason", "months"]],
    )


@dataclass(frozen=True)
class Backtest:
    """The forecast of the last complete 12 months from the history before them, against what happened."""

    monthly: pd.DataFrame  # period, actual, forecast, lower, upper
    mape: float  # mean absolute percentage error over months with sales (0.08 = 8%)
    methods: dict[str, int]
    start: pd.Period
    end: pd.Period


def backtest(
    cube: pd.DataFrame,
    by: Sequence[str] = ("segment", "channel"),
    *,
    scope: Mapping[str, Sequence[str]] | None = None,
    metric: str = "revenue",
    last_actual: pd.Period | str | None = None,
    level: float = INTERVAL_LEVEL,
) -> Backtest:
    """MAPE of the monthly total over the 12 months to `last_actual`, forecast as if they had not happened.

    MAPE = mean over months of abs(actual − forecast) / abs(actual) (months without sales left out).
    """
    rows = select_scope(cube, scope)
    calendar = FiscalCalendar.of(None, cube["period"])
    last = calendar.period(last_actual) if last_actual is not None else rows["period"].max()
    cut = last - calendar.cycle
    forecast = baseline_forecast(
        rows[rows["period"] <= last],
        cut + 1,
        last,
        by,
        metric=metric,
        last_actual=cut,
        level=level,
        calibrate=False,  # its own monthly errors are what it reports
    )
    column = METRICS.get(metric, metric)
    actual = rows[(rows["period"] > cut) & (rows["period"] <= last)].groupby("period")[column].sum()
    monthly = forecast.by_period().drop(columns="sigma")
    monthly.insert(1, "actual", monthly["period"].map(actual).fillna(0.0).to_numpy(dtype=float))
    with_sales = monthly["actual"] != 0
    errors = (monthly["actual"] - monthly["forecast"]).abs() / monthly["actual"].abs()
    mape = float(errors[with_sales].mean()) if with_sales.any() else math.nan
    return Backtest(monthly=monthly, mape=mape, methods=forecast.method_summary(), start=cut + 1, end=last)

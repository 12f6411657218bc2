"""Split one goal into targets that add up: a hierarchical, exactly rounded allocation over the plan's levels.

The goal is apportioned level by level in the plan's order (e.g. segment → channel → territory → rep →
period). At each level every parent's amount is shared among its children by weights from a named method
(historical share, potential share, equal, capacity with ramp for new hires, seasonality, manual), then
rounded to the plan's unit by largest remainder so that every level sums exactly to its parent. Locked
cells keep their amount; their unlocked siblings share what is left in proportion to their weights.

All arithmetic is done in integer multiples of the unit on integer-coded numpy arrays (no loops over reps or
rows), so a split of millions of cells stays well under a second or two. Pure: never reads files or draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from salesplan_widgets.errors import InputError, Problem
from salesplan_widgets.i18n import _
from salesplan_widgets.model.calendar import FiscalCalendar
from salesplan_widgets.model.rounding import MAX_UNITS, largest_remainder

DIMENSIONS = ("segment", "channel", "territory", "team", "rep", "account", "product", "period")
METHODS = ("historical", "potential", "equal", "capacity", "seasonality", "manual")
TARGET_COLUMNS = ("period", "rep", "team", "territory", "segment", "channel", "target")
REP_ATTRIBUTES = ("team", "territory")
LOCKS = "split.locks"
LEVELS = "split.levels"


@dataclass(frozen=True)
class Level:
    """One step of the split: which dimension, and how its children's weights are chosen."""

    dimension: str
    method: str = "historical"
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lock:
    """A fixed amount for one cell or subtotal, named by the values of the first levels, e.g. {segment: A}."""

    cell: Mapping[str, str]
    target: float


@dataclass(frozen=True)
class Split:
    """The result: one tidy table of targets (level dimensions, rep attributes, target) and how it was made."""

    targets: pd.DataFrame
    goal: float
    unit: float
    dimensions: tuple[str, ...]

    def subtotals(self, by: Sequence[str]) -> pd.DataFrame:
        """Targets summed over every dimension not in `by` (exact: sums of multiples of the unit)."""
        units = np.rint(self.targets["target"].to_numpy() / self.unit).astype(np.int64)
        grouped = pd.Series(units).groupby([self.targets[d].to_numpy() for d in by], sort=True).sum()
        out = grouped.rename("target").rename_axis(list(by)).reset_index()
        out["target"] = _money(out["target"].to_numpy(), self.unit)
        return out


# -- helpers ----------------------------------------------------------------------------------------------
def _decimals(unit: float) -> int:
    """Digits after the point a multiple of `unit` needs (0.01 → 2, 1000 → 0)."""
    for digits in range(0, 10):
        if abs(round(unit, digits) - unit) < 1e-12:
            return digits
    return 10


def _unit_for(goal: float) -> float:
    """The smallest power of ten that keeps `goal` within MAX_UNITS units."""
    return float(10.0 ** np.ceil(np.log10(max(goal, 1.0) / MAX_UNITS)))


def unit_decimals(unit: float) -> int:
    """Decimals a target rounded to `unit` shows (0.01 → 2, 1000 → 0)."""
    return _decimals(unit)


def _money(units: np.ndarray, unit: float) -> np.ndarray:
    return np.round(units.astype(np.float64) * unit, _decimals(unit))


def _to_units(amount: float | np.ndarray, unit: float) -> np.ndarray:
    return np.rint(np.asarray(amount, dtype=np.float64) / unit).astype(np.int64)


def _joint_key(columns: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """One int64 key per row from several code columns (mixed radix, re-factorised before it could overflow)."""
    n = len(columns[0]) if columns else 0
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for codes, size in zip(columns, sizes, strict=True):
        if span * max(size, 1) >= 2**62:
            key, uniques = pd.factorize(key)
            span = len(uniques)
        key *= max(size, 1)  # in place: these arrays can be millions of rows long
        key += codes
        span *= max(size, 1)
    return key


def _group_ids(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ids of equal keys (0, 1, ... in order of appearance) and the distinct keys; a linear pass when the
    keys arrive sorted, as the split's sorted cells make them, else a hash factorisation.
    """
    if len(key) and np.all(key[1:] >= key[:-1]):
        change = np.empty(len(key), dtype=bool)
        change[0] = True
        np.not_equal(key[1:], key[:-1], out=change[1:])
        return np.cumsum(change) - 1, key[change]
    return pd.factorize(key)


def _sum_by_key(item_keys: np.ndarray, source_keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each item, the sum of `values` over source rows with the same key (0 where none)."""
    if len(source_keys) == 0:
        return np.zeros(len(item_keys))
    codes, uniques = pd.factorize(source_keys)
    totals = np.bincount(codes, weights=values, minlength=len(uniques))
    where = pd.Index(uniques).get_indexer(item_keys)
    return np.where(where >= 0, totals[np.maximum(where, 0)], 0.0)


# -- roster: who sells in the plan's months, and at what capacity ----------------------------------------
def roster_from_history(history: pd.DataFrame, gone_after: int = 2) -> pd.DataFrame:
    """Each rep's current team and territory (from their latest month in the cube), first month and, if they
    stopped selling more than `gone_after` months before the data ends, their last month.
    """
    columns = ["rep", "team", "territory", "hired", "left"]
    selling = np.ones(len(history), dtype=bool)  # a cube row means transactions, even if they net to zero
    if not selling.any():
        return pd.DataFrame(columns=columns)
    periods = pd.PeriodIndex(history["period"])
    rep_codes, rep_names = _factorized(history["rep"])
    rows = np.flatnonzero(selling & (rep_codes >= 0))
    ordinal = pd.Series(periods.asi8[rows])
    by_rep = ordinal.groupby(rep_codes[rows], sort=True)
    first, last, latest = by_rep.min(), by_rep.max(), rows[by_rep.idxmax().to_numpy()]
    out = pd.DataFrame({"rep": rep_names.take(first.index.to_numpy())})
    for attr in REP_ATTRIBUTES:
        if attr in history:
            codes, names = _factorized(history[attr])
            out[attr] = np.asarray(names.take(np.maximum(codes[latest], 0)))
        else:
            out[attr] = "all"
    out["hired"] = pd.PeriodIndex.from_ordinals(first.to_numpy(), freq=periods.freqstr)
    gone = last.to_numpy() < ordinal.max() - gone_after
    out["left"] = pd.Series(pd.PeriodIndex.from_ordinals(last.to_numpy(), freq=periods.freqstr)).where(gone)
    return out[columns]


def _ordinals(values: pd.Series, freq: str, missing: int) -> np.ndarray:
    """Period ordinals of month texts / Periods / dates; `missing` where blank."""
    text = values.astype("string").replace("", pd.NA)
    stamps = pd.to_datetime(text.str.slice(0, 7), format="%Y-%m", errors="coerce")
    ordinal = pd.PeriodIndex(stamps, freq=freq).asi8
    return np.where(stamps.isna().to_numpy(), missing, ordinal)


def capacity(roster: pd.DataFrame, periods: pd.PeriodIndex, ramp_months: int = 3) -> pd.DataFrame:
    """Capacity of each rep in each plan month: 0 before hire or after leaving, ramping (t+1)/ramp in the
    t-th month after hire (t = 0 in the hire month) up to 1. A rep hired in a plan's 4th month with a 3-month
    ramp carries 1/3, 2/3, then full capacity: 8 of 12 months' worth.
    """
    freq = periods.freqstr
    ordinal = np.asarray(periods.asi8)
    hired = _ordinals(roster["hired"], freq, np.iinfo(np.int32).min)
    left_col = roster["left"] if "left" in roster else pd.Series([""] * len(roster), index=roster.index)
    left = _ordinals(left_col, freq, np.iinfo(np.int32).max)
    tenure = ordinal[None, :] - hired[:, None]
    ramp = np.minimum(1.0, (tenure + 1) / max(ramp_months, 1)) if ramp_months > 0 else np.ones(tenure.shape)
    cap = np.where((tenure >= 0) & (ordinal[None, :] <= left[:, None]), ramp, 0.0)
    return pd.DataFrame(cap, index=pd.Index(roster["rep"].astype(str), name="rep"), columns=periods)


# -- the split --------------------------------------------------------------------------------------------
def _cell_text(cell: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in cell.items())


def _level(level: Level | Mapping[str, Any]) -> Level:
    if isinstance(level, Level):
        return level
    return Level(level["dimension"], level.get("method", "historical"), dict(level.get("params") or {}))


def _finite_at_least(value: Any, floor: float) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(number) and number >= floor)


def _check_levels(levels: Sequence[Level], history: pd.DataFrame) -> None:
    problems = []
    dims = [lv.dimension for lv in levels]
    for i, lv in enumerate(levels):
        where = f"{LEVELS}[{i}]"
        if lv.dimension not in DIMENSIONS:
            problems.append(
                Problem(
                    LEVELS,
                    _("one of {names}").format(names=", ".join(DIMENSIONS)),
                    row=i + 1,
                    column="dimension",
                    found=lv.dimension,
                )  # fmt: skip
            )
        elif lv.dimension != "period" and lv.dimension not in history.columns:
            problems.append(
                Problem(
                    where,
                    _("a dimension present in the sales history"),
                    column="dimension",
                    found=lv.dimension,
                    fix=_("map this column in the plan's sales source, or drop the level"),
                )  # fmt: skip
            )
        if lv.method not in METHODS:
            problems.append(
                Problem(
                    where,
                    _("one of {names}").format(names=", ".join(METHODS)),
                    column="method",
                    found=lv.method,
                )  # fmt: skip
            )
        if lv.method == "seasonality" and lv.dimension != "period":
            problems.append(
                Problem(
                    where,
                    _("seasonality only for the period level"),
                    column="method",
                    found=lv.method,
                    fix=_("use historical, potential, equal or manual for {dimension}").format(
                        dimension=lv.dimension
                    ),
                )  # fmt: skip
            )
        if lv.method == "capacity" and lv.dimension != "rep":
            problems.append(
                Problem(where, _("capacity only for the rep level"), column="method", found=lv.method)
            )
        if lv.method == "manual" and not isinstance(lv.params.get("weights"), Mapping):
            problems.append(
                Problem(
                    where,
                    _("manual weights, e.g. params: {weights: {online: 2, offline: 1}}"),
                    column="params",
                )  # fmt: skip
            )
        for key in ("weights", "growth"):
            table = lv.params.get(key)
            if not isinstance(table, Mapping):
                continue
            floor = 0.0 if key == "weights" else -1.0
            for name, value in table.items():
                if not _finite_at_least(value, floor):
                    problems.append(
                        Problem(
                            where,
                            _("a finite number of at least {floor:g}").format(floor=floor),
                            column=f"params.{key}.{name}",
                            found=str(value),
                        )  # fmt: skip
                    )
    if len(set(dims)) != len(dims):
        problems.append(Problem(LEVELS, _("each dimension once"), found=", ".join(dims)))
    if "period" not in dims:
        problems.append(
            Problem(
                LEVELS,
                _("a period level (targets are monthly)"),
                found=", ".join(dims),
                fix=_("add {dimension: period, method: seasonality}"),
            )  # fmt: skip
        )
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class _Coded:
    """History as integer codes in the split's categories (-1 outside them): encoded once, masked after."""

    codes: dict[str, np.ndarray]
    ordinal: np.ndarray
    month: np.ndarray  # code of the plan period in the same season (calendar month, week of the year ...)
    actual: np.ndarray
    month_code: np.ndarray  # place in the year (month 1-12, week 1-53, quarter 1-4) -> plan period code
    window: dict[str, np.ndarray]  # the basis window summed per cell (codes of each cell dim)
    window_actual: np.ndarray

    def sums(self, path: dict[str, np.ndarray], dims: list[str], sizes: dict[str, int], mask) -> np.ndarray:
        """Sum of actual over the masked rows for each node, matched on `dims`."""
        return _node_sums(path, dims, sizes, self.columns(dims), self.actual, mask)

    def window_sums(self, path: dict[str, np.ndarray], dims: list[str], sizes: dict[str, int]) -> np.ndarray:
        """Sum of actual over the basis window for each node of a level above the period level."""
        return _node_sums(path, dims, sizes, self.window, self.window_actual)

    def columns(self, dims: list[str]) -> dict[str, np.ndarray]:
        return {
            d: (self.month if d == "period" else self.codes[d])
            for d in dims
            if d == "period" or d in self.codes
        }


def _sum_window(coded: _Coded, cell_dims: list[str], sizes: dict[str, int], in_window: np.ndarray) -> None:
    """Sum the window once per cell, so every level above the months weighs a small table, not every row."""
    rows = np.flatnonzero(in_window)
    key = _joint_key([coded.codes[d][rows] + 1 for d in cell_dims], [sizes[d] + 1 for d in cell_dims])
    ids, uniques = pd.factorize(key)
    first = np.empty(len(uniques), dtype=np.int64)
    first[ids[::-1]] = rows[::-1]  # the first row of each cell (later writes win, so write backwards)
    coded.window.update({d: coded.codes[d][first] for d in cell_dims})
    coded.window_actual.resize(0, refcheck=False)
    object.__setattr__(
        coded, "window_actual", np.bincount(ids, weights=coded.actual[rows], minlength=len(uniques))
    )


def _node_sums(path, dims, sizes, source: dict[str, np.ndarray], values: np.ndarray, mask=None) -> np.ndarray:
    avail = [x for x in dims if x in source]
    keep = np.logical_and.reduce([source[x] >= 0 for x in avail]) if avail else np.ones(len(values), bool)
    if mask is not None:
        keep &= mask
    node_key = _joint_key([path[x] for x in avail], [sizes[x] for x in avail])
    src_key = _joint_key([source[x][keep] for x in avail], [sizes[x] for x in avail])
    return _sum_by_key(node_key, src_key, values[keep])


def _factorized(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and text names of a column; free for categorical columns, one hash pass otherwise."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int32), _names(values.cat.categories)
    codes, uniques = pd.factorize(values, sort=False)
    return codes.astype(np.int32), _names(uniques)


def _names(values) -> pd.Index:
    """Dimension values as a plain object Index of text (hash lookups, not per-element Arrow iteration)."""
    return pd.Index(np.asarray(pd.Index(values).astype(str), dtype=object), dtype=object)


def split_goal(
    goal: float,
    levels: Sequence[Level | Mapping[str, Any]],
    history: pd.DataFrame,
    periods: pd.PeriodIndex | Iterable[pd.Period],
    *,
    unit: float = 0.01,
    locks: Iterable[Lock | Mapping[str, Any]] = (),
    potential: pd.DataFrame | None = None,
    roster: pd.DataFrame | None = None,
    basis_months: int = 12,
    ramp_months: int = 3,
    in_progress: pd.Period | None = None,
) -> Split:
    """Split `goal` over `levels` into one target per cell and plan month, every level summing to its parent.

    `history` is cube-shaped (dimension columns, `period`, `actual`); historical weights use its last
    `basis_months` months, seasonality all of it (averaged per calendar month). `potential` holds some
    dimension columns and `potential`. `roster` (rep, team, territory, hired, left) sets who may get a
    target and their ramped capacity; without it, it is read off the history. A month weight is also scaled
    by its rep's capacity, so nobody carries quota before they are hired.

    `in_progress`: the history's period still being sold (`pacing.period_in_progress`: data ending on 8
    December leave December so), left out of the seasonal shape and of the last `basis_months` months, which
    then end on the period before it. Left out, not scaled up by its share of working days gone: its first
    days say little of how the period ends (December's last week sells least), and every other season is
    learnt from whole periods only.
    """
    levels = [_level(lv) for lv in levels]
    if in_progress is not None:
        history = history[(history["period"] != in_progress).to_numpy()]
    _check_levels(levels, history)
    if not np.isfinite(goal) or goal < 0:
        raise InputError(Problem(_("split goal"), _("a goal of zero or more"), found=str(goal)))
    if not (np.isfinite(unit) and unit > 0):
        raise InputError(Problem(_("split unit"), _("a rounding unit above zero"), found=str(unit)))
    if goal / unit > MAX_UNITS:  # float64 targets could not tell every unit apart
        raise InputError(
            Problem(
                _("split goal"),
                _("a goal of at most {max:,} rounding units").format(max=MAX_UNITS),
                found=f"{goal:,.0f} / {unit:g}",
                fix=_("use a rounding unit of at least {unit:g}").format(unit=_unit_for(goal)),
            )
        )
    periods = pd.PeriodIndex(periods if isinstance(periods, pd.PeriodIndex) else list(periods))
    dims = [lv.dimension for lv in levels]
    cell_dims = [d for d in dims if d != "period"]

    # encode the history once: small name tables, integer rows
    raw = {d: _factorized(history[d]) for d in cell_dims}
    if "rep" in cell_dims:
        if roster is None:
            roster = roster_from_history(history)
        current = roster.drop_duplicates("rep", keep="last").set_index(roster["rep"].astype(str).to_numpy())
        for attr in REP_ATTRIBUTES:  # each rep sits in their current team and territory
            if attr in cell_dims and attr in current:
                rep_codes, rep_names = raw["rep"]
                by_rep = pd.Series(rep_names).map(current[attr].astype(str))
                attr_codes, attr_names = pd.factorize(by_rep.fillna("").to_numpy())
                mapped = attr_codes.astype(np.int32)[np.maximum(rep_codes, 0)]
                raw[attr] = (np.where(rep_codes >= 0, mapped, -1), pd.Index(attr_names.astype(str)))
    freq = periods.freqstr
    history_periods = pd.PeriodIndex(history["period"], freq=freq)
    ordinal = history_periods.asi8
    hist_end = ordinal.max() if len(ordinal) else periods[0].ordinal - 1
    calendar = FiscalCalendar.of(None, periods)  # the plan's grain: months, weeks or quarters
    in_window = ordinal > hist_end - calendar.periods_for_months(basis_months)

    # the universe of cells that can carry a target: combinations sold in the window (+ new reps)
    if cell_dims:
        key = _joint_key([raw[d][0] for d in cell_dims], [len(raw[d][1]) + 1 for d in cell_dims])
        valid = in_window & np.logical_and.reduce([raw[d][0] >= 0 for d in cell_dims])
        _k, first = np.unique(key[valid], return_index=True)
        rows = np.flatnonzero(valid)[first]
        cells = pd.DataFrame({d: raw[d][1].take(raw[d][0][rows]) for d in cell_dims})
        if roster is not None and "rep" in cell_dims:
            cells = _with_roster(cells, roster, cell_dims, periods)
    else:
        cells = pd.DataFrame(index=[0])
    if len(cells) == 0:  # (a period-only split has one cell and no columns: not empty)
        raise InputError(
            Problem(
                _("sales history"),
                _("sales in the last {months} months to split the goal over").format(months=basis_months),
                fix=_("check the plan's sales source and calendar"),
            )  # fmt: skip
        )
    if cell_dims:
        # sorted names, and cells sorted by their codes: every level's keys then arrive in order
        categories = {d: _names(np.sort(pd.unique(np.asarray(cells[d], dtype=object)))) for d in cell_dims}
        cell_codes = [categories[d].get_indexer(cells[d]) for d in cell_dims]
        cells = cells.iloc[np.lexsort(cell_codes[::-1])].reset_index(drop=True)
    else:
        categories = {}
    n_periods = len(periods)
    sizes = {d: len(c) for d, c in categories.items()} | {"period": n_periods}

    month_code, season = _seasons(calendar, periods, history_periods)
    coded = _Coded(
        codes={d: categories[d].get_indexer(raw[d][1]).astype(np.int32)[raw[d][0]] for d in cell_dims},
        ordinal=ordinal,
        month=month_code.astype(np.int32)[season],
        actual=history["actual"].to_numpy(np.float64),
        month_code=month_code,
        window={},
        window_actual=np.zeros(0),
    )
    for d in cell_dims:  # rows whose raw code was -1 (missing) stay outside
        coded.codes[d][raw[d][0] < 0] = -1
    if cell_dims:  # a period-only split has no level above the months to weigh
        _sum_window(coded, cell_dims, sizes, in_window)
    del raw, history_periods

    # leaf codes: every cell × every plan month
    n_cells = len(cells)
    leaf_codes = {
        d: np.repeat(categories[d].get_indexer(cells[d]).astype(np.int32), n_periods) for d in cell_dims
    }
    leaf_codes["period"] = np.tile(np.arange(n_periods, dtype=np.int32), n_cells)

    cap = None
    if roster is not None and "rep" in cell_dims:
        ramp = calendar.periods_for_months(ramp_months) if ramp_months else 0
        cap = capacity(roster, periods, ramp).reindex(categories["rep"]).fillna(1.0).to_numpy()

    lock_list = [lk if isinstance(lk, Lock) else Lock(dict(lk["cell"]), float(lk["target"])) for lk in locks]
    unplaced = [lk for lk in lock_list if not _lock_depth_ok(lk, dims)]
    if unplaced:
        raise InputError([_lock_problem(lk, dims) for lk in unplaced])

    # walk down the levels: node ids per leaf, each node's parent and the codes along its path
    node = np.zeros(len(leaf_codes["period"]), dtype=np.int64)
    node_units = _to_units(goal, unit).reshape(1)
    path: dict[str, np.ndarray] = {}
    node_index: list[pd.Index] = []
    context = _Context(coded, sizes, categories, periods, potential, cap, hist_end, in_window)
    for depth, lv in enumerate(levels):
        d, n_d = lv.dimension, sizes[lv.dimension]
        key = node * n_d + leaf_codes.pop(d)  # each leaf column is needed once: free it
        if depth == len(levels) - 1:  # every dimension is a level: each leaf is its own node
            ids, uniques = np.arange(len(key)), key
        else:
            ids, uniques = _group_ids(key)
        parent, code = uniques // n_d, (uniques % n_d).astype(np.int32)
        del key
        path = {k: v[parent] for k, v in path.items()} | {d: code}
        node_index.append(pd.Index(uniques))
        weights = _weights(lv, path, dims[: depth + 1], context)
        locked, lock_units = _locks_at(lock_list, dims, depth, node_index, categories, periods, sizes, unit)
        node_units = _apportion(node_units, parent, weights, locked, lock_units, dims[: depth + 1],
                                path, categories, periods, unit)  # fmt: skip
        node = ids

    targets = _targets_table(path, node_units, dims, categories, periods, roster, unit)
    return Split(
        targets=targets, goal=float(_money(_to_units(goal, unit), unit)), unit=unit, dimensions=tuple(dims)
    )


@dataclass(frozen=True)
class _Context:
    coded: _Coded
    sizes: dict[str, int]
    categories: dict[str, pd.Index]
    periods: pd.PeriodIndex
    potential: pd.DataFrame | None
    cap: np.ndarray | None
    hist_end: int
    in_window: np.ndarray


def _with_roster(
    cells: pd.DataFrame, roster: pd.DataFrame, cell_dims: list[str], periods: pd.PeriodIndex
) -> pd.DataFrame:
    """Drop reps who are gone before the plan starts; add active reps with no history where their team sells."""
    cap = capacity(roster, periods, 1)
    active = set(cap.index[cap.to_numpy().sum(axis=1) > 0])
    cells = cells[cells["rep"].isin(active)]
    new = roster[roster["rep"].astype(str).isin(active - set(cells["rep"]))].astype(str)
    if new.empty:
        return cells
    rep_dims = ["rep"] + [a for a in REP_ATTRIBUTES if a in cell_dims]
    others = [d for d in cell_dims if d not in rep_dims and d != "account"]
    on = [a for a in REP_ATTRIBUTES if a in cell_dims and a in new.columns]
    combos = cells[others + on].drop_duplicates()
    if "account" in cell_dims:  # a new hire has no accounts yet: one open cell
        combos = combos.assign(account="new")
    added = (
        new[["rep"] + on].merge(combos, on=on, how="inner") if on else new[["rep"]].merge(combos, how="cross")
    )
    return pd.concat([cells, added[cell_dims]], ignore_index=True)


def _weights(lv: Level, path: dict[str, np.ndarray], path_dims: list[str], ctx: _Context) -> np.ndarray:
    """Weight of each node at this level under the level's method (≥ 0; a parent with all zeros shares equally)."""
    d = lv.dimension
    n_nodes = len(path[d])
    params = lv.params
    coded, sizes = ctx.coded, ctx.sizes

    calendar = FiscalCalendar.of(None, ctx.periods)
    year = calendar.cycle  # periods in a year: 12 months, 52 weeks, 4 quarters

    def historical(months: int | None = None) -> np.ndarray:
        if not months and "period" not in path_dims:
            return coded.window_sums(path, path_dims, sizes)
        span = calendar.periods_for_months(months) if months else 0
        mask = ctx.in_window if not months else coded.ordinal > ctx.hist_end - span
        return coded.sums(path, path_dims, sizes, mask)

    if lv.method == "equal":
        w = np.ones(n_nodes)
    elif lv.method == "historical":
        w = historical(int(params.get("months", 0) or 0))
    elif lv.method == "seasonality":
        by = [x for x in params.get("by", []) if x in path_dims and x != "period"]
        w = _seasonal_shape(coded, path, by + ["period"], sizes)
    elif lv.method == "potential":
        potential = ctx.potential
        if potential is not None and d in potential.columns and d != "period":
            source = {
                x: ctx.categories[x].get_indexer(potential[x].astype(str))
                for x in path_dims
                if x in potential.columns and x != "period"
            }
            w = _node_sums(path, path_dims, sizes, source, potential["potential"].to_numpy(np.float64))
        else:  # no potential estimate at this level: growth stands in (last year's sales × their growth)
            recent = historical(12)
            prior = coded.sums(
                path,
                path_dims,
                sizes,
                (coded.ordinal <= ctx.hist_end - year) & (coded.ordinal > ctx.hist_end - 2 * year),
            )
            growth = np.where(prior > 0, recent / np.where(prior > 0, prior, 1.0), 1.0)
            w = np.clip(recent, 0, None) * np.clip(growth, 0, None)
    elif lv.method == "capacity":
        base = historical() if params.get("base", "historical") == "historical" else np.ones(n_nodes)
        base = np.clip(base, 0, None)
        fraction = ctx.cap[path["rep"]].mean(axis=1) if ctx.cap is not None else np.ones(n_nodes)
        # a rep with no history counts as the average rep of their parent: a full quota, then ramped
        parents = path_dims[:-1]
        if parents:
            pcodes, uniq = pd.factorize(_joint_key([path[x] for x in parents], [sizes[x] for x in parents]))
            n_parents = len(uniq)
        else:  # the rep level at the top: one parent, the goal
            pcodes, n_parents = np.zeros(n_nodes, dtype=np.int64), 1
        has = base > 0
        mean = np.bincount(pcodes, weights=base, minlength=n_parents) / np.maximum(
            np.bincount(pcodes, weights=has.astype(float), minlength=n_parents), 1
        )
        base = np.where(has, base, np.where(mean[pcodes] > 0, mean[pcodes], 1.0))
        w = base * fraction
    else:  # manual
        table = {str(k): float(v) for k, v in params["weights"].items()}
        w = np.clip(_by_value(table, d, ctx, 0.0), 0, None)[path[d]]

    # no history is no weight; net returns weigh nothing; an infinite weight stays, for largest_remainder
    # to refuse by name
    w = np.asarray(w, dtype=np.float64)
    w = np.where(np.isnan(w), 0.0, np.clip(w, 0.0, None))
    if lv.method in ("historical", "potential") and isinstance(params.get("growth"), Mapping):
        factor = 1.0 + _by_value({str(k): float(v) for k, v in params["growth"].items()}, d, ctx, 0.0)
        w = w * np.clip(factor, 0, None)[path[d]]
    if d == "period" and ctx.cap is not None and "rep" in path:
        w = w * ctx.cap[path["rep"], path["period"]]
    return w


def _by_value(table: Mapping[str, float], dim: str, ctx: _Context, default: float) -> np.ndarray:
    """A small per-value table (manual weights, growth assumptions) as an array over the dimension's codes."""
    names = pd.Index([str(p) for p in ctx.periods]) if dim == "period" else ctx.categories[dim]
    return pd.Series(names).map(table).fillna(default).to_numpy(np.float64)


def _seasons(
    calendar: FiscalCalendar, periods: pd.PeriodIndex, history: pd.PeriodIndex
) -> tuple[np.ndarray, np.ndarray]:
    """(place in the year -> plan period code, each history row's place in the year), by the calendar:
    the calendar month, the week of the year or the quarter — so December's weeks learn from December's.
    A place the plan does not hold (a 53rd week in a 52-week plan) has no code (-1)."""
    plan_places = calendar.positions(periods)
    unique, rows = np.unique(history.asi8, return_inverse=True)
    places = calendar.positions(pd.PeriodIndex.from_ordinals(unique, freq=periods.freqstr))[rows]
    month_code = np.full(max(int(plan_places.max()), int(places.max(initial=0))) + 1, -1, dtype=np.int64)
    month_code[plan_places] = np.arange(len(periods))
    return month_code, places


def _seasonal_shape(coded: _Coded, path, dims: list[str], sizes) -> np.ndarray:
    """Average sales in each plan period's season (its calendar month, week of the year ...), per year that
    season appears in (flat if none)."""
    _seen, first = np.unique(coded.ordinal, return_index=True)
    codes = coded.month[first]  # each history period's plan period code
    years = np.bincount(codes[codes >= 0], minlength=sizes["period"])
    if dims == ["period"]:
        valid = coded.month >= 0
        total = np.bincount(coded.month[valid], weights=coded.actual[valid], minlength=sizes["period"])
        per_month = np.clip(total / np.maximum(years, 1), 0, None)
        return (per_month if per_month.sum() > 0 else np.ones(sizes["period"]))[path["period"]]
    total = _node_sums(path, dims, sizes, coded.columns(dims), coded.actual)
    shape = np.clip(total / np.maximum(years[path["period"]], 1), 0, None)
    return shape if shape.sum() > 0 else np.ones(len(shape))


def _lock_depth_ok(lock: Lock, dims: list[str]) -> bool:
    return 0 < len(lock.cell) <= len(dims) and set(lock.cell) == set(dims[: len(lock.cell)])


def _lock_problem(lock: Lock, dims: list[str]) -> Problem:
    return Problem(
        LOCKS,
        _("a cell named by the first levels in order ({names})").format(names=", ".join(dims)),
        column=_cell_text(lock.cell),
        found=_cell_text(lock.cell),
        fix=_("name the levels from the top, e.g. {example}").format(example=", ".join(dims[:2])),
    )


def _locks_at(
    locks: list[Lock],
    dims: list[str],
    depth: int,
    node_index: list[pd.Index],
    categories: dict[str, pd.Index],
    periods: pd.PeriodIndex,
    sizes: dict[str, int],
    unit: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Node ids locked at this depth and their amounts in units; a lock on a cell that does not exist is an error."""
    here = [lk for lk in locks if len(lk.cell) == depth + 1 and _lock_depth_ok(lk, dims)]
    if not here:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    period_names = pd.Index([str(p) for p in periods])
    problems, ids, amounts = [], [], []
    for lk in here:  # a handful of locks: resolving each names its cell exactly
        node = 0
        for j in range(depth + 1):
            dim = dims[j]
            names = period_names if dim == "period" else categories[dim]
            code = names.get_indexer([str(lk.cell[dim])])[0]
            pos = node_index[j].get_indexer([node * sizes[dim] + code])[0] if code >= 0 else -1
            if pos < 0:
                problems.append(
                    Problem(
                        LOCKS,
                        _("a cell that exists in the split"),
                        column=_cell_text(lk.cell),
                        found=str(lk.cell[dim]),
                        fix=_("check the spelling of {dimension}").format(dimension=dim),
                    )  # fmt: skip
                )
                break
            node = pos
        else:
            if not (np.isfinite(lk.target) and lk.target >= 0):
                problems.append(Problem(LOCKS, _("a target of zero or more"), column=_cell_text(lk.cell),
                                        found=str(lk.target)))  # fmt: skip
            ids.append(node)
            amounts.append(lk.target)
    if problems:
        raise InputError(problems)
    ids_arr = np.array(ids, dtype=np.int64)
    if len(np.unique(ids_arr)) != len(ids_arr):
        dup = [_cell_text(lk.cell) for lk, i in zip(here, ids, strict=True) if ids.count(i) > 1]
        raise InputError(Problem(LOCKS, _("one lock per cell"), column=dup[0], found="; ".join(dup)))
    return ids_arr, _to_units(np.array(amounts), unit)


def _apportion(
    parent_units: np.ndarray,
    parent: np.ndarray,
    weights: np.ndarray,
    locked: np.ndarray,
    lock_units: np.ndarray,
    path_dims: list[str],
    path: dict[str, np.ndarray],
    categories: dict[str, pd.Index],
    periods: pd.PeriodIndex,
    unit: float,
) -> np.ndarray:
    """Children's units: locked ones fixed, the rest of each parent shared by weight (largest remainder)."""
    n_parents = len(parent_units)
    if len(locked) == 0:  # the common case, and the big leaf level: no bookkeeping arrays
        return largest_remainder(parent_units, weights, parent)
    is_locked = np.zeros(len(parent), dtype=bool)
    fixed = np.zeros(len(parent), dtype=np.int64)
    is_locked[locked] = True
    fixed[locked] = lock_units
    locked_sum = np.bincount(parent, weights=fixed, minlength=n_parents).astype(np.int64)
    free = np.bincount(parent, weights=(~is_locked).astype(float), minlength=n_parents)
    remaining = parent_units - locked_sum
    bad = np.flatnonzero((remaining < 0) | ((free == 0) & (remaining != 0)))
    if len(bad):
        problems = []
        for b in bad[:20]:
            members = np.flatnonzero(is_locked & (parent == b))
            names = "; ".join(_describe(path, path_dims, categories, periods, m) for m in members)
            parent_name = _describe(path, path_dims[:-1], categories, periods, members[0]) or _("the goal")
            total = float(_money(np.array([parent_units[b]]), unit)[0])
            locked_total = float(_money(np.array([locked_sum[b]]), unit)[0])
            expected = (
                _("locked parts of {parent} no more than its {total}")
                if remaining[b] < 0
                else _("locked parts of {parent} adding up to its {total}, or one part left unlocked")
            ).format(parent=parent_name, total=f"{total:,.{_decimals(unit)}f}")
            problems.append(
                Problem(
                    LOCKS,
                    expected,
                    column=names,
                    found=f"{locked_total:,.{_decimals(unit)}f}",
                    fix=_("lower or remove one of these locks: {cells}").format(cells=names),
                )  # fmt: skip
            )
        raise InputError(problems)
    shared = largest_remainder(np.clip(remaining, 0, None), weights, parent, eligible=~is_locked)
    return np.where(is_locked, fixed, shared)


def _describe(path, path_dims, categories, periods, node) -> str:
    parts = []
    for d in path_dims:
        code = path[d][node] if len(path[d]) > node else None
        if code is None:
            continue
        parts.append(f"{d}={periods[code] if d == 'period' else categories[d][code]}")
    return ", ".join(parts)


def _targets_table(path, node_units, dims, categories, periods, roster, unit) -> pd.DataFrame:
    """Leaf nodes as a tidy table: level dimensions, team/territory from the rep, 'all' for the rest, target."""
    out: dict[str, Any] = {}
    for d in dims:
        if d == "period":
            out[d] = periods.take(path[d])
        else:
            out[d] = pd.Categorical.from_codes(path[d], categories=categories[d])
    frame = pd.DataFrame(out)
    for col in ("rep", "team", "territory", "segment", "channel"):
        if col in frame:
            continue
        if col in REP_ATTRIBUTES and "rep" in frame and roster is not None and col in roster.columns:
            lookup = roster.drop_duplicates("rep", keep="last").set_index(
                roster["rep"].astype(str).to_numpy()
            )[col]
            mapped = pd.Index(lookup.index).get_indexer(categories["rep"])
            values = np.where(mapped >= 0, lookup.astype(str).to_numpy()[np.maximum(mapped, 0)], "all")
            codes, names = pd.factorize(values)
            frame[col] = pd.Categorical.from_codes(codes[path["rep"]], categories=names)
        else:
            frame[col] = "all"
    frame["target"] = _money(node_units, unit)
    order = [c for c in TARGET_COLUMNS if c in frame] + [c for c in frame if c not in TARGET_COLUMNS]
    return frame[order]


def plan_months(
    history: pd.DataFrame,
    start: str | None = None,
    months: int = 12,
    fiscal_year_start: int | FiscalCalendar = 1,
) -> pd.PeriodIndex:
    """The periods to plan, at the history's grain (the calendar's months, weeks or quarters): `months`
    months' worth from `start` (YYYY-MM; at a weekly grain its first week), or from the first fiscal year
    that starts after the history ends (the data to October 2026 with a January year plans January–December
    2027; weekly, its 52 or 53 weeks).
    """
    calendar = FiscalCalendar.of(fiscal_year_start, history["period"])
    if start:
        first = calendar.period(
            pd.Timestamp(f"{start}-01") + pd.Timedelta(days=3 if calendar.is_weekly else 0)
        )
    else:
        first = calendar.next_year_periods(pd.PeriodIndex(history["period"]).max())[0]
    years, rest = divmod(int(months), 12)
    if not rest and calendar.year_start(first) == first:  # whole fiscal years: 52 or 53 weeks each
        year = calendar.fiscal_year(first)
        whole = [calendar.year_periods(year + k) for k in range(years)]
        return pd.PeriodIndex(np.concatenate(whole), freq=calendar.freq)
    return calendar.range(first, count=calendar.periods_for_months(months))


def last_year_sales(history: pd.DataFrame, months: int = 12) -> pd.DataFrame:
    """The history's last `months` months: the base for 'quota per unit of last year's sales'."""
    end = pd.PeriodIndex(history["period"]).max()
    return history[history["period"] > end - months]


def default_goal(history: pd.DataFrame, months: int = 12) -> float:
    """A goal to start from when the plan has none: the last `months` months' sales (flat)."""
    return round(float(max(last_year_sales(history, months)["actual"].sum(), 0.0)), 2)


def data_dimensions(history: pd.DataFrame) -> frozenset[str]:
    """The split dimensions the data really hold: a column with some value other than `all` (what the cube
    writes for a dimension the plan does not map) or empty."""
    held = []
    for dim in DIMENSIONS:
        if dim in history.columns and dim != "period":
            values = history[dim].dropna().astype(str).str.strip()
            if (~values.isin(["all", ""])).any():
                held.append(dim)
    return frozenset(held)


def split_start(start: str | None, goal_start: Any = None) -> str | None:
    """The split's first month (YYYY-MM): the one saved with it, else the first month of the goal's horizon,
    else None (the month after the data). A saved split never slides into the next year by itself."""
    if start:
        return start
    if goal_start is not None:
        return pd.Timestamp(goal_start).strftime("%Y-%m")
    return None


def start_of(
    periods: pd.PeriodIndex, history: pd.DataFrame, fiscal_year_start: int | FiscalCalendar = 1
) -> str | None:
    """The `start` text (YYYY-MM) that plans from `periods[0]` again, so a saved split keeps its months;
    None where no month names that period (a week straddling two months that no month's 4th day is in)."""
    first = periods[0]
    for moment in (first.start_time + pd.Timedelta(days=3), first.end_time, first.start_time):
        text = moment.strftime("%Y-%m")
        if plan_months(history, text, 1, fiscal_year_start)[0] == first:
            return text
    return None


def _differs(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) >= 0.005


def split_notices(
    split_total: float,
    periods: pd.PeriodIndex,
    history_end: pd.Period,
    goal_target: float | None = None,
    goal_start: Any = None,
    made_for: float | None = None,
    kept_for: float | None = None,
    money=str,
    month=str,
) -> list[str]:
    """Why a split may no longer fit its goal, one sentence each (empty when it fits):

    - it was made for another goal target (`made_for` ≠ the goal's target now), or it divides another total;
    - its months are not the goal's horizon;
    - the data already reach a period after its last one (its year is over; during the last period the
      split is still the one being tracked).

    The first two are lifted when the analyst kept the split for the current target (`kept_for`).
    `money` and `month` format an amount and a period for the message.
    """
    notices = []
    kept = goal_target is not None and kept_for is not None and not _differs(kept_for, goal_target)
    if goal_target is not None and not kept and _differs(split_total, goal_target):
        if made_for is not None and _differs(made_for, goal_target):
            notices.append(
                _(
                    "This split was made for an earlier goal of {old}; the goal's target is now {new}. "
                    "Split it again for the new goal, or keep this split."
                ).format(old=money(made_for), new=money(goal_target))
            )
        else:
            notices.append(
                _(
                    "The split divides {split}, not the goal's target of {goal}, so its targets add up to "
                    "{split}. Split the goal's target, or keep this split if the difference is meant."
                ).format(split=money(split_total), goal=money(goal_target))
            )
    if goal_start is not None and not kept and len(periods):
        goal_month = pd.Timestamp(goal_start).to_period("M")
        if (
            periods[0].start_time.to_period("M") != goal_month
            and periods[0].end_time.to_period("M") != goal_month
        ):
            notices.append(
                _(
                    "The split plans {first} – {last}, but the goal's horizon starts in {start}. Split it "
                    "again for the goal's months."
                ).format(first=month(periods[0]), last=month(periods[-1]), start=month(goal_month))
            )
    if len(periods) and history_end > periods[-1]:
        notices.append(
            _(
                "The sales data already reach {end}, past the split's last month {last}: this split is for a "
                "year that is over. Set the next goal and split it."
            ).format(end=month(history_end), last=month(periods[-1]))
        )
    return notices

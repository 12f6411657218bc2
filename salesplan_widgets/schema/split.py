"""The plan's `split` section: how the goal is broken into targets, segments and their strategies, locks.

Pure declarations (pydantic): every field has a default, so an empty `split:` is valid. The task splitter
writes it; the allocation model reads it through `levels_for_model()` and `locks_for_model()`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from salesplan_widgets.schema.base import PlanModel

Dimension = Literal["segment", "channel", "territory", "team", "rep", "account", "product", "period"]
Method = Literal["historical", "potential", "equal", "capacity", "seasonality", "manual"]


class SplitLevel(PlanModel):
    dimension: Dimension = Field(description="The dimension split at this level, e.g. segment, rep, period.")
    method: Method = Field(
        "historical",
        description="How children's weights are chosen: historical share, potential share, equal, capacity "
        "(reps: tenure and ramp), seasonality (period: monthly shape from history) or manual.",
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Method settings, e.g. {months: 12} (historical), {weights: {online: 2}} (manual), "
        "{base: historical} (capacity), {by: [segment]} (seasonality).",
    )

    @model_validator(mode="after")
    def _method_fits(self) -> SplitLevel:
        if self.method == "seasonality" and self.dimension != "period":
            raise ValueError("method seasonality is only for the period level")
        if self.method == "capacity" and self.dimension != "rep":
            raise ValueError("method capacity is only for the rep level")
        if self.method == "manual" and not isinstance(self.params.get("weights"), dict):
            raise ValueError("method manual needs params: {weights: {value: weight, ...}}")
        return self


def _default_levels() -> list[SplitLevel]:
    return [
        SplitLevel(dimension="segment"),
        SplitLevel(dimension="channel"),
        SplitLevel(dimension="territory"),
        SplitLevel(dimension="rep", method="capacity"),
        SplitLevel(dimension="period", method="seasonality"),
    ]


class Thresholds(PlanModel):
    a: float = Field(80, ge=0, le=100, description="Share of value (percent) made by class A accounts.")
    b: float = Field(15, ge=0, le=100, description="Share of value (percent) made by class B accounts.")
    c: float = Field(5, ge=0, le=100, description="Share of value (percent) made by class C accounts.")

    @model_validator(mode="after")
    def _hundred(self) -> Thresholds:
        if abs(self.a + self.b + self.c - 100) > 1e-9:
            raise ValueError("thresholds a + b + c must add up to 100")
        return self


class SegmentStrategy(PlanModel):
    strategy: str = Field("", description="What reps do with this segment, shown on their task sheets.")
    growth: float = Field(
        0.0, ge=-1, le=10, description="Growth assumption as a fraction, e.g. 0.08 for +8%."
    )


def _default_strategies() -> dict[str, SegmentStrategy]:
    return {
        "A": SegmentStrategy(
            strategy="Protect and expand key accounts: quarterly business reviews.", growth=0.08
        ),
        "B": SegmentStrategy(strategy="Grow share of wallet: cross-sell the next product line.", growth=0.12),
        "C": SegmentStrategy(strategy="Serve efficiently online; qualify the promising ones.", growth=0.05),
    }


class SplitLock(PlanModel):
    cell: dict[str, str] = Field(
        description="The cell or subtotal, by the values of the first levels, e.g. {segment: A, channel: online}."
    )
    target: float = Field(ge=0, description="Its fixed target; the rest of its parent rebalances around it.")

    @field_validator("cell", mode="before")
    @classmethod
    def _text_values(cls, value: Any) -> Any:
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else value


class SplitSection(PlanModel):
    """Settings of the split capability: the goal to split, its levels, rounding, segments and locks."""

    goal: float | None = Field(
        None,
        ge=0,
        description="The total to split; empty means the goal section's target (or last year's sales).",
    )
    start: str | None = Field(
        None,
        pattern=r"^\d{4}-\d{2}$",
        description="First plan month (YYYY-MM); empty: the month after the data.",
    )
    months: int = Field(12, ge=1, le=36, description="Number of plan months.")
    made_for: float | None = Field(
        None,
        ge=0,
        description="The goal's target when this split was saved; once the goal changes the split is "
        "flagged until it is split again or kept.",
    )
    kept_for: float | None = Field(
        None,
        ge=0,
        description="The goal target this split was explicitly kept for ('Keep this split'): its "
        "differences from that goal are meant and not flagged.",
    )
    levels: list[SplitLevel] = Field(
        default_factory=_default_levels,
        min_length=1,
        description="Split order, top first; must include period.",
    )
    unit: float | None = Field(
        None, gt=0, description="Rounding unit of targets (e.g. 1000); empty: the currency's minor unit."
    )
    basis_months: int = Field(12, ge=1, le=60, description="Months of history behind historical shares.")
    ramp_months: int = Field(3, ge=0, le=24, description="Months a new hire takes to reach full quota.")
    thresholds: Thresholds = Field(default_factory=Thresholds, description="ABC classification thresholds.")
    strategies: dict[str, SegmentStrategy] = Field(
        default_factory=_default_strategies,
        description="Per segment (A/B/C or grow/keep/develop/maintain): strategy text and growth assumption.",
    )
    milestones: Literal["month", "quarter", "half"] = Field(
        "quarter", description="How often reps get a cumulative checkpoint."
    )
    locks: list[SplitLock] = Field(default_factory=list, description="Cells fixed by hand (overrides).")

    @model_validator(mode="after")
    def _levels_ok(self) -> SplitSection:
        dims = [lv.dimension for lv in self.levels]
        if len(set(dims)) != len(dims):
            raise ValueError("each dimension may appear once in levels")
        if "period" not in dims:
            raise ValueError("levels must include period (targets are monthly)")
        for lock in self.locks:
            if set(lock.cell) != set(dims[: len(lock.cell)]):
                raise ValueError(
                    f"lock {lock.cell} must name the first levels in order ({', '.join(dims[: len(lock.cell)])})"
                )
        return self

    def fitted_to(self, dimensions: set[str] | frozenset[str]) -> SplitSection:
        """These settings with defaults that fit the data: levels the plan did not set skip dimensions the
        data do not hold (only `all`), and without segments there are no segment strategies to show."""
        changes: dict[str, Any] = {}
        if "levels" not in self.model_fields_set:
            changes["levels"] = [
                lv for lv in self.levels if lv.dimension in dimensions or lv.dimension in ("rep", "period")
            ]
        if "strategies" not in self.model_fields_set and "segment" not in dimensions:
            changes["strategies"] = {}
        return self.model_copy(update=changes) if changes else self

    def levels_for_model(self) -> list[dict[str, Any]]:
        """Levels as plain mappings, with segment growth assumptions applied to a historical segment level
        (a potential estimate already includes the account's headroom, so it is left as it is)."""
        out = []
        for lv in self.levels:
            params = dict(lv.params)
            if lv.dimension == "segment" and lv.method == "historical" and "growth" not in params:
                params["growth"] = {k: v.growth for k, v in self.strategies.items()}
            out.append({"dimension": lv.dimension, "method": lv.method, "params": params})
        return out

    def locks_for_model(self) -> list[dict[str, Any]]:
        return [{"cell": dict(lk.cell), "target": lk.target} for lk in self.locks]

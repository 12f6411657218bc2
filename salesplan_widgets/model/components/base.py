"""What every commission component declares, and the context one engine run passes between them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from salesplan_widgets.model.commission import CompiledPlan
    from salesplan_widgets.schema.incentives import IncentivesSection

INF = np.inf


@dataclass
class Context:
    """One engine run: the inputs, the arrays each component adds, and the running total.

    `total` is what the components so far have earned, so a rule that works on "everything above" (a cap,
    the threshold) reads it when its turn comes.
    """

    plan: CompiledPlan
    sales: np.ndarray
    quota: np.ndarray
    attainment: np.ndarray
    periods: np.ndarray
    inputs: dict[str, np.ndarray | None]
    out: dict[str, np.ndarray] = field(default_factory=dict)
    total: np.ndarray | None = None

    def add(self, amount: np.ndarray) -> None:
        self.total = amount if self.total is None else self.total + amount


@dataclass(frozen=True)
class StatementInputs:
    """What a statement block may show besides the earnings: window sales and quota, milestone checks."""

    plan: CompiledPlan
    sales: np.ndarray  # (T, R)
    quota: np.ndarray  # (T, R)
    milestone_target: np.ndarray
    milestone_due: np.ndarray


@dataclass(frozen=True)
class Block:
    """A component's statement lines before slicing and rounding: arrays with a trailing rule axis."""

    base: Any
    rate: Any
    amount: np.ndarray
    keep: np.ndarray | None = None
    reference: Any = None


@dataclass(frozen=True)
class Explain:
    """How a line's figures read in the active language (money and percent formatters)."""

    money: Any
    percent: Any


class Component(ABC):
    """One kind of rule. Subclasses set `name` and `schema` and fill in the steps (`earn` and `export`
    they must: a component missing one cannot even be registered)."""

    name: ClassVar[str]
    schema: ClassVar[str]  # the plan key it reads, e.g. "incentives.commission.tiers"

    def compile(self, section: IncentivesSection) -> dict[str, Any]:
        """Fields of CompiledPlan this component owns."""
        return {}

    def prepare(self, ctx: Context) -> None:  # noqa: B027 (optional step: most components need none)
        """Derive inputs other components need before any of them earns (e.g. override shares)."""

    @abstractmethod
    def earn(self, ctx: Context) -> None:
        """Add this component's arrays to ctx.out and its amount to the running total."""

    def labels(self, plan: CompiledPlan, currency: str) -> list[str]:
        """One label per rule of this kind (statements hold them as categories)."""
        return []

    def line_names(self, plan: CompiledPlan, n: int) -> list[str]:
        """The `component` value of each of this kind's lines."""
        return [self.name] * n

    @abstractmethod
    def export(self, e: Any, s: StatementInputs) -> Block:
        """This kind's statement lines for the shown periods (a component without lines says so)."""

    def explain(self, line: Any, fmt: Explain) -> str:
        """A line in words; by default base × rate = amount."""
        from salesplan_widgets.i18n import _

        return _("{base} × {rate} = {amount}").format(
            base=fmt.money(line["base"]), rate=fmt.percent(line["rate"]), amount=fmt.money(line["amount"])
        )


def rates_text(values) -> str:
    """Rates as percents for a label: 0.05 -> 5%."""
    return "/".join(f"{v * 100:g}%" for v in np.atleast_1d(values))


def edge_text(value: float, basis: str) -> str:
    """An edge for a label: attainment as a percent, money as a number, no end as ∞."""
    from salesplan_widgets.i18n import fmt_number

    if not np.isfinite(value):
        return "∞"
    return f"{value * 100:g}%" if basis == "attainment" else fmt_number(value)


def adjustment(line: Any, fmt: Explain) -> str:
    """The words for a line that adjusts the lines above it (caps)."""
    from salesplan_widgets.i18n import _

    return _("adjustment of {amount}").format(amount=fmt.money(line["amount"]))

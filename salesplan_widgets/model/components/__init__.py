"""The registry of commission components: one module per kind, each the one place for its rule.

In the spirit of papermill's engine registry: a component declares its schema (the plan key and pydantic
model it reads), how it compiles (plan -> arrays), how it earns (one step of the engine, all reps at once),
its statement label and the explanation of a line (both languages, through `_`), and its export (the
statement block: base, rate, amount, which lines to show, a reference). The engine
(model/commission.py), the statements, the estimator, the simulation and the calculator all go through
`COMPONENTS`, in order. Adding a component means one module here, registered in `ORDER`, and its tests.
"""

from __future__ import annotations

from salesplan_widgets.model.components.base import Block, Component, Context, Explain, StatementInputs
from salesplan_widgets.model.components.registry import COMPONENTS, component

__all__ = ["COMPONENTS", "Block", "Component", "Context", "Explain", "StatementInputs", "component"]

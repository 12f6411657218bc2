"""Headline figures published from inside a report notebook and collected by the period run.

A template calls `publish_metrics({...})`; that displays one output with the custom mimetype
`application/vnd.salesplan.metrics+json` (plus a short text line for people reading the notebook). After
papermill has executed the notebook, `collect_metrics` reads those outputs back, and `strip_metrics`
removes them before the HTML page is rendered so the page never shows them. This module never touches
files: the run writes metrics.json.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # nbformat pulls in jsonschema (~2 s to import here): never import it in the kernel
    import nbformat

METRICS_MIMETYPE = "application/vnd.salesplan.metrics+json"


def json_safe(value: Any) -> Any:
    """Plain JSON values: numpy scalars become Python numbers, NaN/inf become None, periods become text."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if hasattr(value, "item") and not isinstance(value, float):  # numpy scalar
        return json_safe(value.item())
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    return str(value)


def publish_metrics(metrics: Mapping[str, Any]) -> None:
    """Publish this notebook's headline figures for the period run's metrics.json (merged per template)."""
    from IPython.display import display

    from salesplan_widgets.i18n import _

    data = json_safe(metrics)
    summary = _("Published for metrics.json: {names}").format(names=", ".join(sorted(data)))
    display({METRICS_MIMETYPE: data, "text/plain": summary}, raw=True)


def collect_metrics(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Every metric an executed notebook published, later calls overriding earlier ones."""
    collected: dict[str, Any] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if METRICS_MIMETYPE in data:
                collected.update(data[METRICS_MIMETYPE])
    return collected


def strip_metrics(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without its metrics outputs (in place), so the HTML page does not show them."""
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if METRICS_MIMETYPE not in o.get("data", {})]
    return nb

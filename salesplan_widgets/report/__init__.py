"""Static period reports: sections rendered as HTML with inline SVG charts, and the headline metrics.

`publish_metrics(dict)` is what a report template calls for its headline figures (collected into the
period's metrics.json by `salesplan run`). Sections live in their own modules (`overview` for the sales
history); `blocks` and `charts` are the shared building blocks. Nothing here runs notebooks or writes
reports: that is `salesplan_widgets.run`.
"""

from __future__ import annotations

from salesplan_widgets.report.metrics import METRICS_MIMETYPE, publish_metrics

__all__ = ["METRICS_MIMETYPE", "publish_metrics"]

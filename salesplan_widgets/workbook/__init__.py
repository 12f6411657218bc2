"""The workbook layer: the only code that touches storage (plan file, data sources, task sheets, reports)."""

from salesplan_widgets.workbook.workbook import Workbook, open_read_only, open_workbook

__all__ = ["Workbook", "open_read_only", "open_workbook"]

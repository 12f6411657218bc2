"""salesplan: set sales targets scientifically and run them through the year, in notebooks.

Public face: `open_workbook(path)` and the widgets. Imports are lazy so that the CLI and the Voila
kernels start fast and only pay for what they use.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["open_workbook", "Workbook"]


def __getattr__(name: str):
    if name in ("open_workbook", "Workbook"):
        from salesplan_widgets import workbook

        return getattr(workbook, name)
    raise AttributeError(name)

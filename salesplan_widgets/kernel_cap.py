"""A cap on live dashboard kernels, loaded by Voila as its kernel manager class.

Every page view starts a kernel (~150 MB with the dashboards' libraries), so an unbounded number of viewers
exhausts memory and then everyone's page fails. With a cap, the view that would start one kernel too many
gets a short "busy, try again shortly" page (HTTP 503, Voila's error page) instead, and the viewers already in
keep working. Kernels being started count too, so a burst of requests cannot slip past the cap. This
module runs inside the Voila process: it must stay importable without the rest of salesplan's stack.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Int, Unicode


class BusyError(web.HTTPError):
    """No kernel left for this view: 503, whose reason (the heading of Voila's error page) is the message
    `salesplan serve` set in the plan's language."""

    def __init__(self, message: str):
        super().__init__(503, reason=message)


class CappedKernelManager(AsyncMappingKernelManager):
    """AsyncMappingKernelManager that refuses a new kernel once `max_kernels` are live or starting."""

    max_kernels = Int(0, config=True, help="Most kernels alive at once; 0 means no cap.")
    busy_message = Unicode(
        "The dashboards are busy right now. Please try again shortly.",
        config=True,
        help="What a refused viewer reads (set by `salesplan serve` in the plan's language).",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting = 0

    async def start_kernel(self, *args, **kwargs) -> str:
        live = len(self.list_kernel_ids()) + self._starting
        if kwargs.get("kernel_id") is None and 0 < self.max_kernels <= live:
            self.log.warning("kernel cap of %d reached: a view was turned away", self.max_kernels)
            raise BusyError(self.busy_message)
        self._starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1

"""A cap on the kernels serving dashboard pages, loaded by Voila as its kernel manager class.

Every page view needs a kernel (~230 MB with the dashboards' libraries), so an unbounded number of viewers
exhausts memory and then everyone's page fails. With a cap, the view that would take one kernel too many
gets a short "busy, try again shortly" page (HTTP 503, Voila's error page) instead, and the viewers already in
keep working. Kernels being started or handed over count too, so a burst of requests cannot slip past the cap.
A closed page's kernel leaves the count when the page's shutdown request reaches Voila (`page_close`), so
its place is free again within seconds; a kernel no page asks to shut down counts until culled.

With Voila's preheated pool (`preheat_kernel`), idle pooled kernels serve nobody and do not count: a view
that takes one from the pool counts from then on, and refilling the pool is never refused (its size is
bounded by `pool_size`). Only heated kernels are handed over, so the pool can refill late (`fill_delay`),
after a burst of views has rendered, instead of competing with it for the CPU. This module runs inside the Voila process: it must stay importable without the
rest of salesplan's stack.
"""

from __future__ import annotations

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Int, Unicode

# Set by Voila in the environment of kernels it starts for its preheated pool.
_PREHEAT_ENV = "VOILA_PREHEAT"


class BusyError(web.HTTPError):
    """No kernel left for this view: 503, whose reason (the heading of Voila's error page) is the message
    `salesplan serve` set in the plan's language."""

    def __init__(self, message: str):
        super().__init__(503, reason=message)


class CappedKernelManager(AsyncMappingKernelManager):
    """AsyncMappingKernelManager that refuses a view once `max_kernels` kernels serve pages or are being
    started or handed over for one."""

    max_kernels = Int(0, config=True, help="Most kernels serving pages at once; 0 means no cap.")
    busy_message = Unicode(
        "The dashboards are busy right now. Please try again shortly.",
        config=True,
        help="What a refused viewer reads (set by `salesplan serve` in the plan's language).",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._serving: set[str] = set()  # kernels handed to a page, until shut down
        self._claims = 0  # views between the cap check and their kernel id

    def __init_subclass__(cls, **kwargs):
        """Voila's preheat subclasses this manager (voila_kernel_manager_factory) with a pool whose kernels
        are handed to views by `get_rendered_notebook`. Here that hand-over counts against the cap, and only
        a kernel that has finished heating is handed over: while the pool refills, a view starts its own
        kernel rather than queue behind one still starting."""
        super().__init_subclass__(**kwargs)
        hand_over = cls.__dict__.get("get_rendered_notebook")
        if hand_over is None:
            return

        def get_pool_size(self, notebook_name: str) -> int:
            return len(_ready(self._pools.get(notebook_name, [])))

        async def get_rendered_notebook(self, notebook_name: str, *args, **kwargs):
            with self._claim():
                pool = self._pools.get(notebook_name, [])
                for task in _ready(pool)[:1]:  # Voila hands over the first of the pool
                    pool.remove(task)
                    pool.insert(0, task)
                handed = await hand_over(self, notebook_name, *args, **kwargs)
                self._serving.add(handed[2])
            # Idle since it was heated: without this the culler could take it before the page connects.
            self.get_kernel(handed[2]).last_activity = utcnow()
            return handed

        cls.get_pool_size = get_pool_size
        cls.get_rendered_notebook = get_rendered_notebook

    def serving(self) -> int:
        """Kernels serving pages now, or about to."""
        self._serving &= set(self.list_kernel_ids())
        return len(self._serving) + self._claims

    def _claim(self):
        """A slot for one view, or BusyError once the cap is reached."""
        if 0 < self.max_kernels <= self.serving():
            self.log.warning("kernel cap of %d reached: a view was turned away", self.max_kernels)
            raise BusyError(self.busy_message)
        return _Claim(self)

    async def start_kernel(self, *args, **kwargs) -> str:
        pool_fill = (kwargs.get("env") or {}).get(_PREHEAT_ENV) == "True"
        if pool_fill or kwargs.get("kernel_id") is not None:
            return await super().start_kernel(*args, **kwargs)
        with self._claim():
            kernel_id = await super().start_kernel(*args, **kwargs)
            self._serving.add(kernel_id)
        return kernel_id

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
        self._serving.discard(kernel_id)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)


def _ready(pool: list) -> list:
    """The pool's kernels that have finished heating (Voila keeps one task per pooled kernel)."""
    return [task for task in pool if task.done() and not task.cancelled() and task.exception() is None]


class _Claim:
    """Counts a view as serving while its kernel is started or handed over."""

    def __init__(self, manager: CappedKernelManager):
        self.manager = manager

    def __enter__(self) -> None:
        self.manager._claims += 1

    def __exit__(self, *exc) -> None:
        self.manager._claims -= 1

"""A cap on the kernels serving dashboard pages, loaded by Voila as its kernel manager class.

Every page view needs a kernel (~230 MB with the dashboards' libraries), so an unbounded number of viewers
exhausts memory and then everyone's page fails. With a cap, the view that would take one kernel too many
gets a short "busy, try again shortly" page (HTTP 503, Voila's error page) instead, and the viewers already in
keep working. Kernels being started or handed over count too, so a burst of requests cannot slip past the cap.
A closed page's kernel leaves the count when the page's shutdown request reaches Voila (`page_close`), so
its place is free again within seconds; a kernel no page asks to shut down counts until culled.

With Voila's preheated pool (`preheat_kernel`), idle pooled kernels serve nobody and do not count: a view
that takes one from the pool counts from then on, and refilling the pool is never refused (its size is
bounded by `pool_size`). Only heated kernels are handed over.

Refilling the pool is paced, because heating a kernel (starting it, importing the dashboards' libraries,
running the notebook once) takes seconds of a whole core: Voila would start every replacement at once
`fill_delay` seconds after a burst of views, 20 kernels heating together on 2 cores while the burst's pages
are still drawing (benchmarks/bench_viewers.py: 18 of 20 pages failed). Here at most `max_heating` pool
kernels start or heat at a time, the next once the previous has run its notebook; and a refill starts only
while at most `refill_while_drawing` pages are being drawn (a page counts from its request until its
browser has connected and its kernel has been quiet `drawing_quiet` seconds), or after `refill_max_wait`
seconds of waiting, so that a server busy all day still gets its pool back. This module runs inside the
Voila process: it must stay importable without the rest of salesplan's stack.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Float, Int, Unicode

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
    max_heating = Int(1, config=True, help="Most preheated-pool kernels starting or heating at once (>= 1).")
    refill_while_drawing = Int(
        1, config=True, help="A pool refill starts only while at most this many pages are being drawn."
    )
    drawing_quiet = Float(
        5.0, config=True, help="Seconds a page's kernel is quiet before it counts as drawn."
    )
    heat_timeout = Float(180.0, config=True, help="Seconds a heating pool kernel holds its turn at most.")
    refill_max_wait = Float(
        60.0, config=True, help="Seconds a refill waits for pages to be drawn before it starts anyway."
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._serving: set[str] = set()  # kernels handed to a page, until shut down
        self._claims = 0  # views between the cap check and their kernel id
        self._heating = 0  # pool kernels starting or running their notebook unseen
        self._stopping = False

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

        initialize = cls.__dict__.get("_initialize")
        shutdown_all = cls.__dict__.get("shutdown_all")

        async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs):
            """Voila's pool task for one kernel (start it and run the notebook): it now waits its turn, and
            is done, so can be handed over, only once the notebook has run."""
            if kernel_id is not None:  # a restarted kernel: it is not heated for the pool
                return await initialize(self, notebook_path, kernel_id, **kwargs)
            await self._heating_turn()
            try:
                content = await initialize(self, notebook_path, None, **kwargs)
                await self._heated(content)
            finally:
                self._heating -= 1
            return content

        async def shutdown_all_kernels(self, *args, **kwargs):
            self._stopping = True  # refills still waiting for their turn start no kernel
            return await shutdown_all(self, *args, **kwargs)

        if initialize is not None and shutdown_all is not None:
            cls._initialize = _initialize
            cls.shutdown_all = shutdown_all_kernels

    def serving(self) -> int:
        """Kernels serving pages now, or about to."""
        self._serving &= set(self.list_kernel_ids())
        return len(self._serving) + self._claims

    def drawing(self) -> int:
        """Pages being drawn now: views asking for a kernel, serving kernels no browser has connected to yet
        (the page is still loading; a client that never connects counts until its kernel is culled), and
        serving kernels that are busy or were active within `drawing_quiet` seconds (a page's widgets talk
        to its kernel while it draws)."""
        recent = utcnow() - timedelta(seconds=self.drawing_quiet)
        drawing = 0
        for kernel_id in self._serving & set(self.list_kernel_ids()):
            kernel = self.get_kernel(kernel_id)
            drawing += (
                not self._kernel_connections.get(kernel_id, 0)
                or getattr(kernel, "execution_state", "") in ("busy", "starting")
                or getattr(kernel, "last_activity", recent) > recent
            )
        return drawing + self._claims

    async def _heating_turn(self, poll: float = 0.25) -> None:
        """Wait until a pool kernel may start heating: fewer than `max_heating` heat now, and at most
        `refill_while_drawing` pages are being drawn (or `refill_max_wait` seconds have passed)."""
        waiting_since = time.monotonic()
        while True:
            if self._stopping:
                raise PoolStopped("the server is stopping")
            patient = time.monotonic() - waiting_since < self.refill_max_wait
            if self._heating < max(1, self.max_heating) and (
                not patient or self.drawing() <= self.refill_while_drawing
            ):
                self._heating += 1
                self.log.info("Heating a pool kernel (%d page(s) being drawn)", self.drawing())
                return
            await asyncio.sleep(poll)

    async def _heated(self, content: dict, poll: float = 0.25) -> None:
        """Wait until a pool kernel has run its notebook: up to the cell that waits for the page's request
        (`voila.utils.wait_for_request`, whose socket Voila registers by kernel id), or to its end; or
        until it died or `heat_timeout` seconds passed (its turn is not held forever)."""
        from voila.request_info_handler import RequestInfoSocketHandler

        kernel_id, render = content["kernel_id"], content["task"]
        deadline = time.monotonic() + self.heat_timeout
        while not render.done() and kernel_id not in RequestInfoSocketHandler._waiters:
            if time.monotonic() > deadline or kernel_id not in self or self._stopping:
                return
            await asyncio.sleep(poll)

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


class PoolStopped(Exception):
    """A refill that had not started when the server began to stop (Voila's shutdown skips it)."""


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

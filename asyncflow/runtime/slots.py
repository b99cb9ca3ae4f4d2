"""A backend as the scheduler sees it: started once, jobs held back until it is ready."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future

from asyncflow.backends.base import ExecutionBackend, Job
from asyncflow.errors import BackendError
from asyncflow.runtime.loop import LoopThread


class BackendSlot:
    """Wraps one backend: start-up gating, submission errors turned into task failures."""

    def __init__(self, backend: ExecutionBackend, loop_thread: LoopThread) -> None:
        self.backend = backend
        self.name = backend.label
        self._loop_thread = loop_thread
        backend.attach(loop_thread.get_loop)
        self._ready = not backend.needs_start()
        self._held: list[Job] = []
        self._lock = threading.Lock()
        self.error: BaseException | None = None
        self.start_future: Future[None] | None = None
        self.closed = False

    def start(self) -> None:
        """Begin the backend's start-up on the engine loop (no-op if it has none)."""
        if not self._ready and self.start_future is None:
            self.start_future = self._loop_thread.submit(self._start())

    async def _start(self) -> None:
        try:
            await self.backend.start()
        except BaseException as exc:
            error = BackendError(
                f"backend {self.name!r} failed to start: {type(exc).__name__}: {exc}"
            )
            with self._lock:
                self.error = error
                held, self._held = self._held, []
            for job in held:
                job.set_exception(error)
            raise error from exc
        with self._lock:
            self._ready = True
            held, self._held = self._held, []
        if held:
            self._hand_over(held)

    def submit(self, jobs: Sequence[Job]) -> None:
        """Hand ``jobs`` to the backend, or hold them until it has started."""
        if not self._ready:
            with self._lock:
                if self.error is not None:
                    error = self.error
                elif not self._ready:
                    self._held.extend(jobs)
                    return
                else:
                    error = None
            if error is not None:
                for job in jobs:
                    job.set_exception(error)
                return
        self._hand_over(jobs)

    def _hand_over(self, jobs: Sequence[Job]) -> None:
        try:
            self.backend.submit(jobs)
        except BaseException as exc:
            for job in jobs:
                job.set_exception(
                    BackendError(
                        f"backend {self.name!r} could not accept task {job.name!r}: "
                        f"{type(exc).__name__}: {exc}"
                    )
                )

    def cancel(self, job: Job) -> bool:
        with self._lock:
            if job in self._held:
                self._held.remove(job)
                return True
        try:
            return bool(self.backend.cancel(job))
        except Exception:
            return False

    async def shutdown(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.start_future is not None and not self.start_future.done():
            self.start_future.cancel()
        if self.error is None:
            await self.backend.shutdown()

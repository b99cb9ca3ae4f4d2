"""Task futures: awaitable from any event loop AND waitable with a blocking ``.result()``."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import weakref
from collections import deque
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

from asyncflow.backends.base import Job, running
from asyncflow.errors import DefinitionError, TaskCancelledError
from asyncflow.graph import TaskState

if TYPE_CHECKING:
    from asyncflow.runtime.scheduler import Scheduler
    from asyncflow.runtime.slots import BackendSlot

PENDING = TaskState.PENDING.value
RUNNING = TaskState.RUNNING.value
DONE = TaskState.DONE.value
FAILED = TaskState.FAILED.value
CANCELLED = TaskState.CANCELLED.value
SKIPPED = TaskState.SKIPPED.value
FINAL = frozenset({DONE, FAILED, CANCELLED, SKIPPED})


class TaskFuture(Job):
    """The handle of one submitted task (or block).

    Await it (``await fut``) from any event loop, or block on ``fut.result(timeout)`` from
    plain code or from inside a coroutine. ``state`` moves PENDING → RUNNING → DONE |
    FAILED | CANCELLED, or to SKIPPED when an upstream task failed.
    """

    _asyncflow_future = True

    __slots__ = (
        "__weakref__",
        "_callbacks",
        "_dependents",
        "_exception",
        "_result",
        "_sched",
        "_waiter",
        "attempt",
        "body",
        "cache_key",
        "cached",
        "count",
        "deps",
        "job",
        "needs_resolve",
        "node",
        "options",
        "parent",
        "pending",
        "slot",
        "state",
        "t_created",
        "t_finished",
        "t_started",
        "t_submitted",
        "task_kind",
    )

    def __init__(
        self,
        sched: Scheduler,
        uid: str,
        name: str,
        task_kind: str,
        body: Callable[..., Any] | None,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
        *,
        is_async: bool,
        description: Mapping[str, Any],
        options: Any,
        slot: BackendSlot | None,
        deps: list[TaskFuture],
        needs_resolve: bool,
    ) -> None:
        self.uid = uid
        self.name = name
        self.kind = "executable" if task_kind == "executable" else "function"
        self.fn = None
        self.args = args
        self.kwargs = kwargs  # type: ignore[assignment]
        self.is_async = is_async
        self.command = None
        self.description = description
        self.timeout = options.timeout
        self._sched = sched
        self.task_kind = task_kind
        self.body = body
        self.options = options
        self.slot = slot
        self.deps = deps
        self.needs_resolve = needs_resolve
        self.state = PENDING
        self.pending = 0
        self.attempt = 0
        self.node: dict[str, Any] | None = None  # its graph node, once recorded
        self.parent: TaskFuture | None = None
        self.job: Job | None = None  # what the backend was given for the current attempt
        self.count: int | None = None
        self.cache_key: str | None = None
        self.cached = False
        self.t_created: float | None = None
        self.t_submitted: float | None = None
        self.t_started: float | None = None
        self.t_finished: float | None = None
        self._result: Any = None
        self._exception: BaseException | None = None
        self._callbacks: list[Callable[[TaskFuture], Any]] | None = None
        self._dependents: list[TaskFuture] | None = None
        self._waiter: threading.Event | None = None

    # -- Job reporting (called by backends, any thread) ------------------------------------
    def set_running(self) -> None:
        self._sched.mark_running(self)

    def set_result(self, value: Any) -> None:
        self._sched.finish(self, DONE, value, None)

    def set_exception(self, exc: BaseException) -> None:
        self._sched.task_failed(self, exc)

    @property
    def finished(self) -> bool:
        return self.state in FINAL

    # -- the future API ------------------------------------------------------------------
    def done(self) -> bool:
        """True once the task reached a final state."""
        return self.state in FINAL

    def cancelled(self) -> bool:
        return self.state == CANCELLED

    def running(self) -> bool:
        return self.state == RUNNING

    def result(self, timeout: float | None = None) -> Any:
        """The task's result; blocks until it is there. Raises the task's exception.

        Raises ``TimeoutError`` if ``timeout`` seconds pass first (the task goes on).
        """
        if self.state not in FINAL:
            self._wait(timeout)
        if self._exception is not None:
            raise self._exception
        return self._result

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """The task's exception (``None`` if it succeeded); blocks like :meth:`result`."""
        if self.state not in FINAL:
            self._wait(timeout)
        return self._exception

    def cancel(self, msg: str | None = None) -> bool:
        """Cancel the task and its dependents; False if it already finished."""
        return self._sched.cancel(self, msg)

    def add_done_callback(
        self, fn: Callable[[TaskFuture], Any], *, context: contextvars.Context | None = None
    ) -> None:
        """Call ``fn(future)`` when the task finishes.

        Registered from inside a running event loop, ``fn`` runs on that loop (as with
        asyncio futures, so ``asyncio.gather`` and friends accept task futures directly);
        registered from plain code, it runs on the thread that finished the task (as with
        ``concurrent.futures``), or at once if the task has finished.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            if not self._sched.add_callback(self, fn):
                fn(self)
            return
        if self.state in FINAL:
            loop.call_soon(fn, self, context=context)
            return
        bridge = _bridge_for(loop)

        def on_loop(fut: TaskFuture) -> None:
            bridge.post(fn, fut, context)

        on_loop.__wrapped__ = fn  # type: ignore[attr-defined]
        if not self._sched.add_callback(self, on_loop):
            loop.call_soon(fn, self, context=context)

    def remove_done_callback(self, fn: Callable[[TaskFuture], Any]) -> int:
        """Remove every registration of ``fn``; returns how many were removed."""
        return self._sched.remove_callback(self, fn)

    # -- what asyncio needs to treat a TaskFuture as one of its futures --------------------
    _asyncio_future_blocking = False

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    def _make_cancelled_error(self) -> BaseException:
        return self._exception or self.cancelled_error(None)

    @property
    def _cancel_message(self) -> str | None:
        return str(self._exception) if self._exception is not None else None

    def _wait(self, timeout: float | None) -> None:
        waiting_task = getattr(running, "task", None)
        if waiting_task is not None and self.state not in FINAL and self.slot is not None:
            raise DefinitionError(
                f"task {waiting_task!r} waits for task {self.name!r} with .result() inside "
                "its body; on a worker pool that can take every worker and deadlock. Pass "
                "the future as an argument instead (it becomes a dependency), or make the "
                "caller a @flow.block"
            )
        event = self._sched.waiter(self)
        if event is not None and not event.wait(timeout):
            raise TimeoutError(f"task {self.name!r} ({self.uid}) did not finish in {timeout} s")

    def __await__(self) -> Generator[Any, None, Any]:
        if self.state not in FINAL:
            loop = asyncio.get_running_loop()
            waiter = loop.create_future()
            bridge = _bridge_for(loop)
            if self._sched.add_callback(self, lambda _f: bridge.post(_wake, waiter, None)):
                yield from waiter
        return self.result()

    def __repr__(self) -> str:
        return f"<TaskFuture {self.name!r} {self.uid} {self.state}>"

    def __bool__(self) -> bool:
        return True

    __hash__ = object.__hash__

    def cancelled_error(self, msg: str | None) -> TaskCancelledError:
        text = f"task {self.name!r} ({self.uid}) was cancelled"
        return TaskCancelledError(f"{text}: {msg}" if msg else text, task=self.name)


class _LoopBridge:
    """Runs callbacks on one loop, from any thread, with one loop wake-up per batch."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: deque[tuple[Callable[[Any], Any], Any, contextvars.Context | None]] = deque()
        self.scheduled = False
        self.lock = threading.Lock()

    def post(self, fn: Callable[[Any], Any], arg: Any, context: contextvars.Context | None) -> None:
        with self.lock:
            self.pending.append((fn, arg, context))
            if self.scheduled:
                return
            self.scheduled = True
        with contextlib.suppress(RuntimeError):  # a closed loop has nobody waiting
            self.loop.call_soon_threadsafe(self.flush)

    def flush(self) -> None:
        with self.lock:
            items = list(self.pending)
            self.pending.clear()
            self.scheduled = False
        for fn, arg, context in items:
            if context is None:
                fn(arg)
            else:
                context.run(fn, arg)


def _wake(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_result(None)


_bridges: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopBridge] = (
    weakref.WeakKeyDictionary()
)
_bridges_lock = threading.Lock()


def _bridge_for(loop: asyncio.AbstractEventLoop) -> _LoopBridge:
    bridge = _bridges.get(loop)
    if bridge is None:
        with _bridges_lock:
            bridge = _bridges.get(loop)
            if bridge is None:
                bridge = _bridges[loop] = _LoopBridge(loop)
    return bridge

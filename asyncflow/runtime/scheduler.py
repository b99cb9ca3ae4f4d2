"""The event-driven scheduler shared by imperative calls and compiled plans.

No polling: a task is handed to its backend from inside the report that resolved its last
dependency, on whatever thread that report arrived. State changes happen under one lock;
user code (bodies, callbacks) never runs under it. Work that a report triggers is queued
per thread and drained iteratively, so a 50,000-long chain never deepens the stack.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from asyncflow.backends.base import Job
from asyncflow.backends.noop import DryRunResult
from asyncflow.errors import (
    DependencyFailureError,
    TaskCancelledError,
    TaskTimeoutError,
)
from asyncflow.graph import TaskGraph
from asyncflow.graph.template import ShellTemplate
from asyncflow.runtime.args import resolve
from asyncflow.runtime.attempt import Attempt
from asyncflow.runtime.bodies import call_body, check_support, checked_command, exit_to_error
from asyncflow.runtime.cache import MISSING, ResultCache
from asyncflow.runtime.composite import start_block, start_map
from asyncflow.runtime.future import (
    CANCELLED,
    DONE,
    FAILED,
    FINAL,
    PENDING,
    RUNNING,
    SKIPPED,
    TaskFuture,
)
from asyncflow.runtime.loop import LoopThread
from asyncflow.runtime.records import error_line, node_of
from asyncflow.runtime.slots import BackendSlot

Listener = Callable[[TaskFuture, str], None]

_DISPATCH, _SKIP = 0, 1


def _is_future(value: Any) -> bool:
    return type(value) is TaskFuture


def _result_of(fut: TaskFuture) -> Any:
    return fut._result


class Scheduler:
    """Tracks dependencies and states; dispatches ready tasks to their backend slots."""

    def __init__(self, graph: TaskGraph, loop_thread: LoopThread) -> None:
        self.graph = graph
        self.loop_thread = loop_thread
        self.live: dict[str, TaskFuture] = {}
        self.listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self.blocks: dict[str, Any] = {}
        self._unrecorded: list[TaskFuture] = []
        self.cache: ResultCache | None = None

    # -- the graph, recorded lazily ----------------------------------------------------------
    def record(self) -> TaskGraph:
        """Bring the graph up to date with every task submitted so far, and return it.

        Nodes are created on demand (not on the submission hot path); once a node exists,
        every state change updates it in place.
        """
        with self._lock:
            pending, self._unrecorded = self._unrecorded, []
            graph = self.graph
            for fut in pending:
                node = node_of(fut)
                graph.insert(fut.uid, node)
                fut.node = node
            for fut in pending:
                for dep in fut.deps:
                    graph.link(dep.uid, fut.uid)
        return graph

    # -- adding tasks ----------------------------------------------------------------------
    def add(self, fut: TaskFuture, parent: TaskFuture | None = None) -> None:
        """Record ``fut`` in the graph and schedule it once its dependencies resolve."""
        fut.t_created = time.time()
        fut.parent = parent
        cause = None
        pending = 0
        with self._lock:
            self._unrecorded.append(fut)
            self.live[fut.uid] = fut
            for dep in fut.deps:
                state = dep.state
                if state == DONE:
                    continue
                if state in FINAL:
                    cause = dep
                    continue
                pending += 1
                if dep._dependents is None:
                    dep._dependents = [fut]
                else:
                    dep._dependents.append(fut)
            fut.pending = pending
        local = self._local
        try:
            queue = local.queue
        except AttributeError:
            queue = self._queue()
        if cause is not None:
            queue.append((_SKIP, fut, cause))
        elif pending == 0:
            queue.append((_DISPATCH, fut, None))
        self._drain()

    # -- the work queue --------------------------------------------------------------------
    def _queue(self) -> deque[tuple[int, TaskFuture, Any]]:
        local = self._local
        try:
            return local.queue  # type: ignore[no-any-return]
        except AttributeError:
            local.queue = deque()
            local.batches = {}
            local.busy = False
            return local.queue  # type: ignore[no-any-return]

    def _drain(self) -> None:
        local = self._local
        if local.busy:
            return
        local.busy = True
        queue = local.queue
        batches: dict[BackendSlot, list[Job]] = local.batches
        try:
            while queue or batches:
                while queue:
                    action, fut, extra = queue.popleft()
                    if action == _DISPATCH:
                        self._dispatch(fut, batches)
                    else:
                        self._skip(fut, extra)
                if batches:
                    ready = list(batches.items())
                    batches.clear()
                    for slot, jobs in ready:
                        slot.submit(jobs)
        finally:
            local.busy = False

    def _dispatch(self, fut: TaskFuture, batches: dict[BackendSlot, list[Job]]) -> None:
        if fut.state != PENDING:
            return
        try:
            if fut.needs_resolve:
                fut.args = resolve(fut.args, _is_future, _result_of)
                fut.kwargs = resolve(fut.kwargs, _is_future, _result_of)
                fut.needs_resolve = False
            kind = fut.task_kind
            if kind == "block":
                start_block(self, fut)
                return
            if kind == "map":
                start_map(self, fut)
                return
            slot = fut.slot
            assert slot is not None
            check_support(slot, fut)
            if kind == "executable":
                if not slot.backend.runs_bodies:
                    if self.cache is not None and isinstance(fut.body, ShellTemplate):
                        # rendering a template runs no user code: the dry run can then
                        # tell whether the command is in the cache
                        fut.command = checked_command(fut, call_body(fut))
                elif fut.is_async:
                    self.loop_thread.submit(self._render_async(fut))
                    return
                else:
                    fut.command = checked_command(fut, call_body(fut))
            else:
                fut.fn = fut.body
        except BaseException as exc:
            self.task_failed(fut, exc)
            return
        if self.cache is not None and self._from_cache(fut):
            return
        fut.t_submitted = now = time.time()
        if fut.node is not None:
            fut.node["timings"]["submitted"] = now
        job = fut.job = Attempt(fut) if fut.timeout is not None or fut.options.retries else fut
        jobs = batches.get(slot)
        if jobs is None:
            batches[slot] = [job]
        else:
            jobs.append(job)

    def _from_cache(self, fut: TaskFuture) -> bool:
        """Finish ``fut`` from the result cache if it is there; else remember its key."""
        cache = self.cache
        assert cache is not None
        key = cache.key(fut.kind, fut.body, fut.args, fut.kwargs, fut.command)
        if key is None:
            return False
        value = cache.get(key)
        if value is MISSING:
            fut.cache_key = key
            return False
        fut.cached = True
        self.finish(fut, DONE, value, None)
        return True

    async def _render_async(self, fut: TaskFuture) -> None:
        try:
            command = await fut.body(*fut.args, **fut.kwargs)  # type: ignore[misc]
            fut.command = checked_command(fut, command)
            fut.is_async = False
        except BaseException as exc:
            self.task_failed(fut, exit_to_error(fut, exc))
            return
        if fut.state == PENDING:
            fut.t_submitted = time.time()
            job = fut.job = Attempt(fut) if fut.timeout is not None or fut.options.retries else fut
            fut.slot.submit([job])  # type: ignore[union-attr]

    # -- reports ---------------------------------------------------------------------------
    def mark_running(self, fut: TaskFuture) -> None:
        with self._lock:
            if fut.state != PENDING:
                return
            fut.state = RUNNING
            fut.t_started = now = time.time()
            node = fut.node
            if node is not None:
                node["state"] = RUNNING
                node["timings"]["started"] = now
        if fut.timeout is not None:
            self._arm_timeout(fut)
        if self.listeners:
            self._notify(fut, RUNNING)

    def task_failed(self, fut: TaskFuture, exc: BaseException) -> None:
        """A task raised; retry it if it has retries left, else fail it."""
        exc = exit_to_error(fut, exc)
        options = fut.options
        retryable = not isinstance(exc, TaskCancelledError | DependencyFailureError)
        if retryable and options is not None and fut.attempt < options.retries:
            with self._lock:
                if fut.state in FINAL:
                    return
                fut.attempt += 1
                fut.state = PENDING
                if fut.node is not None:
                    fut.node["state"] = PENDING
                    fut.node["attempts"] = fut.attempt + 1
            delay = options.retry_backoff * (2 ** (fut.attempt - 1))
            if delay > 0:
                loop = self.loop_thread.get_loop()
                loop.call_soon_threadsafe(loop.call_later, delay, self._redispatch, fut)
            else:
                self._redispatch(fut)
            return
        self.finish(fut, FAILED, None, exc)

    def _redispatch(self, fut: TaskFuture) -> None:
        self._queue().append((_DISPATCH, fut, None))
        self._drain()

    def finish(self, fut: TaskFuture, state: str, result: Any, exc: BaseException | None) -> bool:
        """Move ``fut`` to a final state (first report wins); wake and schedule dependents."""
        ready: list[TaskFuture] = []
        with self._lock:
            if fut.state in FINAL:
                return False
            fut.state = state
            fut._result = result
            fut._exception = exc
            fut.t_finished = now = time.time()
            if fut.t_started is None and state == DONE:
                fut.t_started = now  # reported done without a "running" first
            node = fut.node
            if node is not None:
                node["state"] = state
                node["timings"].update(started=fut.t_started, finished=now)
                if exc is not None:
                    node["error"] = error_line(exc)
            dependents, fut._dependents = fut._dependents, None
            if dependents and state == DONE:
                for dep in dependents:
                    if dep.state == PENDING:
                        dep.pending -= 1
                        if dep.pending == 0:
                            ready.append(dep)
            callbacks, fut._callbacks = fut._callbacks, None
            waiter = fut._waiter
            self.live.pop(fut.uid, None)
        if fut.cache_key is not None and state == DONE and not isinstance(result, DryRunResult):
            self.cache.put(fut.cache_key, result)  # type: ignore[union-attr]
        if waiter is not None:
            waiter.set()
        if callbacks:
            for callback in callbacks:
                try:
                    callback(fut)
                except Exception:
                    import logging

                    logging.getLogger("asyncflow").exception(
                        "done-callback of task %r raised", fut.name
                    )
        if self.listeners:
            self._notify(fut, state)
        if dependents:
            queue = self._queue()
            if state != DONE:
                for dep in dependents:
                    queue.append((_SKIP, dep, fut))
            for dep in ready:
                queue.append((_DISPATCH, dep, None))
            self._drain()
        return True

    def _skip(self, fut: TaskFuture, cause: TaskFuture) -> None:
        if fut.state in FINAL:
            return
        cause_exc = cause._exception
        if isinstance(cause_exc, DependencyFailureError):
            root, root_task = cause_exc.root_cause, cause_exc.root_task
        else:
            root = cause_exc or cause.cancelled_error(None)
            root_task = cause.name
        error = DependencyFailureError(fut.name, [cause.name], root, root_task)
        state = CANCELLED if isinstance(root, TaskCancelledError) else SKIPPED
        self.finish(fut, state, None, error)

    def cancel(self, fut: TaskFuture, msg: str | None = None) -> bool:
        """Cancel ``fut`` (and so its dependents); best effort on the backend side."""
        if fut.state in FINAL:
            return False
        # the state first: a failure the backend reports while stopping the task loses
        if not self.finish(fut, CANCELLED, None, fut.cancelled_error(msg)):
            return False
        if fut.slot is not None:
            fut.slot.cancel(fut.job or fut)
        handle = self.blocks.get(fut.uid)
        if handle is not None:
            handle.cancel()
        return True

    # -- timeouts --------------------------------------------------------------------------
    def _arm_timeout(self, fut: TaskFuture) -> None:
        loop = self.loop_thread.get_loop()
        attempt = fut.attempt
        limit = fut.timeout
        assert limit is not None

        def expire() -> None:
            if fut.state != RUNNING or fut.attempt != attempt:
                return
            job = fut.job
            # fail (or retry) first, so the abandoned attempt's own report is ignored
            self.task_failed(
                fut,
                TaskTimeoutError(
                    f"task {fut.name!r} ({fut.uid}) timed out after {limit:g} s", task=fut.name
                ),
            )
            if fut.slot is not None and job is not None:
                fut.slot.cancel(job)
            handle = self.blocks.get(fut.uid)
            if handle is not None and fut.state in FINAL:
                handle.cancel()

        loop.call_soon_threadsafe(loop.call_later, limit, expire)

    # -- waiting -------------------------------------------------------------------------
    def waiter(self, fut: TaskFuture) -> threading.Event | None:
        with self._lock:
            if fut.state in FINAL:
                return None
            if fut._waiter is None:
                fut._waiter = threading.Event()
            return fut._waiter

    def add_callback(self, fut: TaskFuture, fn: Callable[[TaskFuture], Any]) -> bool:
        with self._lock:
            if fut.state in FINAL:
                return False
            if fut._callbacks is None:
                fut._callbacks = [fn]
            else:
                fut._callbacks.append(fn)
            return True

    def remove_callback(self, fut: TaskFuture, fn: Callable[[TaskFuture], Any]) -> int:
        with self._lock:
            callbacks = fut._callbacks or []
            keep = [
                cb
                for cb in callbacks
                if cb is not fn and getattr(cb, "__wrapped__", None) is not fn
            ]
            removed = len(callbacks) - len(keep)
            if fut._callbacks is not None:
                fut._callbacks = keep
            return removed

    def _notify(self, fut: TaskFuture, state: str) -> None:
        for listener in list(self.listeners):
            try:
                listener(fut, state)
            except Exception:
                import logging

                logging.getLogger("asyncflow").exception("progress listener raised")

    def cancel_all(self, msg: str) -> int:
        """Cancel every unfinished task; returns how many were cancelled."""
        count = 0
        for fut in sorted(self.live.values(), key=lambda f: f.uid):
            if self.cancel(fut, msg):
                count += 1
        return count

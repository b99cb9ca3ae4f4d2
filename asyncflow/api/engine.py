"""The WorkflowEngine: decorators that turn functions into tasks, and their lifecycle."""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from asyncflow.api.engine_support import Collector, check_arity, normalise_backends, plan_of
from asyncflow.api.tasks import TaskDefinition, validate_options
from asyncflow.backends import ExecutionBackend
from asyncflow.backends.noop import NoopExecutionBackend
from asyncflow.errors import DefinitionError, DependencyFailureError, EngineClosedError
from asyncflow.graph import TaskGraph, TaskOptions
from asyncflow.runtime import BackendSlot, LoopThread, Scheduler, TaskFuture, current_block
from asyncflow.runtime.args import snapshot, snapshot_args
from asyncflow.runtime.cache import ResultCache

if TYPE_CHECKING:
    from asyncflow.api.run import PipelineRun

_task_ids = itertools.count(1)  # process-wide: ids never collide across engines
_engine_ids = itertools.count(1)

BackendSpec = ExecutionBackend | str
_UID_FORMATS = {
    "function": "task.%06d",
    "executable": "task.%06d",
    "block": "block.%06d",
    "map": "map.%06d",
}
_NO_DEPS: list[TaskFuture] = []  # shared, never mutated


class WorkflowEngine:
    """Runs tasks and pipelines on one or more backends.

    Args:
        backend: an :class:`ExecutionBackend`, a registered backend name (``"threads"``,
            ``"dask"``, ``"radical"``, ``"noop"``), or a list of them; tasks choose one by
            name with ``backend=`` on the decorator. Default: the thread backend.
        dry_run: run nothing; every task completes at once with a placeholder result. The
            configured backends are not started, and routing names still resolve.
        max_workers: size of the default thread pool.
        fail_fast: after the first task failure, cancel every task still pending or
            running (default: keep going; only dependents of a failure are skipped).
        cache: a folder for the result cache: a task whose code and inputs are unchanged
            since an earlier successful run is not run again (see docs/policies.md).

    Build it synchronously, or with ``await WorkflowEngine.create(...)`` inside a coroutine
    to also wait for the backends to be ready. Shut it down with ``await flow.shutdown()``,
    ``flow.close()``, or ``with``/``async with``.
    """

    def __init__(
        self,
        backend: BackendSpec | Iterable[BackendSpec] | None = None,
        dry_run: bool = False,
        *,
        max_workers: int | None = None,
        fail_fast: bool = False,
        cache: str | os.PathLike[str] | None = None,
    ) -> None:
        self.uid = f"engine.{next(_engine_ids):04d}"
        self.dry_run = dry_run
        self._loop_thread = LoopThread(name=f"asyncflow-{self.uid}")
        self._scheduler = Scheduler(TaskGraph(), self._loop_thread)
        self.fail_fast = fail_fast
        if fail_fast:
            self._scheduler.listeners.append(self._cancel_all_on_failure)
        if cache is not None:
            self._scheduler.cache = ResultCache(cache)
        self._closed = False
        self._shutdown_lock = threading.Lock()
        self._shutdown_future: Any = None
        backends = normalise_backends(backend, max_workers)
        self.backends: dict[str, ExecutionBackend] = {}
        for item in backends:
            if item.label in self.backends:
                raise DefinitionError(
                    f"two backends are named {item.label!r}; give one another name, e.g. "
                    f"{type(item).__name__}(..., name='{item.label}2')"
                )
            self.backends[item.label] = item
        self.default_backend = next(iter(self.backends))
        self._slots: dict[str, BackendSlot] = {}
        if dry_run:
            noop = BackendSlot(NoopExecutionBackend(), self._loop_thread)
            self._slots = dict.fromkeys(self.backends, noop)
        else:
            for label, item in self.backends.items():
                self._slots[label] = BackendSlot(item, self._loop_thread)
            for slot in self._slots.values():
                slot.start()

    @property
    def graph(self) -> TaskGraph:
        """Every task and block submitted so far, as a ``networkx.DiGraph``.

        Node attributes: name, kind, state, backend, timings (see asyncflow.graph.ir). The
        same object is returned each time, brought up to date on access; the states of the
        nodes it holds keep changing live as tasks run.
        """
        return self._scheduler.record()

    # -- construction ----------------------------------------------------------------------
    @classmethod
    async def create(
        cls,
        backend: BackendSpec | Iterable[BackendSpec] | None = None,
        dry_run: bool = False,
        **options: Any,
    ) -> WorkflowEngine:
        """Build an engine inside a coroutine and wait until its backends are ready."""
        engine = cls(backend=backend, dry_run=dry_run, **options)
        await engine.ready()
        return engine

    async def ready(self) -> None:
        """Wait until every backend has started; raises BackendError if one failed."""
        for slot in set(self._slots.values()):
            if slot.start_future is not None:
                await asyncio.wrap_future(slot.start_future)

    # -- decorators ------------------------------------------------------------------------
    def function_task(self, fn: Callable[..., Any] | None = None, /, **options: Any) -> Any:
        """Decorate a function (``def`` or ``async def``) whose return value is the result."""
        return self._decorate("function", fn, options)

    def executable_task(self, fn: Callable[..., Any] | None = None, /, **options: Any) -> Any:
        """Decorate a function that returns a shell command; the result is its stdout."""
        return self._decorate("executable", fn, options)

    def block(self, fn: Callable[..., Any] | None = None, /, **options: Any) -> Any:
        """Decorate a composite function that calls other tasks; it can be a dependency."""
        return self._decorate("block", fn, options)

    def _decorate(self, kind: str, fn: Any, options: Mapping[str, Any]) -> Any:
        allowed = {"backend", "retries", "retry_backoff", "timeout", "task_description", "name"}
        unknown = set(options) - allowed
        if unknown:
            raise DefinitionError(
                f"@flow.{kind}{'_task' if kind != 'block' else ''} got unknown option(s) "
                f"{sorted(unknown)}; allowed: {sorted(allowed)}"
            )
        if fn is not None and not callable(fn):
            raise DefinitionError(
                f"@flow.{kind}_task takes the function to decorate, got {fn!r}; "
                f"use @flow.{kind}_task or @flow.{kind}_task(backend=..., ...)"
            )
        opts = dict(options)
        name = opts.pop("name", None)
        task_options = TaskOptions(
            backend=opts.get("backend"),
            retries=opts.get("retries") or 0,
            retry_backoff=opts.get("retry_backoff") or 0.0,
            timeout=opts.get("timeout"),
            task_description=dict(opts.get("task_description") or {}),
        )

        def wrap(function: Callable[..., Any]) -> TaskDefinition:
            label = name or getattr(function, "__name__", kind)
            validate_options(task_options, label)
            if kind != "block":
                self._slot_for(task_options.backend, label)
            return TaskDefinition(self, function, kind, task_options, name)

        return wrap if fn is None else wrap(fn)

    def _slot_for(self, backend: str | None, task: str) -> BackendSlot:
        if backend is None:
            return self._slots[self.default_backend]
        slot = self._slots.get(backend)
        if slot is None:
            raise DefinitionError(
                f"task {task!r} asks for backend {backend!r}, but this engine has "
                f"{sorted(self._slots)}; pass it to WorkflowEngine(backend=[...])"
            )
        return slot

    # -- submission ------------------------------------------------------------------------
    def _submit(
        self,
        definition: TaskDefinition,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        description: Mapping[str, Any] | None,
    ) -> TaskFuture:
        return self._create(
            definition.name,
            definition.kind,
            definition.body if definition.kind == "function" else definition.fn,
            definition.is_async,
            definition.options,
            args,
            kwargs,
            description,
            check=definition,
        )

    def _create(
        self,
        name: str,
        kind: str,
        body: Callable[..., Any] | None,
        is_async: bool,
        options: TaskOptions,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        description: Mapping[str, Any] | None,
        *,
        check: TaskDefinition | None = None,
        parent: TaskFuture | None = None,
    ) -> TaskFuture:
        """Create and schedule one task; the single path for calls, plans and maps."""
        if self._closed:
            raise EngineClosedError(
                f"cannot submit task {name!r}: the engine was shut down; "
                "create a new WorkflowEngine"
            )
        scheduler = self._scheduler
        deps: dict[int, TaskFuture] = {}
        has_futures = False
        if args:
            args, has_futures = snapshot_args(args, Collector, scheduler, deps, name)
        if kwargs:
            kwargs, has_kw = snapshot(kwargs, Collector(scheduler, deps, name))
            has_futures = has_futures or has_kw
        if check is not None:
            check_arity(check, args, kwargs)
        if description:
            merged = dict(options.task_description)
            merged.update(description)
            description = merged
        else:
            description = options.task_description
        slot = None if kind in ("block", "map") else self._slot_for(options.backend, name)
        future = TaskFuture(
            scheduler,
            _UID_FORMATS[kind] % next(_task_ids),
            name,
            kind,
            body,
            args,
            kwargs,
            is_async=is_async,
            description=description,
            options=options,
            slot=slot,
            deps=list(deps.values()) if deps else _NO_DEPS,
            needs_resolve=has_futures,
        )
        scheduler.add(future, parent if parent is not None else current_block.get())
        return future

    # -- pipelines -------------------------------------------------------------------------
    def submit(self, pipeline: Any, *inputs: Any, fail_fast: bool | None = None) -> PipelineRun:
        """Start a pipeline (or plan) with ``inputs``; returns its :class:`PipelineRun`.

        The run is awaitable and has a blocking ``.result(timeout)``. ``fail_fast``
        (default: the engine's setting) cancels the rest of the run after a failure.
        """
        from asyncflow.api.run import PipelineRun

        fail_fast = self.fail_fast if fail_fast is None else fail_fast
        return PipelineRun(self, plan_of(pipeline), inputs, fail_fast=fail_fast)

    def run(
        self,
        pipeline: Any,
        *inputs: Any,
        timeout: float | None = None,
        fail_fast: bool | None = None,
    ) -> Any:
        """Run a pipeline to the end and return its result (a tuple for several sinks).

        On a dry-run engine the plan is printed and placeholders are returned.
        """
        run = self.submit(pipeline, *inputs, fail_fast=fail_fast)
        if self.dry_run:
            print(run.plan.describe())
        return run.result(timeout)

    async def arun(self, pipeline: Any, *inputs: Any) -> Any:
        """Awaitable form of :meth:`run`."""
        return await self.submit(pipeline, *inputs)

    def _cancel_all_on_failure(self, future: TaskFuture, state: str) -> None:
        if state == "FAILED" and not isinstance(future._exception, DependencyFailureError):
            self._scheduler.cancel_all(f"fail-fast: task {future.name!r} failed")

    @property
    def cache(self) -> ResultCache | None:
        """The result cache, if the engine has one (``hits`` and ``stores`` count its use)."""
        return self._scheduler.cache

    def add_listener(self, callback: Callable[[TaskFuture, str], Any]) -> None:
        """Call ``callback(future, state)`` on every state change (any thread; keep it fast)."""
        self._scheduler.listeners.append(callback)

    def remove_listener(self, callback: Callable[[TaskFuture, str], Any]) -> None:
        self._scheduler.listeners.remove(callback)

    def plot(self, path: str | None = None, **options: Any) -> Any:
        """Draw everything this engine ran (states after a run); returns the figure."""
        from asyncflow.export import draw

        return draw(self.graph, path, **options)

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    async def shutdown(self) -> None:
        """Cancel what is pending, shut the backends down; safe to call twice."""
        future = self._begin_shutdown()
        if self._loop_thread.in_loop_thread():
            return  # called from a block: the shutdown proceeds on its own
        await asyncio.wrap_future(future)
        self._loop_thread.stop()

    def close(self) -> None:
        """Blocking form of :meth:`shutdown`, for plain code and ``with``."""
        future = self._begin_shutdown()
        if self._loop_thread.in_loop_thread():
            return
        future.result()
        self._loop_thread.stop()

    def _begin_shutdown(self) -> Any:
        with self._shutdown_lock:
            if self._shutdown_future is None:
                self._closed = True
                self._scheduler.cancel_all("the engine was shut down")
                self._shutdown_future = self._loop_thread.submit(self._shutdown_backends())
            return self._shutdown_future

    async def _shutdown_backends(self) -> None:
        errors = []
        for slot in dict.fromkeys(self._slots.values()):
            try:
                await slot.shutdown()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self) -> WorkflowEngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> WorkflowEngine:
        await self.ready()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.shutdown()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<WorkflowEngine {self.uid} backends={list(self.backends)} {state}>"

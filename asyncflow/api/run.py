"""Running a compiled plan on an engine: one future per plan task, maps expanded live."""

from __future__ import annotations

import inspect
import time
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from asyncflow.api.summary import RunSummary
from asyncflow.compiler import ExecutionPlan, PlanTask
from asyncflow.errors import DefinitionError, DependencyFailureError
from asyncflow.graph import TaskOptions
from asyncflow.graph.wiring import substitute

if TYPE_CHECKING:
    from asyncflow.api.engine import WorkflowEngine
    from asyncflow.runtime import TaskFuture


class PipelineRun:
    """One run of a plan. Awaitable; ``.result(timeout)`` blocks.

    ``futures`` maps plan task ids to their futures; ``states`` and ``results`` give the
    per-node view; mapped items are the ``children`` of their map's future.
    """

    def __init__(
        self,
        engine: WorkflowEngine,
        plan: ExecutionPlan,
        inputs: tuple[Any, ...],
        *,
        fail_fast: bool = False,
    ) -> None:
        self.engine = engine
        self.fail_fast = fail_fast
        self.stopped: str | None = None  # the fail-fast message, once a task failed
        self.plan = plan
        self.inputs = inputs
        self.futures: dict[str, TaskFuture] = {}
        self.children: dict[str, list[TaskFuture]] = {}
        self.started = time.monotonic()
        for task in plan.tasks:  # stage order: every upstream future already exists
            future = self._start(task)
            self.futures[task.id] = future
            if fail_fast:
                self._watch(future)

    def _watch(self, future: TaskFuture) -> None:
        if self.stopped is not None:  # created after the failure that stopped the run
            future.cancel(self.stopped)
            return
        # on the finishing thread, not on an event loop that the caller may be blocking
        if not self.engine._scheduler.add_callback(future, self._on_done):
            self._on_done(future)

    def _on_done(self, future: TaskFuture) -> None:
        if future.state == "FAILED" and not isinstance(future._exception, DependencyFailureError):
            if self.stopped is None:
                self.stopped = f"fail-fast: task {future.name!r} failed"
            self.cancel(self.stopped)

    def _start(self, task: PlanTask) -> TaskFuture:
        if task.wiring is None:
            args = tuple(self.inputs)
        else:
            args = (substitute(task.wiring, self.futures.__getitem__),)
        options = _options(task)
        if task.kind == "map":
            assert task.inner is not None
            expander = _Expander(self, task.id, task.inner)
            # retries and timeouts apply to each item, not to the map as a whole
            return self.engine._create(
                task.name, "map", expander, False, TaskOptions(), args, {}, None
            )
        body = task.callable()
        kwargs = dict(task.bound)
        if task.wiring is None:
            _check_call(task, body, args, kwargs)
        return self.engine._create(
            task.name, task.kind, body, task.is_async, options, args, kwargs, None
        )

    # -- outcome ---------------------------------------------------------------------------
    def result(self, timeout: float | None = None) -> Any:
        """The sink's result (a tuple for several sinks); raises the first failure."""
        deadline = None if timeout is None else time.monotonic() + timeout

        def value_of(task_id: str) -> Any:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            return self.futures[task_id].result(remaining)

        return self._outputs(value_of)

    def __await__(self) -> Generator[Any, None, Any]:
        outputs = self.plan.outputs
        if outputs is not None:
            from asyncflow.graph.wiring import leaves

            for _, task_id in leaves(outputs):
                yield from self.futures[task_id].__await__()
        return self._outputs(lambda task_id: self.futures[task_id].result())

    def _outputs(self, value_of: Any) -> Any:
        if self.plan.outputs is None:
            return None
        return substitute(self.plan.outputs, value_of)

    def done(self) -> bool:
        return all(f.done() for f in self.futures.values())

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every task of the run (mapped items included) has finished.

        Unlike :meth:`result`, which raises at the first failed output, this lets the
        independent branches run to their end. Returns False if ``timeout`` passed first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pending = [f for f in self._all() if not f.done()]
            if not pending:
                return True
            for fut in pending:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                try:
                    fut.exception(remaining)
                except TimeoutError:
                    return False

    @property
    def states(self) -> dict[str, str]:
        return {task_id: fut.state for task_id, fut in self.futures.items()}

    @property
    def results(self) -> dict[str, Any]:
        """Results of the plan tasks that finished successfully."""
        return {
            task_id: fut._result for task_id, fut in self.futures.items() if fut.state == "DONE"
        }

    def summary(self) -> RunSummary:
        """Counts per state (mapped items included), the root causes, and the time taken."""
        return RunSummary.of(self._all(), time.monotonic() - self.started)

    def _all(self) -> list[TaskFuture]:
        out = list(self.futures.values())
        for kids in self.children.values():
            out.extend(kids)
        return out

    def cancel(self, msg: str | None = None) -> int:
        """Cancel every unfinished task of this run; returns how many were cancelled."""
        return sum(1 for fut in self._all() if fut.cancel(msg or "run cancelled"))


class _Expander:
    """The body of a map node: submits the inner task once per item."""

    def __init__(self, run: PipelineRun, task_id: str, inner: PlanTask) -> None:
        self.run = run
        self.task_id = task_id
        self.inner = inner
        self.options = _options(inner)

    def __call__(self, parent: TaskFuture, items: list[Any]) -> list[TaskFuture]:
        inner = self.inner
        body = inner.callable()
        kwargs = dict(inner.bound)
        if items:
            _check_call(inner, body, (items[0],), kwargs)
        create = self.run.engine._create
        children = [
            create(
                inner.name,
                inner.kind,
                body,
                inner.is_async,
                self.options,
                (item,),
                kwargs,
                None,
                parent=parent,
            )
            for item in items
        ]
        self.run.children[self.task_id] = children
        if self.run.fail_fast:
            for child in children:
                self.run._watch(child)
        return children


def _options(task: PlanTask) -> TaskOptions:
    return TaskOptions(
        backend=task.backend,
        retries=task.retries,
        retry_backoff=task.retry_backoff,
        timeout=task.timeout,
        task_description=dict(task.task_description),
    )


def _check_call(task: PlanTask, body: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    fn = getattr(body, "fn", body)
    if task.template is not None:
        placeholders: frozenset[str] = getattr(body, "placeholders", frozenset())
        if not args and "input" in placeholders and "input" not in kwargs:
            raise DefinitionError(
                f"shell task {task.name!r} uses {{input}}, but nothing is piped into it; "
                f"give the pipeline an input (in a .flow file: run VALUE | {task.name}; "
                "in Python: flow.run(pipeline, value))"
            )
        return
    if fn is None:
        return
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        params = ", ".join(str(p) for p in signature.parameters.values())
        raise DefinitionError(
            f"task {task.name!r} cannot be called with {len(args)} input(s): {exc}; "
            f"its parameters are ({params})"
        ) from None

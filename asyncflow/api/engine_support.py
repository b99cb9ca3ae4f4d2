"""Helpers of the engine: backend lists, argument checks, what flow.run() accepts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from asyncflow.backends import ExecutionBackend, create_backend
from asyncflow.errors import DefinitionError
from asyncflow.runtime import Scheduler, TaskFuture

BackendSpec = ExecutionBackend | str

if TYPE_CHECKING:
    from asyncflow.api.tasks import TaskDefinition
    from asyncflow.compiler import ExecutionPlan


class Collector:
    """Called on every future found in a task's arguments: keeps ours, rejects others."""

    __slots__ = ("deps", "name", "scheduler")

    def __init__(self, scheduler: Scheduler, deps: dict[int, TaskFuture], name: str) -> None:
        self.scheduler = scheduler
        self.deps = deps
        self.name = name

    def __call__(self, value: Any) -> bool:
        if type(value) is TaskFuture and value._sched is self.scheduler:
            self.deps[id(value)] = value
            return True
        if type(value) is TaskFuture:
            raise DefinitionError(
                f"task {self.name!r}: an argument is a future of another engine "
                f"({value.uid}); pass its value instead (await it or call .result())"
            )
        raise DefinitionError(
            f"task {self.name!r}: an argument is a {type(value).__name__}, which asyncflow "
            "does not wait on; await it first and pass its value"
        )


def normalise_backends(
    backend: BackendSpec | Iterable[BackendSpec] | None, max_workers: int | None
) -> list[ExecutionBackend]:
    if backend is None:
        from asyncflow.backends.concurrent import ConcurrentExecutionBackend

        return [ConcurrentExecutionBackend(max_workers=max_workers)]
    items = [backend] if isinstance(backend, ExecutionBackend | str) else list(backend)
    if not items:
        raise DefinitionError("WorkflowEngine(backend=[]) needs at least one backend")
    result = []
    for item in items:
        if isinstance(item, str):
            item = create_backend(item)
        if not isinstance(item, ExecutionBackend):
            raise DefinitionError(
                f"backend must be an ExecutionBackend or a backend name, got {item!r}"
            )
        result.append(item)
    return result


def check_arity(definition: TaskDefinition, args: tuple[Any, ...], kwargs: Any) -> None:
    """Reject a call the function cannot accept, naming the task (cheap common case)."""
    arity = definition.arity
    if arity is not None and not kwargs:
        required, maximum = arity
        if len(args) >= required and (maximum is None or len(args) <= maximum):
            return
    signature = definition.signature
    if signature is None:
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        params = ", ".join(signature.parameters)
        raise DefinitionError(
            f"task {definition.name!r} cannot be called like this: {exc}; "
            f"its parameters are ({params})"
        ) from None


def plan_of(pipeline: Any) -> ExecutionPlan:
    from asyncflow.api.steps import Step, as_step
    from asyncflow.compiler import ExecutionPlan

    if isinstance(pipeline, ExecutionPlan):
        return pipeline
    plan = getattr(pipeline, "plan", None)
    if callable(plan):
        return plan()  # type: ignore[no-any-return]
    if isinstance(plan, ExecutionPlan):
        return plan
    step = as_step(pipeline, "run")
    if isinstance(step, Step):
        from asyncflow.api.pipeline import Pipeline

        return Pipeline(step).plan()
    raise DefinitionError(
        f"flow.run() takes a pipeline, a task or a plan, got {type(pipeline).__name__}"
    )

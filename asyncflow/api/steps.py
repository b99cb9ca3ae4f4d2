"""Lazy steps and the operators that compose them into pipelines.

Composition builds an immutable expression tree; nothing runs. ``|`` makes a sequence,
``&`` (or a list inside a pipe) a parallel group; both flatten, so ``(a | b) | c`` and
``a | (b | c)`` are the same pipeline. ``.map()`` applies a step to every item of its
input, ``.bind(k=v)`` fixes keyword arguments.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from asyncflow.errors import CompositionError
from asyncflow.graph import NodeKind, TaskOptions, TaskSpec
from asyncflow.graph.template import ShellTemplate

if TYPE_CHECKING:
    from asyncflow.api.pipeline import Pipeline


class Step:
    """Anything that can appear in a pipeline."""

    # -- operators -------------------------------------------------------------------------
    def __or__(self, other: Any) -> Pipeline:
        right = as_step(other, "|")
        if right is None:
            return NotImplemented
        return _pipeline(Sequence_((self, right)))

    def __ror__(self, other: Any) -> Pipeline:
        left = as_step(other, "|")
        if left is None:
            return NotImplemented
        return _pipeline(Sequence_((left, self)))

    def __and__(self, other: Any) -> Pipeline:
        right = as_step(other, "&")
        if right is None:
            return NotImplemented
        return _pipeline(Group((self, right)))

    def __rand__(self, other: Any) -> Pipeline:
        left = as_step(other, "&")
        if left is None:
            return NotImplemented
        return _pipeline(Group((left, self)))

    # -- lazy objects refuse to be used as values ----------------------------------------
    def __bool__(self) -> bool:
        raise TypeError(
            f"{self!r} is a lazy pipeline step and has no truth value; "
            "run it with flow.run(pipeline, *inputs) and test the result"
        )

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(
            f"{self!r} is a lazy pipeline step and cannot be iterated; run it with "
            "flow.run(pipeline, *inputs), or use step.map() to apply a step to every item"
        )

    @property
    def expr(self) -> Step:
        """The expression this step stands for (a Pipeline unwraps to its tree)."""
        return self

    # -- a lone step is a one-step pipeline ------------------------------------------------
    def pipeline(self) -> Pipeline:
        return _pipeline(self)

    @property
    def graph(self) -> Any:
        return self.pipeline().graph

    def plan(self) -> Any:
        return self.pipeline().plan()

    def describe(self) -> str:
        return self.pipeline().describe()

    def plot(self, path: str | None = None, **options: Any) -> Any:
        return self.pipeline().plot(path, **options)


class TaskStep(Step):
    """One task in a pipeline: a function or a shell command, with bound arguments."""

    def __init__(self, spec: TaskSpec, signature: inspect.Signature | None = None) -> None:
        self.spec = spec
        self.signature = signature

    @property
    def name(self) -> str:
        return self.spec.name

    def map(self) -> MapStep:
        """Run this step once per item of its input, concurrently; the result is a list."""
        return MapStep(self)

    def bind(self, **kwargs: Any) -> TaskStep:
        """Fix keyword arguments of this step inside a pipeline."""
        if self.signature is not None:
            params = self.signature.parameters
            takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
            unknown = [k for k in kwargs if k not in params and not takes_any]
            if unknown:
                raise CompositionError(
                    f"task {self.name!r} has no parameter(s) {', '.join(map(repr, unknown))}; "
                    f"its parameters are ({', '.join(params)})"
                )
        placeholders = self.spec.extra.get("placeholders")
        if placeholders is not None:
            unknown = [k for k in kwargs if k not in placeholders]
            if unknown:
                raise CompositionError(
                    f"shell task {self.name!r} has no placeholder(s) "
                    f"{', '.join('{' + k + '}' for k in unknown)}; its template uses "
                    f"{', '.join('{' + p + '}' for p in sorted(placeholders)) or 'none'}"
                )
        bound = {**self.spec.bound, **kwargs}
        return TaskStep(_replace(self.spec, bound=bound), self.signature)

    def with_options(
        self,
        *,
        backend: str | None = None,
        retries: int | None = None,
        retry_backoff: float | None = None,
        timeout: float | None = None,
        task_description: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> TaskStep:
        """A copy with some execution options changed."""
        options = self.spec.options.merged(
            backend=backend,
            retries=retries,
            retry_backoff=retry_backoff,
            timeout=timeout,
            task_description=task_description,
        )
        from asyncflow.api.tasks import validate_options

        validate_options(options, name or self.name)
        return TaskStep(
            _replace(self.spec, options=options, name=name or self.name), self.signature
        )

    def check_input(self, count: int = 1) -> None:
        """Raise if the step cannot take ``count`` positional inputs plus its bound args."""
        placeholders = self.spec.extra.get("placeholders")
        if placeholders is not None:
            return  # a shell template takes its input as {input}
        if self.signature is None:
            return
        try:
            self.signature.bind(*([None] * count), **self.spec.bound)
        except TypeError as exc:
            params = ", ".join(str(p) for p in self.signature.parameters.values())
            what = "the piped input" if count == 1 else f"{count} inputs"
            raise CompositionError(
                f"task {self.name!r} cannot take {what}: {exc}; its parameters are ({params})"
            ) from None

    def __repr__(self) -> str:
        return f"<step {self.name!r}>"


class MapStep(Step):
    """A step applied to every item of its input."""

    def __init__(self, inner: TaskStep) -> None:
        inner.check_input(1)
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    def __repr__(self) -> str:
        return f"<map {self.inner.name!r}>"


class Sequence_(Step):
    """``a | b | c``: each part receives the previous part's result."""

    parts: tuple[Step, ...]

    def __init__(self, parts: Sequence[Step]) -> None:
        flat: list[Step] = []
        for part in parts:
            part = part.expr
            flat.extend(part.parts if isinstance(part, Sequence_) else [part])
        for part in flat[1:]:
            _check_takes_input(part)
        self.parts = tuple(flat)

    def __repr__(self) -> str:
        return "(" + " | ".join(map(repr, self.parts)) + ")"


class Group(Step):
    """``a & b``: every part receives the same input; the result is a tuple."""

    parts: tuple[Step, ...]

    def __init__(self, parts: Sequence[Step]) -> None:
        flat: list[Step] = []
        for part in parts:
            part = part.expr
            flat.extend(part.parts if isinstance(part, Group) else [part])
        self.parts = tuple(flat)

    def __repr__(self) -> str:
        return "(" + " & ".join(map(repr, self.parts)) + ")"


def _check_takes_input(step: Step) -> None:
    if isinstance(step, TaskStep):
        step.check_input(1)
    elif isinstance(step, Group | Sequence_):
        first = step.parts if isinstance(step, Group) else step.parts[:1]
        for part in first:
            _check_takes_input(part)


def as_step(value: Any, operator: str) -> Step | None:
    """Turn an operand into a step; None if Python should try the other operand."""
    if isinstance(value, Step):
        return value
    to_step = getattr(value, "as_step", None)
    if callable(to_step):
        return to_step()  # type: ignore[no-any-return]
    if isinstance(value, list | tuple):
        if not value:
            raise CompositionError(f"an empty list cannot be composed with {operator!r}")
        parts = []
        for item in value:
            step = as_step(item, operator)
            if step is None:
                raise CompositionError(
                    f"a list in a pipeline may only hold tasks or pipelines; "
                    f"{item!r} ({type(item).__name__}) is neither"
                )
            parts.append(step)
        return Group(parts) if len(parts) > 1 else parts[0]
    return None


def _pipeline(expr: Step) -> Pipeline:
    from asyncflow.api.pipeline import Pipeline

    return Pipeline(expr)


def _replace(spec: TaskSpec, **changes: Any) -> TaskSpec:
    return dataclasses.replace(spec, **changes)


def _signature(fn: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def _options(
    backend: str | None,
    retries: int,
    timeout: float | None,
    task_description: Mapping[str, Any] | None,
    retry_backoff: float = 0.0,
) -> TaskOptions:
    return TaskOptions(
        backend=backend,
        retries=retries,
        retry_backoff=retry_backoff,
        timeout=timeout,
        task_description=dict(task_description or {}),
    )


def task(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    retries: int = 0,
    retry_backoff: float = 0.0,
    timeout: float | None = None,
    backend: str | None = None,
    task_description: Mapping[str, Any] | None = None,
) -> TaskStep:
    """A pipeline step around a plain Python function (``def`` or ``async def``)."""
    if not callable(fn):
        raise CompositionError(f"task() needs a function, got {type(fn).__name__}")
    as_step = getattr(fn, "as_step", None)
    if callable(as_step):  # a decorated task: use its body, not its submitting call
        return as_step().with_options(  # type: ignore[no-any-return]
            name=name,
            retries=retries or None,
            retry_backoff=retry_backoff or None,
            timeout=timeout,
            backend=backend,
            task_description=task_description,
        )
    from asyncflow.api.tasks import TaskBody, validate_options

    options = _options(backend, retries, timeout, task_description, retry_backoff)
    validate_options(options, name or str(getattr(fn, "__name__", "task")))
    spec = TaskSpec(
        name=name or str(getattr(fn, "__name__", "task")),
        kind=NodeKind.FUNCTION,
        fn=TaskBody(fn),
        options=options,
        extra={"is_async": inspect.iscoroutinefunction(fn)},
    )
    return TaskStep(spec, _signature(fn))


def shell(
    template: str,
    *,
    name: str,
    retries: int = 0,
    retry_backoff: float = 0.0,
    timeout: float | None = None,
    backend: str | None = None,
    task_description: Mapping[str, Any] | None = None,
) -> TaskStep:
    """A pipeline step that runs a shell command built from ``template``.

    ``{input}`` is the piped input, other ``{name}`` fields are bound arguments; every value
    is shell-quoted when substituted (a list becomes several quoted words). The result is
    stdout without trailing newlines.
    """
    renderer = ShellTemplate(template)
    options = _options(backend, retries, timeout, task_description, retry_backoff)
    from asyncflow.api.tasks import validate_options

    validate_options(options, name)
    spec = TaskSpec(
        name=name,
        kind=NodeKind.EXECUTABLE,
        fn=renderer,
        options=options,
        extra={"template": template, "placeholders": renderer.placeholders, "is_async": False},
    )
    return TaskStep(spec, None)

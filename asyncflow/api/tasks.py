"""Task definitions: what ``@flow.function_task`` and friends return."""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import inspect
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from asyncflow.errors import DefinitionError
from asyncflow.graph import NodeKind, TaskOptions, TaskSpec

if TYPE_CHECKING:
    from asyncflow.api.engine import WorkflowEngine
    from asyncflow.api.steps import TaskStep
    from asyncflow.runtime import TaskFuture

KINDS = ("function", "executable", "block")


class TaskBody:
    """A task's function in a form that pickles by reference when it can.

    The decorator rebinds the module attribute to the TaskDefinition, so plain pickling of
    the raw function fails; this finds the function again through that attribute.
    """

    __slots__ = ("fn", "module", "qualname")

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.module = getattr(fn, "__module__", None)
        self.qualname = getattr(fn, "__qualname__", "")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        if _importable_by_name(self.module, self.qualname):
            return (_find_body, (self.module, self.qualname))
        by_value = _dumps_by_value(self.fn)
        if by_value is not None:  # another machine cannot import it: send the code itself
            return (_load_by_value, (by_value,))
        return (_identity, (self.fn,))


@functools.lru_cache(maxsize=1024)
def _importable_by_name(module: str | None, qualname: str) -> bool:
    """True if a fresh interpreter could import ``module`` and find ``qualname`` in it."""
    if not module or module == "__main__" or "<" in qualname:
        return False
    top = module.split(".", 1)[0]
    if top in sys.builtin_module_names:
        return True
    try:  # search the path, not sys.modules: a module loaded from a file by a made-up
        # name (as .flow files do) is in sys.modules but nowhere on another machine
        return importlib.machinery.PathFinder.find_spec(top, sys.path) is not None
    except (ImportError, ValueError):
        return False


def _dumps_by_value(fn: Callable[..., Any]) -> bytes | None:
    try:
        import cloudpickle  # shipped with dask; optional
    except ImportError:
        return None
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    if module is not None and module.__name__ != "__main__":
        cloudpickle.register_pickle_by_value(module)
        try:
            return cloudpickle.dumps(fn)  # type: ignore[no-any-return]
        finally:
            cloudpickle.unregister_pickle_by_value(module)
    return cloudpickle.dumps(fn)  # type: ignore[no-any-return]


def _load_by_value(data: bytes) -> TaskBody:
    import pickle

    return TaskBody(pickle.loads(data))


def _find_body(module: str, qualname: str) -> TaskBody:
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    fn = getattr(target, "fn", target) if isinstance(target, TaskDefinition) else target
    return TaskBody(fn)


def _identity(value: Any) -> Any:
    return TaskBody(value)


class TaskDefinition:
    """A decorated task. Call it to submit a task; compose it with ``|``/``&`` for pipelines.

    Calling returns a :class:`~asyncflow.runtime.TaskFuture` at once. The keyword
    ``task_description={...}`` at call time (unless the function has a parameter of that
    name) overrides keys of the definition's ``task_description``.
    """

    def __init__(
        self,
        engine: WorkflowEngine,
        fn: Callable[..., Any],
        kind: str,
        options: TaskOptions,
        name: str | None = None,
    ) -> None:
        if not callable(fn):
            raise DefinitionError(f"@{kind}_task needs a function, got {type(fn).__name__}")
        self.engine = engine
        self.fn = fn
        self.kind = kind
        self.options = options
        self.name: str = name or str(getattr(fn, "__name__", "task"))
        self.is_async = inspect.iscoroutinefunction(fn)
        self.body = TaskBody(fn)
        try:
            self.signature: inspect.Signature | None = inspect.signature(fn)
        except (TypeError, ValueError):
            self.signature = None
        params = self.signature.parameters if self.signature else {}
        self._takes_description = "task_description" in params
        self.arity = _simple_arity(self.signature)
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]

    @property
    def node_kind(self) -> NodeKind:
        return NodeKind(self.kind)

    def __call__(self, *args: Any, **kwargs: Any) -> TaskFuture:
        description = None
        if not self._takes_description and "task_description" in kwargs:
            description = kwargs.pop("task_description")
            if description is not None and not isinstance(description, Mapping):
                raise DefinitionError(
                    f"task {self.name!r}: task_description must be a dict, "
                    f"got {type(description).__name__}"
                )
        return self.engine._submit(self, args, kwargs, description)

    def with_options(
        self,
        *,
        backend: str | None = None,
        retries: int | None = None,
        retry_backoff: float | None = None,
        timeout: float | None = None,
        task_description: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> TaskDefinition:
        """A copy of this task with some options changed (description keys merged)."""
        options = self.options.merged(
            backend=backend,
            retries=retries,
            retry_backoff=retry_backoff,
            timeout=timeout,
            task_description=task_description,
        )
        validate_options(options, self.name)
        return TaskDefinition(self.engine, self.fn, self.kind, options, name or self.name)

    # -- operators: a decorated task is also a pipeline step ------------------------------
    def as_step(self) -> TaskStep:
        """This task as an engine-independent pipeline step."""
        from asyncflow.api.steps import TaskStep

        spec = TaskSpec(
            name=self.name,
            kind=self.node_kind,
            fn=self.body if self.kind == "function" else self.fn,
            options=self.options,
            extra={"is_async": self.is_async},
        )
        return TaskStep(spec, self.signature)

    def __or__(self, other: Any) -> Any:
        return self.as_step().__or__(other)

    def __ror__(self, other: Any) -> Any:
        return self.as_step().__ror__(other)

    def __and__(self, other: Any) -> Any:
        return self.as_step().__and__(other)

    def __rand__(self, other: Any) -> Any:
        return self.as_step().__rand__(other)

    def map(self) -> Any:
        """Pipeline step: run this task once per item of its input."""
        return self.as_step().map()

    def bind(self, **kwargs: Any) -> Any:
        """Pipeline step: this task with keyword arguments fixed."""
        return self.as_step().bind(**kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_find_body, (self.body.module, self.body.qualname))

    def __repr__(self) -> str:
        return f"<{self.kind} task {self.name!r}>"


def validate_options(options: TaskOptions, name: str) -> None:
    """Reject option values that cannot work, naming the task."""
    retries, backoff, timeout = options.retries, options.retry_backoff, options.timeout
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise DefinitionError(f"task {name!r}: retries must be an int >= 0, got {retries!r}")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
    ):
        raise DefinitionError(f"task {name!r}: timeout must be > 0 seconds, got {timeout!r}")
    if isinstance(backoff, bool) or not isinstance(backoff, int | float) or backoff < 0:
        raise DefinitionError(
            f"task {name!r}: retry_backoff must be a number >= 0, got {backoff!r}"
        )
    if not isinstance(options.task_description, Mapping):
        raise DefinitionError(f"task {name!r}: task_description must be a dict")


def _simple_arity(signature: inspect.Signature | None) -> tuple[int, int | None] | None:
    """(required, maximum) positional counts when positional calls can be checked by length."""
    if signature is None:
        return None
    required, maximum = 0, 0
    unbounded = False
    for param in signature.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            unbounded = True
        elif param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            maximum += 1
            if param.default is param.empty:
                required += 1
        elif param.kind is param.KEYWORD_ONLY and param.default is param.empty:
            return None  # needs a keyword: let the full check decide
    return required, (None if unbounded else maximum)

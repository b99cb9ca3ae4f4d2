"""The backend contract: what the runtime hands a backend and what it expects back.

A backend receives :class:`Job` objects through :meth:`ExecutionBackend.submit` and reports
on each one exactly once through ``job.set_result(value)`` or ``job.set_exception(exc)``
(optionally ``job.set_running()`` first). Reports may come from any thread; the runtime
makes them thread-safe, and a report on a job that already finished (say, cancelled) is
ignored. See docs/backends.md for a worked example of a custom backend.
"""

from __future__ import annotations

import abc
import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

#: set on a pool worker thread while it runs a task body: ``running.task`` is its name
running = threading.local()


class Job:
    """One unit of work for a backend; the runtime's task records subclass it.

    Attributes a backend reads:
        uid: unique id of the task (unique in the process).
        name: the task's display name, for messages.
        kind: ``"function"`` or ``"executable"``.
        fn: the function to call (function tasks); ``args``/``kwargs`` are resolved values.
        is_async: ``fn`` is a coroutine function.
        command: the rendered command (executable tasks): a shell string or an argv list.
        description: backend-specific requests (``task_description``): cores, gpus, ...
        timeout: seconds the task may run, or ``None``.
    """

    __slots__ = (
        "args",
        "command",
        "description",
        "fn",
        "is_async",
        "kind",
        "kwargs",
        "name",
        "timeout",
        "uid",
    )

    def __init__(
        self,
        uid: str,
        name: str,
        kind: str,
        *,
        fn: Callable[..., Any] | None = None,
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
        is_async: bool = False,
        command: str | Sequence[str] | None = None,
        description: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> None:
        self.uid = uid
        self.name = name
        self.kind = kind
        self.fn = fn
        self.args = args
        self.kwargs = dict(kwargs or {})
        self.is_async = is_async
        self.command = command
        self.description: Mapping[str, Any] = description or {}
        self.timeout = timeout

    # -- reporting; the runtime overrides these -------------------------------------------
    def set_running(self) -> None:
        """The backend started executing the job."""

    def set_result(self, value: Any) -> None:
        """The job finished with ``value``."""
        raise NotImplementedError

    def set_exception(self, exc: BaseException) -> None:
        """The job failed with ``exc``."""
        raise NotImplementedError

    @property
    def finished(self) -> bool:
        """True once a final state was reported (or the job was cancelled)."""
        return False


class ExecutionBackend(abc.ABC):
    """Base class of every backend.

    Subclasses implement :meth:`submit`; the rest has working defaults. Lifecycle, as the
    engine drives it: ``attach(loop_factory)`` once, ``await start()`` once on the engine's
    event loop (jobs submitted before it finishes are held back by the runtime), ``submit``
    any number of times from any thread, ``await shutdown()`` once.
    """

    #: the registry name; also the default routing name
    name: ClassVar[str] = "custom"
    #: which task kinds this backend can run
    supports_functions: ClassVar[bool] = True
    supports_executables: ClassVar[bool] = True
    #: False only for the dry-run backend: the runtime then skips executable bodies too
    runs_bodies: ClassVar[bool] = True

    def __init__(self, *, name: str | None = None) -> None:
        self.label: str = name or type(self).name
        self._loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None

    def attach(self, loop_factory: Callable[[], asyncio.AbstractEventLoop]) -> None:
        """Give the backend access to the engine's event loop (started on first use)."""
        self._loop_factory = loop_factory

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The engine's event loop, running in its own thread."""
        if self._loop_factory is None:
            raise RuntimeError(f"backend {self.label!r} is not attached to an engine")
        return self._loop_factory()

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Acquire resources (a cluster, a pilot). Runs on the engine's loop."""

    @abc.abstractmethod
    def submit(self, jobs: Sequence[Job]) -> None:
        """Start ``jobs``; must not block; may be called from any thread."""

    def cancel(self, job: Job) -> bool:
        """Try to stop ``job``; True if it will not report a result. Default: cannot."""
        return False

    async def shutdown(self) -> None:  # noqa: B027 - optional hook
        """Release resources; runs on the engine's loop; called once."""

    def describe(self) -> str:
        """One line for plans and logs."""
        return f"{self.label} ({type(self).__name__})"

    @classmethod
    def needs_start(cls) -> bool:
        """True if the subclass overrides :meth:`start`."""
        return cls.start is not ExecutionBackend.start

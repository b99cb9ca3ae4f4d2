"""The exception tree of asyncflow.

Every error asyncflow raises on purpose derives from :class:`AsyncflowError`; one subtree per
phase, so a caller can catch "bad input" apart from "a task failed"::

    AsyncflowError
    ├── DefinitionError            bad decorator use or task call (also TypeError)
    ├── GraphError                 the task graph is invalid
    │   ├── CycleError             names the cycle's tasks in order
    │   ├── DuplicateTaskError
    │   └── UnknownTaskError
    ├── CompositionError           operators that cannot be composed (also TypeError)
    ├── FlowError                  a .flow file is wrong: file, line, column, caret
    ├── BackendError               a backend could not start, or was lost
    │   └── BackendNotAvailableError   its optional package is missing
    ├── EngineClosedError          the engine was used after shutdown()
    └── TaskError                  a task did not produce a result
        ├── ExecutableTaskError    a shell command exited non-zero (also RuntimeError)
        ├── TaskExitError          a task body called sys.exit()
        ├── TaskTimeoutError       a task ran past its timeout (also TimeoutError)
        ├── TaskCancelledError     a task was cancelled
        ├── WorkerLostError        the process or node running the task died
        └── DependencyFailureError an upstream task failed or was cancelled
"""

from __future__ import annotations

from collections.abc import Sequence


class AsyncflowError(Exception):
    """Root of every error asyncflow raises on purpose."""


class DefinitionError(AsyncflowError, TypeError):
    """A task was defined or called in a way that cannot work."""


class GraphError(AsyncflowError):
    """The task graph is not valid."""


class CycleError(GraphError):
    """The graph has a cycle; ``cycle`` lists the task names in order."""

    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = list(cycle)
        path = " -> ".join([*self.cycle, self.cycle[0]]) if self.cycle else "?"
        super().__init__(f"the workflow has a cycle: {path}")


class DuplicateTaskError(GraphError):
    """Two tasks share one name where names must be unique."""


class UnknownTaskError(GraphError):
    """A name refers to no task."""


class CompositionError(AsyncflowError, TypeError):
    """Operators were applied to things that cannot be composed."""


class FlowError(AsyncflowError):
    """A .flow file is wrong; carries the file, line and column and a caret line."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        source_line: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.source_line = source_line
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or "<flow>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: error: {self.message}"
        if self.source_line is not None and self.column is not None:
            caret = " " * (max(self.column, 1) - 1) + "^"
            text += f"\n    {self.source_line.rstrip()}\n    {caret}"
        return text


class BackendError(AsyncflowError):
    """A backend could not start, or stopped working."""


class BackendNotAvailableError(BackendError, ImportError):
    """A backend's optional dependency is not installed."""


class EngineClosedError(AsyncflowError, RuntimeError):
    """The engine was used after ``shutdown()``."""


class TaskError(AsyncflowError):
    """A task did not produce a result. ``task`` is the task's name."""

    def __init__(self, message: str, *, task: str | None = None) -> None:
        self.task = task
        super().__init__(message)


class ExecutableTaskError(TaskError, RuntimeError):
    """A shell command exited with a non-zero status."""

    def __init__(self, task: str, command: str, returncode: int, stdout: str, stderr: str) -> None:
        self.command = command
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        tail = stderr_tail(stderr)
        message = f"task {task!r}: command {command!r} exited with status {returncode}"
        if tail and "\n" not in tail:
            message += f" (stderr: {tail})"
        elif tail:
            last = tail.rsplit("\n", 1)[1]
            message += f" (stderr: {last}); stderr ends with:\n{tail}"
        super().__init__(message, task=task)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (
            type(self),
            (self.task, self.command, self.returncode, self.stdout, self.stderr),
        )


class TaskExitError(TaskError, RuntimeError):
    """A task body called ``sys.exit()``; the task fails, the program goes on."""


class TaskTimeoutError(TaskError, TimeoutError):
    """A task ran longer than its ``timeout``."""


class TaskCancelledError(TaskError):
    """A task was cancelled before it produced a result."""


class WorkerLostError(TaskError, RuntimeError):
    """The process, worker or node that ran a task died."""


class DependencyFailureError(TaskError):
    """An upstream task failed or was cancelled, so this task never ran.

    ``failed_dependencies`` names the direct upstream tasks that failed; ``root_cause`` is
    the original exception at the start of the chain, however long the chain is.
    """

    def __init__(
        self,
        task: str,
        failed_dependencies: Sequence[str],
        root_cause: BaseException,
        root_task: str | None = None,
    ) -> None:
        self.failed_dependencies = list(failed_dependencies)
        self.root_cause = root_cause
        self.root_task = root_task
        upstream = ", ".join(repr(n) for n in self.failed_dependencies)
        plural = "dependencies" if len(self.failed_dependencies) > 1 else "dependency"
        cause = f"{type(root_cause).__name__}: {_first_line(root_cause)}"
        origin = (
            f" in task {root_task!r}" if root_task and root_task not in failed_dependencies else ""
        )
        message = (
            f"task {task!r} did not run: its {plural} {upstream} failed; "
            f"root cause{origin}: {cause}"
        )
        super().__init__(message, task=task)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (
            type(self),
            (self.task, self.failed_dependencies, self.root_cause, self.root_task),
        )


def stderr_tail(stderr: str, lines: int = 20, chars: int = 2000) -> str:
    """The last ``lines`` lines of ``stderr``, at most ``chars`` characters."""
    tail = "\n".join(stderr.rstrip().splitlines()[-lines:])
    return tail[-chars:]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, DependencyFailureError):  # never nest a chain inside a chain
        return f"task {exc.task!r} could not run"
    first = text.splitlines()[0] if text else ""
    return first[:500]


__all__ = [
    "AsyncflowError",
    "BackendError",
    "BackendNotAvailableError",
    "CompositionError",
    "CycleError",
    "DefinitionError",
    "DependencyFailureError",
    "DuplicateTaskError",
    "EngineClosedError",
    "ExecutableTaskError",
    "FlowError",
    "GraphError",
    "TaskCancelledError",
    "TaskError",
    "TaskExitError",
    "TaskTimeoutError",
    "UnknownTaskError",
    "WorkerLostError",
    "stderr_tail",
]

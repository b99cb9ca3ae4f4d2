"""What the Dask backend ships to a worker: one opaque call per job.

This module imports nothing from Dask, so unpickling a job on a worker costs no more than
importing the asyncflow helpers it runs.

Dask traverses the positional arguments of ``client.submit`` looking for futures, and
replaces strings that happen to equal a key it knows. Wrapping the job's function and
arguments in one object that Dask does not look inside keeps them exactly as the user
passed them (container subclasses included) and makes that traversal free.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from asyncflow.backends.invoke import call_body
from asyncflow.backends.shell import run_command


class FunctionCall:
    """A function task: ``fn(*args, **kwargs)``, plain or ``async def``."""

    __slots__ = ("args", "fn", "kwargs", "task")

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
        task: str,
    ) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.task = task

    def __call__(self) -> Any:
        return call_body(self.fn, self.args, self.kwargs, self.task)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FunctionCall, (self.fn, self.args, self.kwargs, self.task))


class CommandCall:
    """An executable task: a shell string or an argv list, run with :func:`run_command`."""

    __slots__ = ("command", "task", "timeout")

    def __init__(self, command: str | Sequence[str], task: str, timeout: float | None) -> None:
        self.command = command
        self.task = task
        self.timeout = timeout

    def __call__(self) -> str:
        return run_command(self.command, task=self.task, timeout=self.timeout)

    def __reduce__(self) -> tuple[Any, ...]:
        return (CommandCall, (self.command, self.task, self.timeout))


def run_call(call: FunctionCall | CommandCall) -> Any:
    """The function every asyncflow task runs on a Dask worker."""
    return call()

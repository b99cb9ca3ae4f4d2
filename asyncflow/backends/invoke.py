"""Calling a task body on a worker: same semantics on threads, processes and clusters."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from asyncflow.errors import TaskExitError


def call_body(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any], task: str
) -> Any:
    """Call ``fn`` (plain or ``async def``) and return its result.

    ``sys.exit()`` inside a body fails the task with :class:`TaskExitError` instead of
    ending the worker (or the user's program).
    """
    try:
        result = fn(*args, **kwargs)
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
        return result
    except SystemExit as exc:
        raise TaskExitError(f"task {task!r} called sys.exit({exc.code!r})", task=task) from None


async def _await(awaitable: Any) -> Any:
    return await awaitable

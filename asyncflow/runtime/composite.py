"""Composite tasks the runtime runs itself: blocks (user coroutines) and maps."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import TYPE_CHECKING

from asyncflow.backends.noop import DryRunResult
from asyncflow.errors import DefinitionError
from asyncflow.runtime.bodies import exit_to_error
from asyncflow.runtime.future import DONE, TaskFuture

if TYPE_CHECKING:
    from asyncflow.runtime.scheduler import Scheduler

#: the block whose body is running in this context, if any
current_block: contextvars.ContextVar[TaskFuture | None] = contextvars.ContextVar(
    "asyncflow_current_block", default=None
)


def start_block(sched: Scheduler, fut: TaskFuture) -> None:
    sched.mark_running(fut)
    handle = sched.loop_thread.submit(_run_block(sched, fut))
    sched.blocks[fut.uid] = handle


async def _run_block(sched: Scheduler, fut: TaskFuture) -> None:
    token = current_block.set(fut)
    try:
        if fut.is_async:
            value = await fut.body(*fut.args, **fut.kwargs)  # type: ignore[misc]
        else:
            value = await asyncio.to_thread(fut.body, *fut.args, **fut.kwargs)  # type: ignore[arg-type]
    except asyncio.CancelledError:
        sched.cancel(fut, "block cancelled")
    except BaseException as exc:
        sched.task_failed(fut, exit_to_error(fut, exc))
    else:
        sched.finish(fut, DONE, value, None)
    finally:
        current_block.reset(token)
        sched.blocks.pop(fut.uid, None)


def start_map(sched: Scheduler, fut: TaskFuture) -> None:
    """Submit one child per input item; the map finishes with the list of results."""
    sched.mark_running(fut)
    items = fut.args[0] if fut.args else []
    if isinstance(items, DryRunResult):
        items = [items]  # a dry run cannot know the count: one representative item
    try:
        items = list(items)
    except TypeError:
        raise DefinitionError(
            f"map {fut.name!r} needs an iterable input, got {type(items).__name__}"
        ) from None
    children = fut.body(fut, items)  # type: ignore[misc]
    fut.count = len(children)
    if fut.node is not None:
        fut.node["count"] = len(children)
    if not children:
        sched.finish(fut, DONE, [], None)
        return
    remaining = [len(children)]
    lock = threading.Lock()

    def child_done(_child: TaskFuture) -> None:
        with lock:
            remaining[0] -= 1
            if remaining[0]:
                return
        failed = next((c for c in children if c.state != DONE), None)
        if failed is None:
            sched.finish(fut, DONE, [c._result for c in children], None)
        else:
            sched.task_failed(fut, failed._exception or failed.cancelled_error(None))

    for child in children:
        if not sched.add_callback(child, child_done):
            child_done(child)

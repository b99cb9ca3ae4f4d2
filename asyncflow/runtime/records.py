"""Graph node attributes of a task, as the graph IR documents them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asyncflow.runtime.future import TaskFuture


def node_of(fut: TaskFuture) -> dict[str, Any]:
    """The graph node attributes of ``fut`` as of now (see asyncflow.graph.ir)."""
    timings = {
        key: value
        for key, value in (
            ("created", fut.t_created),
            ("submitted", fut.t_submitted),
            ("started", fut.t_started),
            ("finished", fut.t_finished),
        )
        if value is not None
    }
    node: dict[str, Any] = {
        "name": fut.name,
        "kind": fut.task_kind,
        "state": fut.state,
        "backend": fut.slot.name if fut.slot is not None else None,
        "timings": timings,
        "spec": None,
    }
    if fut.parent is not None:
        node["parent"] = fut.parent.uid
    if fut.count is not None:
        node["count"] = fut.count
    if fut.attempt:
        node["attempts"] = fut.attempt + 1
    if fut.cached:
        node["cached"] = True
    if fut._exception is not None:
        node["error"] = error_line(fut._exception)
    return node


def error_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]

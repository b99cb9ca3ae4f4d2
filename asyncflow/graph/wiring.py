"""Input wiring of declarative nodes: which upstream results a node receives, and how.

A *ref* is a node id (the node receives that node's result) or a tuple of refs (it receives
a tuple of results, nested the same way). ``None`` means "the pipeline's inputs".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeAlias

Ref: TypeAlias = "str | tuple[Ref, ...]"


def leaves(ref: Ref, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(slot, node_id)`` for every node in ``ref``; slot is a dotted tuple path."""
    if isinstance(ref, str):
        yield prefix, ref
        return
    for index, item in enumerate(ref):
        yield from leaves(item, f"{prefix}.{index}" if prefix else str(index))


def substitute(ref: Ref, value_of: Callable[[str], Any]) -> Any:
    """The structure of ``ref`` with every node id replaced by ``value_of(id)``."""
    if isinstance(ref, str):
        return value_of(ref)
    return tuple(substitute(item, value_of) for item in ref)


def to_json(ref: Ref | None) -> Any:
    return ref if ref is None or isinstance(ref, str) else [to_json(item) for item in ref]


def from_json(data: Any) -> Ref | None:
    if data is None or isinstance(data, str):
        return data  # type: ignore[no-any-return]
    return tuple(from_json(item) for item in data)  # type: ignore[misc]

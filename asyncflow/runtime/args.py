"""Finding futures inside task arguments, and putting their results in their place.

Futures are found in positional and keyword arguments and inside lists, tuples, dicts, sets
and frozensets (subclasses included; the container type is preserved, a namedtuple stays a
namedtuple). Those containers are copied at call time, so later mutation by the caller does
not reach the task. Other objects are passed as they are.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
from collections.abc import Callable
from typing import Any

_ATOMIC: frozenset[type] = frozenset({int, float, str, bytes, bool, type(None), complex})
_CONTAINERS = (list, tuple, dict, set, frozenset)


def snapshot(value: Any, found: Callable[[Any], bool]) -> tuple[Any, bool]:
    """Copy the containers in ``value``; ``found(x)`` is called on every future-like leaf.

    ``found`` returns True for a dependency future (kept in place) and raises for a foreign
    one. Returns ``(copy, contains_futures)``.
    """
    cls = type(value)
    if cls in _ATOMIC:
        return value, False
    if isinstance(value, _CONTAINERS):
        return _snapshot_container(value, found)
    if isinstance(value, asyncio.Future | concurrent.futures.Future) or hasattr(
        value, "_asyncflow_future"
    ):
        return value, found(value)
    return value, False


def snapshot_args(
    args: tuple[Any, ...], make_found: Callable[..., Callable[[Any], bool]], *make_args: Any
) -> tuple[Any, bool]:
    """:func:`snapshot` for a positional-argument tuple, fast when all are plain values.

    ``make_found(*make_args)`` builds the ``found`` callback only when it may be needed.
    """
    atomic = _ATOMIC
    for value in args:
        if type(value) not in atomic:
            return _snapshot_container(args, make_found(*make_args))
    return args, False


def _snapshot_container(value: Any, found: Callable[[Any], bool]) -> tuple[Any, bool]:
    any_future = False
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            new, has = snapshot(item, found)
            any_future |= has
            items.append((key, new))
        clone = copy.copy(value)
        clone.clear()
        clone.update(items)
        return clone, any_future
    new_items = []
    for item in value:
        new, has = snapshot(item, found)
        any_future |= has
        new_items.append(new)
    return _rebuild(value, new_items), any_future


def _rebuild(original: Any, items: list[Any]) -> Any:
    cls = type(original)
    if cls is list:
        return items
    if cls is tuple:
        return tuple(items)
    if isinstance(original, tuple) and hasattr(original, "_make"):  # namedtuple
        return original._make(items)
    if isinstance(original, list):
        clone = copy.copy(original)
        clone[:] = items
        return clone
    return cls(items)


def resolve(value: Any, is_future: Callable[[Any], bool], result_of: Callable[[Any], Any]) -> Any:
    """Replace every dependency future in a snapshot by its result."""
    if type(value) in _ATOMIC:
        return value
    if is_future(value):
        return result_of(value)
    if isinstance(value, dict):
        clone = copy.copy(value)
        clone.clear()
        clone.update((k, resolve(v, is_future, result_of)) for k, v in value.items())
        return clone
    if isinstance(value, _CONTAINERS):
        return _rebuild(value, [resolve(v, is_future, result_of) for v in value])
    return value

"""Mapping a task's ``task_description`` onto Dask's own per-task options.

Pure Python, no Dask import: the checks run in the client before anything is submitted,
so a bad description fails that one task with a clear :class:`BackendError` and never
reaches (or crashes) the scheduler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from asyncflow.errors import BackendError

#: task_description key -> what it means, for error messages and the docs
KNOWN_KEYS: dict[str, str] = {
    "resources": "abstract worker resources the task needs, e.g. {'GPU': 1}",
    "retries": "how many times Dask reruns the task if it raises",
    "priority": "higher runs first among tasks waiting for a worker",
    "workers": "worker address(es) or hostname(s) the task may run on",
    "allow_other_workers": "with 'workers': prefer those workers but allow others",
}


def submit_options(
    description: Mapping[str, Any],
    task: str,
    *,
    worker_resources: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Check ``description`` and return the matching ``client.submit`` keyword arguments.

    Args:
        description: the task's ``task_description``.
        task: the task's name, for messages.
        worker_resources: what every worker offers, when the backend knows it (a cluster
            it started); a request no worker can meet then fails at once instead of
            waiting forever.

    Raises:
        BackendError: an unknown key, or a value of the wrong type.
    """
    unknown = sorted(str(key) for key in description if key not in KNOWN_KEYS)
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        plural = "keys" if len(unknown) > 1 else "key"
        known = ", ".join(repr(key) for key in KNOWN_KEYS)
        raise BackendError(
            f"task {task!r}: the dask backend does not understand task_description {plural} "
            f"{names}; it knows: {known}"
        )
    options: dict[str, Any] = {}
    if "resources" in description:
        options["resources"] = _resources(description["resources"], task, worker_resources)
    if "retries" in description:
        retries = description["retries"]
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise _bad(task, "retries", retries, "a whole number >= 0")
        options["retries"] = retries
    if "priority" in description:
        priority = description["priority"]
        if not _is_number(priority):
            raise _bad(task, "priority", priority, "a number (higher runs first)")
        options["priority"] = priority
    if "workers" in description:
        options["workers"] = _workers(description["workers"], task)
    if "allow_other_workers" in description:
        allow = description["allow_other_workers"]
        if not isinstance(allow, bool):
            raise _bad(task, "allow_other_workers", allow, "True or False")
        if allow and "workers" not in options:
            raise BackendError(
                f"task {task!r}: task_description 'allow_other_workers' only means something "
                "together with 'workers'; add 'workers': [...] or drop it"
            )
        options["allow_other_workers"] = allow
    return options


def freeze(value: Any) -> Any:
    """A hashable stand-in for submit options, to group jobs that share them."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(freeze(v) for v in value)
    return value


def _resources(value: Any, task: str, offered: Mapping[str, float] | None) -> dict[str, float]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and _is_number(v) and v >= 0 for k, v in value.items()
    ):
        raise _bad(task, "resources", value, "a dict of resource name to amount, e.g. {'GPU': 1}")
    wanted = {str(k): float(v) for k, v in value.items()}
    if offered is not None:
        short = {k: v for k, v in wanted.items() if v > float(offered.get(k, 0))}
        if short:
            have = ", ".join(f"{k}={v:g}" for k, v in sorted(offered.items())) or "none"
            raise BackendError(
                f"task {task!r} asks for resources {short} but no worker of this cluster "
                f"offers that much (each worker has: {have}); start the backend with "
                "resources={...} or lower the request"
            )
    return dict(value)


def _workers(value: Any, task: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if (
        isinstance(value, Sequence | set | frozenset)
        and value
        and all(isinstance(w, str) for w in value)
    ):
        return list(value)
    raise _bad(task, "workers", value, "a worker address or hostname, or a list of them")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bad(task: str, key: str, value: Any, expected: str) -> BackendError:
    return BackendError(
        f"task {task!r}: task_description {key!r} must be {expected}, not {value!r}"
    )

"""Execution backends, chosen by name and imported only when chosen.

Built in: ``threads`` (default), ``noop`` (dry run), ``dask``, ``radical``. Third-party
backends register with :func:`register_backend` or the ``asyncflow.backends`` entry-point
group.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from asyncflow.backends.base import ExecutionBackend, Job
from asyncflow.errors import BackendError, BackendNotAvailableError

# name -> (module, class, the extra that installs its dependencies, the package it needs)
_BUILTIN: dict[str, tuple[str, str, str | None, str | None]] = {
    "threads": ("asyncflow.backends.concurrent", "ConcurrentExecutionBackend", None, None),
    "noop": ("asyncflow.backends.noop", "NoopExecutionBackend", None, None),
    "dask": ("asyncflow.backends.dask", "DaskExecutionBackend", "dask", "distributed"),
    "radical": (
        "asyncflow.backends.radical",
        "RadicalExecutionBackend",
        "radical",
        "radical.pilot",
    ),
}
_REGISTERED: dict[str, Callable[..., ExecutionBackend]] = {}


def register_backend(name: str, factory: Callable[..., ExecutionBackend]) -> None:
    """Make ``factory`` (usually an ExecutionBackend subclass) available under ``name``."""
    _REGISTERED[name] = factory


def available_backends() -> list[str]:
    """Names that :func:`get_backend_class` accepts."""
    names = set(_BUILTIN) | set(_REGISTERED)
    names |= {ep.name for ep in entry_points(group="asyncflow.backends")}
    return sorted(names)


def get_backend_class(name: str) -> Callable[..., ExecutionBackend]:
    """The class (or factory) registered under ``name``; imports it on first use."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name in _BUILTIN:
        module_name, class_name, extra, package = _BUILTIN[name]
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            missing = getattr(exc, "name", None) or package
            raise BackendNotAvailableError(
                f"the {name!r} backend needs the package {missing!r}, which is not installed;"
                f" install it with: pip install 'asyncflow-hpc[{extra}]'"
            ) from exc
        return getattr(module, class_name)  # type: ignore[no-any-return]
    for ep in entry_points(group="asyncflow.backends"):
        if ep.name == name:
            return ep.load()  # type: ignore[no-any-return]
    raise BackendError(f"unknown backend {name!r}; available: {', '.join(available_backends())}")


def create_backend(name: str, **options: Any) -> ExecutionBackend:
    """Build the backend registered under ``name`` with ``options``."""
    return get_backend_class(name)(**options)


__all__ = [
    "ExecutionBackend",
    "Job",
    "available_backends",
    "create_backend",
    "get_backend_class",
    "register_backend",
]

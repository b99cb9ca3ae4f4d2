"""Dask provider for the cross-backend contract suite.

``make_backend()`` returns a fresh, not yet started :class:`DaskExecutionBackend` that
will start its own small ``LocalCluster`` (2 worker processes x 1 thread, no dashboard)
and close it when the engine shuts it down. Starting one takes about 1-2 s; a suite that
builds many engines may want one module- or session-scoped engine per backend.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("distributed")

from asyncflow.backends.dask import DaskExecutionBackend

#: what the contract suite may ask of this backend
CAPABILITIES = {
    "functions": True,
    "executables": True,
    "async_functions": True,
    "worker_death": True,  # a task calling os._exit fails with WorkerLostError
    "task_description_keys": ("resources", "retries", "priority", "workers", "allow_other_workers"),
}


def make_backend(**overrides: Any) -> DaskExecutionBackend:
    """A Dask backend on its own 2-process LocalCluster; ``overrides`` go to the backend."""
    options: dict[str, Any] = {"n_workers": 2, "threads_per_worker": 1, "processes": True}
    options.update(overrides)
    return DaskExecutionBackend(**options)

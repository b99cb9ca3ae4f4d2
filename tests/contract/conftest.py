"""One engine per backend for the contract suite, shared by the tests of a module.

Each backend comes from a provider: threads and processes here, Dask and RADICAL-Pilot
from ``providers_dask.py`` and ``providers_radical.py``. A backend whose package is
missing is skipped with the reason, never silently dropped.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from asyncflow import ConcurrentExecutionBackend, WorkflowEngine

BACKENDS = ["threads", "processes", "dask", "radical"]


def _make(name: str, tmp_root):
    if name == "threads":
        return ConcurrentExecutionBackend(max_workers=4)
    if name == "processes":
        return ConcurrentExecutionBackend(ProcessPoolExecutor(2))
    provider = importlib.import_module(f"tests.contract.providers_{name}")
    if name == "radical":
        return provider.make_backend(tmp_root)
    return provider.make_backend()


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, tmp_path_factory):
    name = request.param
    if name == "radical" and os.environ.get("ASYNCFLOW_SKIP_RADICAL"):
        pytest.skip("ASYNCFLOW_SKIP_RADICAL is set")
    tmp_root = tmp_path_factory.mktemp(f"contract-{name}")
    try:
        backend = _make(name, tmp_root)
    except ImportError as exc:  # pytest.importorskip in a provider, or a missing package
        pytest.skip(f"{name}: {exc}")
    flow = WorkflowEngine(backend=backend)
    flow.backend_kind = name
    # start-up (a cluster, a pilot) is not what the tests measure: wait for it here
    asyncio.run(asyncio.wait_for(flow.ready(), timeout=600))
    yield flow
    flow.close()

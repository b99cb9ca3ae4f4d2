"""Shared fixtures: engines that are always shut down."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Processes the tests start (RP pilots and Raptor workers, Dask workers, CLI runs) import
# task functions from test modules by name: let them find the repository's tests package.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (_ROOT, os.environ.get("PYTHONPATH", "")) if p
    )

from asyncflow import WorkflowEngine


@pytest.fixture
def flow():
    engine = WorkflowEngine()
    yield engine
    engine.close()


@pytest.fixture
def dry_flow():
    engine = WorkflowEngine(dry_run=True)
    yield engine
    engine.close()

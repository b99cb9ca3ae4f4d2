"""Shared fixtures: engines that are always shut down."""

from __future__ import annotations

import pytest

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

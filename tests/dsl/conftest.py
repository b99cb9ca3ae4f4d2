"""Helpers for the .flow tests: write a flow and its Python tasks into a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flow_helpers import TASKS_PY

from asyncflow.errors import FlowError


@pytest.fixture
def flow_dir(tmp_path: Path) -> Path:
    """A folder holding ``tasks.py`` with a few small functions."""
    (tmp_path / "tasks.py").write_text(TASKS_PY)
    return tmp_path


@pytest.fixture
def error_of(flow_dir: Path) -> Callable[..., FlowError]:
    """Load a flow text from ``demo.flow`` and return the FlowError it raises."""
    from asyncflow.dsl import load_flow

    def run(text: str, **kwargs: object) -> FlowError:
        path = flow_dir / "demo.flow"
        path.write_text(text)
        with pytest.raises(FlowError) as info:
            load_flow(path, **kwargs)  # type: ignore[arg-type]
        return info.value

    return run

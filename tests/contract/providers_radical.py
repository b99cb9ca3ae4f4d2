"""RADICAL-Pilot provider for the cross-backend contract suite.

``make_backend(tmpdir)`` returns a fresh, not yet started :class:`RadicalExecutionBackend`
for a pilot on ``local.localhost`` (2 cores for shell tasks, plus a Raptor master and one
2-core worker for function tasks). RP's client session folder and the pilot sandboxes go
under ``tmpdir``.

Setup notes for a suite that uses it:

* Starting the pilot takes 20-60 s (more on a loaded machine): use one engine per test
  module (module-scoped fixture), as ``tests/contract/conftest.py`` does. Closing it takes
  3-6 s and leaves no process behind.
* RP also writes to ``$HOME/.radical``, ``$HOME/.psij`` and ``$TMPDIR`` (files it never
  removes). Wrap the module in :func:`environment` to keep them under ``tmpdir`` too;
  it must be entered before the backend starts. Nothing else needs configuring: the
  backend finds RP's helper scripts next to ``sys.executable`` and passes this process's
  ``sys.path`` to the Raptor worker, so module-level task functions import there.
* ``ASYNCFLOW_SKIP_RADICAL=1`` skips the backend (see the conftest).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("radical.pilot")

from asyncflow.backends.radical import RadicalExecutionBackend

#: what the contract suite may ask of this backend
CAPABILITIES = {
    "functions": True,
    "executables": True,
    "async_functions": True,
    "worker_death": True,  # a function calling os._exit fails with WorkerLostError
    "task_description_keys": (
        "ranks",
        "cores_per_rank",
        "gpus_per_rank",
        "cores",
        "gpus",
        "pre_exec",
        "post_exec",
        "environment",
        "named_env",
        "sandbox",
        "stage_on_error",
        "priority",
        "tags",
    ),
}


def make_backend(tmpdir: str | os.PathLike[str], **overrides: Any) -> RadicalExecutionBackend:
    """A backend for one pilot on this machine; ``overrides`` go to the constructor."""
    options: dict[str, Any] = {
        "resources": {"resource": "local.localhost", "cores": 2},
        "raptor": {"cores_per_worker": 2},
        "sandbox": str(Path(tmpdir) / "radical"),
    }
    options.update(overrides)
    return RadicalExecutionBackend(**options)


@contextlib.contextmanager
def environment(tmpdir: str | os.PathLike[str]) -> Iterator[None]:
    """HOME and TMPDIR under ``tmpdir`` while RP runs; restored afterwards."""
    root = Path(tmpdir)
    for sub in ("home", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))
        mp.setenv("TMPDIR", str(root / "tmp"))
        mp.setattr(tempfile, "tempdir", None)
        yield

"""The errors the Dask backend reports, worded for asyncflow users.

No Dask import here: ``dask.py`` recognises Dask's exception types and calls these to build
asyncflow's own, keeping the Dask exception as ``__cause__``.
"""

from __future__ import annotations

import pickle
from typing import Any

from asyncflow.backends.base import Job
from asyncflow.errors import BackendError, TaskError, WorkerLostError


def describe(exc: BaseException) -> str:
    """``Type: first line of the message``."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def lost_contact(job: Job, exc: BaseException) -> BackendError:
    """The client could not talk to the scheduler or a worker."""
    error = BackendError(f"task {job.name!r}: lost contact with the Dask cluster ({describe(exc)})")
    error.__cause__ = exc
    return error


def worker_lost(job: Job, exc: BaseException, address: str, deaths: int) -> WorkerLostError:
    """The worker running the job died (Dask's ``KilledWorker``)."""
    error = WorkerLostError(
        f"task {job.name!r}: the Dask worker running it died ({address}; {deaths} worker "
        "death(s) while running it); check the task for crashes (segfaults, os._exit) and "
        "the worker's memory limit",
        task=job.name,
    )
    error.__cause__ = exc
    return error


def task_failed(job: Job, exc: BaseException | None, tb: Any) -> BaseException:
    """The user's own exception, with the worker's traceback when Dask kept it."""
    if exc is None:
        return TaskError(f"task {job.name!r} failed on Dask without an exception", task=job.name)
    if tb is not None:
        try:
            return exc.with_traceback(tb)
        except TypeError:  # not a traceback object after all
            return exc
    return exc


def not_sent(job: Job, exc: BaseException) -> BaseException:
    """``client.submit`` raised: usually something in the job cannot be pickled."""
    root = exc
    while root.__cause__ is not None or root.__context__ is not None:
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
    if not isinstance(root, pickle.PicklingError | TypeError | AttributeError):
        return lost_contact(job, exc)
    error = TaskError(
        f"task {job.name!r} could not be sent to Dask: its function or arguments cannot "
        f"be pickled ({describe(root)}). Define the function at module top level and "
        "pass picklable arguments, or use the thread backend.",
        task=job.name,
    )
    error.__cause__ = exc
    return error


def not_fetched(job: Job, exc: BaseException) -> BaseException:
    """The task finished but its result could not be brought back."""
    if isinstance(exc, OSError):
        return lost_contact(job, exc)
    error = TaskError(
        f"task {job.name!r} finished on Dask but its result could not be fetched: {describe(exc)}",
        task=job.name,
    )
    error.__cause__ = exc
    return error


def cancelled_by_dask(job: Job, reason: str) -> BackendError:
    """Dask cancelled the future itself (not asyncflow): the scheduler went away."""
    return BackendError(
        f"task {job.name!r}: Dask cancelled it ({reason}); the scheduler may have been "
        "lost or restarted"
    )

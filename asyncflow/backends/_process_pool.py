"""Process-pool execution that survives a worker dying.

``concurrent.futures`` marks a ``ProcessPoolExecutor`` unusable once one of its workers
dies, and fails every job it held. Here the pool is rebuilt, and the jobs it held are run
again one at a time, so the job that kills its worker is found (it fails with
``WorkerLostError``) and every other job still gets its result.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from asyncflow.backends.base import Job
from asyncflow.backends.invoke import call_body
from asyncflow.backends.shell import run_command
from asyncflow.errors import TaskError, WorkerLostError


class ProcessPoolRunner:
    """Submits jobs to a process pool; isolates suspects after a worker death."""

    def __init__(self, executor: ProcessPoolExecutor) -> None:
        self.executor = executor
        self.handles: dict[str, Future[Any]] = {}
        self._lock = threading.Lock()
        self._suspects: deque[Job] = deque()
        self._isolating: Job | None = None  # the one job running alone, if any
        self._closed = False

    def submit(self, job: Job) -> None:
        with self._lock:
            if self._suspects or self._isolating is not None:
                self._suspects.append(job)  # run after the suspects, one at a time
                return
        self._start(job)

    def _start(self, job: Job) -> None:
        if job.finished:
            self._next_suspect()
            return
        try:
            if job.kind == "executable":
                assert job.command is not None
                future = self.executor.submit(
                    run_command, job.command, task=job.name, timeout=job.timeout
                )
            else:
                assert job.fn is not None
                future = self.executor.submit(call_body, job.fn, job.args, job.kwargs, job.name)
        except BrokenProcessPool:
            self._rebuild(self.executor)
            self.submit(job)
            return
        except RuntimeError as exc:  # the pool was shut down
            job.set_exception(TaskError(f"task {job.name!r}: {exc}", task=job.name))
            return
        self.handles[job.uid] = future
        job.set_running()
        pool = self.executor
        future.add_done_callback(lambda f: self._done(job, f, pool))

    def _done(self, job: Job, future: Future[Any], pool: ProcessPoolExecutor) -> None:
        self.handles.pop(job.uid, None)
        alone = self._isolating is job
        if future.cancelled():
            if alone:
                self._finish_isolation()
            return
        exc = future.exception()
        if isinstance(exc, BrokenProcessPool):
            self._rebuild(pool)
            if alone or self._closed:
                job.set_exception(
                    WorkerLostError(
                        f"task {job.name!r}: the worker process running it died ({exc})",
                        task=job.name,
                    )
                )
                self._finish_isolation()
            else:
                with self._lock:
                    self._suspects.append(job)
                self._next_suspect()
            return
        if exc is None:
            job.set_result(future.result())
        elif _is_pickling_error(exc):
            job.set_exception(
                TaskError(
                    f"task {job.name!r} cannot run in a process pool: its function, arguments "
                    f"or result cannot be pickled ({type(exc).__name__}: {exc}). Define the "
                    "function at module top level, or use the thread backend.",
                    task=job.name,
                )
            )
        else:
            job.set_exception(exc)
        if alone:
            self._finish_isolation()

    def _finish_isolation(self) -> None:
        with self._lock:
            self._isolating = None
        self._next_suspect()

    def _next_suspect(self) -> None:
        with self._lock:
            if self._isolating is not None or not self._suspects or self._closed:
                return
            job = self._isolating = self._suspects.popleft()
        self._start(job)

    def _rebuild(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self.executor is not broken or self._closed:
                return  # already replaced
            self.executor = ProcessPoolExecutor(
                max_workers=broken._max_workers,  # type: ignore[attr-defined]
                mp_context=broken._mp_context,  # type: ignore[attr-defined]
                initializer=broken._initializer,  # type: ignore[attr-defined]
                initargs=broken._initargs,  # type: ignore[attr-defined]
            )
        broken.shutdown(wait=False, cancel_futures=True)

    def cancel(self, job: Job) -> bool:
        with self._lock:
            if job in self._suspects:
                self._suspects.remove(job)
                return True
        handle = self.handles.pop(job.uid, None)
        return handle.cancel() if handle is not None else False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._suspects.clear()
        for handle in list(self.handles.values()):
            handle.cancel()


def _is_pickling_error(exc: BaseException) -> bool:
    import pickle

    if isinstance(exc, pickle.PicklingError):
        return True
    text = str(exc).lower()
    return isinstance(exc, AttributeError | TypeError) and "pickle" in text

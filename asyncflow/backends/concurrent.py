"""The default backend: a ``concurrent.futures`` executor (threads, or processes)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from asyncflow.backends._process_pool import ProcessPoolRunner
from asyncflow.backends.base import ExecutionBackend, Job, running
from asyncflow.backends.shell import kill_group, run_command


class ConcurrentExecutionBackend(ExecutionBackend):
    """Runs tasks on a ``concurrent.futures`` executor; a thread pool unless told otherwise.

    Args:
        executor: a ``ThreadPoolExecutor`` or ``ProcessPoolExecutor`` to use; the backend
            shuts it down on shutdown. Default: a thread pool of ``max_workers`` threads.
        max_workers: size of the default thread pool (default ``min(32, cpus + 4)``).
        name: routing name (default ``"threads"``).
        shutdown_grace: seconds shutdown waits for running Python functions before it
            returns (threads cannot be killed; they finish in the background) or
            terminates worker processes. Running shell commands are killed at once.

    ``async def`` bodies run on the engine's event loop with a thread pool, and in a fresh
    event loop inside the worker with a process pool.
    """

    name = "threads"

    def __init__(
        self,
        executor: Executor | None = None,
        *,
        max_workers: int | None = None,
        name: str | None = None,
        shutdown_grace: float = 2.0,
    ) -> None:
        super().__init__(name=name)
        self.shutdown_grace = shutdown_grace
        if executor is None:
            workers = max_workers or min(32, (os.cpu_count() or 1) + 4)
            executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="asyncflow")
        self.executor = executor
        self.processes = isinstance(executor, ProcessPoolExecutor)
        self._pool = (
            ProcessPoolRunner(executor) if isinstance(executor, ProcessPoolExecutor) else None
        )
        self._handles: dict[str, Future[Any] | asyncio.Future[Any]] = {}
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._inbox: list[Job] = []
        self._inbox_lock = threading.Lock()
        self._inbox_scheduled = False

    def describe(self) -> str:
        kind = "process pool" if self.processes else "thread pool"
        workers = getattr(self.executor, "_max_workers", "?")
        return f"{self.label} ({kind}, {workers} workers)"

    def submit(self, jobs: Sequence[Job]) -> None:
        for job in jobs:
            if self._pool is not None:
                self._pool.submit(job)
            elif job.is_async and job.kind == "function":
                self._submit_async(job)
            else:
                # no handle kept: a job cancelled before it starts is skipped by the worker
                self.executor.submit(self._run_in_thread, job)

    def _submit_async(self, job: Job) -> None:
        # many submissions, one loop wake-up: the inbox is drained on the loop's thread
        with self._inbox_lock:
            self._inbox.append(job)
            if self._inbox_scheduled:
                return
            self._inbox_scheduled = True
        self.loop.call_soon_threadsafe(self._drain_inbox)

    def _drain_inbox(self) -> None:
        with self._inbox_lock:
            jobs = list(self._inbox)
            self._inbox.clear()
            self._inbox_scheduled = False
        loop = self.loop
        for job in jobs:
            if not job.finished:
                self._handles[job.uid] = loop.create_task(self._run_async(job))

    def _run_in_thread(self, job: Job) -> None:
        if job.finished:
            return
        job.set_running()
        try:
            if job.kind == "executable":
                assert job.command is not None
                try:
                    value = run_command(
                        job.command,
                        task=job.name,
                        timeout=job.timeout,
                        on_start=lambda proc: self._procs.__setitem__(job.uid, proc),
                    )
                finally:
                    self._procs.pop(job.uid, None)
            else:
                assert job.fn is not None
                running.task = job.name
                try:
                    value = job.fn(*job.args, **job.kwargs)
                finally:
                    running.task = None
        except BaseException as exc:  # SystemExit too: the runtime turns it into a task error
            job.set_exception(exc)
        else:
            job.set_result(value)

    async def _run_async(self, job: Job) -> None:
        job.set_running()
        try:
            assert job.fn is not None
            value = await job.fn(*job.args, **job.kwargs)
        except BaseException as exc:  # SystemExit too: the runtime turns it into a task error
            job.set_exception(exc)
        else:
            job.set_result(value)
        finally:
            self._handles.pop(job.uid, None)

    def cancel(self, job: Job) -> bool:
        proc = self._procs.pop(job.uid, None)
        if proc is not None:  # a running command: kill its whole process group
            kill_group(proc, reap=False)  # its worker thread reaps it
            return True
        if self._pool is not None:
            return self._pool.cancel(job)
        handle = self._handles.pop(job.uid, None)
        if handle is None:
            return False
        if isinstance(handle, asyncio.Task):  # asyncio objects are cancelled on their loop
            self.loop.call_soon_threadsafe(handle.cancel)
            return True
        return handle.cancel()

    async def shutdown(self) -> None:
        for proc in list(self._procs.values()):
            kill_group(proc, reap=False)
        for handle in list(self._handles.values()):
            handle.cancel()  # shutdown runs on the engine's loop: safe for asyncio tasks too
        self._handles.clear()
        if self._pool is not None:
            self._pool.close()
            self.executor = self._pool.executor  # the pool may have been rebuilt
        self.executor.shutdown(wait=False, cancel_futures=True)
        await asyncio.to_thread(self._wait_for_workers, self.shutdown_grace)

    def _wait_for_workers(self, grace: float) -> None:
        deadline = time.monotonic() + grace
        if self.processes:
            processes = list((getattr(self.executor, "_processes", None) or {}).values())
            for process in processes:
                process.join(max(0.0, deadline - time.monotonic()))
            for process in processes:
                if process.is_alive():  # a task that ignores its cancellation
                    process.kill()
                    process.join(5)
            return
        for thread in list(getattr(self.executor, "_threads", ())):
            thread.join(max(0.0, deadline - time.monotonic()))

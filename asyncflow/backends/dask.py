"""The Dask backend: tasks run on a dask.distributed cluster through the async Client.

Given nothing, it starts a ``LocalCluster`` on the engine's event loop and closes it on
shutdown. Given a scheduler address, a ``Client`` or a cluster object, it connects to that
scheduler and leaves it running afterwards.

Everything Dask-facing runs on the engine's loop: ``submit`` (callable from any thread)
queues jobs and wakes the loop once per batch; one small coroutine per job waits for its
Dask future; finished futures are gathered in batches and reported to their jobs.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from distributed import Client, Future, LocalCluster
from distributed.client import FutureCancelledError
from distributed.comm.core import CommClosedError
from distributed.scheduler import KilledWorker

from asyncflow.backends._dask_options import submit_options
from asyncflow.backends._dask_worker import CommandCall, FunctionCall, run_call
from asyncflow.backends.base import ExecutionBackend, Job
from asyncflow.errors import BackendError, TaskCancelledError, TaskError, WorkerLostError

logger = logging.getLogger(__name__)

#: characters kept from a task name in its Dask key (the rest become "_")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_.]+")


class DaskExecutionBackend(ExecutionBackend):
    """Runs function and shell tasks on a dask.distributed cluster.

    Args:
        cluster_or_address: where to run. ``None`` (default): start a ``LocalCluster``
            owned by the backend. A scheduler address (``"tcp://host:8786"``), a
            ``distributed.Client`` or a cluster object (anything with
            ``scheduler_address``): connect to that scheduler; the backend never closes
            what it did not start.
        n_workers: workers of the owned ``LocalCluster`` (Dask's default: one per core).
        threads_per_worker: threads per worker of the owned cluster.
        processes: workers of the owned cluster are processes (default) or threads.
        allowed_failures: how many worker deaths a task may cause before it fails with
            :class:`~asyncflow.errors.WorkerLostError` (owned cluster only; Dask's own
            default is 3). ``0`` fails a task the first time its worker dies.
        client: an existing ``distributed.Client`` to use (same as passing it first).
        name: routing name (default ``"dask"``).
        **cluster_kwargs: passed to ``LocalCluster`` (e.g. ``resources={"GPU": 1}``,
            ``memory_limit=...``); only for the owned cluster.

    Function bodies (``def`` or ``async def``) and shell commands both run on the worker,
    through the same helpers as the thread backend, so values and errors are identical.
    """

    name = "dask"

    def __init__(
        self,
        cluster_or_address: Any = None,
        *,
        n_workers: int | None = None,
        threads_per_worker: int | None = None,
        processes: bool = True,
        allowed_failures: int = 0,
        client: Any = None,
        name: str | None = None,
        **cluster_kwargs: Any,
    ) -> None:
        super().__init__(name=name)
        if client is not None and cluster_or_address is not None:
            raise TypeError("pass either cluster_or_address or client=, not both")
        target = client if client is not None else cluster_or_address
        if target is not None and (cluster_kwargs or n_workers or threads_per_worker):
            raise TypeError(
                "n_workers, threads_per_worker and cluster options only apply to the "
                "LocalCluster the backend starts; drop them when connecting to a scheduler"
            )
        if allowed_failures < 0:
            raise ValueError("allowed_failures must be >= 0")
        self._target = target
        self._cluster_options: dict[str, Any] = {
            "n_workers": n_workers,
            "threads_per_worker": threads_per_worker,
            "processes": processes,
            "dashboard_address": None,
            **cluster_kwargs,
        }
        self._allowed_failures = allowed_failures
        self.cluster: Any = None
        self.client: Client | None = None
        self._owns_cluster = False
        self._owns_client = False
        self._closed = False
        self._lock = threading.Lock()
        self._queued: dict[str, Job] = {}
        self._flush_pending = False
        self._running: dict[str, tuple[Job, Future]] = {}
        self._done: list[tuple[Job, Future]] = []
        self._reporter: asyncio.Task[None] | None = None
        self._watchers: set[asyncio.Task[None]] = set()
        self._keys = itertools.count()
        self._worker_resources: dict[str, float] | None = None

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        """Start the owned ``LocalCluster`` or connect to the scheduler; then submit."""
        if self.client is not None or self._closed:
            return
        try:
            await self._connect()
        except Exception as exc:
            await self._close_owned()
            raise BackendError(f"the dask backend could not start: {_describe(exc)}") from exc
        self._schedule_flush()

    async def _connect(self) -> None:
        target = self._target
        if target is None:
            self.cluster = await LocalCluster(
                asynchronous=True,
                scheduler_kwargs={"allowed_failures": self._allowed_failures},
                **self._cluster_options,
            )
            self._owns_cluster = True
            self._worker_resources = dict(self._cluster_options.get("resources") or {})
            address = self.cluster.scheduler_address
        elif isinstance(target, str):
            address = target
        elif isinstance(target, Client):
            if target.asynchronous and _loop_of(target) is asyncio.get_running_loop():
                self.client = target
                return
            address = target.scheduler.address
        elif hasattr(target, "scheduler_address"):
            address = target.scheduler_address
        else:
            raise TypeError(
                "cluster_or_address must be a scheduler address, a distributed.Client or a "
                f"cluster object, not {type(target).__name__}"
            )
        self.client = await Client(address, asynchronous=True, set_as_default=False)
        self._owns_client = True

    async def shutdown(self) -> None:
        """Cancel what is still running, close the client and the owned cluster."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            queued = list(self._queued.values())
            self._queued.clear()
            running = list(self._running.values())
            self._running.clear()
        futures = [future for _, future in running]
        if futures and self.client is not None:
            try:
                await self.client.cancel(futures, reason="asyncflow-shutdown")
            except Exception as exc:  # the scheduler may be gone already
                logger.debug("cancelling Dask futures at shutdown failed: %s", exc)
        for job in [*queued, *(job for job, _ in running)]:
            if not job.finished:
                job.set_exception(
                    TaskCancelledError(
                        f"task {job.name!r} was cancelled: the dask backend shut down",
                        task=job.name,
                    )
                )
        for task in [*self._watchers, *([self._reporter] if self._reporter else [])]:
            task.cancel()
        self._watchers.clear()
        await self._close_owned()

    async def _close_owned(self) -> None:
        client, cluster = self.client, self.cluster
        if client is not None and self._owns_client:
            try:
                await client.close()
            except Exception as exc:
                logger.warning("closing the Dask client failed: %s", exc)
        if cluster is not None and self._owns_cluster:
            try:
                await cluster.close()
            except Exception as exc:
                logger.warning("closing the Dask LocalCluster failed: %s", exc)

    def describe(self) -> str:
        if self._owns_cluster and self.cluster is not None:
            workers = len(self.cluster.workers)
            return f"{self.label} (Dask LocalCluster, {workers} workers)"
        if self._target is None:
            opts = self._cluster_options
            n, t = opts["n_workers"] or "auto", opts["threads_per_worker"] or "auto"
            return f"{self.label} (Dask LocalCluster, {n} workers x {t} threads)"
        return f"{self.label} (Dask scheduler {self.scheduler_address or self._target})"

    @property
    def scheduler_address(self) -> str | None:
        """The scheduler's address once started."""
        if self.client is None:
            return None
        return str(self.client.scheduler.address)

    # -- submission -------------------------------------------------------------------
    def submit(self, jobs: Sequence[Job]) -> None:
        """Queue ``jobs``; the engine loop sends them to Dask in one batch."""
        with self._lock:
            for job in jobs:
                self._queued[job.uid] = job
            wake = not self._flush_pending
            self._flush_pending = True
        if wake:
            self.loop.call_soon_threadsafe(self._flush)

    def _schedule_flush(self) -> None:
        with self._lock:
            if self._flush_pending or not self._queued:
                return
            self._flush_pending = True
        asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        with self._lock:
            self._flush_pending = False
            if self.client is None and not self._closed:
                return  # start() flushes once connected
            jobs = list(self._queued.values())
            self._queued.clear()
        client = self.client
        groups: dict[tuple[Any, ...], list[_Prepared]] = {}
        for job in jobs:
            if job.finished:
                continue
            if self._closed or client is None:
                job.set_exception(
                    BackendError(f"task {job.name!r}: the dask backend was shut down")
                )
                continue
            try:
                prepared = self._prepare(job)
            except BackendError as exc:
                job.set_exception(exc)
                continue
            groups.setdefault(_freeze(prepared.options), []).append(prepared)
        for batch in groups.values():
            assert client is not None
            self._send(client, batch)

    def _prepare(self, job: Job) -> _Prepared:
        options = submit_options(
            job.description, job.name, worker_resources=self._worker_resources
        )
        call: FunctionCall | CommandCall
        if job.kind == "executable":
            if job.command is None:
                raise BackendError(f"task {job.name!r}: executable task without a command")
            call = CommandCall(job.command, job.name, job.timeout)
        else:
            if job.fn is None:
                raise BackendError(f"task {job.name!r}: function task without a function")
            call = FunctionCall(job.fn, tuple(job.args), dict(job.kwargs), job.name)
        # the counter keeps keys unique when one job is submitted again (engine retries);
        # the name prefix lets Dask group and display tasks by task name
        key = f"{_KEY_UNSAFE.sub('_', job.name) or 'task'}-{next(self._keys)}-{job.uid}"
        return _Prepared(job, call, key, options)

    def _send(self, client: Client, batch: list[_Prepared]) -> None:
        """Send jobs that share Dask options as one graph; isolate failures if it fails."""
        options = batch[0].options
        try:
            if len(batch) == 1:
                only = batch[0]
                futures = [client.submit(run_call, only.call, key=only.key, pure=False, **options)]
            else:
                calls = [p.call for p in batch]
                keys = [p.key for p in batch]
                futures = client.map(run_call, calls, key=keys, pure=False, **options)
        except Exception as exc:
            if len(batch) > 1:  # find the job(s) that cannot be sent, send the rest
                for prepared in batch:
                    self._send(client, [prepared])
                return
            job = batch[0].job
            job.set_exception(_send_error(job, exc))
            return
        for prepared, future in zip(batch, futures, strict=True):
            self._track(prepared.job, future)
            prepared.job.set_running()

    def _track(self, job: Job, future: Future) -> None:
        with self._lock:
            self._running[job.uid] = (job, future)
        watcher = asyncio.ensure_future(self._watch(job, future))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    # -- results ----------------------------------------------------------------------
    async def _watch(self, job: Job, future: Future) -> None:
        await future.exception()  # async client: waits for completion, fetches nothing
        self._done.append((job, future))
        if self._reporter is None:
            self._reporter = asyncio.ensure_future(self._report_done())

    async def _report_done(self) -> None:
        try:
            while self._done:
                batch, self._done = self._done, []
                await self._report(batch)
        finally:
            self._reporter = None

    async def _report(self, batch: list[tuple[Job, Future]]) -> None:
        finished: list[tuple[Job, Future]] = []
        with self._lock:
            # a job missing from _running was cancelled (or the backend shut down)
            mine = [(job, fut) for job, fut in batch if self._running.pop(job.uid, None)]
        for job, future in mine:
            status = future.status
            if status == "finished":
                finished.append((job, future))
            elif status == "error":
                exc = await future.exception()
                tb = await future.traceback()
                job.set_exception(_task_error(job, exc, tb))
            elif status == "cancelled":
                job.set_exception(await _cancelled_error(job, future))
            else:  # "lost" or "pending": Dask recomputes it, wait again
                self._track(job, future)
        if finished:
            await self._gather(finished)

    async def _gather(self, finished: list[tuple[Job, Future]]) -> None:
        assert self.client is not None
        try:
            values = await self.client.gather([future for _, future in finished])
        except Exception:
            # one bad result must not fail the others: fetch them one at a time
            for job, future in finished:
                try:
                    value = await self.client.gather(future)
                except Exception as exc:
                    job.set_exception(_fetch_error(job, exc))
                else:
                    job.set_result(value)
            return
        for (job, _), value in zip(finished, values, strict=True):
            job.set_result(value)

    # -- cancellation -----------------------------------------------------------------
    def cancel(self, job: Job) -> bool:
        """Withdraw ``job``; its Dask future is cancelled on the engine loop."""
        with self._lock:
            if self._queued.pop(job.uid, None) is not None:
                return True
            entry = self._running.pop(job.uid, None)
        if entry is None:
            return False
        future = entry[1]
        self.loop.call_soon_threadsafe(self._cancel_future, future)
        return True

    def _cancel_future(self, future: Future) -> None:
        if self.client is None or self._closed:
            return
        task = asyncio.ensure_future(self.client.cancel([future], reason="asyncflow-cancel"))
        task.add_done_callback(_log_failure)


class _Prepared(NamedTuple):
    job: Job
    call: FunctionCall | CommandCall
    key: str
    options: dict[str, Any]


def _freeze(value: Any) -> Any:
    """A hashable stand-in for submit options, to group jobs that share them."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_freeze(v) for v in value)
    return value


def _send_error(job: Job, exc: BaseException) -> BaseException:
    root = exc
    while root.__cause__ is not None or root.__context__ is not None:
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
    error = TaskError(
        f"task {job.name!r} could not be sent to Dask: its function or arguments cannot "
        f"be pickled ({_describe(root)}). Define the function at module top level and "
        "pass picklable arguments, or use the thread backend.",
        task=job.name,
    )
    error.__cause__ = exc
    return error


def _task_error(job: Job, exc: BaseException | None, tb: Any) -> BaseException:
    """The exception a failed Dask task reports to its job."""
    if exc is None:
        return TaskError(f"task {job.name!r} failed on Dask without an exception", task=job.name)
    if isinstance(exc, KilledWorker):
        lost = WorkerLostError(
            f"task {job.name!r}: the Dask worker running it died ({exc}); the task was "
            "not retried further. Check the worker's memory limit and the task for "
            "crashes (segfaults, os._exit).",
            task=job.name,
        )
        lost.__cause__ = exc
        return lost
    if isinstance(exc, CommClosedError):
        return _backend_error(job, exc)
    if tb is not None:
        try:
            return exc.with_traceback(tb)
        except Exception:  # a traceback Dask could not rebuild
            return exc
    return exc


async def _cancelled_error(job: Job, future: Future) -> BaseException:
    """A future Dask cancelled on its own: the scheduler went away, or restarted."""
    reason = "unknown reason"
    try:
        await future.result()
    except FutureCancelledError as exc:
        reason = exc.reason + (f": {exc.msg}" if exc.msg else "")
    except Exception as exc:
        reason = _describe(exc)
    return BackendError(
        f"task {job.name!r}: Dask cancelled it ({reason}); the scheduler may have been "
        "lost or restarted"
    )


def _fetch_error(job: Job, exc: BaseException) -> BaseException:
    if isinstance(exc, CommClosedError | OSError):
        return _backend_error(job, exc)
    error = TaskError(
        f"task {job.name!r} finished on Dask but its result could not be fetched: "
        f"{_describe(exc)}",
        task=job.name,
    )
    error.__cause__ = exc
    return error


def _backend_error(job: Job, exc: BaseException) -> BackendError:
    error = BackendError(
        f"task {job.name!r}: lost contact with the Dask cluster ({_describe(exc)})"
    )
    error.__cause__ = exc
    return error


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _loop_of(client: Client) -> asyncio.AbstractEventLoop | None:
    return getattr(client.loop, "asyncio_loop", None)


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.debug("cancelling a Dask future failed: %s", task.exception())


__all__ = ["DaskExecutionBackend"]

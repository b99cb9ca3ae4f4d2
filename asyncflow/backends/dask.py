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
from collections.abc import Sequence
from typing import Any, NamedTuple

from distributed import Client, Future
from distributed.client import FutureCancelledError
from distributed.comm.core import CommClosedError
from distributed.scheduler import KilledWorker

from asyncflow.backends import _dask_errors as errors
from asyncflow.backends._dask_cluster import Connection
from asyncflow.backends._dask_lost import split_lost
from asyncflow.backends._dask_options import freeze, submit_options
from asyncflow.backends._dask_worker import CommandCall, FunctionCall, run_call
from asyncflow.backends.base import ExecutionBackend, Job
from asyncflow.errors import BackendError, TaskCancelledError

logger = logging.getLogger(__name__)

#: seconds to collect the jobs one worker death failed before deciding about them
_LOST_WINDOW = 0.05
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
        allowed_failures: worker deaths the scheduler of the owned cluster lets a task
            survive (Dask's ``distributed.scheduler.allowed-failures``, whose default is
            3). With the default, 0, a task running on a worker that dies fails at once
            with :class:`~asyncflow.errors.WorkerLostError`; tasks that were only queued
            on that worker are resubmitted by the backend, not failed.
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
        cluster_options: dict[str, Any] = {
            "n_workers": n_workers,
            "threads_per_worker": threads_per_worker,
            "processes": processes,
            "dashboard_address": None,
            **cluster_kwargs,
        }
        self._conn = Connection(target, cluster_options, allowed_failures)
        self.client: Client | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._queued: dict[str, Job] = {}
        self._flush_pending = False
        self._running: dict[str, tuple[Job, Future]] = {}
        self._done: list[tuple[Job, Future]] = []
        self._reporter: asyncio.Task[None] | None = None
        self._watchers: set[asyncio.Task[None]] = set()
        self._keys = itertools.count()
        self._lost: dict[str, list[tuple[Job, Future, KilledWorker]]] = {}
        self._resubmitted: dict[str, int] = {}

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        """Start the owned ``LocalCluster`` or connect to the scheduler; then submit."""
        if self.client is not None or self._closed:
            return
        self.client = await self._conn.open()
        self._schedule_flush()

    @property
    def cluster(self) -> Any:
        """The ``LocalCluster`` this backend started, if it started one."""
        return self._conn.cluster

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
                job.set_exception(_shut_down(job))
        for task in [*self._watchers, *([self._reporter] if self._reporter else [])]:
            task.cancel()
        self._watchers.clear()
        await self._conn.close()

    def describe(self) -> str:
        return self._conn.describe(self.label)

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
        lost = client is not None and client.status in ("closing", "closed")
        groups: dict[tuple[Any, ...], list[_Prepared]] = {}
        for job in jobs:
            if job.finished:
                continue
            if self._closed or client is None or lost:
                why = "was shut down" if self._closed else "lost its Dask scheduler"
                job.set_exception(BackendError(f"task {job.name!r}: the dask backend {why}"))
                continue
            try:
                prepared = self._prepare(job)
            except BackendError as exc:
                job.set_exception(exc)
                continue
            groups.setdefault(freeze(prepared.options), []).append(prepared)
        for batch in groups.values():
            assert client is not None
            self._send(client, batch)

    def _prepare(self, job: Job) -> _Prepared:
        options = submit_options(
            job.description, job.name, worker_resources=self._conn.worker_resources
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
        return _Prepared(job, call, self._key(job), options)

    def _key(self, job: Job) -> str:
        # the counter keeps keys unique when one job is submitted again (engine retries);
        # the name prefix lets Dask group and display tasks by task name
        return f"{_KEY_UNSAFE.sub('_', job.name) or 'task'}-{next(self._keys)}-{job.uid}"

    def _send(self, client: Client, batch: list[_Prepared], *, announce: bool = True) -> None:
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
                # with fresh keys: Dask registered the failed batch's keys already
                for prepared in batch:
                    fresh = prepared._replace(key=self._key(prepared.job))
                    self._send(client, [fresh], announce=announce)
                return
            job = batch[0].job
            job.set_exception(errors.not_sent(job, exc))
            return
        for prepared, future in zip(batch, futures, strict=True):
            self._track(prepared.job, future)
            if announce:
                prepared.job.set_running()

    def _track(self, job: Job, future: Future) -> None:
        with self._lock:
            self._running[job.uid] = (job, future)
        watcher = asyncio.ensure_future(self._watch(job, future))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    # -- results ----------------------------------------------------------------------
    async def _watch(self, job: Job, future: Future) -> None:
        try:
            await future.exception()  # async client: waits for completion, fetches nothing
        except Exception as exc:
            with self._lock:
                mine = self._running.pop(job.uid, None) is not None
            if mine:
                job.set_exception(errors.lost_contact(job, exc))
            return
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
        try:
            for job, future in mine:
                try:
                    await self._report_one(job, future, finished)
                except Exception as exc:  # never leave a job without a report
                    job.set_exception(errors.lost_contact(job, exc))
            if finished:
                await self._gather(finished)
        except asyncio.CancelledError:  # shutdown while results were on their way
            for job, _ in [*mine, *finished]:
                if not job.finished:
                    job.set_exception(_shut_down(job))
            raise

    async def _report_one(
        self, job: Job, future: Future, finished: list[tuple[Job, Future]]
    ) -> None:
        status = future.status
        exc = await future.exception() if status == "error" else None
        if isinstance(exc, KilledWorker):
            self._worker_lost(job, future, exc)
            return
        if self._resubmitted:  # a job resubmitted after a worker death is done
            self._resubmitted.pop(job.uid, None)
        if status == "finished":
            finished.append((job, future))
        elif status == "error":
            job.set_exception(_task_error(job, exc, await future.traceback()))
        elif status == "cancelled":
            job.set_exception(await _cancelled_error(job, future))
        else:  # "lost" or "pending": Dask recomputes it, wait again
            self._track(job, future)

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
                    job.set_exception(errors.not_fetched(job, exc))
                else:
                    job.set_result(value)
            return
        for (job, _), value in zip(finished, values, strict=True):
            job.set_result(value)

    # -- worker deaths ----------------------------------------------------------------
    def _worker_lost(self, job: Job, future: Future, exc: KilledWorker) -> None:
        """Collect the jobs one worker death failed; settle them together shortly."""
        address = str(exc.last_worker.address)
        with self._lock:
            self._running[job.uid] = (job, future)  # cancellable while it waits
        bucket = self._lost.setdefault(address, [])
        if not bucket:
            asyncio.get_running_loop().call_later(_LOST_WINDOW, self._settle_lost, address)
        bucket.append((job, future, exc))

    def _settle_lost(self, address: str) -> None:
        bucket = self._lost.pop(address, [])
        with self._lock:
            bucket = [entry for entry in bucket if self._running.pop(entry[0].uid, None)]
        if not bucket or self._closed or self.client is None:
            return
        worker = bucket[0][2].last_worker
        executing = {str(key) for key in getattr(worker, "executing", None) or ()}
        by_uid = {job.uid: (job, exc) for job, _, exc in bucket}
        fail, again = split_lost(
            [(job, str(future.key)) for job, future, _ in bucket],
            nthreads=int(getattr(worker, "nthreads", 1) or 1),
            executing=executing,
            resubmitted=self._resubmitted,
            uid=lambda job: job.uid,
        )
        for job in fail:
            self._resubmitted.pop(job.uid, None)
            job.set_exception(_task_error(job, by_uid[job.uid][1], None))
        for job in again:
            logger.info("task %r was queued on dead worker %s; resubmitting it", job.name, address)
            try:
                prepared = self._prepare(job)
            except BackendError as error:
                job.set_exception(error)
            else:
                self._send(self.client, [prepared], announce=False)

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


def _task_error(job: Job, exc: BaseException | None, tb: Any) -> BaseException:
    """What a failed Dask task reports: Dask's infrastructure errors become asyncflow's."""
    if isinstance(exc, KilledWorker):
        address = str(exc.last_worker.address)
        return errors.worker_lost(job, exc, address, exc.allowed_failures + 1)
    if isinstance(exc, CommClosedError):
        return errors.lost_contact(job, exc)
    return errors.task_failed(job, exc, tb)


async def _cancelled_error(job: Job, future: Future) -> BaseException:
    reason = "unknown reason"
    try:
        await future.result()
    except FutureCancelledError as exc:
        reason = exc.reason + (f": {exc.msg}" if exc.msg else "")
    except Exception as exc:
        reason = errors.describe(exc)
    return errors.cancelled_by_dask(job, reason)


def _shut_down(job: Job) -> TaskCancelledError:
    return TaskCancelledError(
        f"task {job.name!r} was cancelled: the dask backend shut down", task=job.name
    )


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.debug("cancelling a Dask future failed: %s", task.exception())


__all__ = ["DaskExecutionBackend"]

"""The RADICAL-Pilot backend: shell and function tasks on a pilot (laptop or HPC machine).

One backend owns one RP session, pilot manager, task manager and pilot. Shell tasks are
plain RP tasks; function tasks run in a Raptor worker on the same pilot. See
docs/backends/radical.md for the design, the task_description mapping and where RP
writes its files.

Threads: every call into RP's client API (session start, ``submit_tasks``,
``cancel_tasks``, ``close``) happens on one thread that the backend owns, so neither the
engine's event loop nor a caller of :meth:`submit` ever waits for RP. Results arrive on
RP's callback threads and go straight to ``job.set_result`` / ``job.set_exception``,
which are thread-safe.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from asyncflow.backends import _radical_results as results
from asyncflow.backends._radical_describe import (
    is_local,
    pilot_description,
    raptor_options,
    rp_task,
    safe_uid,
)
from asyncflow.backends._radical_session import RPHandles, close_session, open_session
from asyncflow.backends.base import ExecutionBackend, Job
from asyncflow.errors import AsyncflowError, BackendError, TaskCancelledError

logger = logging.getLogger(__name__)

#: environment variable naming the default sandbox directory
SANDBOX_ENV = "ASYNCFLOW_RADICAL_SANDBOX"


class RadicalExecutionBackend(ExecutionBackend):
    """Runs shell and function tasks on a RADICAL-Pilot pilot.

    Args:
        resources: the pilot, as rp.PilotDescription keys: ``resource`` (default
            ``"local.localhost"``), ``cores``, ``gpus``, ``nodes``, ``runtime`` (minutes,
            default 60), ``project``, ``queue``, ``access_schema``, ... On ``local.*``
            resources ``cores`` defaults to this machine's cores, and Raptor's cores come
            on top of it.
        raptor: run function tasks in a Raptor master + worker on the pilot. ``True``
            (default), ``False`` (shell tasks only; function tasks fail with a clear
            error), or a dict of options: ``workers`` (1), ``cores_per_worker`` (local:
            the machine's cores, else 1; how many functions one worker runs at once),
            ``gpus_per_worker`` (0), ``environment``, ``named_env``, ``pre_exec``,
            ``python_path`` (directories for the worker's PYTHONPATH; local default:
            this process's ``sys.path``, so the worker imports what the client imports).
        sandbox: directory for everything RP writes (the client's session folder and the
            pilot sandboxes); default ``$ASYNCFLOW_RADICAL_SANDBOX``, else RP's own
            defaults (``./rp.session.*`` and ``$HOME/radical.pilot.sandbox``).
        name: routing name (default ``"radical"``).

    Construction is cheap and imports nothing from RP; the pilot starts in :meth:`start`.
    The RP objects are available afterwards as ``session``, ``pilot_manager``,
    ``task_manager``, ``pilot``, ``raptor_master`` and ``raptor_workers``.
    """

    name = "radical"

    def __init__(
        self,
        resources: Mapping[str, Any] | None = None,
        *,
        raptor: bool | Mapping[str, Any] = True,
        sandbox: str | os.PathLike[str] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        resource = str((resources or {}).get("resource") or "local.localhost")
        self.local = is_local(resource)
        self.raptor = raptor_options(raptor, self.local)
        raptor_cores = 0
        if self.raptor is not None:
            raptor_cores = 1 + self.raptor["workers"] * self.raptor["cores_per_worker"]
        sandbox = sandbox or os.environ.get(SANDBOX_ENV) or None
        self.sandbox = os.path.abspath(sandbox) if sandbox else None
        #: the rp.PilotDescription this backend submits, as a dict
        self.pilot_description = pilot_description(resources, self.sandbox, raptor_cores)
        self.session: Any = None
        self.pilot_manager: Any = None
        self.task_manager: Any = None
        self.pilot: Any = None
        self.raptor_master: Any = None
        self.raptor_workers: list[Any] = []
        self._rp: Any = None
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}  # RP uid -> job, until it is reported
        self._rp_uid: dict[str, str] = {}  # job uid -> RP uid
        self._queued: set[str] = set()  # job uids waiting for the RP thread
        self._cancelled: set[str] = set()  # queued job uids cancelled before submission
        self._requests: queue.SimpleQueue[tuple[str, Any] | None] = queue.SimpleQueue()
        self._seq = itertools.count(1)
        self._error: BackendError | None = None  # set when the pilot is gone
        self._raptor_error: BackendError | None = None  # set when Raptor is gone
        self._raptor_uids: set[str] = set()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._started: Future[None] = Future()

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Start a session and submit the pilot (and Raptor); returns when RP took them.

        The pilot becomes active later; tasks submitted meanwhile wait in RP. If the pilot
        ends or fails, every unfinished task fails with a :class:`BackendError` naming it.
        """
        if self._thread is None and not self._closing:
            self._thread = threading.Thread(
                target=self._serve, name=f"asyncflow-{self.label}", daemon=True
            )
            self._thread.start()
        await asyncio.wrap_future(self._started)

    async def shutdown(self) -> None:
        """Fail what is unfinished, close the session and its pilot; safe to call twice."""
        if not self._closing:
            self._closing = True
            self._fail_all(self._shutdown_error)
            if self._thread is not None:
                self._requests.put(None)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)

    def describe(self) -> str:
        pd = self.pilot_description
        text = f"{self.label} (RADICAL-Pilot, {pd['resource']}, {pd.get('cores') or '?'} cores"
        if self.raptor is not None:
            workers, cores = self.raptor["workers"], self.raptor["cores_per_worker"]
            text += f", Raptor {workers} worker(s) x {cores} cores"
        return text + ")"

    # -- submission (any thread) ----------------------------------------------------------
    def submit(self, jobs: Sequence[Job]) -> None:
        error = self._error
        if error is None and self._closing:
            error = BackendError(f"the {self.label} backend was shut down")
        if error is not None:
            for job in jobs:
                job.set_exception(error)
            return
        with self._lock:
            self._queued.update(job.uid for job in jobs)
        self._requests.put(("submit", list(jobs)))

    def cancel(self, job: Job) -> bool:
        with self._lock:
            if job.uid in self._queued:
                self._cancelled.add(job.uid)
                return True
            rp_uid = self._rp_uid.pop(job.uid, None)
            if rp_uid is None:
                return False
            self._jobs.pop(rp_uid, None)
        # Report at once: a running function cannot be stopped inside a Raptor worker,
        # and RP's confirmation of a cancelled shell task is of no use to anyone.
        self._requests.put(("cancel", rp_uid))
        job.set_exception(TaskCancelledError(f"task {job.name!r} was cancelled", task=job.name))
        return True

    # -- the RP thread --------------------------------------------------------------------
    def _serve(self) -> None:
        try:
            self._open_session()
        except BaseException as exc:
            self._close_session()
            if isinstance(exc, BackendError):
                error = exc
            else:
                error = BackendError(
                    f"RADICAL-Pilot could not start a pilot on "
                    f"{self.pilot_description['resource']!r}: {type(exc).__name__}: {exc}"
                )
            self._error = error
            self._started.set_exception(error)
            return
        self._started.set_result(None)
        try:
            self._handle_requests()
        finally:
            self._close_session()

    def _handle_requests(self) -> None:
        while True:
            items = [self._requests.get()]
            while True:  # take everything waiting: one submit_tasks call per batch
                try:
                    items.append(self._requests.get_nowait())
                except queue.Empty:
                    break
            jobs = [job for item in items if item and item[0] == "submit" for job in item[1]]
            if None in items:
                self._fail_all(self._shutdown_error, extra=jobs)
                return
            if jobs:
                self._submit_now(jobs)
            cancels = [item[1] for item in items if item and item[0] == "cancel"]
            if cancels:
                try:
                    self.task_manager.cancel_tasks(cancels)
                except Exception as exc:
                    logger.warning("RADICAL-Pilot could not cancel %s: %s", cancels, exc)

    def _open_session(self) -> None:
        def opened(handles: RPHandles) -> None:
            self._rp, self.session = handles.rp, handles.session

        h = open_session(
            self.pilot_description,
            sandbox=self.sandbox,
            raptor=self.raptor,
            local=self.local,
            on_pilot=self._on_pilot,
            on_task=self._on_task,
            opened=opened,
        )
        self.pilot_manager, self.task_manager, self.pilot = h.pilot_manager, h.task_manager, h.pilot
        self.raptor_master, self.raptor_workers = h.raptor_master, h.raptor_workers
        if h.raptor_master is not None:
            self._raptor_uids = {h.raptor_master.uid, *(w.uid for w in h.raptor_workers)}
        self._on_pilot(self.pilot)  # in case it failed before the callback was in place

    def _close_session(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            close_session(session, self.local)

    def _submit_now(self, jobs: list[Job]) -> None:
        descriptions = []
        for job in jobs:
            with self._lock:
                self._queued.discard(job.uid)
                cancelled = job.uid in self._cancelled
                self._cancelled.discard(job.uid)
            if job.finished:
                continue
            if cancelled:
                job.set_exception(
                    TaskCancelledError(f"task {job.name!r} was cancelled", task=job.name)
                )
                continue
            if self._error is not None:
                job.set_exception(self._error)
                continue
            try:
                td = self._task_description(job)
            except AsyncflowError as exc:
                job.set_exception(exc)
                continue
            except Exception as exc:  # rp.TaskDescription's own checks
                job.set_exception(
                    BackendError(
                        f"task {job.name!r}: RADICAL-Pilot rejected its task description: "
                        f"{type(exc).__name__}: {exc}"
                    )
                )
                continue
            with self._lock:
                self._jobs[td.uid] = job
                self._rp_uid[job.uid] = td.uid
            descriptions.append(td)
        if not descriptions:
            return
        try:
            self.task_manager.submit_tasks(descriptions)
        except Exception as exc:
            for td in descriptions:
                lost = self._forget(td.uid)
                if lost is not None:
                    lost.set_exception(
                        BackendError(
                            f"task {lost.name!r}: RADICAL-Pilot refused it: "
                            f"{type(exc).__name__}: {exc}"
                        )
                    )

    def _task_description(self, job: Job) -> Any:
        if job.kind == "function":
            if self.raptor is None:
                raise BackendError(
                    f"task {job.name!r} is a function task, but the {self.label} backend was "
                    "created with raptor=False; create it with raptor=True to run functions"
                )
            if self._raptor_error is not None:
                raise self._raptor_error
        uid = safe_uid(job.name, next(self._seq))
        master = self.raptor_master.uid if self.raptor_master is not None else None
        return self._rp.TaskDescription(rp_task(job, uid, local=self.local, raptor_id=master))

    # -- RP callbacks (RP's threads) ------------------------------------------------------
    def _on_task(self, task: Any, state: Any = None, *_: Any) -> None:
        for one in task if isinstance(task, list) else [task]:
            try:
                self._task_state(one, one.state if isinstance(task, list) else state)
            except Exception as exc:  # never let an error escape into RP's thread
                logger.exception("asyncflow: handling RADICAL-Pilot task %s failed", one.uid)
                job = self._forget(one.uid)
                if job is not None:
                    job.set_exception(
                        BackendError(
                            f"task {job.name!r}: reading its RADICAL-Pilot result failed: "
                            f"{type(exc).__name__}: {exc}"
                        )
                    )

    def _task_state(self, task: Any, state: str) -> None:
        rp = self._rp
        if task.uid in self._raptor_uids:
            if state in rp.FINAL and not self._closing:
                self._raptor_lost(task, state)
            return
        if state not in rp.FINAL:
            # RP tells the client when the pilot's agent takes a task over, but not when it
            # starts executing it: the hand-over is the best "running" there is.
            if state in (rp.AGENT_STAGING_INPUT_PENDING, rp.AGENT_EXECUTING):
                job = self._jobs.get(task.uid)
                if job is not None:
                    job.set_running()
            return
        job = self._forget(task.uid)
        if job is None:
            return
        if state == rp.DONE:
            ok, outcome = results.done_outcome(task, job)
            if ok:
                job.set_result(outcome)
            else:
                job.set_exception(outcome)
        elif self._error is not None:
            job.set_exception(self._error)
        elif state == rp.CANCELED:
            job.set_exception(results.canceled_error(task, job))
        elif "pilot" in str(task.exception_detail or "") and task.exit_code is None:
            job.set_exception(self._pilot_error(self.pilot))
        elif job.kind == "function" and self._raptor_error is not None:
            job.set_exception(self._raptor_error)
        else:
            job.set_exception(results.failed_error(task, job))

    def _on_pilot(self, pilot: Any, state: Any = None, *_: Any) -> None:
        for one in pilot if isinstance(pilot, list) else [pilot]:
            if one.state in self._rp.FINAL and not self._closing and self._error is None:
                self._error = self._pilot_error(one)
                self._fail_all(lambda job: self._error)

    def _pilot_error(self, pilot: Any) -> BackendError:
        sandbox = getattr(pilot, "pilot_sandbox", None)
        return BackendError(
            f"RADICAL-Pilot pilot {getattr(pilot, 'uid', '?')} on "
            f"{self.pilot_description['resource']!r} ended in state "
            f"{getattr(pilot, 'state', '?')} before the task finished"
            + (f"; its logs are in {sandbox}" if sandbox else "")
        )

    def _raptor_lost(self, task: Any, state: str) -> None:
        if self.pilot is not None and self.pilot.state in self._rp.FINAL:
            self._on_pilot(self.pilot)  # the pilot took Raptor down with it
            return
        stderr = "\n".join(str(task.stderr or "").strip().splitlines()[-5:])
        self._raptor_error = BackendError(
            f"the Raptor task {task.uid} that runs function tasks on pilot "
            f"{getattr(self.pilot, 'uid', '?')} ended in state {state}"
            + (f"; its stderr ends with:\n{stderr}" if stderr else "")
        )
        with self._lock:
            lost = [uid for uid, job in self._jobs.items() if job.kind == "function"]
        for uid in lost:
            job = self._forget(uid)
            if job is not None:
                job.set_exception(self._raptor_error)

    # -- bookkeeping ----------------------------------------------------------------------
    def _forget(self, rp_uid: str) -> Job | None:
        with self._lock:
            job = self._jobs.pop(rp_uid, None)
            if job is not None:
                self._rp_uid.pop(job.uid, None)
            return job

    def _fail_all(
        self, make_error: Callable[[Job], BaseException | None], extra: Sequence[Job] = ()
    ) -> None:
        with self._lock:
            jobs = [*self._jobs.values(), *extra]
            self._jobs.clear()
            self._rp_uid.clear()
        for job in jobs:
            error = make_error(job)
            if error is not None and not job.finished:
                job.set_exception(error)

    def _shutdown_error(self, job: Job) -> BaseException:
        return TaskCancelledError(
            f"task {job.name!r} was cancelled: the {self.label} backend shut down",
            task=job.name,
        )

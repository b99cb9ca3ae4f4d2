"""The Raptor worker class that runs asyncflow function tasks on a RADICAL-Pilot pilot.

RP's ``radical-pilot-raptor-worker`` loads this file by path on the pilot (``raptor_file``)
and instantiates :class:`AsyncflowWorker`; the client never imports it. An asyncflow task
names the function ``asyncflow_call`` and carries one argument, the payload built by
:func:`asyncflow.backends._radical_payload.make_payload`.

Why not RP's default dispatch: ``DefaultWorker`` forks twice per task, and when the task's
process dies (``os._exit``, a segfault, the OOM killer) it never reports the task, which
then waits forever. Here each call runs in one forked child that sends its outcome back
through a pipe; a child that dies without one becomes a "lost" outcome, and a timeout kills
the child's whole process group. Other task modes (RP's own function tasks) still take
the default path.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
import traceback
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import radical.pilot as rp

from asyncflow.backends._radical_describe import ENTRY_POINT
from asyncflow.backends._radical_payload import (
    import_modules_of,
    lost_outcome,
    preload,
    run_payload,
    timeout_outcome,
)

_FORK_LOCK = threading.Lock()


class AsyncflowWorker(rp.raptor.DefaultWorker):  # type: ignore[misc]
    """RP's default Raptor worker plus a robust path for asyncflow calls."""

    def __init__(self, raptor_id: str) -> None:
        # Set up before the base class connects to the master: tasks may arrive at once.
        cores = max(1, int(os.environ.get("RP_CORES_PER_RANK", "1") or 1))
        self._af_slots = threading.Semaphore(cores)
        self._af_pool = ThreadPoolExecutor(max_workers=cores, thread_name_prefix="asyncflow")
        preload()  # imported once here instead of once per forked call
        super().__init__(raptor_id)

    def _request_cb(self, tasks: Any) -> Any:
        for task in tasks if isinstance(tasks, list) else [tasks]:
            if task["description"].get("function") == ENTRY_POINT:
                self._af_slots.acquire()  # back-pressure: take no more than we can run
                self._af_pool.submit(self._af_run, task)
            else:
                # RP 1.103's DefaultWorker opens its request queue before it creates its
                # result queue; a task arriving in between would crash and never finish.
                while not hasattr(self, "_result_thread"):
                    time.sleep(0.01)
                super()._request_cb([task])

    def _af_run(self, task: dict[str, Any]) -> None:
        task.update(stdout="", stderr="", exit_code=0, exception=None, exception_detail=None)
        try:
            description = task["description"]
            payload, *hints = description["args"]
            with _FORK_LOCK:  # never fork while another thread is half-way through an import
                import_modules_of(payload, hints[0] if hints else ())
            task["return_value"] = run_forked(
                payload,
                timeout=float(description.get("timeout") or 0) or None,
                environment=description.get("environment") or {},
                cwd=task.get("task_sandbox_path"),
            )
        except Exception as exc:  # the worker's own failure: RP marks the task FAILED
            task.update(
                exit_code=1,
                return_value=None,
                exception=repr(exc),
                exception_detail=traceback.format_exc(),
            )
        finally:
            self._af_slots.release()
        self._res_put.put(task)


def run_forked(
    payload: str,
    *,
    timeout: float | None,
    environment: Mapping[str, str],
    cwd: str | None,
) -> str:
    """Run one payload in a forked child; return its encoded outcome (never hangs)."""
    read_fd, write_fd = os.pipe()
    with _FORK_LOCK:
        pid = os.fork()
    if pid == 0:  # the child: run, write the outcome, leave without cleanup handlers
        status = 0
        try:
            os.close(read_fd)
            os.setpgid(0, 0)  # a timeout kills everything the task started
            os.environ.update({str(k): str(v) for k, v in environment.items()})
            if cwd:
                os.makedirs(cwd, exist_ok=True)
                os.chdir(cwd)
            data = memoryview(run_payload(payload).encode())
            while data:
                data = data[os.write(write_fd, data) :]
        except BaseException:
            status = 70
        finally:
            os._exit(status)
    os.close(write_fd)
    with contextlib.suppress(OSError):  # also here: killpg must work even before the child ran
        os.setpgid(pid, pid)
    chunks: list[bytes] = []
    deadline = None if timeout is None else time.monotonic() + timeout
    timed_out = False
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([pipe], [], [], wait)
            if not ready:
                timed_out = True
                break
            chunk = pipe.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    if timed_out:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return timeout_outcome(timeout or 0.0)
    if chunks:
        return b"".join(chunks).decode()
    return lost_outcome(_describe_status(status))


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"killed by {name}"
    return f"exit status {os.WEXITSTATUS(status)}"

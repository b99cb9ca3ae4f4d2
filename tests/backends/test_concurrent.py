"""The thread/process backend, and a custom backend written against the base class."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import pytest

from asyncflow import (
    ConcurrentExecutionBackend,
    ExecutionBackend,
    TaskError,
    TaskExitError,
    WorkerLostError,
    WorkflowEngine,
)

pytestmark = pytest.mark.timeout(60)


def square(x):
    return x * x


async def async_square(x):
    return x * x


def raise_value_error(x):
    raise ValueError(f"bad value {x}")


def leave(code):
    sys.exit(code)


@pytest.fixture(scope="module")
def procs():
    engine = WorkflowEngine(backend=ConcurrentExecutionBackend(ProcessPoolExecutor(2)))
    yield engine
    engine.close()


def test_functions_and_commands_cross_the_process_boundary(procs):
    sq = procs.function_task(square)
    asq = procs.function_task(async_square)

    @procs.executable_task
    def pid():
        return "echo $$"

    assert sq(asq(3)).result() == 81
    assert pid().result().isdigit()
    assert [sq(i).result() for i in range(5)] == [0, 1, 4, 9, 16]


def test_exceptions_cross_the_process_boundary(procs):
    bad = procs.function_task(raise_value_error)
    err = bad(7).exception()
    assert isinstance(err, ValueError) and str(err) == "bad value 7"
    assert isinstance(procs.function_task(leave)(2).exception(), TaskExitError)


def test_local_functions_travel_by_value_and_unpicklable_ones_fail_clearly(procs):
    import threading

    factor = 3

    @procs.function_task
    def local(x):
        return x * factor

    assert local(2).result(timeout=30) == 6  # sent by value (cloudpickle)
    lock = threading.Lock()

    @procs.function_task
    def holds_a_lock(x):
        with lock:
            return x

    err = holds_a_lock(1).exception(timeout=30)
    assert isinstance(err, TaskError)
    assert "'holds_a_lock'" in str(err) and "pickled" in str(err)


DEAD_WORKER_SCRIPT = """
import os
from concurrent.futures import ProcessPoolExecutor
from asyncflow import ConcurrentExecutionBackend, WorkflowEngine

def die():
    os._exit(9)

if __name__ == "__main__":
    engine = WorkflowEngine(backend=ConcurrentExecutionBackend(ProcessPoolExecutor(1)))
    try:
        err = engine.function_task(die)().exception(timeout=30)
        print(type(err).__name__, "|", err)
    finally:
        engine.close()
"""


def test_a_dead_worker_process_fails_the_task_with_worker_lost(tmp_path):
    # in its own interpreter: CPython 3.11's broken-pool clean-up can close file
    # descriptors late, which would disturb the tests that follow
    script = tmp_path / "dead_worker.py"
    script.write_text(DEAD_WORKER_SCRIPT)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    kind, message = out.stdout.strip().split(" | ", 1)
    assert kind == WorkerLostError.__name__
    assert "'die'" in message and "died" in message


class InlineBackend(ExecutionBackend):
    """Runs every job at once in the submitting thread (the docs' worked example)."""

    name = "inline"
    supports_executables = False

    def __init__(self):
        super().__init__()
        self.seen = []

    def submit(self, jobs):
        for job in jobs:
            self.seen.append(job.name)
            job.set_running()
            try:
                value = job.fn(*job.args, **job.kwargs)
            except Exception as exc:
                job.set_exception(exc)
            else:
                job.set_result(value)


def test_a_workflow_on_a_custom_backend():
    backend = InlineBackend()
    with WorkflowEngine(backend=backend) as flow:

        @flow.function_task
        def load(i):
            return list(range(i))

        @flow.function_task
        def total(*parts):
            return sum(sum(p) for p in parts)

        result = total(*[load(i) for i in range(5)]).result()
    assert result == 0 + 0 + 1 + 3 + 6
    assert backend.seen == ["load"] * 5 + ["total"]


def test_a_backend_refuses_kinds_it_does_not_support():
    with WorkflowEngine(backend=InlineBackend()) as flow:

        @flow.executable_task
        def cmd():
            return "echo hi"

        err = cmd().exception(timeout=5)
    assert "backend 'inline' cannot run shell commands" in str(err)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is not alive
        return f.read().split()[2] != "Z"


def test_cancelling_a_running_command_kills_its_process_tree(tmp_path):
    pidfile = tmp_path / "pid"
    with WorkflowEngine() as flow:

        @flow.executable_task
        def sleeper():
            return f"sleep 30 & echo $! > {pidfile}; wait"

        fut = sleeper()
        import time

        deadline = time.monotonic() + 10
        while (
            not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < deadline
        ):
            time.sleep(0.02)
        child = int(pidfile.read_text())
        assert _alive(child)
        assert fut.cancel("stop"), fut.exception()
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(child)
        assert fut.state == "CANCELLED"


def test_a_command_past_its_timeout_is_killed_with_its_children(tmp_path):
    from asyncflow import TaskTimeoutError

    pidfile = tmp_path / "pid"
    with WorkflowEngine() as flow:

        @flow.executable_task(timeout=0.5)
        def hangs():
            return f"sleep 30 & echo $! > {pidfile}; wait"

        err = hangs().exception(timeout=10)
        assert isinstance(err, TaskTimeoutError) and "0.5 s" in str(err)
        import time

        child = int(pidfile.read_text())
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)

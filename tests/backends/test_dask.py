"""The Dask backend against a real LocalCluster (2 worker processes x 1 thread).

Most tests drive the backend directly with a recording Job, so that they check exactly
what the backend reports; the last ones go through ``WorkflowEngine``.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

from asyncflow import WorkflowEngine  # noqa: E402
from asyncflow.backends import Job, get_backend_class  # noqa: E402
from asyncflow.backends.dask import DaskExecutionBackend  # noqa: E402
from asyncflow.errors import (  # noqa: E402
    BackendError,
    DependencyFailureError,
    ExecutableTaskError,
    TaskCancelledError,
    TaskError,
    TaskTimeoutError,
    WorkerLostError,
)
from asyncflow.runtime.loop import LoopThread  # noqa: E402

pytestmark = pytest.mark.dask

SLOT = {"slot": 1}  # every worker of the module's cluster offers one "slot"


# -- task bodies (module level: workers import them) ---------------------------------------
def inc(x: int) -> int:
    return x + 1


async def async_triple(x: int) -> tuple[int, int]:
    await asyncio.sleep(0.01)
    return 3 * x, os.getpid()


class CustomError(Exception):
    """An exception type of the user's own."""


def raise_custom(message: str) -> None:
    raise CustomError(message)


def die() -> None:
    os._exit(1)


def sleep_then_die(seconds: float) -> None:
    time.sleep(seconds)
    os._exit(1)


def sleep_then(seconds: float, value: Any = None) -> Any:
    time.sleep(seconds)
    return value


def started_at(seconds: float = 0.0) -> float:
    now = time.time()
    time.sleep(seconds)
    return now


def touch(path: str) -> str:
    Path(path).write_text("ran")
    return path


def flaky(path: str, failures: int) -> int:
    """Fails ``failures`` times (counted in a file), then returns the attempt number."""
    counter = Path(path)
    attempt = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(attempt))
    if attempt <= failures:
        raise ValueError(f"attempt {attempt} fails")
    return attempt


def free_resources() -> dict[str, float]:
    return dict(distributed.get_worker().state.available_resources)


def worker_address() -> str:
    return str(distributed.get_worker().address)


# -- a Job that records what the backend reports ----------------------------------------
class RecordingJob(Job):
    """Records every report; the first final report wins, later ones are counted."""

    __slots__ = ("_done", "_lock", "error", "reports", "value")

    def __init__(self, name: str, kind: str = "function", **fields: Any) -> None:
        super().__init__(f"{name}.{next(_uids)}", name, kind, **fields)
        self.reports: list[str] = []
        self.value: Any = None
        self.error: BaseException | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()

    def set_running(self) -> None:
        self.reports.append("running")

    def set_result(self, value: Any) -> None:
        self._final("result", value, None)

    def set_exception(self, exc: BaseException) -> None:
        self._final("exception", None, exc)

    def _final(self, what: str, value: Any, exc: BaseException | None) -> None:
        with self._lock:
            self.reports.append(what)
            if not self._done.is_set():
                self.value, self.error = value, exc
                self._done.set()

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def result(self, timeout: float = 90) -> Any:
        assert self._done.wait(timeout), f"{self.name} got no report in {timeout} s"
        if self.error is not None:
            raise self.error
        return self.value

    def exception(self, timeout: float = 90) -> BaseException:
        assert self._done.wait(timeout), f"{self.name} got no report in {timeout} s"
        assert self.error is not None, f"{self.name} succeeded with {self.value!r}"
        return self.error


_uids = iter(range(10**9))


def function_job(fn: Any, *args: Any, **fields: Any) -> RecordingJob:
    return RecordingJob(
        fn.__name__, fn=fn, args=args, is_async=asyncio.iscoroutinefunction(fn), **fields
    )


def shell_job(command: str | list[str], **fields: Any) -> RecordingJob:
    return RecordingJob("sh", "executable", command=command, **fields)


class Harness:
    """A started backend on its own engine-like loop thread."""

    def __init__(self, backend: DaskExecutionBackend) -> None:
        self.backend = backend
        self.loop_thread = LoopThread(name="test-dask-loop")
        backend.attach(self.loop_thread.get_loop)
        self.loop_thread.call(backend.start(), timeout=60)

    def run(self, *jobs: RecordingJob) -> list[Any]:
        self.backend.submit(jobs)
        return [job.result() for job in jobs]

    def call(self, coro: Any, timeout: float = 90) -> Any:
        return self.loop_thread.call(coro, timeout=timeout)

    def workers(self) -> list[str]:
        info = self.call(self.backend.client.scheduler.identity())
        return sorted(info["workers"])

    def close(self) -> None:
        self.call(self.backend.shutdown(), timeout=60)
        self.loop_thread.stop()


@pytest.fixture(scope="module")
def dask() -> Iterator[Harness]:
    backend = DaskExecutionBackend(
        n_workers=2, threads_per_worker=1, processes=True, resources=SLOT
    )
    harness = Harness(backend)
    yield harness
    harness.close()


def wait_for_workers(harness: Harness, count: int = 2, timeout: float = 30) -> None:
    """Worker-death tests leave restarting workers behind; later tests want all of them."""
    deadline = time.monotonic() + timeout
    while len(harness.workers()) < count:
        assert time.monotonic() < deadline, "the cluster did not get its workers back"
        time.sleep(0.1)


# -- registry and description -------------------------------------------------------------
@pytest.mark.timeout(120)
def test_the_registry_name_dask_gives_this_backend():
    assert get_backend_class("dask") is DaskExecutionBackend
    assert DaskExecutionBackend.name == "dask"


@pytest.mark.timeout(120)
def test_describe_names_the_cluster(dask):
    assert dask.backend.describe() == "dask (Dask LocalCluster, 2 workers)"
    assert dask.backend.scheduler_address.startswith("tcp://")


@pytest.mark.timeout(120)
def test_options_for_a_cluster_are_refused_with_an_address():
    with pytest.raises(TypeError, match="only apply to the LocalCluster"):
        DaskExecutionBackend("tcp://127.0.0.1:1", n_workers=2)


# -- functions ----------------------------------------------------------------------------
@pytest.mark.timeout(120)
def test_a_function_task_returns_its_value(dask):
    job = function_job(inc, 41)
    assert dask.run(job) == [42]
    assert job.reports == ["running", "result"]


@pytest.mark.timeout(120)
def test_an_async_function_runs_on_a_worker_process(dask):
    (value, pid) = dask.run(function_job(async_triple, 5))[0]
    assert value == 15
    assert pid != os.getpid()


@pytest.mark.timeout(120)
def test_a_closure_is_shipped_by_value(dask):
    factor = 7
    job = RecordingJob("closure", fn=lambda x: x * factor, args=(6,))
    assert dask.run(job) == [42]


@pytest.mark.timeout(120)
def test_arguments_arrive_exactly_as_passed(dask):
    class Tagged(list):
        pass

    # a string equal to a Dask key, nested containers and a list subclass pass untouched
    args = (["inc-0-x", {"k": ("a", 1)}], Tagged([1, 2]))
    job = RecordingJob("identity", fn=lambda *a: (a, type(a[1]).__name__), args=args)
    [(echoed, type_name)] = dask.run(job)
    assert echoed == args
    assert type_name == "Tagged"


@pytest.mark.timeout(180)
def test_many_jobs_from_many_threads_all_report_once(dask):
    jobs = [function_job(inc, i) for i in range(400)]
    threads = [threading.Thread(target=dask.backend.submit, args=(jobs[k::4],)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [job.result() for job in jobs] == [i + 1 for i in range(400)]
    assert all(job.reports == ["running", "result"] for job in jobs)


@pytest.mark.timeout(120)
def test_an_exception_keeps_its_type_and_message(dask):
    err = dask.run_error = None
    job = function_job(raise_custom, "bad input 7")
    dask.backend.submit([job])
    err = job.exception()
    assert type(err) is CustomError
    assert str(err) == "bad input 7"
    assert job.reports == ["running", "exception"]


@pytest.mark.timeout(120)
def test_sys_exit_in_a_body_fails_the_task_not_the_worker(dask):
    job = RecordingJob("leave", fn=lambda: exit(4))
    dask.backend.submit([job])
    err = job.exception()
    assert type(err).__name__ == "TaskExitError"
    assert "sys.exit(4)" in str(err)


@pytest.mark.timeout(120)
def test_an_unpicklable_argument_fails_that_task_only(dask):
    bad = function_job(inc, threading.Lock())
    good = function_job(inc, 1)
    dask.backend.submit([bad, good])
    err = bad.exception()
    assert isinstance(err, TaskError)
    assert "'inc' could not be sent to Dask" in str(err)
    assert "pickle" in str(err) and "lock" in str(err)
    assert good.result() == 2


# -- shell commands -------------------------------------------------------------------------
@pytest.mark.timeout(120)
def test_a_shell_command_returns_its_stdout(dask):
    assert dask.run(shell_job("echo hello; echo world")) == ["hello\nworld"]
    assert dask.run(shell_job(["printf", "%s|", "a b", "c"])) == ["a b|c|"]


@pytest.mark.timeout(120)
def test_a_failing_command_keeps_quoting_returncode_and_stdout(dask):
    job = shell_job("""sh -c 'echo "a  b"; exit 3'""")
    dask.backend.submit([job])
    err = job.exception()
    assert isinstance(err, ExecutableTaskError)
    assert err.returncode == 3
    assert err.stdout == "a  b\n"
    assert err.command == """sh -c 'echo "a  b"; exit 3'"""


@pytest.mark.timeout(180)
def test_ten_megabytes_of_output_come_back_whole(dask):
    size = 10 * 1024 * 1024
    [out] = dask.run(shell_job(f"head -c {size} /dev/zero | tr '\\0' x"))
    assert len(out) == size
    assert set(out) == {"x"}


@pytest.mark.timeout(120)
def test_a_command_timeout_is_enforced_on_the_worker(dask):
    job = shell_job("sleep 20", timeout=0.5)
    start = time.monotonic()
    dask.backend.submit([job])
    err = job.exception()
    assert isinstance(err, TaskTimeoutError)
    assert time.monotonic() - start < 10


# -- worker death -----------------------------------------------------------------------------
@pytest.mark.timeout(180)
def test_a_task_that_kills_its_worker_fails_with_worker_lost(dask):
    wait_for_workers(dask)
    before = set(dask.workers())
    victim = function_job(die)
    start = time.monotonic()
    dask.backend.submit([victim])
    err = victim.exception(timeout=60)
    assert isinstance(err, WorkerLostError)
    assert "'die'" in str(err) and "worker running it died" in str(err)
    assert isinstance(err.__cause__, distributed.scheduler.KilledWorker)
    assert time.monotonic() - start < 30
    # the cluster keeps working, and only one worker died: the task was not rerun
    assert dask.run(function_job(inc, 1)) == [2]
    wait_for_workers(dask)
    assert len(before & set(dask.workers())) == 1


@pytest.mark.timeout(240)
def test_tasks_queued_behind_a_crashing_task_are_resubmitted(dask):
    wait_for_workers(dask)
    first, second = dask.workers()
    # the second worker is busy; the others prefer the first, so the neighbours wait in its
    # queue behind the victim, which lives past a heartbeat: the scheduler then knows it
    # was the one running
    blocker = function_job(sleep_then, 3, "b", description={"workers": second})
    near = {"workers": first, "allow_other_workers": True}
    victim = function_job(sleep_then_die, 1.5, description=near)
    neighbours = [function_job(sleep_then, 0.1, i, description=near) for i in range(4)]
    dask.backend.submit([blocker])
    time.sleep(0.2)
    dask.backend.submit([victim, *neighbours])
    assert isinstance(victim.exception(timeout=60), WorkerLostError)
    assert [job.result(timeout=60) for job in neighbours] == list(range(4))
    assert blocker.result() == "b"
    assert all(job.reports == ["running", "result"] for job in neighbours)
    wait_for_workers(dask)


@pytest.mark.parametrize(
    ("lost", "nthreads", "executing", "fail", "again"),
    [
        # one thread, one task lost: it was running
        ([("a", "ka")], 1, set(), ["a"], []),
        # the heartbeat names the running task; the others were waiting
        ([("a", "ka"), ("b", "kb"), ("c", "kc")], 1, {"kb"}, ["b"], ["a", "c"]),
        # two threads, two lost: both were running
        ([("a", "ka"), ("b", "kb")], 2, set(), ["a", "b"], []),
        # unknown which one ran: each gets one more chance
        ([("a", "ka"), ("b", "kb")], 1, set(), [], ["a", "b"]),
    ],
)
def test_split_lost_tells_running_from_waiting(lost, nthreads, executing, fail, again):
    from asyncflow.backends._dask_lost import split_lost

    counts: dict[str, int] = {}
    result = split_lost(lost, nthreads=nthreads, executing=executing, resubmitted=counts, uid=str)
    assert result == (fail, again)
    assert counts == dict.fromkeys(again, 1)


def test_split_lost_gives_up_on_a_repeat_suspect():
    from asyncflow.backends._dask_lost import MAX_RESUBMITS, split_lost

    counts = {"a": 1, "b": 0, "w": MAX_RESUBMITS}
    fail, again = split_lost(
        [("a", "ka"), ("b", "kb")], nthreads=1, executing=set(), resubmitted=counts, uid=str
    )
    assert (fail, again) == (["a"], ["b"])
    fail, again = split_lost(
        [("r", "kr"), ("w", "kw")], nthreads=1, executing={"kr"}, resubmitted=counts, uid=str
    )
    assert (fail, again) == (["r", "w"], [])  # a waiting job, resubmitted 3 times already


# -- cancellation ---------------------------------------------------------------------------
@pytest.mark.timeout(180)
def test_cancel_withdraws_a_waiting_task_from_dask(dask, tmp_path):
    wait_for_workers(dask)
    blockers = [function_job(sleep_then, 1.5, i) for i in range(2)]
    marker = tmp_path / "ran"
    victim = function_job(touch, str(marker))
    dask.backend.submit(blockers)
    time.sleep(0.3)
    dask.backend.submit([victim])
    time.sleep(0.2)
    assert dask.backend.cancel(victim) is True
    assert dask.backend.cancel(victim) is False  # nothing left to cancel
    assert [job.result() for job in blockers] == [0, 1]
    time.sleep(1.0)
    assert not marker.exists()
    assert victim.reports == ["running"]  # a cancelled job is never reported
    assert dask.backend.cancel(blockers[0]) is False  # already finished


@pytest.mark.timeout(120)
def test_cancel_before_the_loop_sent_it(dask):
    job = function_job(sleep_then, 0.1, "x")

    async def submit_and_cancel() -> bool:
        # on the loop itself: the batch cannot have been sent to Dask in between
        dask.backend.submit([job])
        return dask.backend.cancel(job)

    assert dask.call(submit_and_cancel()) is True
    time.sleep(0.5)
    assert job.reports == []


# -- task_description ---------------------------------------------------------------------------
@pytest.mark.timeout(120)
def test_resources_reach_the_dask_scheduler(dask):
    wait_for_workers(dask)
    holding = function_job(free_resources, description={"resources": SLOT})
    plain = function_job(free_resources)
    assert dask.run(holding, plain) == [{"slot": 0.0}, {"slot": 1.0}]


@pytest.mark.timeout(120)
def test_resources_no_worker_offers_fail_at_once(dask):
    job = function_job(inc, 1, description={"resources": {"slot": 2}})
    dask.backend.submit([job])
    err = job.exception(timeout=30)
    assert isinstance(err, BackendError)
    assert "no worker of this cluster offers" in str(err) and "slot=1" in str(err)


@pytest.mark.timeout(120)
def test_retries_rerun_a_failing_task(dask, tmp_path):
    job = function_job(flaky, str(tmp_path / "a"), 2, description={"retries": 2})
    assert dask.run(job) == [3]
    once = function_job(flaky, str(tmp_path / "b"), 1)
    dask.backend.submit([once])
    assert isinstance(once.exception(), ValueError)


@pytest.mark.timeout(180)
def test_priority_lets_a_late_task_overtake(dask):
    wait_for_workers(dask)
    blockers = [function_job(sleep_then, 1.0, i) for i in range(2)]
    dask.backend.submit(blockers)
    time.sleep(0.3)
    low = [function_job(started_at, 0.1) for _ in range(6)]
    high = function_job(started_at, 0.1, description={"priority": 100})
    dask.backend.submit(low)
    time.sleep(0.1)  # the scheduler has queued the low ones first
    dask.backend.submit([high])
    starts = sorted(job.result() for job in low)
    # without the priority it would start after all six
    assert high.result() < starts[-2]


@pytest.mark.timeout(120)
def test_workers_pins_a_task_to_a_worker(dask):
    wait_for_workers(dask)
    target = dask.workers()[1]
    jobs = [function_job(worker_address, description={"workers": target}) for _ in range(4)]
    assert dask.run(*jobs) == [target] * 4
    loose = function_job(
        worker_address, description={"workers": [target], "allow_other_workers": True}
    )
    assert dask.run(loose)[0] in dask.workers()


@pytest.mark.timeout(120)
def test_an_unknown_description_key_fails_the_task_and_names_it(dask):
    job = function_job(inc, 1, description={"gpus": 1, "retries": 1})
    dask.backend.submit([job])
    err = job.exception(timeout=30)
    assert isinstance(err, BackendError)
    message = str(err)
    assert "'gpus'" in message
    for known in ("resources", "retries", "priority", "workers", "allow_other_workers"):
        assert repr(known) in message
    assert dask.run(function_job(inc, 2)) == [3]  # the backend is unharmed


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("description", "words"),
    [
        ({"retries": -1}, "'retries' must be a whole number"),
        ({"priority": "high"}, "'priority' must be a number"),
        ({"resources": ["GPU"]}, "'resources' must be a dict"),
        ({"allow_other_workers": True}, "together with 'workers'"),
    ],
)
def test_a_badly_typed_description_value_is_explained(dask, description, words):
    job = function_job(inc, 1, description=description)
    dask.backend.submit([job])
    err = job.exception(timeout=30)
    assert isinstance(err, BackendError)
    assert words in str(err)


# -- connecting to a scheduler it does not own ------------------------------------------------
@pytest.fixture(scope="module")
def other_cluster() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},  # keep port 8787 free
    )
    yield cluster
    cluster.close()


def _still_works(cluster: Any) -> int:
    with distributed.Client(cluster, set_as_default=False) as client:
        return int(client.submit(inc, 1, pure=False).result(timeout=20))


@pytest.mark.timeout(180)
@pytest.mark.parametrize("how", ["address", "cluster", "client"])
def test_an_existing_scheduler_is_used_and_left_running(other_cluster, how):
    if how == "address":
        target = other_cluster.scheduler_address
    elif how == "cluster":
        target = other_cluster
    else:
        target = distributed.Client(other_cluster, set_as_default=False)
    harness = Harness(DaskExecutionBackend(target))
    try:
        assert harness.backend.scheduler_address == other_cluster.scheduler_address
        assert harness.run(function_job(inc, 1), shell_job("echo hi")) == [2, "hi"]
    finally:
        harness.close()
    assert other_cluster.status.name == "running"
    assert _still_works(other_cluster) == 2
    if how == "client":
        assert target.status == "running"
        target.close()


@pytest.mark.timeout(180)
def test_an_unreachable_scheduler_fails_start_with_backend_error():
    import dask.config

    backend = DaskExecutionBackend("tcp://127.0.0.1:9")
    loop_thread = LoopThread()
    backend.attach(loop_thread.get_loop)
    try:
        with (
            dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
            pytest.raises(BackendError, match="could not start"),
        ):
            loop_thread.call(backend.start(), timeout=30)
    finally:
        loop_thread.call(backend.shutdown(), timeout=30)
        loop_thread.stop()


@pytest.mark.timeout(240)
def test_losing_the_scheduler_fails_running_and_later_tasks_with_backend_error():
    import dask.config

    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},
    )
    # the client gives up reconnecting after this long
    with dask.config.set({"distributed.comm.timeouts.connect": "3s"}):
        harness = Harness(DaskExecutionBackend(cluster.scheduler_address))
        try:
            running = function_job(sleep_then, 60)
            harness.backend.submit([running])
            time.sleep(0.5)
            cluster.close()
            err = running.exception(timeout=60)
            assert isinstance(err, BackendError)
            assert "scheduler-connection-lost" in str(err)
            deadline = time.monotonic() + 60
            while harness.backend.client.status != "closed":
                assert time.monotonic() < deadline
                time.sleep(0.2)
            later = function_job(inc, 1)
            harness.backend.submit([later])
            err = later.exception(timeout=10)
            assert isinstance(err, BackendError)
            assert "lost its Dask scheduler" in str(err)
        finally:
            harness.close()


# -- shutdown -----------------------------------------------------------------------------------
def _dask_processes() -> set[int]:
    """Our child processes, less multiprocessing's resource tracker (lives until exit)."""
    found = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                found.add(child.pid)
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.mark.timeout(240)
def test_shutdown_cancels_running_work_and_leaves_no_process(dask):
    before = _dask_processes()
    harness = Harness(DaskExecutionBackend(n_workers=2, threads_per_worker=1))
    ours = _dask_processes() - before
    assert len(ours) >= 2  # two worker processes (their nannies live in this process)
    assert harness.run(shell_job("echo up")) == ["up"]
    pending = function_job(sleep_then, 30, "late")
    harness.backend.submit([pending])
    time.sleep(0.5)
    start = time.monotonic()
    harness.close()
    assert time.monotonic() - start < 30
    err = pending.exception(timeout=1)
    assert isinstance(err, TaskCancelledError)
    assert "shut down" in str(err)
    _, alive = psutil.wait_procs(
        [psutil.Process(pid) for pid in ours if psutil.pid_exists(pid)], timeout=15
    )
    assert alive == []
    # a second shutdown is a no-op
    loop_thread = LoopThread()
    loop_thread.call(harness.backend.shutdown(), timeout=10)
    loop_thread.stop()


# -- through the engine ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def flow(dask) -> Iterator[WorkflowEngine]:
    """An engine on a second, owned cluster (an engine shuts its backend down at exit)."""
    engine = WorkflowEngine(backend=DaskExecutionBackend(n_workers=2, threads_per_worker=1))
    yield engine
    engine.close()


@pytest.mark.timeout(180)
def test_engine_chain_and_fan_in(flow):
    step = flow.function_task(inc)

    @flow.function_task
    def total(*parts: int) -> int:
        return sum(parts)

    @flow.executable_task
    def show(value: int) -> str:
        return f"echo value={value}"

    chain = step(0)
    for _ in range(19):
        chain = step(chain)
    fan = [step(i) for i in range(5)]
    assert chain.result() == 20
    assert total(*fan, chain).result() == 15 + 20
    assert show(total(*fan)).result() == "value=15"


@pytest.mark.timeout(180)
def test_engine_async_body_and_task_description(flow):
    triple = flow.function_task(async_triple)
    pinned = flow.function_task(task_description={"priority": 5, "retries": 1})(inc)
    assert triple(2).result()[0] == 6
    assert pinned(pinned(1)).result() == 3


@pytest.mark.timeout(180)
def test_engine_failure_propagates_and_the_flow_goes_on(flow):
    boom = flow.function_task(raise_custom)
    crash = flow.function_task(die)
    step = flow.function_task(inc)
    downstream = step(boom("root"))
    err = downstream.exception(timeout=30)
    assert isinstance(err, DependencyFailureError)
    assert isinstance(err.root_cause, CustomError)
    assert isinstance(crash().exception(timeout=60), WorkerLostError)
    assert step(1).result(timeout=60) == 2


@pytest.mark.timeout(180)
def test_engine_timeout_fails_a_function_task_and_cancels_it(flow):
    slow = flow.function_task(timeout=0.5)(sleep_then)
    start = time.monotonic()
    err = slow(5, "late").exception(timeout=60)
    assert isinstance(err, TaskTimeoutError)
    assert "timed out after 0.5 s" in str(err)
    assert time.monotonic() - start < 5
    assert flow.function_task(inc)(1).result(timeout=60) == 2

"""Execution policies: retries, timeouts, fail-fast / keep-going, result cache, shutdown."""

from __future__ import annotations

import threading
import time

import pytest

from asyncflow import (
    ConcurrentExecutionBackend,
    DryRunResult,
    EngineClosedError,
    TaskCancelledError,
    TaskTimeoutError,
    WorkflowEngine,
    task,
)

pytestmark = pytest.mark.timeout(60)


def test_retries_run_a_flaky_task_again(flow):
    calls = []

    @flow.function_task(retries=2)
    def flaky():
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise ConnectionError(f"try {len(calls)}")
        return "ok"

    fut = flaky()
    assert fut.result(timeout=10) == "ok"
    assert len(calls) == 3
    assert flow.graph.nodes[fut.uid]["attempts"] == 3


def test_retries_give_up_with_the_last_error(flow):
    @flow.function_task(retries=1)
    def always():
        raise ValueError("still broken")

    err = always().exception(timeout=10)
    assert isinstance(err, ValueError) and str(err) == "still broken"


def test_retry_backoff_waits_between_attempts(flow):
    calls = []

    @flow.function_task(retries=2, retry_backoff=0.2)
    def flaky():
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise OSError("busy")
        return len(calls)

    assert flaky().result(timeout=10) == 3
    assert calls[1] - calls[0] >= 0.18  # 0.2 s, then 0.4 s
    assert calls[2] - calls[1] >= 0.38


def test_a_timed_out_function_fails_with_the_task_and_the_limit(flow):
    release = threading.Event()

    @flow.function_task(timeout=0.3)
    def stuck():
        release.wait(20)
        return "late"

    start = time.monotonic()
    fut = stuck()
    err = fut.exception(timeout=10)
    elapsed = time.monotonic() - start
    release.set()
    assert isinstance(err, TaskTimeoutError) and isinstance(err, TimeoutError)
    assert "'stuck'" in str(err) and "0.3 s" in str(err)
    assert 0.25 <= elapsed < 1.5
    time.sleep(0.1)
    assert fut.state == "FAILED"  # the late result did not flip it


def test_timeouts_with_retries_each_attempt_gets_the_limit(flow):
    attempts = []

    @flow.function_task(timeout=0.3, retries=1)
    def slow_then_fast():
        attempts.append(1)
        if len(attempts) == 1:
            time.sleep(1.0)
        return len(attempts)

    assert slow_then_fast().result(timeout=10) == 2


def test_timeouts_at_call_time_and_in_pipelines(flow):
    def nap(x):
        time.sleep(x)
        return x

    napper = flow.function_task(nap)
    assert isinstance(napper.with_options(timeout=0.2)(2).exception(timeout=10), TaskTimeoutError)
    with pytest.raises(TaskTimeoutError):
        flow.run(task(nap).with_options(timeout=0.2), 2, timeout=10)


def _branches(flow, fail_fast=None):
    def boom(x):
        raise RuntimeError("branch A broke")

    def slow(x):
        time.sleep(0.5)
        return x

    pipeline = task(str) | (
        task(boom) & task(slow) & (task(slow, name="slow2") | task(str, name="after"))
    )
    run = flow.submit(pipeline, 1, fail_fast=fail_fast)
    with pytest.raises(RuntimeError, match="branch A broke"):
        run.result(timeout=20)
    time.sleep(1.2)
    return run


def test_keep_going_is_the_default_independent_branches_finish(flow):
    run = _branches(flow)
    assert run.states == {
        "str": "DONE",
        "boom": "FAILED",
        "slow": "DONE",
        "slow2": "DONE",
        "after": "DONE",
    }
    summary = run.summary()
    assert summary.counts == {"DONE": 4, "FAILED": 1}
    assert [f.task for f in summary.failures] == ["boom"]
    assert "branch A broke" in str(summary)


def test_fail_fast_cancels_what_is_pending_and_running(flow):
    run = _branches(flow, fail_fast=True)
    states = run.states
    assert states["boom"] == "FAILED"
    assert states["slow"] == "CANCELLED" and states["slow2"] == "CANCELLED"
    assert states["after"] == "CANCELLED"
    assert "fail-fast: task 'boom' failed" in str(run.futures["slow"].exception())


def test_engine_level_fail_fast_for_imperative_tasks():
    with WorkflowEngine(fail_fast=True) as flow:
        gate = threading.Event()

        @flow.function_task
        def waits():
            gate.wait(5)
            return 1

        @flow.function_task
        def fails():
            raise KeyError("x")

        pending = waits()
        fails().exception(timeout=10)
        assert isinstance(pending.exception(timeout=10), TaskCancelledError)
        gate.set()


def test_result_cache_reruns_only_what_failed_or_changed(tmp_path):
    calls = []

    def load(x):
        calls.append(("load", x))
        return x * 10

    def shaky(x):
        calls.append(("shaky", x))
        if not (tmp_path / "fixed").exists():
            raise OSError("network down")
        return x + 1

    pipeline = task(load) | task(shaky)
    with (
        WorkflowEngine(cache=tmp_path / "cache") as flow,
        pytest.raises(OSError, match="network down"),
    ):
        flow.run(pipeline, 4, timeout=10)
    assert calls == [("load", 4), ("shaky", 40)]
    (tmp_path / "fixed").touch()
    calls.clear()
    with WorkflowEngine(cache=tmp_path / "cache") as flow:
        assert flow.run(pipeline, 4, timeout=10) == 41
        assert flow.cache.hits == 1
        cached = {d["name"]: d.get("cached", False) for _, d in flow.graph.nodes(data=True)}
    assert calls == [("shaky", 40)]  # load came from the cache
    assert cached == {"load": True, "shaky": False}
    calls.clear()
    with WorkflowEngine(cache=tmp_path / "cache") as flow:
        assert flow.run(pipeline, 5, timeout=10) == 51  # a changed input runs again
    assert calls == [("load", 5), ("shaky", 50)]


def test_a_dry_run_with_the_cache_shows_what_would_run(tmp_path):
    def load(x):
        return x * 2

    def use(x):
        return x + 1

    pipeline = task(load) | task(use)
    with WorkflowEngine(cache=tmp_path) as flow:
        flow.run(pipeline, 1, timeout=10)
    with WorkflowEngine(cache=tmp_path, dry_run=True) as dry:
        assert dry.run(pipeline, 1, timeout=10) == 3  # both cached: real values
        assert isinstance(dry.run(pipeline, 2, timeout=10), DryRunResult)
        would_run = sorted(d["name"] for _, d in dry.graph.nodes(data=True) if not d.get("cached"))
    assert would_run == ["load", "use"]


def test_shutdown_with_work_in_flight_is_prompt_and_final():
    flow = WorkflowEngine(backend=ConcurrentExecutionBackend(shutdown_grace=0.5))
    release = threading.Event()

    @flow.function_task
    def stuck():
        release.wait(30)

    @flow.executable_task
    def sleeper():
        return "sleep 30"

    running = [stuck(), sleeper()]
    waiting = [stuck() for _ in range(50)]
    time.sleep(0.3)
    start = time.monotonic()
    flow.close()
    assert time.monotonic() - start < 3
    assert all(f.state == "CANCELLED" for f in running + waiting)
    with pytest.raises(EngineClosedError):
        stuck()
    release.set()

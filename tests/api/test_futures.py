"""Futures: awaitable and blocking, states, callbacks, cancellation."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from asyncflow import DependencyFailureError, TaskCancelledError, TaskFuture, TaskState

pytestmark = pytest.mark.timeout(30)


def test_result_from_plain_code_and_from_a_coroutine(flow):
    @flow.function_task
    def square(x):
        return x * x

    assert square(7).result(timeout=10) == 49

    async def inside():
        # blocking .result() inside a coroutine, as the seed's Basic Usage does
        blocking = square(3).result()
        awaited = await square(4)
        gathered = await asyncio.gather(square(5), square(6))
        return blocking, awaited, gathered

    assert asyncio.run(inside()) == (9, 16, [25, 36])


def test_states_move_pending_running_done(flow):
    gate = threading.Event()

    @flow.function_task
    def wait():
        gate.wait(10)
        return "ok"

    @flow.function_task
    def after(x):
        return x

    first = wait()
    second = after(first)
    deadline = time.monotonic() + 5
    while first.state != "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.state == TaskState.RUNNING
    assert second.state == TaskState.PENDING
    assert not first.done()
    gate.set()
    assert second.result() == "ok"
    assert (first.state, second.state) == ("DONE", "DONE")
    timings = flow.graph.nodes[first.uid]["timings"]
    assert timings["created"] <= timings["started"] <= timings["finished"]


def test_result_timeout_raises_timeout_error_and_the_task_goes_on(flow):
    gate = threading.Event()

    @flow.function_task
    def slow():
        gate.wait(10)
        return 1

    fut = slow()
    with pytest.raises(TimeoutError):
        fut.result(timeout=0.05)
    gate.set()
    assert fut.result(timeout=10) == 1


def test_exception_returns_the_error_without_raising(flow):
    @flow.function_task
    def bad():
        raise KeyError("nope")

    @flow.function_task
    def good():
        return 1

    assert isinstance(bad().exception(), KeyError)
    assert good().exception() is None


def test_done_callbacks_from_plain_code_and_inside_a_loop(flow):
    @flow.function_task
    def f(x):
        return x

    seen = []
    done = threading.Event()
    fut = f(1)
    fut.add_done_callback(lambda fu: (seen.append(("thread", fu.result())), done.set()))
    assert done.wait(10)
    late = []
    fut.add_done_callback(lambda fu: late.append(fu.uid))  # already done: called at once
    assert late == [fut.uid]

    async def on_loop():
        loop_thread = threading.get_ident()
        got = asyncio.get_running_loop().create_future()
        g = f(2)
        g.add_done_callback(lambda fu: got.set_result((fu.result(), threading.get_ident())))
        value, thread = await got
        return value, thread == loop_thread

    assert asyncio.run(on_loop()) == (2, True)
    assert seen == [("thread", 1)]


def test_cancel_a_pending_task_cancels_its_dependents(flow):
    gate = threading.Event()
    ran = []

    @flow.function_task
    def blocker():
        gate.wait(10)
        return 0

    @flow.function_task
    def child(x):
        ran.append("child")
        return x

    first = blocker()
    middle = child(first)
    last = child(middle)
    assert middle.cancel("not needed")
    gate.set()
    assert first.result() == 0
    assert middle.state == TaskState.CANCELLED and middle.cancelled()
    with pytest.raises(TaskCancelledError, match="not needed"):
        middle.result()
    with pytest.raises(DependencyFailureError) as info:
        last.result()
    assert last.state == TaskState.CANCELLED
    assert isinstance(info.value.root_cause, TaskCancelledError)
    assert ran == []
    assert not middle.cancel()  # already final


def test_a_result_after_cancellation_does_not_flip_the_state(flow):
    gate = threading.Event()

    @flow.function_task
    def running():
        gate.wait(10)
        return "late"

    fut = running()
    while fut.state != "RUNNING":
        time.sleep(0.01)
    assert fut.cancel()
    gate.set()
    time.sleep(0.1)
    assert fut.state == "CANCELLED"


def test_asyncio_wait_accepts_task_futures(flow):
    @flow.function_task
    def f(x):
        return x

    async def main():
        done, pending = await asyncio.wait([f(1), f(2)])
        return sorted(d.result() for d in done), pending

    assert asyncio.run(main()) == ([1, 2], set())


def test_future_type_and_repr(flow):
    @flow.function_task
    def f():
        return 1

    fut = f()
    fut.result()
    assert isinstance(fut, TaskFuture)
    assert "'f'" in repr(fut) and "DONE" in repr(fut)


def test_waiting_on_a_pending_task_inside_a_task_body_is_refused_not_a_deadlock(flow):
    import threading

    gate = threading.Event()

    @flow.function_task
    def leaf(x):
        gate.wait(10)
        return x

    @flow.function_task
    def outer(x):
        return leaf(x).result()

    err = outer(1).exception(timeout=20)
    gate.set()
    assert "waits for task 'leaf' with .result() inside its body" in str(err)

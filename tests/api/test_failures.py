"""A failed task's dependents never run; errors name the failure once."""

from __future__ import annotations

import sys

import pytest

from asyncflow import DependencyFailureError, TaskExitError, TaskState

pytestmark = pytest.mark.timeout(30)


def test_dependents_of_a_failure_never_run(flow):
    ran = []

    @flow.function_task
    def boom():
        raise ValueError("bad input file")

    @flow.function_task
    def child(x):
        ran.append(x)
        return x

    @flow.function_task
    def ok():
        return 1

    failed = boom()
    first = child(failed)
    second = child([first, ok()])
    with pytest.raises(ValueError, match="bad input file"):
        failed.result()
    for fut, upstream in ((first, "boom"), (second, "child")):
        with pytest.raises(DependencyFailureError) as info:
            fut.result()
        err = info.value
        assert err.failed_dependencies == [upstream]
        assert isinstance(err.root_cause, ValueError)
        assert err.root_task == "boom"
        assert fut.state == TaskState.SKIPPED
    assert ran == []
    assert flow.graph.nodes[failed.uid]["state"] == "FAILED"
    assert "ValueError: bad input file" in flow.graph.nodes[failed.uid]["error"]


def _chain_error(flow, length):
    @flow.function_task
    def root():
        raise RuntimeError("disk full")

    @flow.function_task
    def link(x):
        return x

    fut = root()
    for _ in range(length):
        fut = link(fut)
    return fut.exception(timeout=10)


def test_the_message_does_not_grow_with_the_chain(flow):
    short, long = _chain_error(flow, 5), _chain_error(flow, 50)
    assert str(short) == str(long)
    text = str(long)
    assert text.count("disk full") == 1
    assert "'root'" in text and "'link'" in text
    assert isinstance(long.root_cause, RuntimeError)


def test_a_dependent_submitted_after_the_failure_is_skipped_at_once(flow):
    @flow.function_task
    def boom():
        raise KeyError("k")

    @flow.function_task
    def child(x):
        return x

    failed = boom()
    failed.exception()
    late = child(failed)
    assert isinstance(late.exception(timeout=5), DependencyFailureError)


def test_sys_exit_in_a_task_fails_only_that_task(flow):
    @flow.function_task
    def leave():
        sys.exit(3)

    @flow.function_task
    async def leave_async():
        sys.exit("bye")

    err = leave().exception()
    assert isinstance(err, TaskExitError) and "sys.exit(3)" in str(err)
    assert isinstance(leave_async().exception(), TaskExitError)
    assert flow.graph.number_of_nodes() == 2  # and we are still here


def test_a_failing_block_fails_its_dependents(flow):
    @flow.block
    async def bad_block():
        raise OSError("no such dir")

    @flow.function_task
    def child(x):
        return x

    out = child(bad_block())
    err = out.exception()
    assert isinstance(err, DependencyFailureError)
    assert err.root_task == "bad_block" and isinstance(err.root_cause, OSError)


def test_many_independent_failures_do_not_disturb_others(flow):
    @flow.function_task
    def maybe(i):
        if i % 3 == 0:
            raise ValueError(i)
        return i

    futs = [maybe(i) for i in range(300)]
    ok = [f.result() for f in futs if f.exception() is None]
    assert ok == [i for i in range(300) if i % 3]

"""The engine's construction, decorators, routing and lifecycle."""

from __future__ import annotations

import asyncio

import pytest

from asyncflow import (
    ConcurrentExecutionBackend,
    DefinitionError,
    DryRunResult,
    EngineClosedError,
    WorkflowEngine,
)

pytestmark = pytest.mark.timeout(30)


def test_seed_basic_usage_on_threads():
    async def main():
        flow = WorkflowEngine()

        @flow.executable_task
        def task1():
            return "echo $RANDOM"

        @flow.function_task
        def task2(t1_result):
            return t1_result * 2 * 2

        t1_result = task1().result()
        t2_result = task2(t1_result).result()
        await flow.shutdown()
        return t1_result, t2_result

    t1, t2 = asyncio.run(main())
    assert t1.isdigit()
    assert t2 == t1 * 4


def test_create_inside_a_running_loop_and_async_with():
    async def main():
        flow = await WorkflowEngine.create()

        @flow.function_task
        async def add(a, b):
            await asyncio.sleep(0)
            return a + b

        value = await add(1, add(2, 3))
        await flow.shutdown()
        async with WorkflowEngine() as other:

            @other.function_task
            def double(x):
                return 2 * x

            second = await double(21)
        return value, second, flow.closed, other.closed

    assert asyncio.run(main()) == (6, 42, True, True)


def test_with_statement_and_idempotent_shutdown():
    with WorkflowEngine() as flow:

        @flow.function_task
        def one():
            return 1

        assert one().result() == 1
    assert flow.closed
    flow.close()  # second time: no error
    asyncio.run(flow.shutdown())


def test_engine_used_after_shutdown_raises_a_clear_error():
    flow = WorkflowEngine()

    @flow.function_task
    def one():
        return 1

    flow.close()
    with pytest.raises(EngineClosedError, match="'one'.*shut down"):
        one()


def test_decorators_bare_and_with_options(flow):
    @flow.function_task
    def bare(x):
        return x

    @flow.function_task(retries=0, timeout=5, task_description={"cores": 2}, name="renamed")
    def with_options(x):
        return x + 1

    fut = with_options(1)
    assert (bare(1).result(), fut.result()) == (1, 2)
    assert flow.graph.nodes[fut.uid]["name"] == "renamed"
    assert fut.description == {"cores": 2}


def test_call_time_task_description_overrides_definition_keys(flow):
    @flow.function_task(task_description={"cores": 2, "gpus": 1})
    def f():
        return 0

    fut = f(task_description={"cores": 8})
    fut.result()
    assert dict(fut.description) == {"cores": 8, "gpus": 1}


def test_unknown_decorator_option_is_rejected(flow):
    with pytest.raises(DefinitionError, match="unknown option.*'retry'"):

        @flow.function_task(retry=3)
        def f():
            return 0


def test_decorator_given_a_non_function_is_rejected(flow):
    with pytest.raises(DefinitionError, match="takes the function"):
        flow.function_task("not a function")


def test_routing_by_backend_name():
    fast = ConcurrentExecutionBackend(max_workers=2, name="fast")
    slow = ConcurrentExecutionBackend(max_workers=1, name="slow")
    with WorkflowEngine(backend=[fast, slow]) as flow:

        @flow.function_task
        def on_default():
            return "default"

        @flow.function_task(backend="slow")
        def on_slow():
            return "slow"

        a, b = on_default(), on_slow()
        assert (a.result(), b.result()) == ("default", "slow")
        assert flow.graph.nodes[a.uid]["backend"] == "fast"
        assert flow.graph.nodes[b.uid]["backend"] == "slow"
        with pytest.raises(DefinitionError, match="backend 'gpu'.*'fast', 'slow'"):

            @flow.function_task(backend="gpu")
            def nowhere():
                return 0


def test_two_backends_with_one_name_are_rejected():
    with pytest.raises(DefinitionError, match="two backends are named 'threads'"):
        WorkflowEngine(backend=[ConcurrentExecutionBackend(), ConcurrentExecutionBackend()])


def test_backend_by_registry_name():
    with WorkflowEngine(backend="threads") as flow:

        @flow.function_task
        def f():
            return 3

        assert f().result() == 3


def test_dry_run_runs_no_body_and_gives_the_same_graph():
    ran = []

    def build(flow):
        @flow.function_task
        def load(i):
            ran.append(i)
            return i

        @flow.executable_task
        def count(x):
            ran.append("count")
            return f"echo {x}"

        @flow.function_task
        def total(*xs):
            ran.append("total")
            return len(xs)

        parts = [count(load(i)) for i in range(3)]
        return total(*parts)

    with WorkflowEngine(dry_run=True) as dry:
        result = build(dry).result()
        assert isinstance(result, DryRunResult)
        assert ran == []
        dry_shape = _shape(dry.graph)
    with WorkflowEngine() as real:
        assert build(real).result() == 3
        real_shape = _shape(real.graph)
    assert dry_shape == real_shape
    assert sorted(map(str, ran)) == sorted(["0", "1", "2", "count", "count", "count", "total"])


def test_dry_run_routing_names_still_resolve():
    with WorkflowEngine(backend=[ConcurrentExecutionBackend(name="cpu")], dry_run=True) as flow:

        @flow.function_task(backend="cpu")
        def f():
            raise AssertionError("must not run")

        assert isinstance(f().result(), DryRunResult)


def test_task_ids_are_unique_across_engines():
    with WorkflowEngine(dry_run=True) as a, WorkflowEngine(dry_run=True) as b:

        @a.function_task
        def fa():
            return 1

        @b.function_task
        def fb():
            return 1

        ids_a = {fa().uid for _ in range(50)}
        ids_b = {fb().uid for _ in range(50)}
        assert len(ids_a) == len(ids_b) == 50
        assert not ids_a & ids_b
        assert a.uid != b.uid


def _shape(graph):
    names = {n: (d["name"], d["kind"]) for n, d in graph.nodes(data=True)}
    nodes = sorted(names.values())
    edges = sorted((names[u], names[v]) for u, v in graph.edges)
    return nodes, edges

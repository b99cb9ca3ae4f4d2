"""The operator table of docs/operators.md, line by line, and its misuse."""

from __future__ import annotations

import asyncio
import threading
import time

import networkx as nx
import pytest

from asyncflow import (
    CompositionError,
    DependencyFailureError,
    DryRunResult,
    Pipeline,
    WorkflowEngine,
    shell,
    task,
)

pytestmark = pytest.mark.timeout(30)


def inc(x):
    return x + 1


def double(x):
    return 2 * x


def neg(x):
    return -x


def pair_sum(pair):
    return pair[0] + pair[1]


def count_to(n):
    return list(range(n))


def scale(x, factor=1, offset=0):
    return x * factor + offset


def no_input():
    return 0


a, b, c, d = task(inc), task(double), task(neg), task(pair_sum)


def test_pipe_passes_the_result_on(flow):
    assert flow.run(a | b, 3) == 8


def test_and_gives_both_the_same_input_and_a_tuple(flow):
    assert flow.run(a & b, 5) == (6, 10)
    assert flow.run(a & b & c, 5) == (6, 10, -5)


def test_a_list_inside_a_pipe_is_a_group(flow):
    assert flow.run(a | [b, c], 1) == (4, -2)
    assert flow.run([b, c] | d, 3) == 3
    assert _edges(a | [b, c]) == _edges(a | (b & c))


def test_fan_out_then_fan_in(flow):
    pipeline = a | (b & c) | d
    assert flow.run(pipeline, 1) == 4 + -2
    assert _edges(pipeline) == {
        ("inc", "double"),
        ("inc", "neg"),
        ("double", "pair_sum"),
        ("neg", "pair_sum"),
    }
    slots = {(u, v): s for u, v, s in pipeline.graph.edges(data="slot")}
    assert slots[("double", "pair_sum")] == "0" and slots[("neg", "pair_sum")] == "1"


def test_precedence_and_binds_tighter_than_pipe():
    assert _edges(a | b & c | d) == _edges(a | (b & c) | d)


def test_map_runs_once_per_item_concurrently(flow):
    barrier = threading.Barrier(3, timeout=10)

    def meet(x):
        barrier.wait()  # only passes if the three items run at the same time
        return x * 10

    assert flow.run(task(count_to) | task(meet).map(), 3) == [0, 10, 20]


def test_map_of_an_empty_input_is_an_empty_list_promptly(flow):
    start = time.monotonic()
    assert flow.run(task(count_to) | a.map(), 0) == []
    assert time.monotonic() - start < 2


def test_bind_fixes_other_arguments(flow):
    assert flow.run(a | task(scale).bind(factor=3, offset=1), 1) == 7
    assert flow.run(task(count_to) | task(scale).bind(factor=2).map(), 3) == [0, 2, 4]


def test_pipelines_compose_with_pipelines_and_nest(flow):
    front = a | b
    back = c | a
    assert flow.run(front | back, 1) == -3
    assert flow.run((front & back) | d, 1) == 4 + 0


def test_decorated_tasks_compose_too(flow):
    @flow.function_task
    def plus_one(x):
        return x + 1

    @flow.executable_task
    def echo(x):
        return f"echo {x}"

    assert flow.run(plus_one | echo, 1) == "2"


def test_shell_steps_quote_every_substituted_value(flow, tmp_path):
    marker = tmp_path / "pwned"
    say = shell("printf '%s\\n' {input} {extra}", name="say").bind(
        extra=["x y", f"; touch {marker}"]
    )
    out = flow.run(task(str) | say, "$(touch " + str(marker) + ")")
    assert out.splitlines() == [f"$(touch {marker})", "x y", f"; touch {marker}"]
    assert not marker.exists()


def test_operands_that_cannot_be_composed_raise_type_error():
    with pytest.raises(TypeError):
        a | 3
    with pytest.raises(TypeError):
        "text" & a
    with pytest.raises(CompositionError, match="only hold tasks or pipelines.*42"):
        a | [b, 42]
    with pytest.raises(CompositionError, match="empty list"):
        a | []


def test_a_task_that_cannot_take_the_piped_input_fails_at_composition():
    with pytest.raises(CompositionError, match=r"'no_input'.*its parameters are \(\)"):
        a | task(no_input)
    with pytest.raises(CompositionError, match="'no_input'"):
        task(no_input).map()
    with pytest.raises(CompositionError, match=r"'scale' has no parameter\(s\) 'factr'"):
        task(scale).bind(factr=2)


def test_lazy_pipelines_refuse_bool_and_iteration():
    pipeline = a | b
    with pytest.raises(TypeError, match=r"flow\.run\(pipeline"):
        bool(pipeline)
    with pytest.raises(TypeError, match=r"cannot be iterated.*\.map\(\)"):
        list(pipeline)


def test_run_results_states_and_several_sinks(flow):
    run = flow.submit(a | (b & c), 2)
    assert run.result(timeout=10) == (6, -3)
    assert run.states == {"inc": "DONE", "double": "DONE", "neg": "DONE"}
    assert run.results == {"inc": 3, "double": 6, "neg": -3}


def test_the_awaitable_form_inside_a_coroutine(flow):
    async def main():
        first = await flow.arun(a | b, 1)
        second = await flow.submit(a.map(), [1, 2])
        return first, second

    assert asyncio.run(main()) == (4, [2, 3])


def test_imperative_futures_as_pipeline_inputs(flow):
    @flow.function_task
    def source():
        return 41

    assert flow.run(a | b, source()) == 84


def test_a_failure_inside_a_pipeline_skips_what_depends_on_it(flow):
    def explode(x):
        raise ValueError(f"cannot use {x}")

    run = flow.submit(a | (task(explode) & b) | d, 1)
    with pytest.raises(DependencyFailureError, match="'explode' failed.*cannot use 2") as info:
        run.result(timeout=10)
    assert isinstance(info.value.root_cause, ValueError)
    assert run.states == {
        "inc": "DONE",
        "explode": "FAILED",
        "double": "DONE",
        "pair_sum": "SKIPPED",
    }


def test_a_failing_map_item_fails_the_map_and_keeps_the_others(flow):
    def picky(x):
        if x == 2:
            raise KeyError(x)
        return x

    run = flow.submit(task(picky).map(), [1, 2, 3])
    with pytest.raises(KeyError):
        run.result(timeout=10)
    assert [f.state for f in run.children["picky"]] == ["DONE", "FAILED", "DONE"]


def test_dry_run_runs_no_body_prints_the_plan_and_gives_the_same_graph(capsys):
    ran = []

    def record(x):
        ran.append(x)
        return x

    pipeline = task(record) | (b & c) | d
    with WorkflowEngine(dry_run=True) as dry:
        result = dry.run(pipeline, 1)
        dry_shape = _run_shape(dry)
    assert isinstance(result, DryRunResult) and ran == []
    assert "execution plan: 4 tasks in 3 stages" in capsys.readouterr().out
    with WorkflowEngine() as real:
        assert real.run(pipeline, 1) == 2 + -1
        assert _run_shape(real) == dry_shape


def test_pipeline_graph_is_the_same_class_as_the_engine_graph(flow):
    pipeline = a | b
    flow.run(pipeline, 1)
    assert type(pipeline.graph) is type(flow.graph)
    assert isinstance(pipeline.graph, nx.DiGraph)


def _edges(pipeline: Pipeline) -> set[tuple[str, str]]:
    graph = pipeline.graph
    return {(graph.nodes[u]["name"], graph.nodes[v]["name"]) for u, v in graph.edges}


def _run_shape(engine: WorkflowEngine):
    graph = engine.graph
    names = {n: (d["name"], d["kind"]) for n, d in graph.nodes(data=True)}
    return sorted(names.values()), sorted((names[u], names[v]) for u, v in graph.edges)

"""The compiler: pure, deterministic, describable, serialisable."""

from __future__ import annotations

import pytest

from asyncflow import ExecutionPlan, GraphError, WorkflowEngine, compile_graph, shell, task

pytestmark = pytest.mark.timeout(30)

ran: list[str] = []


def load(x):
    ran.append("load")
    return x


def left(x):
    ran.append("left")
    return x


def right(x):
    ran.append("right")
    return x


def join(pair):
    ran.append("join")
    return pair


def _pipeline():
    return (
        task(load)
        | (task(left, retries=2) & task(right, timeout=30, backend="threads"))
        | task(join)
        | shell("echo {input} {tag}", name="announce").bind(tag="done")
    )


def test_stages_follow_topological_generations_deterministically():
    plan = _pipeline().plan()
    assert plan.stages == (("load",), ("left", "right"), ("join",), ("announce",))
    assert plan.width == 2
    assert [t.stage for t in plan.tasks] == [0, 1, 1, 2, 3]
    assert plan == _pipeline().plan()


def test_compiling_runs_nothing():
    ran.clear()
    _pipeline().plan()
    assert ran == []


def test_describe_prints_stages_widths_and_options():
    text = _pipeline().describe()
    assert text.splitlines() == [
        "execution plan: 5 tasks in 4 stages (widest stage: 2)",
        "stage 1 (parallel width 1):",
        "  load [function] <- inputs",
        "stage 2 (parallel width 2):",
        "  left [function] <- load  (retries=2)",
        "  right [function] <- load  (backend=threads; timeout=30s)",
        "stage 3 (parallel width 1):",
        "  join [function] <- (left, right)",
        "stage 4 (parallel width 1):",
        "  announce [executable] <- join  (bound tag; $ echo {input} {tag})",
        "result: announce",
    ]


def test_wide_stages_are_summarised():
    plan = (task(load) | [task(left, name=f"w{i % 3}") for i in range(30)]).plan()
    lines = plan.describe().splitlines()
    assert "stage 2 (parallel width 30):" in lines
    assert "  w0 ×10" in lines and len(lines) < 12


def test_json_round_trip_gives_an_equal_plan_that_runs():
    plan = _pipeline().plan()
    again = ExecutionPlan.from_json(plan.to_json())
    assert again == plan
    assert again.task("left").retries == 2 and again.task("right").timeout == 30
    with WorkflowEngine() as flow:
        assert flow.run(again, 7) == "7 7 done"


def test_imperative_graphs_do_not_compile():
    with WorkflowEngine(dry_run=True) as flow:

        @flow.function_task
        def f():
            return 1

        f()
        with pytest.raises(GraphError, match="no task spec"):
            compile_graph(flow.graph)

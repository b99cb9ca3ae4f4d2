"""Lowering: each .flow form gives the graph of the equivalent Python operator expression."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import networkx as nx
import pytest

from asyncflow import shell, task
from asyncflow.dsl import load_flow, parse_flow
from asyncflow.errors import FlowError
from asyncflow.graph import TaskOptions


def node_facts(data: dict[str, Any]) -> tuple[Any, ...]:
    spec = data["spec"]
    inner = spec.inner or spec
    body = getattr(inner.fn, "fn", None) or getattr(inner.fn, "template", None)
    return (data["name"], data["kind"], data["backend"], body, dict(inner.bound), inner.options)


def facts(graph: nx.DiGraph) -> tuple[dict[str, Any], set[tuple[str, str, Any]]]:
    """Everything a graph says: each node's name, kind, body, bindings, options; the edges."""
    nodes = {node: node_facts(data) for node, data in graph.nodes(data=True)}
    return nodes, set(graph.edges(data="slot"))


def same_graph(left: Any, right: Any) -> None:
    assert facts(left.graph) == facts(right.graph)
    assert nx.is_isomorphic(
        left.graph, right.graph,
        node_match=lambda a, b: node_facts(a) == node_facts(b),
        edge_match=lambda a, b: a.get("slot") == b.get("slot"),
    )  # fmt: skip


@pytest.fixture
def tasks(flow_dir: Path) -> ModuleType:
    """The tasks.py module that the flows import, as the loader imported it."""
    from asyncflow.dsl.imports import _module_name

    parse_flow('from "tasks.py" import double\nrun double', base_dir=flow_dir)
    return sys.modules[_module_name((flow_dir / "tasks.py").resolve())]


@pytest.fixture
def load(flow_dir: Path):  # type: ignore[no-untyped-def]
    def run(text: str, params: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        path = flow_dir / "demo.flow"
        path.write_text(text)
        return load_flow(path, params, **kwargs)

    return run


IMPORT = 'from "tasks.py" import double, add, total, pair, numbers, ping\n'


def steps(tasks: ModuleType) -> dict[str, Any]:
    names = ("double", "add", "total", "pair", "numbers", "ping")
    return {n: task(getattr(tasks, n), name=n) for n in names}


def test_pipe_and_group_precedence(load, tasks) -> None:  # type: ignore[no-untyped-def]
    s = steps(tasks)
    program = load(IMPORT + "run double | add & double | pair")
    same_graph(program.pipeline, s["double"] | s["add"] & s["double"] | s["pair"])
    nodes, edges = facts(program.graph)
    assert set(nodes) == {"double", "add", "double.2", "pair"}
    assert edges == {
        ("double", "add", ""), ("double", "double.2", ""),
        ("add", "pair", "0"), ("double.2", "pair", "1"),
    }  # fmt: skip


def test_list_group_each_and_bind(load, tasks) -> None:  # type: ignore[no-untyped-def]
    s = steps(tasks)
    program = load(IMPORT + "param step = 5\nrun numbers | [each(add(n=$step)), total] | pair")
    twin = s["numbers"] | [s["add"].bind(n=5).map(), s["total"]] | s["pair"]
    same_graph(program.pipeline, twin)
    assert program.graph.nodes["add"]["kind"] == "map"
    assert program.graph.nodes["add"]["spec"].inner.bound == {"n": 5}


def test_shell_placeholders_take_params_and_bound_values(load) -> None:  # type: ignore[no-untyped-def]
    program = load(
        'param limit = 3\nshell head = "head -n {limit} {input}"\n'
        'shell grep = "grep -c {pattern} {input}"\n'
        'run "f.txt" | [head, grep(pattern="def"), head(limit=9)]',
        {"limit": "4"},
    )
    head = shell("head -n {limit} {input}", name="head")
    grep = shell("grep -c {pattern} {input}", name="grep")
    same_graph(program.pipeline, head.bind(limit=4) & grep.bind(pattern="def") & head.bind(limit=9))
    assert program.inputs == ("f.txt",)
    assert program.params == {"limit": 4}


def test_options_and_task_definitions(load, tasks) -> None:  # type: ignore[no-untyped-def]
    program = load(
        IMPORT + 'shell s = "echo {input}" with retries=2, timeout=5, cores=4, backend="dask",\n'
        "  retry_backoff=0.5\n"
        "task add5 = add(n=5) with retries=1, gpus=1\n"
        "task add6 = add5(n=6) with timeout=2.5, gpus=2\n"
        "run double | s | add6"
    )
    graph = program.graph
    assert graph.nodes["s"]["spec"].options == TaskOptions(
        backend="dask", retries=2, retry_backoff=0.5, timeout=5, task_description={"cores": 4}
    )
    assert graph.nodes["s"]["backend"] == "dask"
    add6 = graph.nodes["add6"]["spec"]
    assert (add6.name, add6.fn.fn, dict(add6.bound)) == ("add6", tasks.add, {"n": 6})
    assert add6.options == TaskOptions(retries=1, timeout=2.5, task_description={"gpus": 2})
    twin = (
        task(tasks.double, name="double")
        | shell("echo {input}", name="s", retries=2, timeout=5, backend="dask",
                retry_backoff=0.5, task_description={"cores": 4})
        | task(tasks.add, name="add6", retries=1, timeout=2.5,
               task_description={"gpus": 2}).bind(n=6)
    )  # fmt: skip
    same_graph(program.pipeline, twin)


def test_named_pipelines_are_reused_like_python_variables(load, tasks) -> None:  # type: ignore[no-untyped-def]
    s = steps(tasks)
    program = load(IMPORT + "run p | p\nlet p = double | add")
    p = s["double"] | s["add"]
    same_graph(program.pipeline, p | p)
    assert set(program.graph) == {"double", "add", "double.2", "add.2"}


def test_a_list_alone_is_a_group_and_inputs_are_kept(load, tasks) -> None:  # type: ignore[no-untyped-def]
    s = steps(tasks)
    program = load(IMPORT + "run 1, 2.5 | [double, add]")
    same_graph(program.pipeline, s["double"] & s["add"])
    assert program.inputs == (1, 2.5)
    program = load(IMPORT + "run [double, add] | [total, pair]")
    same_graph(program.pipeline, (s["double"] & s["add"]) | [s["total"], s["pair"]])


def test_aliases_name_the_node_and_backend_can_be_overridden(load, tasks) -> None:  # type: ignore[no-untyped-def]
    program = load('from "tasks.py" import double as twice\nbackend dask\nrun twice')
    assert list(program.graph.nodes(data="name")) == [("twice", "twice")]
    assert program.graph.nodes["twice"]["spec"].fn.fn is tasks.double
    assert program.backend == "dask"
    assert load("backend dask\nrun twice\n" + 'from "tasks.py" import double as twice',
                backend="threads").backend == "threads"  # fmt: skip


def test_a_composition_error_points_at_the_operator(load) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FlowError) as info:
        load(IMPORT + "run double |\n  ping")
    error = info.value
    assert (error.line, error.column) == (2, 12)
    assert error.message.startswith("cannot pipe these: task 'ping' cannot take the piped input")


def test_each_needs_one_task(load) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FlowError) as info:
        load(IMPORT + "let p = double | add\nrun numbers | each(p)")
    assert (info.value.line, info.value.column) == (3, 20)
    assert info.value.message.startswith("each(...) applies one task to every item")
    with pytest.raises(FlowError) as info:
        load(IMPORT + "run numbers | each(each(double))")
    assert (info.value.line, info.value.column) == (2, 20)


RUNNABLE = """
import asyncio
from asyncflow import WorkflowEngine

flow = WorkflowEngine(dry_run=True)

async def slow_double(x):
    await asyncio.sleep(0.01)
    return x * 2

@flow.function_task
def label(values, prefix="n"):
    return [f"{prefix}{v}" for v in values]

@flow.executable_task
def listing():
    return "ls"
"""


@pytest.mark.timeout(60)
def test_a_flow_runs_python_async_decorated_and_shell_tasks(flow_dir: Path) -> None:
    from asyncflow import WorkflowEngine

    (flow_dir / "runnable.py").write_text(RUNNABLE)
    (flow_dir / "run.flow").write_text(
        'from "runnable.py" import slow_double, label\n'
        'param tag = "it\'s $(id)"\n'
        'shell echo = "echo {tag} {input}"\n'
        'run [1, 2, 3] | each(slow_double) | label(prefix="#") | each(echo)\n'
    )
    program = load_flow(flow_dir / "run.flow")
    with WorkflowEngine() as engine:
        result = engine.run(program.pipeline, *program.inputs, timeout=30)
    assert result == ["it's $(id) #2", "it's $(id) #4", "it's $(id) #6"]
    _close_helper_engine(flow_dir)


def _close_helper_engine(flow_dir: Path) -> None:
    from asyncflow.dsl.imports import _module_name

    module = sys.modules.get(_module_name((flow_dir / "runnable.py").resolve()))
    if module is not None:
        module.flow.close()


def test_an_executable_task_cannot_be_imported(flow_dir: Path) -> None:
    (flow_dir / "runnable.py").write_text(RUNNABLE)
    (flow_dir / "bad.flow").write_text('from "runnable.py" import label, listing\nrun listing')
    with pytest.raises(FlowError) as info:
        load_flow(flow_dir / "bad.flow")
    _close_helper_engine(flow_dir)
    assert (info.value.line, info.value.column) == (1, 34)
    assert info.value.message == (
        "'listing' is a @flow.executable_task; a .flow file runs Python functions, "
        "and shell commands with 'shell' templates"
    )

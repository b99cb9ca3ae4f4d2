"""Graph → ExecutionPlan: pure, deterministic, runs nothing."""

from __future__ import annotations

from typing import Any

import networkx as nx

from asyncflow.compiler.plan import ExecutionPlan, PlanTask
from asyncflow.errors import GraphError
from asyncflow.graph import NodeKind, TaskSpec, validate


def compile_graph(graph: nx.DiGraph) -> ExecutionPlan:
    """Validate ``graph`` and lower it to a frozen plan.

    Stages are networkx's topological generations; within a stage tasks keep the order in
    which they were added to the graph, so the same graph always gives the same plan.
    """
    validate(graph)
    order = {node: index for index, node in enumerate(graph.nodes)}
    stages = tuple(
        tuple(sorted(generation, key=order.__getitem__))
        for generation in nx.topological_generations(graph)
    )
    stage_of = {node: number for number, stage in enumerate(stages) for node in stage}
    tasks = []
    for stage in stages:
        for node in stage:
            data = graph.nodes[node]
            spec = data.get("spec")
            if spec is None:
                raise GraphError(
                    f"node {node!r} has no task spec; only declarative graphs (pipelines, "
                    ".flow files) compile to a plan"
                )
            tasks.append(_plan_task(node, spec, stage_of[node], data.get("wiring")))
    return ExecutionPlan(tasks=tuple(tasks), stages=stages, outputs=graph.graph.get("outputs"))


def _plan_task(node: str, spec: TaskSpec, stage: int, wiring: Any) -> PlanTask:
    inner = _plan_task(node, spec.inner, stage, None) if spec.inner is not None else None
    options = spec.options
    return PlanTask(
        id=node,
        name=spec.name,
        kind=str(spec.kind),
        stage=stage,
        wiring=wiring,
        backend=options.backend,
        retries=options.retries,
        retry_backoff=options.retry_backoff,
        timeout=options.timeout,
        task_description=dict(options.task_description),
        bound=dict(spec.bound),
        fn_ref=_fn_ref(spec),
        is_async=bool(spec.extra.get("is_async", False)),
        template=spec.extra.get("template") if spec.kind == NodeKind.EXECUTABLE else None,
        inner=inner,
        fn=spec.fn,
    )


def _fn_ref(spec: TaskSpec) -> str | None:
    fn = spec.fn
    if fn is None or spec.extra.get("template") is not None:
        return None
    module = getattr(fn, "module", None) or getattr(fn, "__module__", None)
    qualname = getattr(fn, "qualname", None) or getattr(fn, "__qualname__", None)
    return f"{module}:{qualname}" if module and qualname else None

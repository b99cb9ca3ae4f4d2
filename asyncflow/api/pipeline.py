"""Pipelines: a composed step expression, lowered to the graph IR on demand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asyncflow.api.steps import Group, MapStep, Sequence_, Step, TaskStep, as_step
from asyncflow.errors import CompositionError
from asyncflow.graph import NodeKind, TaskGraph, TaskSpec
from asyncflow.graph.wiring import Ref, leaves

if TYPE_CHECKING:
    from asyncflow.compiler import ExecutionPlan


class Pipeline(Step):
    """A lazy composition of steps. Nothing runs until ``flow.run(pipeline, *inputs)``.

    ``pipeline.graph`` is its graph (a :class:`~asyncflow.graph.TaskGraph`),
    ``pipeline.plan()`` the compiled :class:`~asyncflow.compiler.ExecutionPlan`, and
    ``pipeline.plot(path)`` draws it.
    """

    def __init__(self, expr: Step | list[Any] | tuple[Any, ...]) -> None:
        step = as_step(expr, "|")
        if step is None:
            raise CompositionError(
                f"a pipeline is made of tasks, lists of tasks and pipelines, "
                f"not {type(expr).__name__}"
            )
        self._expr = step.expr
        self._graph: TaskGraph | None = None
        self._plan: ExecutionPlan | None = None

    @property
    def expr(self) -> Step:
        return self._expr

    def pipeline(self) -> Pipeline:
        return self

    @property
    def graph(self) -> TaskGraph:
        """The pipeline's graph; node attributes follow :mod:`asyncflow.graph.ir`."""
        if self._graph is None:
            self._graph = lower(self._expr)
        return self._graph

    def plan(self) -> ExecutionPlan:
        """Compile (once) to a frozen execution plan; runs nothing."""
        if self._plan is None:
            from asyncflow.compiler import compile_graph

            self._plan = compile_graph(self.graph)
        return self._plan

    def describe(self) -> str:
        """The plan as text: stages and the parallel width of each."""
        return self.plan().describe()

    def plot(self, path: str | None = None, **options: Any) -> Any:
        """Draw the pipeline (PNG, SVG or PDF by extension); returns the figure."""
        from asyncflow.export import draw

        return draw(self.graph, path, **options)

    def _repr_png_(self) -> bytes:
        from asyncflow.export import render_png_bytes

        return render_png_bytes(self.graph)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"<Pipeline {self._expr!r}>"


def lower(expr: Step) -> TaskGraph:
    """Lower a step expression to a TaskGraph (node ids are task names, made unique)."""
    lowering = _Lowering()
    outputs = lowering.lower(expr, None)
    graph = lowering.graph
    graph.graph["outputs"] = outputs
    return graph


class _Lowering:
    def __init__(self) -> None:
        self.graph = TaskGraph()
        self.counts: dict[str, int] = {}

    def node_id(self, name: str) -> str:
        count = self.counts.get(name, 0)
        while True:
            count += 1
            node = name if count == 1 else f"{name}.{count}"
            if node not in self.graph:
                self.counts[name] = count
                return node

    def lower(self, expr: Step, upstream: Ref | None) -> Ref:
        if isinstance(expr, TaskStep):
            return self._add(expr.spec, expr.spec.kind, upstream)
        if isinstance(expr, MapStep):
            inner = expr.inner.spec
            spec = TaskSpec(
                name=inner.name,
                kind=NodeKind.MAP,
                fn=None,
                options=inner.options,
                inner=inner,
            )
            return self._add(spec, NodeKind.MAP, upstream)
        if isinstance(expr, Sequence_):
            ref = upstream
            for part in expr.parts:
                ref = self.lower(part, ref)
            assert ref is not None
            return ref
        if isinstance(expr, Group):
            return tuple(self.lower(part, upstream) for part in expr.parts)
        if isinstance(expr, Pipeline):
            return self.lower(expr.expr, upstream)
        raise TypeError(f"cannot lower {expr!r}")

    def _add(self, spec: TaskSpec, kind: NodeKind, upstream: Ref | None) -> str:
        node = self.node_id(spec.name)
        self.graph.add_task(
            node,
            name=spec.name,
            kind=kind,
            backend=spec.options.backend,
            spec=spec,
            wiring=upstream,
        )
        if upstream is not None:
            for slot, producer in leaves(upstream):
                self.graph.add_edge(producer, node, slot=slot)
        return node

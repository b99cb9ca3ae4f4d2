"""Graph IR: the networkx graph every front-end produces, and its validation."""

from asyncflow.graph.ir import NodeKind, TaskGraph, TaskOptions, TaskSpec, TaskState

__all__ = ["NodeKind", "TaskGraph", "TaskOptions", "TaskSpec", "TaskState"]

"""Graph IR: the networkx graph every front-end produces, and its validation."""

from asyncflow.graph.ir import NodeKind, TaskGraph, TaskOptions, TaskSpec, TaskState
from asyncflow.graph.validate import validate
from asyncflow.graph.wiring import Ref

__all__ = ["NodeKind", "Ref", "TaskGraph", "TaskOptions", "TaskSpec", "TaskState", "validate"]

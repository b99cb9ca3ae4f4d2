"""Compiler: graph IR → frozen ExecutionPlan (pure, sync, deterministic)."""

from asyncflow.compiler.compile import compile_graph
from asyncflow.compiler.plan import ExecutionPlan, PlanTask

__all__ = ["ExecutionPlan", "PlanTask", "compile_graph"]

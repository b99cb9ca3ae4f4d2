"""asyncflow: a fast asyncio workflow library for HPC, clusters and laptops."""

from asyncflow.api import (
    MapStep,
    Pipeline,
    PipelineRun,
    Step,
    TaskDefinition,
    TaskStep,
    WorkflowEngine,
    shell,
    task,
)
from asyncflow.backends import ExecutionBackend, Job, register_backend
from asyncflow.backends.concurrent import ConcurrentExecutionBackend
from asyncflow.backends.noop import DryRunResult, NoopExecutionBackend
from asyncflow.compiler import ExecutionPlan, compile_graph
from asyncflow.errors import (
    AsyncflowError,
    BackendError,
    BackendNotAvailableError,
    CompositionError,
    CycleError,
    DefinitionError,
    DependencyFailureError,
    EngineClosedError,
    ExecutableTaskError,
    FlowError,
    GraphError,
    TaskCancelledError,
    TaskError,
    TaskExitError,
    TaskTimeoutError,
    WorkerLostError,
)
from asyncflow.graph import TaskGraph, TaskState
from asyncflow.runtime import TaskFuture

__version__ = "0.1.0"


def load_flow(*args: object, **kwargs: object) -> object:
    """Load a .flow file (see :func:`asyncflow.dsl.load_flow`); imports Lark on first use."""
    from asyncflow.dsl import load_flow as _load_flow

    return _load_flow(*args, **kwargs)  # type: ignore[arg-type]


def __getattr__(name: str) -> object:
    # heavy backends load only when asked for
    if name in ("DaskExecutionBackend", "RadicalExecutionBackend"):
        from asyncflow.backends import get_backend_class

        return get_backend_class("dask" if name.startswith("Dask") else "radical")
    raise AttributeError(f"module 'asyncflow' has no attribute {name!r}")


__all__ = [
    "AsyncflowError",
    "BackendError",
    "BackendNotAvailableError",
    "CompositionError",
    "ConcurrentExecutionBackend",
    "CycleError",
    "DaskExecutionBackend",
    "DefinitionError",
    "DependencyFailureError",
    "DryRunResult",
    "EngineClosedError",
    "ExecutableTaskError",
    "ExecutionBackend",
    "ExecutionPlan",
    "FlowError",
    "GraphError",
    "Job",
    "MapStep",
    "NoopExecutionBackend",
    "Pipeline",
    "PipelineRun",
    "RadicalExecutionBackend",
    "Step",
    "TaskCancelledError",
    "TaskDefinition",
    "TaskError",
    "TaskExitError",
    "TaskFuture",
    "TaskGraph",
    "TaskState",
    "TaskStep",
    "TaskTimeoutError",
    "WorkerLostError",
    "WorkflowEngine",
    "__version__",
    "compile_graph",
    "load_flow",
    "register_backend",
    "shell",
    "task",
]

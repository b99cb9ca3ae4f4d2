"""Python front-end: the engine, task decorators and operator pipelines."""

from asyncflow.api.engine import WorkflowEngine
from asyncflow.api.pipeline import Pipeline
from asyncflow.api.run import PipelineRun
from asyncflow.api.steps import MapStep, Step, TaskStep, shell, task
from asyncflow.api.tasks import TaskDefinition

__all__ = [
    "MapStep",
    "Pipeline",
    "PipelineRun",
    "Step",
    "TaskDefinition",
    "TaskStep",
    "WorkflowEngine",
    "shell",
    "task",
]

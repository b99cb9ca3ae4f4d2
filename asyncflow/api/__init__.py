"""Python front-end: the engine, task decorators and operator pipelines."""

from asyncflow.api.engine import WorkflowEngine
from asyncflow.api.tasks import TaskDefinition

__all__ = ["TaskDefinition", "WorkflowEngine"]

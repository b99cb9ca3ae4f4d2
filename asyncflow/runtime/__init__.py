"""Runtime: the one event-driven scheduler that runs imperative calls and compiled plans."""

from asyncflow.runtime.composite import current_block
from asyncflow.runtime.future import TaskFuture
from asyncflow.runtime.loop import LoopThread
from asyncflow.runtime.scheduler import Scheduler
from asyncflow.runtime.slots import BackendSlot

__all__ = ["BackendSlot", "LoopThread", "Scheduler", "TaskFuture", "current_block"]

"""The frozen execution plan: what runs, in which stage, with which inputs and options."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from typing import Any

from asyncflow.graph import Ref
from asyncflow.graph.wiring import from_json, to_json

#: plans wider than this describe a stage by counts per task name, not by listing tasks
_LIST_LIMIT = 12


@dataclass(frozen=True)
class PlanTask:
    """One node of the plan.

    ``fn_ref`` names the callable (``module:qualname``) or holds a shell template; ``fn``
    is the callable itself when the plan was compiled in this process (it is resolved from
    ``fn_ref`` by :meth:`callable` after a JSON round trip).
    """

    id: str
    name: str
    kind: str
    stage: int
    wiring: Ref | None
    backend: str | None = None
    retries: int = 0
    retry_backoff: float = 0.0
    timeout: float | None = None
    task_description: dict[str, Any] = field(default_factory=dict)
    bound: dict[str, Any] = field(default_factory=dict)
    fn_ref: str | None = None
    is_async: bool = False
    template: str | None = None
    inner: PlanTask | None = None
    fn: Any = field(default=None, compare=False, repr=False)

    def callable(self) -> Any:
        """The function (or shell template renderer) this task runs."""
        if self.fn is not None:
            return self.fn
        if self.template is not None:
            from asyncflow.graph.template import ShellTemplate

            return ShellTemplate(self.template)
        if self.fn_ref is None:
            return None
        module, _, qualname = self.fn_ref.partition(":")
        target: Any = importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part)
        return getattr(target, "fn", target)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "stage": self.stage,
            "wiring": to_json(self.wiring),
            "backend": self.backend,
            "retries": self.retries,
            "retry_backoff": self.retry_backoff,
            "timeout": self.timeout,
            "task_description": _jsonable(self.task_description),
            "bound": _jsonable(self.bound),
            "fn_ref": self.fn_ref,
            "is_async": self.is_async,
            "template": self.template,
            "inner": self.inner.to_dict() if self.inner is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanTask:
        values = dict(data)
        values["wiring"] = from_json(values.get("wiring"))
        inner = values.get("inner")
        values["inner"] = cls.from_dict(inner) if inner else None
        return cls(**values)


@dataclass(frozen=True)
class ExecutionPlan:
    """Stages of tasks in dependency order; ``outputs`` says what the run returns."""

    tasks: tuple[PlanTask, ...]
    stages: tuple[tuple[str, ...], ...]
    outputs: Ref | None

    def task(self, task_id: str) -> PlanTask:
        for item in self.tasks:
            if item.id == task_id:
                return item
        raise KeyError(task_id)

    @property
    def width(self) -> int:
        """The largest number of tasks in one stage."""
        return max((len(stage) for stage in self.stages), default=0)

    def describe(self) -> str:
        """Readable text: one block per stage with its parallel width."""
        by_id = {t.id: t for t in self.tasks}
        lines = [
            f"execution plan: {len(self.tasks)} tasks in {len(self.stages)} stages "
            f"(widest stage: {self.width})"
        ]
        for number, stage in enumerate(self.stages, 1):
            lines.append(f"stage {number} (parallel width {len(stage)}):")
            if len(stage) > _LIST_LIMIT:
                counts: dict[str, int] = {}
                for task_id in stage:
                    counts[by_id[task_id].name] = counts.get(by_id[task_id].name, 0) + 1
                lines += [f"  {name} ×{count}" for name, count in counts.items()]
                continue
            for task_id in stage:
                lines.append("  " + _describe_task(by_id[task_id]))
        if self.outputs is not None:
            lines.append(f"result: {_describe_ref(self.outputs)}")
        return "\n".join(lines)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(
            {
                "version": 1,
                "tasks": [t.to_dict() for t in self.tasks],
                "stages": [list(s) for s in self.stages],
                "outputs": to_json(self.outputs),
            },
            indent=indent,
        )

    @classmethod
    def from_json(cls, text: str) -> ExecutionPlan:
        data = json.loads(text)
        return cls(
            tasks=tuple(PlanTask.from_dict(t) for t in data["tasks"]),
            stages=tuple(tuple(s) for s in data["stages"]),
            outputs=from_json(data["outputs"]),
        )


def _describe_task(task: PlanTask) -> str:
    kind = f"map {task.inner.kind}" if task.kind == "map" and task.inner else task.kind
    text = f"{task.id} [{kind}]"
    if task.wiring is not None:
        text += f" <- {_describe_ref(task.wiring)}"
    else:
        text += " <- inputs"
    extras = []
    if task.backend:
        extras.append(f"backend={task.backend}")
    if task.retries:
        extras.append(f"retries={task.retries}")
    if task.timeout is not None:
        extras.append(f"timeout={task.timeout:g}s")
    if task.bound:
        extras.append("bound " + ", ".join(sorted(task.bound)))
    if task.template:
        extras.append(f"$ {task.template}")
    return text + (f"  ({'; '.join(extras)})" if extras else "")


def _describe_ref(ref: Ref) -> str:
    if isinstance(ref, str):
        return ref
    return "(" + ", ".join(_describe_ref(r) for r in ref) + ")"


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            value = {"__repr__": repr(value)}
        out[key] = value
    return out

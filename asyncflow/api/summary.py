"""The summary every run ends with: counts per state, root causes, time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from asyncflow.errors import DependencyFailureError
from asyncflow.graph import TaskState

_ORDER = [s.value for s in TaskState]


@dataclass(frozen=True)
class Failure:
    """One root cause: a task that failed by itself (not because of an upstream task)."""

    task: str
    uid: str
    error: str
    exception: BaseException = field(repr=False, compare=False)


@dataclass(frozen=True)
class RunSummary:
    """What happened in a run. ``ok`` is true when every task finished DONE."""

    counts: dict[str, int]
    failures: tuple[Failure, ...]
    elapsed: float

    @classmethod
    def of(cls, futures: Iterable[Any], elapsed: float) -> RunSummary:
        counts: dict[str, int] = {}
        failures = []
        for fut in futures:
            if fut.task_kind == "map":  # a container: its items are counted instead
                continue
            counts[fut.state] = counts.get(fut.state, 0) + 1
            exc = fut._exception
            if fut.state == TaskState.FAILED and not isinstance(exc, DependencyFailureError):
                line = _describe(exc)
                failures.append(Failure(fut.name, fut.uid, line, exc))
        ordered = {s: counts[s] for s in _ORDER if s in counts}
        return cls(ordered, tuple(failures), elapsed)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def ok(self) -> bool:
        return self.counts.get(TaskState.DONE.value, 0) == self.total

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "total": self.total,
            "counts": self.counts,
            "failures": [{"task": f.task, "uid": f.uid, "error": f.error} for f in self.failures],
            "elapsed_s": round(self.elapsed, 3),
        }

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {s.lower()}" for s, n in self.counts.items()) or "no tasks"
        noun = "task" if self.total == 1 else "tasks"
        lines = [f"{self.total} {noun} in {self.elapsed:.2f} s: {counts}"]
        shown = self.failures[:10]
        for failure in shown:
            lines.append(f"  failed: {failure.task} ({failure.uid}): {failure.error}")
        if len(self.failures) > len(shown):
            lines.append(f"  ... and {len(self.failures) - len(shown)} more failures")
        return "\n".join(lines)


def _describe(exc: BaseException | None) -> str:
    """One line naming ``exc``; never raises, even if its ``__str__`` does."""
    try:
        text = str(exc)
    except Exception:
        text = "<the error's message could not be printed>"
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}"[:300]

"""Function tasks on RADICAL-Pilot: what goes to a Raptor worker and what comes back.

A call travels as one text field (base64 of a pickle), so RP's message layer never sees
(or mangles) the user's objects: tuples stay tuples, exceptions keep their type. The
worker sends back an outcome of the same form. cloudpickle is used when it is installed
(lambdas, closures and ``__main__`` functions then travel by value); plain pickle
otherwise, which handles functions importable from a module.
"""

from __future__ import annotations

import base64
import importlib
import pickle
import pickletools
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from asyncflow.backends.invoke import call_body
from asyncflow.errors import TaskError, TaskTimeoutError, WorkerLostError


def _pickler() -> Any:
    try:
        import cloudpickle
    except ImportError:
        return pickle
    return cloudpickle


def dumps(obj: Any) -> str:
    """Pickle ``obj`` (cloudpickle when available) to base64 text."""
    return base64.b64encode(_pickler().dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)).decode()


def loads(text: str) -> Any:
    """Inverse of :func:`dumps` (cloudpickle output loads with plain pickle)."""
    return pickle.loads(base64.b64decode(text))


def make_payload(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any], task: str
) -> str:
    """The text a Raptor worker turns back into ``fn(*args, **kwargs)``.

    Raises:
        TaskError: the function or an argument cannot be pickled; says what to do.
    """
    fn = _by_value_if_main(fn)
    try:
        return dumps((fn, tuple(args), dict(kwargs), task))
    except Exception as exc:
        hint = (
            "Define the function at module top level (importable by the pilot's Python)"
            if _pickler() is pickle
            else "Make the function and its arguments picklable"
        )
        extra = "" if _pickler() is not pickle else "; or install cloudpickle"
        raise TaskError(
            f"task {task!r} cannot run on RADICAL-Pilot: its function or arguments cannot be "
            f"pickled ({type(exc).__name__}: {exc}). {hint}{extra}.",
            task=task,
        ) from exc


def _by_value_if_main(fn: Any) -> Any:
    # A decorated body pickles by reference (module + qualname). In another process
    # ``__main__`` is a different module, so hand the raw function to cloudpickle,
    # which sends ``__main__`` functions by value.
    raw = getattr(fn, "fn", None)
    if getattr(fn, "module", None) == "__main__" and callable(raw) and _pickler() is not pickle:
        return raw
    return fn


def preload() -> None:
    """Import what every call needs, so that processes forked afterwards have it."""
    _pickler()


_failed_imports: set[str] = set()


def function_modules(fn: Any) -> list[str]:
    """The module a task function comes from, if a worker can import it by name."""
    module = getattr(fn, "module", None) or getattr(fn, "__module__", None)
    return [module] if isinstance(module, str) and module != "__main__" else []


def import_modules_of(payload: str, hints: Sequence[str] = ()) -> None:
    """Import, in this process, the modules a payload refers to (best effort).

    A Raptor worker forks one child per call. Modules imported in the worker itself are
    inherited by every child; a module first imported in a child (the task function's
    own module, pickled by reference) would be imported again by every later child.
    The names come from ``hints`` (see :func:`function_modules`) and from the pickle's
    opcodes; nothing is unpickled here.
    """
    for module in [*hints, *sorted(_modules_named(base64.b64decode(payload)))]:
        if module in sys.modules or module in _failed_imports:
            continue
        try:
            importlib.import_module(module)
        except BaseException:  # the child will report the real error
            _failed_imports.add(module)


def _modules_named(data: bytes) -> set[str]:
    strings: list[str] = []
    memo: dict[int, str] = {}
    modules: set[str] = set()
    try:
        for opcode, arg, _ in pickletools.genops(data):
            name = opcode.name
            if isinstance(arg, str) and "UNICODE" in name:
                strings.append(arg)
            elif name == "MEMOIZE" and strings:
                memo[len(memo)] = strings[-1]
            elif name in ("BINPUT", "LONG_BINPUT", "PUT") and strings:
                memo[int(str(arg))] = strings[-1]
            elif name in ("BINGET", "LONG_BINGET", "GET") and int(str(arg)) in memo:
                strings.append(memo[int(str(arg))])
            elif name == "STACK_GLOBAL" and len(strings) >= 2:
                modules.add(strings[-2])
            elif name == "GLOBAL" and isinstance(arg, str):
                modules.add(arg.split(" ", 1)[0])
    except Exception:  # a truncated or odd pickle: warm up what was found
        pass
    return {m for m in modules if all(part.isidentifier() for part in m.split("."))}


def lost_outcome(how: str) -> str:
    """Outcome of a call whose process died before it could answer (``how`` it ended)."""
    return dumps(("lost", how))


def timeout_outcome(seconds: float) -> str:
    """Outcome of a call that was killed at its timeout."""
    return dumps(("timeout", seconds))


def run_payload(payload: str) -> str:
    """Worker side: run the call in ``payload``; return the encoded outcome (never raises)."""
    task = "?"
    try:
        fn, args, kwargs, task = loads(payload)
        value = call_body(fn, args, kwargs, task)
    except BaseException as exc:
        return _encode_error(exc, task)
    try:
        return dumps(("ok", value))
    except Exception as exc:
        return _encode_error(
            TaskError(
                f"task {task!r} returned {type(value).__name__} {_short(value)}, which cannot "
                f"be pickled back from the pilot ({type(exc).__name__}: {exc})",
                task=task,
            ),
            task,
        )


def _encode_error(exc: BaseException, task: str) -> str:
    trace = "".join(traceback.format_exception(exc))
    try:
        blob: str | None = dumps(exc)
    except Exception:
        blob = None
    return dumps(("error", blob, f"{type(exc).__name__}: {exc}", trace))


def read_outcome(text: str, task: str) -> tuple[bool, Any]:
    """Client side: ``(True, value)`` or ``(False, exception)`` from a worker's outcome."""
    try:
        outcome = loads(text)
        if outcome[0] == "ok":
            return True, outcome[1]
        if outcome[0] == "lost":
            return False, WorkerLostError(
                f"task {task!r}: the process running it on the RADICAL-Pilot worker died "
                f"({outcome[1]})",
                task=task,
            )
        if outcome[0] == "timeout":
            return False, TaskTimeoutError(
                f"task {task!r} timed out after {outcome[1]:g} s (its process group was killed)",
                task=task,
            )
        _, blob, summary, trace = outcome
    except Exception as exc:
        return False, TaskError(
            f"task {task!r}: its result could not be unpickled in the client "
            f"({type(exc).__name__}: {exc})",
            task=task,
        )
    if blob is not None:
        try:
            error = loads(blob)
        except Exception:
            error = None
        if isinstance(error, BaseException):
            error.add_note(f"(raised on the RADICAL-Pilot worker)\n{trace.rstrip()}")
            return False, error
    return False, TaskError(f"task {task!r} raised {summary}\n{trace.rstrip()}", task=task)


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        return "<unprintable>"
    return text if len(text) <= 80 else text[:77] + "..."

"""Load-time checks: each mistake is a FlowError at the right line and column."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from asyncflow.dsl import load_flow
from asyncflow.errors import FlowError

ErrorOf = Callable[..., FlowError]

CASES = [
    # (flow text, line, column, message)
    (
        'shell a = "x"\nlet a = a',
        2, 5, "'a' is already defined on line 1",
    ),
    (
        'from "tasks.py" import double, add as double\nrun double',
        1, 39, "'double' is already defined on line 1",
    ),
    (
        "let p = p\nrun p",
        1, 9, "'p' is defined in terms of itself: p -> p",
    ),
    (
        'from "tasks.py" import add\ntask b = c\ntask c = b(n=1)\ntask d = add\nrun b',
        2, 10, "'b' is defined in terms of itself: b -> c -> b",
    ),
    (
        'from "tasks.py" import add\nlet p = add\nrun p(n=1)',
        3, 5, "'p' is a named pipeline (let); only tasks take arguments",
    ),
    (
        'from "tasks.py" import add\nlet p = add\ntask q = p\nrun q',
        3, 10, "'p' is a named pipeline (let); 'task' gives a new name to one task",
    ),
    (
        'from "tasks.py" import add\nrun add(n=1, n=2)',
        2, 14, "argument 'n' is given twice",
    ),
    (
        'shell s = "echo {input}"\nrun s(input=1)',
        2, 7, "{input} is the upstream result; it cannot be bound",
    ),
    (
        'shell s = "echo {n:>4}"\nrun s(n=1)',
        1, 17, "placeholder {n} cannot have a format; write {n}",
    ),
    (
        'shell s = "echo {x}}"\nrun s(x=1)',
        1, 11, "bad command template: Single '}' encountered in format string; "
        "write '{{' or '}}' for a literal brace",
    ),
    (
        'shell s = "echo" with timeout=0\nrun s',
        1, 31, "option 'timeout' must be a number of seconds greater than 0, not 0",
    ),
    (
        'shell s = "echo" with backend=dask\nrun s',
        1, 31, "unexpected name 'dask', expected a value (a number, a string, true, false, "
        "a $parameter or a [list])",
    ),
    (
        'shell s = "echo" with backend=3\nrun s',
        1, 31, "option 'backend' must be a backend name in quotes, e.g. backend=\"dask\", not 3",
    ),
    (
        'param r = "2"\nshell s = "echo" with retries=$r\nrun s',
        2, 31, "option 'retries' must be a whole number of retries, 0 or more, not '2'",
    ),
    (
        'shell s = "echo" with retries=1, retries=2\nrun s',
        1, 34, "option 'retries' is given twice",
    ),
    (
        'shell s = "echo" with cores=$nope\nrun s',
        1, 29, "unknown parameter '$nope'",
    ),
    (
        "backend dask\nbackend threads\nrun x",
        2, 1, "the backend is already chosen on line 1",
    ),
    (
        'from "tasks.py" import not_a_function\nrun not_a_function',
        1, 24, "'not_a_function' in 'tasks.py' is not a function (it is a int)",
    ),
    (
        'from "data.txt" import f\nrun f',
        1, 6, "'data.txt' is not a Python file (.py)",
    ),
    (
        'from os.path import basename\nrun basename(q="x")',
        2, 14, "function 'basename' has no parameter 'q'; its parameters: p",
    ),
    (
        'from "tasks.py" import add\ntask a2 = add(count=1)\nrun a2',
        2, 15, "function 'add' has no parameter 'count'; its parameters: x, n",
    ),
    (
        "",
        1, 1, "this file has no 'run' statement; add one, e.g. 'run my_task'",
    ),
    (
        "run\n",
        1, 4, "unexpected end of file, expected a task name, a value (a number, a string, "
        "true, false, a $parameter or a [list]), '(' or 'each'",
    ),
    (
        "run a(1, k=2",
        1, 13, "unexpected end of file, expected ',' or ')'",
    ),
    (
        "run a b",
        1, 7, "unexpected name 'b', expected '|', '&', '(', a new statement or end of file",
    ),
    (
        "run a with",
        1, 7, "unexpected keyword 'with', expected '|', '&', a new statement or end of file",
    ),
    (
        "run each | a",
        1, 10, "unexpected '|', expected '('",
    ),
    (
        "run a | $x",
        1, 9, "unexpected parameter reference '$x', expected a task name, '(', '[' or 'each'",
    ),
    (
        "run a\n$",
        2, 1, "'$' must be followed by a parameter name, e.g. $count",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "column", "message"), CASES)
def test_check(error_of: ErrorOf, text: str, line: int, column: int, message: str) -> None:
    error = error_of(text)
    assert (error.message, error.line, error.column) == (message, line, column)
    source_line = text.splitlines()[line - 1] if text else None
    assert error.source_line == source_line


def test_a_failing_module_import_is_reported_at_its_source(
    flow_dir: Path, error_of: ErrorOf
) -> None:
    (flow_dir / "broken.py").write_text("x = 1 / 0\n")
    (flow_dir / "exits.py").write_text("raise SystemExit(3)\n")
    error = error_of('from "broken.py" import f\nrun f')
    assert error.message == "importing 'broken.py' failed: ZeroDivisionError: division by zero"
    assert (error.line, error.column) == (1, 6)
    error = error_of('\nfrom "exits.py" import f\nrun f')
    assert error.message == "importing 'exits.py' failed: SystemExit: 3"
    assert (error.line, error.column) == (2, 6)


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(FlowError) as info:
        load_flow(tmp_path / "missing.flow")
    assert info.value.message == "cannot read the file: No such file or directory"
    assert info.value.file == str(tmp_path / "missing.flow")
    binary = tmp_path / "binary.flow"
    binary.write_bytes(b"run \xff\xfe")
    with pytest.raises(FlowError, match="the file is not UTF-8 text: invalid start byte"):
        load_flow(binary)
    with pytest.raises(FlowError, match="cannot read the file: Is a directory"):
        load_flow(tmp_path)


def test_a_python_file_is_imported_again_only_when_it_changed(flow_dir: Path) -> None:
    helper = flow_dir / "helper.py"
    helper.write_text("def f(x):\n    return 1\n")
    flow = flow_dir / "h.flow"
    flow.write_text('from "helper.py" import f\nrun f')

    def body() -> object:
        return load_flow(flow).graph.nodes["f"]["spec"].fn.fn

    first = body()
    assert body() is first
    helper.write_text("def f(x):\n    return 2\n")
    os.utime(helper, ns=(1, helper.stat().st_mtime_ns + 10**9))
    second = body()
    assert second is not first
    assert second(0) == 2


def test_backends_must_be_known(error_of: ErrorOf, flow_dir: Path) -> None:
    known = "known: dask, noop, radical, threads"
    error = error_of("backend dsak\nrun x")
    assert (error.line, error.column) == (1, 9)
    assert error.message == f"unknown backend 'dsak' (did you mean 'dask'?); {known}"
    error = error_of('shell s = "x" with backend="thread"\nrun s')
    assert (error.line, error.column) == (1, 28)
    assert error.message == f"unknown backend 'thread' (did you mean 'threads'?); {known}"
    error = error_of('shell s = "x"\nrun s', backend="dusk")
    assert (error.line, error.message) == (
        None,
        f"unknown backend 'dusk' (did you mean 'dask'?); {known}",
    )

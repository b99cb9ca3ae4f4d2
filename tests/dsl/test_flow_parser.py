"""The parser builds frozen AST records with the right values, lines and columns."""

from __future__ import annotations

import dataclasses

import pytest

from asyncflow.dsl import ast, parse
from asyncflow.dsl.parser import unquote

I = ast.Ident  # noqa: E741 - short names keep the expected trees readable
L = ast.Literal


def test_import_statements_record_names_aliases_and_source_positions() -> None:
    module = parse('from "tasks.py" import a, b as c\nfrom os.path import basename\n')
    assert module.statements == (
        ast.Import(
            1, 1, "tasks.py", True, 1, 6,
            (ast.ImportName(1, 24, I(1, 24, "a")),
             ast.ImportName(1, 27, I(1, 27, "b"), I(1, 32, "c"))),
        ),
        ast.Import(2, 1, "os.path", False, 2, 6, (ast.ImportName(2, 21, I(2, 21, "basename")),)),
    )  # fmt: skip
    assert module.statements[0].names[1].local == I(1, 32, "c")


def test_shell_task_with_options() -> None:
    (shell,) = parse('shell wc = "wc -l {input}" with retries=2, cores=4').statements
    assert shell == ast.ShellDef(
        1, 1, I(1, 7, "wc"), L(1, 12, "wc -l {input}"),
        (ast.Option(1, 33, I(1, 33, "retries"), L(1, 41, 2)),
         ast.Option(1, 44, I(1, 44, "cores"), L(1, 50, 4))),
    )  # fmt: skip


def test_task_definition_binds_arguments_and_options() -> None:
    (task,) = parse("task add5 = add(n=5, tag=$label) with timeout=1.5").statements
    assert task == ast.TaskDef(
        1, 1, I(1, 6, "add5"),
        ast.Call(1, 13, I(1, 13, "add"), (
            ast.Arg(1, 17, I(1, 17, "n"), L(1, 19, 5)),
            ast.Arg(1, 22, I(1, 22, "tag"), ast.ParamRef(1, 26, "label")),
        )),
        (ast.Option(1, 39, I(1, 39, "timeout"), L(1, 47, 1.5)),),
    )  # fmt: skip


def test_params_take_every_kind_of_literal() -> None:
    module = parse(
        'param i = -3\nparam f = 2.5e1\nparam b = true\nparam s = "x"\n'
        "param xs = [1, 'two', false, [3]]\nbackend dask\n"
    )
    defaults = [s.default for s in module.of_type(ast.ParamDef)]
    assert defaults == [
        L(1, 11, -3), L(2, 11, 25.0), L(3, 11, True), L(4, 11, "x"),
        ast.ListValue(5, 12, (L(5, 13, 1), L(5, 16, "two"), L(5, 23, False),
                              ast.ListValue(5, 30, (L(5, 31, 3),)))),
    ]  # fmt: skip
    assert module.of_type(ast.BackendDef) == [ast.BackendDef(6, 1, I(6, 9, "dask"))]


def test_and_binds_tighter_than_pipe_and_operators_sit_at_their_symbol() -> None:
    (run,) = parse("run a | b & c | d").statements
    a, b, c, d = (
        ast.Call(1, col, I(1, col, n)) for n, col in zip("abcd", (5, 9, 13, 17), strict=True)
    )
    assert run == ast.Run(1, 1, (), ast.Pipe(1, 15, ast.Pipe(1, 7, a, ast.Par(1, 11, b, c)), d))


def test_list_group_each_and_parentheses() -> None:
    (run,) = parse("run [a, each(b(k=1))] | (c & d)").statements
    body = run.body
    assert isinstance(body, ast.Pipe)
    assert body.left == ast.ListGroup(1, 5, (
        ast.Call(1, 6, I(1, 6, "a")),
        ast.Each(1, 9, ast.Call(1, 14, I(1, 14, "b"),
                                (ast.Arg(1, 16, I(1, 16, "k"), L(1, 18, 1)),))),
    ))  # fmt: skip
    assert body.right == ast.Par(
        1, 28, ast.Call(1, 26, I(1, 26, "c")), ast.Call(1, 30, I(1, 30, "d"))
    )


def test_run_inputs_come_before_the_first_pipe() -> None:
    (run,) = parse('run $dir, "x" | a').statements
    assert run.inputs == (ast.ParamRef(1, 5, "dir"), L(1, 11, "x"))
    assert run.body == ast.Call(1, 17, I(1, 17, "a"))


def test_let_comments_and_line_breaks_inside_a_pipeline() -> None:
    module = parse("# header\nlet p = a   # first\n  | b\n\nrun p\n")
    let, run = module.statements
    pipe = ast.Pipe(3, 3, ast.Call(2, 9, I(2, 9, "a")), ast.Call(3, 5, I(3, 5, "b")))
    assert let == ast.LetDef(2, 1, I(2, 5, "p"), pipe)
    assert run == ast.Run(5, 1, (), ast.Call(5, 5, I(5, 5, "p")))


def test_empty_argument_list_differs_from_no_arguments() -> None:
    (run,) = parse("run a() | b").statements
    assert run.body == ast.Pipe(
        1, 9, ast.Call(1, 5, I(1, 5, "a"), ()), ast.Call(1, 11, I(1, 11, "b"))
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (r'"plain"', "plain"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'it\'s'", "it's"),
        (r'"a\\b"', "a\\b"),
        (r'"sed s/\./x/"', r"sed s/\./x/"),  # other backslashes stay, for shell commands
        (r"'grep -c \"^def \" {input}'", 'grep -c "^def " {input}'),
    ],
)
def test_string_escapes(raw: str, value: str) -> None:
    assert unquote(raw) == value


def test_records_are_frozen() -> None:
    (run,) = parse("run a").statements
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.line = 3  # type: ignore[misc]


def test_a_very_long_pipeline_parses_without_recursion_limits() -> None:
    module = parse("run " + " | ".join(["a"] * 3000))
    (run,) = module.statements
    assert isinstance(run.body, ast.Pipe)
    assert run.body.right == ast.Call(1, 4 + 4 * 2999 + 1, I(1, 4 + 4 * 2999 + 1, "a"))

"""Fuzz: whatever the text, loading a .flow raises nothing but FlowError, in plain words."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from unittest import mock

import pytest
from flow_helpers import TASKS_PY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asyncflow.dsl import imports as dsl_imports
from asyncflow.dsl import parse_flow
from asyncflow.errors import FlowError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "flows"
SEEDS = [
    'from "tasks.py" import double, add, total, pair, numbers\n'
    "param n = 3\nparam names = [\"a\", 'b']\nparam on = true\n"
    'shell echo = "echo {input} {n}" with retries=1, timeout=2.5, cores=2\n'
    "task add2 = add(n=$n)\nlet p = double | add2 & echo\n"
    "backend threads\n"
    "run $n | numbers | [each(add(n=1)), total] | pair  # done\n",
    "from os.path import basename as base, dirname\n"
    'run "/a/b.txt", "x" | (base & dirname) | [base, dirname]\n',
    *(path.read_text() for path in sorted(EXAMPLES.glob("*.flow"))),
]
TOKENS = [
    "from", "import", "as", "shell", "task", "let", "param", "backend", "run", "with",
    "each", "true", "false", "double", "add", "total", "p", "n", "$n", "$x", "|", "&", "[",
    "]", "(", ")", ",", "=", ".", '"tasks.py"', '"echo {input}"', "'{n}'", '"{"', "3", "-1",
    "2.5", "1e3", "# note", "\n", " ", "\t", '"', "'", "\\", "{input}", "os.path", "$",
]  # fmt: skip
# no capital letters in generated text, so any in a message would be Lark's terminal names
ALPHABET = st.characters(blacklist_categories=("Lu", "Lt", "Cs"))
LARK_WORDS = re.compile(r"\$END|__ANON|Token\(|Unexpected[A-Z]|\b[A-Z][A-Z_]{2,}\b")
ALLOWED_MODULES = {"os.path", "json", "builtins"}


def fenced_import(name: str) -> ModuleType:
    """Import only a few harmless modules, whatever names the fuzzer writes."""
    if name not in ALLOWED_MODULES:
        raise ModuleNotFoundError(f"No module named {name!r}")
    import importlib

    return importlib.import_module(name)


@contextmanager
def fenced() -> Iterator[None]:
    with mock.patch.object(dsl_imports, "_import_module", fenced_import):
        yield


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "tasks.py").write_text(TASKS_PY)
    for helper in EXAMPLES.glob("*.py"):
        (folder / helper.name).write_text(helper.read_text())
    return folder


def load_only_flow_errors(text: str, base_dir: Path) -> None:
    with fenced():
        try:
            parse_flow(text, "fuzz.flow", {}, base_dir=base_dir)
        except FlowError as error:
            assert not LARK_WORDS.search(error.message), error.message
            assert error.file == "fuzz.flow"
            if error.line is not None:
                assert 1 <= error.line <= max(1, len(text.splitlines()))
                assert error.column is not None and error.column >= 1


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 30)))
        action = draw(st.sampled_from(["delete", "insert", "token", "duplicate"]))
        if action == "delete":
            text = text[:start] + text[end:]
        elif action == "insert":
            text = text[:start] + draw(st.text(ALPHABET, max_size=8)) + text[start:]
        elif action == "token":
            text = text[:start] + draw(st.sampled_from(TOKENS)) + text[start:]
        else:
            text = text[:end] + text[start:end] + text[end:]
    return text


# FLOW_FUZZ_EXAMPLES=5000 runs a longer search (with -p no:timeout)
FUZZ = settings(
    max_examples=int(os.environ.get("FLOW_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.mark.timeout(90)
@FUZZ
@given(text=st.text(ALPHABET, max_size=80))
def test_random_text(base_dir: Path, text: str) -> None:
    load_only_flow_errors(text, base_dir)


@pytest.mark.timeout(90)
@FUZZ
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=25), separator=st.sampled_from(" \n"))
def test_random_token_soup(base_dir: Path, tokens: list[str], separator: str) -> None:
    load_only_flow_errors(separator.join(tokens), base_dir)


@pytest.mark.timeout(90)
@FUZZ
@given(text=mutated())
def test_mutated_valid_flows(base_dir: Path, text: str) -> None:
    load_only_flow_errors(text, base_dir)


def test_the_seeds_load(base_dir: Path) -> None:
    for seed in SEEDS:
        with fenced():
            program = parse_flow(seed, "seed.flow", base_dir=base_dir)
        assert program.graph.number_of_nodes() >= 2

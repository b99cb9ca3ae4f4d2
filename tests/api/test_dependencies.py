"""Futures found anywhere in the arguments are dependencies; values reach the body."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections import OrderedDict, namedtuple

import pytest

from asyncflow import DefinitionError, WorkflowEngine

pytestmark = pytest.mark.timeout(30)

Point = namedtuple("Point", "x y")


class Tagged(list):
    """A list subclass whose type must survive."""


def test_futures_in_positional_keyword_and_nested_arguments(flow):
    @flow.function_task
    def num(x):
        return x

    @flow.function_task
    def inspect_args(a, nested, *, kw, mapping):
        return a, nested, kw, mapping

    fut = inspect_args(
        num(1),
        [num(2), (num(3), {num(4)}), frozenset([num(5)])],
        kw=num(6),
        mapping={"k": num(7), "inner": [num(8)]},
    )
    assert fut.result() == (1, [2, (3, {4}), frozenset([5])], 6, {"k": 7, "inner": [8]})
    assert flow.graph.in_degree(fut.uid) == 8


def test_container_subclasses_keep_their_type(flow):
    @flow.function_task
    def num(x):
        return x

    @flow.function_task
    def types(p, od, tagged):
        return type(p), p, type(od), list(od.items()), type(tagged), list(tagged)

    result = types(
        Point(num(1), num(2)), OrderedDict([("b", num(3)), ("a", 4)]), Tagged([num(5)])
    ).result()
    assert result == (Point, Point(1, 2), OrderedDict, [("b", 3), ("a", 4)], Tagged, [5])


def test_arguments_are_snapshotted_at_call_time(flow):
    @flow.function_task
    def slow(x):
        return x

    @flow.function_task
    def echo(items, upstream):
        return items

    items = [1, 2]
    fut = echo(items, slow(0))
    items.append(3)
    assert fut.result() == [1, 2]


def test_the_same_future_twice_is_one_dependency(flow):
    @flow.function_task
    def one():
        return 1

    @flow.function_task
    def gather3(a, b, c):
        return [a, b, c]

    first = one()
    fut = gather3(first, first, [first])
    assert fut.result() == [1, 1, [1]]
    assert list(flow.graph.predecessors(fut.uid)) == [first.uid]


def test_a_future_of_another_engine_is_rejected_clearly(flow):
    with WorkflowEngine() as other:

        @other.function_task
        def theirs():
            return 1

        @flow.function_task
        def mine(x):
            return x

        foreign = theirs()
        with pytest.raises(DefinitionError, match="'mine'.*another engine"):
            mine(foreign)
        assert mine(foreign.result()).result() == 1


def test_foreign_asyncio_and_concurrent_futures_are_rejected_clearly(flow):
    @flow.function_task
    def mine(x):
        return x

    cf = concurrent.futures.Future()
    with pytest.raises(DefinitionError, match="'mine'.*Future.*await it first"):
        mine([cf])

    async def with_asyncio_future():
        fut = asyncio.get_running_loop().create_future()
        with pytest.raises(DefinitionError, match="asyncflow does not wait on"):
            mine(fut)

    asyncio.run(with_asyncio_future())


def test_wrong_number_of_arguments_names_the_task_and_parameters(flow):
    @flow.function_task
    def pair(a, b):
        return a, b

    with pytest.raises(DefinitionError, match=r"'pair'.*parameters are \(a, b\)"):
        pair(1)
    with pytest.raises(DefinitionError, match="'pair'"):
        pair(1, 2, c=3)


def test_plain_and_async_bodies_for_functions_and_blocks(flow):
    @flow.function_task
    def plain(x):
        return x + 1

    @flow.function_task
    async def coro(x):
        await asyncio.sleep(0.01)
        return x * 10

    @flow.block
    async def async_block(x):
        a = await plain(x)
        return await coro(a)

    @flow.block
    def sync_block(x):
        return coro(plain(x)).result()

    @flow.function_task
    def after(a, b):
        return a + b

    a = async_block(1)
    b = sync_block(2)
    total = after(a, b)
    assert (a.result(), b.result(), total.result()) == (20, 30, 50)
    kinds = {d["name"]: d["kind"] for _, d in flow.graph.nodes(data=True)}
    assert kinds["async_block"] == "block" and kinds["coro"] == "function"
    children = [d for _, d in flow.graph.nodes(data=True) if d.get("parent") == a.uid]
    assert sorted(d["name"] for d in children) == ["coro", "plain"]


def test_graph_nodes_carry_the_attribute_contract(flow):
    @flow.function_task
    def f(x):
        return x

    @flow.executable_task
    def g(x):
        return f"echo {x}"

    out = g(f(1))
    assert out.result() == "1"
    for _, data in flow.graph.nodes(data=True):
        assert set(data) >= {"name", "kind", "state", "backend", "timings"}
        assert data["state"] == "DONE" and data["backend"] == "threads"
        assert {"created", "started", "finished"} <= set(data["timings"])
    assert [d["kind"] for _, d in flow.graph.nodes(data=True)] == ["function", "executable"]

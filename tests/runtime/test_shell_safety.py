"""Values that reach a command line are single literal arguments, whatever they contain."""

from __future__ import annotations

import pytest

from asyncflow import shell, task

pytestmark = pytest.mark.timeout(60)

HOSTILE = [
    "a; touch {marker}",
    "a | touch {marker}",
    "a && touch {marker}",
    "$(touch {marker})",
    "`touch {marker}`",
    "line1\ntouch {marker}",
    'it\'s "quoted"',
    "-rf",
    "--help",
    "*",
    "~",
    "$HOME ${PATH}",
    "",
    "tab\there",
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_value_is_one_literal_argument(flow, tmp_path, value):
    marker = tmp_path / "pwned"
    value = value.replace("{marker}", str(marker))
    # printf prints each argument between < and >: exactly one argument must arrive
    show = shell("printf '<%s>' {input}", name="show")
    out = flow.run(task(str) | show, value, timeout=30)
    assert out == f"<{value}>"
    assert not marker.exists()


def test_a_list_value_becomes_several_literal_arguments(flow, tmp_path):
    marker = tmp_path / "pwned"
    values = ["x y", f"; touch {marker}", "$(id)"]
    show = shell("printf '<%s>' {input}", name="show")
    assert (
        flow.run(task(list) | show, values, timeout=30)
        == "<x y><; touch " + str(marker) + "><$(id)>"
    )
    assert not marker.exists()


def test_double_dash_keeps_a_leading_dash_value_an_operand(flow, tmp_path):
    target = tmp_path / "-rf"
    target.write_text("data")
    cat = shell("cd {dir} && cat -- {input}", name="cat").bind(dir=str(tmp_path))
    assert flow.run(cat, "-rf", timeout=30) == "data"


@pytest.mark.parametrize("template", ['echo "searching for {pattern}"', "echo 'hello {input}'"])
def test_a_placeholder_inside_quotes_is_refused(template):
    from asyncflow import CompositionError

    with pytest.raises(CompositionError, match="inside .* quotes; remove those quotes"):
        shell(template, name="t")

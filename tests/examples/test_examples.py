"""The shipped examples run, and their two forms agree."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name.replace(".py", ""), EXAMPLES / name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(120)
def test_futures_and_pipeline_forms_of_the_survey_give_the_same_report(tmp_path):
    survey = _load("01_stdlib_survey.py")
    survey.main(["--limit", "25", "--out", str(tmp_path / "futures")])
    survey.main(["--limit", "25", "--out", str(tmp_path / "pipeline"), "--form", "pipeline"])
    futures = json.loads((tmp_path / "futures" / "report.json").read_text())
    pipeline = json.loads((tmp_path / "pipeline" / "report.json").read_text())
    assert futures == pipeline
    assert futures["packages"] == 25
    expected_files = sum(len(files) for files in survey.stdlib_groups(25).values())
    assert futures["totals"]["files"] == expected_files
    assert futures["totals"]["lines"] > 10_000
    assert futures["largest"][0]["lines"] >= futures["largest"][-1]["lines"]


@pytest.mark.timeout(60)
def test_the_seed_basic_usage_example_prints_the_right_value():
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "00_seed_basic_usage.py")],
        capture_output=True,
        text=True,
        timeout=50,
        check=True,
    ).stdout
    # task1 printed 'N'; task2 returned 'NNNN'
    first = out.split("task1 printed '")[1].split("'")[0]
    second = out.split("task2 returned '")[1].split("'")[0]
    assert first.isdigit() and second == first * 4


@pytest.mark.timeout(60)
def test_the_survey_dry_run_runs_nothing(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "01_stdlib_survey.py"),
            "--dry-run",
            "--limit",
            "3",
            "--out",
            str(tmp_path / "never"),
        ],
        capture_output=True,
        text=True,
        timeout=50,
        check=True,
    ).stdout
    assert out.startswith("7 tasks {'DONE': 7}")
    assert not (tmp_path / "never").exists()

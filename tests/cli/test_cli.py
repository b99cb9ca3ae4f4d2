"""The command line, in real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "flows"
pytestmark = pytest.mark.timeout(120)


def asyncflow(*args, cwd=None, timeout=90):
    return subprocess.run(
        [sys.executable, "-m", "asyncflow", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def write(tmp_path, text, name="w.flow"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_run_prints_the_result_and_a_summary(tmp_path):
    out = asyncflow(
        "run", EXAMPLES / "greetings.flow", "--set", "names=Ada,Bob", "--set", "greeting=Hi"
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["Hi, Ada!", "Hi, Bob!"]
    assert "4 tasks in" in out.stderr and "4 done" in out.stderr


def test_run_json_is_machine_readable(tmp_path):
    out = asyncflow("run", EXAMPLES / "quoting.flow", "--json", "--set", "message=$(id); rm -rf x")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["result"] == "$(ID); RM -RF X"
    assert data["summary"]["counts"] == {"DONE": 2} and data["summary"]["ok"] is True
    assert data["tasks"]["say"] == {"state": "DONE", "result": "$(id); rm -rf x", "error": None}


def test_a_failed_task_exits_1_and_names_the_root_cause(tmp_path):
    flow = write(
        tmp_path,
        'shell boom = "echo partial; echo disk full >&2; exit 3"\n'
        'shell after = "echo {input}"\nrun boom | after\n',
    )
    out = asyncflow("run", flow)
    assert out.returncode == 1
    assert "1 failed, 1 skipped" in out.stderr
    assert "failed: boom" in out.stderr and "exited with status 3 (stderr: disk full)" in out.stderr
    assert out.stdout == ""


def test_bad_input_exits_2_with_file_line_and_column(tmp_path):
    flow = write(tmp_path, 'shell a = "echo hi"\nrun a | ab\n')
    out = asyncflow("check", flow)
    assert out.returncode == 2
    assert f"{flow}:2:9: error: unknown task 'ab'" in out.stderr
    assert "Traceback" not in out.stderr


def test_usage_errors_exit_2():
    assert asyncflow("run").returncode == 2
    assert asyncflow("frobnicate", "x.flow").returncode == 2
    out = asyncflow("run", "/no/such/file.flow")
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_check_and_plan_run_nothing(tmp_path):
    marker = tmp_path / "ran"
    flow = write(tmp_path, f'shell touch = "touch {marker}"\nrun touch\n')
    checked = asyncflow("check", flow)
    assert checked.returncode == 0 and "ok (1 task)" in checked.stdout
    planned = asyncflow("plan", flow)
    assert planned.returncode == 0
    assert "execution plan: 1 tasks in 1 stages" in planned.stdout
    assert "touch [executable]" in planned.stdout
    assert not marker.exists()


def test_python_dash_m_and_the_console_script_agree():
    out = asyncflow("--version")
    assert out.returncode == 0 and out.stdout.startswith("asyncflow ")


def test_progress_lines_when_not_a_terminal(tmp_path):
    flow = write(tmp_path, 'param v = "x"\nshell nap = "sleep 1.2; echo {input}"\nrun $v | nap\n')
    env = dict(os.environ)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from asyncflow import cli; from asyncflow import progress;"
            "p = progress.Progress; "
            "progress.Progress = lambda s, tty: p(s, tty=tty, interval=0.3);"
            "sys.exit(cli.main(['run', sys.argv[1]]))",
            str(flow),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("[")]
    assert lines and "running 1" in lines[0]


def test_ctrl_c_stops_cleanly_with_exit_130(tmp_path):
    flow = write(
        tmp_path, 'param n = [1, 2, 3]\nshell nap = "sleep 30; echo {input}"\nrun $n | each(nap)\n'
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "asyncflow", "run", str(flow)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "cancelled" in err
    assert "Traceback" not in err


def test_resume_reruns_only_what_failed(tmp_path):
    flow = write(
        tmp_path,
        'param v = "hello"\n'
        'shell up = "echo {input} | tr a-z A-Z; echo ran >> counter"\n'
        'shell flaky = "test -e ok && echo {input}"\n'
        "run $v | up | flaky\n",
    )
    first = asyncflow("run", flow, "--resume", cwd=tmp_path)
    assert first.returncode == 1
    (tmp_path / "ok").touch()
    planned = asyncflow("plan", flow, "--resume", cwd=tmp_path)
    assert "from the cache: 1 tasks; would run: flaky" in planned.stdout
    second = asyncflow("run", flow, "--resume", cwd=tmp_path)
    assert second.returncode == 0 and second.stdout.strip() == "HELLO"
    assert (tmp_path / "counter").read_text() == "ran\n"  # up ran once in all


def test_fail_fast_cancels_the_other_branches(tmp_path):
    flow = write(
        tmp_path,
        'param v = "x"\n'
        'shell bad = "exit 4"\nshell slow = "sleep 60; echo {input}"\n'
        "run $v | [bad, slow]\n",
    )
    start = time.monotonic()
    out = asyncflow("run", flow, "--fail-fast")
    assert out.returncode == 1
    assert time.monotonic() - start < 45
    assert "1 failed" in out.stderr and "1 cancelled" in out.stderr

"""The ``asyncflow`` command: run, check, plan and plot .flow files.

Exit codes: 0 success, 1 a task failed, 2 bad input or usage, 130 interrupted (Ctrl-C).
Errors go to stderr; results (and ``--json``) to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from asyncflow.errors import AsyncflowError, DependencyFailureError

EXIT_OK, EXIT_TASK_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"asyncflow: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="asyncflow", description="Run workflows written as .flow files.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def flow_command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("file", help="the .flow file")
        sub.add_argument(
            "--set",
            dest="params",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="override a parameter (repeatable)",
        )
        return sub

    run = flow_command("run", "run a .flow file and print its result")
    run.add_argument("--backend", help="backend to run on (overrides the file's choice)")
    run.add_argument("--json", action="store_true", help="print machine-readable results")
    run.add_argument("--plot", metavar="PATH", help="draw the finished run (PNG, SVG or PDF)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    run.add_argument(
        "--fail-fast",
        action="store_true",
        help="cancel everything after the first failure (default: keep going)",
    )
    _cache_options(run)
    flow_command("check", "validate a .flow file; run nothing")
    plan = flow_command("plan", "print the execution plan (a dry run); run nothing")
    plan.add_argument("-o", "--output", metavar="PATH", help="also draw the plan")
    plan.add_argument("--backend", help="backend the plan is for")
    _cache_options(plan)
    plot = flow_command("plot", "draw a .flow file's graph")
    plot.add_argument("-o", "--output", metavar="PATH", required=True, help="PNG, SVG or PDF")
    return parser


def _cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resume",
        action="store_true",
        help="reuse results of tasks whose code and inputs did not change since an earlier "
        "run (kept in .asyncflow-cache/ next to the file); plan --resume shows what would run",
    )
    parser.add_argument("--cache", metavar="DIR", help="the result cache folder (implies --resume)")


def _cache_dir(program: Any, args: argparse.Namespace) -> str | None:
    if args.cache:
        return str(args.cache)
    if not args.resume:
        return None
    from pathlib import Path

    path = Path(args.file)
    return str(path.parent / ".asyncflow-cache" / path.stem)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C before a run started (e.g. while loading)
        print("asyncflow: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        params = _parse_sets(args.params)
        program = _load(args.file, params, getattr(args, "backend", None))
        if args.command == "check":
            _dry_run(program)  # also catches what only shows when the plan is wired
            nodes = program.graph.number_of_nodes()
            print(f"{args.file}: ok ({nodes} task{'' if nodes == 1 else 's'})")
            return EXIT_OK
        if args.command == "plot":
            from asyncflow.export import plot

            plot(program.graph, args.output)
            print(f"wrote {args.output}")
            return EXIT_OK
        if args.command == "plan":
            return _plan(program, args)
        return _run(program, args)
    except AsyncflowError as exc:
        text = _safe_str(exc)
        where = "" if text.startswith(str(args.file)) else f"{args.file}: "
        print(f"asyncflow: {where}{text}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, ValueError) as exc:  # e.g. an output path that cannot be written
        print(f"asyncflow: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _load(path: str, params: dict[str, str], backend: str | None) -> Any:
    from asyncflow.dsl import load_flow

    return load_flow(path, params, backend=backend)


def _parse_sets(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise AsyncflowError(f"--set takes NAME=VALUE, got {item!r}")
        params[name.strip()] = value
    return params


def _dry_run(program: Any) -> None:
    from asyncflow.api import WorkflowEngine

    with WorkflowEngine(backend=program.backend or "threads", dry_run=True) as flow:
        flow.submit(program.pipeline, *program.inputs).wait(timeout=600)


def _plan(program: Any, args: argparse.Namespace) -> int:
    from asyncflow.api import WorkflowEngine

    print(program.pipeline.plan().describe())
    cache = _cache_dir(program, args)
    with WorkflowEngine(backend=program.backend or "threads", dry_run=True, cache=cache) as flow:
        run = flow.submit(program.pipeline, *program.inputs)
        run.result(timeout=600)
        print(f"dry run: {run.summary()}")
        if cache is not None:
            graph = flow.graph
            reused = sorted(d["name"] for _, d in graph.nodes(data=True) if d.get("cached"))
            again = sorted(
                {
                    d["name"]
                    for _, d in graph.nodes(data=True)
                    if not d.get("cached") and d["kind"] != "map"
                }
            )
            print(
                f"from the cache: {len(reused)} tasks; would run: {', '.join(again) or 'nothing'}"
            )
        if args.output:
            from asyncflow.export import plot

            plot(program.graph, args.output)
            print(f"wrote {args.output}")
    return EXIT_OK


def _run(program: Any, args: argparse.Namespace) -> int:
    from asyncflow.api import WorkflowEngine
    from asyncflow.progress import Progress

    progress = None
    if not args.quiet and not args.json:
        progress = Progress(sys.stderr, tty=sys.stderr.isatty())
    flow = WorkflowEngine(
        backend=program.backend or "threads",
        fail_fast=args.fail_fast,
        cache=_cache_dir(program, args),
    )
    run = None
    failed: BaseException | None = None
    interrupted = False
    try:
        if progress is not None:
            flow.add_listener(progress.on_event)
            progress.start()
        run = flow.submit(program.pipeline, *program.inputs)
        try:
            result = run.result()
        finally:
            run.wait()  # keep going: independent branches finish (fail-fast cancels them)
    except KeyboardInterrupt:
        interrupted = True
        if run is not None:
            run.cancel("interrupted (Ctrl-C)")
    except AsyncflowError as exc:
        if run is None:
            raise
        failed = exc
    except Exception as exc:  # a task raised its own exception type
        if run is None:
            raise
        failed = exc
    finally:
        if progress is not None:
            progress.stop()
        try:
            flow.close()
        except KeyboardInterrupt:
            interrupted = True
    summary = run.summary() if run is not None else None
    if args.plot and run is not None:
        from asyncflow.export import plot

        plot(flow.graph, args.plot)
    if args.json:
        print(_dumps(_payload(run, result if failed is None and not interrupted else None)))
    elif failed is None and not interrupted:
        print(result if isinstance(result, str) else _pretty(result))
    if summary is not None:
        print(str(summary), file=sys.stderr)
    if interrupted:
        print("asyncflow: interrupted; unfinished tasks were cancelled", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        # a Python task still running on a thread cannot be stopped; do not wait for it
        os._exit(EXIT_INTERRUPTED)
    if failed is not None:
        root = failed.root_cause if isinstance(failed, DependencyFailureError) else failed
        print(f"asyncflow: the run failed: {type(root).__name__}: {root}", file=sys.stderr)
        return EXIT_TASK_FAILED
    return EXIT_OK


def _payload(run: Any, result: Any) -> dict[str, Any]:
    tasks = {}
    for task_id, fut in run.futures.items() if run is not None else []:
        error = fut._exception
        tasks[task_id] = {
            "state": fut.state,
            "result": _jsonable(fut._result) if fut.state == "DONE" else None,
            "error": _safe_str(error) if error is not None else None,
        }
    summary = run.summary().to_dict() if run is not None else None
    return {"result": _jsonable(result), "summary": summary, "tasks": tasks}


def _dumps(payload: Any) -> str:
    return json.dumps(payload, indent=2, allow_nan=False)


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        return f"<{type(value).__name__} that cannot be printed>"


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__} that cannot be printed>"


def _jsonable(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data; anything else (and past 50 levels) as its repr."""
    if depth > 50:
        return _safe_repr(value)
    if isinstance(value, str | bool | int | type(None)):
        return value
    if isinstance(value, float):
        finite = value == value and value not in (float("inf"), float("-inf"))
        return value if finite else repr(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    return _safe_repr(value)


def _pretty(value: Any) -> str:
    try:
        return json.dumps(value, indent=2, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return _safe_repr(value)


def _version() -> str:
    from asyncflow import __version__

    return f"asyncflow {__version__}"


if __name__ == "__main__":
    raise SystemExit(main())

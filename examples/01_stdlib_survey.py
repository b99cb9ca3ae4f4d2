"""Survey of the Python standard library: a real fan-out / fan-in workflow.

The data is the source of the standard library installed on this machine (written by the
CPython developers, not by us). For every top-level module or package the workflow runs,
concurrently:

- a Python function task that parses each file with ``ast`` and counts lines, functions,
  classes and docstrings;
- a shell task that counts TODO/FIXME/XXX markers with ``grep | wc``;

then one task fans the results back in and writes a report (Markdown and JSON) of the
largest packages, the best and worst documented ones, and the totals.

Run it::

    python examples/01_stdlib_survey.py                 # thread backend
    python examples/01_stdlib_survey.py --limit 20      # a quick look
    python examples/01_stdlib_survey.py --dry-run       # plan only, runs nothing
"""

from __future__ import annotations

import argparse
import ast
import json
import shlex
import sys
import sysconfig
import threading
import time
from pathlib import Path

from asyncflow import WorkflowEngine


# CPython 3.11 can fail with "AST constructor recursion depth mismatch" when ast.parse runs
# in several threads at once (a CPython bug fixed in later releases): parse one at a time.
_AST_LOCK = threading.Lock()


def stdlib_groups(limit: int | None = None) -> dict[str, list[str]]:
    """Top-level stdlib module/package name -> its .py files (tests and site-packages out)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    groups: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        top = rel.parts[0]
        if top in ("site-packages", "dist-packages", "test", "idlelib") or "tests" in rel.parts:
            continue
        groups.setdefault(top.removesuffix(".py"), []).append(str(path))
    names = sorted(groups)[:limit] if limit else sorted(groups)
    return {name: groups[name] for name in names}


def analyse(name: str, files: list[str]) -> dict:
    """Parse every file of one package; count lines, defs, classes, documented defs."""
    stats = {
        "name": name,
        "files": len(files),
        "lines": 0,
        "functions": 0,
        "classes": 0,
        "documented": 0,
        "unparsable": 0,
    }
    for file in files:
        source = Path(file).read_text(encoding="utf-8", errors="replace")
        stats["lines"] += source.count("\n")
        try:
            with _AST_LOCK:
                tree = ast.parse(source)
        except SyntaxError:  # a few stdlib files are templates or py2 on purpose
            stats["unparsable"] += 1
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                key = "classes" if isinstance(node, ast.ClassDef) else "functions"
                stats[key] += 1
                stats["documented"] += ast.get_docstring(node) is not None
    return stats


def markers_command(files: list[str]) -> str:
    """Shell command counting TODO/FIXME/XXX markers in ``files``."""
    return f"cat {shlex.join(files)} | grep -o -E 'TODO|FIXME|XXX' | wc -l"


def report(results: list[tuple[dict, str]], out_dir: str) -> dict:
    """Fan-in: merge per-package numbers, rank them, write report.md and report.json."""
    rows = []
    for stats, markers in results:
        defs = stats["functions"] + stats["classes"]
        rows.append(
            {
                **stats,
                "markers": int(markers.strip() or 0),
                "doc_ratio": round(stats["documented"] / defs, 3) if defs else None,
            }
        )
    totals = {
        key: sum(r[key] for r in rows)
        for key in ("files", "lines", "functions", "classes", "documented", "markers")
    }
    largest = sorted(rows, key=lambda r: r["lines"], reverse=True)[:10]
    documented = [r for r in rows if r["doc_ratio"] is not None and r["functions"] >= 20]
    best = sorted(documented, key=lambda r: (-r["doc_ratio"], r["name"]))[:5]
    worst = sorted(documented, key=lambda r: (r["doc_ratio"], r["name"]))[:5]
    summary = {
        "packages": len(rows),
        "totals": totals,
        "largest": largest,
        "best_documented": best,
        "least_documented": worst,
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(summary, indent=2))
    lines = [
        f"# Python {sys.version.split()[0]} standard library survey",
        "",
        f"{len(rows)} packages, {totals['files']} files, {totals['lines']:,} lines, "
        f"{totals['functions']:,} functions, {totals['classes']:,} classes, "
        f"{totals['markers']} TODO/FIXME/XXX markers.",
        "",
        "| largest | files | lines | functions | classes | markers |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['name']} | {r['files']} | {r['lines']:,} | {r['functions']} | "
        f"{r['classes']} | {r['markers']} |"
        for r in largest
    ]
    lines += [
        "",
        "Best documented (share of functions and classes with a docstring): "
        + ", ".join(f"{r['name']} {r['doc_ratio']:.0%}" for r in best),
        "Least documented: " + ", ".join(f"{r['name']} {r['doc_ratio']:.0%}" for r in worst),
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return summary


def build(flow: WorkflowEngine, groups: dict[str, list[str]], out_dir: str):
    """Wire the workflow: per package, one function task and one shell task; one fan-in."""
    analyse_task = flow.function_task(analyse)
    markers_task = flow.executable_task(markers_command)
    report_task = flow.function_task(report)
    pairs = [(analyse_task(name, files), markers_task(files)) for name, files in groups.items()]
    return report_task(pairs, out_dir)


# -- the same workflow as an operator pipeline ----------------------------------------------
def list_groups(limit: int | None) -> list[tuple[str, list[str]]]:
    """Pipeline source: (package, files) pairs."""
    return list(stdlib_groups(limit).items())


def analyse_item(item: tuple[str, list[str]]) -> dict:
    return analyse(*item)


def report_pair(pair: tuple[list[dict], list[str]], out_dir: str) -> dict:
    stats, markers = pair
    return report(list(zip(stats, markers, strict=True)), out_dir)


def survey_pipeline(out_dir: str):
    """list packages | (analyse each & count markers in each) | report."""
    from asyncflow import shell, task

    markers = shell("cat {input[1]} | grep -o -E 'TODO|FIXME|XXX' | wc -l", name="markers")
    return (
        task(list_groups)
        | (task(analyse_item, name="analyse").map() & markers.map())
        | task(report_pair, name="report").bind(out_dir=out_dir)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N packages")
    parser.add_argument("--backend", default="threads", help="threads, dask, radical, noop")
    parser.add_argument("--dry-run", action="store_true", help="run nothing, show the graph")
    parser.add_argument("--out", default="stdlib-survey", help="report folder")
    parser.add_argument(
        "--form",
        choices=["futures", "pipeline"],
        default="futures",
        help="write the workflow with futures (default) or operators",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with WorkflowEngine(backend=args.backend, dry_run=args.dry_run) as flow:
        if args.form == "pipeline":
            flow.run(survey_pipeline(args.out), args.limit)
        else:
            build(flow, stdlib_groups(args.limit), args.out).result()
        counts = flow.graph.summary()
    elapsed = time.perf_counter() - start
    print(f"{flow.graph.number_of_nodes()} tasks {counts} in {elapsed:.2f} s")
    if args.dry_run:
        return 0
    print(Path(args.out, "report.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

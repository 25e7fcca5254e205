"""Cold-start import cost of each Lambda handler, as a ratio to `import boto3` (figures only).

Lambda's init phase is dominated by importing the handler module, and that cost is only real in
a fresh interpreter: inside pytest or a warm process everything is already in `sys.modules`. So
every sample here is its own interpreter, set up as Lambda sets one up: the function's directory
and the layer's directory first on `sys.path` (/var/task and /opt/python on Lambda), the
function's environment from template.yaml (resolved by devstack's reader, so this never drifts
from the devstack), the runtime's reserved variables, fake credentials and .pyc caches warm.

Absolute seconds depend on the machine; `import boto3` (which every handler pays anyway, as the
runtime ships it) does not change with our code, so each handler sample is paired with a boto3
sample in the same environment, taken next to it in time, in alternating order, and the median
of the per-pair ratios is the figure to watch. Goal: <= 1.25x `import boto3`.

    PYTHONPATH=layers/jira_sync:. .venv/bin/python bench/cold_start.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.intrinsics import StackContext
from devstack.template import FunctionSpec, load

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
GOAL_RATIO = 1.25
SUBSEGMENTS_VARIABLE = "JIRA_SYNC_TRACE_SUBSEGMENTS"
# What a handler may drag in; each one is import time a reader may not expect.
WATCHED_MODULES = ("requests", "markdown_it", "aws_xray_sdk", "wrapt", "asyncio", "pydantic")
# Reference points (import only what a user of each library would); skipped when not installed.
REFERENCES = (("jira (pycontribs)", "jira", None), ("atlassian Jira", "atlassian", "Jira"))
_MARKER = "__COLD_START__"

# Runs in the fresh interpreter. json/time/importlib are loaded first because Lambda's runtime
# bootstrap has them loaded before it imports the handler; only the import itself is timed.
_CHILD = f"""
import importlib, json, sys, time
paths, module, attr, watched = json.loads(sys.argv[1])
if sys.path and sys.path[0] == "":
    del sys.path[0]
sys.path[:0] = paths
before = len(sys.modules)
result = {{}}
try:
    started = time.perf_counter()
    loaded = importlib.import_module(module)
    seconds = time.perf_counter() - started
    if attr:
        getattr(loaded, attr)
    result = {{
        "seconds": seconds,
        "new_modules": len(sys.modules) - before,
        "watched": [name for name in watched if name in sys.modules],
    }}
except BaseException as error:
    missing = getattr(error, "name", None)
    result = {{"error": f"{{type(error).__name__}}: {{error}}", "missing": missing}}
print("\\n{_MARKER}" + json.dumps(result), flush=True)
"""


@dataclass(frozen=True)
class Target:
    """One thing to import in a fresh interpreter, with the environment it is imported in."""

    label: str
    module: str
    attr: str | None
    paths: tuple[str, ...]
    env: Mapping[str, str]
    cwd: str
    reference: bool = False


@dataclass
class Sample:
    seconds: float | None = None
    new_modules: int = 0
    watched: list[str] = field(default_factory=list)
    error: str | None = None
    missing: str | None = None


@dataclass
class Row:
    """The paired samples of one target in one configuration."""

    label: str
    configuration: str
    target_s: list[float] = field(default_factory=list)
    boto3_s: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    new_modules: list[int] = field(default_factory=list)
    watched: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        def spread(values: Sequence[float]) -> dict[str, float] | None:
            if not values:
                return None
            return {"min": min(values), "median": statistics.median(values), "max": max(values)}

        ratio = statistics.median(self.ratios) if self.ratios else None
        return {
            "label": self.label,
            "configuration": self.configuration,
            "pairs": len(self.ratios),
            "import_s": spread(self.target_s),
            "boto3_s": spread(self.boto3_s),
            "ratio_median": ratio,
            "goal_ratio": GOAL_RATIO,
            "goal_met": None if ratio is None else ratio <= GOAL_RATIO,
            "new_modules_median": statistics.median(self.new_modules) if self.new_modules else None,
            "watched_modules": {name: self.watched.get(name, 0) for name in WATCHED_MODULES},
            "errors": sorted(set(self.errors)),
            "import_samples_s": list(self.target_s),
            "boto3_samples_s": list(self.boto3_s),
        }


def lambda_environment(function_name: str, memory_mb: int, region: str) -> dict[str, str]:
    """The runtime's reserved variables, plus fake credentials and a dead endpoint.

    Built from scratch, not from os.environ, so neither a developer's AWS profile nor PYTHON*
    variables (PYTHONDONTWRITEBYTECODE would make every import compile) leak into a sample.
    LAMBDA_TASK_ROOT stays unset: with it the X-Ray SDK writes /tmp/.aws-xray/initialized.
    """
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2025/01/01/[$LATEST]00000000000000000000000000000000",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "bench-fake-session-token",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        # Nothing may reach AWS: any call made at import fails fast on a closed local port.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    }


def handler_targets(
    specs: Sequence[FunctionSpec], region: str, overrides: Mapping[str, str]
) -> tuple[list[Target], list[str]]:
    """A target per functions/<name>/app.py, in the template's environment plus `overrides`."""
    by_dir = {spec.code_dir.resolve(): spec for spec in specs}
    targets, notes = [], []
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        spec = by_dir.get(app.parent.resolve())
        if spec is None:
            notes.append(f"{app.parent.name}: no function in template.yaml has it as CodeUri")
            continue
        layers = spec.layer_dirs or (ROOT / "layers" / "jira_sync",)
        env = lambda_environment(spec.name, spec.memory_mb, region)
        env.update(spec.environment)
        env.update(overrides)
        env["_HANDLER"] = spec.handler
        targets.append(
            Target(
                label=app.parent.name,
                module=spec.handler.rsplit(".", 1)[0],
                attr=spec.handler.rsplit(".", 1)[1],
                paths=(str(spec.code_dir), *(str(path) for path in layers)),
                env=env,
                cwd=str(spec.code_dir),
            )
        )
    return targets, notes


def boto3_twin(target: Target) -> Target:
    """`import boto3` in exactly the target's interpreter setup, so the pair differs only there."""
    return Target("boto3", "boto3", None, target.paths, target.env, target.cwd)


def sample(target: Target) -> Sample:
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            json.dumps([list(target.paths), target.module, target.attr, WATCHED_MODULES]),
        ],
        cwd=target.cwd,
        env=dict(target.env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(_MARKER)]
    if not lines:
        tail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return Sample(error=f"interpreter exited {completed.returncode}: {tail}")
    return Sample(**json.loads(lines[-1].removeprefix(_MARKER)))


def measure(targets: Sequence[Target], configuration: str, runs: int) -> list[Row]:
    """`runs` pairs per target; targets interleave so drift spreads over all of them."""
    rows = {target.label: Row(target.label, configuration) for target in targets}
    live = []
    for target in targets:  # warm-up: writes the .pyc caches and fills the page cache
        warm = sample(target)
        sample(boto3_twin(target))
        if target.reference and warm.missing == target.module:
            del rows[target.label]  # reference library not installed: skip silently
            continue
        live.append(target)
    for run in range(runs):
        for index, target in enumerate(live):
            row = rows[target.label]
            if (run + index) % 2 == 0:
                own = sample(target)
                base = sample(boto3_twin(target))
            else:
                base = sample(boto3_twin(target))
                own = sample(target)
            for result in (own, base):
                if result.error:
                    row.errors.append(result.error)
            if own.seconds is None or base.seconds is None:
                continue
            row.target_s.append(own.seconds)
            row.boto3_s.append(base.seconds)
            row.ratios.append(own.seconds / base.seconds)
            row.new_modules.append(own.new_modules)
            for name in own.watched:
                row.watched[name] = row.watched.get(name, 0) + 1
        print(f"  {configuration}: run {run + 1}/{runs}", file=sys.stderr, flush=True)
    return list(rows.values())


def reference_targets(region: str) -> list[Target]:
    env = lambda_environment("reference", 512, region)
    return [
        Target(label, module, attr, (), env, str(ROOT), reference=True)
        for label, module, attr in REFERENCES
    ]


def _spread(values: Sequence[float]) -> str:
    if not values:
        return f"{'-':>23}"
    return f"{min(values):.3f} {statistics.median(values):.3f} {max(values):.3f}".rjust(23)


def print_table(title: str, rows: Sequence[Row]) -> None:
    print(f"\n{title}")
    print(
        f"{'':<22}{'import s (min med max)':>23}  {'boto3 s (min med max)':>23}"
        f"  {'ratio':>6}  goal <= {GOAL_RATIO}x"
    )
    for row in rows:
        if not row.ratios:
            print(f"{row.label:<22}  failed: {'; '.join(sorted(set(row.errors))) or 'no samples'}")
            continue
        ratio = statistics.median(row.ratios)
        verdict = "met" if ratio <= GOAL_RATIO else f"over by {ratio / GOAL_RATIO - 1:.0%}"
        print(
            f"{row.label:<22}{_spread(row.target_s)}  {_spread(row.boto3_s)}"
            f"  {ratio:>5.2f}x  {verdict}"
        )
        if row.errors:
            print(f"{'':<22}  ({len(row.errors)} failed samples: {sorted(set(row.errors))[0]})")


def print_modules(rows: Sequence[Row]) -> None:
    print("\nIn sys.modules after the import (default configuration; + = loaded by the import)")
    print(f"{'':<22}{'+modules':>9}  " + "  ".join(WATCHED_MODULES))
    for row in rows:
        if not row.ratios:
            continue
        cells = []
        for name in WATCHED_MODULES:
            count = row.watched.get(name, 0)
            mark = "yes" if count == len(row.ratios) else "no" if count == 0 else "some"
            cells.append(mark.ljust(len(name)))
        line = f"{row.label:<22}{statistics.median(row.new_modules):>9.0f}  " + "  ".join(cells)
        print(line.rstrip())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="pairs per handler (at least 10)")
    parser.add_argument(
        "--quick", action="store_true", help="2 runs: proves the bench works; figures meaningless"
    )
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="only functions/NAME (repeatable)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 2
    elif args.runs < 10:
        parser.error("--runs must be at least 10 (use --quick for a smoke test)")

    context = StackContext(stack_name="jira-sync")
    stack, _ = load(TEMPLATE, context=context)
    specs = list(stack.functions.values())
    configurations: tuple[tuple[str, str, dict[str, str]], ...] = (
        ("default", "template environment as written", {}),
        ("subsegments on", f"{SUBSEGMENTS_VARIABLE}=true", {SUBSEGMENTS_VARIABLE: "true"}),
    )
    print(
        f"Cold-start import of each handler, a fresh {sys.executable.rsplit('/', 1)[-1]} "
        f"{sys.version.split()[0]} per sample, {args.runs} pairs with `import boto3` each;"
        " ratio = median of per-pair ratios"
    )
    results: list[dict[str, Any]] = []
    default_rows: list[Row] = []
    for name, description, overrides in configurations:
        handlers, notes = handler_targets(specs, context.region, overrides)
        if args.only:
            handlers = [target for target in handlers if target.label in args.only]
        for note in notes:
            print(f"  note: {note}")
        references = reference_targets(context.region) if name == "default" else []
        rows = measure([*handlers, *references], name, args.runs)
        if name == "default":
            default_rows = rows[: len(handlers)]
        print_table(f"Configuration: {name} ({description})", rows)
        results.extend(row.summary() for row in rows)
    print_modules(default_rows)
    if args.json:
        print(json.dumps({"goal_ratio": GOAL_RATIO, "runs": args.runs, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

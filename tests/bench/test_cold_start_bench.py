"""The cold-start bench runs end to end in its quick mode (its figures are printed, not judged)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUICK = ("--only", "webhooks")  # one handler keeps the test to a few seconds


def test_given_the_cold_start_bench_when_run_quickly_then_it_reports_every_configuration() -> None:
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'layers' / 'jira_sync'}{os.pathsep}{ROOT}")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "cold_start.py"), "--quick", "--json", *QUICK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Configuration: default" in result.stdout
    assert "Configuration: subsegments on" in result.stdout
    report = json.loads(result.stdout.strip().splitlines()[-1])
    rows = {(row["label"], row["configuration"]): row for row in report["results"]}
    for configuration in ("default", "subsegments on"):
        row = rows["webhooks", configuration]
        assert row["pairs"] == report["runs"], row["errors"]
        assert set(row["watched_modules"]) >= {"aws_xray_sdk", "pydantic"}

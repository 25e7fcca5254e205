"""CLI: `python -m devstack.jira_emulator --host H --port P [--webhook-retry-delays 1,5,30]
[--flavor cloud|datacenter] [--version 10.3]`.

`--flavor`/`--version` default to JIRA_EMULATOR_FLAVOR / JIRA_EMULATOR_VERSION (cloud; a
datacenter default of 10.3.0). Prints `jira emulator listening on <url>` once it accepts
connections (then, on Data Center, a line naming the flavour); SIGTERM or Ctrl-C stop it cleanly.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType

from devstack.jira_emulator import flavors
from devstack.jira_emulator.server import JiraEmulator


def _delays(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of seconds: {text!r}"
        ) from None
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError("retry delays must not be negative")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.jira_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--webhook-retry-delays",
        type=_delays,
        default=(10.0, 60.0, 300.0),
        help="seconds between webhook delivery retries, comma-separated (default 10,60,300)",
    )
    parser.add_argument(
        "--flavor",
        choices=flavors.FLAVORS,
        default=os.environ.get("JIRA_EMULATOR_FLAVOR") or "cloud",
        help="which Jira to emulate (default: $JIRA_EMULATOR_FLAVOR or cloud)",
    )
    parser.add_argument(
        "--version",
        default=os.environ.get("JIRA_EMULATOR_VERSION") or None,
        help="Data Center version, e.g. 9.12 or 10.3 (default: $JIRA_EMULATOR_VERSION or "
        f"{flavors.DEFAULT_DC_VERSION})",
    )
    args = parser.parse_args(argv)
    try:
        flavor = flavors.make(args.flavor, args.version)
    except ValueError as exc:
        parser.error(str(exc))
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emulator = JiraEmulator(
        args.host, args.port, webhook_retry_delays=args.webhook_retry_delays, flavor=flavor
    )
    try:
        emulator.start()
    except OSError as exc:
        print(
            f"jira emulator cannot listen on {args.host}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    print(f"jira emulator listening on {emulator.base_url}", flush=True)
    if flavor.datacenter:  # Cloud, the default, keeps its one-line output
        print(f"flavour: {flavor.describe()}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

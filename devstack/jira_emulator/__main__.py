"""CLI: `python -m devstack.jira_emulator --host H --port P [--webhook-retry-delays 1,5,30]`.

Prints one line, `jira emulator listening on <url>`, once it accepts connections; SIGTERM or
Ctrl-C stop it cleanly.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

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
    args = parser.parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emulator = JiraEmulator(args.host, args.port, webhook_retry_delays=args.webhook_retry_delays)
    try:
        emulator.start()
    except OSError as exc:
        print(
            f"jira emulator cannot listen on {args.host}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    print(f"jira emulator listening on {emulator.base_url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A local Jira Cloud emulator: a real HTTP server as strict as Jira Cloud where it matters.

Start it in-process with `JiraEmulator(port=0).start()` or as a process with
`python -m devstack.jira_emulator --host 127.0.0.1 --port 8080`.
"""

from devstack.jira_emulator.seed import CLOUD_ID
from devstack.jira_emulator.server import JiraEmulator

__all__ = ["CLOUD_ID", "JiraEmulator"]

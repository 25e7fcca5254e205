"""A local Jira emulator: a real HTTP server as strict as Jira where it matters; Jira Cloud by
default, Jira Data Center with `flavor=flavors.make("datacenter", "10.3")`.

Start it in-process with `JiraEmulator(port=0).start()` or as a process with
`python -m devstack.jira_emulator --host 127.0.0.1 --port 8080 [--flavor datacenter]`.
"""

from devstack.jira_emulator.flavors import Flavor
from devstack.jira_emulator.seed import CLOUD_ID
from devstack.jira_emulator.server import JiraEmulator

__all__ = ["CLOUD_ID", "Flavor", "JiraEmulator"]

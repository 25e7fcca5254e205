"""The local stack: Jira emulator, AWS emulators, API Gateway adapter, Lambda workers."""

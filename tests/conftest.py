"""Shared pytest wiring: the emulator and devstack fixtures live in tests/fixtures/."""

pytest_plugins = ["tests.fixtures.emulator", "tests.fixtures.devstack"]

"""Helpers shared by tests: small real servers that play the other side of an HTTP exchange."""

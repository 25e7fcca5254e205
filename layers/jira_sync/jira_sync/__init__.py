"""Shared code of jira-sync's Lambda functions."""

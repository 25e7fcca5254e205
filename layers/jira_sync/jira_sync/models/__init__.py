"""Pydantic models: what the API takes and returns, what the table stores, what Jira sends."""

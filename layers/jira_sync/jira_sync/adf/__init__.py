"""Atlassian Document Format for Jira descriptions and comments, always in a shape Jira accepts."""

from jira_sync.adf.markdown import markdown_to_adf
from jira_sync.adf.plain import plain_text_to_adf

__all__ = ["markdown_to_adf", "plain_text_to_adf"]

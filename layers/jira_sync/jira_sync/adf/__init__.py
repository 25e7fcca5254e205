"""Atlassian Document Format for Jira descriptions and comments, always in a shape Jira accepts.

Import ``adf.markdown`` or ``adf.plain`` directly: the package itself imports nothing, so a
path that needs only plain text never loads the Markdown parser.
"""

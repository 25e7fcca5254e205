"""Jira wiki markup for Jira Data Center and Server (REST v2), written from the same reading of
the Markdown as the ADF writer (`adf.tree.read_markdown`), so the two never disagree about what a
finding's text means.

Import ``wiki.markdown``, ``wiki.plain`` or ``wiki.limit`` directly: as with ``adf``, the package
itself imports nothing, so a path that needs only plain text never loads the Markdown parser.
``wiki.escape`` says which characters are escaped and why.
"""

"""The parts of the service's OpenAPI document, one module per area of the API.

Each area module holds its routes (``OPERATIONS``) and the error codes only it raises
(``ERROR_CODES``); ``jira_sync.api_spec`` assembles them. No handler imports this package.
"""

"""Use cases: one module per thing the service does; handlers call exactly one of them."""

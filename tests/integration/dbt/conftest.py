from warehouse_world import small_world  # noqa: F401  (the session fixture, shared with tests/integration/kpi)

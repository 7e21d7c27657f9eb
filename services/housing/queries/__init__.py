"""Housing's queries, one module per concept."""

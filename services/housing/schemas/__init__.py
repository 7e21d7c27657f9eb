"""Housing's schemas, one module per concept."""

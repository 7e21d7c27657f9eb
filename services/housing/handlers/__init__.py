"""Housing's handlers, one module per concept."""

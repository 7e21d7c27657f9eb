"""Casework's schemas, one module per concept."""

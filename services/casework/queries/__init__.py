"""Casework's queries, one module per concept."""

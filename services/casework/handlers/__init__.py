"""Casework's handlers, one module per concept."""

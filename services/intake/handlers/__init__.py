"""Intake's use cases, one module per concept: stage state and events; never commit."""

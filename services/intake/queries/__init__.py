"""Intake's read side, one module per concept, always scoped to what the caller may see."""

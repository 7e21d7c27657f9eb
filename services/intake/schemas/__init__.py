"""Intake's request and response models, one module per concept."""

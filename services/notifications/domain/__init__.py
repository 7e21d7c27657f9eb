"""Notifications' pure rules: reminder plans, quiet hours, SMS texts and segments; no I/O."""

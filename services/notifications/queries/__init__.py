"""Notifications' read side, one module per concept, scoped to the caller's organisation."""

"""Notifications' event handlers, one module per source of events."""

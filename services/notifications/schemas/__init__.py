"""Notifications' request and response models, one module per concept: never a phone number
in clear, never a message text."""

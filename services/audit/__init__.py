"""Audit: an append-only copy of every service's events, their chains verified, and what a
file was on any date, for auditors."""

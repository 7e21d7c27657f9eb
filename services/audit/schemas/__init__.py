"""Audit's answers to auditors, and the filters they send."""

"""Audit's use cases: storing what the services published and verifying their chains."""

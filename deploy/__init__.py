"""Deployment: local launchers for Kafka and PostgreSQL, container files."""

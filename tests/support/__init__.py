"""Test support: pytest fixtures that bring up real Kafka and PostgreSQL servers."""

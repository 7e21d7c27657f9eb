"""Alembic environment of notifications's database."""

from services.notifications.models import metadata
from shared.migrations import run_env

run_env(metadata)

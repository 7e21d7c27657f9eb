"""Alembic environment of the console's database."""

from services.console.models import metadata
from shared.migrations import run_env

run_env(metadata)

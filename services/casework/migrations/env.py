"""Alembic environment of casework's database."""

from services.casework.models import metadata
from shared.migrations import run_env

run_env(metadata)

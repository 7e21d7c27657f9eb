"""Alembic environment of housing's database."""

from services.housing.models import metadata
from shared.migrations import run_env

run_env(metadata)

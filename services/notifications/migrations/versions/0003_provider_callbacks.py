"""provider callbacks: inbound SMS and delivery receipts already handled, to ignore replays

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 14:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """One row per callback handled, keyed so that a replay collides with it."""
    op.create_table(
        "provider_callbacks",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("received_at", shared.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "provider_id", "status"),
    )


def downgrade() -> None:
    """Forget the callbacks handled."""
    op.drop_table("provider_callbacks")

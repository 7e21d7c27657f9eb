"""housing notices: what a bed offer's or a renewal's SMS says, and until when it matters

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 20:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """One row per housing SMS, under its message's key."""
    op.create_table(
        "housing_notices",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ends_at", shared.db.UtcDateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_housing_notices_subject_id", "housing_notices", ["subject_id"])
    op.create_index("ix_housing_notices_person_id", "housing_notices", ["person_id"])


def downgrade() -> None:
    """Drop the housing notices."""
    op.drop_index("ix_housing_notices_person_id", table_name="housing_notices")
    op.drop_index("ix_housing_notices_subject_id", table_name="housing_notices")
    op.drop_table("housing_notices")

"""person versions: updates keep their history

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 18:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A person's state before each change."""
    op.create_table(
        "person_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("chosen_name_enc", sa.String(), nullable=False),
        sa.Column("profile_enc", sa.String(), nullable=True),
        sa.Column("preferred_language", sa.String(length=35), nullable=True),
        sa.Column("sms_consent", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("replaced_by", sa.String(length=128), nullable=False),
        sa.Column("replaced_at", shared.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_versions_person_id", "person_versions", ["person_id"], unique=False)


def downgrade() -> None:
    """Drop the history of persons."""
    op.drop_index("ix_person_versions_person_id", table_name="person_versions")
    op.drop_table("person_versions")

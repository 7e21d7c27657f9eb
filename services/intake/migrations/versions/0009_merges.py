"""merges of duplicate records, and the record a person was merged into

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 20:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Merges and splits; a merged record points to the survivor."""
    op.create_table(
        "merges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("survivor_id", sa.String(length=36), nullable=False),
        sa.Column("merged_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("merged_by", sa.String(length=128), nullable=False),
        sa.Column("merged_at", shared.db.UtcDateTime(), nullable=False),
        sa.Column("split_reason", sa.String(length=500), nullable=True),
        sa.Column("split_by", sa.String(length=128), nullable=True),
        sa.Column("split_at", shared.db.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_merges_survivor_id", "merges", ["survivor_id"], unique=False)
    op.create_index("ix_merges_merged_id", "merges", ["merged_id"], unique=False)
    with op.batch_alter_table("persons") as batch_op:
        batch_op.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_persons_merged_into", ["merged_into"], unique=False)


def downgrade() -> None:
    """Drop merges."""
    with op.batch_alter_table("persons") as batch_op:
        batch_op.drop_index("ix_persons_merged_into")
        batch_op.drop_column("merged_into")
    op.drop_index("ix_merges_merged_id", table_name="merges")
    op.drop_index("ix_merges_survivor_id", table_name="merges")
    op.drop_table("merges")

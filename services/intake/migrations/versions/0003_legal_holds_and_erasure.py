"""legal holds, and the time a person was erased

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 17:50:00

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
    """Legal holds block erasure; an erased person keeps only their id and dates."""
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("placed_by", sa.String(length=128), nullable=False),
        sa.Column("placed_at", shared.db.UtcDateTime(), nullable=False),
        sa.Column("lifted_by", sa.String(length=128), nullable=True),
        sa.Column("lifted_at", shared.db.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_legal_holds_person_id", "legal_holds", ["person_id"], unique=False)
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", shared.db.UtcDateTime(), nullable=True))


def downgrade() -> None:
    """Drop legal holds and the erasure time."""
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    op.drop_index("ix_legal_holds_person_id", table_name="legal_holds")
    op.drop_table("legal_holds")

"""blind index of persons: keyed hashes of name keys, phone and birth-year band

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 14:00:00

The rows need the index key, which the migration does not have: intake indexes the persons
without rows when it starts (and `python -m services.intake reindex` does it on demand).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The person_index table; its primary key (kind, digest, person_id) serves the lookups."""
    op.create_table(
        "person_index",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("kind", "digest", "person_id"),
    )
    op.create_index("ix_person_index_person_id", "person_index", ["person_id"], unique=False)


def downgrade() -> None:
    """Drop the blind index."""
    op.drop_index("ix_person_index_person_id", table_name="person_index")
    op.drop_table("person_index")

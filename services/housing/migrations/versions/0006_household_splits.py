"""a coordinator's split of a household over several rooms: the decision, its offers

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:10:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    """The splits a coordinator chose (the reason sealed), and each offer's split, if any."""
    op.create_table(
        "household_splits",
        sa.Column("id", String(length=36), nullable=False),
        sa.Column("placement_id", String(length=36), nullable=False),
        sa.Column("site_id", String(length=36), nullable=False),
        sa.Column("reason_enc", String(), nullable=False),
        sa.Column("split_by", String(length=128), nullable=False),
        sa.Column("split_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["placement_id"], ["placement_requests.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("household_splits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_household_splits_placement_id"), ["placement_id"], unique=False
        )
    # a plain column (no foreign key): SQLite adds it without rebuilding `offers`
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("split_id", String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_offers_split_id"), ["split_id"], unique=False)


def downgrade() -> None:
    """Drop the offers' split and the splits."""
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_split_id"))
        batch_op.drop_column("split_id")
    with op.batch_alter_table("household_splits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_splits_placement_id"))
    op.drop_table("household_splits")

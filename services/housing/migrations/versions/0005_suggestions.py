"""suggestions of the next household for the beds an expired offer freed

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 20:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    """One suggestion per expired offer: the household suggested, or why nobody is."""
    op.create_table(
        "suggestions",
        sa.Column("id", String(length=36), nullable=False),
        sa.Column("offer_id", String(length=36), nullable=False),
        sa.Column("expired_placement_id", String(length=36), nullable=False),
        sa.Column("placement_id", String(length=36), nullable=True),
        sa.Column("site_id", String(length=36), nullable=False),
        sa.Column("room_id", String(length=36), nullable=False),
        sa.Column("bed_ids", sa.JSON(), nullable=False),
        sa.Column("first_night", sa.Date(), nullable=False),
        sa.Column("nights", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("reason", String(length=16), nullable=True),
        sa.Column("suggested_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"]),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("offer_id"),
    )
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        for column in ("first_night", "placement_id", "room_id"):
            batch_op.create_index(batch_op.f(f"ix_suggestions_{column}"), [column], unique=False)


def downgrade() -> None:
    """Drop the suggestions."""
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        for column in ("room_id", "placement_id", "first_night"):
            batch_op.drop_index(batch_op.f(f"ix_suggestions_{column}"))
    op.drop_table("suggestions")

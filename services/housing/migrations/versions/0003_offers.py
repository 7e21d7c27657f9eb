"""offers and stays

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 19:55:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Offers (and holds) of beds, and the stays they become."""
    op.create_table(
        "offers",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("placement_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("site_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("room_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("bed_ids", sa.JSON(), nullable=False),
        sa.Column("first_night", sa.Date(), nullable=False),
        sa.Column("nights", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("expires_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("offered_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("offered_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('offered', 'taken', 'expired', 'declined', 'withdrawn')",
            name="ck_offers_status",
        ),
        sa.CheckConstraint("kind IN ('offer', 'hold')", name="ck_offers_kind"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_placement_id"), ["placement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_room_id"), ["room_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_status"), ["status"], unique=False)

    op.create_table(
        "stays",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("offer_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("placement_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("room_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("bed_ids", sa.JSON(), nullable=False),
        sa.Column("first_night", sa.Date(), nullable=False),
        sa.Column("last_night", sa.Date(), nullable=False),
        sa.Column("checked_in_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("checked_in_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("checked_out_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("checked_out_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("check_out_reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"]),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("offer_id"),
    )
    with op.batch_alter_table("stays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stays_placement_id"), ["placement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stays_room_id"), ["room_id"], unique=False)


def downgrade() -> None:
    """Drop stays and offers."""
    with op.batch_alter_table("stays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stays_room_id"))
        batch_op.drop_index(batch_op.f("ix_stays_placement_id"))
    op.drop_table("stays")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_status"))
        batch_op.drop_index(batch_op.f("ix_offers_room_id"))
        batch_op.drop_index(batch_op.f("ix_offers_placement_id"))
        batch_op.drop_index(batch_op.f("ix_offers_expires_at"))
    op.drop_table("offers")

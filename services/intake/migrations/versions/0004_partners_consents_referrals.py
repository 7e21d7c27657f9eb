"""partners, consents and referrals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 18:00:00

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
    """Partner organisations, consents per purpose and partner, referrals."""
    op.create_table(
        "partners",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("registered_at", shared.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("given_by", sa.String(length=128), nullable=False),
        sa.Column("given_at", shared.db.UtcDateTime(), nullable=False),
        sa.Column("withdrawn_by", sa.String(length=128), nullable=True),
        sa.Column("withdrawn_at", shared.db.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consents_person_id", "consents", ["person_id"], unique=False)
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_at", shared.db.UtcDateTime(), nullable=False),
        sa.Column("override_reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_referrals_person_id", "referrals", ["person_id"], unique=False)
    op.create_index("ix_referrals_partner_id", "referrals", ["partner_id"], unique=False)


def downgrade() -> None:
    """Drop referrals, consents and partners."""
    op.drop_index("ix_referrals_partner_id", table_name="referrals")
    op.drop_index("ix_referrals_person_id", table_name="referrals")
    op.drop_table("referrals")
    op.drop_index("ix_consents_person_id", table_name="consents")
    op.drop_table("consents")
    op.drop_table("partners")

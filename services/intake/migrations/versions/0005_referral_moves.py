"""a referral's latest status reason and change time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 18:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Why a referral was declined, and when it last moved."""
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("updated_at", shared.db.UtcDateTime(), nullable=True))


def downgrade() -> None:
    """Drop the referral's status reason and change time."""
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("status_reason")

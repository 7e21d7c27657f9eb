"""referral answers from casework and housing: inbox, parked events, the partner's case

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 19:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Intake starts consuming: its inbox and parked events; a referral notes the case."""
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_table(
        "parked_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("consumer", sa.String(length=128), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("aggregate", sa.String(length=128), nullable=True),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("event_type", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=True),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dlq_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consumer", "topic", "partition", "offset", name="uq_parked_origin"),
    )
    op.create_index("ix_parked_events_aggregate", "parked_events", ["aggregate"], unique=False)
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.add_column(sa.Column("partner_case_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    """Intake stops consuming."""
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.drop_column("partner_case_id")
    op.drop_index("ix_parked_events_aggregate", table_name="parked_events")
    op.drop_table("parked_events")
    op.drop_table("inbox")

"""incoming referrals in the partner's inbox, and each partner's automatic acceptance

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = shared.db.UtcDateTime


def upgrade() -> None:
    """A partner answers the referrals it receives, unless it opted in for their service."""
    op.create_table(
        "incoming_referrals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", _AT(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("answered_by", sa.String(length=128), nullable=True),
        sa.Column("answered_at", _AT(), nullable=True),
        sa.Column("reason_enc", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("person_id", "organisation_id", "status"):
        op.create_index(f"ix_incoming_referrals_{column}", "incoming_referrals", [column])
    op.create_table(
        "referral_settings",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("auto_accept", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", _AT(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id"),
    )
    _backfill()


def _backfill() -> None:
    # referrals accepted on arrival before this revision: their inbox entries say so
    cases = sa.table(
        "cases",
        sa.column("id"),
        sa.column("person_id"),
        sa.column("organisation_id"),
        sa.column("service"),
        sa.column("referral_id"),
        sa.column("opened_at"),
    )
    inbox = sa.table(
        "incoming_referrals",
        *(sa.column(name) for name in ("id", "person_id", "organisation_id", "service")),
        *(sa.column(name) for name in ("status", "requested_at", "automatic", "case_id")),
        *(sa.column(name) for name in ("answered_by", "answered_at")),
    )
    accepted = sa.select(
        cases.c.referral_id,
        cases.c.person_id,
        cases.c.organisation_id,
        cases.c.service,
        sa.literal("accepted"),
        cases.c.opened_at,
        sa.true(),
        cases.c.id,
        sa.literal("service:casework"),
        cases.c.opened_at,
    ).where(cases.c.referral_id.is_not(None))
    op.execute(inbox.insert().from_select(list(inbox.c.keys()), accepted))


def downgrade() -> None:
    """Back to referrals accepted on arrival."""
    op.drop_table("referral_settings")
    for column in ("person_id", "organisation_id", "status"):
        op.drop_index(f"ix_incoming_referrals_{column}", table_name="incoming_referrals")
    op.drop_table("incoming_referrals")

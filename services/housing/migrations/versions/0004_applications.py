"""social housing applications, their renewal reminders and proposals

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 20:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    """Applications, the reminders announced of their renewals, and the proposals received."""
    op.create_table(
        "housing_applications",
        sa.Column("id", String(length=36), nullable=False),
        sa.Column("person_id", String(length=36), nullable=False),
        sa.Column("organisation_id", String(length=64), nullable=False),
        sa.Column("number_enc", String(), nullable=False),
        sa.Column("number_digest", String(length=64), nullable=False),
        sa.Column("departement", String(length=3), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("renewal_due", sa.Date(), nullable=False),
        sa.Column("renewals", sa.Integer(), nullable=False),
        sa.Column("last_renewed_on", sa.Date(), nullable=True),
        sa.Column("status", String(length=8), nullable=False),
        sa.Column("dalo_case_id", String(length=36), nullable=True),
        sa.Column("filed_by", String(length=128), nullable=False),
        sa.Column("filed_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'lapsed', 'closed')", name="ck_housing_applications_status"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number_digest"),
    )
    with op.batch_alter_table("housing_applications", schema=None) as batch_op:
        for column in ("organisation_id", "person_id", "renewal_due", "status"):
            batch_op.create_index(
                batch_op.f(f"ix_housing_applications_{column}"), [column], unique=False
            )

    op.create_table(
        "renewal_reminders",
        sa.Column("application_id", String(length=36), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("kind", String(length=16), nullable=False),
        sa.Column("announced_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["housing_applications.id"]),
        sa.PrimaryKeyConstraint("application_id", "due", "kind"),
    )

    op.create_table(
        "housing_proposals",
        sa.Column("id", String(length=36), nullable=False),
        sa.Column("application_id", String(length=36), nullable=False),
        sa.Column("dwelling_enc", String(), nullable=False),
        sa.Column("commission_on", sa.Date(), nullable=False),
        sa.Column("outcome", String(length=8), nullable=False),
        sa.Column("reason_enc", String(), nullable=True),
        sa.Column("received_by", String(length=128), nullable=False),
        sa.Column("received_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("answered_by", String(length=128), nullable=True),
        sa.Column("answered_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('pending', 'accepted', 'refused')", name="ck_housing_proposals_outcome"
        ),
        sa.ForeignKeyConstraint(["application_id"], ["housing_applications.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("housing_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_housing_proposals_application_id"), ["application_id"], unique=False
        )


def downgrade() -> None:
    """Drop proposals, reminders and applications."""
    with op.batch_alter_table("housing_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_housing_proposals_application_id"))
    op.drop_table("housing_proposals")
    op.drop_table("renewal_reminders")
    with op.batch_alter_table("housing_applications", schema=None) as batch_op:
        for column in ("status", "renewal_due", "person_id", "organisation_id"):
            batch_op.drop_index(batch_op.f(f"ix_housing_applications_{column}"))
    op.drop_table("housing_applications")

"""needs assessments and households

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 19:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Needs assessed at intake; households and who belongs to them."""
    op.create_table(
        "needs_assessments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("nights_without_shelter", sa.Integer(), nullable=True),
        sa.Column("notes_enc", sa.String(), nullable=True),
        sa.Column("assessed_by", sa.String(length=128), nullable=False),
        sa.Column("assessed_at", shared.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_needs_assessments_person_id", "needs_assessments", ["person_id"], unique=False
    )
    op.create_table(
        "households",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("reference_person_id", sa.String(length=36), nullable=False),
        sa.Column("composition_enc", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", shared.db.UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference_person_id"),
    )
    op.create_index(
        "ix_households_organisation_id", "households", ["organisation_id"], unique=False
    )
    op.create_table(
        "household_members",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index(
        "ix_household_members_household_id", "household_members", ["household_id"], unique=False
    )


def downgrade() -> None:
    """Drop households and needs assessments."""
    op.drop_index("ix_household_members_household_id", table_name="household_members")
    op.drop_table("household_members")
    op.drop_index("ix_households_organisation_id", table_name="households")
    op.drop_table("households")
    op.drop_index("ix_needs_assessments_person_id", table_name="needs_assessments")
    op.drop_table("needs_assessments")

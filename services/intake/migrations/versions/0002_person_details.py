"""person details: encrypted profile, phone index, SMS consent, time zone

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 17:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Optional details of a registration; the preferred language becomes optional."""
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile_enc", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("phone_index", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("sms_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "timezone", sa.String(length=64), nullable=False, server_default="Europe/Paris"
            )
        )
        batch_op.alter_column("preferred_language", existing_type=sa.String(length=35), nullable=True)
        batch_op.create_index("ix_persons_phone_index", ["phone_index"], unique=False)


def downgrade() -> None:
    """Back to name and language only."""
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_phone_index")
        batch_op.alter_column("preferred_language", existing_type=sa.String(length=35), nullable=False)
        batch_op.drop_column("timezone")
        batch_op.drop_column("sms_consent")
        batch_op.drop_column("phone_index")
        batch_op.drop_column("profile_enc")

"""sign-in attempts, and sessions that end with their access token

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 19:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from shared.db import UtcDateTime

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The OpenID Connect sign-ins under way; each session's token expiry and ID token."""
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("browser", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("code_verifier", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_attempts_started_at", "sign_in_attempts", ["started_at"])
    op.add_column("browser_sessions", sa.Column("expires_at", UtcDateTime(), nullable=True))
    op.add_column(
        "browser_sessions",
        sa.Column("id_token", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("browser_sessions") as table:
        table.drop_column("id_token")
        table.drop_column("expires_at")
    op.drop_index("ix_sign_in_attempts_started_at", table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")

"""procedures, sharing, deadlines, appointments, tasks, notes, documents, known persons

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = shared.db.UtcDateTime


def upgrade() -> None:
    """Everything a case file holds besides its first line."""
    with op.batch_alter_table("cases") as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=32), type_=sa.String(length=64)
        )
        batch_op.alter_column("opened_at", existing_type=sa.DateTime(timezone=True), type_=_AT())
        batch_op.add_column(sa.Column("case_type", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("assignee", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("updated_at", _AT(), nullable=True))
        batch_op.create_index("ix_cases_case_type", ["case_type"], unique=False)
        batch_op.create_index("ix_cases_status", ["status"], unique=False)
        batch_op.create_index("ix_cases_assignee", ["assignee"], unique=False)
    op.create_table(
        "known_persons",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("erased_at", _AT(), nullable=True),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index(
        "ix_known_persons_organisation_id", "known_persons", ["organisation_id"], unique=False
    )
    op.create_table(
        "known_consents",
        sa.Column("consent_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_at", _AT(), nullable=True),
        sa.PrimaryKeyConstraint("consent_id"),
    )
    op.create_index("ix_known_consents_person_id", "known_consents", ["person_id"])
    op.create_index("ix_known_consents_partner_id", "known_consents", ["partner_id"])
    op.create_table(
        "case_shares",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("offered_by", sa.String(length=128), nullable=False),
        sa.Column("offered_at", _AT(), nullable=False),
        sa.Column("answered_by", sa.String(length=128), nullable=True),
        sa.Column("answered_at", _AT(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_shares_case_id", "case_shares", ["case_id"])
    op.create_index("ix_case_shares_organisation_id", "case_shares", ["organisation_id"])
    op.create_table(
        "deadlines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("legal_reference", sa.String(length=200), nullable=False),
        sa.Column("anchor", sa.Date(), nullable=False),
        sa.Column("clock", sa.JSON(), nullable=False),
        sa.Column("computed_due", sa.Date(), nullable=True),
        sa.Column("notified_due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("set_at", _AT(), nullable=False),
        sa.Column("closed_at", _AT(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deadlines_case_id", "deadlines", ["case_id"])
    op.create_index("ix_deadlines_computed_due", "deadlines", ["computed_due"])
    op.create_index("ix_deadlines_status", "deadlines", ["status"])
    op.create_table(
        "deadline_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deadline_id", sa.String(length=36), nullable=False),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("old_due", sa.Date(), nullable=True),
        sa.Column("new_due", sa.Date(), nullable=True),
        sa.Column("old_rule_version", sa.Integer(), nullable=False),
        sa.Column("new_rule_version", sa.Integer(), nullable=False),
        sa.Column("recomputed_at", _AT(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deadline_revisions_deadline_id", "deadline_revisions", ["deadline_id"])
    op.create_table(
        "deadline_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deadline_id", sa.String(length=36), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("noticed_at", _AT(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deadline_id", "horizon_days", "due"),
    )
    op.create_index("ix_deadline_alerts_deadline_id", "deadline_alerts", ["deadline_id"])
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("starts_at", _AT(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("place_enc", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", _AT(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_appointments_case_id", "appointments", ["case_id"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("title_enc", sa.String(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("assignee", sa.String(length=128), nullable=True),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", _AT(), nullable=False),
        sa.Column("completed_at", _AT(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tasks_case_id", "tasks", ["case_id"])
    op.create_index("ix_tasks_due_on", "tasks", ["due_on"])
    op.create_table(
        "notes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("text_enc", sa.String(), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", _AT(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notes_case_id", "notes", ["case_id"])
    op.create_table(
        "documents",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", _AT(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "item"),
    )


def downgrade() -> None:
    """Back to cases alone."""
    for table in (
        "documents",
        "notes",
        "tasks",
        "appointments",
        "deadline_alerts",
        "deadline_revisions",
        "deadlines",
        "case_shares",
        "known_consents",
        "known_persons",
    ):
        op.drop_table(table)
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_assignee")
        batch_op.drop_index("ix_cases_status")
        batch_op.drop_index("ix_cases_case_type")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("assignee")
        batch_op.drop_column("case_type")
        batch_op.alter_column("status", existing_type=sa.String(length=64), type_=sa.String(32))

"""reminders: contact details, sms consents, appointments, messages, opt-outs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:30:00

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
    """What the scheduler needs to remind persons of their appointments."""
    with op.batch_alter_table("contacts") as batch_op:
        batch_op.alter_column(
            "registered_at", existing_type=sa.DateTime(timezone=True), type_=_AT()
        )
        batch_op.add_column(sa.Column("phone_enc", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("phone_index", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("sms_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "timezone", sa.String(length=64), nullable=False, server_default="Europe/Paris"
            )
        )
        batch_op.create_index("ix_contacts_phone_index", ["phone_index"], unique=False)
    with op.batch_alter_table("contacts") as batch_op:
        batch_op.alter_column("sms_consent", server_default=None)
        batch_op.alter_column("timezone", server_default=None)
    op.create_table(
        "sms_consents",
        sa.Column("consent_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("consent_id"),
    )
    op.create_index("ix_sms_consents_person_id", "sms_consents", ["person_id"])
    op.create_table(
        "appointments",
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("starts_at", _AT(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("place_enc", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("appointment_id"),
    )
    op.create_index("ix_appointments_person_id", "appointments", ["person_id"])
    op.create_index("ix_appointments_organisation_id", "appointments", ["organisation_id"])
    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("appointment_id", sa.String(length=36), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("organisation_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", _AT(), nullable=False),
        sa.Column("deferred", sa.Boolean(), nullable=False),
        sa.Column("to_enc", sa.String(), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _AT(), nullable=True),
        sa.Column("lease_until", _AT(), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("requested_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", _AT(), nullable=False),
        sa.Column("sent_at", _AT(), nullable=True),
        sa.Column("delivered_at", _AT(), nullable=True),
        sa.Column("updated_at", _AT(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_messages_appointment_id", "messages", ["appointment_id"])
    op.create_index("ix_messages_person_id", "messages", ["person_id"])
    op.create_index("ix_messages_status", "messages", ["status"])
    op.create_index("ix_messages_due_at", "messages", ["due_at"])
    op.create_index("ix_messages_provider_id", "messages", ["provider_id"])
    op.create_table(
        "opt_outs",
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("keyword", sa.String(length=32), nullable=False),
        sa.Column("opted_out_at", _AT(), nullable=False),
        sa.PrimaryKeyConstraint("phone_index"),
    )


def downgrade() -> None:
    """Back to the contact projection alone."""
    for table in ("opt_outs", "messages", "appointments", "sms_consents"):
        op.drop_table(table)
    with op.batch_alter_table("contacts") as batch_op:
        batch_op.drop_index("ix_contacts_phone_index")
        for column in ("timezone", "sms_consent", "phone_index", "phone_enc"):
            batch_op.drop_column(column)

"""placement requests, their overrides, and what intake told of persons

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 20:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import shared.db


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('placement_requests',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('organisation_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('referral_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('nights_without_shelter', sa.Integer(), nullable=False),
    sa.Column('accessible', sa.Boolean(), nullable=False),
    sa.Column('cot', sa.Boolean(), nullable=False),
    sa.Column('women_only', sa.Boolean(), nullable=False),
    sa.Column('household_known', sa.Boolean(), nullable=False),
    sa.Column('missing', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('requested_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('waiting', 'offered', 'placed', 'closed')", name='ck_placement_requests_status'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referral_id')
    )
    with op.batch_alter_table('placement_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_requests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_requests_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_requests_status'), ['status'], unique=False)

    op.create_table('placement_overrides',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('placement_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('above', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('reason_enc', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('made_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('made_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['placement_id'], ['placement_requests.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('placement_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_overrides_placement_id'), ['placement_id'], unique=False)

    op.create_table('intake_facts',
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('household_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('household_version', sa.Integer(), nullable=False),
    sa.Column('composition', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('nights_without_shelter', sa.Integer(), nullable=True),
    sa.Column('updated_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('person_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('intake_facts')
    with op.batch_alter_table('placement_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_overrides_placement_id'))

    op.drop_table('placement_overrides')
    with op.batch_alter_table('placement_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_requests_status'))
        batch_op.drop_index(batch_op.f('ix_placement_requests_person_id'))
        batch_op.drop_index(batch_op.f('ix_placement_requests_organisation_id'))

    op.drop_table('placement_requests')

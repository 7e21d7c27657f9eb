"""refs keyed by kind and id first (their only index), no index on the acting organisation

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 01:40:00.000000

Every index is written on each stored event: the acting organisation is searched through
the refs (kind `organisation`), and the refs are only ever read by kind and id, so their
primary key becomes that index and the second one goes.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_actororg')
    _refs_keyed_by('audit_refs_by_kind', ('kind', 'ref', 'event_pk'))
    with op.batch_alter_table('audit_refs', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_refs_kind_ref')
    _swap('audit_refs_by_kind')


def downgrade() -> None:
    """Downgrade schema."""
    _refs_keyed_by('audit_refs_by_event', ('event_pk', 'kind', 'ref'))
    _swap('audit_refs_by_event')
    with op.batch_alter_table('audit_refs', schema=None) as batch_op:
        batch_op.create_index('ix_audit_refs_kind_ref', ['kind', 'ref', 'event_pk'], unique=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_actororg', ['actororg'], unique=False)


def _refs_keyed_by(name: str, key: tuple[str, ...]) -> None:
    """A copy of the refs under `name`, its primary key `key`, in the column order of `key`."""
    columns = {
        'kind': sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        'ref': sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        'event_pk': sa.Column('event_pk', sa.BigInteger(), autoincrement=False, nullable=False),
    }
    op.create_table(name, *(columns[c] for c in key), sa.PrimaryKeyConstraint(*key))
    listed = ', '.join(key)
    op.execute(f'INSERT INTO {name} ({listed}) SELECT {listed} FROM audit_refs')


def _swap(name: str) -> None:
    op.drop_table('audit_refs')
    op.rename_table(name, 'audit_refs')
    if op.get_bind().dialect.name == 'postgresql':  # the key's name follows the table's
        op.execute(f'ALTER TABLE audit_refs RENAME CONSTRAINT {name}_pkey TO audit_refs_pkey')

"""interviews waiting to be processed: a partial index per round

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.create_index('ix_interview_waiting', ['round_id', 'id'], unique=False,
                              sqlite_where=sa.text("status = 'received'"),
                              postgresql_where=sa.text("status = 'received'"))


def downgrade():
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index('ix_interview_waiting', sqlite_where=sa.text("status = 'received'"),
                            postgresql_where=sa.text("status = 'received'"))

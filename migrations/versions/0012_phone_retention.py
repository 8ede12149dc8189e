"""phone numbers can be erased after the retention period (frame_unit: phone_hash, phone_enc nullable, erased_at;
the draw's covering index includes erased_at)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('frame_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('phone_hash', existing_type=sa.LargeBinary(length=32), nullable=True)
        batch_op.alter_column('phone_enc', existing_type=sa.LargeBinary(length=64), nullable=True)
        # The draw reads units that are not erased: the covering index covers that condition too.
        batch_op.drop_index('ix_frame_unit_frame_id_id_cell')
        batch_op.create_index('ix_frame_unit_frame_id_id_cell_erased_at', ['frame_id', 'id', 'cell', 'erased_at'],
                              unique=False)


def downgrade():
    erased = op.get_bind().execute(sa.text("SELECT count(*) FROM frame_unit WHERE phone_enc IS NULL")).scalar()
    if erased:
        raise RuntimeError(f"{erased} phone numbers were erased after their retention period: the schema before "
                           "0012 cannot hold an erased number, and an erased number cannot be brought back")
    with op.batch_alter_table('frame_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_frame_unit_frame_id_id_cell_erased_at')
        batch_op.create_index('ix_frame_unit_frame_id_id_cell', ['frame_id', 'id', 'cell'], unique=False)
        batch_op.alter_column('phone_enc', existing_type=sa.LargeBinary(length=64), nullable=False)
        batch_op.alter_column('phone_hash', existing_type=sa.LargeBinary(length=32), nullable=False)
        batch_op.drop_column('erased_at')

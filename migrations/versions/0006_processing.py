"""processing

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_complaint_indicator_id_indicator')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_complaint_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_complaint_question_id_question')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_complaint_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('interview_id', 'question_id', name=op.f('uq_complaint_interview_id_question_id'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_round_id'), ['round_id'], unique=False)

    op.create_table('qc_signal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['caller_id'], ['user_account.id'], name=op.f('fk_qc_signal_caller_id_user_account')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_qc_signal_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_qc_signal_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qc_signal')),
    sa.UniqueConstraint('interview_id', 'kind', name=op.f('uq_qc_signal_interview_id_kind'))
    )
    with op.batch_alter_table('qc_signal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qc_signal_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index('ix_qc_signal_round_id_caller_id', ['round_id', 'caller_id'], unique=False)

    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scores', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('satisfied', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_column('satisfied')
        batch_op.drop_column('scores')

    with op.batch_alter_table('qc_signal', schema=None) as batch_op:
        batch_op.drop_index('ix_qc_signal_round_id_caller_id')
        batch_op.drop_index(batch_op.f('ix_qc_signal_interview_id'))

    op.drop_table('qc_signal')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_round_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_interview_id'))

    op.drop_table('complaint')

"""fieldwork

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('call_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('aapor_code', sa.String(length=5), nullable=False),
    sa.Column('appointment_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['caller_id'], ['user_account.id'], name=op.f('fk_call_attempt_caller_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['survey_case.id'], name=op.f('fk_call_attempt_case_id_survey_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_call_attempt_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_attempt'))
    )
    with op.batch_alter_table('call_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_call_attempt_caller_id_started_at', ['caller_id', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_attempt_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_attempt_round_id'), ['round_id'], unique=False)

    op.create_table('interview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('final_code', sa.String(length=5), nullable=False),
    sa.Column('answered_share', sa.Double(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_seconds', sa.Double(), nullable=True),
    sa.Column('paradata', sa.JSON(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.CheckConstraint("status IN ('received', 'processed', 'quarantined')", name=op.f('ck_interview_status_known')),
    sa.ForeignKeyConstraint(['caller_id'], ['user_account.id'], name=op.f('fk_interview_caller_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['survey_case.id'], name=op.f('fk_interview_case_id_survey_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_interview_questionnaire_id_questionnaire')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_interview_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview')),
    sa.UniqueConstraint('case_id', name=op.f('uq_interview_case_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_interview_idempotency_key'))
    )
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_caller_id'), ['caller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interview_round_id'), ['round_id'], unique=False)

    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=True),
    sa.Column('option_ids', sa.JSON(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('number', sa.Double(), nullable=True),
    sa.Column('seconds', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_answer_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['option_id'], ['question_option.id'], name=op.f('fk_answer_option_id_question_option')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_answer_question_id_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer')),
    sa.UniqueConstraint('interview_id', 'question_id', name=op.f('uq_answer_interview_id_question_id'))
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_interview_id'), ['interview_id'], unique=False)

    with op.batch_alter_table('survey_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_call_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('appointment_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('contacted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('eligible', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('refusals', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('final_code', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('final_group', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_survey_case_claim', ['round_id', 'released', 'final_code', 'next_call_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_case_claimed_by_id'), ['claimed_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_survey_case_claimed_by_id_user_account'), 'user_account', ['claimed_by_id'], ['id'])

    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('call_rules', sa.JSON(), server_default='{}', nullable=False))



def downgrade():
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.drop_column('call_rules')

    with op.batch_alter_table('survey_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_survey_case_claimed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_survey_case_claimed_by_id'))
        batch_op.drop_index('ix_survey_case_claim')
        batch_op.drop_column('finalised_at')
        batch_op.drop_column('final_group')
        batch_op.drop_column('final_code')
        batch_op.drop_column('last_outcome')
        batch_op.drop_column('refusals')
        batch_op.drop_column('eligible')
        batch_op.drop_column('contacted')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by_id')
        batch_op.drop_column('appointment_at')
        batch_op.drop_column('next_call_at')
        batch_op.drop_column('attempts')

    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_interview_id'))

    op.drop_table('answer')
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_round_id'))
        batch_op.drop_index(batch_op.f('ix_interview_caller_id'))

    op.drop_table('interview')
    with op.batch_alter_table('call_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_attempt_round_id'))
        batch_op.drop_index(batch_op.f('ix_call_attempt_case_id'))
        batch_op.drop_index('ix_call_attempt_caller_id_started_at')

    op.drop_table('call_attempt')

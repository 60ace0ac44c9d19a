"""Bodies beyond the partnerships as records shared by the instance, with their contacts (the respondent role);
each recommendation as addressed to one body, with its loop (sent, answered, assessed on the NTSB-like scale);
the bodies' planned steps and progress; national roles; open data by a partnership's choice

The free-text name of a recommendation's body ("Home Office; NHS England") becomes one record per body, names that
differ only in case, spacing, punctuation or a leading "the" being one body. The recommendation's sending moves to
each body it names, and the answer recorded (one, for the recommendation) to the first of them. A loop kept for a
recommendation addressed only to agencies goes to a body named after each agency and its partnership ("Avon Police
(Avon Partnership)"), so that nothing recorded is lost and no two partnerships' agencies become one body. The old
four assessments map onto the new scale: fully met is closed, implemented; partly met is open, acceptable
response; not met is open, unacceptable response; no response is open, response awaited.

Revision ID: d19a00000001
Revises: d15c00000007
Create Date: 2026-12-02 14:00:00.000000

"""
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd19a00000001'
down_revision = 'd15c00000007'
branch_labels = None
depends_on = None

_OLD_ASSESSMENT = {"fully_met": "closed_implemented", "partly_met": "open_acceptable",
                   "not_met": "open_unacceptable", "no_response": "open_awaited"}


def _key(name):
    """A copy of tracker.bodies.services.name_key: migrations never import the application."""
    folded = re.sub(r"[^0-9a-z]+", " ", name.lower().replace("&", " and ")).strip()
    return re.sub(r"^the ", "", folded) or name.strip().lower()


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def upgrade():
    op.create_table(
        'external_body',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('name_key', sa.String(length=300), nullable=False),
        sa.Column('kind', _enum('bodykind', 'government_department', 'national_agency', 'regional_body', 'other'),
                  nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_body')),
        sa.UniqueConstraint('name_key', name=op.f('uq_external_body_name_key')),
    )
    op.create_table(
        'body_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['body_id'], ['external_body.id'], name=op.f('fk_body_contact_body_id_external_body'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_body_contact_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_body_contact')),
        sa.UniqueConstraint('body_id', 'user_id', name=op.f('uq_body_contact_body_id_user_id')),
    )
    op.create_index(op.f('ix_body_contact_user_id'), 'body_contact', ['user_id'], unique=False)
    op.create_table(
        'body_recommendation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('shared_text', sa.Text(), server_default='', nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=True),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('response_due_on', sa.Date(), nullable=True),
        sa.Column('response_received_on', sa.Date(), nullable=True),
        sa.Column('stance', _enum('responsestance', 'accepted', 'accepted_in_part', 'rejected'), nullable=True),
        sa.Column('response_text', sa.Text(), server_default='', nullable=False),
        sa.Column('responded_by_id', sa.Integer(), nullable=True),
        sa.Column('assessment', _enum('responseassessment', 'open_awaited', 'open_acceptable', 'open_unacceptable',
                                      'closed_implemented', 'closed_alternative', 'closed_not_implemented',
                                      'closed_superseded'), nullable=True),
        sa.Column('assessed_on', sa.Date(), nullable=True),
        sa.Column('assessment_reason', sa.Text(), server_default='', nullable=False),
        sa.Column('assessed_by_id', sa.Integer(), nullable=True),
        sa.Column('recheck_on', sa.Date(), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_body_recommendation_recommendation_id_recommendation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['body_id'], ['external_body.id'],
                                name=op.f('fk_body_recommendation_body_id_external_body')),
        sa.ForeignKeyConstraint(['sent_by_id'], ['user.id'], name=op.f('fk_body_recommendation_sent_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['responded_by_id'], ['user.id'],
                                name=op.f('fk_body_recommendation_responded_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['assessed_by_id'], ['user.id'],
                                name=op.f('fk_body_recommendation_assessed_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_body_recommendation')),
        sa.UniqueConstraint('recommendation_id', 'body_id', name=op.f('uq_body_recommendation_recommendation_id_body_id')),
    )
    op.create_index(op.f('ix_body_recommendation_recommendation_id'), 'body_recommendation', ['recommendation_id'],
                    unique=False)
    op.create_index('ix_body_recommendation_body_id_sent_on', 'body_recommendation', ['body_id', 'sent_on'],
                    unique=False)
    op.create_table(
        'response_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['body_recommendation.id'],
                                name=op.f('fk_response_step_item_id_body_recommendation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_response_step')),
    )
    op.create_index(op.f('ix_response_step_item_id'), 'response_step', ['item_id'], unique=False)
    op.create_table(
        'response_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('recorded_on', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['body_recommendation.id'],
                                name=op.f('fk_response_progress_item_id_body_recommendation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_response_progress_recorded_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_response_progress')),
    )
    op.create_index(op.f('ix_response_progress_item_id'), 'response_progress', ['item_id'], unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_role', _enum('nationalrole', 'observer', 'reviewer'), nullable=True))
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_data', sa.Boolean(), server_default=sa.false(), nullable=False))
    # ADD COLUMN, not batch mode: the review's and recommendation's tables carry search triggers
    op.add_column('review', sa.Column('pseudonym_in_report', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    _move_loops()
    for column in ('sent_on', 'response_due_on', 'response_received_on', 'response_text', 'assessment'):
        op.drop_column('recommendation', column)


def _move_loops():
    connection = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)  # UTC, as the application writes it
    recommendation = sa.table('recommendation', sa.column('id', sa.Integer), sa.column('scope', sa.String),
                              sa.column('external_body', sa.String), sa.column('sent_on', sa.Date),
                              sa.column('response_due_on', sa.Date), sa.column('response_received_on', sa.Date),
                              sa.column('response_text', sa.Text), sa.column('assessment', sa.String))
    link = sa.table('recommendation_agency', sa.column('recommendation_id', sa.Integer),
                    sa.column('agency_id', sa.Integer))
    agency = sa.table('agency', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('partnership_id', sa.Integer))
    partnership = sa.table('partnership', sa.column('id', sa.Integer), sa.column('name', sa.String))
    body = sa.table('external_body', sa.column('id', sa.Integer), sa.column('name', sa.String),
                    sa.column('name_key', sa.String), sa.column('kind', sa.String),
                    sa.column('created_at', sa.DateTime), sa.column('updated_at', sa.DateTime))
    addressed = sa.table('body_recommendation', *(sa.column(name) for name in (
        'recommendation_id', 'body_id', 'sent_on', 'response_due_on', 'response_received_on', 'response_text',
        'assessment', 'created_at', 'updated_at')))
    agencies = {}
    for recommendation_id, name, partnership_name in connection.execute(
            sa.select(link.c.recommendation_id, agency.c.name, partnership.c.name)
            .join(agency, agency.c.id == link.c.agency_id).join(partnership, partnership.c.id == agency.c.partnership_id)
            .order_by(agency.c.name)):
        agencies.setdefault(recommendation_id, []).append(f"{name} ({partnership_name})")
    bodies, rows = {}, []
    for row in connection.execute(sa.select(recommendation).order_by(recommendation.c.id)).mappings():
        has_loop = any(row[c] for c in ('sent_on', 'response_received_on', 'response_text', 'assessment'))
        names = [n.strip() for n in (row['external_body'] or '').split(';') if n.strip()]
        if not names and has_loop:
            names = agencies.get(row['id'], [])
        seen, kept = set(), []
        for name in names:
            key = _key(name)
            if not key or key in seen:
                continue
            seen.add(key)
            kept.append(name)
            if key not in bodies:
                kind = 'regional_body' if row['scope'] == 'regional' else 'other'
                bodies[key] = connection.execute(sa.insert(body).values(
                    name=name[:300], name_key=key[:300], kind=kind, created_at=now, updated_at=now)
                    .returning(body.c.id)).scalar_one()
            answer = len(kept) == 1  # the one answer recorded goes to the first body named
            rows.append(dict(recommendation_id=row['id'], body_id=bodies[key], sent_on=row['sent_on'],
                             response_due_on=row['response_due_on'],
                             response_received_on=row['response_received_on'] if answer else None,
                             response_text=(row['response_text'] or '') if answer else '',
                             assessment=_OLD_ASSESSMENT.get(row['assessment']) if answer else None,
                             created_at=now, updated_at=now))
        if kept:  # as the application writes it: each body once, in name order
            connection.execute(sa.update(recommendation).where(recommendation.c.id == row['id'])
                               .values(external_body='; '.join(sorted(kept, key=str.lower))[:300]))
    if rows:
        op.bulk_insert(addressed, rows)


def downgrade():
    op.add_column('recommendation', sa.Column('assessment', _enum('responseassessment', 'fully_met', 'partly_met',
                                                                  'not_met', 'no_response'), nullable=True))
    op.add_column('recommendation', sa.Column('response_text', sa.Text(), server_default='', nullable=False))
    op.add_column('recommendation', sa.Column('response_received_on', sa.Date(), nullable=True))
    op.add_column('recommendation', sa.Column('response_due_on', sa.Date(), nullable=True))
    op.add_column('recommendation', sa.Column('sent_on', sa.Date(), nullable=True))
    connection = op.get_bind()
    old = {new: old for old, new in _OLD_ASSESSMENT.items()}
    recommendation = sa.table('recommendation', sa.column('id', sa.Integer), sa.column('sent_on', sa.Date),
                              sa.column('response_due_on', sa.Date), sa.column('response_received_on', sa.Date),
                              sa.column('response_text', sa.Text), sa.column('assessment', sa.String))
    addressed = sa.table('body_recommendation', sa.column('id', sa.Integer), sa.column('recommendation_id', sa.Integer),
                         sa.column('sent_on', sa.Date), sa.column('response_due_on', sa.Date),
                         sa.column('response_received_on', sa.Date), sa.column('response_text', sa.Text),
                         sa.column('assessment', sa.String))
    # the first body's loop goes back to the recommendation, as the old schema held one
    done = set()
    for row in connection.execute(sa.select(addressed).order_by(addressed.c.id)).mappings():
        if row['recommendation_id'] in done:
            continue
        done.add(row['recommendation_id'])
        connection.execute(sa.update(recommendation).where(recommendation.c.id == row['recommendation_id']).values(
            sent_on=row['sent_on'], response_due_on=row['response_due_on'],
            response_received_on=row['response_received_on'], response_text=row['response_text'],
            assessment=old.get(row['assessment'], 'partly_met' if row['assessment'] else None)))
    op.drop_column('review', 'pseudonym_in_report')
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_column('open_data')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('national_role')
    op.drop_table('response_progress')
    op.drop_table('response_step')
    op.drop_table('body_recommendation')
    op.drop_table('body_contact')
    op.drop_table('external_body')

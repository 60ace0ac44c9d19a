"""The synthetic data the benchmarks use: deterministic, the requested size, about the requested share overdue."""
import sqlalchemy as sa

from tracker.actions.models import Action, ProgressUpdate
from tracker.actions.state import is_overdue, london_today
from tracker.extensions import db
from tracker.synth import Scale, generate


def test_synthetic_data_has_the_asked_shape(ctx):
    today = london_today()
    counts = generate(Scale(partnerships=4, reviews=10, actions=2000, updates=3000, overdue_share=0.05), today)
    assert counts == dict(partnerships=4, reviews=10, actions=2000, updates=3000)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action)) == 2000
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 3000
    overdue = db.session.scalar(sa.select(sa.func.count()).select_from(Action).where(is_overdue(today)))
    assert 0.035 < overdue / 2000 < 0.065
    due = db.session.scalar(sa.select(sa.func.count()).select_from(Action).where(Action.next_reminder_on <= today))
    assert 0 < due < 200


def test_the_same_seed_gives_the_same_data(ctx):
    today = london_today()
    generate(Scale(partnerships=2, reviews=2, actions=50, updates=0, seed=7), today, prefix="First")
    generate(Scale(partnerships=2, reviews=2, actions=50, updates=0, seed=7), today, prefix="Second")
    rows = db.session.execute(sa.select(Action.title, Action.deadline, Action.status).order_by(Action.id)).all()
    assert rows[:50] == rows[50:]

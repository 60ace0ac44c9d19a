"""The synthetic data the benchmarks use: deterministic, the requested size, about the requested share overdue."""
import sqlalchemy as sa

from tracker.actions.models import Action, ProgressUpdate
from tracker.actions.state import is_overdue, london_today
from tracker.extensions import db
from tracker.synth import Scale, generate


def test_synthetic_data_has_the_asked_shape(ctx):
    today = london_today()
    counts = generate(Scale(partnerships=4, reviews=10, actions=2000, updates=3000, overdue_share=0.05), today)
    addressed = counts.pop("recommendations_to_bodies")
    assert counts == dict(partnerships=4, reviews=10, actions=2000, updates=3000, bodies=40)
    assert 10 <= addressed <= 20  # one national recommendation per review, to one body or two
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


def test_the_largest_partnership_chairs_and_benchmarks(ctx):
    """What the page benchmark signs in as and opens: a strategic chair in each partnership, a benchmark whose
    findings some actions answer, and one partnership holding `largest` actions more than the others."""
    from tracker.benchmarks.models import Benchmark, Finding
    from tracker.enums import ActionSource, Role
    from tracker.partnerships.models import Membership

    generate(Scale(partnerships=3, reviews=6, actions=300, updates=100, largest=500, findings=4), london_today())
    held = dict(db.session.execute(sa.select(Action.partnership_id, sa.func.count()).group_by(
        Action.partnership_id).order_by(Action.partnership_id)).all())
    assert list(held.values()) == [600, 100, 100]
    chairs = db.session.scalars(sa.select(Membership.partnership_id).where(
        Membership.role == Role.STRATEGIC_MEMBER, Membership.is_chair.is_(True))).all()
    assert sorted(chairs) == sorted(held)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Benchmark)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 12
    answering = db.session.execute(sa.select(Action.partnership_id, Benchmark.partnership_id).join(
        Finding, Finding.id == Action.finding_id).join(Benchmark).where(
        Action.source == ActionSource.BENCHMARK)).all()
    assert answering and all(own == theirs for own, theirs in answering)


def test_bodies_answer_and_nothing_unpublished_is_shown_unshared(ctx):
    """What the national register's pages read: bodies with a contact each, recommendations sent, answered and
    assessed, and those of unpublished reviews sent only with a shared text."""
    from tracker.bodies.models import BodyContact, BodyRecommendation
    from tracker.reviews.models import Recommendation, Review

    generate(Scale(partnerships=3, reviews=40, actions=100, updates=0), london_today())
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(BodyContact.body_id)))) == 40
    rows = db.session.execute(sa.select(BodyRecommendation, Review.status).join(
        Recommendation, Recommendation.id == BodyRecommendation.recommendation_id).join(Review)).all()
    assert any(item.response_received_on for item, _status in rows)
    assert any(item.assessment for item, _status in rows)
    assert all(item.shared_text for item, status in rows
               if item.sent_on and status not in ("published", "approved"))

"""Deterministic synthetic data at any scale, for the benchmarks in bench/: partnerships with agencies and people,
reviews and recommendations, actions (with about the given share overdue) and their progress updates.

Rows are written with bulk inserts, so that national scale (350 partnerships, 120,000 actions) takes seconds.
"""
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tracker.accounts.services import hash_password
from tracker.actions.models import Action, ProgressUpdate
from tracker.actions.state import london_today
from tracker.enums import DEFAULT_THEMES, ActionSource, ActionStatus, Role, Scope, Sector
from tracker.extensions import db
from tracker.partnerships.models import Agency, Membership, Partnership
from tracker.reminders import schedule
from tracker.reviews.models import Recommendation, Review, Theme, recommendation_theme

AGENCY_SECTORS = [Sector.POLICE, Sector.HEALTH, Sector.CHILDRENS_SERVICES, Sector.ADULT_SOCIAL_CARE,
                  Sector.HOUSING, Sector.PROBATION, Sector.SPECIALIST_DA_SERVICE, Sector.LOCAL_AUTHORITY]
VERBS = ["Publish", "Train", "Audit", "Introduce", "Agree", "Commission", "Review and reissue", "Embed"]
OBJECTS = ["a MARAC information-sharing protocol", "front-line staff in coercive control", "routine enquiry in A&E",
           "a housing domestic abuse policy", "a perpetrator programme", "the safeguarding referral pathway"]
BATCH = 5000


@dataclass
class Scale:
    partnerships: int = 350
    reviews: int = 2000
    actions: int = 120_000
    updates: int = 600_000
    overdue_share: float = 0.05
    seed: int = 2026


def _insert(model, rows):
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start:start + BATCH])


def _ids(model, where):
    return db.session.scalars(sa.select(model.id).where(where).order_by(model.id)).all()


def generate(scale, today=None, prefix="Synthetic"):
    """Add a synthetic data set; returns counts. Running it twice adds a second set (use a fresh database)."""
    # bandit B311: repeatable test data from a seed, not a secret
    rng = random.Random(scale.seed)  # nosec B311
    today = today or london_today()
    now = datetime.now(UTC)
    password = hash_password("synthetic-data-password")

    _insert(Partnership, [dict(name=f"{prefix} partnership {n:03d}", area=f"Area {n:03d}", rag_warning_days=28,
                               stale_after_days=42, created_at=now, updated_at=now)
                          for n in range(scale.partnerships)])
    partnership_ids = _ids(Partnership, Partnership.name.like(f"{prefix} partnership %"))
    _insert(Agency, [dict(partnership_id=p, name=f"{sector.label} {i}", sector=sector, created_at=now,
                          updated_at=now)
                     for p in partnership_ids for i, sector in enumerate(AGENCY_SECTORS)])
    agencies = {}
    for agency_id, partnership_id in db.session.execute(
            sa.select(Agency.id, Agency.partnership_id).where(Agency.partnership_id.in_(partnership_ids))):
        agencies.setdefault(partnership_id, []).append(agency_id)

    from tracker.accounts.models import User

    users = []
    for p in partnership_ids:
        users.append(dict(name=f"Coordinator {p}", email=f"coordinator.{p}@{prefix.lower()}.example"))
        users += [dict(name=f"Lead {a}", email=f"lead.{a}@{prefix.lower()}.example") for a in agencies[p]]
    _insert(User, [dict(u, password_hash=password, is_active=True, is_administrator=False,
                        session_token=f"{prefix}-{n}", created_at=now, updated_at=now, upcoming_frequency="daily")
                   for n, u in enumerate(users)])
    ids_by_email = dict(db.session.execute(sa.select(User.email, User.id).where(
        User.email.like(f"%@{prefix.lower()}.example"))).all())
    memberships, lead_of = [], {}
    for p in partnership_ids:
        memberships.append(dict(user_id=ids_by_email[f"coordinator.{p}@{prefix.lower()}.example"], partnership_id=p,
                                role=Role.COORDINATOR, is_chair=False))
        for a in agencies[p]:
            lead_of[a] = ids_by_email[f"lead.{a}@{prefix.lower()}.example"]
            memberships.append(dict(user_id=lead_of[a], partnership_id=p, role=Role.AGENCY_LEAD, agency_id=a,
                                    is_chair=False))
    _insert(Membership, [dict(m, created_at=now, updated_at=now) for m in memberships])

    _insert(Review, [dict(partnership_id=rng.choice(partnership_ids), reference=f"{prefix} DHR {n:05d}",
                          review_type="dhr", pseudonyms=f"Adult {n}", independent_chair="Independent chair",
                          status=rng.choice(["in_progress", "approved", "published", "published"]),
                          decision_on=today - timedelta(days=rng.randint(60, 1500)), publication_url="",
                          created_at=now, updated_at=now) for n in range(scale.reviews)])
    reviews = db.session.execute(sa.select(Review.id, Review.partnership_id).where(
        Review.reference.like(f"{prefix} DHR %"))).all()
    _insert(Recommendation, [dict(review_id=r, number=str(k), text=f"Recommendation {k} of review {r}",
                                  scope=Scope.LOCAL, external_body="", component="", response_text="",
                                  created_at=now, updated_at=now)
                             for r, _p in reviews for k in range(1, 6)])
    _insert(Theme, [dict(partnership_id=p, name=name) for p in partnership_ids for name in DEFAULT_THEMES])
    themes = {}
    for theme_id, partnership_id in db.session.execute(sa.select(Theme.id, Theme.partnership_id).where(
            Theme.partnership_id.in_(partnership_ids))):
        themes.setdefault(partnership_id, []).append(theme_id)
    recommendations = {}
    for rec_id, partnership_id in db.session.execute(
            sa.select(Recommendation.id, Review.partnership_id).join(Review).where(
                Review.reference.like(f"{prefix} DHR %"))):
        recommendations.setdefault(partnership_id, []).append(rec_id)
    db.session.execute(sa.insert(recommendation_theme), [
        dict(recommendation_id=rec, theme_id=theme) for p, recs in recommendations.items() for rec in recs
        for theme in rng.sample(themes[p], 2)])

    policy = schedule.Policy()
    actions = []
    for n in range(scale.actions):
        p = partnership_ids[n % len(partnership_ids)]
        agency = rng.choice(agencies[p])
        roll = rng.random()
        if roll < scale.overdue_share:
            status, deadline = rng.choice([ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS,
                                           ActionStatus.BLOCKED]), today - timedelta(days=rng.randint(1, 200))
        elif roll < 0.45:
            status, deadline = ActionStatus.CLOSED, today - timedelta(days=rng.randint(1, 700))
        elif roll < 0.52:
            status, deadline = ActionStatus.COMPLETED, today + timedelta(days=rng.randint(-100, 100))
        else:
            status, deadline = rng.choice([ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS]), \
                today + timedelta(days=rng.randint(0, 500))
        rec = rng.choice(recommendations[p]) if recommendations.get(p) and rng.random() < 0.6 else None
        is_open = status in (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED)
        actions.append(dict(
            partnership_id=p, source=ActionSource.DHR if rec else ActionSource.STRATEGY, recommendation_id=rec,
            title=f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} ({n})", outcome="Safer responses",
            measure="Delivered and audited", lead_agency_id=agency, owner_id=lead_of[agency], deadline=deadline,
            original_deadline=deadline, status=status, blocked_reason="Waiting" if status is ActionStatus.BLOCKED
            else "", completed_on=deadline if status in (ActionStatus.COMPLETED, ActionStatus.CLOSED) else None,
            closed_on=deadline if status is ActionStatus.CLOSED else None,
            next_reminder_on=schedule.next_reminder_on(deadline, policy, today - timedelta(days=1))
            if is_open else None,
            last_progress_at=now - timedelta(days=rng.randint(0, 90)), milestones="", funding_source="",
            staff_time="", within_existing_resources=True, review_arrangement="Quarterly", component="",
            theme="", strategic_objective="", completion_note="", closure_reason="", sign_off_reference="",
            smart_gaps="", version=1, created_at=now - timedelta(days=rng.randint(30, 800)), updated_at=now))
    _insert(Action, actions)
    first_action = db.session.scalar(sa.select(sa.func.min(Action.id)).where(
        Action.partnership_id.in_(partnership_ids)))
    updates = [dict(action_id=first_action + rng.randrange(scale.actions), author_id=lead_of[
        rng.choice(agencies[partnership_ids[0]])], at=now - timedelta(days=rng.randint(0, 700)),
        note="Progress reported at the delivery group", status=ActionStatus.IN_PROGRESS, evidence_url="")
        for _ in range(scale.updates)]
    _insert(ProgressUpdate, updates)
    db.session.commit()
    return dict(partnerships=len(partnership_ids), reviews=len(reviews), actions=len(actions), updates=len(updates))

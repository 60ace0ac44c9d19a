"""Deterministic synthetic data at any scale, for the benchmarks in bench/: partnerships with agencies and people,
reviews and recommendations, actions (with about the given share overdue) and their progress updates.

Rows are written with bulk inserts, so that national scale (350 partnerships, 120,000 actions) takes seconds.
"""
import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tracker.accounts.services import hash_password
from tracker.actions.models import Action, ProgressUpdate
from tracker.actions.state import london_today
from tracker.benchmarks.models import Benchmark, Component, ComponentScore, Finding
from tracker.benchmarks.services import load_frameworks
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
#: the largest partnership's extra reviews: one per this many of its extra actions
ACTIONS_PER_REVIEW = 20


@dataclass
class Scale:
    partnerships: int = 350
    reviews: int = 2000
    actions: int = 120_000
    updates: int = 600_000
    overdue_share: float = 0.05
    seed: int = 2026
    #: actions held by the first partnership on top of its share, to measure the largest partnership's pages
    largest: int = 0
    #: benchmark findings per partnership; every fourth action not from a review answers one of them
    findings: int = 0


def _insert(model, rows):
    """Inserts in batches; `rows` may be a generator, so that ten times national scale need not be held whole."""
    rows = iter(rows)
    while batch := list(itertools.islice(rows, BATCH)):
        db.session.execute(sa.insert(model), batch)


def _ids(model, where):
    return db.session.scalars(sa.select(model.id).where(where).order_by(model.id)).all()


def _review(n, partnership_id, rng, prefix, today, now):
    """A review in progress, or approved or published: those were submitted for quality assurance six months on."""
    status = rng.choice(["in_progress", "approved", "published", "published"])
    decided = today - timedelta(days=rng.randint(60, 1500))
    submitted = decided + timedelta(days=182) if status != "in_progress" and decided + timedelta(days=182) < today \
        else None
    return dict(partnership_id=partnership_id, reference=f"{prefix} DHR {n:05d}", review_type="dhr",
                pseudonyms=f"Adult {n}", independent_chair="Independent chair", status=status, decision_on=decided,
                submitted_on=submitted, publication_url="", created_at=now, updated_at=now)


def generate(scale, today=None, prefix="Synthetic"):
    """Add a synthetic data set; returns counts. Running it twice adds a second set (use a fresh database)."""
    # bandit B311: repeatable test data from a seed, not a secret
    rng = random.Random(scale.seed)  # nosec B311
    today = today or london_today()
    now = datetime.now(UTC)
    password = hash_password("synthetic-data-password")

    # every other partnership takes part in open data
    _insert(Partnership, [dict(name=f"{prefix} partnership {n:03d}", area=f"Area {n:03d}", rag_warning_days=28,
                               stale_after_days=42, open_data=n % 2 == 0, created_at=now, updated_at=now)
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
        users.append(dict(name=f"Chair {p}", email=f"chair.{p}@{prefix.lower()}.example"))
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
        memberships.append(dict(user_id=ids_by_email[f"chair.{p}@{prefix.lower()}.example"], partnership_id=p,
                                role=Role.STRATEGIC_MEMBER, is_chair=True))
        for a in agencies[p]:
            lead_of[a] = ids_by_email[f"lead.{a}@{prefix.lower()}.example"]
            memberships.append(dict(user_id=lead_of[a], partnership_id=p, role=Role.AGENCY_LEAD, agency_id=a,
                                    is_chair=False))
    _insert(Membership, [dict(m, created_at=now, updated_at=now) for m in memberships])

    # the largest partnership has reviews in proportion to its actions, so its plans are no larger than others'
    _insert(Review, [_review(n, rng.choice(partnership_ids) if n < scale.reviews else partnership_ids[0], rng,
                             prefix, today, now)
                     for n in range(scale.reviews + scale.largest // ACTIONS_PER_REVIEW)])
    reviews = db.session.execute(sa.select(Review.id, Review.partnership_id).where(
        Review.reference.like(f"{prefix} DHR %"))).all()
    _insert(Recommendation, [dict(review_id=r, number=str(k), text=f"Recommendation {k} of review {r}",
                                  scope=Scope.LOCAL, external_body="", component="",
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

    bodies = _bodies_and_answers(reviews, themes, rng, prefix, today, now, password)
    findings = _benchmarks(partnership_ids, scale.findings, today, now) if scale.findings else {}
    policy = schedule.Policy()
    actions = []
    for n in range(scale.actions + scale.largest):
        p = partnership_ids[n % len(partnership_ids) if n < scale.actions else 0]
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
        # a key issue is answered by a few actions: the largest partnership's extra actions answer few of them
        finding = findings[p][n % len(findings[p])] if findings and rec is None and n % 4 == 0 and (
            n < scale.actions or n % 1000 == 0) else None
        source = ActionSource.DHR if rec else ActionSource.BENCHMARK if finding else ActionSource.STRATEGY
        is_open = status in (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED)
        actions.append(dict(
            partnership_id=p, source=source, recommendation_id=rec, finding_id=finding,
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
    _insert(ProgressUpdate, (dict(
        action_id=first_action + rng.randrange(len(actions)), author_id=lead_of[
            rng.choice(agencies[partnership_ids[0]])], at=now - timedelta(days=rng.randint(0, 700)),
        note="Progress reported at the delivery group", status=ActionStatus.IN_PROGRESS, evidence_url="")
        for _ in range(scale.updates)))
    db.session.commit()
    return dict(partnerships=len(partnership_ids), reviews=len(reviews), actions=len(actions), updates=scale.updates,
                **bodies)


#: what national recommendations ask, so that bodies receive near-copies of one another as they do in life
ASKS = ["revise the statutory guidance on {topic}", "fund training for {staff} in {topic}",
        "issue guidance to {staff} on {topic}", "commission research into {topic}",
        "make sure that {staff} record {topic}"]
TOPICS = ["coercive and controlling behaviour", "economic abuse", "suicide after domestic abuse",
          "the risk from adult family members", "routine enquiry", "information sharing across borders"]
STAFF = ["GPs", "police call handlers", "housing officers", "probation officers", "employers"]
BODY_COUNT = 40
BODY_KINDS = ["government_department", "national_agency", "regional_body", "other"]


def _bodies_and_answers(reviews, themes, rng, prefix, today, now, password):
    """BODY_COUNT bodies, each with a contact, and a national observer; one national recommendation per review,
    addressed to one body (every fifth to two), sent when the review was approved or published (some unpublished
    ones earlier, with a shared text), about half of those answered and some assessed. Returns counts."""
    from tracker.accounts.models import User
    from tracker.bodies.models import BodyContact, BodyRecommendation, ExternalBody
    from tracker.enums import NationalRole

    _insert(ExternalBody, [dict(name=f"{prefix} body {n:02d}", name_key=f"{prefix.lower()} body {n:02d}",
                                kind=BODY_KINDS[n % 4], created_at=now, updated_at=now) for n in range(BODY_COUNT)])
    body_ids = _ids(ExternalBody, ExternalBody.name.like(f"{prefix} body %"))
    _insert(User, [dict(name=f"Respondent {b}", email=f"respondent.{b}@{prefix.lower()}.example",
                        password_hash=password, is_active=True, is_administrator=False,
                        session_token=f"{prefix}-respondent-{b}", created_at=now, updated_at=now,
                        upcoming_frequency="daily") for b in body_ids]
            + [dict(name="National observer", email=f"observer@{prefix.lower()}.example", password_hash=password,
                    is_active=True, is_administrator=False, session_token=f"{prefix}-observer", created_at=now,
                    updated_at=now, upcoming_frequency="daily", national_role=NationalRole.OBSERVER)])
    respondents = dict(db.session.execute(sa.select(User.email, User.id).where(
        User.email.like(f"respondent.%@{prefix.lower()}.example"))).all())
    _insert(BodyContact, [dict(body_id=b, user_id=respondents[f"respondent.{b}@{prefix.lower()}.example"],
                               created_at=now, updated_at=now) for b in body_ids])
    names = dict(db.session.execute(sa.select(ExternalBody.id, ExternalBody.name).where(
        ExternalBody.id.in_(body_ids))).all())
    published = dict(db.session.execute(sa.select(Review.id, Review.status).where(
        Review.id.in_([r for r, _p in reviews]))).all())
    # in the reviews' order, each choice by position, never by an id the database chose: the same seed gives the
    # same data on every database
    reviews = sorted(reviews)
    texts, addressed = [], []
    for n, (review_id, _p) in enumerate(reviews):
        ask = rng.choice(ASKS).format(topic=rng.choice(TOPICS), staff=rng.choice(STAFF))
        chosen = rng.sample(body_ids, 2 if n % 5 == 0 else 1)
        texts.append(dict(review_id=review_id, number="N1", scope=Scope.NATIONAL, component="", welsh_text="",
                          text=f"The {' and the '.join(names[b] for b in chosen)} should {ask}.",
                          external_body="; ".join(names[b] for b in chosen), created_at=now, updated_at=now))
        addressed.append(chosen)
    _insert(Recommendation, texts)
    national = dict(db.session.execute(sa.select(Recommendation.review_id, Recommendation.id).where(
        Recommendation.number == "N1", Recommendation.review_id.in_([r for r, _p in reviews]))).all())
    db.session.execute(sa.insert(recommendation_theme), [
        dict(recommendation_id=national[r], theme_id=rng.choice(sorted(themes[p]))) for r, p in reviews])
    items = []
    for (review_id, _p), chosen in zip(reviews, addressed, strict=True):
        is_published = published[review_id] in ("published", "approved")
        for body_id in chosen:
            sent = today - timedelta(days=rng.randint(1, 700)) if is_published or rng.random() < 0.3 else None
            due = sent + timedelta(days=56) if sent else None
            answered = sent + timedelta(days=rng.randint(10, 120)) if sent and rng.random() < 0.5 else None
            answered = answered if answered and answered <= today else None
            assessment = rng.choice(["open_acceptable", "open_unacceptable", "closed_implemented",
                                     "closed_alternative"]) if answered and rng.random() < 0.6 else None
            items.append(dict(
                recommendation_id=national[review_id], body_id=body_id, sent_on=sent, response_due_on=due,
                shared_text="A recommendation shared before publication" if sent and not is_published else "",
                response_received_on=answered, stance=rng.choice(["accepted", "accepted_in_part", "rejected"])
                if answered else None, response_text="Our answer" if answered else "", assessment=assessment,
                assessed_on=answered if assessment else None, assessment_reason="Judged" if assessment else "",
                version=1, created_at=now, updated_at=now))
    _insert(BodyRecommendation, items)
    return dict(bodies=len(body_ids), recommendations_to_bodies=len(items))


def _benchmarks(partnership_ids, per_partnership, today, now):
    """One benchmark against the first framework for each partnership, scored, with its findings; returns each
    partnership's finding ids."""
    load_frameworks()
    components = db.session.scalars(sa.select(Component).order_by(Component.framework_id, Component.number)).all()
    framework_id = components[0].framework_id
    components = [c.id for c in components if c.framework_id == framework_id]
    _insert(Benchmark, [dict(partnership_id=p, framework_id=framework_id, started_on=today - timedelta(days=200),
                             reviewer="Synthetic reviewer", overall_commentary="", created_at=now, updated_at=now)
                        for p in partnership_ids])
    benchmarks = db.session.execute(sa.select(Benchmark.id, Benchmark.partnership_id).where(
        Benchmark.partnership_id.in_(partnership_ids))).all()
    _insert(ComponentScore, [dict(benchmark_id=b, component_id=c, score=1 + (b + c) % 4, commentary="")
                             for b, _p in benchmarks for c in components])
    _insert(Finding, [dict(benchmark_id=b, component_id=components[k % len(components)], position=k,
                           text=f"Finding {k + 1} of the benchmark", is_no_action_needed=False, no_action_reason="")
                      for b, _p in benchmarks for k in range(per_partnership)])
    findings = {}
    for finding_id, partnership_id in db.session.execute(
            sa.select(Finding.id, Benchmark.partnership_id).join(Benchmark).where(
                Benchmark.partnership_id.in_(partnership_ids)).order_by(Finding.id)):
        findings.setdefault(partnership_id, []).append(finding_id)
    return findings

"""The demo partnership: Milton Keynes, whose 2012 benchmark is in shared/data, with one person per role."""
import sqlalchemy as sa

from tracker.accounts.models import User
from tracker.accounts.services import hash_password
from tracker.enums import Role, Sector
from tracker.extensions import db
from tracker.partnerships.models import Agency, Membership, Partnership

PARTNERSHIP = ("Milton Keynes Domestic Abuse Partnership", "Milton Keynes")

AGENCIES = [
    ("Thames Valley Police", Sector.POLICE),
    ("Milton Keynes University Hospital NHS Foundation Trust", Sector.HEALTH),
    ("Central and North West London NHS Foundation Trust", Sector.HEALTH),
    ("Milton Keynes City Council Children's Social Care", Sector.CHILDRENS_SERVICES),
    ("Milton Keynes City Council Adult Social Care", Sector.ADULT_SOCIAL_CARE),
    ("Milton Keynes City Council Housing", Sector.HOUSING),
    ("Probation Service, Thames Valley", Sector.PROBATION),
    ("Milton Keynes Schools Partnership", Sector.EDUCATION),
    ("MK Act", Sector.SPECIALIST_DA_SERVICE),
    ("Safer MK Community Safety Partnership", Sector.LOCAL_AUTHORITY),
]

#: (email, name, administrator?, role, agency name or None, chairs the strategic group?)
PEOPLE = [
    ("admin@demo.example", "Sam Okafor", True, None, None, False),
    ("coordinator@demo.example", "Priya Shah", False, Role.COORDINATOR, None, False),
    ("agency.lead@demo.example", "Tom Reid", False, Role.AGENCY_LEAD, "Thames Valley Police", False),
    ("strategic.chair@demo.example", "Helen Marsh", False, Role.STRATEGIC_MEMBER,
     "Safer MK Community Safety Partnership", True),
    ("strategic.member@demo.example", "David Chen", False, Role.STRATEGIC_MEMBER,
     "Milton Keynes University Hospital NHS Foundation Trust", False),
    ("viewer@demo.example", "Ruth Evans", False, Role.VIEWER, None, False),
    ("panel.chair@demo.example", "Margaret Ode", False, Role.PANEL_MEMBER, None, False),
]

#: a confidential review in progress: (number, text, agency addressed, theme, action or None)
REVIEW = ("DHR 2025-01", "Adult A", 4, 2025)
RECOMMENDATIONS = [
    ("1", "Thames Valley Police should make sure that MARAC outcomes reach the victim's GP practice.",
     "Thames Valley Police", "Information sharing",
     ("Publish a protocol for sending MARAC outcomes to GP practices within two working days", 90)),
    ("2", "Housing officers should ask about domestic abuse when a tenant reports rent arrears or repairs "
          "that suggest violence.", "Milton Keynes City Council Housing", "Routine or selective enquiry",
     ("Add a routine enquiry question to housing arrears and repairs assessments", 150)),
    ("3", "All agencies should train front-line staff to recognise coercive and controlling behaviour.",
     "MK Act", "Training", None),
]


#: (title, outcome, measure, lead agency, owner email, deadline in days from today, resources, component)
ACTIONS = [
    ("Publish a domestic abuse strategy for 2027 to 2030 agreed by every partner",
     "All agencies work to one shared vision and set of priorities",
     "Strategy signed off by the Community Safety Partnership board and published on the council website",
     "Safer MK Community Safety Partnership", "strategic.chair@demo.example", 75,
     dict(staff_time="Coordinator, 10 days; partner workshops within existing resources"), "strategy"),
    ("Train all response officers to recognise coercive and controlling behaviour",
     "Officers identify coercive control at the first call-out",
     "All 212 response officers complete the course; attendance register kept",
     "Thames Valley Police", "agency.lead@demo.example", -12,
     dict(estimated_cost="4800.00", funding_source="Police and Crime Commissioner grant"), "training"),
    ("Consider a broader violence against women and girls approach", "", "", None, None, 400, {}, "shared_objective"),
    ("Introduce routine enquiry about domestic abuse in maternity and emergency departments",
     "Victims who attend hospital are asked safely and referred",
     "Routine enquiry recorded in 90% of maternity bookings, audited quarterly",
     "Milton Keynes University Hospital NHS Foundation Trust", "strategic.member@demo.example", 20,
     dict(within_existing_resources=True), "policies"),
]


def _load_actions(partnership, agencies):
    from datetime import timedelta
    from decimal import Decimal

    from tracker.actions.models import Action
    from tracker.actions.services import refresh_smart
    from tracker.actions.state import london_today

    today = london_today()
    existing = set(db.session.scalars(sa.select(Action.title).where(Action.partnership_id == partnership.id)))
    for title, outcome, measure, agency_name, owner_email, days, resources, component in ACTIONS:
        if title in existing:
            continue
        owner = db.session.scalar(sa.select(User).where(User.email == owner_email)) if owner_email else None
        if "estimated_cost" in resources:
            resources = {**resources, "estimated_cost": Decimal(resources["estimated_cost"])}
        deadline = today + timedelta(days=days)
        action = Action(partnership_id=partnership.id, title=title, outcome=outcome, measure=measure,
                        lead_agency_id=agencies[agency_name].id if agency_name else None,
                        owner_id=owner.id if owner else None, deadline=deadline, original_deadline=deadline,
                        review_arrangement="Quarterly at the delivery group" if owner else "",
                        component=component, **resources)
        refresh_smart(action)
        db.session.add(action)


def _load_review(partnership, agencies):
    from datetime import date, timedelta

    from tracker.actions.models import Action
    from tracker.actions.services import refresh_smart
    from tracker.actions.state import london_today
    from tracker.enums import ActionSource, ReviewStatus
    from tracker.reviews.models import PanelMember, Recommendation, Review
    from tracker.reviews.services import themes_of

    reference, pseudonym, month, year = REVIEW
    if db.session.scalar(sa.select(Review.id).where(Review.partnership_id == partnership.id,
                                                    Review.reference == reference)):
        return
    today = london_today()
    review = Review(partnership_id=partnership.id, reference=reference, pseudonyms=pseudonym, death_month=month,
                    death_year=year, independent_chair="Margaret Ode", status=ReviewStatus.IN_PROGRESS,
                    decision_on=date(2025, 6, 2), commissioned_on=date(2025, 7, 14))
    db.session.add(review)
    db.session.flush()
    chair = db.session.scalar(sa.select(User).where(User.email == "panel.chair@demo.example"))
    lead = db.session.scalar(sa.select(User).where(User.email == "agency.lead@demo.example"))
    db.session.add_all([PanelMember(review_id=review.id, user_id=chair.id, is_chair=True),
                        PanelMember(review_id=review.id, user_id=lead.id)])
    themes = {t.name: t for t in themes_of(partnership)}
    for number, text, agency_name, theme, action in RECOMMENDATIONS:
        recommendation = Recommendation(review_id=review.id, number=number, text=text,
                                        agencies=[agencies[agency_name]], themes=[themes[theme]])
        db.session.add(recommendation)
        if action is not None:
            title, days = action
            deadline = today + timedelta(days=days)
            record = Action(partnership_id=partnership.id, source=ActionSource.DHR, recommendation=recommendation,
                            title=title, lead_agency_id=agencies[agency_name].id, deadline=deadline,
                            original_deadline=deadline, theme=theme)
            refresh_smart(record)
            db.session.add(record)


#: key issues of the 2012 benchmark that are strengths, not weaknesses
STRENGTHS = {"Clear structure", "Excellent commissioned service", "Outstanding refuge facilities",
             "LSCB training highly regarded", "Good funding for the commissioned service",
             "Commissioned service an example of good practice", "Good operational referral systems"}


def _load_benchmark(partnership):
    """The reference data, then Milton Keynes' real 2012 benchmark, so that a new user sees a real example."""
    from tracker.benchmarks.models import Benchmark, ReferenceScore
    from tracker.benchmarks.services import DATA, import_json, load_frameworks, load_reference_scores

    if not db.session.scalar(sa.select(ReferenceScore.id).limit(1)):
        load_frameworks()
        load_reference_scores()
    if not db.session.scalar(sa.select(Benchmark.id).where(Benchmark.partnership_id == partnership.id)):
        benchmark = import_json(partnership, (DATA / "milton-keynes-2012-benchmark.json").read_bytes())
        for finding in benchmark.findings:
            if finding.text in STRENGTHS:
                finding.is_no_action_needed, finding.no_action_reason = True, "A strength to keep"
        db.session.commit()


def load_demo(password):
    """Create whatever of the demo is missing; returns the emails of accounts created now."""
    name, area = PARTNERSHIP
    partnership = db.session.scalar(sa.select(Partnership).where(Partnership.name == name))
    if partnership is None:
        partnership = Partnership(name=name, area=area)
        db.session.add(partnership)
        db.session.flush()
    agencies = {a.name: a for a in partnership.agencies}
    for agency_name, sector in AGENCIES:
        if agency_name not in agencies:
            agencies[agency_name] = Agency(partnership=partnership, name=agency_name, sector=sector)
            db.session.add(agencies[agency_name])
    db.session.flush()

    created = []
    for email, person_name, is_admin, role, agency_name, is_chair in PEOPLE:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(name=person_name, email=email, is_administrator=is_admin,
                        password_hash=hash_password(password))
            db.session.add(user)
            db.session.flush()
            created.append(email)
        if role is None:
            continue
        agency_id = agencies[agency_name].id if agency_name else None
        has_role = db.session.scalar(sa.select(Membership.id).where(
            Membership.user_id == user.id, Membership.partnership_id == partnership.id, Membership.role == role))
        if not has_role:
            db.session.add(Membership(user=user, partnership_id=partnership.id, role=role, agency_id=agency_id,
                                      is_chair=is_chair))
    db.session.flush()
    _load_actions(partnership, agencies)
    _load_review(partnership, agencies)
    db.session.commit()
    _load_benchmark(partnership)
    return created
